/*
 * hooks.c - the libpq functions the shim exports, and nothing else.
 *
 * Each hook does the same few things: find the real libpq, pass the call
 * straight through unless it can name a placeholder (a string check), and
 * otherwise hand it to connect.c.  While the shim itself is inside libpq
 * (libpq's PQconnectdb calls PQconnectStart and PQconnectPoll through the
 * PLT, so they come back here), a thread-local flag sends every hook
 * straight to libpq: a connection is resolved once, never twice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "call_target.h"
#include "conn_registry.h"
#include "config.h"
#include "connect.h"
#include "connect_ping.h"
#include "connect_poll.h"
#include "conninfo_parse_answer.h"
#include "error_conn.h"
#include "hooks.h"
#include "placeholder.h"
#include "real_libpq.h"

#define HOOK __attribute__((visibility("default")))
#define CALLER __builtin_return_address(0)

static __thread int inside_shim;

/*
 * Whether the hook goes straight to the real libpq: yes unless the call can
 * name a placeholder, or may reconnect to a placeholder's target.
 */
#define PASS_THROUGH(pq, may_name_placeholder) \
	((pq) == NULL || inside_shim || !((may_name_placeholder) || connect_may_reconnect()))

static struct connect_context connect_context(const struct libpq_api *pq, const char *entry_point)
{
	return (struct connect_context){
		.pq = pq,
		.config = config_get(),
		.fetch = credential_fetch,
		.env_sslmode = getenv("PGSSLMODE"),
		.env_connect_timeout = getenv("PGCONNECT_TIMEOUT"),
		.entry_point = entry_point,
	};
}

/* What a hook asks of connect.c, and what it gets back. */
enum action { CONNECT, CONNECT_START, PING };
union answer {
	PGconn *conn;	/* CONNECT, CONNECT_START */
	PGPing ping;	/* PING */
};

/* Where libpq looks for a target the call leaves out. */
static struct call_target_env target_env(void)
{
	return (struct call_target_env){
		.pgdatabase = getenv("PGDATABASE"),
		.pghost = getenv("PGHOST"),
		.pgservice = getenv("PGSERVICE"),
	};
}

/*
 * The slow path.  True when the request (parsed from the call's arguments)
 * names a placeholder: *answer is then the shim's.  False: the hook passes
 * the program's own arguments to libpq.  Frees request.
 *
 * A request that did not parse goes to libpq, which says what is wrong with
 * it, unless memory ran out (malloc's ENOMEM; the callers clear errno
 * first): libpq would then read "heroku://app" as an option of its own, or
 * connect to a database of that name.  The call fails with the shim's
 * message instead.
 */
static bool answer_placeholder(const struct libpq_api *pq, const char *entry_point,
			       struct optlist *request, bool parsed, enum action action,
			       union answer *answer)
{
	*answer = (union answer){ .conn = NULL };
	if (parsed) {
		inside_shim++;
		parsed = call_target_add_libpq_defaults(pq, target_env(), request);
		inside_shim--;
	}
	if (!parsed && errno == ENOMEM) {
		inside_shim++;
		if (action == PING)
			answer->ping = PQPING_NO_ATTEMPT;
		else
			answer->conn = error_conn_out_of_memory(pq);
		inside_shim--;
		optlist_free(request);
		return true;
	}
	bool names_server = false;
	char *reconnect = NULL;
	const char *placeholder = parsed ? connect_placeholder_named(request, target_env().pgdatabase,
								     &names_server, &reconnect)
					 : NULL;
	if (placeholder != NULL) {
		struct connect_context ctx = connect_context(pq, entry_point);
		inside_shim++;
		if (action == PING)
			answer->ping = connect_ping(&ctx, request, placeholder, names_server);
		else
			answer->conn = connect_placeholder(&ctx, request, placeholder, names_server,
							   action == CONNECT_START);
		inside_shim--;
	}
	optlist_free(request);
	free(reconnect);
	return placeholder != NULL;
}

static bool conninfo_answer(const struct libpq_api *pq, const char *entry_point,
			    const char *conninfo, enum action action, union answer *answer)
{
	struct optlist request = OPTLIST_INIT;
	errno = 0;
	bool parsed = call_target_from_conninfo(pq, conninfo, &request);
	return answer_placeholder(pq, entry_point, &request, parsed, action, answer);
}

static bool params_answer(const struct libpq_api *pq, const char *entry_point,
			  const char *const *keywords, const char *const *values,
			  int expand_dbname, enum action action, union answer *answer)
{
	struct optlist request = OPTLIST_INIT;
	errno = 0;
	bool parsed = call_target_from_params(pq, keywords, values, expand_dbname, &request);
	return answer_placeholder(pq, entry_point, &request, parsed, action, answer);
}

HOOK PGconn *PQconnectdb(const char *conninfo)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	union answer a;
	if (PASS_THROUGH(pq, call_target_conninfo_may_name_placeholder(conninfo, target_env())) ||
	    !conninfo_answer(pq, __func__, conninfo, CONNECT, &a))
		return pq ? pq->PQconnectdb(conninfo) : NULL;
	return a.conn;
}

HOOK PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values,
			       int expand_dbname)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	union answer a;
	if (PASS_THROUGH(pq, call_target_params_may_name_placeholder(keywords, values, target_env())) ||
	    !params_answer(pq, __func__, keywords, values, expand_dbname, CONNECT, &a))
		return pq ? pq->PQconnectdbParams(keywords, values, expand_dbname) : NULL;
	return a.conn;
}

HOOK PGconn *PQsetdbLogin(const char *host, const char *port, const char *options,
			  const char *tty, const char *db_name, const char *login,
			  const char *password)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	const char *const names[] = { "host", "port", "options", "dbname", "user", "password", NULL };
	const char *const args[] = { host, port, options, db_name, login, password, NULL };
	union answer a;
	if (PASS_THROUGH(pq, call_target_params_may_name_placeholder(names, args, target_env())))
		return pq ? pq->PQsetdbLogin(host, port, options, tty, db_name, login, password) : NULL;
	struct optlist request = OPTLIST_INIT;
	errno = 0;
	bool parsed = call_target_from_setdb_login(pq, host, port, options, db_name, login, password,
						   &request);
	if (!answer_placeholder(pq, __func__, &request, parsed, CONNECT, &a))
		return pq->PQsetdbLogin(host, port, options, tty, db_name, login, password);
	return a.conn;
}

HOOK PGconn *PQconnectStart(const char *conninfo)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	union answer a;
	if (PASS_THROUGH(pq, call_target_conninfo_may_name_placeholder(conninfo, target_env())) ||
	    !conninfo_answer(pq, __func__, conninfo, CONNECT_START, &a))
		return pq ? pq->PQconnectStart(conninfo) : NULL;
	return a.conn;
}

HOOK PGconn *PQconnectStartParams(const char *const *keywords, const char *const *values,
				  int expand_dbname)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	union answer a;
	if (PASS_THROUGH(pq, call_target_params_may_name_placeholder(keywords, values, target_env())) ||
	    !params_answer(pq, __func__, keywords, values, expand_dbname, CONNECT_START, &a))
		return pq ? pq->PQconnectStartParams(keywords, values, expand_dbname) : NULL;
	return a.conn;
}

HOOK PGPing PQping(const char *conninfo)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	union answer a;
	if (PASS_THROUGH(pq, call_target_conninfo_may_name_placeholder(conninfo, target_env())) ||
	    !conninfo_answer(pq, __func__, conninfo, PING, &a))
		return pq ? pq->PQping(conninfo) : PQPING_NO_ATTEMPT;
	return a.ping;
}

HOOK PGPing PQpingParams(const char *const *keywords, const char *const *values,
			 int expand_dbname)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	union answer a;
	if (PASS_THROUGH(pq, call_target_params_may_name_placeholder(keywords, values, target_env())) ||
	    !params_answer(pq, __func__, keywords, values, expand_dbname, PING, &a))
		return pq ? pq->PQpingParams(keywords, values, expand_dbname) : PQPING_NO_ATTEMPT;
	return a.ping;
}

HOOK PQconninfoOption *PQconninfoParse(const char *conninfo, char **errmsg)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	/* Only a string that is a placeholder (perhaps followed by keyword=value
	 * pairs): anything else, "dbname=heroku://..." too, libpq parses as it is. */
	if (pq == NULL || inside_shim || !placeholder_is(conninfo))
		return pq ? pq->PQconninfoParse(conninfo, errmsg) : NULL;
	inside_shim++;
	PQconninfoOption *options = conninfo_parse_answer(pq, conninfo, errmsg);
	inside_shim--;
	return options;
}

/*
 * How an attempt the program drives ended, as the program's own poll call
 * saw it: connect_poll.h decides what the program gets.
 */
static PostgresPollingStatusType polled(const struct libpq_api *pq, const char *entry_point,
					PGconn *conn, PostgresPollingStatusType status)
{
	if (!inside_shim && !conn_registry_empty() &&
	    (status == PGRES_POLLING_OK || status == PGRES_POLLING_FAILED)) {
		struct connect_context ctx = connect_context(pq, entry_point);
		inside_shim++;
		status = connect_poll_finished(&ctx, conn, status);
		inside_shim--;
	}
	return status;
}

HOOK PostgresPollingStatusType PQconnectPoll(PGconn *conn)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	if (pq == NULL)
		return PGRES_POLLING_FAILED;
	return polled(pq, __func__, conn, pq->PQconnectPoll(conn));
}

/*
 * A reset reconnects with the credential the connection holds; after a
 * rotation the shim may write the new credential into libpq's buffers and
 * reset once more (connect_poll.h).  The reset entry points themselves see
 * how it ends: libpq's own calls to PQconnectPoll inside them go straight
 * to libpq, as they do anyway in a libpq linked -Bsymbolic-functions.
 */
HOOK void PQreset(PGconn *conn)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	if (pq == NULL)
		return;
	if (conn_registry_empty()) {	/* no placeholder connection to follow */
		pq->PQreset(conn);
		return;
	}
	struct connect_context ctx = connect_context(pq, __func__);
	inside_shim++;
	connect_poll_reset(&ctx, conn);
	inside_shim--;
}

HOOK int PQresetStart(PGconn *conn)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	if (pq == NULL)
		return 0;
	if (conn_registry_empty())
		return pq->PQresetStart(conn);
	struct connect_context ctx = connect_context(pq, __func__);
	inside_shim++;
	int started = connect_poll_reset_start(&ctx, conn);
	inside_shim--;
	return started;
}

HOOK PostgresPollingStatusType PQresetPoll(PGconn *conn)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	if (pq == NULL)
		return PGRES_POLLING_FAILED;
	inside_shim++;
	PostgresPollingStatusType status = pq->PQresetPoll(conn);
	inside_shim--;
	return polled(pq, __func__, conn, status);
}

HOOK char *PQerrorMessage(const PGconn *conn)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	const char *own = conn_registry_error(conn);
	if (own != NULL)
		return (char *)own;
	return pq ? pq->PQerrorMessage(conn) : "";
}

HOOK void PQfinish(PGconn *conn)
{
	const struct libpq_api *pq = real_libpq(CALLER);
	conn_registry_forget(conn);
	if (pq != NULL)
		pq->PQfinish(conn);
}

void *hooks_function_named(const char *name)
{
#define HOOKED_FUNCTION_BY_NAME(function)      \
	if (strcmp(name, #function) == 0)      \
		return (void *)function;
	LIBPQ_HOOKED_FUNCTIONS(HOOKED_FUNCTION_BY_NAME)
#undef HOOKED_FUNCTION_BY_NAME
	return NULL;
}
