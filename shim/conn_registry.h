/*
 * conn_registry.h - what the shim remembers about connections it handed out.
 *
 *   - An error connection (no credential could be had) carries the shim's
 *     own message, which the PQerrorMessage hook returns.
 *   - A placeholder connection carries its credential's key (its origin).
 *     While the program itself drives a connection attempt (PQconnectStart*
 *     with its own PQconnectPoll loop, or PQreset*, which reconnects with
 *     the credential the connection holds) it is pending: when the attempt
 *     ends in failure, the credential is marked stale.
 * Both are forgotten at PQfinish.  conn_registry_empty() is the hooks' fast
 * path: one atomic load while the shim tracks nothing.
 */
#ifndef HPGSHIM_CONN_REGISTRY_H
#define HPGSHIM_CONN_REGISTRY_H

#include <stdbool.h>

#include <libpq-fe.h>

bool conn_registry_empty(void);

/* Remembers message (copied) for conn.  False when out of memory. */
bool conn_registry_set_error(const PGconn *conn, const char *message);

/* The message set for conn, or NULL; valid until conn_registry_forget(conn). */
const char *conn_registry_error(const PGconn *conn);

/* Remembers the credential key (copied) conn was made with, pending or not. */
bool conn_registry_set_origin(const PGconn *conn, const char *key, bool pending);

/* Marks a connection made with a placeholder pending again (a reset). */
void conn_registry_mark_pending(const PGconn *conn);

/* The key of a pending conn, no longer pending: malloc'd, free() it; NULL if none. */
char *conn_registry_take_pending(const PGconn *conn);

void conn_registry_forget(const PGconn *conn);

#endif
