/*
 * api_answer.c - the config-vars JSON; see api_answer.h.
 */
#define _GNU_SOURCE
#include "api_answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "A, B, C" of the keys ending in _URL, or "none". */
static void list_url_names(const cJSON *object, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const cJSON *item = object->child; item != NULL && used < size; item = item->next) {
		if (item->string == NULL || !ends_with(item->string, "_URL"))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", item->string);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "none");
}

bool api_answer_config_var(const struct cjson_api *json, const char *body, size_t length,
			const char *name, char **value, struct hpg_error *err)
{
	*value = NULL;
	cJSON *root = json->cJSON_ParseWithLength(body, length);
	if (root == NULL || !json->cJSON_IsObject(root)) {
		hpg_error_set(err, "the Heroku API answered with a body that is not a JSON "
			      "object of config vars; check HEROKU_HOST");
		if (root != NULL)
			secret_json_delete(json, root);
		return false;
	}

	const cJSON *item = json->cJSON_GetObjectItemCaseSensitive(root, name);
	char *attachment_var = NULL;
	bool attachment = !ends_with(name, "_URL");
	if (item == NULL && attachment && asprintf(&attachment_var, "%s_URL", name) >= 0) {
		item = json->cJSON_GetObjectItemCaseSensitive(root, attachment_var);
		free(attachment_var);
	}

	bool ok = false;
	if (item == NULL) {
		char names[400];
		list_url_names(root, names, sizeof names);
		hpg_error_set(err, "the app has no config var %s%s%s; its *_URL config vars are: %s",
			      name, attachment ? " nor " : "", attachment ? "an attachment of that name" : "",
			      names);
	} else if (!json->cJSON_IsString(item) || item->valuestring == NULL) {
		hpg_error_set(err, "config var %s is not a string", item->string);
	} else if ((*value = strdup(item->valuestring)) == NULL) {
		hpg_error_set(err, "out of memory");
	} else {
		ok = true;
	}
	secret_json_delete(json, root);
	return ok;
}

char *api_answer_error_id(const struct cjson_api *json, const char *body, size_t length)
{
	cJSON *root = json->cJSON_ParseWithLength(body, length);
	if (root == NULL)
		return NULL;
	const cJSON *id = json->cJSON_GetObjectItemCaseSensitive(root, "id");
	char *copy = NULL;
	/* An id is a short word such as "not_found"; anything else, an empty
	 * one included, is not shown. */
	if (id != NULL && json->cJSON_IsString(id) && id->valuestring != NULL &&
	    id->valuestring[0] != '\0' && strlen(id->valuestring) < 40 &&
	    strspn(id->valuestring, "abcdefghijklmnopqrstuvwxyz_") == strlen(id->valuestring))
		copy = strdup(id->valuestring);
	secret_json_delete(json, root);
	return copy;
}
