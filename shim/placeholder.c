/*
 * placeholder.c - parse heroku://APP[/CONFIG_VAR][?query]; see placeholder.h.
 *
 * libpq already parses and percent-decodes URIs, so the placeholder is
 * handed to PQconninfoParse() with its scheme swapped for postgresql://:
 * APP comes back as the host, CONFIG_VAR as the dbname and the query as
 * options.  The query is parsed on its own so that "?host=..." cannot pass
 * for the app.
 */
#define _GNU_SOURCE
#include "placeholder.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "secret.h"

/* Heroku app names are at most 30 characters, ids are UUIDs: 100 is plenty. */
#define APP_NAME_MAX 100
#define CONFIG_VAR_MAX 200

static const char *const credential_owned[] = {
	"host", "hostaddr", "port", "user", "password", "dbname", NULL
};

bool placeholder_keyword_is_credential_owned(const char *keyword)
{
	for (const char *const *k = credential_owned; *k != NULL; k++)
		if (strcmp(*k, keyword) == 0)
			return true;
	return false;
}

static bool all_chars(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

/* Parses "postgresql://" + rest with libpq.  NULL and err filled on failure. */
static PQconninfoOption *parse_as_uri(const struct libpq_api *pq, const char *rest,
				      struct hpg_error *err)
{
	static const char uri_scheme[] = "postgresql://";
	size_t length = strlen(rest);
	char *uri = malloc(sizeof uri_scheme + length);
	if (uri == NULL) {
		hpg_error_set(err, "out of memory");
		return NULL;
	}
	memcpy(uri, uri_scheme, sizeof uri_scheme - 1);
	memcpy(uri + sizeof uri_scheme - 1, rest, length + 1);

	char *libpq_error = NULL;
	PQconninfoOption *options = pq->PQconninfoParse(uri, &libpq_error);
	free(uri);
	if (options == NULL) {
		/* libpq's own words, without its trailing newline */
		const char *why = libpq_error ? libpq_error : "out of memory\n";
		hpg_error_set(err, "invalid placeholder: %.*s", (int)strcspn(why, "\n"), why);
		if (libpq_error)
			pq->PQfreemem(libpq_error);
	}
	return options;
}

static const char *option_value(const PQconninfoOption *options, const char *keyword)
{
	for (const PQconninfoOption *o = options; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val && o->val[0] ? o->val : NULL;
	return NULL;
}

/* APP and CONFIG_VAR: "app[/VAR]" with no user, password or port. */
static bool read_target(const PQconninfoOption *options, struct placeholder *out,
			struct hpg_error *err)
{
	bool ok = false;
	const char *app = option_value(options, "host");
	const char *var = option_value(options, "dbname");
	bool app_valid = app != NULL && strlen(app) <= APP_NAME_MAX && all_chars(app, "-") &&
			 app[0] != '-';
	bool var_valid = var == NULL || (strlen(var) <= CONFIG_VAR_MAX && all_chars(var, "_"));
	/* What is valid is kept even when something else is not, so that the
	 * error can name the app and config var, as every other error does. */
	if (app_valid && (out->app = strdup(app)) == NULL) {
		hpg_error_set(err, "out of memory");
	} else if (app_valid && var_valid &&
		   (out->config_var = strdup(var ? var : PLACEHOLDER_DEFAULT_CONFIG_VAR)) == NULL) {
		hpg_error_set(err, "out of memory");
	} else if (app == NULL) {
		hpg_error_set(err, "invalid placeholder: no app name; write heroku://APP, e.g. heroku://my-app");
	} else if (option_value(options, "user") || option_value(options, "password") ||
		   option_value(options, "port")) {
		hpg_error_set(err, "invalid placeholder: it names a user, password or port; "
			      "the app's config var supplies those, so write heroku://APP");
	} else if (!app_valid) {
		/* Whitespace: most likely keywords after the placeholder that
		 * placeholder_split_keywords() could not read as pairs. */
		bool spaced = app[strcspn(app, " \t\n\r\f\v")] != '\0';
		hpg_error_set(err, "invalid placeholder: \"%.*s\" is not a Heroku app name or id "
			      "(letters, digits and '-')%s", APP_NAME_MAX, app,
			      spaced ? "; what follows a space must be keyword=value pairs" : "");
	} else if (!var_valid) {
		hpg_error_set(err, "invalid placeholder: \"%.*s\" is not a config var name "
			      "(letters, digits and '_')", CONFIG_VAR_MAX, var);
	} else {
		ok = true;
	}
	return ok;
}

/* The query: ordinary libpq keywords, except those the credential owns. */
static bool read_query(const PQconninfoOption *options, struct placeholder *out,
		       struct hpg_error *err)
{
	bool ok = true;
	for (const PQconninfoOption *o = options; o->keyword != NULL && ok; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		/* A service there would name a second target beside the app. */
		if (placeholder_keyword_is_credential_owned(o->keyword) ||
		    strcmp(o->keyword, "service") == 0) {
			hpg_error_set(err, "invalid placeholder: its query sets \"%s\", which the "
				      "app's config var supplies; remove it", o->keyword);
			ok = false;
		} else if (!optlist_set(&out->query, o->keyword, o->val)) {
			hpg_error_set(err, "out of memory");
			ok = false;
		}
	}
	return ok;
}

/* Parses text as a URI with libpq, and has read() take what it needs from the options. */
static bool parse_with(const struct libpq_api *pq, const char *text,
		       bool (*read)(const PQconninfoOption *, struct placeholder *,
				    struct hpg_error *),
		       struct placeholder *out, struct hpg_error *err)
{
	PQconninfoOption *options = parse_as_uri(pq, text, err);
	if (options == NULL)
		return false;
	bool ok = read(options, out, err);
	secret_conninfo_free(pq, options);
	return ok;
}

bool placeholder_parse(const struct libpq_api *pq, const char *text,
		       struct placeholder *out, struct hpg_error *err)
{
	*out = (struct placeholder)PLACEHOLDER_INIT;
	const char *rest = text + strlen(PLACEHOLDER_SCHEME);
	const char *query = strchr(rest, '?');

	char *target = query ? strndup(rest, (size_t)(query - rest)) : strdup(rest);
	if (target == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	/* "?" + query, so that libpq reads it as a URI with only a query. */
	bool ok = parse_with(pq, target, read_target, out, err) &&
		  (query == NULL || parse_with(pq, query, read_query, out, err));
	free(target);
	if (!ok)
		optlist_free(&out->query);	/* app and config_var stay, if valid */
	return ok;
}

bool placeholder_split_keywords(const struct libpq_api *pq, const char *text, char **url,
				PQconninfoOption **pairs)
{
	*url = NULL;
	*pairs = NULL;
	/* libpq's own idea of whitespace in a conninfo string: isspace(). */
	size_t length = 0;
	while (text[length] != '\0' && !isspace((unsigned char)text[length]))
		length++;
	const char *rest = text + length;
	while (isspace((unsigned char)*rest))
		rest++;
	/* Pairs, not a second connection URI. */
	if (*rest == '\0' || strncmp(rest, "postgresql://", 13) == 0 ||
	    strncmp(rest, "postgres://", 11) == 0)
		return false;

	char *libpq_error = NULL;
	*pairs = pq->PQconninfoParse(rest, &libpq_error);
	if (libpq_error != NULL)
		pq->PQfreemem(libpq_error);
	*url = *pairs ? strndup(text, length) : NULL;
	if (*url == NULL) {
		secret_conninfo_free(pq, *pairs);
		*pairs = NULL;
		return false;
	}
	return true;
}

void placeholder_free(struct placeholder *ph)
{
	free(ph->app);
	free(ph->config_var);
	optlist_free(&ph->query);
	*ph = (struct placeholder)PLACEHOLDER_INIT;
}

char *placeholder_canonical(const struct placeholder *ph)
{
	char *text = NULL;
	if (asprintf(&text, PLACEHOLDER_SCHEME "%s/%s", ph->app, ph->config_var) < 0)
		return NULL;
	return text;
}
