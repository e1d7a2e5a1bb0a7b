/*
 * env_targets.h - the variables of COMMAND's environment that are placeholders.
 *
 * Every variable whose value is a placeholder (heroku://APP[/CONFIG_VAR]
 * [?query]) is a target, but PGDATABASE: libpq reads that one as a
 * database name, never as a URL, and the preloaded library resolves it at
 * each connect.  Targets are resolved together, one request per app and
 * config var however many variables name them, and exported in the forms
 * of env_forms.h.
 */
#ifndef HPGSHIM_ENV_TARGETS_H
#define HPGSHIM_ENV_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "env_forms.h"
#include "env_list.h"
#include "env_resolve.h"

struct env_target {
	char *name;			/* the variable */
	struct placeholder ph;
	struct credential cred;		/* what it resolved to last */
};

struct env_targets {
	struct env_target *items;
	size_t count;
};

#define ENV_TARGETS_INIT { .items = NULL, .count = 0 }

/* What env_targets_resolve() found out. */
struct env_round {
	bool failed;		/* a target could not be resolved; what was held is kept */
	bool changed;		/* none failed, and a credential differs from the one held */
	const char *changed_name;	/* the first variable whose credential changed */
	/* The first failure, or the first API failure a held credential covered:
	 * "hpgshim env: VAR: cannot get config var ... of Heroku app ...: why". */
	char said[1024];
};

/* Whether env has a target: whether libpq is needed at all. */
bool env_targets_any(const struct env_list *env);

/*
 * The targets of env into *out, set on entry (release with
 * env_targets_free()).  False when a placeholder is invalid or memory runs
 * out: every invalid one is said on stderr, naming its variable.
 */
bool env_targets_find(const struct libpq_api *pq, const struct env_list *env,
		      struct env_targets *out);

/*
 * Resolves every target.  When none failed, each target's credential is
 * the one resolved now; otherwise every credential is kept.  With
 * say_failures, each failure is said on stderr as it happens.
 */
void env_targets_resolve(const struct env_resolver *resolver, struct env_targets *targets,
			 bool say_failures, struct env_round *round);

/* Sets every target's variables in env (env_forms_export()). */
bool env_targets_export(const struct env_targets *targets, struct env_list *env,
			enum env_url_dialect dialect, struct hpg_error *err);

void env_targets_free(struct env_targets *targets);

#endif
