/*
 * single_flight.c - see single_flight.h.
 */
#include "single_flight.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "fork_safety.h"

struct flight {
	struct flight *next;
	char *key;
	pid_t pid;		/* the process whose thread leads it */
	bool done;
	bool ok;
	struct credential cred;
	struct hpg_error err;
	int users;		/* leader and waiters still to read the outcome */
	/* One per flight, not one for all: a child never touches a condvar
	 * that a parent's thread was waiting on at fork() (glibc's broadcast
	 * would wait for that waiter, which the child does not have). */
	pthread_cond_t landed;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flight *in_flight;

static struct flight *find(const char *key)
{
	for (struct flight *f = in_flight; f != NULL; f = f->next)
		if (f->pid == getpid() && strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static void unlink_flight(struct flight *flight)
{
	for (struct flight **link = &in_flight; *link != NULL; link = &(*link)->next)
		if (*link == flight) {
			*link = flight->next;
			return;
		}
}

/* Copies the outcome for one user and frees the flight after the last. */
static bool take_outcome(struct flight *f, struct credential *out, struct hpg_error *err)
{
	bool ok = f->ok && credential_copy(out, &f->cred);
	if (!ok)
		*err = f->ok ? (struct hpg_error){ "out of memory" } : f->err;
	if (--f->users == 0) {
		pthread_cond_destroy(&f->landed);
		credential_free(&f->cred);
		free(f->key);
		free(f);
	}
	return ok;
}

bool single_flight(const char *key, flight_fetch_fn fetch, void *arg,
		   struct credential *out, struct hpg_error *err)
{
	*out = (struct credential)CREDENTIAL_INIT;
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct flight *f = find(key);
	if (f != NULL) {
		f->users++;
		while (!f->done)
			pthread_cond_wait(&f->landed, &lock);
		bool ok = take_outcome(f, out, err);
		pthread_mutex_unlock(&lock);
		return ok;
	}

	f = calloc(1, sizeof *f);
	if (f == NULL || (f->key = strdup(key)) == NULL) {
		pthread_mutex_unlock(&lock);
		free(f);
		/* No memory to share: fetch alone. */
		return fetch(arg, out, err);
	}
	f->pid = getpid();
	f->users = 1;
	pthread_cond_init(&f->landed, NULL);
	f->next = in_flight;
	in_flight = f;
	pthread_mutex_unlock(&lock);

	struct credential cred = CREDENTIAL_INIT;
	struct hpg_error why = { "" };
	bool ok = fetch(arg, &cred, &why);

	pthread_mutex_lock(&lock);
	unlink_flight(f);	/* later arrivals start a flight of their own */
	f->done = true;
	f->ok = ok;
	f->cred = cred;
	f->err = why;
	pthread_cond_broadcast(&f->landed);
	ok = take_outcome(f, out, err);
	pthread_mutex_unlock(&lock);
	return ok;
}
