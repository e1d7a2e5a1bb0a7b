/*
 * env_list.h - the environment COMMAND gets, as a list of "NAME=VALUE".
 *
 * Built before COMMAND starts, handed to posix_spawn() as its envp.  Some
 * values hold a database password: env_list_free() wipes every entry.
 */
#ifndef HPGSHIM_ENV_LIST_H
#define HPGSHIM_ENV_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct env_list {
	char **entries;		/* "NAME=VALUE", NULL-terminated: an envp */
	size_t count;
	size_t capacity;
};

#define ENV_LIST_INIT { .entries = NULL, .count = 0, .capacity = 0 }

/* Copies envp (NULL: nothing) into *out, set empty on entry.  False when out of memory. */
bool env_list_copy(struct env_list *out, char *const *envp);

/* Sets name to value, replacing an earlier value in place.  False when out of memory. */
bool env_list_set(struct env_list *list, const char *name, const char *value);

/* The value of name, or NULL.  Owned by the list. */
const char *env_list_get(const struct env_list *list, const char *name);

/* Removes name if present, wiping its entry. */
void env_list_unset(struct env_list *list, const char *name);

/* The name of entry i, malloc'd, or NULL when out of memory. */
char *env_list_name(const struct env_list *list, size_t i);

/* Wipes and frees everything; the list is empty and reusable afterwards. */
void env_list_free(struct env_list *list);

#endif
