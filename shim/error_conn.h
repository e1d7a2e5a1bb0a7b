/*
 * error_conn.h - failed connections the shim hands out, and their messages.
 *
 * When no credential can be had, a connect call still returns a real PGconn:
 * one in CONNECTION_BAD, made by libpq itself, so that the program's
 * PQstatus, PQfinish and the rest behave as always.  The PQerrorMessage
 * hook returns the shim's message for it (conn_registry.h).  Every message
 * reads the same way: "hpgshim: cannot get config var VAR of Heroku app
 * \"APP\": why".
 */
#ifndef HPGSHIM_ERROR_CONN_H
#define HPGSHIM_ERROR_CONN_H

#include "error.h"
#include "libpq_api.h"
#include "placeholder.h"

/*
 * The user's message for why (malloc'd into *message, NULL when memory ran
 * out), naming the app and config var when ph has them: an invalid
 * placeholder's too (placeholder_parse() keeps what was valid).
 */
void error_conn_describe(const struct placeholder *ph, const struct hpg_error *why,
			 char **message);

/*
 * A real PGconn in CONNECTION_BAD whose message is message (copied; NULL:
 * out of memory).  NULL only when libpq itself has no memory.  With
 * HPGSHIM_DEBUG the message is a debug line too.
 */
PGconn *error_conn_new(const struct libpq_api *pq, const char *message);

/* error_conn_new() with error_conn_describe()'s message. */
PGconn *error_conn_for(const struct libpq_api *pq, const struct placeholder *ph,
		       const struct hpg_error *why);

/*
 * What a connect call gets when memory ran out before the shim could even
 * read its options.
 */
PGconn *error_conn_out_of_memory(const struct libpq_api *pq);

/* A user's message as a debug line (without its prefix, which the debug line adds). */
void error_conn_debug(const char *message);

#endif
