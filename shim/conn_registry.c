/*
 * conn_registry.c - see conn_registry.h.
 */
#include "conn_registry.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fork_safety.h"

struct record {
	struct record *next;
	const PGconn *conn;
	char *error;		/* shim's message, or NULL */
	char *origin;		/* key of the credential it was made with, or NULL */
	bool pending;		/* an attempt the program drives is under way */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct record *records;
static int record_count;	/* read without the lock by conn_registry_empty() */

bool conn_registry_empty(void)
{
	return __atomic_load_n(&record_count, __ATOMIC_ACQUIRE) == 0;
}

static struct record *find(const PGconn *conn)
{
	for (struct record *r = records; r != NULL; r = r->next)
		if (r->conn == conn)
			return r;
	return NULL;
}

static struct record *find_or_add(const PGconn *conn)
{
	struct record *r = find(conn);
	if (r == NULL && (r = calloc(1, sizeof *r)) != NULL) {
		r->conn = conn;
		r->next = records;
		records = r;
		__atomic_add_fetch(&record_count, 1, __ATOMIC_RELEASE);
	}
	return r;
}

static bool set_field(const PGconn *conn, size_t field_offset, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return false;
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct record *r = find_or_add(conn);
	if (r != NULL) {
		char **field = (char **)((char *)r + field_offset);
		free(*field);
		*field = copy;
	}
	pthread_mutex_unlock(&lock);
	if (r == NULL)
		free(copy);
	return r != NULL;
}

bool conn_registry_set_error(const PGconn *conn, const char *message)
{
	return set_field(conn, offsetof(struct record, error), message);
}

bool conn_registry_set_origin(const PGconn *conn, const char *key, bool pending)
{
	if (!set_field(conn, offsetof(struct record, origin), key))
		return false;
	if (pending)
		conn_registry_mark_pending(conn);
	return true;
}

void conn_registry_mark_pending(const PGconn *conn)
{
	if (conn_registry_empty())
		return;
	pthread_mutex_lock(&lock);
	struct record *r = find(conn);
	if (r != NULL && r->origin != NULL)
		r->pending = true;
	pthread_mutex_unlock(&lock);
}

const char *conn_registry_error(const PGconn *conn)
{
	if (conn_registry_empty())
		return NULL;
	pthread_mutex_lock(&lock);
	struct record *r = find(conn);
	const char *message = r ? r->error : NULL;
	pthread_mutex_unlock(&lock);
	return message;
}

char *conn_registry_take_pending(const PGconn *conn)
{
	if (conn_registry_empty())
		return NULL;
	pthread_mutex_lock(&lock);
	struct record *r = find(conn);
	char *key = NULL;
	if (r != NULL && r->pending) {
		r->pending = false;
		key = strdup(r->origin);
	}
	pthread_mutex_unlock(&lock);
	return key;
}

void conn_registry_forget(const PGconn *conn)
{
	if (conn_registry_empty())
		return;
	pthread_mutex_lock(&lock);
	for (struct record **link = &records; *link != NULL; link = &(*link)->next) {
		struct record *r = *link;
		if (r->conn != conn)
			continue;
		*link = r->next;
		free(r->error);
		free(r->origin);
		free(r);
		__atomic_sub_fetch(&record_count, 1, __ATOMIC_RELEASE);
		break;
	}
	pthread_mutex_unlock(&lock);
}
