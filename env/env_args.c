/*
 * env_args.c - see env_args.h.
 */
#include "env_args.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Appends s to a NULL-terminated array of at most max entries (argc bounds them all). */
static void push(const char **array, const char *s)
{
	size_t n = 0;
	while (array[n] != NULL)
		n++;
	array[n] = s;
}

/* "--name=VALUE" or "--name": the VALUE, "" for none, NULL when arg is another option. */
static const char *long_option(const char *arg, const char *name)
{
	size_t length = strlen(name);
	if (strncmp(arg, name, length) != 0)
		return NULL;
	if (arg[length] == '\0')
		return "";
	return arg[length] == '=' ? arg + length + 1 : NULL;
}

/* A whole number of seconds from text, or -1. */
static long seconds(const char *text)
{
	return config_parse_number(text, -1, 7 * 24 * 3600);
}

/* An environment variable's name: no '=', not empty. */
static bool valid_name(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '=') == NULL;
}

bool env_args_parse(int argc, char **argv, struct env_args *out, struct hpg_error *err)
{
	*out = (struct env_args)ENV_ARGS_INIT;
	out->unset = calloc((size_t)argc + 1, sizeof *out->unset);
	out->assignments = calloc((size_t)argc + 1, sizeof *out->assignments);
	if (out->unset == NULL || out->assignments == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i], *value;
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			out->help = true;
		} else if (strcmp(arg, "-i") == 0 || strcmp(arg, "--ignore-environment") == 0 ||
			   strcmp(arg, "-") == 0) {
			out->ignore_environment = true;
		} else if (strcmp(arg, "--node-postgres") == 0) {
			out->node_postgres = true;
		} else if (strcmp(arg, "-u") == 0 || strcmp(arg, "--unset") == 0) {
			if (i + 1 >= argc || !valid_name(argv[i + 1])) {
				hpg_error_set(err, "%s needs the name of a variable", arg);
				return false;
			}
			push(out->unset, argv[++i]);
		} else if ((value = long_option(arg, "--unset")) != NULL) {
			if (!valid_name(value)) {
				hpg_error_set(err, "--unset needs the name of a variable");
				return false;
			}
			push(out->unset, value);
		} else if ((value = long_option(arg, "--preload")) != NULL) {
			out->preload = value;
		} else if ((value = long_option(arg, "--restart-on-change")) != NULL) {
			out->restart_interval = value[0] ? seconds(value) : HPGSHIM_ENV_DEFAULT_INTERVAL;
			if (out->restart_interval < HPGSHIM_ENV_MIN_INTERVAL) {
				hpg_error_set(err, "--restart-on-change=%s: the interval must be a whole "
					      "number of seconds, at least %d (each check is a request to "
					      "the Heroku API, whose budget deploys and the CLI share)",
					      value, HPGSHIM_ENV_MIN_INTERVAL);
				return false;
			}
		} else if ((value = long_option(arg, "--grace")) != NULL) {
			out->grace = value[0] ? seconds(value) : -1;
			if (out->grace < 0) {
				hpg_error_set(err, "--grace=SECONDS needs a whole number of seconds");
				return false;
			}
		} else {
			hpg_error_set(err, "unknown option %s", arg);
			return false;
		}
	}
	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (argv[i][0] == '=') {
			hpg_error_set(err, "%s: an assignment needs a name before '='", argv[i]);
			return false;
		}
		push(out->assignments, argv[i]);
	}
	out->command = i < argc ? &argv[i] : NULL;
	if (out->command == NULL && !out->help) {
		hpg_error_set(err, "no COMMAND given (hpgshim env does not print the environment: "
			      "it would print the database passwords)");
		return false;
	}
	return true;
}

void env_args_free(struct env_args *args)
{
	free(args->unset);
	free(args->assignments);
	*args = (struct env_args)ENV_ARGS_INIT;
}
