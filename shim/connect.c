/*
 * connect.c - see connect.h.
 */
#define _GNU_SOURCE
#include "connect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_budget.h"
#include "call_target.h"
#include "cache.h"
#include "conn_registry.h"
#include "conninfo_merge.h"
#include "credential_fetch.h"
#include "debug.h"
#include "monotonic.h"
#include "placeholder.h"
#include "reconnect_targets.h"
#include "reset.h"
#include "retry.h"
#include "secret.h"
#include "single_flight.h"

/* Everything known about one placeholder connection. */
struct resolution {
	struct placeholder ph;
	bool names_server;		/* the caller's dbname is kept */
	char *cache_key;		/* cache_key(): API host, app, config var */
	struct credential cred;
	struct optlist options;		/* what the real libpq gets */
};

#define RESOLUTION_INIT {PLACEHOLDER_INIT, false, NULL, CREDENTIAL_INIT, OPTLIST_INIT}

static void resolution_free(struct resolution *r)
{
	placeholder_free(&r->ph);
	free(r->cache_key);
	credential_free(&r->cred);
	optlist_free(&r->options);
}

/*
 * The user's message: "hpgshim: ..." naming the app and config var when
 * known, an invalid placeholder's included (placeholder_parse() keeps what
 * was valid), so that every error reads the same way.
 */
static void describe_failure(const struct placeholder *ph, const struct hpg_error *why,
			     char **message)
{
	int n;
	if (ph->app != NULL && ph->config_var != NULL)
		n = asprintf(message, HPG_MESSAGE_PREFIX "cannot get config var %s of Heroku app "
			     "\"%s\": %s\n", ph->config_var, ph->app, why->text);
	else if (ph->app != NULL)
		n = asprintf(message, HPG_MESSAGE_PREFIX "cannot get a config var of Heroku app "
			     "\"%s\": %s\n", ph->app, why->text);
	else
		n = asprintf(message, HPG_MESSAGE_PREFIX "%s\n", why->text);
	if (n < 0)
		*message = NULL;
}

/* A user's message as a debug line: hpg_debug() adds the prefix again. */
static void debug_message(const char *message)
{
	const char *text = message + strlen(HPG_MESSAGE_PREFIX);
	hpg_debug("%.*s", (int)strcspn(text, "\n"), text);
}

/*
 * The time one fetch may take: HPGSHIM_TIMEOUT, or less when the caller
 * gave connect_timeout (which libpq reads as at least 2 s), so that the
 * caller's own bound on connecting holds for the API request too.
 */
static long fetch_timeout_ms(const struct connect_context *ctx, const struct optlist *request,
			     const struct resolution *r)
{
	long timeout = ctx->config->timeout_seconds;
	const char *given = optlist_get(&r->ph.query, "connect_timeout");
	if (given == NULL)
		given = optlist_get(request, "connect_timeout");
	long connect_timeout = config_parse_seconds(given, 0);
	if (connect_timeout > 0)
		timeout = connect_timeout < 2 ? 2 : connect_timeout < timeout ? connect_timeout : timeout;
	return timeout * 1000;
}

/* One fetch, shared by the threads that ask for the same credential at once. */
struct fetch_job {
	const struct connect_context *ctx;
	const struct resolution *r;
	bool fresh;		/* unconditional: the held credential failed */
	long timeout_ms;
};

/*
 * Stale-if-error.  When the API fails for a reason that passes (a 5xx after
 * its one more try, a 429, a timeout, no connection, a broken transfer),
 * the credential held for the same key, not rejected since and at most
 * HPGSHIM_STALE_IF_ERROR seconds old, very likely still opens the database,
 * as a DATABASE_URL copied out of the config var would: use it.  If the
 * server rejects it, retry_once() runs as for any credential.  Never for a
 * fresh fetch: the credential held has just failed.
 */
static bool fall_back(const struct fetch_job *job, struct credential *out,
		      const struct hpg_error *why)
{
	const struct hpg_config *config = job->ctx->config;
	long age = 0;
	if (job->fresh || config->stale_if_error_seconds <= 0 ||
	    !cache_get_held(config, job->r->cache_key, config->stale_if_error_seconds, out, &age))
		return false;
	hpg_debug("falling back to the credential held for %s/%s, fetched %ld s ago "
		  "(HPGSHIM_STALE_IF_ERROR=%ld), because %s", job->r->ph.app, job->r->ph.config_var,
		  age, config->stale_if_error_seconds, why->text);
	return true;
}

static bool run_fetch_job(void *arg, struct credential *out, struct hpg_error *err)
{
	const struct fetch_job *job = arg;
	const struct hpg_config *config = job->ctx->config;
	struct credential held = CREDENTIAL_INIT;
	char *etag = NULL;
	struct fetch_result result = FETCH_RESULT_INIT;
	bool ok = false, unavailable = true;
	*out = (struct credential)CREDENTIAL_INIT;

	long wait = api_budget_wait_seconds(config);
	if (wait > 0) {
		hpg_error_set(err, "the Heroku API asked for no request for another %ld s (HTTP 429 "
			      "with Retry-After); try again then, or cache credentials with "
			      "HPGSHIM_CACHE_TTL", wait);
	} else {
		/* A miss (or no memory for a copy) leaves held empty and etag
		 * NULL: the request is then unconditional. */
		if (!job->fresh)
			(void)cache_get_validator(config, job->r->cache_key, &held, &etag);
		struct fetch_settings settings = {
			.heroku_host = config->heroku_host,
			.token = config->token,
			.cainfo = config->cainfo,
			.if_none_match = etag,
			.timeout_ms = job->timeout_ms,
		};
		credential_fetch_fn *fetch = job->ctx->fetch ? job->ctx->fetch : credential_fetch;
		ok = fetch(job->ctx->pq, &settings, job->r->ph.app, job->r->ph.config_var,
			   &result, err);
		api_budget_note(config, result.ratelimit_remaining, result.retry_after_seconds);
		unavailable = !ok && result.unavailable;
	}
	if (ok && result.not_modified) {
		hpg_debug("HTTP 304: the credential held is current");
		cache_put(config, job->r->cache_key, &held, etag);
		*out = held;
		held = (struct credential)CREDENTIAL_INIT;
	} else if (ok) {
		cache_put(config, job->r->cache_key, &result.cred, result.etag);
		*out = result.cred;
		result.cred = (struct credential)CREDENTIAL_INIT;
	} else if (unavailable) {
		ok = fall_back(job, out, err);
	}
	credential_free(&held);
	free(etag);
	credential_fetch_result_free(&result);
	return ok;
}

/*
 * Fills r->cred: from the cache within HPGSHIM_CACHE_TTL, else from the API
 * (conditionally when a credential and its ETag are held, unconditionally
 * when fresh is asked for), one request per key however many threads ask.
 */
static bool obtain_credential(const struct connect_context *ctx, const struct optlist *request,
			      struct resolution *r, bool fresh, struct hpg_error *err)
{
	credential_free(&r->cred);
	if (!fresh && cache_get_fresh(ctx->config, r->cache_key, &r->cred)) {
		hpg_debug("credential for %s/%s from the cache (HPGSHIM_CACHE_TTL=%ld)",
			  r->ph.app, r->ph.config_var, ctx->config->cache_ttl_seconds);
		return true;
	}
	/* The account's budget runs low: what is held is good enough for a while. */
	long remaining = -1, age = 0;
	if (!fresh && api_budget_low(ctx->config, &remaining) &&
	    cache_get_held(ctx->config, r->cache_key, HPGSHIM_FLOOR_REUSE_SECONDS, &r->cred, &age)) {
		hpg_debug("RateLimit-Remaining %ld is below HPGSHIM_RATELIMIT_FLOOR=%ld: reusing the "
			  "credential for %s/%s fetched %ld s ago", remaining,
			  ctx->config->ratelimit_floor, r->ph.app, r->ph.config_var, age);
		return true;
	}
	struct fetch_job job = { ctx, r, fresh, fetch_timeout_ms(ctx, request, r) };
	char *flight = NULL;
	if (asprintf(&flight, "%s%s", r->cache_key, fresh ? "\nfresh" : "") < 0) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	bool ok = single_flight(flight, run_fetch_job, &job, &r->cred, err);
	free(flight);
	return ok;
}

/* r->options from the request and r->cred. */
static bool merge_options(const struct connect_context *ctx, const struct optlist *request,
			  struct resolution *r, struct hpg_error *err)
{
	optlist_free(&r->options);
	const char *own_dbname = r->names_server ? optlist_get(request, "dbname") : NULL;
	if (!conninfo_merge(request, &r->ph.query, &r->cred, ctx->env_sslmode, &r->options) ||
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

/* Placeholder, credential, options: everything before the real connect. */
static bool resolve(const struct connect_context *ctx, const struct optlist *request,
		    const char *placeholder, struct resolution *r, struct hpg_error *err)
{
	hpg_debug("%s: placeholder seen", ctx->entry_point);
	if (!placeholder_parse(ctx->pq, placeholder, &r->ph, err))
		return false;
	r->cache_key = cache_key(ctx->config->heroku_host, r->ph.app, r->ph.config_var);
	if (r->cache_key == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	if (ctx->config->incomplete) {
		hpg_error_set(err, "out of memory while reading HEROKU_API_KEY, HEROKU_HOST and "
			      "HPGSHIM_* from the environment; hpgshim does not connect with "
			      "settings it could not read: restart the program");
		return false;
	}
	if (!cache_usable(ctx->config, err))
		return false;
	return obtain_credential(ctx, request, r, false, err) && merge_options(ctx, request, r, err);
}

/*
 * A real PGconn in CONNECTION_BAD, made by libpq so that the program's
 * PQstatus, PQfinish and the rest behave as always.  An unknown option is a
 * failure libpq reports before any I/O; naming it after the message means
 * even a program that reaches libpq's PQerrorMessage privately reads it.
 * The PQerrorMessage hook returns the message itself.
 */
static PGconn *error_conn(const struct libpq_api *pq, const char *message)
{
	const char *fallback = HPG_MESSAGE_PREFIX "out of memory\n";
	if (message == NULL)
		message = fallback;
	char *option = strndup(message, strcspn(message, "\n"));
	const char *const keywords[] = { option ? option : "hpgshim", NULL };
	const char *const values[] = { "1", NULL };
	PGconn *conn = pq->PQconnectStartParams(keywords, values, 0);
	free(option);
	if (conn != NULL)
		conn_registry_set_error(conn, message);
	debug_message(message);
	return conn;
}

PGconn *connect_out_of_memory(const struct connect_context *ctx)
{
	return error_conn(ctx->pq, HPG_MESSAGE_PREFIX "out of memory while reading the "
			  "connection's options\n");
}

static PGconn *fail(const struct connect_context *ctx, struct resolution *r,
		    const struct hpg_error *why)
{
	char *message = NULL;
	describe_failure(&r->ph, why, &message);
	PGconn *conn = error_conn(ctx->pq, message);
	free(message);
	resolution_free(r);
	return conn;
}

static PGconn *connect_options(const struct connect_context *ctx, const struct optlist *options)
{
	return ctx->pq->PQconnectdbParams((const char *const *)options->keywords,
					  (const char *const *)options->values,
					  CONNINFO_MERGE_EXPAND_DBNAME);
}

/*
 * Heroku changes the database's password and the config var at nearly, not
 * exactly, the same moment.  While the config var still holds the credential
 * the server just rejected, poll it (0.25 s, 0.5 s, 1 s, then every 2 s) for
 * up to HPGSHIM_ROTATION_WAIT seconds.  True when it changed.
 */
static bool wait_for_rotation(const struct connect_context *ctx, const struct optlist *request,
			      struct resolution *r, const struct credential *rejected)
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
		if (!obtain_credential(ctx, request, r, true, &err)) {
			hpg_debug("while waiting: %s", err.text);
			credential_free(&r->cred);
			if (!credential_copy(&r->cred, rejected))
				return false;
		} else if (!credential_equal(rejected, &r->cred)) {
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
	char *message = NULL;
	describe_failure(&r->ph, &why, &message);
	PGconn *failed = error_conn(ctx->pq, message);
	free(message);
	if (failed == NULL)
		return conn;
	ctx->pq->PQfinish(conn);
	return failed;
}

/* After a failed synchronous connect: fetch again, maybe retry once. */
static PGconn *retry_once(const struct connect_context *ctx, const struct optlist *request,
			  struct resolution *r, PGconn *conn)
{
	bool rejected = retry_credential_rejected(ctx->pq->PQerrorMessage(conn));
	struct credential failed = CREDENTIAL_INIT;
	struct hpg_error err;

	cache_forget(ctx->config, r->cache_key);
	if (!credential_copy(&failed, &r->cred))
		return conn;
	hpg_debug("connection failed%s; fetching the credential again",
		  rejected ? ": the server rejected the credential" : "");
	if (!obtain_credential(ctx, request, r, true, &err)) {
		hpg_debug("no retry: %s", err.text);
		credential_free(&failed);
		return rejected ? fail_twice(ctx, r, conn, &err) : conn;
	}
	bool changed = !credential_equal(&failed, &r->cred);
	if (rejected && !changed)
		changed = wait_for_rotation(ctx, request, r, &failed);
	credential_free(&failed);

	enum retry_decision decision = retry_decide(rejected, changed);
	if (decision == RETRY_NO) {
		hpg_debug("no retry: the config var holds the same credential");
		return conn;
	}
	if (!merge_options(ctx, request, r, &err))
		return conn;
	hpg_debug("retrying once: %s", retry_decision_name(decision));
	ctx->pq->PQfinish(conn);
	conn = connect_options(ctx, &r->options);
	if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_OK) {
		hpg_debug("the retry failed too; giving up");
		cache_forget(ctx->config, r->cache_key);
	}
	return conn;
}

/*
 * Remembers what conn was made with: its origin, for when a connection
 * attempt the program drives fails (a reset may then rewrite the credential
 * libpq holds), and its target, for psql's \c.
 */
static void remember(const struct optlist *request, const struct resolution *r, PGconn *conn,
		     enum conn_attempt attempt)
{
	const char *connect_timeout = optlist_get(&r->ph.query, "connect_timeout");
	/* Borrowed from r and request, but the placeholder: conn_registry_set_origin() copies. */
	struct conn_origin origin = {
		.key = r->cache_key,
		.placeholder = placeholder_canonical(&r->ph),
		.connect_timeout = connect_timeout ? (char *)connect_timeout
						   : (char *)optlist_get(request, "connect_timeout"),
		.names_server = r->names_server,
		.given = r->cred,
	};
	if (origin.placeholder != NULL) {
		conn_registry_set_origin(conn, &origin, attempt);
		reconnect_targets_remember(&r->cred, origin.placeholder);
	}
	free(origin.placeholder);
}

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

	r.names_server = names_server;
	if (!resolve(ctx, request, placeholder, &r, &err))
		return fail(ctx, &r, &err);

	PGconn *conn;
	if (asynchronous) {
		/* The program polls; the PQconnectPoll hook sees how it ends. */
		conn = ctx->pq->PQconnectStartParams((const char *const *)r.options.keywords,
						     (const char *const *)r.options.values,
						     CONNINFO_MERGE_EXPAND_DBNAME);
		if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_BAD)
			remember(request, &r, conn, ATTEMPT_CONNECT);
		else
			cache_forget(ctx->config, r.cache_key);
	} else {
		conn = connect_options(ctx, &r.options);
		if (conn != NULL && ctx->pq->PQstatus(conn) != CONNECTION_OK)
			conn = retry_once(ctx, request, &r, conn);
		if (conn != NULL && ctx->pq->PQstatus(conn) == CONNECTION_OK)
			remember(request, &r, conn, ATTEMPT_NONE);
	}
	resolution_free(&r);
	return conn;
}

/* --- a reset the program drives (reset.h) ------------------------------------------- */

/*
 * The credential conn's placeholder names now, fetched unconditionally (the
 * one the connection holds was rejected): one request.
 */
static bool refetch(const struct connect_context *ctx, const struct conn_origin *origin,
		    struct resolution *r, struct hpg_error *err)
{
	struct optlist request = OPTLIST_INIT;
	bool ok = placeholder_parse(ctx->pq, origin->placeholder, &r->ph, err);
	if (ok && ((r->cache_key = strdup(origin->key)) == NULL ||
		   (origin->connect_timeout != NULL &&
		    !optlist_set(&request, "connect_timeout", origin->connect_timeout)))) {
		hpg_error_set(err, "out of memory");
		ok = false;
	}
	ok = ok && obtain_credential(ctx, &request, r, true, err);
	optlist_free(&request);
	return ok;
}

/*
 * A reset of conn failed.  When the server rejected the credential and the
 * config var holds a new one that fits libpq's buffers, rewrites them and
 * starts the reset once more: the program, polling on, sees it as one reset
 * (PGRES_POLLING_WRITING: wait until the new socket, PQsocket(), is
 * writable).  Otherwise the reset fails as it did, and a rejected
 * credential is forgotten so that the next connect fetches afresh.
 */
static PostgresPollingStatusType reset_failed(const struct connect_context *ctx, PGconn *conn,
					      const struct conn_origin *origin)
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
			decision = reset_decide(&origin->given, &r.cred, origin->names_server,
						pq->PQpass(conn), pq->PQuser(conn));
		}
	}
	hpg_debug("a reset failed%s; %s", rejected ? ": the server rejected the credential" : "",
		  reset_case_text(decision));
	if (decision != RESET_REWRITE) {
		/* A credential fetched just now and not the one that failed stays. */
		if (r.cred.password == NULL || credential_equal(&origin->given, &r.cred)) {
			hpg_debug("the reset failed; its credential is marked stale, so the next "
				  "connect fetches afresh");
			cache_forget(ctx->config, origin->key);
		}
		resolution_free(&r);
		return PGRES_POLLING_FAILED;
	}

	reset_rewrite(pq->PQpass(conn), r.cred.password);
	/* reset_decide() saw PQuser() hold the given user, if the user changed. */
	if (strcmp(origin->given.user, r.cred.user) != 0)
		reset_rewrite(pq->PQuser(conn), r.cred.user);
	conn_registry_set_given(conn, &r.cred);
	reconnect_targets_remember(&r.cred, origin->placeholder);
	resolution_free(&r);
	hpg_debug("resetting once more with the new credential");
	if (!pq->PQresetStart(conn))
		return PGRES_POLLING_FAILED;
	conn_registry_set_attempt(conn, ATTEMPT_RESET_AGAIN);
	return PGRES_POLLING_WRITING;
}

PostgresPollingStatusType connect_attempt_finished(const struct connect_context *ctx,
						   PGconn *conn,
						   PostgresPollingStatusType status)
{
	struct conn_origin origin;
	enum conn_attempt attempt = conn_registry_take_attempt(conn, &origin);
	if (attempt == ATTEMPT_RESET && status == PGRES_POLLING_FAILED) {
		status = reset_failed(ctx, conn, &origin);
	} else if (attempt != ATTEMPT_NONE && status == PGRES_POLLING_FAILED) {
		/* No retry inside the program's own attempt: its next connect fetches. */
		hpg_debug("a connection attempt the program drives failed; its credential "
			  "is marked stale");
		cache_forget(ctx->config, origin.key);
	}
	conn_registry_origin_free(&origin);
	return status;
}

PGPing connect_ping(const struct connect_context *ctx, const struct optlist *request,
		    const char *placeholder, bool names_server)
{
	struct resolution r = RESOLUTION_INIT;
	struct hpg_error err;

	r.names_server = names_server;
	if (!resolve(ctx, request, placeholder, &r, &err)) {
		char *message = NULL;
		describe_failure(&r.ph, &err, &message);
		if (message != NULL)
			debug_message(message);
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

/* Sets option keyword of libpq's array to value (malloc'd, as libpq's are). */
static void set_parsed_option(PQconninfoOption *options, const char *keyword, const char *value)
{
	for (PQconninfoOption *o = options; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0) {
			free(o->val);
			o->val = strdup(value);
			return;
		}
}

/*
 * dbname, host and hostaddr all set to the placeholder.  host, so that a
 * program that keeps only the host (pg_dumpall -d) still names the app's
 * server.  hostaddr, so that a program that resolves the host itself
 * unless hostaddr is set (ruby pg 1.4, psycopg 3's async connect) looks up
 * nothing: the app's name never reaches a DNS server.  Handed to a libpq
 * without the shim, a hostaddr that is not a numeric address fails at once
 * ("could not parse network address"), with no lookup and no connection.
 */
static void set_placeholder_target(PQconninfoOption *options, const char *canonical)
{
	set_parsed_option(options, "dbname", canonical);
	set_parsed_option(options, "host", canonical);
	set_parsed_option(options, "hostaddr", canonical);
}

/* Copies every set option of from into options (both libpq's arrays). */
static void copy_parsed_options(PQconninfoOption *options, const PQconninfoOption *from)
{
	for (const PQconninfoOption *o = from; o->keyword != NULL; o++)
		if (o->val != NULL)
			set_parsed_option(options, o->keyword, o->val);
}

PQconninfoOption *connect_conninfo_parse(const struct libpq_api *pq, const char *text,
					 char **errmsg)
{
	struct placeholder ph;
	struct hpg_error err;
	char *url = NULL;
	PQconninfoOption *pairs = NULL;
	if (errmsg != NULL)
		*errmsg = NULL;
	placeholder_split_keywords(pq, text, &url, &pairs);
	if (!placeholder_parse(pq, url ? url : text, &ph, &err)) {
		if (errmsg != NULL)
			describe_failure(&ph, &err, errmsg);
		placeholder_free(&ph);
		free(url);
		secret_conninfo_free(pq, pairs);
		return NULL;
	}

	/* libpq's own array with every option unset, then filled in: the
	 * keywords after the placeholder, its query, then its target. */
	PQconninfoOption *options = pq->PQconninfoParse("", errmsg);
	char *canonical = placeholder_canonical(&ph);
	if (options != NULL && canonical != NULL) {
		if (pairs != NULL)
			copy_parsed_options(options, pairs);
		for (size_t i = 0; i < ph.query.count; i++)
			set_parsed_option(options, ph.query.keywords[i], ph.query.values[i]);
		set_placeholder_target(options, canonical);
	}
	free(canonical);
	free(url);
	secret_conninfo_free(pq, pairs);
	placeholder_free(&ph);
	return options;
}
