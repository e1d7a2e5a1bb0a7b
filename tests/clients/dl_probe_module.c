/*
 * dl_probe_module.c - a module dl_host loads (built twice by the test: with
 * and without a dependency on libpq).
 */
#include <dlfcn.h>
#include <stddef.h>

int dl_probe_helper(void)
{
	return 2;
}

/* 2 when this module's own dl_probe_helper is bound (RTLD_DEEPBIND), 1 when
 * the program's is. */
int dl_probe(void)
{
	return dl_probe_helper();
}

/* dlopen by bare name from here: the search uses this module's RUNPATH. */
int dl_load(const char *name)
{
	return dlopen(name, RTLD_NOW | RTLD_LOCAL) != NULL;
}
