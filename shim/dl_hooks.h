/*
 * dl_hooks.h - the dynamic linker's dlopen and dlsym, as the shim sees them.
 *
 * Two kinds of program hide libpq from LD_PRELOAD:
 *   - PHP 8.2 loads its pgsql and pdo_pgsql modules with RTLD_DEEPBIND, so
 *     their calls bind to libpq before any preloaded symbol.  The dlopen hook
 *     drops that one flag for a module that itself needs libpq, and loads
 *     everything else exactly as asked.
 *   - Debian's psycopg 3 opens libpq with ctypes and looks each function up
 *     with dlsym on that handle.  The dlsym hook answers a lookup of a hooked
 *     libpq function on a handle that resolves it to libpq with the hook;
 *     every other lookup gets what the dynamic linker gives.
 * Both end in a tail call to the real function, so that glibc sees the
 * program's return address: dlopen's $ORIGIN and RUNPATH and dlsym's
 * RTLD_NEXT are relative to the caller.
 */
#ifndef HPGSHIM_DL_HOOKS_H
#define HPGSHIM_DL_HOOKS_H

/* The hooks are exported, not called: the shim's own lookups use glibc_dl.h. */

#endif
