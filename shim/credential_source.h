/*
 * credential_source.h - where a placeholder's credential comes from: one table.
 *
 * Given a placeholder (API host, app, config var) and why a credential is
 * wanted, the source answers with a credential and where it came from, or
 * with one error.  Every rule about that lives in credential_source.c and
 * nowhere else: HPGSHIM_CACHE_TTL, the RateLimit-Remaining floor, a 429's
 * Retry-After, one request in flight per placeholder, conditional requests
 * (If-None-Match), stale-if-error, and what a failure forgets.  The table
 * itself is in docs/design.md ("Where a credential comes from").
 *
 * Callers: the connect modules (connect_sync.c, connect_poll.c,
 * connect_ping.c) and any program linked with the core (hpgshim doctor,
 * hpgshim env).  No getenv(), no dlsym(): the configuration and the libpq
 * table come in with the query.
 */
#ifndef HPGSHIM_CREDENTIAL_SOURCE_H
#define HPGSHIM_CREDENTIAL_SOURCE_H

#include <stdbool.h>

#include "config.h"
#include "credential.h"
#include "credential_fetch.h"
#include "deadline.h"
#include "error.h"
#include "libpq_api.h"

/* Why a credential is wanted: the event of the table. */
enum credential_reason {
	CREDENTIAL_FOR_CONNECT,		/* a connect (or a ping) begins */
	CREDENTIAL_AFTER_REJECTION,	/* the server rejected `failed` (SQLSTATE class 28) */
	CREDENTIAL_AFTER_FAILURE,	/* a connect with `failed` failed for another reason */
	CREDENTIAL_FOR_ROTATION_WAIT,	/* a poll while the config var holds the rejected one */
	CREDENTIAL_FOR_RESET,		/* a reset with `failed` was rejected */
};

/* Where the answer's credential came from. */
enum credential_origin {
	CREDENTIAL_FETCHED,		/* the API answered 200 */
	CREDENTIAL_REVALIDATED,		/* the API answered 304 to If-None-Match */
	CREDENTIAL_HELD_TTL,		/* fetched within HPGSHIM_CACHE_TTL: no request */
	CREDENTIAL_HELD_FLOOR,		/* RateLimit-Remaining below the floor: no request */
	CREDENTIAL_HELD_RETRY_AFTER,	/* a 429's Retry-After still runs: no request */
	CREDENTIAL_HELD_RECENTLY_ASKED,	/* after a failure: the API was asked moments ago */
	CREDENTIAL_STALE_FALLBACK,	/* the API failed: the one held (HPGSHIM_STALE_IF_ERROR) */
};

struct credential_query {
	const struct libpq_api *pq;		/* libpq's parser reads the URL */
	const struct hpg_config *config;
	credential_fetch_fn *fetch;		/* NULL: credential_fetch() (tests replace it) */
	const char *app;			/* validated by placeholder_parse() */
	const char *config_var;			/* validated by placeholder_parse() */
	enum credential_reason reason;
	const struct credential *failed;	/* the credential that failed; NULL for a connect */
	const struct deadline *deadline;	/* NULL: HPGSHIM_TIMEOUT from now */
};

struct credential_answer {
	struct credential cred;
	enum credential_origin origin;
	long age_seconds;	/* of a held credential (HELD_*, STALE_FALLBACK): since fetched */
	/* Why a held credential serves (HELD_RETRY_AFTER, STALE_FALLBACK): what the
	 * API did, short, as "the Heroku API failed (HTTP 503)"; else "". */
	char api_failure[128];
};

#define CREDENTIAL_ANSWER_INIT { .cred = CREDENTIAL_INIT }

/*
 * The credential for q, or false with err saying why (the caller adds the
 * app and config var in front).  *out is set on entry; release it with
 * credential_source_answer_free() whatever the result.  Blocks for at most
 * what is left of q->deadline.  Thread-safe and fork-safe.
 */
bool credential_source_get(const struct credential_query *q, struct credential_answer *out,
			   struct hpg_error *err);

/*
 * A connection attempt with cred that the program drives failed, and no new
 * credential is wanted now (the program's next connect asks): rejected (the
 * server rejected it) forgets it, anything else keeps it.
 */
void credential_source_failed(const struct hpg_config *config, const char *app,
			      const char *config_var, const struct credential *cred, bool rejected);

void credential_source_answer_free(struct credential_answer *answer);

/* "fetched", "revalidated (HTTP 304)", ... for debug lines. */
const char *credential_origin_name(enum credential_origin origin);

#endif
