/*
 * glibc_dl.h - glibc's own dlopen and dlsym, for the shim's lookups.
 *
 * The shim exports hooks named dlopen and dlsym (dl_hooks.h).  A plain call
 * to dlopen() or dlsym() from inside the shim binds to those hooks, so every
 * lookup the shim makes for itself (libcurl and cJSON in lazy_libs.c, the
 * real libpq in real_libpq.c) calls these instead.  This module is the
 * bottom of the shim: it depends on nothing of the shim's.
 *
 * The functions return glibc's function rather than calling it: the hooks
 * hand the program's call on with a tail call, so that glibc sees the
 * program's return address (dlopen's $ORIGIN and RUNPATH and dlsym's
 * RTLD_NEXT are relative to the caller).  Never NULL on glibc.
 */
#ifndef HPGSHIM_GLIBC_DL_H
#define HPGSHIM_GLIBC_DL_H

typedef void *glibc_dlopen_fn(const char *file, int mode);
typedef void *glibc_dlsym_fn(void *handle, const char *name);

glibc_dlopen_fn *glibc_dlopen(void);
glibc_dlsym_fn *glibc_dlsym(void);

#endif
