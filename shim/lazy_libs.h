/*
 * lazy_libs.h - libcurl and cJSON, opened with dlopen() on first use.
 *
 * The shim is preloaded into every process of a CI job, most of which never
 * connect to a database.  Linking libcurl would make each of them map
 * libcurl, OpenSSL and their dependencies at start-up; instead the first
 * placeholder connection opens them (RTLD_LOCAL, so the host program's own
 * symbol lookups are not affected).  The tables are filled once and stay
 * valid for the life of the process.
 */
#ifndef HPGSHIM_LAZY_LIBS_H
#define HPGSHIM_LAZY_LIBS_H

/* curl.h turns curl_easy_setopt into a type-checking macro, which cannot
 * stand for a member of a function table. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <cJSON.h>

#include "error.h"

#define CURL_API_FUNCTIONS(X) \
	X(curl_global_init)   \
	X(curl_easy_init)     \
	X(curl_easy_setopt)   \
	X(curl_easy_perform)  \
	X(curl_easy_getinfo)  \
	X(curl_easy_strerror) \
	X(curl_easy_cleanup)  \
	X(curl_easy_reset)    \
	X(curl_easy_escape)   \
	X(curl_free)          \
	X(curl_slist_append)  \
	X(curl_slist_free_all) \
	X(curl_url)           \
	X(curl_url_set)       \
	X(curl_url_get)       \
	X(curl_url_cleanup)   \
	X(curl_version_info)

#define CJSON_API_FUNCTIONS(X)            \
	X(cJSON_ParseWithLength)          \
	X(cJSON_Delete)                   \
	X(cJSON_IsObject)                 \
	X(cJSON_IsString)                 \
	X(cJSON_IsNumber)                 \
	X(cJSON_GetObjectItemCaseSensitive) \
	X(cJSON_CreateObject)             \
	X(cJSON_AddStringToObject)        \
	X(cJSON_AddNumberToObject)        \
	X(cJSON_PrintUnformatted)         \
	X(cJSON_free)

#define LAZY_LIBS_MEMBER(name) __typeof__(&name) name;
struct curl_api {
	CURL_API_FUNCTIONS(LAZY_LIBS_MEMBER)
};
struct cjson_api {
	CJSON_API_FUNCTIONS(LAZY_LIBS_MEMBER)
};
#undef LAZY_LIBS_MEMBER

/* Both tables, or NULL with the reason in err.  Thread-safe. */
const struct curl_api *lazy_libs_curl(struct hpg_error *err);
const struct cjson_api *lazy_libs_cjson(struct hpg_error *err);

#endif
