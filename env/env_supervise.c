/*
 * env_supervise.c - see env_supervise.h.
 *
 * One thread.  The signal handlers only forward a signal (kill() is
 * async-signal-safe) and note a child's end on a pipe; everything else
 * happens in the loop, which waits on that pipe until the next check.
 * COMMAND is started with posix_spawnp(), which is safe in a process
 * where libcurl may have started a thread (its resolver's): nothing runs
 * in the child between the clone and the exec but glibc's own code.
 */
#define _GNU_SOURCE
#include "env_supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monotonic.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define FORWARDED_COUNT (sizeof forwarded / sizeof forwarded[0])

static volatile sig_atomic_t child_pid;		/* 0: none running */
static volatile sig_atomic_t stop_asked;	/* SIGINT, SIGTERM or SIGQUIT received */
static int child_ended_pipe[2] = { -1, -1 };

/*
 * A signal sent to hpgshim env (si_code SI_USER, SI_QUEUE, ...: <= 0) goes
 * on to COMMAND.  One the kernel sent (si_code > 0: typed at the terminal,
 * which signals the whole foreground group, COMMAND included) reached
 * COMMAND already.
 */
static void forward(int sig, siginfo_t *info, void *context)
{
	(void)context;
	int saved = errno;
	if (info->si_code <= 0 && child_pid > 0)
		kill((pid_t)child_pid, sig);
	if (sig != SIGHUP)
		stop_asked = 1;
	errno = saved;
}

static void child_ended(int sig)
{
	(void)sig;
	int saved = errno;
	(void)!write(child_ended_pipe[1], "", 1);
	errno = saved;
}

static bool install_handlers(void)
{
	if (pipe2(child_ended_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return false;
	struct sigaction action = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < FORWARDED_COUNT; i++)
		if (sigaction(forwarded[i], &action, NULL) != 0)
			return false;
	struct sigaction chld = { .sa_handler = child_ended, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigemptyset(&chld.sa_mask);
	return sigaction(SIGCHLD, &chld, NULL) == 0;
}

int env_supervise_spawn_status(int error)
{
	return error == ENOENT || error == ENOTDIR ? 127 : 126;
}

/*
 * Starts COMMAND with env: its signals at their defaults and unblocked, as
 * if hpgshim env had exec'd it.  The forwarded signals are blocked until
 * child_pid is set, so that none sent meanwhile is lost.  0, or the errno.
 */
static int start(const struct env_supervision *s, const struct env_list *env)
{
	sigset_t forward_set, before, none, defaults;
	sigemptyset(&forward_set);
	for (size_t i = 0; i < FORWARDED_COUNT; i++)
		sigaddset(&forward_set, forwarded[i]);
	sigemptyset(&none);
	sigemptyset(&defaults);
	for (size_t i = 0; i < FORWARDED_COUNT; i++)
		sigaddset(&defaults, forwarded[i]);
	sigaddset(&defaults, SIGCHLD);

	posix_spawnattr_t attr;
	if (posix_spawnattr_init(&attr) != 0)
		return ENOMEM;
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);

	sigprocmask(SIG_BLOCK, &forward_set, &before);
	pid_t pid = 0;
	int error = posix_spawnp(&pid, s->command[0], NULL, &attr, s->command, env->entries);
	if (error == 0)
		child_pid = pid;
	sigprocmask(SIG_SETMASK, &before, NULL);
	posix_spawnattr_destroy(&attr);
	return error;
}

/* Empties the pipe the SIGCHLD handler writes to. */
static void drain(void)
{
	char buf[64];
	while (read(child_ended_pipe[0], buf, sizeof buf) > 0)
		;
}

/* Whether the child ended (its wait status in *status); waits up to timeout_ms (-1: for ever). */
static bool wait_child(long timeout_ms, int *status)
{
	long deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
	for (;;) {
		pid_t pid = waitpid((pid_t)child_pid, status, WNOHANG);
		if (pid == (pid_t)child_pid) {
			child_pid = 0;
			return true;
		}
		long left = deadline < 0 ? -1 : deadline - monotonic_ms();
		if (deadline >= 0 && left <= 0)
			return false;
		struct pollfd ended = { .fd = child_ended_pipe[0], .events = POLLIN };
		if (poll(&ended, 1, left > 1000 || left < 0 ? 1000 : (int)left) > 0)
			drain();
	}
}

/* SIGTERM, then SIGKILL after the grace period; returns the child's wait status. */
static int stop(const struct env_supervision *s)
{
	int status = 0;
	kill((pid_t)child_pid, SIGTERM);
	if (!wait_child(s->grace_seconds * 1000, &status)) {
		fprintf(stderr, "hpgshim env: %s did not end within %ld s of SIGTERM (--grace): "
			"sending SIGKILL\n", s->command[0], s->grace_seconds);
		kill((pid_t)child_pid, SIGKILL);
		wait_child(-1, &status);
	}
	return status;
}

/* Ends hpgshim env as the child ended: its exit status, or the same signal. */
static int end_like(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	/* No core file of hpgshim env for the child's SIGQUIT or SIGSEGV. */
	struct rlimit no_core = { .rlim_cur = 0, .rlim_max = 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigset_t unblock;
	sigemptyset(&unblock);
	sigaddset(&unblock, sig);
	sigprocmask(SIG_UNBLOCK, &unblock, NULL);
	raise(sig);
	return 128 + sig; /* a signal that does not kill (SIGCHLD, ...): the shells' number */
}

/* The environment with the targets as resolved now. */
static bool export_again(const struct env_supervision *s, struct env_list *env)
{
	struct hpg_error err;
	env_list_free(env);
	if (!env_list_copy(env, s->base->entries) ||
	    !env_targets_export(s->targets, env, s->dialect, &err)) {
		fprintf(stderr, "hpgshim env: out of memory\n");
		return false;
	}
	return true;
}

int env_supervise(const struct env_supervision *s, struct env_list *env)
{
	if (!install_handlers()) {
		fprintf(stderr, "hpgshim env: cannot install its signal handlers: %s\n", strerror(errno));
		return 125;
	}
	int error = start(s, env);
	if (error != 0) {
		fprintf(stderr, "hpgshim env: %s: %s\n", s->command[0], strerror(error));
		return env_supervise_spawn_status(error);
	}
	bool failing = false;	/* said once; said again only after an answer */
	for (;;) {
		int status = 0;
		if (wait_child(s->interval_seconds * 1000, &status))
			return end_like(status);

		struct env_round round;
		env_targets_resolve(s->resolver, s->targets, false, &round);
		if (round.said[0] != '\0' && !failing)
			fprintf(stderr, "%s; %s keeps running with the values it has, and is not "
				"restarted for this\n", round.said, s->command[0]);
		failing = round.said[0] != '\0';
		if (!round.changed)
			continue;

		fprintf(stderr, "hpgshim env: the credential in %s changed: restarting %s\n",
			round.changed_name, s->command[0]);
		stop_asked = 0;
		status = stop(s);
		if (stop_asked)
			return end_like(status); /* asked to stop meanwhile: not started again */
		if (!export_again(s, env))
			return 125;
		if ((error = start(s, env)) != 0) {
			fprintf(stderr, "hpgshim env: %s: %s\n", s->command[0], strerror(error));
			return env_supervise_spawn_status(error);
		}
		if (stop_asked) /* between the stop and the start, with no child to forward to */
			kill((pid_t)child_pid, SIGTERM);
	}
}
