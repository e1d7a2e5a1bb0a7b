/*
 * conninfo_merge.h - the options the real libpq gets for a placeholder.
 *
 * The credential supplies host, port, user, password and dbname; the
 * caller's values for those (and hostaddr, service) are dropped.  Every
 * other keyword the caller gave is kept, the placeholder's own query taking
 * precedence over the rest of the call.  sslmode is raised to require.
 */
#ifndef HPGSHIM_CONNINFO_MERGE_H
#define HPGSHIM_CONNINFO_MERGE_H

#include <stdbool.h>

#include "credential.h"
#include "optlist.h"

/*
 * The sslmode to use, given the caller's (or PGSSLMODE's) value: require
 * unless the caller asked for require, verify-ca or verify-full.  An unknown
 * value is kept, so that libpq rejects it with its own message.
 */
const char *conninfo_merge_sslmode(const char *requested);

/*
 * Fills out (set empty on entry: pass none that holds anything) from the
 * caller's options, the placeholder's query and the credential.  env_sslmode
 * is PGSSLMODE, or NULL.  False only when out of memory.
 */
bool conninfo_merge(const struct optlist *caller, const struct optlist *query,
		    const struct credential *cred, const char *env_sslmode,
		    struct optlist *out);

#endif
