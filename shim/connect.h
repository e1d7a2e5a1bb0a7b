/*
 * connect.h - connecting through a placeholder: which placeholder, which way.
 *
 * The hooks call these once they know a call may name a placeholder.  Here
 * the call's placeholder is found (its own, or the one whose target a
 * reconnect names) and the connect handed to the module for its kind:
 *   connect_sync.c   PQconnectdb* and PQsetdbLogin: connect, retry once
 *   connect_poll.c   PQconnectStart* and resets, which the program drives
 *   connect_ping.c   PQping*
 * resolution.c does what they share (placeholder, credential, options);
 * error_conn.c makes the failed connections; conninfo_parse_answer.c answers
 * PQconninfoParse().  No getenv(), no dlsym(): everything comes in through
 * struct connect_context.
 */
#ifndef HPGSHIM_CONNECT_H
#define HPGSHIM_CONNECT_H

#include <stdbool.h>

#include "config.h"
#include "credential_fetch.h"
#include "libpq_api.h"
#include "optlist.h"

struct connect_context {
	const struct libpq_api *pq;
	const struct hpg_config *config;
	credential_fetch_fn *fetch;	/* credential_fetch; NULL means that too */
	const char *env_sslmode;	/* PGSSLMODE, or NULL */
	const char *env_connect_timeout;	/* PGCONNECT_TIMEOUT, or NULL */
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
 * Connects as PQconnectdbParams() would (retrying once, connect_sync.h) or,
 * for an asynchronous call, starts connecting as PQconnectStartParams()
 * would (connect_poll.h).  request holds the call's options; placeholder is
 * the heroku:// text it names, as its database or, with names_server, its
 * server (the request's own dbname is then kept; call_target_placeholder()).
 * Never NULL unless libpq itself runs out of memory: when no credential can
 * be had, the result is a real PGconn in CONNECTION_BAD whose
 * PQerrorMessage() explains why.
 */
PGconn *connect_placeholder(const struct connect_context *ctx, const struct optlist *request,
			    const char *placeholder, bool names_server, bool asynchronous);

#endif
