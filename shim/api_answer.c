/*
 * api_answer.c - the config-vars JSON; see api_answer.h.
 */
#define _GNU_SOURCE
#include "api_answer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

/*
 * Whether text is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  JSON exchanged between systems must
 * be UTF-8 (RFC 8259, section 8.1), and cJSON does not check: without this,
 * a password with stray bytes would reach the server, be rejected, and cost
 * the whole rotation wait before the user saw why.
 */
static bool is_utf8(const unsigned char *text, size_t length)
{
	size_t i = 0;
	while (i < length) {
		unsigned char c = text[i];
		size_t more;
		unsigned char low = 0x80, high = 0xBF;	/* the second byte's range */
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			more = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			more = 2;
			if (c == 0xE0)
				low = 0xA0;	/* overlong */
			else if (c == 0xED)
				high = 0x9F;	/* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			more = 3;
			if (c == 0xF0)
				low = 0x90;	/* overlong */
			else if (c == 0xF4)
				high = 0x8F;	/* above U+10FFFF */
		} else {
			return false;
		}
		if (length - i <= more || text[i + 1] < low || text[i + 1] > high)
			return false;
		for (size_t k = 2; k <= more; k++)
			if ((text[i + k] & 0xC0) != 0x80)
				return false;
		i += more + 1;
	}
	return true;
}

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
	bool said_no;
	return api_answer_find_config_var(json, body, length, name, value, &said_no, err);
}

bool api_answer_find_config_var(const struct cjson_api *json, const char *body, size_t length,
				const char *name, char **value, bool *said_no,
				struct hpg_error *err)
{
	*value = NULL;
	*said_no = false;
	if (!is_utf8((const unsigned char *)body, length)) {
		hpg_error_set(err, "the Heroku API answered with a body that is not UTF-8, so not "
			      "JSON (RFC 8259); check HEROKU_HOST, and that the app's config vars "
			      "hold text");
		return false;
	}
	/* cJSON returns NULL for a syntax error and for no memory alike;
	 * malloc's ENOMEM (POSIX) tells them apart. */
	errno = 0;
	cJSON *root = json->cJSON_ParseWithLength(body, length);
	if (root == NULL && errno == ENOMEM) {
		hpg_error_set(err, "out of memory while reading the Heroku API's answer");
		return false;
	}
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
	bool out_of_memory = false;
	if (item == NULL && attachment) {
		if (asprintf(&attachment_var, "%s_URL", name) >= 0) {
			item = json->cJSON_GetObjectItemCaseSensitive(root, attachment_var);
			free(attachment_var);
		} else {
			out_of_memory = true;
		}
	}

	bool ok = false;
	if (out_of_memory) {
		hpg_error_set(err, "out of memory");
	} else if (item == NULL) {
		*said_no = true;
		char names[400];
		list_url_names(root, names, sizeof names);
		hpg_error_set(err, "the app has no config var %s%s%s; its *_URL config vars are: %s",
			      name, attachment ? " nor " : "", attachment ? "an attachment of that name" : "",
			      names);
	} else if (!json->cJSON_IsString(item) || item->valuestring == NULL) {
		*said_no = true;
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
	if (!is_utf8((const unsigned char *)body, length))
		return NULL;
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
