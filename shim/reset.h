/*
 * reset.h - whether a failed reset may reconnect with a fresh credential.
 *
 * PQreset and PQresetStart reconnect with the values a connection holds;
 * libpq keeps its password in the buffer PQpass() returns (and the user
 * name in PQuser()'s) and reads them again at every reset.  After a
 * rotation the shim can wipe the old password there and write the fresh
 * one in its place, then reset once more, provided that:
 *   - the server rejected the credential (a new one can mend that);
 *   - the buffers still hold exactly what the shim gave the connection (no
 *     one else's value is overwritten, nor a value its owner wiped);
 *   - the config var now holds another credential for the same host, port
 *     and database (libpq resolved those once; they cannot be rewritten);
 *   - each new value fits in the old one's buffer (Heroku's passwords have
 *     a fixed length).
 * Otherwise the reset fails, as libpq alone would.  Pure: no libpq calls.
 */
#ifndef HPGSHIM_RESET_H
#define HPGSHIM_RESET_H

#include <stdbool.h>
#include <stddef.h>

#include "credential.h"

enum reset_case {
	RESET_REWRITE,			/* rewrite the buffers and reset once more */
	RESET_NOT_REJECTED,
	RESET_PASSWORD_NOT_OURS,
	RESET_USER_NOT_OURS,
	RESET_NO_NEW_CREDENTIAL,
	RESET_SAME_CREDENTIAL,
	RESET_TARGET_CHANGED,
	RESET_PASSWORD_LONGER,
	RESET_USER_LONGER,
};

/*
 * Before any request: whether a fresh credential could mend the reset that
 * failed (rejected: the server rejected the credential).  libpq_password is
 * PQpass() of the connection, given what the shim gave it.
 */
enum reset_case reset_precheck(bool rejected, const struct credential *given,
			       const char *libpq_password);

/*
 * With the credential the config var holds now (fresh): RESET_REWRITE, or
 * why not.  names_server: the connection's dbname is the caller's own, so
 * the credential's does not matter.  libpq_user is PQuser().
 */
enum reset_case reset_decide(const struct credential *given, const struct credential *fresh,
			     bool names_server, const char *libpq_password, const char *libpq_user);

/* For the debug trace: "rewrote ..." or "not rewritten: why". */
const char *reset_case_text(enum reset_case c);

/*
 * Whether the user must be told how to reconnect: the server rejected the
 * credential and the reset could not take a new one (any case but
 * RESET_REWRITE and RESET_NOT_REJECTED).  A connect through the placeholder
 * then gets the current credential.
 */
bool reset_case_needs_notice(enum reset_case c);

/*
 * The one line (without prefix or newline) that says so, into buffer of
 * size bytes, truncated if need be: why, and how to reconnect, naming the
 * placeholder of app and config_var as the user would type it.  For psql
 * it says \c dbname=heroku://APP: after a failed reset psql 15 has no
 * connection left to take other parameters from, and it reads a bare
 * \c heroku://APP as a database name that needs them ("No database
 * connection exists to re-use parameters from").  It names no credential.
 */
void reset_notice(char *buffer, size_t size, enum reset_case c, const char *app,
		  const char *config_var);

/*
 * Wipes the string in buffer and writes value in its place.  value must be
 * no longer (reset_decide() checks); the rest of the buffer stays zero.
 */
void reset_rewrite(char *buffer, const char *value);

#endif
