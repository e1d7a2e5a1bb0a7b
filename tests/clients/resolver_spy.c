/*
 * resolver_spy.c - a preloaded test library that watches name lookups.
 *
 * Tests preload it beside the shim to see below every client which names a
 * process asks the system resolver for, and to make chosen names fail as an
 * unreachable DNS server would:
 *
 *   RESOLVER_SPY_LOG=FILE    each getaddrinfo() node is appended to FILE,
 *                            one line per call ("(null)" for a NULL node)
 *   RESOLVER_SPY_FAIL=FILE   a node listed in FILE (one per line) fails
 *                            with EAI_NONAME.  FILE is read at every call,
 *                            so a test can break a name while the program
 *                            runs; a missing FILE fails nothing.
 *   RESOLVER_SPY_HOSTS=FILE  a node listed in FILE as "NAME ADDRESS" (one
 *                            per line) resolves to that numeric ADDRESS, as
 *                            an /etc/hosts entry would: a name of the
 *                            test's own that goes through the resolver
 *                            (libcurl answers "localhost" itself, without
 *                            asking).  Failing wins over this.
 *
 * Numeric addresses are recorded too: a test that wants DNS lookups only
 * filters them out itself.  gethostbyname() and friends are not used by
 * libpq, libcurl, ruby, python, perl's DBD::Pg or PHP's pgsql on glibc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int getaddrinfo_fn(const char *, const char *, const struct addrinfo *,
			   struct addrinfo **);

static void record(const char *node)
{
	const char *path = getenv("RESOLVER_SPY_LOG");
	if (path == NULL)
		return;
	FILE *log = fopen(path, "ae");
	if (log == NULL)
		return;
	fprintf(log, "%s\n", node ? node : "(null)");
	fclose(log);
}

static int listed_to_fail(const char *node)
{
	const char *path = getenv("RESOLVER_SPY_FAIL");
	if (path == NULL || node == NULL)
		return 0;
	FILE *list = fopen(path, "re");
	if (list == NULL)
		return 0;
	char line[1024];
	int listed = 0;
	while (!listed && fgets(line, sizeof line, list) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		listed = strcmp(line, node) == 0;
	}
	fclose(list);
	return listed;
}

/* The ADDRESS FILE gives for node, copied into address; 0 when none. */
static int mapped_address(const char *node, char *address, size_t size)
{
	const char *path = getenv("RESOLVER_SPY_HOSTS");
	if (path == NULL || node == NULL)
		return 0;
	FILE *hosts = fopen(path, "re");
	if (hosts == NULL)
		return 0;
	char line[1024];
	int found = 0;
	while (!found && fgets(line, sizeof line, hosts) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		char *space = strchr(line, ' ');
		if (space == NULL)
			continue;
		*space = '\0';
		if (strcmp(line, node) == 0 && strlen(space + 1) < size) {
			strcpy(address, space + 1);
			found = 1;
		}
	}
	fclose(hosts);
	return found;
}

__attribute__((visibility("default")))
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static getaddrinfo_fn *real;
	if (real == NULL)
		real = (getaddrinfo_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
	record(node);
	if (listed_to_fail(node)) {
		*res = NULL;
		return EAI_NONAME;
	}
	char address[256];
	if (mapped_address(node, address, sizeof address))
		node = address;
	return real ? real(node, service, hints, res) : EAI_SYSTEM;
}
