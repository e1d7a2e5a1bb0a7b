/*
 * reconnect_targets.c - see reconnect_targets.h.
 *
 * A small ring: the last few credentials per process are enough to
 * recognise a reconnect (the credential before a rotation included).
 */
#include "reconnect_targets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fork_safety.h"

#define TARGETS_KEPT 16

struct target {
	char *host, *port, *user, *dbname;	/* no password: not needed to match */
	char *placeholder;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct target ring[TARGETS_KEPT];
static unsigned next_slot;
static bool any;

static void target_free(struct target *t)
{
	free(t->host);
	free(t->port);
	free(t->user);
	free(t->dbname);
	free(t->placeholder);
	memset(t, 0, sizeof *t);
}

static bool both_set_and_equal(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool target_equals(const struct target *t, const char *host, const char *port,
			  const char *user, const char *dbname)
{
	return both_set_and_equal(t->host, host) &&
	       both_set_and_equal(t->port, port ? port : CREDENTIAL_DEFAULT_PORT) &&
	       both_set_and_equal(t->user, user) &&
	       both_set_and_equal(t->dbname, dbname ? dbname : user);
}

void reconnect_targets_remember(const struct credential *cred, const char *placeholder)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < TARGETS_KEPT; i++)
		if (target_equals(&ring[i], cred->host, cred->port, cred->user, cred->dbname) &&
		    both_set_and_equal(ring[i].placeholder, placeholder)) {
			pthread_mutex_unlock(&lock);
			return;
		}
	struct target *t = &ring[next_slot++ % TARGETS_KEPT];
	target_free(t);
	t->host = strdup(cred->host);
	t->port = strdup(cred->port ? cred->port : CREDENTIAL_DEFAULT_PORT);
	t->user = strdup(cred->user);
	t->dbname = strdup(cred->dbname ? cred->dbname : cred->user);
	t->placeholder = strdup(placeholder);
	if (!t->host || !t->port || !t->user || !t->dbname || !t->placeholder)
		target_free(t);
	else
		__atomic_store_n(&any, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
}

bool reconnect_targets_any(void)
{
	return __atomic_load_n(&any, __ATOMIC_ACQUIRE);
}

char *reconnect_targets_match(const struct optlist *request)
{
	const char *host = optlist_get(request, "host");
	const char *user = optlist_get(request, "user");
	if (host == NULL || user == NULL)
		return NULL;
	const char *port = optlist_get(request, "port");
	const char *dbname = optlist_get(request, "dbname");

	char *placeholder = NULL;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < TARGETS_KEPT && placeholder == NULL; i++)
		if (ring[i].placeholder != NULL && target_equals(&ring[i], host, port, user, dbname))
			placeholder = strdup(ring[i].placeholder);
	pthread_mutex_unlock(&lock);
	return placeholder;
}
