/*
 * env_forms.h - what a variable whose value is a placeholder becomes.
 *
 * Given the variable's name, its placeholder and the credential the
 * placeholder resolved to, the variables hpgshim env exports instead:
 *
 *   NAME=heroku://...        NAME=postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require
 *   JDBC_DATABASE_URL,       NAME=jdbc:postgresql://HOST:PORT/DB?sslmode=require&user=..&password=..
 *   SPRING_DATASOURCE_URL,   and beside it PREFIX_USERNAME and PREFIX_PASSWORD, PREFIX being
 *   PREFIX_JDBC_URL          NAME without _URL: the names Heroku's JVM buildpack sets
 *
 * The options are the library's own (conninfo_merge()): sslmode raised to
 * require unless the placeholder (or PGSSLMODE) asks for verify-ca or
 * verify-full, and the placeholder's other query keywords carried along.
 * Pure: no I/O, no environment; unit-tested.
 */
#ifndef HPGSHIM_ENV_FORMS_H
#define HPGSHIM_ENV_FORMS_H

#include <stdbool.h>
#include <stddef.h>

#include "credential.h"
#include "env_list.h"
#include "error.h"
#include "placeholder.h"

/* How a postgres:// URL is written for the program that reads it. */
enum env_url_dialect {
	/* libpq's, which most drivers follow: sslmode=require is TLS without
	 * certificate verification. */
	ENV_URL_LIBPQ,
	/* node-postgres's: uselibpqcompat=true added, without which
	 * pg-connection-string 2.x reads sslmode=require as verify-full. */
	ENV_URL_NODE_POSTGRES,
};

/* Whether the variable name takes the JDBC form. */
bool env_forms_is_jdbc(const char *name);

/*
 * Sets name (and, for the JDBC form, its _USERNAME and _PASSWORD) in env to
 * what ph resolved to with cred.  env_sslmode is PGSSLMODE, or NULL.  False
 * when out of memory (err says so); env may then hold some of them.
 */
bool env_forms_export(struct env_list *env, const char *name, const struct placeholder *ph,
		      const struct credential *cred, const char *env_sslmode,
		      enum env_url_dialect dialect, struct hpg_error *err);

#endif
