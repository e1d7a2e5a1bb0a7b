/*
 * optlist.h - an ordered list of libpq connection options (keyword, value).
 *
 * The common currency of the core: every connect entry point's arguments are
 * turned into an optlist, the placeholder's query and the credential are
 * merged into one, and the result is handed to the real libpq as the
 * keyword/value arrays of PQconnectdbParams(), never pasted into a string.
 *
 * Ownership: the list owns copies of every keyword and value.  optlist_free()
 * wipes the values (one of them may be a password) before freeing them.
 */
#ifndef HPGSHIM_OPTLIST_H
#define HPGSHIM_OPTLIST_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

struct optlist {
	char **keywords;	/* NULL-terminated, for PQconnectdbParams */
	char **values;		/* parallel to keywords, NULL-terminated */
	size_t count;
	size_t capacity;
};

#define OPTLIST_INIT {NULL, NULL, 0, 0}

/*
 * A keyword appears once, unless optlist_append() adds it again; set, get
 * and remove then act on its last entry, the one libpq uses when keyword
 * arrays repeat a keyword.
 */

/* Sets keyword to value, replacing an earlier value.  False when out of memory. */
bool optlist_set(struct optlist *list, const char *keyword, const char *value);

/* Adds keyword = value at the end, even when keyword is there already.
 * False when out of memory. */
bool optlist_append(struct optlist *list, const char *keyword, const char *value);

/* The value of keyword, or NULL.  Owned by the list. */
const char *optlist_get(const struct optlist *list, const char *keyword);

/* Removes keyword if present, wiping its value. */
void optlist_remove(struct optlist *list, const char *keyword);

/* Appends every option that has a non-empty value (as libpq counts "given"). */
bool optlist_add_parsed(struct optlist *list, const PQconninfoOption *options);

/* Wipes and frees everything; the list is empty and reusable afterwards. */
void optlist_free(struct optlist *list);

#endif
