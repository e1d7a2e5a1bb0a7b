/*
 * error_conn.c - see error_conn.h.
 */
#define _GNU_SOURCE
#include "error_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_registry.h"
#include "debug.h"

void error_conn_describe(const struct placeholder *ph, const struct hpg_error *why,
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

void error_conn_debug(const char *message)
{
	const char *text = message + strlen(HPG_MESSAGE_PREFIX);
	hpg_debug("%.*s", (int)strcspn(text, "\n"), text);
}

/*
 * An unknown option is a failure libpq reports before any I/O; naming it
 * after the message means even a program that reaches libpq's
 * PQerrorMessage privately reads it.
 */
PGconn *error_conn_new(const struct libpq_api *pq, const char *message)
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
	error_conn_debug(message);
	return conn;
}

PGconn *error_conn_for(const struct libpq_api *pq, const struct placeholder *ph,
		       const struct hpg_error *why)
{
	char *message = NULL;
	error_conn_describe(ph, why, &message);
	PGconn *conn = error_conn_new(pq, message);
	free(message);
	return conn;
}

PGconn *error_conn_out_of_memory(const struct libpq_api *pq)
{
	return error_conn_new(pq, HPG_MESSAGE_PREFIX "out of memory while reading the "
			      "connection's options\n");
}
