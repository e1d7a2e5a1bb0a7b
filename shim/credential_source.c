/*
 * credential_source.c - see credential_source.h.
 *
 * Read it in three parts: the table (what to do, as data), what the table
 * reads (the state of a placeholder's credential: cache, API budget,
 * recheck), and how each step is carried out.  The table is docs/design.md's
 * "Where a credential comes from", row for row.
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

/* --- the table --------------------------------------------------------------- */

#define CONNECT CREDENTIAL_REASON_BIT(CREDENTIAL_FOR_CONNECT)
#define REJECTION CREDENTIAL_REASON_BIT(CREDENTIAL_AFTER_REJECTION)
#define FAILURE CREDENTIAL_REASON_BIT(CREDENTIAL_AFTER_FAILURE)
#define ROTATION_WAIT CREDENTIAL_REASON_BIT(CREDENTIAL_FOR_ROTATION_WAIT)
#define RESET CREDENTIAL_REASON_BIT(CREDENTIAL_FOR_RESET)
#define ANY_REASON (CONNECT | REJECTION | FAILURE | ROTATION_WAIT | RESET)

const struct credential_rule credential_rules[] = {
	/* A connect: the cheapest credential that is still right. */
	{ CONNECT, WHEN_HELD_WITHIN_TTL, false, STEP_SERVE_HELD, CREDENTIAL_HELD_TTL },
	{ CONNECT, WHEN_BUDGET_LOW_HELD_RECENT, false, STEP_SERVE_HELD, CREDENTIAL_HELD_FLOOR },
	{ CONNECT, WHEN_RETRY_AFTER_HELD, false, STEP_SERVE_HELD, CREDENTIAL_HELD_RETRY_AFTER },
	{ CONNECT, WHEN_RETRY_AFTER, false, STEP_FAIL_RETRY_AFTER, 0 },
	{ CONNECT, WHEN_ALWAYS, false, STEP_ASK, 0 },
	/* A failure that is not a rejection says nothing against the credential:
	 * keep it, and ask (conditionally) only to notice a failover or a
	 * pg:promote, at most once per CREDENTIAL_RECHECK_SECONDS. */
	{ FAILURE, WHEN_HELD_WITHIN_TTL, false, STEP_SERVE_HELD, CREDENTIAL_HELD_TTL },
	{ FAILURE, WHEN_BUDGET_LOW, false, STEP_SERVE_HELD, CREDENTIAL_HELD_FLOOR },
	{ FAILURE, WHEN_RETRY_AFTER, false, STEP_SERVE_HELD, CREDENTIAL_HELD_RETRY_AFTER },
	{ FAILURE, WHEN_ASKED_RECENTLY, false, STEP_SERVE_HELD, CREDENTIAL_HELD_RECENTLY_ASKED },
	{ FAILURE, WHEN_ALWAYS, false, STEP_ASK, 0 },
	/* A rejection ends the credential, and the next one is fetched at once,
	 * floor or not; only Retry-After stops the request. */
	{ REJECTION | RESET, WHEN_RETRY_AFTER, true, STEP_FAIL_RETRY_AFTER, 0 },
	{ REJECTION | RESET, WHEN_ALWAYS, true, STEP_ASK_UNCONDITIONALLY, 0 },
	{ ROTATION_WAIT, WHEN_RETRY_AFTER, false, STEP_FAIL_RETRY_AFTER, 0 },
	{ ROTATION_WAIT, WHEN_ALWAYS, false, STEP_ASK_UNCONDITIONALLY, 0 },
};
const size_t credential_rule_count = sizeof credential_rules / sizeof credential_rules[0];

const struct credential_after_rule credential_after_rules[] = {
	{ OUTCOME_FETCHED, REJECTION | RESET | ROTATION_WAIT, true, false, EFFECT_ANSWER_UNSTORED },
	{ OUTCOME_FETCHED, ANY_REASON, false, false, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_NOT_MODIFIED, ANY_REASON, false, false, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_SAID_NO, ANY_REASON, false, false, EFFECT_FORGET_AND_FAIL },
	/* Stale-if-error: never after a rejection, the held credential has just failed. */
	{ OUTCOME_UNAVAILABLE, CONNECT | FAILURE, false, true, EFFECT_FALL_BACK },
	{ OUTCOME_UNAVAILABLE, ANY_REASON, false, false, EFFECT_FAIL },
	{ OUTCOME_FAILED, ANY_REASON, false, false, EFFECT_FAIL },
};
const size_t credential_after_rule_count =
	sizeof credential_after_rules / sizeof credential_after_rules[0];

static bool condition_holds(enum credential_condition when, const struct credential_state *s)
{
	switch (when) {
	case WHEN_ALWAYS:
		return true;
	case WHEN_HELD_WITHIN_TTL:
		return s->held_within_ttl;
	case WHEN_BUDGET_LOW_HELD_RECENT:
		return s->budget_low && s->held_within_floor;
	case WHEN_BUDGET_LOW:
		return s->budget_low;
	case WHEN_RETRY_AFTER_HELD:
		return s->retry_after && s->held_within_stale;
	case WHEN_RETRY_AFTER:
		return s->retry_after;
	case WHEN_ASKED_RECENTLY:
		return s->asked_recently;
	}
	return false;
}

const struct credential_rule *credential_source_decide(enum credential_reason reason,
						       const struct credential_state *state,
						       size_t *row)
{
	*row = 0;
	for (size_t i = 0; i < credential_rule_count; i++)
		if ((credential_rules[i].reasons & CREDENTIAL_REASON_BIT(reason)) &&
		    condition_holds(credential_rules[i].when, state)) {
			*row = i;
			return &credential_rules[i];
		}
	/* Every reason ends in a WHEN_ALWAYS row: not reached. */
	*row = credential_rule_count - 1;
	return &credential_rules[credential_rule_count - 1];
}

const struct credential_after_rule *credential_source_after(enum credential_outcome outcome,
							    enum credential_reason reason,
							    bool same_as_failed,
							    bool held_within_stale, size_t *row)
{
	*row = 0;
	for (size_t i = 0; i < credential_after_rule_count; i++) {
		const struct credential_after_rule *r = &credential_after_rules[i];
		if (r->outcome == outcome && (r->reasons & CREDENTIAL_REASON_BIT(reason)) &&
		    (!r->when_same_as_failed || same_as_failed) &&
		    (!r->when_held_within_stale || held_within_stale)) {
			*row = i;
			return r;
		}
	}
	*row = credential_after_rule_count - 1;
	return &credential_after_rules[credential_after_rule_count - 1];
}

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

/* --- what the table reads ------------------------------------------------------ */

/* What one query works with. */
struct lookup {
	const struct credential_query *q;
	const char *key;		/* cache_key() */
	const struct deadline *deadline;
	long retry_after_seconds;	/* left of a running Retry-After, or 0 */
	long remaining;			/* the RateLimit-Remaining last heard, or -1 */
};

/* Held at most max_age_seconds ago (and not forgotten): copied into out. */
static bool held(const struct lookup *l, long max_age_seconds, struct credential_answer *out)
{
	return cache_get_held(l->q->config, l->key, max_age_seconds, &out->cred, &out->age_seconds);
}

/*
 * The state the table reads, as far as reason needs it: what no row of the
 * reason reads is left false, so that a connect reads no file it does not
 * need.  Asking whether the API was asked recently claims the next ask
 * (cache_claim_recheck()), so it is read last, and only when no earlier row
 * of a failure can match.
 */
static void read_state(struct lookup *l, enum credential_reason reason,
		       struct credential_state *s)
{
	const struct hpg_config *config = l->q->config;
	struct credential_answer probe = CREDENTIAL_ANSWER_INIT;
	*s = (struct credential_state){ 0 };

	l->retry_after_seconds = api_budget_wait_seconds(config);
	s->retry_after = l->retry_after_seconds > 0;
	if (reason != CREDENTIAL_FOR_CONNECT && reason != CREDENTIAL_AFTER_FAILURE)
		return;
	s->held_within_ttl = cache_get_fresh(config, l->key, &probe.cred);
	credential_source_answer_free(&probe);
	s->budget_low = api_budget_low(config, &l->remaining);
	s->held_within_floor = s->budget_low && held(l, HPGSHIM_FLOOR_REUSE_SECONDS, &probe);
	credential_source_answer_free(&probe);
	/* Only a row with Retry-After reads it: no file read otherwise. */
	s->held_within_stale = s->retry_after && config->stale_if_error_seconds > 0 &&
			       held(l, config->stale_if_error_seconds, &probe);
	credential_source_answer_free(&probe);
	if (reason == CREDENTIAL_AFTER_FAILURE && !s->held_within_ttl && !s->budget_low &&
	    !s->retry_after)
		s->asked_recently = !cache_claim_recheck(config, l->key, CREDENTIAL_RECHECK_SECONDS);
}

/* A few words on why the API gave nothing, for the fallback's warning. */
static void summarise_failure(const struct fetch_result *result, char *text, size_t size)
{
	if (result->status != 0)
		snprintf(text, size, "the Heroku API failed (HTTP %ld)", result->status);
	else if (result->timed_out)
		snprintf(text, size, "the Heroku API did not answer in time");
	else
		snprintf(text, size, "the Heroku API could not be reached");
}

/* --- the steps ---------------------------------------------------------------- */

/* The debug line that says which held credential serves, and why. */
static void debug_held(const struct lookup *l, const struct credential_answer *out)
{
	const struct credential_query *q = l->q;
	const struct hpg_config *config = q->config;
	switch (out->origin) {
	case CREDENTIAL_HELD_TTL:
		hpg_debug("credential for %s/%s from the cache (HPGSHIM_CACHE_TTL=%ld)", q->app,
			  q->config_var, config->cache_ttl_seconds);
		break;
	case CREDENTIAL_HELD_FLOOR:
		hpg_debug("RateLimit-Remaining %ld is below HPGSHIM_RATELIMIT_FLOOR=%ld: reusing the "
			  "credential for %s/%s fetched %ld s ago", l->remaining,
			  config->ratelimit_floor, q->app, q->config_var, out->age_seconds);
		break;
	case CREDENTIAL_HELD_RETRY_AFTER:
		hpg_debug("falling back to the credential held for %s/%s, fetched %ld s ago "
			  "(HPGSHIM_STALE_IF_ERROR=%ld), because %s", q->app, q->config_var,
			  out->age_seconds, config->stale_if_error_seconds, out->api_failure);
		break;
	default:
		hpg_debug("credential for %s/%s: %s", q->app, q->config_var,
			  credential_origin_name(out->origin));
		break;
	}
}

/* STEP_SERVE_HELD. */
static bool serve_held(const struct lookup *l, const struct credential_rule *rule,
		       struct credential_answer *out, struct hpg_error *err)
{
	const struct credential_query *q = l->q;
	const struct hpg_config *config = q->config;
	/* Before a connect, a held credential serves as long as its row allows;
	 * after a failure, the credential held of any age that stale-if-error
	 * would serve: it is what the failed connect is compared with. */
	long max_age = config->stale_if_error_seconds;
	if (rule->origin == CREDENTIAL_HELD_FLOOR && q->reason == CREDENTIAL_FOR_CONNECT)
		max_age = HPGSHIM_FLOOR_REUSE_SECONDS;
	bool ok = rule->origin == CREDENTIAL_HELD_TTL ? cache_get_fresh(config, l->key, &out->cred)
						      : held(l, max_age, out);
	if (rule->origin == CREDENTIAL_HELD_RETRY_AFTER)
		snprintf(out->api_failure, sizeof out->api_failure, "the Heroku API asked for no "
			 "request for another %ld s (HTTP 429 with Retry-After)",
			 l->retry_after_seconds);
	/* After a failure, nothing held (another process forgot it, or it is
	 * older than that): the credential that failed is all there is. */
	if (!ok && q->failed != NULL && q->reason == CREDENTIAL_AFTER_FAILURE)
		ok = credential_copy(&out->cred, q->failed);
	if (!ok) {
		/* The row matched on what the cache held a moment ago: it was
		 * forgotten since (by another thread or process), or memory ran out
		 * for the copy.  The caller asks the API instead, if it may. */
		credential_source_answer_free(out);
		hpg_error_set(err, "out of memory, or the credential held was forgotten a moment "
			      "ago; try again");
		return false;
	}
	out->origin = rule->origin;
	debug_held(l, out);
	return true;
}

/* What the job of one flight needs. */
struct fetch_job {
	const struct lookup *l;
	bool conditional;
};

static enum credential_outcome classify(bool ok, const struct fetch_result *result)
{
	if (ok)
		return result->not_modified ? OUTCOME_NOT_MODIFIED : OUTCOME_FETCHED;
	if (result->authoritative)
		return OUTCOME_SAID_NO;
	return result->unavailable ? OUTCOME_UNAVAILABLE : OUTCOME_FAILED;
}

/* The request, and what its outcome does (the second table), in one flight. */
static bool run_fetch_job(void *arg, void *outcome, struct hpg_error *err)
{
	const struct fetch_job *job = arg;
	const struct lookup *l = job->l;
	const struct credential_query *q = l->q;
	const struct hpg_config *config = q->config;
	struct credential_answer *out = outcome;
	struct credential validated = CREDENTIAL_INIT;
	char *etag = NULL;
	struct fetch_result result = FETCH_RESULT_INIT;
	bool ok = false;

	/* A miss (or no memory for a copy) leaves validated empty and etag
	 * NULL: the request is then unconditional. */
	if (job->conditional)
		(void)cache_get_validator(config, l->key, &validated, &etag);
	long timeout_ms = deadline_left_ms(l->deadline);
	if (timeout_ms <= 0) {
		deadline_explain(l->deadline, "asking the Heroku API", err);
		result.unavailable = result.timed_out = true;
	} else {
		struct fetch_settings settings = {
			.heroku_host = config->heroku_host,
			.token = config->token,
			.cainfo = config->cainfo,
			.if_none_match = etag,
			.timeout_ms = timeout_ms,
		};
		credential_fetch_fn *fetch = q->fetch ? q->fetch : credential_fetch;
		ok = fetch(q->pq, &settings, q->app, q->config_var, &result, err);
		api_budget_note(config, result.ratelimit_remaining, result.retry_after_seconds);
		if (!ok && result.timed_out && deadline_is_the_connections(l->deadline)) {
			struct hpg_error limit;
			deadline_explain(l->deadline, "waiting for the Heroku API", &limit);
			hpg_error_set(err, "the Heroku API did not answer within %.1f s: %s",
				      (double)timeout_ms / 1000, limit.text);
		}
	}

	enum credential_outcome outcome_class = classify(ok, &result);
	const struct credential *answered = result.not_modified ? &validated : &result.cred;
	bool same_as_failed = ok && q->failed != NULL && credential_equal(answered, q->failed);
	struct credential_answer fallback = CREDENTIAL_ANSWER_INIT;
	bool held_within_stale = outcome_class == OUTCOME_UNAVAILABLE &&
				 config->stale_if_error_seconds > 0 &&
				 held(l, config->stale_if_error_seconds, &fallback);
	size_t row;
	const struct credential_after_rule *rule =
		credential_source_after(outcome_class, q->reason, same_as_failed,
					held_within_stale, &row);
	switch (rule->effect) {
	case EFFECT_STORE_AND_ANSWER:
		cache_put(config, l->key, answered, result.not_modified ? etag : result.etag);
		/* fall through */
	case EFFECT_ANSWER_UNSTORED:
		if (result.not_modified) {
			hpg_debug("HTTP 304: the credential held is current");
			out->cred = validated;
			validated = (struct credential)CREDENTIAL_INIT;
			out->origin = CREDENTIAL_REVALIDATED;
		} else {
			out->cred = result.cred;
			result.cred = (struct credential)CREDENTIAL_INIT;
			out->origin = CREDENTIAL_FETCHED;
		}
		break;
	case EFFECT_FORGET_AND_FAIL:
		hpg_debug("the Heroku API says there is no credential for %s/%s: the one held is "
			  "forgotten", q->app, q->config_var);
		cache_forget(config, l->key, NULL);
		ok = false;
		break;
	case EFFECT_FALL_BACK:
		hpg_debug("falling back to the credential held for %s/%s, fetched %ld s ago "
			  "(HPGSHIM_STALE_IF_ERROR=%ld), because %s", q->app, q->config_var,
			  fallback.age_seconds, config->stale_if_error_seconds, err->text);
		*out = fallback;
		fallback = empty_answer;
		out->origin = CREDENTIAL_STALE_FALLBACK;
		summarise_failure(&result, out->api_failure, sizeof out->api_failure);
		ok = true;
		break;
	case EFFECT_FAIL:
		ok = false;
		break;
	}
	credential_source_answer_free(&fallback);
	credential_free(&validated);
	free(etag);
	credential_fetch_result_free(&result);
	return ok;
}

/* STEP_ASK and STEP_ASK_UNCONDITIONALLY: one request per key and kind however many threads ask. */
static bool ask(const struct lookup *l, bool conditional, struct credential_answer *out,
		struct hpg_error *err)
{
	struct fetch_job job = { .l = l, .conditional = conditional };
	char *flight = NULL;
	if (asprintf(&flight, "%s\n%s", l->key, conditional ? "conditional" : "unconditional") < 0) {
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
	const struct hpg_config *config = q->config;
	if (config->incomplete) {
		hpg_error_set(err, "out of memory while reading HEROKU_API_KEY, HEROKU_HOST and "
			      "HPGSHIM_* from the environment; hpgshim does not connect with "
			      "settings it could not read: restart the program");
		return false;
	}
	if (!cache_usable(config, err))
		return false;
	struct deadline own;
	if (q->deadline == NULL)
		deadline_start(&own, config->timeout_seconds, NULL, NULL);
	struct lookup l = { .q = q, .deadline = q->deadline ? q->deadline : &own, .remaining = -1 };
	char *key = cache_key(config->heroku_host, q->app, q->config_var);
	if (key == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	l.key = key;

	struct credential_state state;
	read_state(&l, q->reason, &state);
	size_t row;
	const struct credential_rule *rule = credential_source_decide(q->reason, &state, &row);
	if (rule->forgets_failed && q->failed != NULL)
		cache_forget(config, key, q->failed);
	bool ok = false;
	switch (rule->step) {
	case STEP_SERVE_HELD:
		ok = serve_held(&l, rule, out, err);
		/* Gone since the state was read: ask, unless Retry-After forbids it. */
		if (!ok && !state.retry_after)
			ok = ask(&l, true, out, err);
		break;
	case STEP_ASK:
	case STEP_ASK_UNCONDITIONALLY:
		ok = ask(&l, rule->step == STEP_ASK, out, err);
		break;
	case STEP_FAIL_RETRY_AFTER:
		hpg_error_set(err, "the Heroku API asked for no request for another %ld s (HTTP 429 "
			      "with Retry-After); try again then, or cache credentials with "
			      "HPGSHIM_CACHE_TTL", l.retry_after_seconds);
		break;
	}
	free(key);
	return ok;
}

void credential_source_failed(const struct hpg_config *config, const char *app,
			      const char *config_var, const struct credential *cred, bool rejected)
{
	if (!rejected)
		return;		/* nothing against the credential: it stays */
	char *key = cache_key(config->heroku_host, app, config_var);
	if (key != NULL) {
		hpg_debug("the server rejected the credential for %s/%s: forgotten", app, config_var);
		cache_forget(config, key, cred);
	}
	free(key);
}
