/*
 * connect_cycles.c - many placeholder connect/finish cycles in one process,
 * measuring the memory they hold on to.
 *
 * usage: connect_cycles PLACEHOLDER EXPECTED_USER CYCLES WARM_UP_CYCLES
 *
 * The cycles take turns through the shim's paths that allocate:
 * PQconnectdb, PQconnectdbParams, PQconnectStart with its poll loop (the
 * connection registry remembers the credential until the loop ends), and a
 * placeholder the shim refuses (an error connection that carries the shim's
 * message until PQfinish).  Every connection is checked, then finished.
 *
 * After WARM_UP_CYCLES (libcurl, OpenSSL and libpq fill their one-time
 * caches) and again after CYCLES, it prints
 *     after N cycles: heap B bytes, rss K kB
 * where the heap is what malloc has handed out and not taken back, and rss
 * the resident set from /proc/self/statm.  Then "connect_cycles: N of CYCLES
 * cycles ok"; exit status 1 unless all were.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check_connection.h"

static const char *placeholder;
static const char *expected_user;

static bool check_and_finish(PGconn *conn, int cycle, const char *how)
{
	char why[512];
	bool ok = check_connection(conn, expected_user, why, sizeof why);
	if (!ok)
		printf("cycle %d: %s: %s\n", cycle, how, why);
	PQfinish(conn);
	return ok;
}

static bool cycle_once(int cycle)
{
	switch (cycle % 4) {
	case 0:
		return check_and_finish(PQconnectdb(placeholder), cycle, "PQconnectdb");
	case 1: {
		const char *const keywords[] = { "dbname", "application_name", NULL };
		const char *const values[] = { placeholder, "connect_cycles", NULL };
		return check_and_finish(PQconnectdbParams(keywords, values, 1), cycle,
					"PQconnectdbParams");
	}
	case 2:
		return check_and_finish(connect_async(placeholder), cycle, "PQconnectStart");
	default: {
		PGconn *conn = PQconnectdb(INVALID_PLACEHOLDER);
		bool refused = refused_by_shim(conn);
		if (!refused)
			printf("cycle %d: %s was not refused with the shim's message\n", cycle,
			       INVALID_PLACEHOLDER);
		PQfinish(conn);
		return refused;
	}
	}
}

/*
 * Bytes malloc has handed out and not taken back.  Under AddressSanitizer,
 * whose allocator replaces glibc's (mallinfo2 would then count nothing),
 * the sanitizer's own count.
 */
static size_t heap_in_use(void)
{
	size_t (*sanitizer_allocated_bytes)(void) =
		(size_t (*)(void))dlsym(RTLD_DEFAULT, "__sanitizer_get_current_allocated_bytes");
	if (sanitizer_allocated_bytes != NULL)
		return sanitizer_allocated_bytes();
	struct mallinfo2 info = mallinfo2();
	return info.uordblks + info.hblkhd;	/* arena chunks in use + mmap'd chunks */
}

static long resident_kb(void)
{
	long pages_total = 0, pages_resident = 0;
	FILE *statm = fopen("/proc/self/statm", "r");
	if (statm != NULL) {
		if (fscanf(statm, "%ld %ld", &pages_total, &pages_resident) != 2)
			pages_resident = 0;
		fclose(statm);
	}
	return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	if (argc != 5 || atoi(argv[3]) < 1 || atoi(argv[4]) < 1 || atoi(argv[4]) > atoi(argv[3])) {
		fprintf(stderr, "usage: connect_cycles PLACEHOLDER EXPECTED_USER CYCLES "
			"WARM_UP_CYCLES (1 <= WARM_UP_CYCLES <= CYCLES)\n");
		return 2;
	}
	placeholder = argv[1];
	expected_user = argv[2];
	int cycles = atoi(argv[3]), warm_up = atoi(argv[4]);

	int ok = 0;
	for (int cycle = 1; cycle <= cycles; cycle++) {
		ok += cycle_once(cycle);
		if (cycle == warm_up || cycle == cycles)
			printf("after %d cycles: heap %zu bytes, rss %ld kB\n", cycle, heap_in_use(),
			       resident_kb());
	}
	printf("connect_cycles: %d of %d cycles ok\n", ok, cycles);
	return ok == cycles ? 0 : 1;
}
