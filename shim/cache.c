/*
 * cache.c - see cache.h.
 */
#define _GNU_SOURCE
#include "cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cache_file.h"
#include "cache_memory.h"
#include "debug.h"

/* FNV-1a: a short, stable name part for any HEROKU_HOST. */
static uint32_t name_hash(const char *text)
{
	uint32_t hash = 2166136261u;
	for (; *text != '\0'; text++)
		hash = (hash ^ (unsigned char)*text) * 16777619u;
	return hash;
}

unsigned long cache_host_hash(const char *heroku_host)
{
	return name_hash(heroku_host ? heroku_host : "");
}

char *cache_key(const char *heroku_host, const char *app, const char *config_var)
{
	/* app and config_var are letters, digits, '-' and '_' (placeholder.c) */
	char *key = NULL;
	if (asprintf(&key, "%s.%s.%08lx", app, config_var, cache_host_hash(heroku_host)) < 0)
		return NULL;
	return key;
}

bool cache_usable(const struct hpg_config *config, struct hpg_error *err)
{
	return config->cache_dir == NULL || cache_file_dir_check(config->cache_dir, err);
}

/* Reads the shared file for key, if there is one to read. */
static bool read_shared(const struct hpg_config *config, const char *key,
			struct credential *out, char **etag, time_t *fetched)
{
	*out = (struct credential)CREDENTIAL_INIT;
	*etag = NULL;
	*fetched = 0;
	struct hpg_error err;
	const struct cjson_api *json = config->cache_dir ? lazy_libs_cjson(&err) : NULL;
	char *path = json ? cache_file_path(config->cache_dir, key) : NULL;
	bool found = path && cache_file_read(json, path, out, etag, fetched);
	free(path);
	return found;
}

bool cache_get_fresh(const struct hpg_config *config, const char *key, struct credential *out)
{
	*out = (struct credential)CREDENTIAL_INIT;
	long ttl = config->cache_ttl_seconds;
	if (ttl <= 0)
		return false;
	if (cache_memory_get_fresh(key, ttl, out))
		return true;

	char *etag = NULL;
	time_t fetched;
	if (!read_shared(config, key, out, &etag, &fetched))
		return false;
	time_t age = time(NULL) - fetched;
	bool fresh = age >= 0 && age < ttl;
	if (fresh) {
		hpg_debug("credential for %s from the shared cache (HPGSHIM_CACHE_DIR)", key);
		cache_memory_put(key, out, etag); /* the next connect in this process needs no file */
	} else {
		credential_free(out);
	}
	free(etag);
	return fresh;
}

bool cache_get_validator(const struct hpg_config *config, const char *key,
			 struct credential *out, char **etag)
{
	time_t fetched;
	/* Each reader sets *out and *etag on entry: after a miss they are empty. */
	if (cache_memory_get_validator(key, out, etag))
		return true;
	if (!read_shared(config, key, out, etag, &fetched))
		return false;
	if (*etag == NULL) {
		credential_free(out);
		return false;
	}
	return true;
}

bool cache_get_held(const struct hpg_config *config, const char *key, long max_age_seconds,
		    struct credential *out, long *age_seconds)
{
	*out = (struct credential)CREDENTIAL_INIT;
	*age_seconds = 0;
	if (cache_memory_get_held(key, max_age_seconds, out, age_seconds))
		return true;

	char *etag = NULL;
	time_t fetched;
	if (!read_shared(config, key, out, &etag, &fetched))
		return false;
	free(etag);
	time_t age = time(NULL) - fetched;
	if (age < 0 || age > max_age_seconds) {
		credential_free(out);
		return false;
	}
	*age_seconds = (long)age;
	return true;
}

void cache_put(const struct hpg_config *config, const char *key,
	       const struct credential *cred, const char *etag)
{
	cache_memory_put(key, cred, etag);
	struct hpg_error err;
	const struct cjson_api *json = config->cache_dir ? lazy_libs_cjson(&err) : NULL;
	char *path = json ? cache_file_path(config->cache_dir, key) : NULL;
	if (path != NULL)
		cache_file_write(json, path, cred, etag);
	free(path);
}

void cache_forget(const struct hpg_config *config, const char *key,
		  const struct credential *only_if)
{
	cache_memory_mark_stale(key, only_if);
	struct credential held;
	char *etag = NULL;
	time_t fetched;
	if (only_if != NULL && read_shared(config, key, &held, &etag, &fetched)) {
		bool same = credential_equal(&held, only_if);
		credential_free(&held);
		free(etag);
		if (!same)
			return;
	}
	char *path = config->cache_dir ? cache_file_path(config->cache_dir, key) : NULL;
	if (path != NULL)
		cache_file_drop(path);
	free(path);
}

bool cache_claim_recheck(const struct hpg_config *config, const char *key, long interval_seconds)
{
	if (!cache_memory_claim_recheck(key, interval_seconds))
		return false;
	char *path = NULL;
	if (config->cache_dir == NULL || asprintf(&path, "%s/%s.recheck", config->cache_dir, key) < 0)
		return true;
	bool claimed = cache_file_claim(path, interval_seconds);
	free(path);
	return claimed;
}
