/*
 * dl_hooks.c - see dl_hooks.h.
 */
#define _GNU_SOURCE
#include "dl_hooks.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "elf_needed.h"
#include "hooked.h"

#define HOOK __attribute__((visibility("default")))

typedef void *dlopen_fn(const char *file, int mode);
typedef void *dlsym_fn(void *handle, const char *name);

/*
 * glibc's functions, by version: dlsym itself cannot look them up without
 * coming back here.  2.34 moved them into libc; 2.2.5 is the older name.
 */
static void *glibc_function(const char *name)
{
	void *found = dlvsym(RTLD_NEXT, name, "GLIBC_2.34");
	return found ? found : dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
}

static dlsym_fn *glibc_dlsym(void)
{
	static dlsym_fn *real;
	dlsym_fn *fn = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
	if (fn == NULL) {
		fn = (dlsym_fn *)glibc_function("dlsym");
		__atomic_store_n(&real, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

static dlopen_fn *glibc_dlopen(void)
{
	static dlopen_fn *real;
	dlopen_fn *fn = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
	if (fn == NULL) {
		fn = (dlopen_fn *)glibc_function("dlopen");
		__atomic_store_n(&real, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

void *real_dlsym(void *handle, const char *name)
{
	return glibc_dlsym()(handle, name);
}

/* Whether address lies in an object other than the shim. */
static bool outside_shim(const void *address)
{
	Dl_info mine, theirs;
	return address != NULL && dladdr((const void *)outside_shim, &mine) &&
	       dladdr(address, &theirs) && theirs.dli_fbase != mine.dli_fbase;
}

/* Sibling calls keep the caller's return address for glibc; see dl_hooks.h. */
#define TAIL_CALL __attribute__((optimize("optimize-sibling-calls")))

HOOK TAIL_CALL void *dlopen(const char *file, int mode)
{
	/* Only a module given by path can be read before loading; only one
	 * that needs libpq itself has RTLD_DEEPBIND dropped. */
	if ((mode & RTLD_DEEPBIND) && file != NULL && file[0] == '/' &&
	    elf_needs_library(file, "libpq"))
		mode &= ~RTLD_DEEPBIND;
	return glibc_dlopen()(file, mode);
}

HOOK TAIL_CALL void *dlsym(void *handle, const char *name)
{
	if (handle != RTLD_NEXT && handle != RTLD_DEFAULT &&
	    name[0] == 'P' && name[1] == 'Q') {
		void *hook = hooked_function(name);
		if (hook != NULL && outside_shim(glibc_dlsym()(handle, name)))
			return hook;
	}
	return glibc_dlsym()(handle, name);
}
