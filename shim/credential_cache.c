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
	struct timespec fetched;	/* CLOCK_MONOTONIC */
	bool stale;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

static struct entry *find(const char *key)
{
	for (struct entry *e = entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static double seconds_since(const struct timespec *then)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (double)(now.tv_nsec - then->tv_nsec) / 1e9;
}

bool cache_get(const char *key, long ttl_seconds, struct credential *out)
{
	if (ttl_seconds <= 0)
		return false;
	fork_safety_register(&lock);
	bool hit = false;
	pthread_mutex_lock(&lock);
	struct entry *e = find(key);
	if (e != NULL && !e->stale && seconds_since(&e->fetched) < (double)ttl_seconds)
		hit = credential_copy(out, &e->cred);
	pthread_mutex_unlock(&lock);
	return hit;
}

void cache_put(const char *key, const struct credential *cred)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct entry *e = find(key);
	if (e == NULL && (e = calloc(1, sizeof *e)) != NULL) {
		if ((e->key = strdup(key)) == NULL) {
			free(e);
			e = NULL;
		} else {
			e->next = entries;
			entries = e;
		}
	}
	if (e != NULL) {
		credential_free(&e->cred);
		e->stale = !credential_copy(&e->cred, cred);
		clock_gettime(CLOCK_MONOTONIC, &e->fetched);
	}
	pthread_mutex_unlock(&lock);
}

void cache_mark_stale(const char *key)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct entry *e = find(key);
	if (e != NULL)
		e->stale = true;
	pthread_mutex_unlock(&lock);
}
