/*
 * check_connection.h - what the hazard clients (thread_storm, fork_while_connecting,
 * connect_in_constructor, connect_cycles) ask of the connections they make.
 */
#ifndef HPGSHIM_TEST_CHECK_CONNECTION_H
#define HPGSHIM_TEST_CHECK_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/*
 * True when conn is open and the server says its current_user is user: the
 * connection is real and went where the placeholder points.  Otherwise false
 * with the reason in why (one line, without a newline).  Does not finish conn.
 */
bool check_connection(PGconn *conn, const char *user, char *why, size_t why_size);

/* PQconnectStart(conninfo), then the PQconnectPoll loop an asynchronous
 * program runs itself. */
PGconn *connect_async(const char *conninfo);

/* Refused by the shim before any I/O: an app name cannot start with '-'. */
#define INVALID_PLACEHOLDER "heroku://-not-an-app"

/* Whether conn failed with the shim's own message ("hpgshim: ..."). */
bool refused_by_shim(PGconn *conn);

#endif
