/*
 * credential_cache.c - see credential_cache.h.
 *
 * A short linked list: a process talks to a handful of apps at most.
 */
#include "credential_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fork_safety.h"

struct entry {
	struct entry *next;
	char *key;
	struct credential cred;
	char *etag;			/* NULL: the API sent none */
	struct timespec fetched;	/* CLOCK_MONOTONIC */
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

static double seconds_since(const struct timespec *then)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (double)(now.tv_nsec - then->tv_nsec) / 1e9;
}

static void lock_cache(void)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
}

bool cache_get_fresh(const char *key, long ttl_seconds, struct credential *out)
{
	*out = (struct credential)CREDENTIAL_INIT;
	if (ttl_seconds <= 0)
		return false;
	lock_cache();
	struct entry *e = find_usable(key);
	bool hit = e != NULL && seconds_since(&e->fetched) < (double)ttl_seconds &&
		   credential_copy(out, &e->cred);
	pthread_mutex_unlock(&lock);
	return hit;
}

bool cache_get_validator(const char *key, struct credential *out, char **etag)
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

void cache_put(const char *key, const struct credential *cred, const char *etag)
{
	lock_cache();
	struct entry *e = find_or_add(key);
	if (e != NULL) {
		credential_free(&e->cred);
		free(e->etag);
		e->etag = etag ? strdup(etag) : NULL;
		e->stale = !credential_copy(&e->cred, cred);
		clock_gettime(CLOCK_MONOTONIC, &e->fetched);
	}
	pthread_mutex_unlock(&lock);
}

void cache_mark_stale(const char *key)
{
	lock_cache();
	for (struct entry *e = entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			e->stale = true;
	pthread_mutex_unlock(&lock);
}
