/*
 * config.h - the environment, read once.
 *
 * The one place that reads hpgshim's environment variables.  Each is listed
 * here with its default, and in the README's table:
 *
 *   HEROKU_API_KEY      API token (Bearer); unset: libcurl reads ~/.netrc
 *   HEROKU_HOST         API host, as the Heroku CLI reads it; unset: api.heroku.com
 *   HPGSHIM_CAINFO      CA bundle for the API; unset: the system store
 *   HPGSHIM_TIMEOUT     seconds one placeholder connect may take in all (the API
 *                       request, a rotation wait, the retry); default 10
 *   HPGSHIM_CACHE_TTL   seconds a fetched credential is reused; default 0 (never)
 *   HPGSHIM_CACHE_DIR   a directory (mode 0700) for a cache shared by processes;
 *                       unset: none.  Its files hold database passwords.
 *   HPGSHIM_ROTATION_WAIT  seconds to wait for a rejected credential's config
 *                       var to change before the one retry, within
 *                       HPGSHIM_TIMEOUT; default 10
 *   HPGSHIM_STALE_IF_ERROR  seconds old a held credential may be and still be
 *                       used when the API fails for a transient reason; default
 *                       86400; 0: never
 *   HPGSHIM_RATELIMIT_FLOOR  below this RateLimit-Remaining, held credentials
 *                       are reused for up to 60 s without asking; default 450
 *   HPGSHIM_DEBUG       1: one line per decision on stderr; default 0
 *
 * PGDATABASE, PGSSLMODE and PGCONNECT_TIMEOUT are libpq's and are read at
 * each connect, as libpq reads them.
 */
#ifndef HPGSHIM_CONFIG_H
#define HPGSHIM_CONFIG_H

#include <stdbool.h>

struct hpg_config {
	const char *token;		/* NULL when unset */
	const char *heroku_host;	/* NULL when unset */
	const char *cainfo;		/* NULL when unset */
	const char *cache_dir;		/* NULL when unset */
	long timeout_seconds;
	long cache_ttl_seconds;
	long rotation_wait_seconds;
	long stale_if_error_seconds;	/* 0: no fallback */
	long ratelimit_floor;		/* 0: never hold back */
	bool debug;
	/*
	 * Memory ran out while copying a variable: the settings above are not
	 * what the environment says (a HEROKU_HOST read as unset would send the
	 * token to api.heroku.com).  Connecting is refused for the life of the
	 * process, which read the environment once.
	 */
	bool incomplete;
};

#define HPGSHIM_DEFAULT_TIMEOUT 10
#define HPGSHIM_DEFAULT_CACHE_TTL 0
/*
 * Heroku rotates a credential by changing the role's password, then the
 * config var, a release apart: seconds, not minutes.  10 s covers that
 * without making a password that is simply wrong hang a program for long.
 */
#define HPGSHIM_DEFAULT_ROTATION_WAIT 10

/*
 * When the API fails for a transient reason (a 5xx after its one more try,
 * a 429, a timeout, no connection, a broken transfer), the credential last
 * fetched for the same API host, app and config var still opens the
 * database in all likelihood: Heroku rotates credentials rarely, and a
 * rotation the shim missed shows as a rejection, which fetches again.  A
 * day covers an API incident without keeping a credential alive for ever.
 */
#define HPGSHIM_DEFAULT_STALE_IF_ERROR 86400
/*
 * Heroku's budget is about 4,500 requests an hour per account, shared with
 * deploys, the dashboard and the CLI.  Below a tenth of it the shim stops
 * spending on credentials it holds already (HPGSHIM_FLOOR_REUSE_SECONDS).
 */
#define HPGSHIM_DEFAULT_RATELIMIT_FLOOR 450
#define HPGSHIM_FLOOR_REUSE_SECONDS 60

/* The configuration, read from the environment on first call. */
const struct hpg_config *config_get(void);

/* A non-negative whole number of seconds (at most a day) from text, or fallback. Pure; tested. */
long config_parse_seconds(const char *text, long fallback);

/* A non-negative whole number up to max from text, or fallback. Pure; tested. */
long config_parse_number(const char *text, long fallback, long max);

#endif
