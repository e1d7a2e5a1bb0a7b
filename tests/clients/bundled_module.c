/*
 * bundled_module.c - a loadable module linked against a libpq that it
 * carries under a file name of its own, as psycopg2-binary's _psycopg
 * extension carries libpq-<hash>.so.5.15 in psycopg2_binary.libs/.
 *
 * The integration tests build it at test time against a renamed copy of a
 * libpq (found through RUNPATH $ORIGIN) and load it with dlopen(RTLD_LOCAL),
 * as Python loads an extension: neither the module nor its libpq is in the
 * global scope where LD_PRELOAD puts the shim first.
 * test_client_matrix.py calls bundled_check() through Python's ctypes;
 * test_two_libpqs.py loads two such modules, each with another libpq, into
 * tests/clients/two_libpqs.c and calls the rest.
 */
#include <stdio.h>

#include <libpq-fe.h>

/* PQlibVersion() of the libpq the module is linked with. */
int bundled_libpq_version(void)
{
	return PQlibVersion();
}

/* PQconnectdb(conninfo), as psycopg2 connects.  PQfinish() it with bundled_finish(). */
PGconn *bundled_connect(const char *conninfo)
{
	return PQconnectdb(conninfo);
}

/*
 * Runs query on conn, which must return one text value.  Prints that
 * value, or "failed: MESSAGE", on a line of its own after prefix; returns
 * 0 when the value was printed.
 */
int bundled_print_value(PGconn *conn, const char *query, const char *prefix)
{
	PGresult *res = NULL;
	int failed = 1;

	if (PQstatus(conn) != CONNECTION_OK) {
		printf("%sfailed: %s", prefix, PQerrorMessage(conn));
	} else {
		res = PQexec(conn, query);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
			printf("%s%s\n", prefix, PQgetvalue(res, 0, 0));
			failed = 0;
		} else {
			printf("%sfailed: %s", prefix, PQerrorMessage(conn));
		}
	}
	/* The host program prints too: keep the lines in order. */
	fflush(stdout);
	PQclear(res);
	return failed;
}

/* PQreset(conn): the connection is made again with the values it holds. */
void bundled_reset(PGconn *conn)
{
	PQreset(conn);
}

void bundled_finish(PGconn *conn)
{
	PQfinish(conn);
}

/* Connects, prints query's value (bundled_print_value()) and finishes. */
int bundled_check(const char *conninfo, const char *query)
{
	PGconn *conn = bundled_connect(conninfo);
	int failed = bundled_print_value(conn, query, "");
	bundled_finish(conn);
	return failed;
}
