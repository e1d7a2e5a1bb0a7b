/*
 * glibc_dl_probe.c - linked by mk/glibc_dl.mk, never shipped: the versions
 * at which this glibc's linker binds a plain dlopen() and dlsym() are read
 * off the probe's dynamic symbol table (see shim/glibc_dl.c for why).
 */
#include <dlfcn.h>

void *(*const glibc_dl_probe_dlopen)(const char *, int) = dlopen;
void *(*const glibc_dl_probe_dlsym)(void *, const char *) = dlsym;
