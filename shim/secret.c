/*
 * secret.c - see secret.h.
 */
#define _GNU_SOURCE
#include "secret.h"

#include <stdlib.h>
#include <string.h>

void secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void wipe_tree(cJSON *item)
{
	for (; item != NULL; item = item->next) {
		if (item->valuestring != NULL)
			explicit_bzero(item->valuestring, strlen(item->valuestring));
		wipe_tree(item->child);
	}
}

void secret_json_delete(const struct cjson_api *json, cJSON *root)
{
	wipe_tree(root);
	json->cJSON_Delete(root);
}

void secret_conninfo_free(const struct libpq_api *pq, PQconninfoOption *options)
{
	if (options == NULL)
		return;
	for (PQconninfoOption *o = options; o->keyword != NULL; o++)
		if (o->val != NULL)
			explicit_bzero(o->val, strlen(o->val));
	pq->PQconninfoFree(options);
}

void secret_slist_free(const struct curl_api *curl, struct curl_slist *list)
{
	for (struct curl_slist *item = list; item != NULL; item = item->next)
		explicit_bzero(item->data, strlen(item->data));
	curl->curl_slist_free_all(list);
}
