/*
 * reset.c - see reset.h.
 */
#include "reset.h"

#include <stdio.h>
#include <string.h>

#include "placeholder.h"

enum reset_case reset_precheck(bool rejected, const struct credential *given,
			       const char *libpq_password)
{
	if (!rejected)
		return RESET_NOT_REJECTED;
	if (!credential_field_equal(libpq_password, given->password))
		return RESET_PASSWORD_NOT_OURS;
	return RESET_REWRITE;
}

enum reset_case reset_decide(const struct credential *given, const struct credential *fresh,
			     bool names_server, const char *libpq_password, const char *libpq_user)
{
	if (credential_equal(given, fresh))
		return RESET_SAME_CREDENTIAL;
	if (!credential_field_equal(given->host, fresh->host) ||
	    !credential_field_equal(given->port, fresh->port) ||
	    (!names_server && !credential_field_equal(given->dbname, fresh->dbname)))
		return RESET_TARGET_CHANGED;
	/* The buffers may have changed while the request was under way. */
	if (!credential_field_equal(libpq_password, given->password))
		return RESET_PASSWORD_NOT_OURS;
	if (strlen(fresh->password) > strlen(libpq_password))
		return RESET_PASSWORD_LONGER;
	if (!credential_field_equal(given->user, fresh->user)) {
		if (!credential_field_equal(libpq_user, given->user))
			return RESET_USER_NOT_OURS;
		if (strlen(fresh->user) > strlen(libpq_user))
			return RESET_USER_LONGER;
	}
	return RESET_REWRITE;
}

const char *reset_case_text(enum reset_case c)
{
	static const char *const text[] = {
		[RESET_REWRITE] = "rewrote the credential libpq holds for this connection in place",
		[RESET_NOT_REJECTED] = "not rewritten: the server did not reject the credential",
		[RESET_PASSWORD_NOT_OURS] = "not rewritten: the connection's password (PQpass) is "
					    "no longer the one hpgshim gave it",
		[RESET_USER_NOT_OURS] = "not rewritten: the connection's user (PQuser) is no "
					"longer the one hpgshim gave it",
		[RESET_NO_NEW_CREDENTIAL] = "not rewritten: no credential could be fetched",
		[RESET_SAME_CREDENTIAL] = "not rewritten: the config var still holds the rejected "
					  "credential",
		[RESET_TARGET_CHANGED] = "not rewritten: the credential now names another host, "
					 "port or database, which a reset cannot change",
		[RESET_PASSWORD_LONGER] = "not rewritten: the new password is longer than the one "
					  "libpq holds",
		[RESET_USER_LONGER] = "not rewritten: the new user name is longer than the one "
				      "libpq holds",
	};
	return (size_t)c < sizeof text / sizeof text[0] && text[c] ? text[c] : "not rewritten";
}

bool reset_case_needs_notice(enum reset_case c)
{
	return c != RESET_REWRITE && c != RESET_NOT_REJECTED;
}

void reset_notice(char *buffer, size_t size, enum reset_case c, const char *app,
		  const char *config_var)
{
	static const char not_rewritten[] = "not rewritten: ";
	const char *why = reset_case_text(c);
	if (strncmp(why, not_rewritten, strlen(not_rewritten)) == 0)
		why += strlen(not_rewritten);
	bool default_var = strcmp(config_var, PLACEHOLDER_DEFAULT_CONFIG_VAR) == 0;
	snprintf(buffer, size, "could not reset the connection to " PLACEHOLDER_SCHEME "%s%s%s "
		 "with the current credential (%s); connect again with the placeholder, in "
		 "psql: \\c dbname=" PLACEHOLDER_SCHEME "%s%s%s", app,
		 default_var ? "" : "/", default_var ? "" : config_var, why, app,
		 default_var ? "" : "/", default_var ? "" : config_var);
}

void reset_rewrite(char *buffer, const char *value)
{
	explicit_bzero(buffer, strlen(buffer));
	memcpy(buffer, value, strlen(value));
}
