/*
 * sigpipe_guard.h - no SIGPIPE for the host program from the shim's writes.
 *
 * libcurl before 7.87 lets OpenSSL write to the API's socket with a plain
 * write(): when the API resets the connection, that write raises SIGPIPE,
 * whose default action kills the host program (Debian 11's libcurl 7.74
 * did, test_resilience.py's reset).  libcurl's own remedy ignores SIGPIPE
 * process-wide, which is neither thread-safe nor allowed with
 * CURLOPT_NOSIGNAL.  As libpq does for its own writes, the guard blocks
 * SIGPIPE in the calling thread only (a write's SIGPIPE goes to the thread
 * that wrote), takes back the one the shim's writes raised, and restores
 * the thread's mask.  A SIGPIPE that was pending before is left alone.
 */
#ifndef HPGSHIM_SIGPIPE_GUARD_H
#define HPGSHIM_SIGPIPE_GUARD_H

#include <signal.h>
#include <stdbool.h>

struct sigpipe_guard {
	sigset_t old_mask;
	bool was_pending;
};

/* Blocks SIGPIPE in this thread until sigpipe_guard_end(). */
void sigpipe_guard_begin(struct sigpipe_guard *guard);
void sigpipe_guard_end(const struct sigpipe_guard *guard);

#endif
