/*
 * credential_fetch.h - an app's current credential, from the Heroku API.
 *
 * GET /apps/{APP}/config-vars, find the config var, read its URL: each step
 * has its own module (heroku_api, config_vars, credential); this one puts
 * them in order, tries once more after a 5xx or a network failure, and
 * turns what went wrong into one sentence.
 */
#ifndef HPGSHIM_CREDENTIAL_FETCH_H
#define HPGSHIM_CREDENTIAL_FETCH_H

#include <stdbool.h>

#include "credential.h"
#include "error.h"
#include "libpq_api.h"

struct fetch_settings {
	const char *heroku_host;	/* HEROKU_HOST, or NULL */
	const char *token;		/* HEROKU_API_KEY, or NULL for ~/.netrc */
	const char *cainfo;		/* HPGSHIM_CAINFO, or NULL */
	const char *if_none_match;	/* ETag of the credential held, or NULL */
	long timeout_ms;		/* for all tries together */
};

struct fetch_result {
	bool not_modified;	/* HTTP 304: the credential held is current; cred is empty */
	struct credential cred;
	char *etag;		/* malloc'd, or NULL */
	/*
	 * What the API said about itself, set on failure too.  unavailable: the
	 * fetch failed for a reason that passes (a 5xx after its one more try, a
	 * 429, a timeout, no connection, a broken transfer), not for an answer
	 * (401, 403, 404, a missing config var, a malformed body) nor a TLS
	 * verification failure or a refused HEROKU_HOST.
	 */
	bool unavailable;
	/*
	 * authoritative: the API said no, and means it: 401, 403, 404, a
	 * missing config var, or a value that is not a usable postgres URL.
	 * The credential held for the placeholder is over.
	 */
	bool authoritative;
	bool timed_out;			/* no answer within timeout_ms */
	long status;			/* the last answer's HTTP status, 0: none came */
	long retry_after_seconds;	/* a 429's Retry-After, or 0 */
	long ratelimit_remaining;	/* the answer's RateLimit-Remaining, or -1 */
};

#define FETCH_RESULT_INIT { .cred = CREDENTIAL_INIT, .ratelimit_remaining = -1 }

/*
 * Fills *out (release with credential_fetch_result_free()), or err with the reason and
 * what out says of a failure (unavailable, authoritative, timed_out, status,
 * retry_after_seconds, ratelimit_remaining).
 */
bool credential_fetch(const struct libpq_api *pq, const struct fetch_settings *settings,
		      const char *app, const char *config_var, struct fetch_result *out,
		      struct hpg_error *err);

/* credential_fetch's shape: struct connect_context names the one it uses (tests replace it). */
typedef bool credential_fetch_fn(const struct libpq_api *pq, const struct fetch_settings *settings,
				 const char *app, const char *config_var, struct fetch_result *out,
				 struct hpg_error *err);

void credential_fetch_result_free(struct fetch_result *result);

/* Whether a request that ended so is worth one more, after a short pause. */
bool credential_fetch_should_try_again(bool answered, long status, bool transient);

#endif
