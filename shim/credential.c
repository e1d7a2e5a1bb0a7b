/*
 * credential.c - a database credential read from a postgres:// URL.
 */
#include "credential.h"

#include <stdlib.h>
#include <string.h>

#include "optlist.h"
#include "secret.h"

#define CREDENTIAL_FIELDS(X) X(host) X(port) X(user) X(password) X(dbname)

static bool has_uri_scheme(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

bool credential_from_url(const struct libpq_api *pq, const char *url,
			 struct credential *out, struct hpg_error *err)
{
	*out = (struct credential)CREDENTIAL_INIT;
	if (!has_uri_scheme(url)) {
		hpg_error_set(err, "its value is not a postgres:// URL; point the placeholder at "
			      "the app's database config var");
		return false;
	}

	char *libpq_error = NULL;
	PQconninfoOption *options = pq->PQconninfoParse(url, &libpq_error);
	if (options == NULL) {
		/* libpq's message may quote the URL, password and all: drop it. */
		if (libpq_error) {
			explicit_bzero(libpq_error, strlen(libpq_error));
			pq->PQfreemem(libpq_error);
		}
		hpg_error_set(err, "its value is not a valid postgres:// URL");
		return false;
	}

	bool ok = true;
	for (const PQconninfoOption *o = options; o->keyword != NULL && ok; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
#define TAKE(field) \
		if (strcmp(o->keyword, #field) == 0 && (out->field = strdup(o->val)) == NULL) \
			ok = false;
		CREDENTIAL_FIELDS(TAKE)
#undef TAKE
	}
	secret_conninfo_free(pq, options);

	if (!ok)
		hpg_error_set(err, "out of memory");
	else if (out->host == NULL)
		hpg_error_set(err, "its URL names no host");
	else if (strchr(out->host, ',') != NULL)
		hpg_error_set(err, "its URL names several hosts; hpgshim expects one, as Heroku writes it");
	else if (out->user == NULL)
		hpg_error_set(err, "its URL names no user");
	else if (out->password == NULL)
		hpg_error_set(err, "its URL has no password");
	else
		return true;
	credential_free(out);
	return false;
}

bool credential_field_equal(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

bool credential_equal(const struct credential *a, const struct credential *b)
{
#define SAME(field) credential_field_equal(a->field, b->field) &&
	return CREDENTIAL_FIELDS(SAME) true;
#undef SAME
}

bool credential_copy(struct credential *dst, const struct credential *src)
{
	*dst = (struct credential)CREDENTIAL_INIT;
#define COPY(field) \
	if (src->field != NULL && (dst->field = strdup(src->field)) == NULL) \
		goto fail;
	CREDENTIAL_FIELDS(COPY)
#undef COPY
	return true;
fail:
	credential_free(dst);
	return false;
}

void credential_free(struct credential *cred)
{
#define FREE(field) secret_free(cred->field);
	CREDENTIAL_FIELDS(FREE)
#undef FREE
	*cred = (struct credential)CREDENTIAL_INIT;
}
