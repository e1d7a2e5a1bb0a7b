/*
 * lazy_libs.c - dlopen() libcurl and cJSON on first use; see lazy_libs.h.
 */
#define _GNU_SOURCE
#include "lazy_libs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>

#include "glibc_dl.h"

/* The sonames of Debian's libcurl4 (OpenSSL flavour) and libcjson1. */
#define CURL_SONAME "libcurl.so.4"
#define CJSON_SONAME "libcjson.so.1"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct curl_api curl;
static struct cjson_api cjson;
static bool curl_ok, cjson_ok;
static struct hpg_error curl_err, cjson_err;

static void *open_library(const char *soname, struct hpg_error *err)
{
	void *handle = glibc_dlopen()(soname, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL)
		hpg_error_set(err, "cannot load %s (%s); install it (Debian: libcurl4 and libcjson1)",
			      soname, dlerror());
	return handle;
}

#define LAZY_LIBS_BIND(table, handle, err, name)                                   \
	if ((table.name = (__typeof__(table.name))glibc_dlsym()(handle, #name)) == NULL) { \
		hpg_error_set(err, "%s has no symbol %s; it is too old", #handle, #name); \
		return false;                                                       \
	}

static bool bind_curl(void *libcurl)
{
#define BIND(name) LAZY_LIBS_BIND(curl, libcurl, &curl_err, name)
	CURL_API_FUNCTIONS(BIND)
#undef BIND
	/* curl_global_init is thread-safe since 7.84; calling it here, once,
	 * keeps it out of the program's threads anyway. */
	if (curl.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		hpg_error_set(&curl_err, "libcurl failed to initialise");
		return false;
	}
	return true;
}

static bool bind_cjson(void *libcjson)
{
#define BIND(name) LAZY_LIBS_BIND(cjson, libcjson, &cjson_err, name)
	CJSON_API_FUNCTIONS(BIND)
#undef BIND
	return true;
}

static void load_both(void)
{
	void *libcurl = open_library(CURL_SONAME, &curl_err);
	void *libcjson = open_library(CJSON_SONAME, &cjson_err);
	curl_ok = libcurl != NULL && bind_curl(libcurl);
	cjson_ok = libcjson != NULL && bind_cjson(libcjson);
}

const struct curl_api *lazy_libs_curl(struct hpg_error *err)
{
	pthread_once(&once, load_both);
	if (!curl_ok)
		*err = curl_err;
	return curl_ok ? &curl : NULL;
}

const struct cjson_api *lazy_libs_cjson(struct hpg_error *err)
{
	pthread_once(&once, load_both);
	if (!cjson_ok)
		*err = cjson_err;
	return cjson_ok ? &cjson : NULL;
}
