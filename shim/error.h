/*
 * error.h - the reason a core function failed, in words for the user.
 *
 * Core functions return false and fill a struct hpg_error, as libpq fills
 * its errorMessage buffer.  The text says what failed, why, and what the
 * user can do; it never contains a token or a password.  connect.c adds the
 * "hpgshim: cannot get config var VAR of Heroku app \"APP\": " context in
 * front.
 *
 * Out-parameters: a function sets every out-parameter it has on entry
 * (NULL, 0, an empty struct), before anything can fail, so that whatever it
 * returns the caller holds nothing dangling and may free what it got.  The
 * struct hpg_error is the one exception: it is written on failure only, and
 * read only after a false return.
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
