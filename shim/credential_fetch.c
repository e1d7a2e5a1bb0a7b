/*
 * credential_fetch.c - see credential_fetch.h.
 */
#include "credential_fetch.h"

#include <stdlib.h>

#include "config_vars.h"
#include "debug.h"
#include "heroku_api.h"
#include "optlist.h"

/* Reads the credential out of a 200 answer. */
static bool read_answer(const struct libpq_api *pq, const struct cjson_api *json,
			const struct api_response *res, const char *config_var,
			struct credential *out, struct hpg_error *err)
{
	char *url = NULL;
	if (!config_vars_lookup(json, res->body, res->length, config_var, &url, err))
		return false;
	struct hpg_error why;
	bool ok = credential_from_url(pq, url, out, &why);
	secret_free(url);
	if (!ok)
		hpg_error_set(err, "config var %s: %s", config_var, why.text);
	return ok;
}

bool credential_fetch(const struct libpq_api *pq, const struct fetch_settings *settings,
		      const char *app, const char *config_var, struct credential *out,
		      struct hpg_error *err)
{
	const struct curl_api *curl = curl_api_get(err);
	const struct cjson_api *json = curl ? cjson_api_get(err) : NULL;
	if (json == NULL)
		return false;

	char *base_url = NULL;
	if (!api_base_url(curl, settings->heroku_host, &base_url, err))
		return false;

	struct api_request req = {
		.base_url = base_url,
		.app = app,
		.token = settings->token,
		.cainfo = settings->cainfo,
		.timeout_seconds = settings->timeout_seconds,
	};
	struct api_response res;
	bool ok = api_get_config_vars(curl, &req, &res, err);
	if (ok) {
		hpg_debug("GET %s/apps/%s/config-vars: HTTP %ld in %.0f ms", base_url, app,
			  res.status, res.seconds * 1000);
		if (res.status == 200) {
			ok = read_answer(pq, json, &res, config_var, out, err);
		} else {
			char *id = heroku_error_id(json, res.body, res.length);
			api_status_explain(res.status, res.sent_credentials, app, id, err);
			free(id);
			ok = false;
		}
		api_response_free(&res);
	}
	free(base_url);
	return ok;
}
