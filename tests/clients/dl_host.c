/*
 * dl_host.c - a program that uses dlopen and dlsym the ways real programs
 * do, to show that the shim's dlopen and dlsym hooks change nothing but
 * what they must (tests/integration/test_dl_hooks.py).
 *
 * usage: dl_host deepbind MODULE      dlopen(RTLD_DEEPBIND), print MODULE's probe()
 *        dl_host runpath MODULE NAME  MODULE dlopens NAME by bare name (its RUNPATH)
 *        dl_host libpq CONNINFO       psycopg 3's way: dlopen libpq, dlsym each function
 *        dl_host getppid              call getppid() (an interposer may wrap it)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

/* Also defined by the probe modules: which one a module's call binds to
 * shows whether it was loaded with RTLD_DEEPBIND. */
int dl_probe_helper(void)
{
	return 1;
}

static int deepbind(const char *module)
{
	void *handle = dlopen(module, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	int (*probe)(void) = handle ? (int (*)(void))dlsym(handle, "dl_probe") : NULL;
	if (probe == NULL) {
		printf("deepbind: %s\n", dlerror());
		return 1;
	}
	printf("deepbind: %s\n", probe() == 2 ? "module's own" : "program's");
	return 0;
}

static int runpath(const char *module, const char *name)
{
	void *handle = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	int (*load)(const char *) = handle ? (int (*)(const char *))dlsym(handle, "dl_load") : NULL;
	if (load == NULL) {
		printf("runpath: %s\n", dlerror());
		return 1;
	}
	int loaded = load(name);
	printf("runpath: %s\n", loaded ? "found" : dlerror());
	return !loaded;
}

static int libpq_by_dlsym(const char *conninfo)
{
	void *libpq = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
	PGconn *(*connectdb)(const char *) = (PGconn * (*)(const char *)) dlsym(libpq, "PQconnectdb");
	ConnStatusType (*status)(const PGconn *) =
		(ConnStatusType(*)(const PGconn *))dlsym(libpq, "PQstatus");
	char *(*error_message)(const PGconn *) = (char *(*)(const PGconn *))dlsym(libpq, "PQerrorMessage");
	void (*finish)(PGconn *) = (void (*)(PGconn *))dlsym(libpq, "PQfinish");
	void *exec = dlsym(libpq, "PQexec");

	Dl_info where;
	printf("PQexec from: %s\n", exec && dladdr(exec, &where) ? where.dli_fname : "nowhere");
	printf("PQconnectdb from: %s\n",
	       connectdb && dladdr((void *)connectdb, &where) ? where.dli_fname : "nowhere");
	PGconn *conn = connectdb(conninfo);
	if (status(conn) == CONNECTION_OK)
		printf("status: ok\n");
	else
		printf("status: bad: %s", error_message(conn));
	finish(conn);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "deepbind") == 0)
		return deepbind(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "runpath") == 0)
		return runpath(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "libpq") == 0)
		return libpq_by_dlsym(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "getppid") == 0)
		return printf("getppid: %s\n", getppid() > 0 ? "ok" : "failed") < 0;
	fprintf(stderr, "usage: see dl_host.c\n");
	return 2;
}
