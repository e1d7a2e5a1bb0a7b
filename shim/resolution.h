/*
 * resolution.h - everything known about one placeholder connection.
 *
 * What every kind of connect (connect_sync.c, connect_poll.c,
 * connect_ping.c) does before calling libpq: parse the placeholder, start
 * the deadline, get the credential from the credential source, merge the
 * options libpq gets; and afterwards, remember what a connection was made
 * from (conn_registry.h, reconnect_targets.h).
 */
#ifndef HPGSHIM_RESOLUTION_H
#define HPGSHIM_RESOLUTION_H

#include <stdbool.h>

#include "connect.h"
#include "conn_registry.h"
#include "credential_source.h"
#include "deadline.h"
#include "placeholder.h"

struct resolution {
	struct placeholder ph;
	bool names_server;		/* the caller's dbname is kept */
	struct deadline deadline;	/* of the whole call */
	struct credential_answer answer;	/* answer.cred: what libpq gets */
	struct optlist options;		/* what the real libpq gets */
};

#define RESOLUTION_INIT { .ph = PLACEHOLDER_INIT, .answer = CREDENTIAL_ANSWER_INIT, \
			  .options = OPTLIST_INIT }

void resolution_free(struct resolution *r);

/*
 * Placeholder, deadline, credential, options: everything before the real
 * connect.  False with err; r->ph names what it can even then.
 */
bool resolution_start(const struct connect_context *ctx, const struct optlist *request,
		      const char *placeholder, bool names_server, struct resolution *r,
		      struct hpg_error *err);

/*
 * Asks the credential source again, for reason (failed: the credential that
 * failed, or NULL), within r's deadline; r->answer is replaced.
 */
bool resolution_obtain(const struct connect_context *ctx, struct resolution *r,
		       enum credential_reason reason, const struct credential *failed,
		       struct hpg_error *err);

/* r->options from the request and r->answer.cred. */
bool resolution_merge(const struct connect_context *ctx, const struct optlist *request,
		      struct resolution *r, struct hpg_error *err);

/* The connect_timeout the call gave (its placeholder's query first), or NULL. */
const char *resolution_connect_timeout(const struct optlist *request, const struct resolution *r);

/*
 * Remembers what conn was made with: its origin, for when a connection
 * attempt the program drives fails (a reset may then rewrite the credential
 * libpq holds), and its target, for psql's \c.
 */
void resolution_remember(const struct connect_context *ctx, const struct optlist *request,
			 const struct resolution *r, PGconn *conn, enum conn_attempt attempt);

#endif
