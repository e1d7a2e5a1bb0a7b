/*
 * env_args.h - hpgshim env's command line, read as env(1) reads its own.
 *
 *   hpgshim env [OPTION]... [NAME=VALUE]... [--] COMMAND [ARG]...
 *
 * Options first, then assignments (any argument with '=' in it, as env(1)
 * takes them, after "--" too), then COMMAND and its arguments untouched.
 * Pure: no I/O; unit-tested.
 */
#ifndef HPGSHIM_ENV_ARGS_H
#define HPGSHIM_ENV_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* --restart-on-change's interval when none is given, and the least accepted. */
#define HPGSHIM_ENV_DEFAULT_INTERVAL 60
#define HPGSHIM_ENV_MIN_INTERVAL 10
/* --grace's default: how long COMMAND has to end after SIGTERM before SIGKILL. */
#define HPGSHIM_ENV_DEFAULT_GRACE 10

struct env_args {
	bool help;
	bool ignore_environment;	/* -i: COMMAND gets only the assignments */
	bool node_postgres;		/* --node-postgres: URLs in node-postgres's dialect */
	long restart_interval;		/* --restart-on-change's SECONDS; 0: run once */
	long grace;			/* --grace */
	const char *preload;		/* --preload: LD_PRELOAD for COMMAND (the hpgshim command's) */
	const char **unset;		/* -u NAME..., NULL-terminated */
	const char **assignments;	/* NAME=VALUE..., NULL-terminated */
	char **command;			/* COMMAND [ARG]..., NULL-terminated (argv's own) */
};

#define ENV_ARGS_INIT { .grace = HPGSHIM_ENV_DEFAULT_GRACE }

/*
 * Reads argv (argc entries, argv[0] the program) into *out, set on entry;
 * release with env_args_free() whatever the result.  False with err saying
 * what is wrong: a usage error.  out->help without a command is not one.
 */
bool env_args_parse(int argc, char **argv, struct env_args *out, struct hpg_error *err);

void env_args_free(struct env_args *args);

#endif
