/*
 * libpq_api.h - the libpq functions hpgshim calls, as one table.
 *
 * The core never calls libpq by name: inside an LD_PRELOAD library a call
 * to PQconnectdb() would bind to the shim's own hook.  Instead every core
 * function takes a `const struct libpq_api *`.  In the library the table is
 * filled by real_libpq.c (the one module that knows how to find the real
 * symbols); unit tests fill it with the libpq they link against.
 */
#ifndef HPGSHIM_LIBPQ_API_H
#define HPGSHIM_LIBPQ_API_H

#include <libpq-fe.h>

/*
 * X-macros.  The functions the shim hooks (hooks.c exports one of the same
 * name for each, which calls the real one through this table) ...
 */
#define LIBPQ_HOOKED_FUNCTIONS(X) \
	X(PQconnectdb)            \
	X(PQconnectdbParams)      \
	X(PQsetdbLogin)           \
	X(PQconnectStart)         \
	X(PQconnectStartParams)   \
	X(PQconnectPoll)          \
	X(PQping)                 \
	X(PQpingParams)           \
	X(PQconninfoParse)        \
	X(PQreset)                \
	X(PQresetStart)           \
	X(PQresetPoll)            \
	X(PQerrorMessage)         \
	X(PQfinish)

/* ... and those it only calls. */
#define LIBPQ_CALLED_FUNCTIONS(X) \
	X(PQconninfo)             \
	X(PQconninfoFree)         \
	X(PQfreemem)              \
	X(PQstatus)               \
	X(PQpass)                 \
	X(PQuser)

/* Every libpq function the shim uses, hooked or not. */
#define LIBPQ_API_FUNCTIONS(X) LIBPQ_HOOKED_FUNCTIONS(X) LIBPQ_CALLED_FUNCTIONS(X)

struct libpq_api {
#define LIBPQ_API_MEMBER(name) __typeof__(&name) name;
	LIBPQ_API_FUNCTIONS(LIBPQ_API_MEMBER)
#undef LIBPQ_API_MEMBER
};

#endif
