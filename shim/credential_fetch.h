/*
 * credential_fetch.h - an app's current credential, from the Heroku API.
 *
 * GET /apps/{APP}/config-vars, find the config var, read its URL: each step
 * has its own module (heroku_api, config_vars, credential); this one puts
 * them in order and turns what went wrong into one sentence.
 */
#ifndef HPGSHIM_CREDENTIAL_FETCH_H
#define HPGSHIM_CREDENTIAL_FETCH_H

#include <stdbool.h>

#include "credential.h"
#include "error.h"
#include "libpq_api.h"

struct fetch_settings {
	const char *heroku_host;	/* HEROKU_HOST, or NULL */
	const char *token;		/* HEROKU_API_KEY, or NULL for ~/.netrc */
	const char *cainfo;		/* HPGSHIM_CAINFO, or NULL */
	long timeout_seconds;
};

/* Fills *out (release with credential_free()), or err with the reason. */
bool credential_fetch(const struct libpq_api *pq, const struct fetch_settings *settings,
		      const char *app, const char *config_var, struct credential *out,
		      struct hpg_error *err);

#endif
