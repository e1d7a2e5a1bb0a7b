/*
 * connect.h - connecting through a placeholder: the shim's one code path.
 *
 * The hooks call these once they know a call names a placeholder.  Here the
 * placeholder is parsed, the credential obtained (cache or API), the options
 * merged, the real libpq called through the libpq_api table, and a
 * synchronous connection retried once when the credential was rotated.
 * No getenv(), no dlsym(): everything comes in through struct connect_context.
 */
#ifndef HPGSHIM_CONNECT_H
#define HPGSHIM_CONNECT_H

#include "config.h"
#include "libpq_api.h"
#include "optlist.h"

struct connect_context {
	const struct libpq_api *pq;
	const struct hpg_config *config;
	const char *env_sslmode;	/* PGSSLMODE, or NULL */
	const char *entry_point;	/* "PQconnectdb", ... for debug lines */
};

/*
 * Connects as PQconnectdbParams() would (retrying once) or, for an
 * asynchronous call, starts connecting as PQconnectStartParams() would.
 * request holds the call's options; placeholder is the heroku:// text it
 * names, as its database or, with names_server, its server (the request's
 * own dbname is then kept; request_placeholder()).  Never NULL unless libpq itself runs out of memory: when no
 * credential can be had, the result is a real PGconn in CONNECTION_BAD
 * whose PQerrorMessage() explains why.
 */
PGconn *placeholder_connect(const struct connect_context *ctx, const struct optlist *request,
			    const char *placeholder, bool names_server, bool asynchronous);

/*
 * What a connect call gets when memory ran out before the shim could even
 * read its options: a real PGconn in CONNECTION_BAD that says so, as
 * placeholder_connect() fails (NULL only when libpq itself has no memory).
 */
PGconn *placeholder_out_of_memory(const struct connect_context *ctx);

/* PQpingParams() through the placeholder; PQPING_NO_ATTEMPT when it cannot resolve. */
PGPing placeholder_ping(const struct connect_context *ctx, const struct optlist *request,
			const char *placeholder, bool names_server);

/*
 * The PQconninfoParse() answer for a placeholder, without fetching
 * anything: dbname and host are the placeholder (as heroku://APP/VAR) and
 * the query's keywords are options of their own.  A program that hands the
 * options back to libpq connects through the shim (dbname names the app's
 * database); one that keeps host but not dbname (pg_dumpall -d) still
 * reaches the app's server through the shim (host names it).  The array is
 * libpq's own (PQconninfoFree() releases it).  NULL with *errmsg malloc'd
 * when the placeholder is invalid.
 */
PQconninfoOption *placeholder_conninfo_parse(const struct libpq_api *pq, const char *placeholder,
					     char **errmsg);

/*
 * Called when a connection attempt the program drives (PQconnectStart* and
 * its own PQconnectPoll loop, or a PQreset*) ends: a failure marks the
 * connection's credential stale.
 */
void placeholder_attempt_finished(const struct hpg_config *config, const PGconn *conn,
				  PostgresPollingStatusType status);

#endif
