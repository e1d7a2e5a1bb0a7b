/*
 * conninfo_parse_answer.h - what PQconninfoParse() answers for a placeholder.
 *
 * psycopg2, psycopg 3, pg_isready and ruby pg validate a conninfo with
 * PQconninfoParse() before connecting; for a placeholder the shim answers
 * without fetching anything (docs/design.md, "PQconninfoParse and the host
 * placeholder").
 */
#ifndef HPGSHIM_CONNINFO_PARSE_ANSWER_H
#define HPGSHIM_CONNINFO_PARSE_ANSWER_H

#include "libpq_api.h"

/*
 * The PQconninfoParse() answer for text, a placeholder perhaps followed by
 * keyword=value pairs (placeholder_split_keywords()), without fetching
 * anything: dbname, host and hostaddr are the placeholder (as
 * heroku://APP/VAR), and the pairs and the query's keywords are options of
 * their own.  A program that hands the options back to libpq connects
 * through the shim (dbname names the app's database); one that keeps host
 * but not dbname (pg_dumpall -d) still reaches the app's server through the
 * shim (host names it); one that resolves host itself unless hostaddr is
 * set (ruby pg, psycopg 3 async) looks up nothing; and a libpq without the
 * shim refuses the non-numeric hostaddr before any lookup or connection.
 * The array is libpq's own (PQconninfoFree() releases it).  NULL with
 * *errmsg malloc'd when the placeholder is invalid.
 */
PQconninfoOption *conninfo_parse_answer(const struct libpq_api *pq, const char *text,
					char **errmsg);

#endif
