/*
 * credential_fetch.c - see credential_fetch.h.
 */
#define _GNU_SOURCE
#include "credential_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api_answer.h"
#include "debug.h"
#include "api.h"
#include "monotonic.h"
#include "secret.h"

/* The pause before the one more try: 250 ms plus up to 250 ms of jitter, so
 * that a fleet of CI jobs hit by the same outage does not come back at once. */
#define RETRY_PAUSE_MS 250
#define RETRY_JITTER_MS 250

bool credential_fetch_should_try_again(bool answered, long status, bool transient)
{
	return answered ? status >= 500 && status <= 599 : transient;
}

static long pause_with_jitter(void)
{
	unsigned int random = 0;
	if (getrandom(&random, sizeof random, GRND_NONBLOCK) != sizeof random)
		random = (unsigned int)monotonic_ms();
	long ms = RETRY_PAUSE_MS + (long)(random % RETRY_JITTER_MS);
	monotonic_sleep_ms(ms);
	return ms;
}

/*
 * Reads the credential out of a 200 answer.  *said_no: the answer says
 * there is no usable credential (the var is missing, or not a postgres URL
 * libpq reads with a host, user and password).
 */
static bool read_answer(const struct libpq_api *pq, const struct cjson_api *json,
			const struct api_response *res, const char *config_var,
			struct credential *out, bool *said_no, struct hpg_error *err)
{
	*out = (struct credential)CREDENTIAL_INIT;
	char *url = NULL;
	if (!api_answer_find_config_var(json, res->body, res->length, config_var, &url, said_no,
					err))
		return false;
	struct hpg_error why;
	bool ok = credential_from_url(pq, url, out, &why);
	secret_free(url);
	if (!ok) {
		hpg_error_set(err, "config var %s: %s", config_var, why.text);
		*said_no = strcmp(why.text, "out of memory") != 0;
	}
	return ok;
}

/* One request, and one more when the first failed in a way that may pass. */
static bool request_with_one_more_try(const struct curl_api *curl, struct api_request *req,
				      struct api_response *res, struct hpg_error *err)
{
	*res = (struct api_response)API_RESPONSE_INIT;
	long deadline = monotonic_ms() + req->timeout_ms;
	CURL *handle = api_handle_acquire(curl);
	if (handle == NULL) {
		/* curl_easy_init fails only when memory runs out */
		hpg_error_set(err, "out of memory: libcurl could not start a request");
		return false;
	}
	bool answered = api_get_config_vars(curl, handle, req, res, err);
	if (credential_fetch_should_try_again(answered, res->status, res->transient)) {
		hpg_debug("GET %s/apps/%s/config-vars: %s; trying once more", req->base_url,
			  req->app, answered ? "server error" : err->text);
		long paused = pause_with_jitter();
		req->timeout_ms = deadline - monotonic_ms();
		if (req->timeout_ms > 0) {
			hpg_debug("one more request after %ld ms", paused);
			api_response_free(res);
			answered = api_get_config_vars(curl, handle, req, res, err);
		}
	}
	api_handle_release(curl, handle);
	return answered;
}

bool credential_fetch(const struct libpq_api *pq, const struct fetch_settings *settings,
		      const char *app, const char *config_var, struct fetch_result *out,
		      struct hpg_error *err)
{
	*out = (struct fetch_result)FETCH_RESULT_INIT;
	const struct curl_api *curl = lazy_libs_curl(err);
	const struct cjson_api *json = curl ? lazy_libs_cjson(err) : NULL;
	if (json == NULL)
		return false;

	char *base_url = NULL;
	if (!api_base_url(curl, settings->heroku_host, &base_url, err))
		return false;

	struct api_request req = {
		.base_url = base_url,
		.app = app,
		.token = settings->token,
		.cainfo = settings->cainfo,
		.if_none_match = settings->if_none_match,
		.timeout_ms = settings->timeout_ms,
	};
	struct api_response res = API_RESPONSE_INIT;
	bool ok = request_with_one_more_try(curl, &req, &res, err);
	bool unavailable = !ok && (res.transient || res.timed_out);
	bool timed_out = !ok && res.timed_out, authoritative = false;
	long retry_after = 0, budget_left = res.ratelimit_remaining, status = res.status;
	if (ok) {
		char remaining[48] = "";
		if (res.ratelimit_remaining >= 0)
			snprintf(remaining, sizeof remaining, " (RateLimit-Remaining %ld)",
				 res.ratelimit_remaining);
		hpg_debug("GET %s/apps/%s/config-vars: HTTP %ld in %.0f ms%s", base_url, app,
			  res.status, res.seconds * 1000, remaining);
		if (res.status == 304 && settings->if_none_match != NULL) {
			out->not_modified = true;
		} else if (res.status == 200) {
			ok = read_answer(pq, json, &res, config_var, &out->cred, &authoritative, err);
			out->etag = res.etag;
			res.etag = NULL;
		} else {
			char *id = api_answer_error_id(json, res.body, res.length);
			api_status_explain(res.status, res.sent_credentials, app, id, err);
			free(id);
			unavailable = res.status == 429 || (res.status >= 500 && res.status <= 599);
			authoritative = res.status == 401 || res.status == 403 || res.status == 404;
			if (res.status == 429)
				retry_after = res.retry_after_seconds;
			if (retry_after > 0)
				hpg_error_set(err, "the Heroku API rate limit is spent (HTTP 429); it asks "
					      "for no request for %ld s (Retry-After): try again then, or "
					      "cache credentials with HPGSHIM_CACHE_TTL", retry_after);
			ok = false;
		}
		api_response_free(&res);
	}
	free(base_url);
	if (!ok) {
		credential_fetch_result_free(out);
		out->unavailable = unavailable;
		out->authoritative = authoritative;
		out->timed_out = timed_out;
		out->retry_after_seconds = retry_after;
	}
	out->ratelimit_remaining = budget_left;
	out->status = status;
	return ok;
}

void credential_fetch_result_free(struct fetch_result *result)
{
	credential_free(&result->cred);
	free(result->etag);
	*result = (struct fetch_result)FETCH_RESULT_INIT;
}
