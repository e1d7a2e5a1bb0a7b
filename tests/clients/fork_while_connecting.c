/*
 * fork_while_connecting.c - fork() while other threads are inside the shim.
 *
 * usage: fork_while_connecting PLACEHOLDER EXPECTED_USER UNREACHABLE_PLACEHOLDER FORKS
 *
 * 1. The parent connects through PLACEHOLDER, so the shim is initialised
 *    before any fork: libpq found, libcurl and cJSON loaded, config read.
 * 2. Two threads start and keep the shim busy until the end:
 *    - the connecting thread connects through UNREACHABLE_PLACEHOLDER,
 *      synchronously and asynchronously: every attempt fetches the
 *      credential (single flight, libcurl handle, cache) and registers the
 *      connection, then libpq finds the port closed;
 *    - the refusing thread makes connections the shim refuses without any
 *      I/O (an invalid placeholder), so it takes the connection registry's
 *      lock in a tight loop and fork() very often finds that lock held.
 *    Only the shim's locks are its own to make safe across fork(): the
 *    threads stay out of TLS and GSSAPI, whose libraries keep locks that a
 *    child would inherit held (OpenSSL 3 and libgssapi_krb5 did hang children
 *    that way).  The API must then be reached over plain http (HEROKU_HOST
 *    on loopback), and UNREACHABLE_PLACEHOLDER's config var must name a port
 *    where nothing listens.
 * 3. The parent forks FORKS times, one child at a time.  Each child connects
 *    in every way (synchronous, asynchronous, refused), which takes each of
 *    the shim's locks: one inherited locked would hang the child, and the
 *    test's timeout would catch it.
 * 4. The threads stop, and the parent connects in every way again.
 *
 * Prints a line per failure, then
 * "fork_while_connecting: N of FORKS children ok, parent ok|failed after the forks".
 * Exit status 1 unless everything succeeded.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check_connection.h"

static const char *placeholder;
static const char *expected_user;
static const char *unreachable_placeholder;
static atomic_bool stopping;

/* Both busy threads have gone round their loop once: they are busy. */
static pthread_barrier_t busy;

/* What a busy thread saw, read by main() after joining it. */
struct busy_thread {
	pthread_t thread;
	int connections;
	int failures;
	char first_failure[512];
};

/* The shim resolved the placeholder, and libpq found nothing listening. */
static bool refused_by_closed_port(PGconn *conn)
{
	return conn != NULL && PQstatus(conn) == CONNECTION_BAD &&
	       strstr(PQerrorMessage(conn), "Connection refused") != NULL;
}

/* A synchronous, an asynchronous and a refused connection; prints a line
 * for each that did not go as it should. */
static bool connect_every_way(const char *who)
{
	char why[512];
	bool ok = true;

	PGconn *conn = PQconnectdb(placeholder);
	if (!check_connection(conn, expected_user, why, sizeof why)) {
		printf("%s: PQconnectdb: %s\n", who, why);
		ok = false;
	}
	PQfinish(conn);

	conn = connect_async(placeholder);
	if (!check_connection(conn, expected_user, why, sizeof why)) {
		printf("%s: PQconnectStart: %s\n", who, why);
		ok = false;
	}
	PQfinish(conn);

	conn = PQconnectdb(INVALID_PLACEHOLDER);
	if (!refused_by_shim(conn)) {
		printf("%s: %s was not refused with the shim's message\n", who, INVALID_PLACEHOLDER);
		ok = false;
	}
	PQfinish(conn);
	return ok;
}

static void tally(struct busy_thread *self, bool ok, const char *why)
{
	self->connections++;
	if (!ok && self->failures++ == 0)
		snprintf(self->first_failure, sizeof self->first_failure, "%.*s",
			 (int)strcspn(why, "\n"), why);
}

static void *keep_connecting(void *arg)
{
	struct busy_thread *self = arg;
	for (bool synchronous = true; !atomic_load(&stopping); synchronous = !synchronous) {
		PGconn *conn = synchronous ? PQconnectdb(unreachable_placeholder)
					   : connect_async(unreachable_placeholder);
		tally(self, refused_by_closed_port(conn),
		      conn ? PQerrorMessage(conn) : "NULL connection");
		PQfinish(conn);
		if (self->connections == 1)
			pthread_barrier_wait(&busy);
	}
	return NULL;
}

static void *keep_being_refused(void *arg)
{
	struct busy_thread *self = arg;
	while (!atomic_load(&stopping)) {
		PGconn *conn = PQconnectdb(INVALID_PLACEHOLDER);
		tally(self, refused_by_shim(conn), "not refused with the shim's message");
		PQfinish(conn);
		if (self->connections == 1)
			pthread_barrier_wait(&busy);
	}
	return NULL;
}

/* Forks a child that connects in every way; true when it exited 0. */
static bool child_connects(int number)
{
	char who[32];
	snprintf(who, sizeof who, "child %d", number);
	/* Whatever stdout holds would be written twice, by parent and child. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return false;
	}
	if (pid == 0) {
		bool ok = connect_every_way(who);
		fflush(stdout);
		/* Not exit(): the busy threads do not exist in the child, and exit
		 * handlers (LeakSanitizer's among them) would trip over what they
		 * left half done. */
		_exit(ok ? 0 : 1);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return false;
	}
	if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", who, WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool join_and_report(struct busy_thread *busy_thread, const char *name)
{
	pthread_join(busy_thread->thread, NULL);
	if (busy_thread->failures > 0)
		printf("%s thread: %d of %d connections failed, the first: %s\n", name,
		       busy_thread->failures, busy_thread->connections, busy_thread->first_failure);
	return busy_thread->failures == 0;
}

int main(int argc, char **argv)
{
	if (argc != 5 || atoi(argv[4]) < 1) {
		fprintf(stderr, "usage: fork_while_connecting PLACEHOLDER EXPECTED_USER "
			"UNREACHABLE_PLACEHOLDER FORKS\n");
		return 2;
	}
	placeholder = argv[1];
	expected_user = argv[2];
	unreachable_placeholder = argv[3];
	int forks = atoi(argv[4]);

	bool ok = connect_every_way("parent before the forks");

	struct busy_thread connecting = { 0 }, refusing = { 0 };
	pthread_barrier_init(&busy, NULL, 3);
	if (pthread_create(&connecting.thread, NULL, keep_connecting, &connecting) != 0 ||
	    pthread_create(&refusing.thread, NULL, keep_being_refused, &refusing) != 0) {
		fprintf(stderr, "fork_while_connecting: cannot start the busy threads\n");
		return 2;
	}
	pthread_barrier_wait(&busy);

	int children_ok = 0;
	for (int i = 1; i <= forks; i++)
		children_ok += child_connects(i);

	atomic_store(&stopping, true);
	ok = join_and_report(&connecting, "connecting") && ok;
	ok = join_and_report(&refusing, "refusing") && ok;
	pthread_barrier_destroy(&busy);

	bool parent_ok = connect_every_way("parent after the forks");
	printf("fork_while_connecting: %d of %d children ok, parent %s after the forks\n",
	       children_ok, forks, parent_ok ? "ok" : "failed");
	return ok && parent_ok && children_ok == forks ? 0 : 1;
}
