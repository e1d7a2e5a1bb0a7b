/*
 * env_resolve.h - a placeholder's credential, for hpgshim env.
 *
 * The one place where hpgshim env asks the library's core for a
 * credential, through credential_source.h as every connect does: the same
 * token sources, HEROKU_HOST rules, TLS, cache and shared cache directory,
 * budget and fallback rules, and errors as a placeholder connection in a
 * preloaded program.
 */
#ifndef HPGSHIM_ENV_RESOLVE_H
#define HPGSHIM_ENV_RESOLVE_H

#include <stdbool.h>

#include "config.h"
#include "credential.h"
#include "error.h"
#include "libpq_api.h"
#include "placeholder.h"

struct env_resolver {
	const struct libpq_api *pq;
	const struct hpg_config *config;
};

struct env_credential {
	struct credential cred;
	/* A held credential serves because the API failed or asked to wait:
	 * what it did, short ("the Heroku API failed (HTTP 503)"); else "". */
	char api_failure[sizeof(struct hpg_error)];
};

#define ENV_CREDENTIAL_INIT { .cred = CREDENTIAL_INIT }

/*
 * The credential ph names, or false with err saying why (without the app
 * and config var, which the caller names).  *out is set on entry; release
 * it with env_resolve_free() whatever the result.
 */
bool env_resolve(const struct env_resolver *resolver, const struct placeholder *ph,
		 struct env_credential *out, struct hpg_error *err);

void env_resolve_free(struct env_credential *c);

#endif
