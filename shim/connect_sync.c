/*
 * connect_sync.c - see connect_sync.h.
 */
#define _GNU_SOURCE
#include "connect_sync.h"

#include <stdio.h>
#include <string.h>

#include "conninfo_merge.h"
#include "debug.h"
#include "error_conn.h"
#include "monotonic.h"
#include "retry.h"

static PGconn *connect_options(const struct connect_context *ctx, const struct optlist *options)
{
	return ctx->pq->PQconnectdbParams((const char *const *)options->keywords,
					  (const char *const *)options->values,
					  CONNINFO_MERGE_EXPAND_DBNAME);
}

/* What the rotation wait leaves of the call's time for the retry: libpq's shortest connect_timeout. */
#define RETRY_RESERVE_MS 2000

/*
 * Heroku changes the database's password and the config var at nearly, not
 * exactly, the same moment.  While the config var still holds the credential
 * the server just rejected, poll it (0.25 s, 0.5 s, 1 s, then every 2 s) for
 * up to HPGSHIM_ROTATION_WAIT seconds, within what is left of the call's
 * deadline (less the retry's share).  True when it changed; *out_of_time
 * when the deadline, not the rotation wait, ended the wait.
 */
static bool wait_for_rotation(const struct connect_context *ctx, struct resolution *r,
			      const struct credential *rejected, bool *out_of_time)
{
	long wait_ms = ctx->config->rotation_wait_seconds * 1000;
	long left_ms = deadline_left_ms(&r->deadline) - RETRY_RESERVE_MS;
	long until = monotonic_ms() + (wait_ms < left_ms ? wait_ms : left_ms);
	long pause_ms = 250;
	struct hpg_error err;

	*out_of_time = false;
	if (wait_ms <= 0)
		return false;
	hpg_debug("the config var still holds the rejected credential; waiting up to %ld s for "
		  "it to change (HPGSHIM_ROTATION_WAIT, within %s=%ld)",
		  ctx->config->rotation_wait_seconds, r->deadline.limit, r->deadline.seconds);
	for (;;) {
		long left = until - monotonic_ms();
		if (left <= 0) {
			*out_of_time = wait_ms > left_ms;
			if (*out_of_time)
				hpg_debug("the credential did not change within the call's time "
					  "(%s=%ld)", r->deadline.limit, r->deadline.seconds);
			else
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
 * Replaces conn, failed, with an error connection saying what the server
 * said (its first line) and then why: either alone would send the user the
 * wrong way.  conn is finished (unless no error connection could be made).
 */
static PGconn *fail_after(const struct connect_context *ctx, const struct resolution *r,
			  PGconn *conn, const char *format, const char *why)
{
	const char *said = ctx->pq->PQerrorMessage(conn);
	char server[512];
	snprintf(server, sizeof server, "%.*s", (int)strcspn(said, "\n"), said);
	struct hpg_error message;
	hpg_error_set(&message, format, server, why);
	PGconn *failed = error_conn_for(ctx->pq, &r->ph, &message);
	if (failed == NULL)
		return conn;
	ctx->pq->PQfinish(conn);
	return failed;
}

/* The server rejected the credential and the API cannot give another (it fails, or asked for no request yet). */
static PGconn *fail_twice(const struct connect_context *ctx, const struct resolution *r,
			  PGconn *conn, const struct hpg_error *fetch_err)
{
	return fail_after(ctx, r, conn, "the server rejected the credential (%s), and fetching "
			  "it again failed: %s", fetch_err->text);
}

/* The call's time ran out before the one retry: the limit, so that the user knows what to raise. */
static PGconn *fail_out_of_time(const struct connect_context *ctx, const struct resolution *r,
				PGconn *conn, const char *what)
{
	struct hpg_error limit;
	deadline_explain(&r->deadline, what, &limit);
	return fail_after(ctx, r, conn, "%s; %s", limit.text);
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
	bool changed = !credential_equal(&failed, &r->answer.cred), out_of_time = false;
	if (rejected && !changed)
		changed = wait_for_rotation(ctx, r, &failed, &out_of_time);
	credential_free(&failed);

	enum retry_decision decision = retry_decide(rejected, changed);
	if (decision == RETRY_NO) {
		hpg_debug("no retry: the config var holds the same credential");
		return conn;
	}
	if (!resolution_merge(ctx, request, r, &err))
		return conn;
	/* The retry gets what is left of the call's time, and no more. */
	if (!resolution_bound_connect(r)) {
		hpg_debug("no retry: the call's time ran out");
		return fail_out_of_time(ctx, r, conn, out_of_time ? "waiting for the config var "
					"to change after a rotation" : "about to retry");
	}
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
	/* The connection's own timeout bounds the whole call: the attempt gets
	 * what the API request left of it. */
	if (deadline_is_the_connections(&r->deadline) && !resolution_bound_connect(r)) {
		struct hpg_error why;
		deadline_explain(&r->deadline, "asking the Heroku API", &why);
		return error_conn_for(ctx->pq, &r->ph, &why);
	}
	PGconn *conn = connect_options(ctx, &r->options);
	if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_OK)
		conn = retry_once(ctx, request, r, conn);
	if (conn != NULL && ctx->pq->PQstatus(conn) == CONNECTION_OK) {
		resolution_remember(ctx, request, r, conn, ATTEMPT_NONE);
		resolution_warn_fallback(r);
	}
	return conn;
}
