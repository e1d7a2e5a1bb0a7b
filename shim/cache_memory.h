/*
 * cache_memory.h - fetched credentials, per API host, app and config var.
 *
 * Within HPGSHIM_CACHE_TTL seconds of a fetch no request is made.  After
 * that (and always with the default TTL of 0) the held credential and its
 * ETag make the next request a conditional one: an unchanged credential
 * costs a 304.  A credential the server rejected, or whose asynchronous
 * connection failed, is marked stale: never served again, and the next
 * fetch is unconditional.  Thread-safe; the lock is held across fork().
 */
#ifndef HPGSHIM_CACHE_MEMORY_H
#define HPGSHIM_CACHE_MEMORY_H

#include <stdbool.h>

#include "credential.h"

/*
 * Both getters set *out (and *etag) on entry: empty and NULL on a miss or
 * when memory runs out, so the caller may free them whatever the result.
 */

/* Copies the credential for key if fetched less than ttl_seconds ago and not stale. */
bool cache_memory_get_fresh(const char *key, long ttl_seconds, struct credential *out);

/*
 * Copies the credential for key if fetched at most max_age_seconds ago and
 * not stale; *age_seconds is its age then.
 */
bool cache_memory_get_held(const char *key, long max_age_seconds, struct credential *out,
			   long *age_seconds);

/* Copies the credential for key and its ETag (malloc'd), if not stale and it has one. */
bool cache_memory_get_validator(const char *key, struct credential *out, char **etag);

/* Stores a copy of cred and etag (NULL: none) for key, fetched now. */
void cache_memory_put(const char *key, const struct credential *cred, const char *etag);

/*
 * Neither served nor used as a validator again until the next
 * cache_memory_put(); only when it is only_if, unless only_if is NULL.
 */
void cache_memory_mark_stale(const char *key, const struct credential *only_if);

/*
 * Whether this process may ask the API about key's credential now, after a
 * failure that was not a rejection: true (and noted) unless it did less
 * than interval_seconds ago.
 */
bool cache_memory_claim_recheck(const char *key, long interval_seconds);

#endif
