/*
 * credential_source.c - see credential_source.h.
 */
#define _GNU_SOURCE
#include "credential_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_budget.h"
#include "cache.h"
#include "debug.h"
#include "single_flight.h"

/* --- the answer, as single_flight() shares it ------------------------------ */

static const struct credential_answer empty_answer = CREDENTIAL_ANSWER_INIT;

void credential_source_answer_free(struct credential_answer *answer)
{
	credential_free(&answer->cred);
	*answer = empty_answer;
}

static bool answer_copy(void *dst, const void *src)
{
	struct credential_answer *to = dst;
	const struct credential_answer *from = src;
	*to = *from;
	return credential_copy(&to->cred, &from->cred);
}

static void answer_release(void *answer)
{
	credential_source_answer_free(answer);
}

static const struct flight_outcome_type answer_type = {
	.size = sizeof(struct credential_answer),
	.empty = &empty_answer,
	.copy = answer_copy,
	.release = answer_release,
};

const char *credential_origin_name(enum credential_origin origin)
{
	switch (origin) {
	case CREDENTIAL_FETCHED:
		return "fetched";
	case CREDENTIAL_REVALIDATED:
		return "revalidated (HTTP 304)";
	case CREDENTIAL_HELD_TTL:
		return "held within HPGSHIM_CACHE_TTL";
	case CREDENTIAL_HELD_FLOOR:
		return "held: RateLimit-Remaining is below HPGSHIM_RATELIMIT_FLOOR";
	case CREDENTIAL_HELD_RETRY_AFTER:
		return "held: the Heroku API's Retry-After still runs";
	case CREDENTIAL_HELD_RECENTLY_ASKED:
		return "held: the Heroku API was asked moments ago";
	case CREDENTIAL_STALE_FALLBACK:
		return "held: the Heroku API failed (HPGSHIM_STALE_IF_ERROR)";
	}
	return "?";
}

/* --- one request ------------------------------------------------------------ */

/* What the job of one flight needs. */
struct fetch_job {
	const struct credential_query *q;
	const char *key;
	bool fresh;		/* unconditional: the held credential failed */
	long timeout_ms;
};

/*
 * Stale-if-error.  When the API fails for a reason that passes (a 5xx after
 * its one more try, a 429, a timeout, no connection, a broken transfer),
 * the credential held for the same key, not rejected since and at most
 * HPGSHIM_STALE_IF_ERROR seconds old, very likely still opens the database,
 * as a DATABASE_URL copied out of the config var would: use it.  Never for
 * a fresh fetch: the credential held has just failed.
 */
static bool fall_back(const struct fetch_job *job, struct credential_answer *out,
		      const struct hpg_error *why)
{
	const struct hpg_config *config = job->q->config;
	long age = 0;
	if (job->fresh || config->stale_if_error_seconds <= 0 ||
	    !cache_get_held(config, job->key, config->stale_if_error_seconds, &out->cred, &age))
		return false;
	hpg_debug("falling back to the credential held for %s/%s, fetched %ld s ago "
		  "(HPGSHIM_STALE_IF_ERROR=%ld), because %s", job->q->app, job->q->config_var,
		  age, config->stale_if_error_seconds, why->text);
	out->origin = CREDENTIAL_STALE_FALLBACK;
	out->age_seconds = age;
	snprintf(out->api_failure, sizeof out->api_failure, "%.*s",
		 (int)sizeof out->api_failure - 1, why->text);
	return true;
}

static bool run_fetch_job(void *arg, void *outcome, struct hpg_error *err)
{
	const struct fetch_job *job = arg;
	const struct credential_query *q = job->q;
	const struct hpg_config *config = q->config;
	struct credential_answer *out = outcome;
	struct credential held = CREDENTIAL_INIT;
	char *etag = NULL;
	struct fetch_result result = FETCH_RESULT_INIT;
	bool ok = false, unavailable = true;

	long wait = api_budget_wait_seconds(config);
	if (wait > 0) {
		hpg_error_set(err, "the Heroku API asked for no request for another %ld s (HTTP 429 "
			      "with Retry-After); try again then, or cache credentials with "
			      "HPGSHIM_CACHE_TTL", wait);
	} else {
		/* A miss (or no memory for a copy) leaves held empty and etag
		 * NULL: the request is then unconditional. */
		if (!job->fresh)
			(void)cache_get_validator(config, job->key, &held, &etag);
		struct fetch_settings settings = {
			.heroku_host = config->heroku_host,
			.token = config->token,
			.cainfo = config->cainfo,
			.if_none_match = etag,
			.timeout_ms = job->timeout_ms,
		};
		credential_fetch_fn *fetch = q->fetch ? q->fetch : credential_fetch;
		ok = fetch(q->pq, &settings, q->app, q->config_var, &result, err);
		api_budget_note(config, result.ratelimit_remaining, result.retry_after_seconds);
		unavailable = !ok && result.unavailable;
	}
	if (ok && result.not_modified) {
		hpg_debug("HTTP 304: the credential held is current");
		cache_put(config, job->key, &held, etag);
		out->cred = held;
		out->origin = CREDENTIAL_REVALIDATED;
		held = (struct credential)CREDENTIAL_INIT;
	} else if (ok) {
		cache_put(config, job->key, &result.cred, result.etag);
		out->cred = result.cred;
		out->origin = CREDENTIAL_FETCHED;
		result.cred = (struct credential)CREDENTIAL_INIT;
	} else if (unavailable) {
		ok = fall_back(job, out, err);
	}
	credential_free(&held);
	free(etag);
	credential_fetch_result_free(&result);
	return ok;
}

/* --- the decision ------------------------------------------------------------ */

/*
 * From the cache within HPGSHIM_CACHE_TTL, else from the API
 * (conditionally when a credential and its ETag are held, unconditionally
 * when fresh is asked for), one request per key however many threads ask.
 */
static bool obtain(const struct credential_query *q, const char *key, bool fresh,
		   struct credential_answer *out, struct hpg_error *err)
{
	const struct hpg_config *config = q->config;
	if (!fresh && cache_get_fresh(config, key, &out->cred)) {
		hpg_debug("credential for %s/%s from the cache (HPGSHIM_CACHE_TTL=%ld)",
			  q->app, q->config_var, config->cache_ttl_seconds);
		out->origin = CREDENTIAL_HELD_TTL;
		return true;
	}
	/* The account's budget runs low: what is held is good enough for a while. */
	long remaining = -1, age = 0;
	if (!fresh && api_budget_low(config, &remaining) &&
	    cache_get_held(config, key, HPGSHIM_FLOOR_REUSE_SECONDS, &out->cred, &age)) {
		hpg_debug("RateLimit-Remaining %ld is below HPGSHIM_RATELIMIT_FLOOR=%ld: reusing the "
			  "credential for %s/%s fetched %ld s ago", remaining,
			  config->ratelimit_floor, q->app, q->config_var, age);
		out->origin = CREDENTIAL_HELD_FLOOR;
		out->age_seconds = age;
		return true;
	}
	struct deadline own;
	const struct deadline *deadline = q->deadline;
	if (deadline == NULL) {
		deadline_start(&own, config->timeout_seconds, NULL, NULL);
		deadline = &own;
	}
	struct fetch_job job = { .q = q, .key = key, .fresh = fresh,
				 .timeout_ms = deadline_left_ms(deadline) };
	char *flight = NULL;
	if (asprintf(&flight, "%s%s", key, fresh ? "\nfresh" : "") < 0) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	bool ok = single_flight(flight, &answer_type, run_fetch_job, &job, out, err);
	free(flight);
	return ok;
}

bool credential_source_get(const struct credential_query *q, struct credential_answer *out,
			   struct hpg_error *err)
{
	*out = empty_answer;
	if (q->config->incomplete) {
		hpg_error_set(err, "out of memory while reading HEROKU_API_KEY, HEROKU_HOST and "
			      "HPGSHIM_* from the environment; hpgshim does not connect with "
			      "settings it could not read: restart the program");
		return false;
	}
	if (!cache_usable(q->config, err))
		return false;
	char *key = cache_key(q->config->heroku_host, q->app, q->config_var);
	if (key == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	bool fresh = q->reason != CREDENTIAL_FOR_CONNECT;
	if (q->reason == CREDENTIAL_AFTER_REJECTION || q->reason == CREDENTIAL_AFTER_FAILURE)
		cache_forget(q->config, key);
	bool ok = obtain(q, key, fresh, out, err);
	free(key);
	return ok;
}

void credential_source_failed(const struct hpg_config *config, const char *app,
			      const char *config_var, const struct credential *cred, bool rejected)
{
	(void)cred, (void)rejected;
	char *key = cache_key(config->heroku_host, app, config_var);
	if (key != NULL)
		cache_forget(config, key);
	free(key);
}
