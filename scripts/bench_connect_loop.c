/*
 * bench_connect_loop.c - N connections in one process, for `make bench`.
 *
 * usage: bench_connect_loop N CONNINFO
 *
 * Opens N connections one after another with PQconnectdb, runs "select 1"
 * on each and closes it: the shape of a test suite or a worker that
 * connects per job.  scripts/bench.py times the whole process, with
 * CONNINFO a placeholder (under the shim) or the credential written out.
 *
 * Prints nothing on success.  On the first failure it prints libpq's
 * message and exits 1, so that a broken setup is never timed as fast.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

static int fail(long connection, const char *what, PGconn *conn)
{
	fprintf(stderr, "bench_connect_loop: connection %ld: %s: %s", connection, what,
		PQerrorMessage(conn));
	PQfinish(conn);
	return 1;
}

int main(int argc, char **argv)
{
	char *end = NULL;
	long count = argc == 3 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 3 || *end != '\0' || count < 1) {
		fprintf(stderr, "usage: bench_connect_loop N CONNINFO\n");
		return 2;
	}
	const char *conninfo = argv[2];

	for (long i = 1; i <= count; i++) {
		PGconn *conn = PQconnectdb(conninfo);
		if (PQstatus(conn) != CONNECTION_OK)
			return fail(i, "connect", conn);
		PGresult *result = PQexec(conn, "select 1");
		int ok = PQresultStatus(result) == PGRES_TUPLES_OK;
		PQclear(result);
		if (!ok)
			return fail(i, "select 1", conn);
		PQfinish(conn);
	}
	return 0;
}
