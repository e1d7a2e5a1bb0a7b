/*
 * connect_poll.c - see connect_poll.h.
 */
#include "connect_poll.h"

#include <string.h>

#include "conninfo_merge.h"
#include "debug.h"
#include "reconnect_targets.h"
#include "reset.h"
#include "retry.h"

PGconn *connect_poll_start(const struct connect_context *ctx, const struct optlist *request,
			   struct resolution *r)
{
	/* The program polls; the PQconnectPoll hook sees how it ends. */
	PGconn *conn = ctx->pq->PQconnectStartParams((const char *const *)r->options.keywords,
						     (const char *const *)r->options.values,
						     CONNINFO_MERGE_EXPAND_DBNAME);
	if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_BAD) {
		resolution_remember(ctx, request, r, conn, ATTEMPT_CONNECT);
		resolution_warn_fallback(r);
	}
	return conn;
}

/*
 * The placeholder of conn's origin, parsed, with a deadline from the
 * origin's connect_timeout: what a reset's fetch needs.
 */
static bool origin_resolution(const struct connect_context *ctx, const struct conn_origin *origin,
			      struct resolution *r, struct hpg_error *err)
{
	if (!placeholder_parse(ctx->pq, origin->placeholder, &r->ph, err))
		return false;
	r->names_server = origin->names_server;
	deadline_start(&r->deadline, ctx->config->timeout_seconds, origin->connect_timeout,
		       ctx->env_connect_timeout);
	return true;
}

/* The credential conn's placeholder names now: one request. */
static bool refetch(const struct connect_context *ctx, const struct conn_origin *origin,
		    struct resolution *r, struct hpg_error *err)
{
	return origin_resolution(ctx, origin, r, err) &&
	       resolution_obtain(ctx, r, CREDENTIAL_FOR_RESET, &origin->given, err);
}

/* Tells the credential source that origin's credential failed. */
static void report_failure(const struct connect_context *ctx, const struct conn_origin *origin,
			   bool rejected)
{
	struct resolution r = RESOLUTION_INIT;
	struct hpg_error err;
	if (origin_resolution(ctx, origin, &r, &err))
		credential_source_failed(ctx->config, r.ph.app, r.ph.config_var, &origin->given,
					 rejected);
	resolution_free(&r);
}

/*
 * The one line a user reads, debugging or not, when a reset could not follow
 * a rotation: psql says only "Attempting reset: Failed.", and a bare \c
 * then has no connection to take its parameters from.
 */
static void notice_reset_not_followed(const struct connect_context *ctx,
				      const struct conn_origin *origin, enum reset_case decision)
{
	struct placeholder ph;
	struct hpg_error err;
	if (placeholder_parse(ctx->pq, origin->placeholder, &ph, &err)) {
		char line[512];
		reset_notice(line, sizeof line, decision, ph.app, ph.config_var);
		hpg_notice("%s", line);
	}
	placeholder_free(&ph);
}

static PostgresPollingStatusType attempt_finished(const struct connect_context *ctx, PGconn *conn,
						  PostgresPollingStatusType status,
						  bool synchronous);

/* OK or FAILED: how a synchronous reset (PQreset) ended. */
static PostgresPollingStatusType reset_status(const struct libpq_api *pq, const PGconn *conn)
{
	return pq->PQstatus(conn) == CONNECTION_OK ? PGRES_POLLING_OK : PGRES_POLLING_FAILED;
}

/*
 * A reset of conn failed.  When the server rejected the credential and the
 * config var holds a new one that fits libpq's buffers, rewrites them and
 * resets once more.  A synchronous reset (PQreset) does it there and then,
 * and returns how it ended.  Otherwise the reset starts again and the
 * program, polling on, sees it as one reset (PGRES_POLLING_WRITING: wait
 * until the new socket, PQsocket(), is writable).  When it cannot follow,
 * the reset fails as it did, a rejected credential is forgotten so that the
 * next connect fetches afresh, and the user is told how to reconnect.
 */
static PostgresPollingStatusType reset_failed(const struct connect_context *ctx, PGconn *conn,
					      const struct conn_origin *origin, bool synchronous)
{
	const struct libpq_api *pq = ctx->pq;
	bool rejected = retry_credential_rejected(pq->PQerrorMessage(conn));
	struct resolution r = RESOLUTION_INIT;
	struct hpg_error err;

	enum reset_case decision = reset_precheck(rejected, &origin->given, pq->PQpass(conn));
	if (decision == RESET_REWRITE) {
		if (!refetch(ctx, origin, &r, &err)) {
			hpg_debug("the reset failed and the credential cannot be fetched: %s", err.text);
			decision = RESET_NO_NEW_CREDENTIAL;
		} else {
			decision = reset_decide(&origin->given, &r.answer.cred, origin->names_server,
						pq->PQpass(conn), pq->PQuser(conn));
		}
	}
	hpg_debug("a reset failed%s; %s", rejected ? ": the server rejected the credential" : "",
		  reset_case_text(decision));
	if (decision != RESET_REWRITE) {
		/* A credential fetched just now and not the one that failed stays. */
		if (r.answer.cred.password == NULL || credential_equal(&origin->given, &r.answer.cred)) {
			hpg_debug("the reset failed; its credential is marked stale, so the next "
				  "connect fetches afresh");
			report_failure(ctx, origin, rejected);
		}
		resolution_free(&r);
		if (reset_case_needs_notice(decision))
			notice_reset_not_followed(ctx, origin, decision);
		return PGRES_POLLING_FAILED;
	}

	reset_rewrite(pq->PQpass(conn), r.answer.cred.password);
	/* reset_decide() saw PQuser() hold the given user, if the user changed. */
	if (strcmp(origin->given.user, r.answer.cred.user) != 0)
		reset_rewrite(pq->PQuser(conn), r.answer.cred.user);
	conn_registry_set_given(conn, &r.answer.cred);
	reconnect_targets_remember(&r.answer.cred, origin->placeholder);
	resolution_free(&r);
	hpg_debug("resetting once more with the new credential");
	if (synchronous) {
		conn_registry_set_attempt(conn, ATTEMPT_RESET_AGAIN);
		pq->PQreset(conn);
		return attempt_finished(ctx, conn, reset_status(pq, conn), true);
	}
	if (!pq->PQresetStart(conn))
		return PGRES_POLLING_FAILED;
	conn_registry_set_attempt(conn, ATTEMPT_RESET_AGAIN);
	return PGRES_POLLING_WRITING;
}

static PostgresPollingStatusType attempt_finished(const struct connect_context *ctx, PGconn *conn,
						  PostgresPollingStatusType status,
						  bool synchronous)
{
	struct conn_origin origin;
	enum conn_attempt attempt = conn_registry_take_attempt(conn, &origin);
	if (attempt == ATTEMPT_RESET && status == PGRES_POLLING_FAILED) {
		status = reset_failed(ctx, conn, &origin, synchronous);
	} else if (attempt != ATTEMPT_NONE && status == PGRES_POLLING_FAILED) {
		/* No retry inside the program's own attempt: its next connect asks. */
		bool rejected = retry_credential_rejected(ctx->pq->PQerrorMessage(conn));
		hpg_debug("a connection attempt the program drives failed%s",
			  rejected ? ": the server rejected the credential" : "");
		report_failure(ctx, &origin, rejected);
	}
	conn_registry_origin_free(&origin);
	return status;
}

PostgresPollingStatusType connect_poll_finished(const struct connect_context *ctx, PGconn *conn,
						PostgresPollingStatusType status)
{
	return attempt_finished(ctx, conn, status, false);
}

void connect_poll_reset(const struct connect_context *ctx, PGconn *conn)
{
	conn_registry_set_attempt(conn, ATTEMPT_RESET);
	ctx->pq->PQreset(conn);
	attempt_finished(ctx, conn, reset_status(ctx->pq, conn), true);
}

int connect_poll_reset_start(const struct connect_context *ctx, PGconn *conn)
{
	conn_registry_set_attempt(conn, ATTEMPT_RESET);
	return ctx->pq->PQresetStart(conn);
}
