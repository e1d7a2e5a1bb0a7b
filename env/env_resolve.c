/*
 * env_resolve.c - see env_resolve.h.
 */
#include "env_resolve.h"

#include <stdio.h>

#include "credential_source.h"

bool env_resolve(const struct env_resolver *resolver, const struct placeholder *ph,
		 struct env_credential *out, struct hpg_error *err)
{
	*out = (struct env_credential)ENV_CREDENTIAL_INIT;
	const struct credential_query query = {
		.pq = resolver->pq,
		.config = resolver->config,
		.fetch = NULL,
		.app = ph->app,
		.config_var = ph->config_var,
		/* Each start and each check is a connect's ask: conditional,
		 * within the TTL, the floor, Retry-After and the fallback. */
		.reason = CREDENTIAL_FOR_CONNECT,
		.failed = NULL,
		.deadline = NULL,
	};
	struct credential_answer answer;
	bool ok = credential_source_get(&query, &answer, err);
	if (ok) {
		out->cred = answer.cred;
		answer.cred = (struct credential)CREDENTIAL_INIT;
		snprintf(out->api_failure, sizeof out->api_failure, "%s", answer.api_failure);
	}
	credential_source_answer_free(&answer);
	return ok;
}

void env_resolve_free(struct env_credential *c)
{
	credential_free(&c->cred);
	*c = (struct env_credential)ENV_CREDENTIAL_INIT;
}
