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

/* X-macro: every libpq function the shim uses, hooked or not. */
#define LIBPQ_API_FUNCTIONS(X) \
	X(PQconnectdb)             \
	X(PQconnectdbParams)       \
	X(PQsetdbLogin)            \
	X(PQconnectStart)          \
	X(PQconnectStartParams)    \
	X(PQconnectPoll)           \
	X(PQping)                  \
	X(PQpingParams)            \
	X(PQconninfoParse)         \
	X(PQconninfoFree)          \
	X(PQreset)                 \
	X(PQresetStart)            \
	X(PQfreemem)               \
	X(PQerrorMessage)          \
	X(PQstatus)                \
	X(PQpass)                  \
	X(PQuser)                  \
	X(PQfinish)

struct libpq_api {
#define LIBPQ_API_MEMBER(name) __typeof__(&name) name;
	LIBPQ_API_FUNCTIONS(LIBPQ_API_MEMBER)
#undef LIBPQ_API_MEMBER
};

#endif
