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
 * The environment variables through which libpq finds a call's target when
 * the call leaves it out; the hooks getenv() them, NULL when unset.
 */
struct call_target_env {
	const char *pgdatabase;	/* PGDATABASE */
	const char *pghost;	/* PGHOST */
	const char *pgservice;	/* PGSERVICE: a service file entry, read by libpq */
};

/*
 * The cheap tests the hooks make before anything else: can this call name
 * a placeholder at all?  It can when one of its strings mentions one,
 * PGDATABASE or PGHOST is one, or a service is named (in the call, or by
 * PGSERVICE), since its entry may hold one.  False means pass the call
 * through untouched.  A NULL text or value is fine.
 */
bool call_target_conninfo_may_name_placeholder(const char *conninfo, struct call_target_env env);
bool call_target_params_may_name_placeholder(const char *const *keywords, const char *const *values,
					     struct call_target_env env);

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
 * Adds to request (a call's options, as the functions above made them) what
 * libpq itself fills in for them, where the shim must know it:
 *   - the dbname and host of a service file entry (the call's service, or
 *     PGSERVICE; PGSERVICEFILE, ~/.pg_service.conf and PGSYSCONFDIR as
 *     libpq looks for them), and PGDATABASE or PGHOST when it is a
 *     placeholder: so that call_target_placeholder() finds a placeholder
 *     wherever libpq would read the target from.  Any other PGDATABASE or
 *     PGHOST is left out: the environment does not choose a placeholder's
 *     target;
 *   - sslmode and sslrootcert, as libpq resolves them (the entry's, the
 *     environment's, libpq 16+'s verify-full for sslrootcert=system), for
 *     conninfo_merge().
 * Only a call that names a service or may name a placeholder is looked at.
 * libpq reads the service file here: it starts a connection with the
 * options and one it rejects before any I/O, and reads back what it filled
 * in (PQconninfo()).  False only when memory runs out (errno ENOMEM).
 */
bool call_target_add_libpq_defaults(const struct libpq_api *pq, struct call_target_env env,
				    struct optlist *request);

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
