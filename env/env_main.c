/*
 * env_main.c - `hpgshim env`: placeholders in the environment, resolved for
 * programs that do not use libpq.
 *
 *   hpgshim env [OPTION]... [NAME=VALUE]... [--] COMMAND [ARG]...
 *
 * Makes COMMAND's environment as env(1) does (-i, -u NAME, NAME=VALUE),
 * replaces every variable whose value is a placeholder by the current
 * credential (env_targets.h, in the forms of env_forms.h), and runs
 * COMMAND: exec'd in its place, or with --restart-on-change as its parent
 * (env_supervise.h).  The hpgshim command runs this program without the
 * library preloaded and hands it the LD_PRELOAD that COMMAND gets
 * (--preload=VALUE), so that libpq programs COMMAND starts keep the
 * library.
 *
 * The resolved values reach COMMAND through its environment only: this
 * program's own argv and environment hold the placeholders.  Exit status:
 * COMMAND's; 125 when hpgshim env itself fails (a usage error, a
 * placeholder that cannot be resolved: COMMAND does not start); 126 when
 * COMMAND cannot be run, 127 when it is not found.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "env_args.h"
#include "env_forms.h"
#include "env_list.h"
#include "env_resolve.h"
#include "env_supervise.h"
#include "env_targets.h"

#define ENV_FAILED 125
#define ENV_LIBPQ_SONAME "libpq.so.5"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: hpgshim env [OPTION]... [NAME=VALUE]... [--] COMMAND [ARG]...\n"
		"\n"
		"Run COMMAND with every environment variable whose value is a placeholder\n"
		"(DATABASE_URL=heroku://my-app) set to the app's current database URL, with\n"
		"sslmode=require; JDBC_DATABASE_URL, SPRING_DATASOURCE_URL and *_JDBC_URL in\n"
		"the JDBC form, with their _USERNAME and _PASSWORD beside.\n"
		"\n"
		"  -i, --ignore-environment     start from an empty environment\n"
		"  -u, --unset=NAME             remove NAME from the environment\n"
		"  --restart-on-change[=SECONDS]  stay COMMAND's parent, check every SECONDS\n"
		"                               (default %d, at least %d), restart it when a\n"
		"                               credential changes\n"
		"  --grace=SECONDS              after SIGTERM, SIGKILL a restarted COMMAND\n"
		"                               this much later (default %d)\n"
		"  --node-postgres              write URLs for node-postgres: uselibpqcompat=true\n"
		"  -h, --help                   this text\n"
		"\n"
		"Exit status: COMMAND's; 125 when hpgshim env fails (COMMAND does not start),\n"
		"126 when COMMAND cannot run, 127 when it is not found.  See hpgshim(1).\n",
		HPGSHIM_ENV_DEFAULT_INTERVAL, HPGSHIM_ENV_MIN_INTERVAL, HPGSHIM_ENV_DEFAULT_GRACE);
}

/* The core's libpq table, from libpq.so.5 opened now: the package only suggests libpq5. */
static bool open_libpq(struct libpq_api *pq, const char **why)
{
	void *libpq = dlopen(ENV_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	*why = NULL;
	if (libpq == NULL) {
		*why = dlerror();
		return false;
	}
#define ENV_LIBPQ_BIND(name)                                                 \
	if ((pq->name = (__typeof__(pq->name))dlsym(libpq, #name)) == NULL) { \
		*why = "a function is missing: " #name;                      \
		return false;                                                \
	}
	LIBPQ_API_FUNCTIONS(ENV_LIBPQ_BIND)
#undef ENV_LIBPQ_BIND
	return true;
}

/* -i, -u and the assignments, applied to this process's own environment,
 * which the core reads its settings from: COMMAND's settings are its. */
static bool make_environment(const struct env_args *args)
{
	if (args->ignore_environment && clearenv() != 0)
		return false;
	for (const char **name = args->unset; *name != NULL; name++)
		unsetenv(*name);
	for (const char **a = args->assignments; *a != NULL; a++)
		if (putenv((char *)*a) != 0)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct env_args args;
	struct hpg_error err;
	if (!env_args_parse(argc, argv, &args, &err)) {
		fprintf(stderr, "hpgshim env: %s\n", err.text);
		fprintf(stderr, "usage: hpgshim env [OPTION]... [NAME=VALUE]... [--] COMMAND [ARG]...\n");
		env_args_free(&args);
		return ENV_FAILED;
	}
	if (args.help) {
		usage(stdout);
		env_args_free(&args);
		return 0;
	}
	if (!make_environment(&args)) {
		fprintf(stderr, "hpgshim env: out of memory\n");
		return ENV_FAILED;
	}

	struct env_list base, env;
	if (!env_list_copy(&base, environ) ||
	    (args.preload != NULL && !env_list_set(&base, "LD_PRELOAD", args.preload)) ||
	    !env_list_copy(&env, base.entries)) {
		fprintf(stderr, "hpgshim env: out of memory\n");
		return ENV_FAILED;
	}

	struct libpq_api pq;
	struct env_targets targets = ENV_TARGETS_INIT;
	const struct hpg_config *config = config_get();
	struct env_resolver resolver = { .pq = &pq, .config = config };
	enum env_url_dialect dialect = args.node_postgres ? ENV_URL_NODE_POSTGRES : ENV_URL_LIBPQ;
	if (env_targets_any(&env)) {
		const char *why;
		if (!open_libpq(&pq, &why)) {
			fprintf(stderr, "hpgshim env: cannot load %s (%s); install libpq5 (Debian and "
				"Ubuntu: apt-get install libpq5); %s not started\n", ENV_LIBPQ_SONAME,
				why, args.command[0]);
			return ENV_FAILED;
		}
		if (!env_targets_find(&pq, &env, &targets)) {
			fprintf(stderr, "hpgshim env: %s not started\n", args.command[0]);
			return ENV_FAILED;
		}
		struct env_round round;
		env_targets_resolve(&resolver, &targets, true, &round);
		if (round.failed) {
			fprintf(stderr, "hpgshim env: %s not started\n", args.command[0]);
			return ENV_FAILED;
		}
		if (round.said[0] != '\0') /* a held credential serves: said, not hidden */
			fprintf(stderr, "%s; starting %s with the credential held "
				"(HPGSHIM_STALE_IF_ERROR)\n", round.said, args.command[0]);
		if (!env_targets_export(&targets, &env, dialect, &err)) {
			fprintf(stderr, "hpgshim env: %s\n", err.text);
			return ENV_FAILED;
		}
	}

	if (args.restart_interval == 0) {
		execvpe(args.command[0], args.command, env.entries);
		int error = errno;
		fprintf(stderr, "hpgshim env: %s: %s\n", args.command[0], strerror(error));
		return env_supervise_spawn_status(error);
	}
	struct env_supervision supervision = {
		.command = args.command,
		.interval_seconds = args.restart_interval,
		.grace_seconds = args.grace,
		.resolver = &resolver,
		.targets = &targets,
		.base = &base,
		.dialect = dialect,
	};
	int status = env_supervise(&supervision, &env);
	env_targets_free(&targets);
	env_list_free(&env);
	env_list_free(&base);
	env_args_free(&args);
	return status;
}
