/*
 * optlist.c - ordered libpq options; see optlist.h.
 */
#include "optlist.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"

/* The last entry for keyword: the one libpq uses when the arrays repeat it. */
static ptrdiff_t find(const struct optlist *list, const char *keyword)
{
	for (size_t i = list->count; i > 0; i--)
		if (strcmp(list->keywords[i - 1], keyword) == 0)
			return (ptrdiff_t)(i - 1);
	return -1;
}

/* Room for one more entry plus the NULL terminators. */
static bool reserve(struct optlist *list)
{
	if (list->count + 1 < list->capacity)
		return true;
	size_t capacity = list->capacity ? list->capacity * 2 : 16;
	char **keywords = realloc(list->keywords, capacity * sizeof(char *));
	if (keywords == NULL)
		return false;
	list->keywords = keywords;
	char **values = realloc(list->values, capacity * sizeof(char *));
	if (values == NULL)
		return false;
	list->values = values;
	list->capacity = capacity;
	return true;
}

/* Adds an entry that owns copy; wipes and frees copy when out of memory. */
static bool append(struct optlist *list, const char *keyword, char *copy)
{
	char *keyword_copy = strdup(keyword);
	if (keyword_copy == NULL || !reserve(list)) {
		free(keyword_copy);
		secret_free(copy);
		return false;
	}
	list->keywords[list->count] = keyword_copy;
	list->values[list->count] = copy;
	list->count++;
	list->keywords[list->count] = NULL;
	list->values[list->count] = NULL;
	return true;
}

bool optlist_set(struct optlist *list, const char *keyword, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return false;

	ptrdiff_t at = find(list, keyword);
	if (at >= 0) {
		secret_free(list->values[at]);
		list->values[at] = copy;
		return true;
	}
	return append(list, keyword, copy);
}

bool optlist_append(struct optlist *list, const char *keyword, const char *value)
{
	char *copy = strdup(value);
	return copy != NULL && append(list, keyword, copy);
}

const char *optlist_get(const struct optlist *list, const char *keyword)
{
	ptrdiff_t at = find(list, keyword);
	return at >= 0 ? list->values[at] : NULL;
}

void optlist_remove(struct optlist *list, const char *keyword)
{
	ptrdiff_t at = find(list, keyword);
	if (at < 0)
		return;
	free(list->keywords[at]);
	secret_free(list->values[at]);
	/* Move the tail, NULL terminators included. */
	memmove(&list->keywords[at], &list->keywords[at + 1],
		(list->count - (size_t)at) * sizeof(char *));
	memmove(&list->values[at], &list->values[at + 1],
		(list->count - (size_t)at) * sizeof(char *));
	list->count--;
}

bool optlist_add_parsed(struct optlist *list, const PQconninfoOption *options)
{
	for (const PQconninfoOption *o = options; o->keyword != NULL; o++)
		if (o->val != NULL && o->val[0] != '\0' &&
		    !optlist_set(list, o->keyword, o->val))
			return false;
	return true;
}

void optlist_free(struct optlist *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->keywords[i]);
		secret_free(list->values[i]);
	}
	free(list->keywords);
	free(list->values);
	*list = (struct optlist)OPTLIST_INIT;
}
