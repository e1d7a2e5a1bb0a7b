/*
 * glibc_dl.c - see glibc_dl.h.
 */
#define _GNU_SOURCE
#include "glibc_dl.h"

#include <dlfcn.h>
#include <stddef.h>

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
 * look it up without coming back through the hook, so dlvsym by version:
 * glibc 2.34 moved these into libc; 2.2.5 is the older version.
 */
BEFORE_SANITIZERS static void *lookup_once(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (fn == NULL) {
		fn = dlvsym(RTLD_NEXT, name, "GLIBC_2.34");
		if (fn == NULL)
			fn = dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

BEFORE_SANITIZERS glibc_dlopen_fn *glibc_dlopen(void)
{
	static void *dlopen_slot;
	return (glibc_dlopen_fn *)lookup_once(&dlopen_slot, "dlopen");
}

BEFORE_SANITIZERS glibc_dlsym_fn *glibc_dlsym(void)
{
	static void *dlsym_slot;
	return (glibc_dlsym_fn *)lookup_once(&dlsym_slot, "dlsym");
}
