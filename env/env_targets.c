/*
 * env_targets.c - see env_targets.h.
 */
#define _GNU_SOURCE
#include "env_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq reads PGDATABASE as a database name; the library resolves it at each connect. */
static bool is_target(const char *name, const char *value)
{
	return placeholder_is(value) && strcmp(name, "PGDATABASE") != 0;
}

bool env_targets_any(const struct env_list *env)
{
	for (size_t i = 0; i < env->count; i++) {
		const char *entry = env->entries[i], *value = strchr(entry, '=') + 1;
		if (placeholder_is(value) && strncmp(entry, "PGDATABASE=", strlen("PGDATABASE=")) != 0)
			return true;
	}
	return false;
}

bool env_targets_find(const struct libpq_api *pq, const struct env_list *env,
		      struct env_targets *out)
{
	bool ok = true;
	*out = (struct env_targets)ENV_TARGETS_INIT;
	out->items = calloc(env->count + 1, sizeof *out->items);
	if (out->items == NULL) {
		fprintf(stderr, "hpgshim env: out of memory\n");
		return false;
	}
	for (size_t i = 0; i < env->count; i++) {
		char *name = env_list_name(env, i);
		if (name == NULL) {
			fprintf(stderr, "hpgshim env: out of memory\n");
			return false;
		}
		const char *value = env_list_get(env, name);
		if (!is_target(name, value)) {
			free(name);
			continue;
		}
		struct env_target *t = &out->items[out->count++];
		struct hpg_error err;
		*t = (struct env_target){ .name = name, .ph = PLACEHOLDER_INIT, .cred = CREDENTIAL_INIT };
		if (!placeholder_parse(pq, value, &t->ph, &err)) {
			fprintf(stderr, "hpgshim env: %s: %s\n", name, err.text);
			ok = false;
		}
	}
	return ok;
}

/* A target before i that names the same app and config var, or NULL. */
static const struct env_target *same_before(const struct env_targets *targets, size_t i)
{
	const struct placeholder *ph = &targets->items[i].ph;
	for (size_t j = 0; j < i; j++) {
		const struct placeholder *other = &targets->items[j].ph;
		if (strcmp(ph->app, other->app) == 0 && strcmp(ph->config_var, other->config_var) == 0)
			return &targets->items[j];
	}
	return NULL;
}

/* The first failure (failed) or fallback of the round, for round->said. */
static void say_once(struct env_round *round, const struct env_target *t, bool failed,
		     const char *why)
{
	if (round->said[0] == '\0')
		snprintf(round->said, sizeof round->said, "hpgshim env: %s: %sconfig var %s of "
			 "Heroku app \"%s\": %s", t->name, failed ? "cannot get " : "",
			 t->ph.config_var, t->ph.app, why);
}

void env_targets_resolve(const struct env_resolver *resolver, struct env_targets *targets,
			 bool say_failures, struct env_round *round)
{
	*round = (struct env_round){ .failed = false, .changed = false, .said = "" };
	round->changed_name = NULL;
	struct credential *now = calloc(targets->count + 1, sizeof *now);
	if (now == NULL) {
		round->failed = true;
		snprintf(round->said, sizeof round->said, "hpgshim env: out of memory");
		return;
	}
	for (size_t i = 0; i < targets->count; i++) {
		const struct env_target *t = &targets->items[i], *same = same_before(targets, i);
		bool ok;
		struct hpg_error err;
		if (same != NULL) {
			ok = credential_copy(&now[i], &now[same - targets->items]);
			if (!ok)
				hpg_error_set(&err, "out of memory");
		} else {
			struct env_credential answer;
			ok = env_resolve(resolver, &t->ph, &answer, &err);
			if (ok && answer.api_failure[0] != '\0')
				say_once(round, t, false, answer.api_failure);
			now[i] = answer.cred;
			answer.cred = (struct credential)CREDENTIAL_INIT;
			env_resolve_free(&answer);
		}
		if (!ok) {
			if (say_failures)
				fprintf(stderr, "hpgshim env: %s: cannot get config var %s of Heroku app "
					"\"%s\": %s\n", t->name, t->ph.config_var, t->ph.app, err.text);
			if (!round->failed)
				round->said[0] = '\0'; /* a failure is worth more than a fallback */
			say_once(round, t, true, err.text);
			round->failed = true;
		}
	}
	for (size_t i = 0; i < targets->count && !round->failed && !round->changed; i++)
		if (targets->items[i].cred.password != NULL &&
		    !credential_equal(&targets->items[i].cred, &now[i])) {
			round->changed = true;
			round->changed_name = targets->items[i].name;
		}
	for (size_t i = 0; i < targets->count; i++) {
		if (!round->failed) {
			credential_free(&targets->items[i].cred);
			targets->items[i].cred = now[i];
		} else {
			credential_free(&now[i]);
		}
	}
	free(now);
}

bool env_targets_export(const struct env_targets *targets, struct env_list *env,
			enum env_url_dialect dialect, struct hpg_error *err)
{
	const char *sslmode = env_list_get(env, "PGSSLMODE");
	for (size_t i = 0; i < targets->count; i++) {
		const struct env_target *t = &targets->items[i];
		if (!env_forms_export(env, t->name, &t->ph, &t->cred, sslmode, dialect, err))
			return false;
	}
	return true;
}

void env_targets_free(struct env_targets *targets)
{
	for (size_t i = 0; i < targets->count; i++) {
		free(targets->items[i].name);
		placeholder_free(&targets->items[i].ph);
		credential_free(&targets->items[i].cred);
	}
	free(targets->items);
	*targets = (struct env_targets)ENV_TARGETS_INIT;
}
