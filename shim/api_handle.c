/*
 * api_handle.c - see api_handle.h.
 */
#include "api_handle.h"

#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include "fork_safety.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CURL *idle;	/* the handle kept for reuse, when not lent out */
static pid_t idle_owner;	/* the process that made it */
/* A handle inherited across fork(), abandoned (see api_handle.h) but still
 * pointed to: it is the parent's, not a leak of the child's.  volatile,
 * because nothing reads it and the compiler would drop the stores. */
static CURL *volatile inherited;

CURL *api_handle_acquire(const struct curl_api *curl)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	CURL *handle = idle;
	if (handle != NULL && idle_owner != getpid()) {
		inherited = handle;
		handle = NULL;
	}
	idle = NULL;
	pthread_mutex_unlock(&lock);
	return handle != NULL ? handle : curl->curl_easy_init();
}

void api_handle_release(const struct curl_api *curl, CURL *handle)
{
	pthread_mutex_lock(&lock);
	CURL *extra = NULL;
	if (idle == NULL || idle_owner != getpid()) {
		if (idle != NULL)
			inherited = idle;
		idle = handle;
		idle_owner = getpid();
	} else {
		extra = handle; /* another thread's handle is kept already */
	}
	pthread_mutex_unlock(&lock);
	if (extra != NULL)
		curl->curl_easy_cleanup(extra);
}
