/*
 * api_answer.h - reading the JSON the config-vars endpoint answers, with cJSON.
 */
#ifndef HPGSHIM_API_ANSWER_H
#define HPGSHIM_API_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "lazy_libs.h"

/*
 * Finds config var `name` in body, a JSON object of names to strings.  When
 * there is no such var but there is name + "_URL" (name is an attachment such
 * as HEROKU_POSTGRESQL_VIOLET), that one is taken.  *value is malloc'd;
 * release it with secret_free().  On failure err says why; when the var is
 * missing it lists the names (never the values) of the vars ending in _URL.
 * A body that is not UTF-8 is not JSON (RFC 8259): refused whole.
 */
bool api_answer_config_var(const struct cjson_api *json, const char *body, size_t length,
			   const char *name, char **value, struct hpg_error *err);

/*
 * api_answer_config_var(), and on failure whether the body was a JSON
 * object of config vars that says no: the var is missing, or not a string
 * (*said_no, set on entry).  A body that is not such an object, or memory
 * running out, says nothing.
 */
bool api_answer_find_config_var(const struct cjson_api *json, const char *body, size_t length,
				const char *name, char **value, bool *said_no,
				struct hpg_error *err);

/* The "id" of a Heroku error body ({"id": "not_found", ...}), malloc'd, or NULL. */
char *api_answer_error_id(const struct cjson_api *json, const char *body, size_t length);

#endif
