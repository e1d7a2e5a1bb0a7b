/*
 * conninfo_merge.h - the options the real libpq gets for a placeholder.
 *
 * The credential alone decides where the connection goes and where its
 * password is sent: host, port, user, password and dbname are its values,
 * and hostaddr is pinned empty, so that neither the caller's values nor the
 * environment (PGHOST, PGHOSTADDR, PGPORT, PGUSER, PGPASSWORD) nor a service
 * file entry (the call's service, or PGSERVICE) can add or change them.
 * Every other keyword the caller gave is kept, service among them (its
 * entry's other keywords apply, as libpq applies them), the placeholder's
 * own query taking precedence over the rest of the call.  sslmode is raised
 * to require (verify-full with sslrootcert=system).
 */
#ifndef HPGSHIM_CONNINFO_MERGE_H
#define HPGSHIM_CONNINFO_MERGE_H

#include <stdbool.h>

#include "credential.h"
#include "optlist.h"

/*
 * The expand_dbname argument to pass to libpq with conninfo_merge()'s
 * options: PQconnectdbParams(keywords, values, CONNINFO_MERGE_EXPAND_DBNAME).
 *
 * libpq fills every option a call leaves out from the environment and the
 * service file, and in keyword arrays an empty value counts as left out, so
 * the arrays alone cannot say "no hostaddr".  A dbname that libpq expands as
 * a connection string can: its hostaddr='' stays an explicit empty value,
 * which neither PGHOSTADDR nor a service entry then fills.  The merged
 * options start with such a dbname; the credential's dbname comes later
 * (libpq expands only the first, and a later keyword wins), and every other
 * value still travels in the arrays as it is.
 */
#define CONNINFO_MERGE_EXPAND_DBNAME 1
#define CONNINFO_MERGE_PINNED_EMPTY "hostaddr=''"

/*
 * The sslmode to use, given the one the caller asked for (the call's, the
 * service entry's or PGSSLMODE, as libpq reads them; NULL when none) and
 * the sslrootcert in effect (or NULL):
 *   - verify-ca and verify-full are kept;
 *   - sslrootcert=system (libpq 16+: the system's trusted CAs) means
 *     verify-full, as libpq 16+ defines it: libpq refuses a weaker mode with
 *     it.  A libpq before 16 reads "system" as a file name; verification
 *     then fails closed unless such a file exists;
 *   - anything else libpq knows becomes require;
 *   - an unknown value is kept, so that libpq rejects it with its own message.
 */
const char *conninfo_merge_sslmode(const char *requested, const char *sslrootcert);

/*
 * Fills out (set empty on entry: pass none that holds anything) from the
 * caller's options, the placeholder's query and the credential.  env_sslmode
 * is PGSSLMODE, or NULL: what counts when neither the call nor the query
 * gives an sslmode.  Pass out's arrays with CONNINFO_MERGE_EXPAND_DBNAME.
 * False only when out of memory.
 */
bool conninfo_merge(const struct optlist *caller, const struct optlist *query,
		    const struct credential *cred, const char *env_sslmode,
		    struct optlist *out);

#endif
