/*
 * env_forms.c - see env_forms.h.
 */
#define _GNU_SOURCE
#include "env_forms.h"

#include <stdlib.h>
#include <string.h>

#include "conninfo_merge.h"
#include "optlist.h"
#include "secret.h"

bool env_forms_is_jdbc(const char *name)
{
	static const char suffix[] = "_JDBC_URL";
	size_t length = strlen(name);
	return strcmp(name, "JDBC_DATABASE_URL") == 0 || strcmp(name, "SPRING_DATASOURCE_URL") == 0 ||
	       (length > sizeof suffix - 1 && strcmp(name + length - (sizeof suffix - 1), suffix) == 0);
}

/*
 * A string built in two passes, so that a password is never left behind in
 * a buffer realloc() gave up: the first pass (text NULL) only counts.
 */
struct text {
	char *text;
	size_t length;
};

static void add(struct text *t, const char *s, size_t n)
{
	if (t->text != NULL)
		memcpy(t->text + t->length, s, n);
	t->length += n;
}

static void add_plain(struct text *t, const char *s)
{
	add(t, s, strlen(s));
}

/* s percent-encoded: everything but RFC 3986's unreserved characters, so
 * that every parser (WHATWG's in Node, URLDecoder's in Java, libpq's)
 * reads back the same bytes; '+' too, which URLDecoder reads as a space. */
static void add_encoded(struct text *t, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    strchr("-._~", *c) != NULL) {
			add(t, (const char *)c, 1);
		} else {
			char escaped[3] = { '%', hex[*c >> 4], hex[*c & 15] };
			add(t, escaped, 3);
		}
	}
}

/* host[:port], an IPv6 address in brackets. */
static void add_authority(struct text *t, const struct optlist *options)
{
	const char *host = optlist_get(options, "host");
	bool ipv6 = strchr(host, ':') != NULL;
	add_plain(t, ipv6 ? "[" : "");
	add_plain(t, host);
	add_plain(t, ipv6 ? "]:" : ":");
	add_plain(t, optlist_get(options, "port"));
	add_plain(t, "/");
	add_encoded(t, optlist_get(options, "dbname"));
}

static void add_param(struct text *t, bool *first, const char *keyword, const char *value)
{
	add_plain(t, *first ? "?" : "&");
	*first = false;
	add_encoded(t, keyword);
	add_plain(t, "=");
	add_encoded(t, value);
}

/*
 * pgJDBC's names for the libpq keywords a placeholder's query may hold that
 * it spells otherwise; the rest (sslmode, sslrootcert, sslcert, sslkey,
 * options, ...) are the same in both, and pgJDBC ignores what it does not know.
 */
static const char *jdbc_keyword(const char *keyword)
{
	static const char *const renamed[][2] = {
		{ "application_name", "ApplicationName" },
		{ "connect_timeout", "connectTimeout" },
	};
	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if (strcmp(keyword, renamed[i][0]) == 0)
			return renamed[i][1];
	return keyword;
}

/* The query keywords beyond the credential's and sslmode, in their order. */
static bool is_carried(const char *keyword)
{
	return strcmp(keyword, "sslmode") != 0 && !placeholder_keyword_is_credential_owned(keyword);
}

static void build_url(struct text *t, const struct optlist *options, enum env_url_dialect dialect)
{
	bool first = true;
	add_plain(t, "postgres://");
	add_encoded(t, optlist_get(options, "user"));
	add_plain(t, ":");
	add_encoded(t, optlist_get(options, "password"));
	add_plain(t, "@");
	add_authority(t, options);
	add_param(t, &first, "sslmode", optlist_get(options, "sslmode"));
	for (size_t i = 0; i < options->count; i++)
		if (is_carried(options->keywords[i]))
			add_param(t, &first, options->keywords[i], options->values[i]);
	if (dialect == ENV_URL_NODE_POSTGRES)
		add_param(t, &first, "uselibpqcompat", "true");
}

static void build_jdbc_url(struct text *t, const struct optlist *options)
{
	bool first = true;
	add_plain(t, "jdbc:postgresql://");
	add_authority(t, options);
	add_param(t, &first, "sslmode", optlist_get(options, "sslmode"));
	for (size_t i = 0; i < options->count; i++)
		if (is_carried(options->keywords[i]))
			add_param(t, &first, jdbc_keyword(options->keywords[i]), options->values[i]);
	/* As Heroku's buildpack writes it: a program that reads the URL alone connects. */
	add_param(t, &first, "user", optlist_get(options, "user"));
	add_param(t, &first, "password", optlist_get(options, "password"));
}

/* The URL of the form name takes, malloc'd, or NULL when out of memory. */
static char *form_value(const char *name, const struct optlist *options,
			enum env_url_dialect dialect)
{
	struct text t = { .text = NULL, .length = 0 };
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && (t.text = malloc(t.length + 1)) == NULL)
			return NULL;
		t.length = 0;
		if (env_forms_is_jdbc(name))
			build_jdbc_url(&t, options);
		else
			build_url(&t, options, dialect);
	}
	t.text[t.length] = '\0';
	return t.text;
}

/* Sets PREFIX_suffix, PREFIX being name without its final "_URL". */
static bool set_beside(struct env_list *env, const char *name, const char *suffix,
		       const char *value)
{
	char *beside = NULL;
	if (asprintf(&beside, "%.*s%s", (int)(strlen(name) - strlen("_URL")), name, suffix) < 0)
		return false;
	bool ok = env_list_set(env, beside, value);
	free(beside);
	return ok;
}

bool env_forms_export(struct env_list *env, const char *name, const struct placeholder *ph,
		      const struct credential *cred, const char *env_sslmode,
		      enum env_url_dialect dialect, struct hpg_error *err)
{
	const struct optlist none = OPTLIST_INIT;
	struct optlist options = OPTLIST_INIT;
	char *value = NULL;
	bool ok = conninfo_merge(&none, &ph->query, cred, env_sslmode, &options) &&
		  (value = form_value(name, &options, dialect)) != NULL &&
		  env_list_set(env, name, value);
	if (ok && env_forms_is_jdbc(name))
		ok = set_beside(env, name, "_USERNAME", optlist_get(&options, "user")) &&
		     set_beside(env, name, "_PASSWORD", optlist_get(&options, "password"));
	if (!ok)
		hpg_error_set(err, "out of memory");
	secret_free(value);
	optlist_free(&options);
	return ok;
}
