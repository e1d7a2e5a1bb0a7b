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

/*
 * Both hooks end in a tail call to glibc, so that glibc sees the program's
 * return address (dl_hooks.h), and that must not depend on the optimiser:
 * at -O0 a plain `return f(...)` is a call, and glibc would then see the
 * shim as its caller.  Where the compiler has musttail (clang 13, gcc 15)
 * the forward is one.  gcc before 15 has no way to demand a tail call, but
 * honours an optimize attribute on the hook, even at -O0 and under
 * -fno-optimize-sibling-calls (clang ignores that attribute, and needs
 * none).  Either way mk/check_tail_calls.sh reads the compiled object and
 * fails the build when a hook calls glibc instead of jumping to it.
 */
#if defined(__has_attribute)
#if __has_attribute(musttail)
#define MUST_TAIL_CALL __attribute__((musttail))
#endif
#endif
#ifdef MUST_TAIL_CALL
#define TAIL_CALLING
#else
#define MUST_TAIL_CALL
#define TAIL_CALLING __attribute__((optimize("O2", "optimize-sibling-calls")))
#endif

HOOK TAIL_CALLING void *dlopen(const char *file, int mode)
{
	/* Only a module given by path can be read before loading; only one
	 * that needs libpq itself has RTLD_DEEPBIND dropped. */
	if ((mode & RTLD_DEEPBIND) && file != NULL && file[0] == '/' &&
	    elf_needs_library(file, "libpq"))
		mode &= ~RTLD_DEEPBIND;
	MUST_TAIL_CALL return glibc_dlopen()(file, mode);
}

/*
 * The hook that answers a lookup of name on handle, or NULL for glibc's
 * answer.  Never inlined: its own lookup is a call through a pointer, and
 * the hook below then has exactly one such transfer, the jump that
 * mk/check_tail_calls.sh looks for.
 */
__attribute__((noinline)) static void *hook_answering(void *handle, const char *name)
{
	if (handle == RTLD_NEXT || handle == RTLD_DEFAULT || name[0] != 'P' || name[1] != 'Q')
		return NULL;
	void *hook = hooks_function_named(name);
	return hook != NULL && outside_shim(glibc_dlsym()(handle, name)) ? hook : NULL;
}

HOOK TAIL_CALLING void *dlsym(void *handle, const char *name)
{
	void *hook = hook_answering(handle, name);
	if (hook != NULL)
		return hook;
	MUST_TAIL_CALL return glibc_dlsym()(handle, name);
}
