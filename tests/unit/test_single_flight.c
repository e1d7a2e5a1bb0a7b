/*
 * test_single_flight.c - a flight a parent left in the air is never waited
 * on by a child or a grandchild, even one with the parent's pid.
 *
 * A thread of the test leads a flight whose job blocks until released;
 * meanwhile the process forks, and the child (or grandchild) asks for the
 * same key.  It must run a job of its own and return: waiting on the
 * parent's flight would wait for ever (an alarm turns that into a failure).
 * The pid case runs the grandchild as pid 1 of a new pid namespace under a
 * parent that is pid 1 of its own: skipped where namespaces are not allowed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credential.h"
#include "single_flight.h"
#include "unit.h"

static const struct credential empty = CREDENTIAL_INIT;

static bool copy(void *dst, const void *src)
{
	return credential_copy(dst, src);
}

static void release(void *cred)
{
	credential_free(cred);
}

static const struct flight_outcome_type credential_type = {
	.size = sizeof(struct credential), .empty = &empty, .copy = copy, .release = release,
};

/* The parent's job: says it started, then waits for the word to land. */
static int started[2], land[2];

static bool blocking_job(void *arg, void *out, struct hpg_error *err)
{
	(void)arg, (void)err;
	char c = 's';
	if (write(started[1], &c, 1) != 1 || read(land[0], &c, 1) != 1)
		return false;
	struct credential parent = { .host = "h", .user = "parent", .password = "p" };
	return credential_copy(out, &parent);
}

static bool own_job(void *arg, void *out, struct hpg_error *err)
{
	(void)arg, (void)err;
	struct credential child = { .host = "h", .user = "child", .password = "p" };
	return credential_copy(out, &child);
}

static void *lead(void *key)
{
	struct credential cred;
	struct hpg_error err;
	if (single_flight(key, &credential_type, blocking_job, NULL, &cred, &err))
		credential_free(&cred);
	return NULL;
}

/*
 * A hang ends the child, with status 124.  A handler, not the default
 * action: the kernel drops a default-action signal sent to a pid
 * namespace's init (pid 1), even its own alarm.
 */
static void on_alarm(int signal)
{
	(void)signal;
	_exit(124);
}

static void hang_ends_in(unsigned seconds)
{
	signal(SIGALRM, on_alarm);
	alarm(seconds);
}

/* In a child: asks for key; exits 0 when its own job answered, in time. */
_Noreturn static void ask_in_child(const char *key)
{
	hang_ends_in(5);
	struct credential cred;
	struct hpg_error err;
	bool ok = single_flight(key, &credential_type, own_job, NULL, &cred, &err) &&
		  strcmp(cred.user, "child") == 0;
	_exit(ok ? 0 : 1);
}

static int exit_status(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Starts a flight for key in a thread of this process; returns once it is in the air. */
static pthread_t start_parent_flight(const char *key)
{
	pthread_t leader;
	char c;
	if (pipe(started) != 0 || pipe(land) != 0 ||
	    pthread_create(&leader, NULL, lead, (void *)key) != 0 || read(started[0], &c, 1) != 1)
		abort();
	return leader;
}

static void land_parent_flight(pthread_t leader)
{
	char c = 'l';
	if (write(land[1], &c, 1) != 1)
		abort();
	pthread_join(leader, NULL);
	close(started[0]), close(started[1]), close(land[0]), close(land[1]);
}

static void test_a_child_never_joins_a_parents_flight(void **state)
{
	(void)state;
	pthread_t leader = start_parent_flight("fork-child");
	pid_t child = fork();
	if (child == 0)
		ask_in_child("fork-child");
	assert_int_equal(exit_status(child), 0);
	land_parent_flight(leader);
}

static void test_a_grandchild_never_joins_a_grandparents_flight(void **state)
{
	(void)state;
	pthread_t leader = start_parent_flight("fork-grandchild");
	pid_t child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0)
			ask_in_child("fork-grandchild");
		_exit(exit_status(grandchild));
	}
	assert_int_equal(exit_status(child), 0);
	land_parent_flight(leader);
}

/*
 * In a process that is pid 1 of a new pid namespace: a flight in a thread,
 * then a child that is pid 1 of a namespace of its own, which asks.
 */
_Noreturn static void flight_then_same_pid_child(void)
{
	hang_ends_in(10);
	pthread_t leader = start_parent_flight("same-pid");
	int code = 77;
	if (getpid() == 1 && unshare(CLONE_NEWPID) == 0) {
		pid_t child = fork();
		if (child == 0) {
			if (getpid() != 1)
				_exit(77);
			ask_in_child("same-pid");
		}
		code = exit_status(child);
	}
	land_parent_flight(leader);
	_exit(code);
}

static void test_a_child_with_its_parents_pid_never_joins(void **state)
{
	(void)state;
	pid_t outer = fork();
	if (outer == 0) {
		/* Root may make a pid namespace; anyone may, inside a user namespace. */
		if (unshare(CLONE_NEWPID) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0)
			_exit(77);
		pid_t first = fork();
		if (first == 0)
			flight_then_same_pid_child();
		_exit(exit_status(first));
	}
	int code = exit_status(outer);
	if (code == 77) {
		print_message("    (skipped: no pid namespaces here)\n");
		return;
	}
	assert_int_equal(code, 0);
}

int run_single_flight_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_child_never_joins_a_parents_flight),
		cmocka_unit_test(test_a_grandchild_never_joins_a_grandparents_flight),
		cmocka_unit_test(test_a_child_with_its_parents_pid_never_joins),
	};
	return cmocka_run_group_tests_name("single_flight", tests, NULL, NULL);
}
