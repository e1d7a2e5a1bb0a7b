/*
 * call_target.c - see call_target.h.
 */
#include "call_target.h"

#include <stdlib.h>
#include <string.h>

#include "placeholder.h"
#include "secret.h"

static bool mentions_placeholder(const char *text)
{
	return text != NULL && strstr(text, PLACEHOLDER_SCHEME) != NULL;
}

bool call_target_conninfo_may_name_placeholder(const char *conninfo, const char *pgdatabase)
{
	return mentions_placeholder(conninfo) || placeholder_is(pgdatabase);
}

bool call_target_params_may_name_placeholder(const char *const *keywords, const char *const *values,
					     const char *pgdatabase)
{
	for (size_t i = 0; keywords[i] != NULL; i++)
		if (mentions_placeholder(values[i]))
			return true;
	return placeholder_is(pgdatabase);
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
