/*
 * deadline.h - one bound on a whole placeholder connect.
 *
 * A connect through a placeholder does several things that each may wait:
 * the API request (with its one more try), the rotation wait's polls, the
 * retry's connection.  They share one deadline, so that one PQconnectdb()
 * never blocks for several timeouts: HPGSHIM_TIMEOUT from the start of the
 * call, lowered by the connection's own timeout (connect_timeout, or else
 * PGCONNECT_TIMEOUT, as libpq reads them: at least 2 s).  Each step gets
 * what is left, and an error says which limit ran out.  Pure: the caller
 * reads the environment.
 */
#ifndef HPGSHIM_DEADLINE_H
#define HPGSHIM_DEADLINE_H

#include <stdbool.h>

#include "error.h"

struct deadline {
	long at_ms;		/* monotonic_ms() when the time is up */
	const char *limit;	/* "HPGSHIM_TIMEOUT", "connect_timeout" or "PGCONNECT_TIMEOUT" */
	long seconds;		/* the limit's value */
};

/*
 * Starts the clock now: hpgshim_timeout_seconds (HPGSHIM_TIMEOUT), or the
 * connection's own connect_timeout (the call's, or NULL) or else
 * env_connect_timeout (PGCONNECT_TIMEOUT, or NULL) when that is lower.
 * Values libpq would ignore (not a whole number, 0) are ignored.
 */
void deadline_start(struct deadline *d, long hpgshim_timeout_seconds,
		    const char *connect_timeout, const char *env_connect_timeout);

/* Milliseconds left, 0 when the time is up. */
long deadline_left_ms(const struct deadline *d);

/* Whether the connection's own timeout, not HPGSHIM_TIMEOUT, set the deadline. */
bool deadline_is_the_connections(const struct deadline *d);

/*
 * Sets err to say that the time ran out while doing what ("waiting for the
 * config var to change"), naming the limit and what to do.
 */
void deadline_explain(const struct deadline *d, const char *what, struct hpg_error *err);

#endif
