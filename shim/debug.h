/*
 * debug.h - HPGSHIM_DEBUG=1: one line per decision on stderr.
 *
 * Lines start with HPG_MESSAGE_PREFIX (error.h), "hpgshim: ".  Callers never
 * pass a token or password.
 */
#ifndef HPGSHIM_DEBUG_H
#define HPGSHIM_DEBUG_H

#include <stdbool.h>

void debug_enable(bool on);

void hpg_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
