/*
 * hooks.h - the libpq functions the shim exports in libpq's place.
 *
 * One list: hooks.c defines them, hooked_function() finds them by name for
 * the dlsym hook, and shim/exports.txt (checked by a test against nm -D)
 * lists them with dlopen and dlsym.
 */
#ifndef HPGSHIM_HOOKS_H
#define HPGSHIM_HOOKS_H

#define HOOKED_FUNCTIONS(X)     \
	X(PQconnectdb)          \
	X(PQconnectdbParams)    \
	X(PQsetdbLogin)         \
	X(PQconnectStart)       \
	X(PQconnectStartParams) \
	X(PQconnectPoll)        \
	X(PQping)               \
	X(PQpingParams)         \
	X(PQconninfoParse)      \
	X(PQreset)              \
	X(PQresetStart)         \
	X(PQerrorMessage)       \
	X(PQfinish)

/* The shim's own function of that name, or NULL if it hooks no such function. */
void *hooked_function(const char *name);

#endif
