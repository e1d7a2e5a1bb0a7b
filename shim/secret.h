/*
 * secret.h - freeing memory that may hold a secret, wiped first.
 *
 * The API token and the database password pass through plain strings,
 * cJSON's trees (the API's answer, the shared cache file), libpq's parsed
 * options (a URL's, a caller's conninfo) and libcurl's header lists.  Each
 * kind is released here, and only here, after its bytes are overwritten
 * with explicit_bzero(), which the compiler may not
 * optimise away.
 */
#ifndef HPGSHIM_SECRET_H
#define HPGSHIM_SECRET_H

#include "lazy_libs.h"
#include "libpq_api.h"

/* Wipes and frees s; NULL is fine. */
void secret_free(char *s);

/* Wipes every string of the tree (cJSON keeps its own copies), then deletes it. */
void secret_json_delete(const struct cjson_api *json, cJSON *root);

/* Wipes every option's value (one may be a password), then PQconninfoFree()s them. */
void secret_conninfo_free(const struct libpq_api *pq, PQconninfoOption *options);

/* Wipes every header line (one may be "Authorization: Bearer ..."), then frees the list. */
void secret_slist_free(const struct curl_api *curl, struct curl_slist *list);

#endif
