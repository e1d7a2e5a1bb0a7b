/*
 * fork_safety.h - the shim's locks are never inherited locked by a child.
 *
 * A thread of the host program may fork() while another holds one of the
 * shim's mutexes; the child would then deadlock on its first connect.  Each
 * registered mutex is taken before fork() and released in both processes
 * (pthread_atfork), as glibc does for its own locks.  The child handler
 * also counts the fork (fork_safety_generation()).
 */
#ifndef HPGSHIM_FORK_SAFETY_H
#define HPGSHIM_FORK_SAFETY_H

#include <pthread.h>

/* Idempotent and cheap after the first call for a given mutex. */
void fork_safety_register(pthread_mutex_t *mutex);

/*
 * How many fork()s lie between the first call in this process's ancestry
 * and this process: the same in every thread of a process, one more in each
 * child.  Unlike getpid(), never the same in a child as in its parent (a
 * grandchild in a new pid namespace may have its grandparent's pid).
 */
unsigned long fork_safety_generation(void);

#endif
