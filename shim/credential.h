/*
 * credential.h - where and as whom to connect: what a DATABASE_URL holds.
 *
 * Ownership: a struct credential owns its strings; credential_free() wipes
 * them (the password above all) before freeing.
 */
#ifndef HPGSHIM_CREDENTIAL_H
#define HPGSHIM_CREDENTIAL_H

#include <stdbool.h>

#include "error.h"
#include "libpq_api.h"

struct credential {
	char *host;
	char *port;	/* NULL: libpq's default */
	char *user;
	char *password;
	char *dbname;	/* NULL: libpq's default (the user name) */
};

/* The port of a credential that names none: libpq's default. */
#define CREDENTIAL_DEFAULT_PORT "5432"

#define CREDENTIAL_INIT {NULL, NULL, NULL, NULL, NULL}

/*
 * Reads a postgres:// or postgresql:// URL with libpq's own parser.  It must
 * name one host, a user and a password.  err never quotes the URL: it holds
 * the password.
 */
bool credential_from_url(const struct libpq_api *pq, const char *url,
			 struct credential *out, struct hpg_error *err);

bool credential_equal(const struct credential *a, const struct credential *b);

/* Whether two values of a credential's field are equal: NULL (unset) equals only NULL. */
bool credential_field_equal(const char *a, const char *b);
bool credential_copy(struct credential *dst, const struct credential *src);
void credential_free(struct credential *cred);

#endif
