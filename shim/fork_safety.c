/*
 * fork_safety.c - see fork_safety.h.
 */
#include "fork_safety.h"

#include <stdbool.h>

#define MAX_MUTEXES 8

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *mutexes[MAX_MUTEXES];
static int count;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static unsigned long generation;

static void before_fork(void)
{
	pthread_mutex_lock(&registry_lock);
	for (int i = 0; i < count; i++)
		pthread_mutex_lock(mutexes[i]);
}

static void after_fork_in_parent(void)
{
	for (int i = count - 1; i >= 0; i--)
		pthread_mutex_unlock(mutexes[i]);
	pthread_mutex_unlock(&registry_lock);
}

/* The child is a new generation: nothing a parent's thread was doing happens here. */
static void after_fork_in_child(void)
{
	__atomic_add_fetch(&generation, 1, __ATOMIC_RELAXED);
	after_fork_in_parent();
}

static void install_handlers(void)
{
	pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

unsigned long fork_safety_generation(void)
{
	pthread_once(&once, install_handlers);
	return __atomic_load_n(&generation, __ATOMIC_RELAXED);
}

void fork_safety_register(pthread_mutex_t *mutex)
{
	pthread_once(&once, install_handlers);
	pthread_mutex_lock(&registry_lock);
	bool known = false;
	for (int i = 0; i < count; i++)
		known = known || mutexes[i] == mutex;
	if (!known && count < MAX_MUTEXES)
		mutexes[count++] = mutex;
	pthread_mutex_unlock(&registry_lock);
}
