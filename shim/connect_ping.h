/*
 * connect_ping.h - PQping() and PQpingParams() through a placeholder.
 */
#ifndef HPGSHIM_CONNECT_PING_H
#define HPGSHIM_CONNECT_PING_H

#include <stdbool.h>

#include "connect.h"

/* PQpingParams() with the placeholder's options; PQPING_NO_ATTEMPT when it cannot resolve. */
PGPing connect_ping(const struct connect_context *ctx, const struct optlist *request,
		    const char *placeholder, bool names_server);

#endif
