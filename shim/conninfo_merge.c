/*
 * conninfo_merge.c - caller's options + placeholder query + credential.
 */
#include "conninfo_merge.h"

#include <string.h>

#include "placeholder.h"

static bool is_one_of(const char *value, const char *const *list)
{
	for (const char *const *item = list; *item != NULL; item++)
		if (strcmp(value, *item) == 0)
			return true;
	return false;
}

const char *conninfo_merge_sslmode(const char *requested, const char *sslrootcert)
{
	static const char *const weaker[] = { "disable", "allow", "prefer", "require", NULL };

	if (requested != NULL && requested[0] != '\0' && !is_one_of(requested, weaker))
		return requested; /* verify-ca, verify-full, or libpq's to reject */
	if (sslrootcert != NULL && strcmp(sslrootcert, "system") == 0)
		return "verify-full";
	return "require";
}

static bool add_kept(struct optlist *out, const struct optlist *from)
{
	for (size_t i = 0; i < from->count; i++)
		if (!placeholder_keyword_is_credential_owned(from->keywords[i]) &&
		    !optlist_set(out, from->keywords[i], from->values[i]))
			return false;
	return true;
}

bool conninfo_merge(const struct optlist *caller, const struct optlist *query,
		    const struct credential *cred, const char *env_sslmode,
		    struct optlist *out)
{
	*out = (struct optlist)OPTLIST_INIT;
	/* First, the dbname libpq expands (CONNINFO_MERGE_EXPAND_DBNAME). */
	if (!optlist_append(out, "dbname", CONNINFO_MERGE_PINNED_EMPTY) ||
	    !add_kept(out, caller) || !add_kept(out, query))
		goto fail;

	const char *sslmode = optlist_get(out, "sslmode");
	if (!optlist_set(out, "sslmode", conninfo_merge_sslmode(sslmode ? sslmode : env_sslmode,
							       optlist_get(out, "sslrootcert"))))
		goto fail;

	/*
	 * A URL without port or dbname means libpq's defaults; they are
	 * written out so that the caller's PGPORT or PGDATABASE (which may be
	 * the placeholder itself) cannot stand in for them.  The dbname is a
	 * second entry: the first is the one libpq expands.
	 */
	if (!optlist_set(out, "host", cred->host) ||
	    !optlist_set(out, "port", cred->port ? cred->port : CREDENTIAL_DEFAULT_PORT) ||
	    !optlist_set(out, "user", cred->user) ||
	    !optlist_set(out, "password", cred->password) ||
	    !optlist_append(out, "dbname", cred->dbname ? cred->dbname : cred->user))
		goto fail;
	return true;
fail:
	optlist_free(out);
	return false;
}
