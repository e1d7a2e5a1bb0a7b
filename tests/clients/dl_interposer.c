/*
 * dl_interposer.c - a preloaded library that wraps getppid() the usual
 * way, with dlsym(RTLD_NEXT): "next" must be next after *this* library,
 * even with the shim's dlsym hook in between.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <unistd.h>

pid_t getppid(void)
{
	pid_t (*next)(void) = (pid_t(*)(void))dlsym(RTLD_NEXT, "getppid");
	return next();
}
