/*
 * api_budget.c - see api_budget.h.
 *
 * Times are the wall clock's (time(NULL)), which the processes sharing a
 * directory agree on; a second's resolution suits Retry-After.
 */
#define _GNU_SOURCE
#include "api_budget.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache_file.h"
#include "cache.h"
#include "fork_safety.h"
#include "api.h"
#include "lazy_libs.h"

#define API_BUDGET_FILE_VERSION 1
/* Far above any account's budget (Heroku's is 4,500 an hour). */
#define API_BUDGET_REMAINING_MAX 1000000

/* A process talks to one API host (HEROKU_HOST is read once): one budget. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct api_budget_heard own = { .remaining = -1 };

static char *shared_path(const struct hpg_config *config)
{
	char *path = NULL;
	if (config->cache_dir == NULL ||
	    asprintf(&path, "%s/api-budget.%08lx.json", config->cache_dir,
		     cache_host_hash(config->heroku_host)) < 0)
		return NULL;
	return path;
}

static double number_item(const struct cjson_api *json, const cJSON *root, const char *name,
			  double fallback)
{
	const cJSON *item = json->cJSON_GetObjectItemCaseSensitive(root, name);
	return item && json->cJSON_IsNumber(item) ? item->valuedouble : fallback;
}

bool api_budget_parse(const struct cjson_api *json, const char *text, size_t length, time_t now,
		      struct api_budget_heard *out)
{
	*out = (struct api_budget_heard){ .remaining = -1 };	/* nothing heard */
	cJSON *root = json->cJSON_ParseWithLength(text, length);
	if (root == NULL)
		return false;
	bool ok = json->cJSON_IsObject(root) &&
		  number_item(json, root, "version", 0) == API_BUDGET_FILE_VERSION;
	if (ok) {
		/* Every number is checked as a double before it becomes a time_t or a
		 * long: a NaN, an infinity or a huge value converted is undefined. */
		double not_before = number_item(json, root, "not_before", 0);
		double remaining = number_item(json, root, "remaining", -1);
		double heard = number_item(json, root, "heard", 0);
		/* No answer asks for a longer wait: a damaged file must not stop
		 * every process for good (none would ask, so none would mend it). */
		if (not_before == not_before && not_before > (double)now &&
		    not_before <= (double)now + HEROKU_API_RETRY_AFTER_MAX)
			out->not_before = (time_t)not_before;
		/* What was heard in the future, or a budget no account has, was not heard. */
		if (cache_file_time_usable(heard, now) && remaining >= 0 &&
		    remaining <= API_BUDGET_REMAINING_MAX) {
			out->remaining = (long)remaining;
			out->heard = (time_t)heard;
		}
	}
	json->cJSON_Delete(root);
	return ok;
}

/* The shared file's budget into *out; false when there is none to read. */
static bool read_shared(const struct cjson_api *json, const char *path, struct api_budget_heard *out)
{
	*out = (struct api_budget_heard){ .remaining = -1 };	/* nothing heard */
	size_t length = 0;
	char *text = cache_file_read_text(path, &length);
	if (text == NULL)
		return false;
	bool ok = api_budget_parse(json, text, length, time(NULL), out);
	free(text);
	return ok;
}

static void write_shared(const struct cjson_api *json, const char *path, const struct api_budget_heard *b)
{
	cJSON *root = json->cJSON_CreateObject();
	bool ok = root && json->cJSON_AddNumberToObject(root, "version", API_BUDGET_FILE_VERSION) &&
		  json->cJSON_AddNumberToObject(root, "not_before", (double)b->not_before) &&
		  json->cJSON_AddNumberToObject(root, "remaining", (double)b->remaining) &&
		  json->cJSON_AddNumberToObject(root, "heard", (double)b->heard);
	char *text = ok ? json->cJSON_PrintUnformatted(root) : NULL;
	json->cJSON_Delete(root);
	if (text != NULL)
		cache_file_write_text(path, text);
	json->cJSON_free(text);
}

/* Two accounts as one: the further Retry-After, the newer RateLimit-Remaining (b's on a tie). */
static struct api_budget_heard merged(struct api_budget_heard a, const struct api_budget_heard *b)
{
	if (b->not_before > a.not_before)
		a.not_before = b->not_before;
	if (b->heard != 0 && b->heard >= a.heard) {
		a.remaining = b->remaining;
		a.heard = b->heard;
	}
	return a;
}

/* What this process and, with a cache directory, the others heard last. */
static struct api_budget_heard current(const struct hpg_config *config)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct api_budget_heard b = own;
	pthread_mutex_unlock(&lock);

	struct hpg_error err;
	struct api_budget_heard shared;
	char *path = shared_path(config);
	const struct cjson_api *json = path ? lazy_libs_cjson(&err) : NULL;
	if (json != NULL && read_shared(json, path, &shared))
		b = merged(b, &shared);
	free(path);
	return b;
}

void api_budget_note(const struct hpg_config *config, long remaining, long retry_after_seconds)
{
	if (remaining < 0 && retry_after_seconds <= 0)
		return;
	time_t now = time(NULL);
	struct api_budget_heard heard = {
		.not_before = retry_after_seconds > 0 ? now + retry_after_seconds : 0,
		.remaining = remaining,
		.heard = remaining >= 0 ? now : 0,
	};
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	own = merged(own, &heard);
	pthread_mutex_unlock(&lock);

	/* Read, merge, write: a race between two writers loses at worst one
	 * answer, and the next answer puts it right.  While all is well and no
	 * file says otherwise, nothing is written. */
	struct hpg_error err;
	char *path = shared_path(config);
	const struct cjson_api *json = path ? lazy_libs_cjson(&err) : NULL;
	struct api_budget_heard shared = { .remaining = -1 };
	bool noteworthy = retry_after_seconds > 0 ||
			  (remaining >= 0 && remaining < config->ratelimit_floor);
	if (json != NULL && (read_shared(json, path, &shared) || noteworthy)) {
		shared = merged(shared, &heard);
		write_shared(json, path, &shared);
	}
	free(path);
}

long api_budget_wait_seconds(const struct hpg_config *config)
{
	time_t now = time(NULL);
	struct api_budget_heard b = current(config);
	return b.not_before > now ? (long)(b.not_before - now) : 0;
}

bool api_budget_low(const struct hpg_config *config, long *remaining)
{
	*remaining = -1;
	struct api_budget_heard b = current(config);
	*remaining = b.remaining;
	return config->ratelimit_floor > 0 && b.remaining >= 0 && b.remaining < config->ratelimit_floor;
}
