/*
 * dl_hooks.c - see dl_hooks.h.
 */
#define _GNU_SOURCE
#include "dl_hooks.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "elf_needed.h"
#include "glibc_dl.h"
#include "hooks.h"

#define HOOK __attribute__((visibility("default")))

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
		void *hook = hooks_function_named(name);
		if (hook != NULL && outside_shim(glibc_dlsym()(handle, name)))
			return hook;
	}
	return glibc_dlsym()(handle, name);
}
