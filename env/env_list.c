/*
 * env_list.c - see env_list.h.
 */
#define _GNU_SOURCE
#include "env_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

/* The index of name's entry, or list->count. */
static size_t find(const struct env_list *list, const char *name, size_t length)
{
	size_t i;
	for (i = 0; i < list->count; i++)
		if (strncmp(list->entries[i], name, length) == 0 && list->entries[i][length] == '=')
			break;
	return i;
}

/* Takes entry (malloc'd "NAME=VALUE") into the list; frees it on failure. */
static bool put(struct env_list *list, char *entry)
{
	size_t length = strcspn(entry, "=");
	size_t i = find(list, entry, length);
	if (i < list->count) {
		secret_free(list->entries[i]);
		list->entries[i] = entry;
		return true;
	}
	if (list->count + 1 >= list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 64;
		char **grown = realloc(list->entries, capacity * sizeof *grown);
		if (grown == NULL) {
			secret_free(entry);
			return false;
		}
		list->entries = grown;
		list->capacity = capacity;
	}
	list->entries[list->count++] = entry;
	list->entries[list->count] = NULL;
	return true;
}

bool env_list_copy(struct env_list *out, char *const *envp)
{
	*out = (struct env_list)ENV_LIST_INIT;
	for (char *const *e = envp; e != NULL && *e != NULL; e++) {
		if (strchr(*e, '=') == NULL)
			continue; /* not an assignment: execve() would pass it, no one reads it */
		char *copy = strdup(*e);
		if (copy == NULL || !put(out, copy)) {
			env_list_free(out);
			return false;
		}
	}
	return true;
}

bool env_list_set(struct env_list *list, const char *name, const char *value)
{
	char *entry = NULL;
	if (asprintf(&entry, "%s=%s", name, value) < 0)
		return false;
	return put(list, entry);
}

const char *env_list_get(const struct env_list *list, const char *name)
{
	size_t length = strlen(name);
	size_t i = find(list, name, length);
	return i < list->count ? list->entries[i] + length + 1 : NULL;
}

void env_list_unset(struct env_list *list, const char *name)
{
	size_t i = find(list, name, strlen(name));
	if (i == list->count)
		return;
	secret_free(list->entries[i]);
	memmove(&list->entries[i], &list->entries[i + 1], (list->count - i) * sizeof *list->entries);
	list->count--;
}

char *env_list_name(const struct env_list *list, size_t i)
{
	return strndup(list->entries[i], strcspn(list->entries[i], "="));
}

void env_list_free(struct env_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		secret_free(list->entries[i]);
	free(list->entries);
	*list = (struct env_list)ENV_LIST_INIT;
}
