/*
 * debug.h - lines on stderr: HPGSHIM_DEBUG=1's trace, one line per
 * decision, and the rare notice the user must read whatever the setting.
 *
 * Lines start with HPG_MESSAGE_PREFIX (error.h), "hpgshim: ".  Callers never
 * pass a token or password.
 */
#ifndef HPGSHIM_DEBUG_H
#define HPGSHIM_DEBUG_H

#include <stdbool.h>

void debug_enable(bool on);

/* A line of the trace, with HPGSHIM_DEBUG=1; nothing otherwise. */
void hpg_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * A line the user reads whether debugging or not: only what the program
 * cannot say itself (a reset that cannot follow a rotation, and what to do).
 */
void hpg_notice(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
