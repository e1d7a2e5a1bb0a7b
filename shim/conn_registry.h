/*
 * conn_registry.h - what the shim remembers about connections it handed out.
 *
 *   - An error connection (no credential could be had) carries the shim's
 *     own message, which the PQerrorMessage hook returns.
 *   - A placeholder connection carries its origin: the placeholder and
 *     credential key it was made from, and the credential libpq got (so that
 *     a reset can recognise the password libpq keeps as the shim's own).
 *     While the program itself drives a connection attempt (PQconnectStart*
 *     with its own PQconnectPoll loop, or PQreset*, which reconnects with
 *     the credential the connection holds) it is pending, and how the
 *     attempt ends decides what the shim does (connect.c).
 * Both are forgotten at PQfinish, the credential wiped.  conn_registry_empty()
 * is the hooks' fast path: one atomic load while the shim tracks nothing.
 */
#ifndef HPGSHIM_CONN_REGISTRY_H
#define HPGSHIM_CONN_REGISTRY_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "credential.h"

/* What a placeholder connection was made from. */
struct conn_origin {
	char *key;			/* cache_key() of its credential */
	char *placeholder;		/* heroku://APP/CONFIG_VAR, to fetch it again */
	char *connect_timeout;		/* the caller's, bounding that fetch; or NULL */
	bool names_server;		/* the caller's own dbname was kept */
	struct credential given;	/* what libpq got: host, port, user, password, dbname */
};

#define CONN_ORIGIN_INIT {NULL, NULL, NULL, false, CREDENTIAL_INIT}

/* Wipes (the credential) and frees; *origin is then CONN_ORIGIN_INIT. */
void conn_registry_origin_free(struct conn_origin *origin);

/* The connection attempt a placeholder connection is in, if the program drives it. */
enum conn_attempt {
	ATTEMPT_NONE,		/* none, or the shim's own (synchronous connect) */
	ATTEMPT_CONNECT,	/* PQconnectStart* and the program's PQconnectPoll loop */
	ATTEMPT_RESET,		/* PQreset or PQresetStart, as the program called it */
	ATTEMPT_RESET_AGAIN,	/* the one more reset the shim started after a rewrite */
};

bool conn_registry_empty(void);

/* Remembers message (copied) for conn.  False when out of memory. */
bool conn_registry_set_error(const PGconn *conn, const char *message);

/* The message set for conn, or NULL; valid until conn_registry_forget(conn). */
const char *conn_registry_error(const PGconn *conn);

/* Remembers origin (copied) for conn, in attempt.  False when out of memory. */
bool conn_registry_set_origin(const PGconn *conn, const struct conn_origin *origin,
			      enum conn_attempt attempt);

/* Replaces the credential conn's origin records as given (copied). */
bool conn_registry_set_given(const PGconn *conn, const struct credential *given);

/* Puts a connection made with a placeholder in attempt (a reset begins). */
void conn_registry_set_attempt(const PGconn *conn, enum conn_attempt attempt);

/*
 * The attempt conn was in, which is then over (ATTEMPT_NONE), and a copy of
 * its origin in *origin (conn_registry_origin_free() it).  ATTEMPT_NONE, with
 * *origin empty, when the program drives no attempt on conn.
 */
enum conn_attempt conn_registry_take_attempt(const PGconn *conn, struct conn_origin *origin);

void conn_registry_forget(const PGconn *conn);

#endif
