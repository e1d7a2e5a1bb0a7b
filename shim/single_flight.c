/*
 * single_flight.c - see single_flight.h.
 */
#include "single_flight.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fork_safety.h"

struct flight {
	struct flight *next;
	char *key;
	unsigned long generation;	/* fork_safety_generation() of the leader's process */
	bool done;
	bool ok;
	void *outcome;			/* type->size bytes */
	struct hpg_error err;
	int users;		/* leader and waiters still to read the outcome */
	/* One per flight, not one for all: a child never touches a condvar
	 * that a parent's thread was waiting on at fork() (glibc's broadcast
	 * would wait for that waiter, which the child does not have). */
	pthread_cond_t landed;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flight *in_flight;

/*
 * The flight for key in this process, with the lock held.  Flights of an
 * earlier generation were led by a thread of a parent, which this process
 * does not have: they never land here.  They are dropped from the list
 * (their memory is the child's copy; nobody else reads it) but their
 * condvar is left alone, as above.
 */
static struct flight *find(const char *key)
{
	unsigned long generation = fork_safety_generation();
	struct flight **link = &in_flight;
	while (*link != NULL) {
		struct flight *f = *link;
		if (f->generation != generation) {
			*link = f->next;
			free(f->key);
			free(f->outcome);	/* an inherited copy: not wiped by a release */
			free(f);
			continue;
		}
		if (strcmp(f->key, key) == 0)
			return f;
		link = &f->next;
	}
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
static bool take_outcome(struct flight *f, const struct flight_outcome_type *type, void *out,
			 struct hpg_error *err)
{
	bool ok = f->ok && type->copy(out, f->outcome);
	if (!ok)
		*err = f->ok ? (struct hpg_error){ "out of memory" } : f->err;
	if (--f->users == 0) {
		pthread_cond_destroy(&f->landed);
		type->release(f->outcome);
		free(f->outcome);
		free(f->key);
		free(f);
	}
	return ok;
}

bool single_flight(const char *key, const struct flight_outcome_type *type, flight_job_fn *job,
		   void *arg, void *out, struct hpg_error *err)
{
	memcpy(out, type->empty, type->size);
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct flight *f = find(key);
	if (f != NULL) {
		f->users++;
		while (!f->done)
			pthread_cond_wait(&f->landed, &lock);
		bool ok = take_outcome(f, type, out, err);
		pthread_mutex_unlock(&lock);
		return ok;
	}

	f = calloc(1, sizeof *f);
	if (f == NULL || (f->key = strdup(key)) == NULL || (f->outcome = malloc(type->size)) == NULL) {
		pthread_mutex_unlock(&lock);
		if (f != NULL)
			free(f->key);
		free(f);
		/* No memory to share: run alone. */
		return job(arg, out, err);
	}
	memcpy(f->outcome, type->empty, type->size);
	f->generation = fork_safety_generation();
	f->users = 1;
	pthread_cond_init(&f->landed, NULL);
	f->next = in_flight;
	in_flight = f;
	pthread_mutex_unlock(&lock);

	struct hpg_error why = { "" };
	bool ok = job(arg, f->outcome, &why);

	pthread_mutex_lock(&lock);
	unlink_flight(f);	/* later arrivals start a flight of their own */
	f->done = true;
	f->ok = ok;
	f->err = why;
	pthread_cond_broadcast(&f->landed);
	ok = take_outcome(f, type, out, err);
	pthread_mutex_unlock(&lock);
	return ok;
}
