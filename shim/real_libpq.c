/*
 * real_libpq.c - find the real libpq functions behind the hooks.
 *
 * dlsym(RTLD_NEXT) finds libpq when it is in the global scope (psql,
 * pg_dump: programs linked with it).  It returns NULL when a module loaded
 * libpq privately (RTLD_LOCAL): python's psycopg2, perl's DBD::Pg, a libpq
 * bundled under another file name.  Then, in order:
 *   1. the dependencies of the module that called the hook;
 *   2. a libpq.so.5 that is already loaded (RTLD_NOLOAD);
 *   3. every loaded object, in load order.
 * Whatever finds PQconnectdb, the functions are then all taken from the
 * object that defines it, opened by its own name, so they come from one
 * libpq.  The shim's own symbols are never taken.  Nothing is ever loaded
 * here: only libpq that the program already has.
 */
#define _GNU_SOURCE
#include "real_libpq.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "fork_safety.h"
#include "glibc_dl.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct libpq_api table;
static const struct libpq_api *resolved;	/* &table once complete */

/* The load address of this shared object, to refuse our own symbols. */
static const void *own_base(void)
{
	Dl_info info;
	return dladdr((const void *)own_base, &info) ? info.dli_fbase : NULL;
}

/* The file of the object defining address, unless it is the shim. */
static const char *defining_object(const void *address)
{
	Dl_info info;
	if (address == NULL || !dladdr(address, &info) || info.dli_fbase == own_base())
		return NULL;
	return info.dli_fname;
}

/* PQconnectdb as seen from handle, if it is not ours. */
static const char *libpq_seen_from(void *handle)
{
	return handle ? defining_object(glibc_dlsym()(handle, "PQconnectdb")) : NULL;
}

static const char *from_caller(const void *caller)
{
	Dl_info info;
	if (caller == NULL || !dladdr(caller, &info) || info.dli_fname == NULL ||
	    info.dli_fname[0] == '\0')
		return NULL;
	void *handle = glibc_dlopen()(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	const char *found = libpq_seen_from(handle);
	if (handle != NULL)
		dlclose(handle);
	return found;
}

static const char *from_soname(void)
{
	void *handle = glibc_dlopen()("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
	const char *found = libpq_seen_from(handle);
	if (handle != NULL)
		dlclose(handle);
	return found;
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	const char **found = data;
	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0')
		return 0;
	void *handle = glibc_dlopen()(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
	*found = libpq_seen_from(handle);
	if (handle != NULL)
		dlclose(handle);
	return *found != NULL;	/* non-zero stops the walk */
}

static const char *from_loaded_objects(void)
{
	const char *found = NULL;
	dl_iterate_phdr(scan_object, &found);
	return found;
}

/* Binds every function from the libpq object at path. */
static bool bind_all(const char *path)
{
	void *handle = glibc_dlopen()(path, RTLD_LAZY | RTLD_NOLOAD);
	if (handle == NULL)
		return false;
	bool ok = true;
#define BIND(name)                                                           \
	table.name = (__typeof__(table.name))glibc_dlsym()(handle, #name);          \
	ok = ok && defining_object((const void *)table.name) != NULL;
	LIBPQ_API_FUNCTIONS(BIND)
#undef BIND
	/* The handle stays open: libpq must outlive every call into it. */
	return ok;
}

const struct libpq_api *real_libpq(const void *caller)
{
	const struct libpq_api *api = __atomic_load_n(&resolved, __ATOMIC_ACQUIRE);
	if (api != NULL)
		return api;

	/* Held while every loaded object is searched: a fork() meanwhile must
	 * not leave the child, which has not resolved libpq either, this lock
	 * held by a thread it does not have. */
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	if (resolved == NULL) {
		const char *path = defining_object(glibc_dlsym()(RTLD_NEXT, "PQconnectdb"));
		if (path == NULL)
			path = from_caller(caller);
		if (path == NULL)
			path = from_soname();
		if (path == NULL)
			path = from_loaded_objects();
		if (path != NULL && bind_all(path))
			__atomic_store_n(&resolved, &table, __ATOMIC_RELEASE);
	}
	api = resolved;
	pthread_mutex_unlock(&lock);
	return api;
}
