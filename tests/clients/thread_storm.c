/*
 * thread_storm.c - many threads connecting through a placeholder at once.
 *
 * usage: thread_storm CONNINFO THREADS CONNECTIONS_PER_THREAD EXPECTED_USER
 *
 * Each thread makes its connections one after another: PQconnectdb(CONNINFO),
 * "select current_user", PQfinish.  The threads wait at a barrier before their
 * first connection, so that the shim's first-use paths (finding libpq, loading
 * libcurl and cJSON, reading the environment) run in many threads at once,
 * not just its steady state.
 *
 * Prints one line per failed connection (at most MAX_FAILURES_SHOWN), then
 * "thread_storm: OK of TOTAL connections ok".  Exit status 1 unless every
 * connection succeeded as EXPECTED_USER.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "check_connection.h"

#define MAX_FAILURES_SHOWN 10

struct storm {
	const char *conninfo;
	const char *expected_user;
	int connections_per_thread;
	pthread_barrier_t start;
	pthread_mutex_t output_lock;
	int failures_shown;
};

/* Each thread keeps its own tally; main() sums them after joining. */
struct worker {
	pthread_t thread;
	struct storm *storm;
	int ok;
};

static void show_failure(struct storm *storm, const char *why)
{
	pthread_mutex_lock(&storm->output_lock);
	if (storm->failures_shown++ < MAX_FAILURES_SHOWN)
		printf("thread_storm: failed: %s\n", why);
	pthread_mutex_unlock(&storm->output_lock);
}

/* One connection; true when it reached the server as the expected user. */
static bool connect_once(struct storm *storm)
{
	PGconn *conn = PQconnectdb(storm->conninfo);
	char why[512];
	bool ok = check_connection(conn, storm->expected_user, why, sizeof why);
	if (!ok)
		show_failure(storm, why);
	PQfinish(conn);
	return ok;
}

static void *work(void *arg)
{
	struct worker *worker = arg;
	pthread_barrier_wait(&worker->storm->start);
	for (int i = 0; i < worker->storm->connections_per_thread; i++)
		worker->ok += connect_once(worker->storm);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: thread_storm CONNINFO THREADS CONNECTIONS_PER_THREAD "
			"EXPECTED_USER\n");
		return 2;
	}
	int threads = atoi(argv[2]);
	struct storm storm = {
		.conninfo = argv[1],
		.connections_per_thread = atoi(argv[3]),
		.expected_user = argv[4],
		.output_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	if (threads < 1 || storm.connections_per_thread < 1) {
		fprintf(stderr, "thread_storm: THREADS and CONNECTIONS_PER_THREAD must be positive\n");
		return 2;
	}
	struct worker *workers = calloc((size_t)threads, sizeof *workers);
	if (workers == NULL)
		return 2;
	pthread_barrier_init(&storm.start, NULL, (unsigned)threads);

	for (int t = 0; t < threads; t++) {
		workers[t].storm = &storm;
		if (pthread_create(&workers[t].thread, NULL, work, &workers[t]) != 0) {
			/* The barrier would never open: give up before anyone waits. */
			fprintf(stderr, "thread_storm: cannot start thread %d\n", t);
			exit(2);
		}
	}
	int ok = 0;
	for (int t = 0; t < threads; t++) {
		pthread_join(workers[t].thread, NULL);
		ok += workers[t].ok;
	}
	int total = threads * storm.connections_per_thread;
	printf("thread_storm: %d of %d connections ok\n", ok, total);

	pthread_barrier_destroy(&storm.start);
	free(workers);
	return ok == total ? 0 : 1;
}
