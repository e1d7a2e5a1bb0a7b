/*
 * connect_sync.c - see connect_sync.h.
 */
#define _GNU_SOURCE
#include "connect_sync.h"

#include <string.h>

#include "debug.h"
#include "error_conn.h"
#include "monotonic.h"
#include "retry.h"

static PGconn *connect_options(const struct connect_context *ctx, const struct optlist *options)
{
	return ctx->pq->PQconnectdbParams((const char *const *)options->keywords,
					  (const char *const *)options->values, 0);
}

/*
 * Heroku changes the database's password and the config var at nearly, not
 * exactly, the same moment.  While the config var still holds the credential
 * the server just rejected, poll it (0.25 s, 0.5 s, 1 s, then every 2 s) for
 * up to HPGSHIM_ROTATION_WAIT seconds.  True when it changed.
 */
static bool wait_for_rotation(const struct connect_context *ctx, struct resolution *r,
			      const struct credential *rejected)
{
	long budget_ms = ctx->config->rotation_wait_seconds * 1000;
	long deadline = monotonic_ms() + budget_ms;
	long pause_ms = 250;
	struct hpg_error err;

	if (budget_ms <= 0)
		return false;
	hpg_debug("the config var still holds the rejected credential; waiting up to %ld s for "
		  "it to change (HPGSHIM_ROTATION_WAIT)", ctx->config->rotation_wait_seconds);
	for (;;) {
		long left = deadline - monotonic_ms();
		if (left <= 0) {
			hpg_debug("the credential did not change within %ld s",
				  ctx->config->rotation_wait_seconds);
			return false;
		}
		long ms = pause_ms < left ? pause_ms : left;
		monotonic_sleep_ms(ms);
		pause_ms = pause_ms * 2 > 2000 ? 2000 : pause_ms * 2;
		if (!resolution_obtain(ctx, r, CREDENTIAL_FOR_ROTATION_WAIT, rejected, &err)) {
			hpg_debug("while waiting: %s", err.text);
			if (!credential_copy(&r->answer.cred, rejected))
				return false;
		} else if (!credential_equal(rejected, &r->answer.cred)) {
			hpg_debug("the config var holds a new credential");
			return true;
		}
	}
}

/*
 * The server rejected the credential and the API cannot give another (it
 * fails, or asked for no request yet): both halves of the story, since
 * either alone sends the user the wrong way.  conn is finished.
 */
static PGconn *fail_twice(const struct connect_context *ctx, const struct resolution *r,
			  PGconn *conn, const struct hpg_error *fetch_err)
{
	const char *said = ctx->pq->PQerrorMessage(conn);
	struct hpg_error why;
	hpg_error_set(&why, "the server rejected the credential (%.*s), and fetching it again "
		      "failed: %s", (int)strcspn(said, "\n"), said, fetch_err->text);
	PGconn *failed = error_conn_for(ctx->pq, &r->ph, &why);
	if (failed == NULL)
		return conn;
	ctx->pq->PQfinish(conn);
	return failed;
}

/* After a failed synchronous connect: ask again, maybe retry once. */
static PGconn *retry_once(const struct connect_context *ctx, const struct optlist *request,
			  struct resolution *r, PGconn *conn)
{
	bool rejected = retry_credential_rejected(ctx->pq->PQerrorMessage(conn));
	struct credential failed = CREDENTIAL_INIT;
	struct hpg_error err;

	if (!credential_copy(&failed, &r->answer.cred))
		return conn;
	hpg_debug("connection failed%s; fetching the credential again",
		  rejected ? ": the server rejected the credential" : "");
	if (!resolution_obtain(ctx, r, rejected ? CREDENTIAL_AFTER_REJECTION
						: CREDENTIAL_AFTER_FAILURE, &failed, &err)) {
		hpg_debug("no retry: %s", err.text);
		credential_free(&failed);
		return rejected ? fail_twice(ctx, r, conn, &err) : conn;
	}
	bool changed = !credential_equal(&failed, &r->answer.cred);
	if (rejected && !changed)
		changed = wait_for_rotation(ctx, r, &failed);
	credential_free(&failed);

	enum retry_decision decision = retry_decide(rejected, changed);
	if (decision == RETRY_NO) {
		hpg_debug("no retry: the config var holds the same credential");
		return conn;
	}
	if (!resolution_merge(ctx, request, r, &err))
		return conn;
	hpg_debug("retrying once: %s", retry_decision_name(decision));
	ctx->pq->PQfinish(conn);
	conn = connect_options(ctx, &r->options);
	if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_OK) {
		hpg_debug("the retry failed too; giving up");
		credential_source_failed(ctx->config, r->ph.app, r->ph.config_var,
					 &r->answer.cred,
					 retry_credential_rejected(ctx->pq->PQerrorMessage(conn)));
	}
	return conn;
}

PGconn *connect_sync(const struct connect_context *ctx, const struct optlist *request,
		     struct resolution *r)
{
	PGconn *conn = connect_options(ctx, &r->options);
	if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_OK)
		conn = retry_once(ctx, request, r, conn);
	if (conn != NULL && ctx->pq->PQstatus(conn) == CONNECTION_OK)
		resolution_remember(ctx, request, r, conn, ATTEMPT_NONE);
	return conn;
}
