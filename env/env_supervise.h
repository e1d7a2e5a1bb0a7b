/*
 * env_supervise.h - hpgshim env --restart-on-change: COMMAND restarted when
 * its credential changes, as Heroku restarts an app's dynos.
 *
 * hpgshim env stays COMMAND's parent.  Every interval it resolves each
 * target again (conditionally: an unchanged credential costs a 304; the
 * core honours Retry-After and the budget floor).  When a credential
 * changed it says so in one line on stderr, sends COMMAND SIGTERM, SIGKILL
 * after the grace period, and starts it again with the new values.  A
 * failure to resolve keeps COMMAND running and is said once until an
 * answer comes again; it never restarts COMMAND.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to hpgshim env are forwarded to
 * COMMAND; the same signals typed at the terminal already reach COMMAND,
 * which is in the terminal's foreground process group, and are not sent
 * twice.  When COMMAND ends by itself, hpgshim env ends the same way: with
 * its exit status, or killed by the same signal.
 */
#ifndef HPGSHIM_ENV_SUPERVISE_H
#define HPGSHIM_ENV_SUPERVISE_H

#include "env_forms.h"
#include "env_list.h"
#include "env_targets.h"

struct env_supervision {
	char **command;			/* COMMAND [ARG]..., NULL-terminated */
	long interval_seconds;
	long grace_seconds;
	const struct env_resolver *resolver;
	struct env_targets *targets;	/* resolved once already */
	const struct env_list *base;	/* COMMAND's environment, the targets unresolved */
	enum env_url_dialect dialect;
};

/*
 * Runs COMMAND with env (base with the targets exported) until it ends by
 * itself or by a signal not sent for a restart; returns the exit status
 * hpgshim env should have (126 or 127 when COMMAND cannot be started).
 * Returns only when COMMAND ended with an exit status: for a signal it
 * raises the same one on itself.
 */
int env_supervise(const struct env_supervision *s, struct env_list *env);

/* The exit status for a COMMAND that could not be started with errno error: 127 or 126. */
int env_supervise_spawn_status(int error);

#endif
