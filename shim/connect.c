/*
 * connect.c - see connect.h.
 */
#include "connect.h"

#include "call_target.h"
#include "connect_poll.h"
#include "connect_sync.h"
#include "error_conn.h"
#include "reconnect_targets.h"
#include "resolution.h"

bool connect_may_reconnect(void)
{
	return reconnect_targets_any();
}

const char *connect_placeholder_named(const struct optlist *request, const char *pgdatabase,
				      bool *names_server, char **reconnect)
{
	*reconnect = NULL;
	const char *named = call_target_placeholder(request, pgdatabase, names_server);
	if (named == NULL && reconnect_targets_any())
		named = *reconnect = reconnect_targets_match(request);
	return named;
}

PGconn *connect_placeholder(const struct connect_context *ctx, const struct optlist *request,
			    const char *placeholder, bool names_server, bool asynchronous)
{
	struct resolution r = RESOLUTION_INIT;
	struct hpg_error err;
	PGconn *conn;

	if (!resolution_start(ctx, request, placeholder, names_server, &r, &err))
		conn = error_conn_for(ctx->pq, &r.ph, &err);
	else if (asynchronous)
		conn = connect_poll_start(ctx, request, &r);
	else
		conn = connect_sync(ctx, request, &r);
	resolution_free(&r);
	return conn;
}
