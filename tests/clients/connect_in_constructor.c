/*
 * connect_in_constructor.c - a shared library that connects through a
 * placeholder from its constructor, before the program's main() runs.
 *
 * The shim's first call then comes while the dynamic loader is still running
 * constructors: the shim's own may not have run yet, libpq has only just been
 * initialised, and the shim must load libcurl and cJSON (dlopen) from inside
 * a constructor.  Its state has to be usable from the very first call.
 *
 * constructor_host.c, linked with this library and with libpq, prints what
 * the constructor saw.
 */
#include <stdio.h>

#include <libpq-fe.h>

#include "check_connection.h"
#include "connect_in_constructor.h"

static char outcome[600] = "the constructor did not run";

__attribute__((constructor)) static void connect_at_load(void)
{
	PGconn *conn = PQconnectdb(CONSTRUCTOR_PLACEHOLDER);
	char why[512];
	if (check_connection(conn, CONSTRUCTOR_EXPECTED_USER, why, sizeof why))
		snprintf(outcome, sizeof outcome, "ok user=%s", PQuser(conn));
	else
		snprintf(outcome, sizeof outcome, "failed: %s", why);
	PQfinish(conn);
}

const char *constructor_outcome(void)
{
	return outcome;
}
