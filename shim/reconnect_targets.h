/*
 * reconnect_targets.h - the databases this process reached through a placeholder.
 *
 * psql's \c without arguments reconnects with the values it reads back from
 * the old connection (PQconninfo): host, port, user, password and dbname of
 * the credential, not the placeholder.  After a rotation that password is
 * wrong.  Remembering which (host, port, user, dbname) each placeholder
 * resolved to lets the shim recognise such a reconnect and give it a fresh
 * credential.  A process that never resolved a placeholder pays one atomic
 * load for this (reconnect_targets_any()).
 */
#ifndef HPGSHIM_RECONNECT_TARGETS_H
#define HPGSHIM_RECONNECT_TARGETS_H

#include <stdbool.h>

#include "credential.h"
#include "optlist.h"

/* Remembers that placeholder (as heroku://APP/VAR) resolved to cred. */
void reconnect_targets_remember(const struct credential *cred, const char *placeholder);

/* Whether anything was remembered: the hooks' fast path. */
bool reconnect_targets_any(void);

/*
 * The placeholder whose credential request names (same host, port, user
 * and dbname), malloc'd; NULL when it names none.
 */
char *reconnect_targets_match(const struct optlist *request);

#endif
