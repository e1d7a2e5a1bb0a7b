/*
 * conn_registry.h - what the shim remembers about connections it handed out.
 *
 *   - An error connection (no credential could be had) carries the shim's
 *     own message, which the PQerrorMessage hook returns.
 *   - An asynchronous placeholder connection (PQconnectStart*) carries its
 *     credential's cache key, so that when the program's PQconnectPoll loop
 *     ends in failure the credential is marked stale.
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

/* Remembers cache_key (copied) for an asynchronous connection. */
bool conn_registry_set_pending(const PGconn *conn, const char *cache_key);

/* Takes the pending key of conn: malloc'd, free() it; NULL if none. */
char *conn_registry_take_pending(const PGconn *conn);

void conn_registry_forget(const PGconn *conn);

#endif
