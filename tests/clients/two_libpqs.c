/*
 * two_libpqs.c - a program that loads modules each linked with a libpq of
 * its own (tests/clients/bundled_module.c), with dlopen(RTLD_LOCAL) as
 * Python loads extension modules, and uses them side by side: each module's
 * connections must be made, used, reset and finished by its own libpq
 * (tests/integration/test_two_libpqs.py).
 *
 * usage: two_libpqs QUERY MODULE... -- CONNINFO...
 *
 * Prints "module N: libpq VERSION" for each module (its PQlibVersion()),
 * then for each conninfo: every module connects, then each (last first)
 * prints QUERY's value, resets its connection and prints the value again,
 * then each finishes its connection.  Lines are "module N: VALUE" or
 * "module N: failed: MESSAGE"; "module N after reset: ..." after the reset.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#define MAX_MODULES 4

struct module {
	int (*libpq_version)(void);
	PGconn *(*connect)(const char *conninfo);
	int (*print_value)(PGconn *conn, const char *query, const char *prefix);
	void (*reset)(PGconn *conn);
	void (*finish)(PGconn *conn);
};

static int load(const char *path, struct module *m)
{
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		fprintf(stderr, "two_libpqs: %s\n", dlerror());
		return -1;
	}
	*(void **)&m->libpq_version = dlsym(handle, "bundled_libpq_version");
	*(void **)&m->connect = dlsym(handle, "bundled_connect");
	*(void **)&m->print_value = dlsym(handle, "bundled_print_value");
	*(void **)&m->reset = dlsym(handle, "bundled_reset");
	*(void **)&m->finish = dlsym(handle, "bundled_finish");
	if (!m->libpq_version || !m->connect || !m->print_value || !m->reset || !m->finish) {
		fprintf(stderr, "two_libpqs: %s is not a bundled_module\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct module modules[MAX_MODULES];
	PGconn *conns[MAX_MODULES];
	char prefix[MAX_MODULES][32];
	int n = 0, i = 2, failures = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: two_libpqs QUERY MODULE... -- CONNINFO...\n");
		return 2;
	}
	const char *query = argv[1];
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (n == MAX_MODULES || load(argv[i], &modules[n]) != 0)
			return 2;
		printf("module %d: libpq %d\n", n + 1, modules[n].libpq_version());
		n++;
	}
	fflush(stdout);
	for (i++; i < argc; i++) {
		for (int m = 0; m < n; m++)
			conns[m] = modules[m].connect(argv[i]);
		for (int m = n - 1; m >= 0; m--) {
			snprintf(prefix[m], sizeof prefix[m], "module %d: ", m + 1);
			failures += modules[m].print_value(conns[m], query, prefix[m]) != 0;
			modules[m].reset(conns[m]);
			snprintf(prefix[m], sizeof prefix[m], "module %d after reset: ", m + 1);
			failures += modules[m].print_value(conns[m], query, prefix[m]) != 0;
		}
		for (int m = 0; m < n; m++)
			modules[m].finish(conns[m]);
	}
	return failures != 0;
}
