/*
 * entry_points.c - a small libpq client that calls every connect entry
 * point the shim hooks, for the integration tests.
 *
 * usage: entry_points STEP...
 *   connectdb=CONNINFO            PQconnectdb
 *   connectdb_params=DBNAME       PQconnectdbParams, expand_dbname 1
 *   connectdb_params_noexpand=DBNAME                 expand_dbname 0
 *   service_params=NAME           PQconnectdbParams with the keyword service alone
 *   setdb_login=DBNAME            PQsetdbLogin
 *   connect_start=CONNINFO        PQconnectStart + the program's own PQconnectPoll loop
 *   connect_start_params=DBNAME   PQconnectStartParams + the same loop
 *   ping=CONNINFO                 PQping
 *   ping_params=DBNAME            PQpingParams
 *   conninfo_parse=CONNINFO       PQconninfoParse, then PQconnectdbParams with its options
 *   wait                          read a line from stdin (a test changes something meanwhile)
 *   hold=CONNINFO                 PQconnectdb, and keep the connection for the steps below
 *   reset                         PQreset on the held connection
 *   reset_start                   PQresetStart + the program's own PQresetPoll loop
 *   terminate                     end the held connection's server process (a lost connection)
 *   libraries                     PQlibVersion(), and every libpq and libssl file mapped
 *   mask_password                 overwrite the password libpq keeps for the held connection
 *                                 (PQpass) with '*', as a program that masks secrets might
 *
 * An argument @PATH is read from the file PATH (for arguments longer than
 * the kernel allows on a command line).
 *
 * Each step prints one line: "STEP: ok user=U db=D ssl=t app=A", "STEP: ping=NAME"
 * "STEP: failed: MESSAGE" or "libraries: version=N PATH...".  The exit status is 1 when
 * a step failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <libpq-fe.h>

#define APPLICATION_NAME "entry_points"

static PGconn *held;	/* the connection of hold=, reset and terminate */

/* What the server says about this session: proves the connection is real. */
static int describe(const char *step, PGconn *conn)
{
	int failed = 1;
	if (conn == NULL) {
		printf("%s: failed: NULL connection\n", step);
		return 1;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		printf("%s: failed: %s", step, PQerrorMessage(conn));
	} else {
		PGresult *res = PQexec(conn,
			"select current_user, current_database(), ssl, "
			"current_setting('application_name') "
			"from pg_stat_ssl where pid = pg_backend_pid()");
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
			printf("%s: ok user=%s db=%s ssl=%s app=%s\n", step, PQgetvalue(res, 0, 0),
			       PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
			failed = 0;
		} else {
			printf("%s: failed: %s", step, PQerrorMessage(conn));
		}
		PQclear(res);
	}
	return failed;
}

static int report(const char *step, PGconn *conn)
{
	int failed = describe(step, conn);
	PQfinish(conn);
	return failed;
}

/* The loop an asynchronous program runs around PQconnectPoll or PQresetPoll. */
static PostgresPollingStatusType poll_loop(PGconn *conn,
					   PostgresPollingStatusType (*poll)(PGconn *))
{
	PostgresPollingStatusType status = PGRES_POLLING_WRITING;
	while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED) {
		int fd = PQsocket(conn);
		if (fd < 0)
			break;
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		struct timeval timeout = { 30, 0 };
		if (status == PGRES_POLLING_READING)
			select(fd + 1, &fds, NULL, NULL, &timeout);
		else
			select(fd + 1, NULL, &fds, NULL, &timeout);
		status = poll(conn);
	}
	return status;
}

static PGconn *poll_until_done(PGconn *conn)
{
	if (conn != NULL)
		poll_loop(conn, PQconnectPoll);
	return conn;
}

static void reset_by_polling(PGconn *conn)
{
	if (PQresetStart(conn))
		poll_loop(conn, PQresetPoll);
}

static int held_step(const char *name, const char *arg)
{
	if (strcmp(name, "hold") == 0) {
		PQfinish(held);
		held = PQconnectdb(arg);
		return describe(name, held);
	}
	if (held == NULL) {
		fprintf(stderr, "entry_points: %s needs a hold= step first\n", name);
		return 2;
	}
	if (strcmp(name, "reset") == 0)
		PQreset(held);
	else if (strcmp(name, "reset_start") == 0)
		reset_by_polling(held);
	else if (strcmp(name, "terminate") == 0)
		PQclear(PQexec(held, "select pg_terminate_backend(pg_backend_pid())"));
	else if (strcmp(name, "mask_password") == 0)
		memset(PQpass(held), '*', strlen(PQpass(held)));
	if (strcmp(name, "terminate") == 0 || strcmp(name, "mask_password") == 0) {
		printf("%s: done\n", name);
		return 0;
	}
	return describe(name, held);
}

/*
 * Which libpq this process really runs, and which OpenSSLs are loaded: the
 * evidence, independent of any server, for tests that point
 * LD_LIBRARY_PATH at another libpq.
 */
static int libraries(void)
{
	printf("libraries: version=%d", PQlibVersion());
	FILE *maps = fopen("/proc/self/maps", "re");
	if (maps == NULL) {
		printf(" (no /proc/self/maps)\n");
		return 1;
	}
	char line[4096], last[4096] = "";
	while (fgets(line, sizeof line, maps) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		const char *path = strchr(line, '/');
		const char *base = path ? strrchr(path, '/') + 1 : NULL;
		if (base == NULL || (strncmp(base, "libpq.", 6) != 0 && strncmp(base, "libssl.", 7) != 0))
			continue;
		/* A file's mappings are adjacent: print it once. */
		if (strcmp(path, last) != 0)
			printf(" %s", path);
		snprintf(last, sizeof last, "%s", path);
	}
	fclose(maps);
	printf("\n");
	return 0;
}

static const char *ping_name(PGPing ping)
{
	switch (ping) {
	case PQPING_OK: return "PQPING_OK";
	case PQPING_REJECT: return "PQPING_REJECT";
	case PQPING_NO_RESPONSE: return "PQPING_NO_RESPONSE";
	case PQPING_NO_ATTEMPT: return "PQPING_NO_ATTEMPT";
	}
	return "unknown";
}

static PGconn *connect_parsed(const char *conninfo, const char *step)
{
	char *error = NULL;
	PQconninfoOption *options = PQconninfoParse(conninfo, &error);
	if (options == NULL) {
		printf("%s: failed: %s", step, error ? error : "NULL\n");
		PQfreemem(error);
		return NULL;
	}
	/* Hand every set option back to libpq, as psycopg2 and ruby pg do. */
	const char *keywords[64], *values[64];
	int n = 0;
	for (PQconninfoOption *o = options; o->keyword != NULL && n < 63; o++)
		if (o->val != NULL) {
			keywords[n] = o->keyword;
			values[n++] = o->val;
		}
	keywords[n] = values[n] = NULL;
	PGconn *conn = PQconnectdbParams(keywords, values, 0);
	PQconninfoFree(options);
	return conn;
}

/* The contents of path, malloc'd, or NULL. */
static char *read_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (file == NULL)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *memory = open_memstream(&text, &size);
	char buffer[65536];
	size_t n;
	while ((n = fread(buffer, 1, sizeof buffer, file)) > 0)
		fwrite(buffer, 1, n, memory);
	fclose(memory);
	fclose(file);
	return text;
}

static int run_step_with(const char *name, const char *arg);

static int run_step(const char *step)
{
	const char *eq = strchr(step, '=');
	const char *arg = eq ? eq + 1 : "";
	size_t name_length = eq ? (size_t)(eq - step) : strlen(step);
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)name_length, step);

	if (arg[0] != '@')
		return run_step_with(name, arg);
	char *contents = read_file(arg + 1);
	if (contents == NULL) {
		fprintf(stderr, "entry_points: cannot read %s\n", arg + 1);
		return 2;
	}
	int failed = run_step_with(name, contents);
	free(contents);
	return failed;
}

static int run_step_with(const char *name, const char *arg)
{
	const char *const keywords[] = { "dbname", "application_name", NULL };
	const char *const values[] = { arg, APPLICATION_NAME, NULL };

	if (strcmp(name, "wait") == 0) {
		char line[16];
		printf("waiting\n");
		fflush(stdout);
		return fgets(line, sizeof line, stdin) == NULL;
	}
	if (strcmp(name, "hold") == 0 || strcmp(name, "reset") == 0 ||
	    strcmp(name, "reset_start") == 0 || strcmp(name, "terminate") == 0 ||
	    strcmp(name, "mask_password") == 0)
		return held_step(name, arg);
	if (strcmp(name, "libraries") == 0)
		return libraries();
	if (strcmp(name, "connectdb") == 0)
		return report(name, PQconnectdb(arg));
	if (strcmp(name, "connectdb_params") == 0)
		return report(name, PQconnectdbParams(keywords, values, 1));
	if (strcmp(name, "connectdb_params_noexpand") == 0)
		return report(name, PQconnectdbParams(keywords, values, 0));
	if (strcmp(name, "service_params") == 0) {
		const char *const service_keywords[] = { "service", NULL };
		const char *const service_values[] = { arg, NULL };
		return report(name, PQconnectdbParams(service_keywords, service_values, 0));
	}
	if (strcmp(name, "setdb_login") == 0)
		return report(name, PQsetdbLogin(NULL, NULL, NULL, NULL, arg, NULL, NULL));
	if (strcmp(name, "connect_start") == 0)
		return report(name, poll_until_done(PQconnectStart(arg)));
	if (strcmp(name, "connect_start_params") == 0)
		return report(name, poll_until_done(PQconnectStartParams(keywords, values, 1)));
	if (strcmp(name, "ping") == 0 || strcmp(name, "ping_params") == 0) {
		PGPing ping = strcmp(name, "ping") == 0 ? PQping(arg) : PQpingParams(keywords, values, 1);
		printf("%s: ping=%s\n", name, ping_name(ping));
		return ping != PQPING_OK;
	}
	if (strcmp(name, "conninfo_parse") == 0) {
		PGconn *conn = connect_parsed(arg, name);
		return conn ? report(name, conn) : 1;
	}
	fprintf(stderr, "entry_points: unknown step %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		failed |= run_step(argv[i]);
		fflush(stdout);
	}
	PQfinish(held);
	return failed ? 1 : 0;
}
