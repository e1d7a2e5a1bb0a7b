/*
 * hooks.h - the libpq functions the shim exports in libpq's place.
 *
 * One list, LIBPQ_HOOKED_FUNCTIONS in libpq_api.h: hooks.c defines them,
 * hooks_function_named() finds them by name for the dlsym hook, and
 * shim/exports.txt (checked by a test against nm -D) lists them with dlopen
 * and dlsym.
 */
#ifndef HPGSHIM_HOOKS_H
#define HPGSHIM_HOOKS_H

/* The shim's own function of that name, or NULL if it hooks no such function. */
void *hooks_function_named(const char *name);

#endif
