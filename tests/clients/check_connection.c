/*
 * check_connection.c - see check_connection.h.
 */
#include "check_connection.h"

#include <stdio.h>
#include <string.h>
#include <sys/select.h>

/* libpq's messages end in a newline; the callers print one line each. */
static void set_reason(char *why, size_t why_size, const char *what, const char *detail)
{
	snprintf(why, why_size, "%s: %.*s", what, (int)strcspn(detail, "\n"), detail);
}

bool check_connection(PGconn *conn, const char *user, char *why, size_t why_size)
{
	if (conn == NULL) {
		set_reason(why, why_size, "connect", "NULL connection");
		return false;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		set_reason(why, why_size, "connect", PQerrorMessage(conn));
		return false;
	}
	PGresult *res = PQexec(conn, "select current_user");
	bool ok = false;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		set_reason(why, why_size, "select current_user", PQerrorMessage(conn));
	else if (strcmp(PQgetvalue(res, 0, 0), user) != 0)
		set_reason(why, why_size, "connected as another user", PQgetvalue(res, 0, 0));
	else
		ok = true;
	PQclear(res);
	return ok;
}

PGconn *connect_async(const char *conninfo)
{
	PGconn *conn = PQconnectStart(conninfo);
	PostgresPollingStatusType status = PGRES_POLLING_WRITING;
	while (conn != NULL && status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED) {
		int fd = PQsocket(conn);
		if (fd < 0)
			break;
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		if (status == PGRES_POLLING_READING)
			select(fd + 1, &fds, NULL, NULL, NULL);
		else
			select(fd + 1, NULL, &fds, NULL, NULL);
		status = PQconnectPoll(conn);
	}
	return conn;
}

bool refused_by_shim(PGconn *conn)
{
	return conn != NULL && PQstatus(conn) == CONNECTION_BAD &&
	       strncmp(PQerrorMessage(conn), "hpgshim: ", 9) == 0;
}
