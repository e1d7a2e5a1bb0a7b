/*
 * credential_cache.h - fetched credentials, per API host, app and config var.
 *
 * With HPGSHIM_CACHE_TTL=0 (the default) nothing is served from here: every
 * connect asks the API.  A credential the server rejected, or one whose
 * asynchronous connection failed, is marked stale and never served again.
 * Thread-safe and fork-safe (the lock is held across fork()).
 */
#ifndef HPGSHIM_CREDENTIAL_CACHE_H
#define HPGSHIM_CREDENTIAL_CACHE_H

#include <stdbool.h>

#include "credential.h"

/* Copies a fresh, not stale credential for key into *out; false on a miss. */
bool cache_get(const char *key, long ttl_seconds, struct credential *out);

/* Stores a copy of cred for key, fresh from now. */
void cache_put(const char *key, const struct credential *cred);

/* The next cache_get() for key misses. */
void cache_mark_stale(const char *key);

#endif
