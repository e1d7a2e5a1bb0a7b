/*
 * deadline.c - see deadline.h.
 */
#include "deadline.h"

#include <stddef.h>

#include "config.h"
#include "monotonic.h"

/* libpq reads a connect_timeout of 1 as 2 s ("too short to be reliable"). */
#define LIBPQ_MIN_CONNECT_TIMEOUT 2

void deadline_start(struct deadline *d, long hpgshim_timeout_seconds,
		    const char *connect_timeout, const char *env_connect_timeout)
{
	*d = (struct deadline){ .limit = "HPGSHIM_TIMEOUT", .seconds = hpgshim_timeout_seconds };
	/* libpq reads connect_timeout from the call first, PGCONNECT_TIMEOUT otherwise. */
	const char *own = connect_timeout != NULL ? connect_timeout : env_connect_timeout;
	long seconds = config_parse_seconds(own, 0);
	if (seconds > 0 && seconds < LIBPQ_MIN_CONNECT_TIMEOUT)
		seconds = LIBPQ_MIN_CONNECT_TIMEOUT;
	if (seconds > 0 && seconds < d->seconds) {
		d->limit = connect_timeout != NULL ? "connect_timeout" : "PGCONNECT_TIMEOUT";
		d->seconds = seconds;
	}
	d->at_ms = monotonic_ms() + d->seconds * 1000;
}

long deadline_left_ms(const struct deadline *d)
{
	long left = d->at_ms - monotonic_ms();
	return left > 0 ? left : 0;
}

bool deadline_is_the_connections(const struct deadline *d)
{
	return d->limit[0] != 'H';
}

void deadline_explain(const struct deadline *d, const char *what, struct hpg_error *err)
{
	if (deadline_is_the_connections(d))
		hpg_error_set(err, "the connection's %s=%ld ran out while %s (it bounds the whole "
			      "connect: the Heroku API request, any wait for a rotation and the "
			      "retry); raise it, or try again", d->limit, d->seconds, what);
	else
		hpg_error_set(err, "HPGSHIM_TIMEOUT=%ld ran out while %s (it bounds the whole "
			      "connect: the Heroku API request, any wait for a rotation and the "
			      "retry); raise it, or try again", d->seconds, what);
}
