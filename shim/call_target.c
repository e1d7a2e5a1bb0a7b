/*
 * call_target.c - see call_target.h.
 */
#include "call_target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placeholder.h"
#include "secret.h"

static bool mentions_placeholder(const char *text)
{
	return text != NULL && strstr(text, PLACEHOLDER_SCHEME) != NULL;
}

/* "service=", "service =" or "?service=": a false alarm costs a look, no more. */
static bool mentions_service(const char *text)
{
	return text != NULL && strstr(text, "service") != NULL;
}

static bool env_may_name_placeholder(struct call_target_env env)
{
	return placeholder_is(env.pgdatabase) || placeholder_is(env.pghost) || env.pgservice != NULL;
}

bool call_target_conninfo_may_name_placeholder(const char *conninfo, struct call_target_env env)
{
	return mentions_placeholder(conninfo) || mentions_service(conninfo) ||
	       env_may_name_placeholder(env);
}

bool call_target_params_may_name_placeholder(const char *const *keywords, const char *const *values,
					     struct call_target_env env)
{
	for (size_t i = 0; keywords[i] != NULL; i++)
		if (mentions_placeholder(values[i]) || mentions_service(keywords[i]) ||
		    mentions_service(values[i]))
			return true;
	return env_may_name_placeholder(env);
}

/* libpq's rule for a dbname that is itself a connection string. */
static bool is_connection_string(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0 ||
	       strchr(s, '=') != NULL;
}

static bool add_parsed_string(const struct libpq_api *pq, const char *conninfo,
			      struct optlist *out)
{
	char *error = NULL;
	PQconninfoOption *options = pq->PQconninfoParse(conninfo, &error);
	if (options == NULL) {
		if (error != NULL)
			pq->PQfreemem(error);
		return false;
	}
	bool ok = optlist_add_parsed(out, options);
	secret_conninfo_free(pq, options);
	return ok;
}

/*
 * A placeholder is the dbname; one followed by keyword=value pairs
 * ("heroku://app application_name=x") means the same as
 * "dbname=heroku://app application_name=x", except that the placeholder
 * stays the dbname whatever the pairs say.  Anything else libpq parses.
 */
static bool add_conninfo(const struct libpq_api *pq, const char *conninfo, struct optlist *out)
{
	if (!placeholder_is(conninfo))
		return add_parsed_string(pq, conninfo, out);
	char *url = NULL;
	PQconninfoOption *pairs = NULL;
	if (!placeholder_split_keywords(pq, conninfo, &url, &pairs))
		return optlist_set(out, "dbname", conninfo);
	bool ok = optlist_add_parsed(out, pairs) && optlist_set(out, "dbname", url);
	secret_conninfo_free(pq, pairs);
	free(url);
	return ok;
}

bool call_target_from_conninfo(const struct libpq_api *pq, const char *conninfo,
			       struct optlist *out)
{
	*out = (struct optlist)OPTLIST_INIT;
	bool ok = add_conninfo(pq, conninfo, out);
	if (!ok)
		optlist_free(out);
	return ok;
}

bool call_target_from_params(const struct libpq_api *pq, const char *const *keywords,
			     const char *const *values, int expand_dbname, struct optlist *out)
{
	bool dbname_seen = false;
	*out = (struct optlist)OPTLIST_INIT;

	/* As libpq: a NULL or empty value is not given; later keywords win;
	 * only the first dbname is expanded. */
	for (size_t i = 0; keywords[i] != NULL; i++) {
		const char *value = values[i];
		if (value == NULL || value[0] == '\0')
			continue;
		bool expand = expand_dbname && !dbname_seen && strcmp(keywords[i], "dbname") == 0 &&
			      is_connection_string(value);
		if (strcmp(keywords[i], "dbname") == 0)
			dbname_seen = true;
		if (!(expand ? add_conninfo(pq, value, out) : optlist_set(out, keywords[i], value))) {
			optlist_free(out);
			return false;
		}
	}
	return true;
}

bool call_target_from_setdb_login(const struct libpq_api *pq, const char *host,
				  const char *port, const char *options, const char *db_name,
				  const char *login, const char *password, struct optlist *out)
{
	/* PQsetdbLogin reads dbName first (as a connection string when it is
	 * one), then lets its other arguments override. */
	const char *const keywords[] = { "dbname", "host", "port", "options", "user", "password", NULL };
	const char *const values[] = { db_name, host, port, options, login, password, NULL };
	return call_target_from_params(pq, keywords, values, 1, out);
}

/*
 * What libpq makes of request: its options, then the service file entry's,
 * then the environment's and libpq's defaults, as PQconninfo() reads them
 * back from a connection libpq refused before any I/O (an invalid
 * target_session_attrs, checked after every option is filled in, on libpq
 * 10 to 18).  The probe gives a user and password of its own, which spares
 * libpq a look into the password file and the system's user database (the
 * caller's are of no interest here); libpq defaults the dbname to that user
 * (PROBE_USER).  NULL only when out of memory.
 */
#define PROBE_USER "hpgshim-probe"

static PQconninfoOption *libpq_view(const struct libpq_api *pq, struct optlist *request)
{
	static const char *const probe[][2] = {
		{ "user", PROBE_USER },
		{ "password", PROBE_USER },
		{ "target_session_attrs", "hpgshim-probe: not a mode" },
	};
	const size_t count = sizeof probe / sizeof probe[0];
	PQconninfoOption *view = NULL;

	/* Added after the request's own (a later keyword wins), and taken off
	 * again: optlist_remove() takes a keyword's last entry. */
	size_t added = 0;
	while (added < count && optlist_append(request, probe[added][0], probe[added][1]))
		added++;
	if (added == count) {
		PGconn *conn = pq->PQconnectStartParams((const char *const *)request->keywords,
							(const char *const *)request->values, 0);
		if (conn != NULL) {
			view = pq->PQconninfo(conn);
			pq->PQfinish(conn);
		}
	}
	while (added > 0)
		optlist_remove(request, probe[--added][0]);
	return view;
}

static const char *view_value(const PQconninfoOption *view, const char *keyword)
{
	for (const PQconninfoOption *o = view; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val != NULL && o->val[0] != '\0' ? o->val : NULL;
	return NULL;
}

/*
 * The target keyword's value libpq filled in, unless it came from the
 * environment (from_env, when equal) and is not a placeholder.
 */
static bool add_target(struct optlist *request, const PQconninfoOption *view,
		       const char *keyword, const char *from_env)
{
	const char *value = view_value(view, keyword);
	if (optlist_get(request, keyword) != NULL || value == NULL ||
	    (!placeholder_is(value) && ((from_env != NULL && strcmp(value, from_env) == 0) ||
					strcmp(value, PROBE_USER) == 0)))
		return true;
	return optlist_set(request, keyword, value);
}

static bool add_unless_given(struct optlist *request, const PQconninfoOption *view,
			     const char *keyword)
{
	const char *value = view_value(view, keyword);
	return optlist_get(request, keyword) != NULL || value == NULL ||
	       optlist_set(request, keyword, value);
}

bool call_target_add_libpq_defaults(const struct libpq_api *pq, struct call_target_env env,
				    struct optlist *request)
{
	const char *dbname = optlist_get(request, "dbname");
	const char *host = optlist_get(request, "host");
	bool service = optlist_get(request, "service") != NULL || env.pgservice != NULL;
	bool placeholder = placeholder_is(dbname) || placeholder_is(host) ||
			   (dbname == NULL && placeholder_is(env.pgdatabase)) ||
			   (host == NULL && placeholder_is(env.pghost));
	/* Nothing a service could add to the target, nothing to resolve. */
	if (!placeholder && !(service && (dbname == NULL || host == NULL)))
		return true;

	PQconninfoOption *view = libpq_view(pq, request);
	if (view == NULL) {
		errno = ENOMEM;	/* the hooks tell it from a call that did not parse */
		return false;
	}
	bool ok = add_target(request, view, "dbname", env.pgdatabase) &&
		  add_target(request, view, "host", env.pghost) &&
		  add_unless_given(request, view, "sslmode") &&
		  add_unless_given(request, view, "sslrootcert");
	secret_conninfo_free(pq, view);
	return ok;
}

const char *call_target_placeholder(const struct optlist *request, const char *pgdatabase,
				    bool *names_server)
{
	const char *dbname = optlist_get(request, "dbname");
	const char *host = optlist_get(request, "host");
	*names_server = false;
	if (placeholder_is(dbname))
		return dbname;
	if (dbname == NULL && placeholder_is(pgdatabase))
		return pgdatabase;
	*names_server = placeholder_is(host);
	return *names_server ? host : NULL;
}
