/*
 * retry.h - when a failed placeholder connection is tried again.
 *
 * A synchronous connect that fails fetches the credential again, then:
 *   - the server rejected the credential (SQLSTATE class 28: password
 *     authentication failed, role does not exist): retry once, because it
 *     was rotated a moment ago;
 *   - anything else: retry once only if the fresh credential differs (a
 *     failover moved the host, pg:promote changed the database); a failure
 *     that a new credential cannot mend is not retried.
 * Never more than one retry.
 */
#ifndef HPGSHIM_RETRY_H
#define HPGSHIM_RETRY_H

#include <stdbool.h>

/*
 * Whether libpq's message for a failed connection says the server rejected
 * the credential.  libpq 15 keeps the SQLSTATE of a failed connection
 * private (PQgetResult() gives nothing, and a verbose error mode would change
 * the text the user reads), so the server's message text decides.  Servers
 * answer these in their lc_messages; Heroku's are English.
 */
bool retry_credential_rejected(const char *libpq_message);

enum retry_decision {
	RETRY_NO,
	RETRY_CREDENTIAL_REJECTED,
	RETRY_CREDENTIAL_CHANGED,
};

enum retry_decision retry_decide(bool credential_rejected, bool credential_changed);

const char *retry_decision_name(enum retry_decision decision);

#endif
