/*
 * error.h - the reason a core function failed, in words for the user.
 *
 * Core functions return false and fill a struct hpg_error, as libpq fills
 * its errorMessage buffer.  The text says what failed, why, and what the
 * user can do; it never contains a token or a password.  connect.c adds the
 * "hpgshim: heroku://APP (config var VAR): " context in front.
 */
#ifndef HPGSHIM_ERROR_H
#define HPGSHIM_ERROR_H

/* What begins every message the shim writes: errors and debug lines. */
#define HPG_MESSAGE_PREFIX "hpgshim: "

struct hpg_error {
	char text[768];
};

void hpg_error_set(struct hpg_error *err, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

#endif
