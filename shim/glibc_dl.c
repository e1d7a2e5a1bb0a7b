/*
 * glibc_dl.c - see glibc_dl.h.
 */
#define _GNU_SOURCE
#include "glibc_dl.h"

#include <dlfcn.h>
#include <stddef.h>

/* GLIBC_DL_DLOPEN_VERSION and GLIBC_DL_DLSYM_VERSION, written by the build. */
#include "glibc_dl_versions.h"

/*
 * These run before AddressSanitizer is ready.  ASan's start-up looks up
 * every function it intercepts with dlsym(RTLD_NEXT, ...), and that call
 * binds to the shim's dlsym hook, which asks glibc_dlsym(), all before ASan
 * has mapped its shadow memory.  An instrumented load through a pointer
 * reads that shadow and crashes every program at start-up: an earlier
 * version that passed the cache slot by address did exactly that under
 * `make check-asan`.  ASan proves a direct access to a global safe and
 * leaves it alone, but this attribute says so rather than rely on the
 * optimiser.  (ThreadSanitizer has the same problem with its function entry
 * and exit hooks; the Makefile builds this file without TSan.)
 */
#define BEFORE_SANITIZERS __attribute__((no_sanitize("address", "undefined")))

/*
 * glibc's function of that name, looked up once into *slot.  dlsym cannot
 * look it up without coming back through the hook, so dlvsym, by the version
 * a plain call binds to.  That version differs by glibc release and
 * architecture (GLIBC_2.34 since 2.34, which moved both into libc; before
 * it GLIBC_2.2.5 on x86-64, GLIBC_2.17 on arm64, ...).  The build links a
 * probe and records the versions its linker chose (mk/glibc_dl.mk): the
 * default ones of the glibc the library was built for, which every later
 * glibc keeps.  Reading libc's version tables here instead would walk ELF
 * structures through pointers before AddressSanitizer is ready (above);
 * a string fixed at build time needs nothing at run time.
 */
BEFORE_SANITIZERS static void *lookup_once(void **slot, const char *name, const char *version)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (fn == NULL) {
		fn = dlvsym(RTLD_NEXT, name, version);
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

BEFORE_SANITIZERS glibc_dlopen_fn *glibc_dlopen(void)
{
	static void *dlopen_slot;
	return (glibc_dlopen_fn *)lookup_once(&dlopen_slot, "dlopen", GLIBC_DL_DLOPEN_VERSION);
}

BEFORE_SANITIZERS glibc_dlsym_fn *glibc_dlsym(void)
{
	static void *dlsym_slot;
	return (glibc_dlsym_fn *)lookup_once(&dlsym_slot, "dlsym", GLIBC_DL_DLSYM_VERSION);
}
