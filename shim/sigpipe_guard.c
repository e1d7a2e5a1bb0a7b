/*
 * sigpipe_guard.c - see sigpipe_guard.h.
 */
#define _GNU_SOURCE
#include "sigpipe_guard.h"

#include <pthread.h>
#include <stddef.h>
#include <time.h>

static bool sigpipe_pending(void)
{
	sigset_t pending;
	return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

void sigpipe_guard_begin(struct sigpipe_guard *guard)
{
	sigset_t sigpipe;
	sigemptyset(&sigpipe);
	sigaddset(&sigpipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigpipe, &guard->old_mask);
	guard->was_pending = sigpipe_pending();
}

void sigpipe_guard_end(const struct sigpipe_guard *guard)
{
	if (!guard->was_pending && sigpipe_pending()) {
		sigset_t sigpipe;
		sigemptyset(&sigpipe);
		sigaddset(&sigpipe, SIGPIPE);
		const struct timespec now = { 0 };
		sigtimedwait(&sigpipe, NULL, &now);
	}
	pthread_sigmask(SIG_SETMASK, &guard->old_mask, NULL);
}
