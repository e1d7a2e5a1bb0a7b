/*
 * constructor_host.c - a program linked with libpq and with
 * libconnect_in_constructor.so, whose constructor connected through a
 * placeholder before main().
 *
 * Prints "constructor: OUTCOME", then connects once more from main() and
 * prints "main: ok user=USER" or "main: failed: WHY".  Exit status 1 unless
 * both connected.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "check_connection.h"
#include "connect_in_constructor.h"

int main(void)
{
	const char *outcome = constructor_outcome();
	printf("constructor: %s\n", outcome);

	PGconn *conn = PQconnectdb(CONSTRUCTOR_PLACEHOLDER);
	char why[512];
	bool main_ok = check_connection(conn, CONSTRUCTOR_EXPECTED_USER, why, sizeof why);
	if (main_ok)
		printf("main: ok user=%s\n", PQuser(conn));
	else
		printf("main: failed: %s\n", why);
	PQfinish(conn);
	return strncmp(outcome, "ok ", 3) == 0 && main_ok ? 0 : 1;
}
