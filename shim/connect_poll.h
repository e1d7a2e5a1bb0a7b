/*
 * connect_poll.h - placeholder connections the program drives, and resets.
 *
 * PQconnectStart* return at once and the program polls (PQconnectPoll) until
 * the attempt ends; PQreset* reconnect with the credential a connection
 * holds.  The shim cannot retry inside the program's own loop: it sees how
 * each attempt ends (the PQconnectPoll and PQresetPoll hooks, or PQreset's
 * own return) and acts then.  A reset is seen from its entry points, never
 * from libpq's own calls to PQconnectPoll: a libpq linked
 * -Bsymbolic-functions (Ubuntu's) makes those out of the shim's sight.
 */
#ifndef HPGSHIM_CONNECT_POLL_H
#define HPGSHIM_CONNECT_POLL_H

#include "connect.h"
#include "resolution.h"

/*
 * Starts connecting with r (resolution_start() succeeded), as
 * PQconnectStartParams() would; the program polls on.  NULL only when libpq
 * ran out of memory.  r is left for the caller to free.
 */
PGconn *connect_poll_start(const struct connect_context *ctx, const struct optlist *request,
			   struct resolution *r);

/*
 * Called when a connection attempt the program drives (PQconnectStart* and
 * its own PQconnectPoll loop, or PQresetStart and its PQresetPoll loop)
 * ends with status, OK or FAILED; returns the status the program gets.  A failed connect tells the
 * credential source (credential_source_failed()).  A reset that failed
 * because the credential was rotated may be started once more with the new
 * credential written into libpq's buffers (reset.h): the program then gets
 * PGRES_POLLING_WRITING and polls on.  Call it with the shim's own calls
 * into libpq going straight to libpq.
 */
PostgresPollingStatusType connect_poll_finished(const struct connect_context *ctx, PGconn *conn,
						PostgresPollingStatusType status);

/*
 * PQreset(conn), as the program called it: when the reset fails because the
 * credential was rotated, what connect_poll_finished() does for a polled
 * reset, the one more reset included, is done before it returns.  Call it,
 * and the next, with the shim's own calls into libpq going straight to
 * libpq (libpq's own PQconnectPoll calls among them).
 */
void connect_poll_reset(const struct connect_context *ctx, PGconn *conn);

/* PQresetStart(conn), as the program called it: the program then polls (PQresetPoll). */
int connect_poll_reset_start(const struct connect_context *ctx, PGconn *conn);

#endif
