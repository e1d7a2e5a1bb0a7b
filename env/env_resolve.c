/*
 * env_resolve.c - see env_resolve.h.
 */
#include "env_resolve.h"

#include <stdio.h>
#include <stdlib.h>

#include "api_budget.h"
#include "cache.h"
#include "credential_fetch.h"

/* Interim, until credential_source.h: the core's modules in connect.c's order. */
bool env_resolve(const struct env_resolver *resolver, const struct placeholder *ph,
		 struct env_credential *out, struct hpg_error *err)
{
	const struct hpg_config *config = resolver->config;
	struct credential held = CREDENTIAL_INIT;
	struct fetch_result result = FETCH_RESULT_INIT;
	char *etag = NULL;
	long age = 0;
	bool ok = false;

	*out = (struct env_credential)ENV_CREDENTIAL_INIT;
	if (!cache_usable(config, err))
		return false;
	char *key = cache_key(config->heroku_host, ph->app, ph->config_var);
	if (key == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	if (cache_get_fresh(config, key, &out->cred)) {
		free(key);
		return true;
	}
	long wait = api_budget_wait_seconds(config);
	if (wait > 0) {
		hpg_error_set(err, "the Heroku API asked for no request for another %ld s (HTTP 429 "
			      "with Retry-After); try again then", wait);
		result.unavailable = true;
	} else {
		(void)cache_get_validator(config, key, &held, &etag);
		struct fetch_settings settings = {
			.heroku_host = config->heroku_host,
			.token = config->token,
			.cainfo = config->cainfo,
			.if_none_match = etag,
			.timeout_ms = config->timeout_seconds * 1000,
		};
		ok = credential_fetch(resolver->pq, &settings, ph->app, ph->config_var, &result, err);
		api_budget_note(config, result.ratelimit_remaining, result.retry_after_seconds);
	}
	if (ok && result.not_modified) {
		cache_put(config, key, &held, etag);
		out->cred = held;
		held = (struct credential)CREDENTIAL_INIT;
	} else if (ok) {
		cache_put(config, key, &result.cred, result.etag);
		out->cred = result.cred;
		result.cred = (struct credential)CREDENTIAL_INIT;
	} else if (result.unavailable && config->stale_if_error_seconds > 0 &&
		   cache_get_held(config, key, config->stale_if_error_seconds, &out->cred, &age)) {
		snprintf(out->api_failure, sizeof out->api_failure, "%s", err->text);
		ok = true;
	}
	credential_free(&held);
	free(etag);
	free(key);
	credential_fetch_result_free(&result);
	return ok;
}

void env_resolve_free(struct env_credential *c)
{
	credential_free(&c->cred);
	*c = (struct env_credential)ENV_CREDENTIAL_INIT;
}
