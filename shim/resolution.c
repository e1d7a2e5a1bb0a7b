/*
 * resolution.c - see resolution.h.
 */
#include "resolution.h"

#include <stdlib.h>

#include "cache.h"
#include "conninfo_merge.h"
#include "debug.h"
#include "reconnect_targets.h"

void resolution_free(struct resolution *r)
{
	placeholder_free(&r->ph);
	credential_source_answer_free(&r->answer);
	optlist_free(&r->options);
}

const char *resolution_connect_timeout(const struct optlist *request, const struct resolution *r)
{
	const char *given = optlist_get(&r->ph.query, "connect_timeout");
	return given != NULL ? given : optlist_get(request, "connect_timeout");
}

bool resolution_obtain(const struct connect_context *ctx, struct resolution *r,
		       enum credential_reason reason, const struct credential *failed,
		       struct hpg_error *err)
{
	const struct credential_query query = {
		.pq = ctx->pq,
		.config = ctx->config,
		.fetch = ctx->fetch,
		.app = r->ph.app,
		.config_var = r->ph.config_var,
		.reason = reason,
		.failed = failed,
		.deadline = &r->deadline,
	};
	credential_source_answer_free(&r->answer);
	return credential_source_get(&query, &r->answer, err);
}

bool resolution_merge(const struct connect_context *ctx, const struct optlist *request,
		      struct resolution *r, struct hpg_error *err)
{
	optlist_free(&r->options);
	const char *own_dbname = r->names_server ? optlist_get(request, "dbname") : NULL;
	if (!conninfo_merge(request, &r->ph.query, &r->answer.cred, ctx->env_sslmode,
			    &r->options) ||
	    (own_dbname != NULL && !optlist_set(&r->options, "dbname", own_dbname))) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	hpg_debug("connecting to host %s port %s dbname %s as %s, sslmode=%s",
		  optlist_get(&r->options, "host"), optlist_get(&r->options, "port"),
		  optlist_get(&r->options, "dbname"), optlist_get(&r->options, "user"),
		  optlist_get(&r->options, "sslmode"));
	return true;
}

bool resolution_start(const struct connect_context *ctx, const struct optlist *request,
		      const char *placeholder, bool names_server, struct resolution *r,
		      struct hpg_error *err)
{
	hpg_debug("%s: placeholder seen", ctx->entry_point);
	r->names_server = names_server;
	if (!placeholder_parse(ctx->pq, placeholder, &r->ph, err))
		return false;
	deadline_start(&r->deadline, ctx->config->timeout_seconds,
		       resolution_connect_timeout(request, r), ctx->env_connect_timeout);
	return resolution_obtain(ctx, r, CREDENTIAL_FOR_CONNECT, NULL, err) &&
	       resolution_merge(ctx, request, r, err);
}

void resolution_remember(const struct connect_context *ctx, const struct optlist *request,
			 const struct resolution *r, PGconn *conn, enum conn_attempt attempt)
{
	const char *connect_timeout = resolution_connect_timeout(request, r);
	/* Borrowed from r and request but the key and the placeholder:
	 * conn_registry_set_origin() copies. */
	struct conn_origin origin = {
		.key = cache_key(ctx->config->heroku_host, r->ph.app, r->ph.config_var),
		.placeholder = placeholder_canonical(&r->ph),
		.connect_timeout = (char *)connect_timeout,
		.names_server = r->names_server,
		.given = r->answer.cred,
	};
	if (origin.key != NULL && origin.placeholder != NULL) {
		conn_registry_set_origin(conn, &origin, attempt);
		reconnect_targets_remember(&r->answer.cred, origin.placeholder);
	}
	free(origin.key);
	free(origin.placeholder);
}
