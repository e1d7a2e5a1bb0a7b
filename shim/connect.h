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
#include "credential_fetch.h"
#include "libpq_api.h"
#include "optlist.h"

struct connect_context {
	const struct libpq_api *pq;
	const struct hpg_config *config;
	credential_fetch_fn *fetch;	/* credential_fetch; NULL means that too */
	const char *env_sslmode;	/* PGSSLMODE, or NULL */
	const char *entry_point;	/* "PQconnectdb", ... for debug lines */
};

/*
 * Whether a call that names no placeholder may still reconnect to the
 * target of one: true once this process resolved a placeholder (one atomic
 * load; the hooks' fast path).
 */
bool connect_may_reconnect(void);

/*
 * The placeholder a call's options name (call_target_placeholder()), or
 * else the placeholder whose target they reconnect to, as psql's \c without
 * arguments does with the values of the old connection
 * (reconnect_targets.h); NULL when neither.  A reconnect's placeholder is
 * malloc'd into *reconnect, which the caller frees; otherwise *reconnect is
 * NULL and the answer points into request or at pgdatabase.
 */
const char *connect_placeholder_named(const struct optlist *request, const char *pgdatabase,
				      bool *names_server, char **reconnect);

/*
 * Connects as PQconnectdbParams() would (retrying once) or, for an
 * asynchronous call, starts connecting as PQconnectStartParams() would.
 * request holds the call's options; placeholder is the heroku:// text it
 * names, as its database or, with names_server, its server (the request's
 * own dbname is then kept; call_target_placeholder()).  Never NULL unless
 * libpq itself runs out of memory: when no credential can be had, the
 * result is a real PGconn in CONNECTION_BAD whose PQerrorMessage() explains
 * why.
 */
PGconn *connect_placeholder(const struct connect_context *ctx, const struct optlist *request,
			    const char *placeholder, bool names_server, bool asynchronous);

/*
 * What a connect call gets when memory ran out before the shim could even
 * read its options: a real PGconn in CONNECTION_BAD that says so, as
 * connect_placeholder() fails (NULL only when libpq itself has no memory).
 */
PGconn *connect_out_of_memory(const struct connect_context *ctx);

/* PQpingParams() through the placeholder; PQPING_NO_ATTEMPT when it cannot resolve. */
PGPing connect_ping(const struct connect_context *ctx, const struct optlist *request,
		    const char *placeholder, bool names_server);

/*
 * The PQconninfoParse() answer for text, a placeholder perhaps followed by
 * keyword=value pairs (placeholder_split_keywords()), without fetching
 * anything: dbname, host and hostaddr are the placeholder (as
 * heroku://APP/VAR), and the pairs and the query's keywords are options of
 * their own.  A program that hands the options back to libpq connects
 * through the shim (dbname names the app's database); one that keeps host
 * but not dbname (pg_dumpall -d) still reaches the app's server through the
 * shim (host names it); one that resolves host itself unless hostaddr is
 * set (ruby pg, psycopg 3 async) looks up nothing; and a libpq without the
 * shim refuses the non-numeric hostaddr before any lookup or connection.
 * The array is libpq's own (PQconninfoFree() releases it).  NULL with
 * *errmsg malloc'd when the placeholder is invalid.
 */
PQconninfoOption *connect_conninfo_parse(const struct libpq_api *pq, const char *text,
					 char **errmsg);

/*
 * Called when a connection attempt the program drives (PQconnectStart* and
 * its own PQconnectPoll loop, or a PQreset*) ends with status, OK or
 * FAILED; returns the status the program gets.  A failed connect marks the
 * connection's credential stale.  A reset that failed because the
 * credential was rotated may be started once more with the new credential
 * written into libpq's buffers (reset.h): the program then gets
 * PGRES_POLLING_WRITING and polls on.  Call it with the shim's own calls
 * into libpq going straight to libpq.
 */
PostgresPollingStatusType connect_attempt_finished(const struct connect_context *ctx,
						   PGconn *conn,
						   PostgresPollingStatusType status);

#endif
