/*
 * cache_memory.c - see cache_memory.h.
 *
 * A short linked list: a process talks to a handful of apps at most.
 */
#include "cache_memory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fork_safety.h"
#include "monotonic.h"

struct entry {
	struct entry *next;
	char *key;
	struct credential cred;
	char *etag;			/* NULL: the API sent none */
	long fetched_ms;		/* monotonic_ms() */
	long rechecked_ms;		/* cache_memory_claim_recheck(), or 0 */
	bool stale;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

/* The usable entry for key, with the lock held; NULL if none. */
static struct entry *find_usable(const char *key)
{
	for (struct entry *e = entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e->stale ? NULL : e;
	return NULL;
}

static struct entry *find_or_add(const char *key)
{
	for (struct entry *e = entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	struct entry *e = calloc(1, sizeof *e);
	if (e == NULL || (e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	e->stale = true;
	e->next = entries;
	entries = e;
	return e;
}

static double seconds_since(long then_ms)
{
	return (double)(monotonic_ms() - then_ms) / 1000;
}

static void lock_cache(void)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
}

bool cache_memory_get_fresh(const char *key, long ttl_seconds, struct credential *out)
{
	*out = (struct credential)CREDENTIAL_INIT;
	if (ttl_seconds <= 0)
		return false;
	lock_cache();
	struct entry *e = find_usable(key);
	bool hit = e != NULL && seconds_since(e->fetched_ms) < (double)ttl_seconds &&
		   credential_copy(out, &e->cred);
	pthread_mutex_unlock(&lock);
	return hit;
}

bool cache_memory_get_held(const char *key, long max_age_seconds, struct credential *out,
			   long *age_seconds)
{
	*out = (struct credential)CREDENTIAL_INIT;
	*age_seconds = 0;
	lock_cache();
	struct entry *e = find_usable(key);
	double age = e != NULL ? seconds_since(e->fetched_ms) : 0;
	bool hit = e != NULL && age <= (double)max_age_seconds && credential_copy(out, &e->cred);
	pthread_mutex_unlock(&lock);
	if (hit)
		*age_seconds = (long)age;
	return hit;
}

bool cache_memory_get_validator(const char *key, struct credential *out, char **etag)
{
	*out = (struct credential)CREDENTIAL_INIT;
	*etag = NULL;
	lock_cache();
	struct entry *e = find_usable(key);
	bool hit = e != NULL && e->etag != NULL && (*etag = strdup(e->etag)) != NULL;
	if (hit && !credential_copy(out, &e->cred)) {
		/* A validator without its credential is no validator: the caller
		 * gets neither, and no pointer to what was freed. */
		free(*etag);
		*etag = NULL;
		hit = false;
	}
	pthread_mutex_unlock(&lock);
	return hit;
}

void cache_memory_put(const char *key, const struct credential *cred, const char *etag)
{
	lock_cache();
	struct entry *e = find_or_add(key);
	if (e != NULL) {
		credential_free(&e->cred);
		free(e->etag);
		e->etag = etag ? strdup(etag) : NULL;
		e->stale = !credential_copy(&e->cred, cred);
		e->fetched_ms = monotonic_ms();
	}
	pthread_mutex_unlock(&lock);
}

void cache_memory_mark_stale(const char *key, const struct credential *only_if)
{
	lock_cache();
	for (struct entry *e = entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0 && (only_if == NULL || credential_equal(&e->cred, only_if)))
			e->stale = true;
	pthread_mutex_unlock(&lock);
}

bool cache_memory_claim_recheck(const char *key, long interval_seconds)
{
	lock_cache();
	struct entry *e = find_or_add(key);
	long now = monotonic_ms();
	bool claimed = e == NULL || e->rechecked_ms == 0 ||
		       now - e->rechecked_ms >= interval_seconds * 1000;
	if (claimed && e != NULL)
		e->rechecked_ms = now;
	pthread_mutex_unlock(&lock);
	return claimed;
}
