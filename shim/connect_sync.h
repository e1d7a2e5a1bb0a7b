/*
 * connect_sync.h - a synchronous placeholder connect, and its one retry.
 *
 * PQconnectdb, PQconnectdbParams and PQsetdbLogin: the shim connects, and
 * when the connection fails asks the credential source again (retry.h says
 * when the one retry is worth it).  After a rejection it waits for the
 * rotation (HPGSHIM_ROTATION_WAIT) while the config var still holds the
 * rejected credential.  Every step uses what is left of the call's one
 * deadline (deadline.h).
 */
#ifndef HPGSHIM_CONNECT_SYNC_H
#define HPGSHIM_CONNECT_SYNC_H

#include "connect.h"
#include "resolution.h"

/*
 * Connects with r (resolution_start() succeeded), retrying once when that
 * is worth it.  Returns the connection, failed or not, or NULL only when
 * libpq ran out of memory.  r is left for the caller to free.
 */
PGconn *connect_sync(const struct connect_context *ctx, const struct optlist *request,
		     struct resolution *r);

#endif
