/*
 * placeholder.h - heroku://APP[/CONFIG_VAR][?KEYWORD=VALUE&...]
 *
 * A placeholder names where the credential lives instead of the credential.
 * APP is a Heroku app name or id; CONFIG_VAR defaults to DATABASE_URL; the
 * query holds ordinary libpq keywords, percent-decoded by libpq itself.
 */
#ifndef HPGSHIM_PLACEHOLDER_H
#define HPGSHIM_PLACEHOLDER_H

#include <stdbool.h>
#include <string.h>

#include "error.h"
#include "libpq_api.h"
#include "optlist.h"

#define PLACEHOLDER_SCHEME "heroku://"
#define PLACEHOLDER_DEFAULT_CONFIG_VAR "DATABASE_URL"

/* The whole cost of the pass-through path: does text start like a placeholder? */
static inline bool placeholder_is(const char *text)
{
	return text != NULL && strncmp(text, PLACEHOLDER_SCHEME, strlen(PLACEHOLDER_SCHEME)) == 0;
}

struct placeholder {
	char *app;		/* validated: letters, digits, '-' */
	char *config_var;	/* validated: letters, digits, '_' */
	struct optlist query;	/* libpq keywords from the query, decoded */
};

#define PLACEHOLDER_INIT {NULL, NULL, OPTLIST_INIT}

/*
 * Parses text (which placeholder_is()) into *out, which the caller releases
 * with placeholder_free() whatever the result.  On failure err says why, and
 * out->app and out->config_var are still set when they were valid (else
 * NULL), so that the message can name them; the query is then empty.
 */
bool placeholder_parse(const struct libpq_api *pq, const char *text,
		       struct placeholder *out, struct hpg_error *err);

void placeholder_free(struct placeholder *ph);

/*
 * A placeholder followed by whitespace and keyword=value pairs, as GDAL
 * writes it ("heroku://app application_name='GDAL 3.6.2'"): true, with the
 * placeholder in *url (malloc'd) and the pairs as libpq parsed them in
 * *pairs (PQconninfoFree()).  False, both NULL, when text has no such
 * pairs, they do not parse, or memory runs out: text is then one
 * placeholder, and placeholder_parse() says what is wrong with it.
 * App names contain no whitespace, so the split is unambiguous.
 */
bool placeholder_split_keywords(const struct libpq_api *pq, const char *text, char **url,
				PQconninfoOption **pairs);

/* "heroku://APP/CONFIG_VAR", without the query; malloc'd, or NULL. */
char *placeholder_canonical(const struct placeholder *ph);

/*
 * Keywords the credential supplies (host, hostaddr, port, user, password,
 * dbname).  The caller's values for them are dropped; in a placeholder's
 * own query they are an error, and so is service there.
 */
bool placeholder_keyword_is_credential_owned(const char *keyword);

#endif
