/*
 * call_target.h - the connection target of one libpq call, as options.
 *
 * Each connect entry point has its own shape (a conninfo string, keyword and
 * value arrays with or without dbname expansion, PQsetdbLogin's seven
 * arguments).  These functions turn each into one optlist, in libpq's own
 * order of precedence, so that the rest of the shim has one shape to handle.
 */
#ifndef HPGSHIM_CALL_TARGET_H
#define HPGSHIM_CALL_TARGET_H

#include <stdbool.h>

#include "libpq_api.h"
#include "optlist.h"

/*
 * The cheap tests the hooks make before anything else: can this call name
 * a placeholder at all?  False means pass the call through untouched.
 * pgdatabase is getenv("PGDATABASE"); a NULL text or value is fine.
 */
bool call_target_conninfo_may_name_placeholder(const char *conninfo, const char *pgdatabase);
bool call_target_params_may_name_placeholder(const char *const *keywords, const char *const *values,
					     const char *pgdatabase);

/*
 * Each fills out, which it sets empty on entry (pass none that holds
 * anything).  False when the arguments do not parse (libpq will say why when
 * it gets them) or memory runs out: the call then passes through untouched.
 */
bool call_target_from_conninfo(const struct libpq_api *pq, const char *conninfo,
			       struct optlist *out);
bool call_target_from_params(const struct libpq_api *pq, const char *const *keywords,
			     const char *const *values, int expand_dbname, struct optlist *out);
bool call_target_from_setdb_login(const struct libpq_api *pq, const char *host,
				  const char *port, const char *options, const char *db_name,
				  const char *login, const char *password, struct optlist *out);

/*
 * The placeholder the request names, pointing into request or at
 * pgdatabase; NULL when there is none:
 *   - its dbname, or pgdatabase when it names no dbname: the app's
 *     database (*names_server false);
 *   - else its host: the app's database server, where the request's own
 *     dbname is kept (*names_server true).  This is what a program gets
 *     that keeps the host of PQconninfoParse()'s answer but sets its own
 *     dbname, as pg_dumpall -d does.
 */
const char *call_target_placeholder(const struct optlist *request, const char *pgdatabase,
				    bool *names_server);

#endif
