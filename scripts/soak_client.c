/*
 * soak_client.c - one client of `make soak`: connects to a placeholder in a
 * loop until its time is up, checking every session.
 *
 * usage: soak_client SECONDS CONNINFO EXPECTED_USER
 *
 * One line per connect on stdout, flushed at once, which scripts/soak.py
 * reads as they come (a client that stops writing is hung):
 *     ok MS
 *     fail MS FIRST LINE OF THE ERROR
 *     wrong MS USER SSL        (a session that is not the app's role over TLS)
 * and after the warm-up and at the end
 *     mem HEAP_BYTES RSS_KB
 * A wrong session ends the client with status 2; otherwise it exits 0.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define WARM_UP_CONNECTS 20
#define PAUSE_US 50000

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000 + (double)t.tv_nsec / 1e6;
}

static void print_memory(void)
{
	long pages = 0, resident = 0;
	FILE *statm = fopen("/proc/self/statm", "r");
	if (statm != NULL) {
		if (fscanf(statm, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(statm);
	}
	struct mallinfo2 heap = mallinfo2();
	printf("mem %zu %ld\n", heap.uordblks, resident * (sysconf(_SC_PAGESIZE) / 1024));
	fflush(stdout);
}

/* Checks the session; false (after printing "wrong ...") unless it is user over TLS. */
static bool session_is_right(PGconn *conn, const char *user, double ms)
{
	PGresult *res = PQexec(conn, "select current_user, coalesce((select ssl from pg_stat_ssl "
				     "where pid = pg_backend_pid()), false)");
	bool right = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!right) {
		/* The session ended under it (a backend ended, a restart): a failure, not a wrong one. */
		printf("fail %.1f query: %.*s\n", ms, (int)strcspn(PQerrorMessage(conn), "\n"),
		       PQerrorMessage(conn));
		PQclear(res);
		return true;
	}
	right = strcmp(PQgetvalue(res, 0, 0), user) == 0 && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	if (right)
		printf("ok %.1f\n", ms);
	else
		printf("wrong %.1f %s %s\n", ms, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return right;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: soak_client SECONDS CONNINFO EXPECTED_USER\n");
		return 64;
	}
	double until = now_ms() + atof(argv[1]) * 1000;
	for (long n = 1; now_ms() < until; n++) {
		double started = now_ms();
		PGconn *conn = PQconnectdb(argv[2]);
		double ms = now_ms() - started;
		bool right = true;
		if (PQstatus(conn) == CONNECTION_OK) {
			right = session_is_right(conn, argv[3], ms);
		} else {
			const char *error = PQerrorMessage(conn);
			printf("fail %.1f %.*s\n", ms, (int)strcspn(error, "\n"), error);
		}
		fflush(stdout);
		PQfinish(conn);
		if (!right)
			return 2;
		if (n == WARM_UP_CONNECTS)
			print_memory();
		usleep(PAUSE_US);
	}
	print_memory();
	return 0;
}
