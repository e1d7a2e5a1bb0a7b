/*
 * fork_safety.h - the shim's locks are never inherited locked by a child.
 *
 * A thread of the host program may fork() while another holds one of the
 * shim's mutexes; the child would then deadlock on its first connect.  Each
 * registered mutex is taken before fork() and released in both processes
 * (pthread_atfork), as glibc does for its own locks.
 */
#ifndef HPGSHIM_FORK_SAFETY_H
#define HPGSHIM_FORK_SAFETY_H

#include <pthread.h>

/* Idempotent and cheap after the first call for a given mutex. */
void fork_safety_register(pthread_mutex_t *mutex);

#endif
