/*
 * conninfo_parse_answer.c - see conninfo_parse_answer.h.
 */
#include "conninfo_parse_answer.h"

#include <stdlib.h>
#include <string.h>

#include "error_conn.h"
#include "placeholder.h"
#include "secret.h"

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

PQconninfoOption *conninfo_parse_answer(const struct libpq_api *pq, const char *text,
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
			error_conn_describe(&ph, &err, errmsg);
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
