/*
 * fuzz_conninfo_merge.c - a connect call's arguments turned into options
 * (call_target_from_conninfo, call_target_from_params, call_target_from_setdb_login),
 * the placeholder found in them, and conninfo_merge() with a credential.
 *
 * Input, one item per line:
 *   1. how the call names its target: conninfo, params, params-expand or setdb
 *   2. PGSSLMODE, or an empty line for unset
 *   3. PGDATABASE, or an empty line for unset
 *   then for conninfo: the conninfo string (the rest of the input);
 *        for params and params-expand: keyword and value lines, alternating
 *        (expand_dbname 0 and 1);
 *        for setdb: host, port, options, dbname, login and password lines
 *        (a missing line is NULL).
 *
 * Every request is merged with two credentials, one with a port and dbname
 * and one without, and the query of the placeholder it names (if it names
 * one that parses).  Properties of the merged options:
 *   - host, port, user, password and dbname are the credential's (port
 *     5432 and dbname the user's name when the credential has none);
 *   - hostaddr is not among them: the first entry is the dbname libpq
 *     expands to an empty hostaddr (CONNINFO_MERGE_PINNED_EMPTY);
 *   - sslmode is conninfo_merge_sslmode() of the query's, else the caller's, else
 *     PGSSLMODE, with the sslrootcert in effect, and never disable, allow or prefer;
 *   - every other keyword (service too) has the query's value, else the caller's;
 *   - each keyword appears once but dbname (twice: the pin first), and the
 *     arrays end in NULL.
 */
#include <string.h>

#include "conninfo_merge.h"
#include "placeholder.h"
#include "call_target.h"
#include "support.h"

#define MAX_LINES 64

static const struct credential full = {
	.host = "db.example.com", .port = "6543", .user = "u1", .password = "p w'\\", .dbname = "d1",
};
static const struct credential bare = {
	.host = "10.0.0.1", .port = NULL, .user = "u2", .password = "secret", .dbname = NULL,
};

/* The input's lines; items[i] is NULL past the last one (the last item
 * is always NULL, so the lists made from them end). */
struct lines {
	char *items[MAX_LINES];
	size_t count;
	const char *rest;	/* the input after the first three lines */
};

static void read_lines(const char *text, struct lines *lines)
{
	memset(lines, 0, sizeof *lines);
	const char *cursor = text;
	for (; lines->count < MAX_LINES - 1; lines->count++) {
		if (lines->count == 3)
			lines->rest = cursor;
		if ((lines->items[lines->count] = fuzz_next_line(&cursor)) == NULL)
			break;
	}
	if (lines->rest == NULL)
		lines->rest = "";
}

static void free_lines(struct lines *lines)
{
	for (size_t i = 0; i < MAX_LINES; i++)
		free(lines->items[i]);
}

static const char *empty_is_unset(const char *line)
{
	return line != NULL && line[0] != '\0' ? line : NULL;
}

/* The call's arguments as options; false when they do not parse. */
static bool make_request(const struct lines *lines, struct optlist *request)
{
	const char *how = lines->items[0] ? lines->items[0] : "";
	char *const *args = &lines->items[3];

	if (strcmp(how, "conninfo") == 0)
		return call_target_from_conninfo(&libpq_direct, lines->rest, request);
	if (strcmp(how, "setdb") == 0)
		return call_target_from_setdb_login(&libpq_direct, args[0], args[1], args[2], args[3],
						    args[4], args[5], request);
	if (strcmp(how, "params") != 0 && strcmp(how, "params-expand") != 0)
		return false;

	/* Pairs up to the first missing value; the arrays end in NULL. */
	const char *keywords[MAX_LINES / 2 + 1], *values[MAX_LINES / 2 + 1];
	size_t pairs = 0;
	while (args[2 * pairs] != NULL && args[2 * pairs + 1] != NULL) {
		keywords[pairs] = args[2 * pairs];
		values[pairs] = args[2 * pairs + 1];
		pairs++;
	}
	keywords[pairs] = values[pairs] = NULL;
	return call_target_from_params(&libpq_direct, keywords, values,
				       strcmp(how, "params-expand") == 0, request);
}

static void check_is(const struct optlist *out, const char *keyword, const char *expected)
{
	const char *value = optlist_get(out, keyword);
	FUZZ_CHECK(expected != NULL && value != NULL && strcmp(value, expected) == 0);
}

static void check_merged(const struct optlist *caller, const struct optlist *query,
			 const struct credential *cred, const char *env_sslmode,
			 const struct optlist *out)
{
	FUZZ_CHECK(out->keywords[out->count] == NULL && out->values[out->count] == NULL);
	FUZZ_CHECK(out->count >= 2 && strcmp(out->keywords[0], "dbname") == 0 &&
		   strcmp(out->values[0], CONNINFO_MERGE_PINNED_EMPTY) == 0);
	for (size_t i = 1; i < out->count; i++)
		for (size_t j = i + 1; j < out->count; j++)
			FUZZ_CHECK(strcmp(out->keywords[i], out->keywords[j]) != 0);

	check_is(out, "host", cred->host);
	check_is(out, "port", cred->port ? cred->port : "5432");
	check_is(out, "user", cred->user);
	check_is(out, "password", cred->password);
	check_is(out, "dbname", cred->dbname ? cred->dbname : cred->user);
	FUZZ_CHECK(optlist_get(out, "hostaddr") == NULL);

	const char *asked = optlist_get(query, "sslmode");
	if (asked == NULL)
		asked = optlist_get(caller, "sslmode");
	if (asked == NULL)
		asked = env_sslmode;
	const char *rootcert = optlist_get(query, "sslrootcert");
	if (rootcert == NULL)
		rootcert = optlist_get(caller, "sslrootcert");
	check_is(out, "sslmode", conninfo_merge_sslmode(asked, rootcert));
	static const char *const weaker_than_require[] = { "disable", "allow", "prefer" };
	for (size_t i = 0; i < sizeof weaker_than_require / sizeof weaker_than_require[0]; i++)
		FUZZ_CHECK(strcmp(optlist_get(out, "sslmode"), weaker_than_require[i]) != 0);

	for (size_t i = 0; i < out->count; i++) {
		const char *keyword = out->keywords[i];
		if (placeholder_keyword_is_credential_owned(keyword) || strcmp(keyword, "sslmode") == 0)
			continue;
		const char *expected = optlist_get(query, keyword);
		check_is(out, keyword, expected ? expected : optlist_get(caller, keyword));
	}
	for (size_t i = 0; i < caller->count; i++)
		if (!placeholder_keyword_is_credential_owned(caller->keywords[i]))
			FUZZ_CHECK(optlist_get(out, caller->keywords[i]) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string("", data, size);
	struct lines lines;
	read_lines(text, &lines);
	const char *env_sslmode = empty_is_unset(lines.items[1]);
	const char *pgdatabase = empty_is_unset(lines.items[2]);

	struct optlist request = OPTLIST_INIT;
	if (make_request(&lines, &request)) {
		bool names_server;
		const char *target = call_target_placeholder(&request, pgdatabase, &names_server);
		struct placeholder ph = PLACEHOLDER_INIT;
		struct hpg_error err;
		if (target != NULL && !placeholder_parse(&libpq_direct, target, &ph, &err))
			placeholder_free(&ph);

		for (const struct credential *cred = &full; cred != NULL;
		     cred = cred == &full ? &bare : NULL) {
			struct optlist out = OPTLIST_INIT;
			FUZZ_CHECK(conninfo_merge(&request, &ph.query, cred, env_sslmode, &out));
			check_merged(&request, &ph.query, cred, env_sslmode, &out);
			optlist_free(&out);
		}
		placeholder_free(&ph);
	}
	optlist_free(&request);
	free_lines(&lines);
	free(text);
	return 0;
}
