/*
 * single_flight.h - one request in flight per key, however many threads ask.
 *
 * When a pool of 32 threads starts, 32 connects for the same app arrive at
 * once; without this, they would make 32 identical API requests.  The first
 * thread to ask for a key (the leader) runs the fetch; the others wait for
 * it and share its outcome.  A flight started before fork() is ignored in
 * the child, whose copy of the leader thread does not exist.
 */
#ifndef HPGSHIM_SINGLE_FLIGHT_H
#define HPGSHIM_SINGLE_FLIGHT_H

#include <stdbool.h>

#include "credential.h"
#include "error.h"

typedef bool (*flight_fetch_fn)(void *arg, struct credential *out, struct hpg_error *err);

/*
 * Runs fetch(arg, ...) for key, or joins the run already in flight for key.
 * Every caller gets its own copy of the outcome in *out (release with
 * credential_free()) or err.  *out is empty from entry until then; fetch
 * must keep the same rule.
 */
bool single_flight(const char *key, flight_fetch_fn fetch, void *arg,
		   struct credential *out, struct hpg_error *err);

#endif
