/*
 * single_flight.h - one request in flight per key, however many threads ask.
 *
 * When a pool of 32 threads starts, 32 connects for the same app arrive at
 * once; without this, they would make 32 identical API requests.  The first
 * thread to ask for a key (the leader) runs the job; the others wait for it
 * and share its outcome, each getting a copy.  What an outcome is, the
 * caller says (struct flight_outcome_type): this module knows nothing of
 * credentials.
 *
 * Fork: a flight started before fork() is never joined in the child (nor
 * a grandchild), whose copy of the leader thread does not exist.  Flights
 * belong to a fork generation (fork_safety_generation()), not to a pid,
 * which a grandchild in a new pid namespace may have again.
 */
#ifndef HPGSHIM_SINGLE_FLIGHT_H
#define HPGSHIM_SINGLE_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct flight_outcome_type {
	size_t size;
	const void *empty;	/* the value an outcome starts as: what *out is set to on entry */
	/* Copies src into dst (set on entry); false when memory runs out. */
	bool (*copy)(void *dst, const void *src);
	/* Wipes and frees what an outcome holds, leaving it empty. */
	void (*release)(void *outcome);
};

/* The job: fills out (which starts empty) and returns true, or fills err. */
typedef bool flight_job_fn(void *arg, void *out, struct hpg_error *err);

/*
 * Runs job(arg, ...) for key, or joins the run already in flight for key.
 * Every caller gets its own copy of the outcome in *out (release it with
 * type->release) or err.  *out is empty from entry until then.
 */
bool single_flight(const char *key, const struct flight_outcome_type *type, flight_job_fn *job,
		   void *arg, void *out, struct hpg_error *err);

#endif
