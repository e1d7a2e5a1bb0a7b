/*
 * fallback_warning.h - a connection on a held credential is never silent.
 *
 * When the Heroku API failed and a connection used the credential held
 * instead (stale-if-error, or a 429's Retry-After), that credential may be a
 * day old: after a pg:promote or pg:upgrade during the API incident it still
 * opens the old database.  One line on stderr says so, debug or not, once
 * per process and placeholder:
 *
 *   hpgshim: warning: the Heroku API failed (HTTP 503); heroku://my-app
 *   connected with the credential fetched 2 h 5 min ago
 *
 * (one line).  HPGSHIM_STALE_IF_ERROR=0 turns the fallback off.
 */
#ifndef HPGSHIM_FALLBACK_WARNING_H
#define HPGSHIM_FALLBACK_WARNING_H

#include <stdbool.h>
#include <stddef.h>

#include "credential_source.h"

/* Whether answer came from a held credential because the API failed. */
bool fallback_warning_applies(const struct credential_answer *answer);

/*
 * Writes the warning for placeholder (heroku://APP/VAR, without its query)
 * connected with answer, unless this process wrote it for that placeholder
 * already, or answer is no fallback.
 */
void fallback_warning_once(const char *placeholder, const struct credential_answer *answer);

/* "42 s", "5 min", "2 h 5 min": an age as the warning says it.  Pure. */
void fallback_warning_age(long seconds, char *text, size_t size);

#endif
