/*
 * bundled_module.c - a loadable module linked against a libpq that it
 * carries under a file name of its own, as psycopg2-binary's _psycopg
 * extension carries libpq-<hash>.so.5.15 in psycopg2_binary.libs/.
 *
 * tests/integration/test_client_matrix.py builds it at test time against a
 * renamed copy of the system libpq (found through RUNPATH $ORIGIN) and
 * loads it with dlopen(RTLD_LOCAL), as Python loads an extension: neither
 * the module nor its libpq is in the global scope where LD_PRELOAD puts the
 * shim first.
 */
#include <stdio.h>

#include <libpq-fe.h>

/*
 * PQconnectdb(conninfo), as psycopg2 connects, then query, which must
 * return one text value.  Prints that value, or "failed: MESSAGE", on a
 * line of its own; returns 0 when the value was printed.
 */
int bundled_check(const char *conninfo, const char *query)
{
	PGconn *conn = PQconnectdb(conninfo);
	PGresult *res = NULL;
	int failed = 1;

	if (PQstatus(conn) != CONNECTION_OK) {
		printf("failed: %s", PQerrorMessage(conn));
	} else {
		res = PQexec(conn, query);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
			printf("%s\n", PQgetvalue(res, 0, 0));
			failed = 0;
		} else {
			printf("failed: %s", PQerrorMessage(conn));
		}
	}
	/* The host program prints too: keep the lines in order. */
	fflush(stdout);
	PQclear(res);
	PQfinish(conn);
	return failed;
}
