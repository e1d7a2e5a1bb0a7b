/*
 * retry.c - see retry.h.
 */
#include "retry.h"

#include <stddef.h>
#include <string.h>

bool retry_credential_rejected(const char *message)
{
	/* The server's texts for SQLSTATE 28P01 and 28000 (ClientAuthentication). */
	static const char *const class_28[] = {
		"password authentication failed for user",
		"no pg_hba.conf entry for host",
		"pg_hba.conf rejects connection for host",
		"authentication failed for user",
		NULL
	};

	if (message == NULL)
		return false;
	for (const char *const *text = class_28; *text != NULL; text++)
		if (strstr(message, *text) != NULL)
			return true;
	/* 28000 for an unknown role: FATAL:  role "x" does not exist */
	const char *role = strstr(message, "FATAL:  role \"");
	return role != NULL && strstr(role, "\" does not exist") != NULL;
}

enum retry_decision retry_decide(bool credential_rejected, bool credential_changed)
{
	if (credential_rejected)
		return RETRY_CREDENTIAL_REJECTED;
	if (credential_changed)
		return RETRY_CREDENTIAL_CHANGED;
	return RETRY_NO;
}

const char *retry_decision_name(enum retry_decision decision)
{
	switch (decision) {
	case RETRY_CREDENTIAL_REJECTED:
		return "the server rejected the credential";
	case RETRY_CREDENTIAL_CHANGED:
		return "the config var now holds a different credential";
	case RETRY_NO:
		break;
	}
	return "no retry";
}
