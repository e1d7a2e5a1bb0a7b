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
	char *error;			/* shim's message, or NULL */
	struct conn_origin origin;	/* origin.key is NULL for an error connection */
	enum conn_attempt attempt;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct record *records;
static int record_count;	/* read without the lock by conn_registry_empty() */

void conn_registry_origin_free(struct conn_origin *origin)
{
	free(origin->key);
	free(origin->placeholder);
	free(origin->connect_timeout);
	credential_free(&origin->given);
	*origin = (struct conn_origin)CONN_ORIGIN_INIT;
}

static bool copy_string(char **dst, const char *src)
{
	*dst = NULL;
	return src == NULL || (*dst = strdup(src)) != NULL;
}

static bool origin_copy(struct conn_origin *dst, const struct conn_origin *src)
{
	*dst = (struct conn_origin){ .names_server = src->names_server };
	if (copy_string(&dst->key, src->key) && copy_string(&dst->placeholder, src->placeholder) &&
	    copy_string(&dst->connect_timeout, src->connect_timeout) &&
	    credential_copy(&dst->given, &src->given))
		return true;
	conn_registry_origin_free(dst);
	return false;
}

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

bool conn_registry_set_error(const PGconn *conn, const char *message)
{
	char *copy = strdup(message);
	if (copy == NULL)
		return false;
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct record *r = find_or_add(conn);
	if (r != NULL) {
		free(r->error);
		r->error = copy;
	}
	pthread_mutex_unlock(&lock);
	if (r == NULL)
		free(copy);
	return r != NULL;
}

bool conn_registry_set_origin(const PGconn *conn, const struct conn_origin *origin,
			      enum conn_attempt attempt)
{
	struct conn_origin copy;
	if (!origin_copy(&copy, origin))
		return false;
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	struct record *r = find_or_add(conn);
	if (r != NULL) {
		conn_registry_origin_free(&r->origin);
		r->origin = copy;
		r->attempt = attempt;
	}
	pthread_mutex_unlock(&lock);
	if (r == NULL)
		conn_registry_origin_free(&copy);
	return r != NULL;
}

bool conn_registry_set_given(const PGconn *conn, const struct credential *given)
{
	struct credential copy;
	if (!credential_copy(&copy, given))
		return false;
	bool set = false;
	pthread_mutex_lock(&lock);
	struct record *r = find(conn);
	if (r != NULL && r->origin.key != NULL) {
		credential_free(&r->origin.given);
		r->origin.given = copy;
		set = true;
	}
	pthread_mutex_unlock(&lock);
	if (!set)
		credential_free(&copy);
	return set;
}

void conn_registry_set_attempt(const PGconn *conn, enum conn_attempt attempt)
{
	if (conn_registry_empty())
		return;
	pthread_mutex_lock(&lock);
	struct record *r = find(conn);
	if (r != NULL && r->origin.key != NULL)
		r->attempt = attempt;
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

enum conn_attempt conn_registry_take_attempt(const PGconn *conn, struct conn_origin *origin)
{
	*origin = (struct conn_origin)CONN_ORIGIN_INIT;
	if (conn_registry_empty())
		return ATTEMPT_NONE;
	pthread_mutex_lock(&lock);
	struct record *r = find(conn);
	enum conn_attempt attempt = ATTEMPT_NONE;
	if (r != NULL && r->attempt != ATTEMPT_NONE) {
		/* Out of memory: as if no attempt were pending (no recovery, no harm). */
		if (origin_copy(origin, &r->origin))
			attempt = r->attempt;
		r->attempt = ATTEMPT_NONE;
	}
	pthread_mutex_unlock(&lock);
	return attempt;
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
		conn_registry_origin_free(&r->origin);
		free(r);
		__atomic_sub_fetch(&record_count, 1, __ATOMIC_RELEASE);
		break;
	}
	pthread_mutex_unlock(&lock);
}
