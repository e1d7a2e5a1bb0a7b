/*
 * api_budget.h - what the Heroku API said about the account's request budget.
 *
 * Heroku gives an account about 4,500 requests an hour, shared with its
 * deploys, the dashboard and the CLI.  Two answers of the API are kept here,
 * per API host, so that a fleet does not spend the last of it:
 *   - a 429's Retry-After: no request to that host before then;
 *   - RateLimit-Remaining: below HPGSHIM_RATELIMIT_FLOOR the budget is low,
 *     and held credentials are reused for a while without asking.
 * The process keeps what it heard; with HPGSHIM_CACHE_DIR, processes share
 * it through a small file there ("api-budget.HOSTHASH.json", made as the
 * cache files are: 0600, written whole and renamed into place).  The file
 * holds no secret.  Thread-safe; the lock is held across fork().
 */
#ifndef HPGSHIM_API_BUDGET_H
#define HPGSHIM_API_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "lazy_libs.h"

/* What the API said of the budget, as the process and the shared file keep it. */
struct api_budget_heard {
	time_t not_before;	/* no request before this; 0: none */
	long remaining;		/* the last RateLimit-Remaining heard, or -1 */
	time_t heard;		/* when remaining was heard; 0: never */
};

/*
 * Notes an answer of the API at config->heroku_host: its RateLimit-Remaining
 * (-1: none) and a 429's Retry-After in seconds (0: none).
 */
void api_budget_note(const struct hpg_config *config, long remaining, long retry_after_seconds);

/* Seconds before a request may go to the API (a Retry-After not yet over), or 0. */
long api_budget_wait_seconds(const struct hpg_config *config);

/*
 * Whether the last answer heard, here or by a process sharing the cache
 * directory, put RateLimit-Remaining below the floor; *remaining is what it said.
 */
bool api_budget_low(const struct hpg_config *config, long *remaining);

/*
 * The budget a shared file's text holds, read at now: false when it is not
 * such a file.  A number out of range (a Retry-After beyond an hour, a
 * remaining budget no account has, a time heard after now, NaN) counts as
 * not heard.  Pure, for the fuzz target too.
 */
bool api_budget_parse(const struct cjson_api *json, const char *text, size_t length, time_t now,
		      struct api_budget_heard *out);

#endif
