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
#include <stddef.h>

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

/*
 * The decision table itself, for its unit tests and docs/design.md.
 *
 * Before asking: the reason and what is known of the placeholder decide
 * whether a held credential serves, or the API is asked (conditionally, or
 * not), or the call fails at once.  The first row that matches decides.
 */
#define CREDENTIAL_REASON_BIT(reason) (1u << (reason))

enum credential_condition {
	WHEN_ALWAYS,
	WHEN_HELD_WITHIN_TTL,		/* held, fetched less than HPGSHIM_CACHE_TTL ago */
	WHEN_BUDGET_LOW_HELD_RECENT,	/* below the floor, and held, fetched <= 60 s ago */
	WHEN_BUDGET_LOW,		/* RateLimit-Remaining below HPGSHIM_RATELIMIT_FLOOR */
	WHEN_RETRY_AFTER_HELD,		/* Retry-After runs, and held within STALE_IF_ERROR */
	WHEN_RETRY_AFTER,		/* a 429's Retry-After still runs */
	WHEN_ASKED_RECENTLY,		/* asked after a failure < CREDENTIAL_RECHECK_SECONDS ago */
};

enum credential_step {
	STEP_SERVE_HELD,	/* the held credential (after a failure: else the failed one) */
	STEP_ASK,		/* conditionally, when a credential and its ETag are held */
	STEP_ASK_UNCONDITIONALLY,
	STEP_FAIL_RETRY_AFTER,	/* no request may go, nothing serves */
};

struct credential_state {
	bool held_within_ttl;
	bool budget_low;
	bool held_within_floor;		/* fetched <= HPGSHIM_FLOOR_REUSE_SECONDS ago */
	bool retry_after;
	bool held_within_stale;		/* fetched <= HPGSHIM_STALE_IF_ERROR ago, and that is on */
	bool asked_recently;
};

struct credential_rule {
	unsigned reasons;		/* CREDENTIAL_REASON_BIT()s */
	enum credential_condition when;
	bool forgets_failed;		/* the failed credential is forgotten first */
	enum credential_step step;
	enum credential_origin origin;	/* of STEP_SERVE_HELD */
};

/* The row that decides (first match), and its index in *row. */
const struct credential_rule *credential_source_decide(enum credential_reason reason,
						       const struct credential_state *state,
						       size_t *row);

/* After asking: the answer and the reason decide what is kept and what is answered. */
enum credential_outcome {
	OUTCOME_FETCHED,	/* 200 with a usable credential */
	OUTCOME_NOT_MODIFIED,	/* 304 */
	OUTCOME_SAID_NO,	/* 401, 403, 404, a missing config var, an unusable URL */
	OUTCOME_UNAVAILABLE,	/* a 5xx after one more try, a 429, a timeout, no connection */
	OUTCOME_FAILED,		/* anything else: TLS, a refused HEROKU_HOST, a malformed body */
};

enum credential_effect {
	EFFECT_STORE_AND_ANSWER,	/* kept for key, fetched now, and answered */
	EFFECT_ANSWER_UNSTORED,		/* answered, not kept: the server rejected it already */
	EFFECT_FORGET_AND_FAIL,		/* the held credential is over, everywhere */
	EFFECT_FALL_BACK,		/* the held credential answers (STALE_FALLBACK) */
	EFFECT_FAIL,			/* the error; what is held stays */
};

struct credential_after_rule {
	enum credential_outcome outcome;
	unsigned reasons;
	bool when_same_as_failed;	/* only when the answer is the failed credential */
	bool when_held_within_stale;	/* only when a credential is held within STALE_IF_ERROR */
	enum credential_effect effect;
};

const struct credential_after_rule *credential_source_after(enum credential_outcome outcome,
							    enum credential_reason reason,
							    bool same_as_failed,
							    bool held_within_stale, size_t *row);

/* The rows, for the unit tests' coverage check. */
extern const struct credential_rule credential_rules[];
extern const size_t credential_rule_count;
extern const struct credential_after_rule credential_after_rules[];
extern const size_t credential_after_rule_count;

/* After a failure that was not a rejection, the API is asked at most once per this, per machine. */
#define CREDENTIAL_RECHECK_SECONDS 5

#endif
