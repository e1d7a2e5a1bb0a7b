/*
 * cache.h - where fetched credentials are kept: the one interface of the cache.
 *
 * The cache is one family of three files: this one chooses between two
 * tiers, the process's own memory (cache_memory.h) and, when
 * HPGSHIM_CACHE_DIR is set, the shared cache file (cache_file.h).  Both
 * honour HPGSHIM_CACHE_TTL, both keep the ETag for conditional requests, and
 * both forget a credential that failed.  Keys come from cache_key().
 */
#ifndef HPGSHIM_CACHE_H
#define HPGSHIM_CACHE_H

#include <stdbool.h>

#include "config.h"
#include "credential.h"
#include "error.h"

/*
 * The name of the credential for heroku_host (NULL: the default), app and
 * config_var: "app.CONFIG_VAR.HOSTHASH", fit for a file name.  malloc'd.
 */
char *cache_key(const char *heroku_host, const char *app, const char *config_var);

/* The HOSTHASH part of a key: a short, stable name for heroku_host (NULL: the default). */
unsigned long cache_host_hash(const char *heroku_host);

/* Whether the shared cache, if configured, may be used; err says why not. */
bool cache_usable(const struct hpg_config *config, struct hpg_error *err);

/* A credential fetched less than HPGSHIM_CACHE_TTL ago, not failed since. */
bool cache_get_fresh(const struct hpg_config *config, const char *key, struct credential *out);

/* The credential held for key, of any age, with its ETag (malloc'd). */
bool cache_get_validator(const struct hpg_config *config, const char *key,
			 struct credential *out, char **etag);

/*
 * A credential fetched at most max_age_seconds ago and not failed since,
 * from this process or the shared cache: what the shim may still use when
 * the API cannot be asked.  *age_seconds is its age.  *out is overwritten:
 * pass an empty one (CREDENTIAL_INIT); release it with credential_free().
 */
bool cache_get_held(const struct hpg_config *config, const char *key, long max_age_seconds,
		    struct credential *out, long *age_seconds);

/* Keeps cred and etag (NULL: none) for key, fetched now. */
void cache_put(const struct hpg_config *config, const char *key,
	       const struct credential *cred, const char *etag);

/*
 * The credential held for key is over (the server rejected it, or the API
 * said there is none): never served again, never used as a validator, in
 * this process and in the shared cache.  With only_if, only when what is
 * held is that credential: another process may have stored a newer one.
 */
void cache_forget(const struct hpg_config *config, const char *key,
		  const struct credential *only_if);

/*
 * Whether the API may be asked about key's credential now after a failure
 * that was not a rejection: true, and noted, unless this process or (with
 * HPGSHIM_CACHE_DIR) another sharing the directory did less than
 * interval_seconds ago.
 */
bool cache_claim_recheck(const struct hpg_config *config, const char *key, long interval_seconds);

#endif
