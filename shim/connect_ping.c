/*
 * connect_ping.c - see connect_ping.h.
 */
#include "connect_ping.h"

#include <stdlib.h>

#include "conninfo_merge.h"
#include "error_conn.h"
#include "resolution.h"

PGPing connect_ping(const struct connect_context *ctx, const struct optlist *request,
		    const char *placeholder, bool names_server)
{
	struct resolution r = RESOLUTION_INIT;
	struct hpg_error err;

	if (!resolution_start(ctx, request, placeholder, names_server, &r, &err)) {
		/* A ping has no message to carry: the reason goes to the debug trace. */
		char *message = NULL;
		error_conn_describe(&r.ph, &err, &message);
		if (message != NULL)
			error_conn_debug(message);
		free(message);
		resolution_free(&r);
		return PQPING_NO_ATTEMPT;
	}
	PGPing ping = ctx->pq->PQpingParams((const char *const *)r.options.keywords,
					    (const char *const *)r.options.values,
					    CONNINFO_MERGE_EXPAND_DBNAME);
	resolution_free(&r);
	return ping;
}
