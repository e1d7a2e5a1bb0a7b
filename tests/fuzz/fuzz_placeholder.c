/*
 * fuzz_placeholder.c - placeholder_parse(), and the PQconninfoParse() answer
 * made from a placeholder (conninfo_parse_answer), on any text.
 *
 * Input: what follows "heroku://".  The hooks hand these functions only
 * text that starts with the scheme (placeholder_is()), so it is not fuzzed.
 * The placeholder is the text, or its part before keyword=value pairs that
 * follow it (placeholder_split_keywords()).
 *
 * Properties:
 *   - a parsed placeholder has an app of letters, digits and '-' (not first)
 *     and a config var of letters, digits and '_', and its query sets no
 *     keyword the credential owns;
 *   - its canonical form, heroku://APP/CONFIG_VAR, parses back to the same;
 *   - PQconninfoParse's answer exists exactly when the placeholder parses,
 *     and then names the canonical form as its dbname, host and hostaddr;
 *   - a refused placeholder keeps only a valid app (and config var, only
 *     with an app), to name in its error, and no query.
 */
#include <ctype.h>
#include <string.h>

#include "conninfo_parse_answer.h"
#include "placeholder.h"
#include "support.h"

static bool all_chars(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

static void check_parsed(const struct placeholder *ph)
{
	FUZZ_CHECK(ph->app != NULL && ph->app[0] != '\0' && ph->app[0] != '-');
	FUZZ_CHECK(all_chars(ph->app, "-"));
	FUZZ_CHECK(ph->config_var != NULL && ph->config_var[0] != '\0');
	FUZZ_CHECK(all_chars(ph->config_var, "_"));
	for (size_t i = 0; i < ph->query.count; i++)
		FUZZ_CHECK(!placeholder_keyword_is_credential_owned(ph->query.keywords[i]));
	FUZZ_CHECK(ph->query.count == 0 || ph->query.keywords[ph->query.count] == NULL);
}

/* The canonical form parses back to the same app and config var. */
static void check_round_trip(const struct placeholder *ph, const char *canonical)
{
	struct placeholder again;
	struct hpg_error err;
	FUZZ_CHECK(placeholder_parse(&libpq_direct, canonical, &again, &err));
	FUZZ_CHECK(strcmp(again.app, ph->app) == 0);
	FUZZ_CHECK(strcmp(again.config_var, ph->config_var) == 0);
	FUZZ_CHECK(again.query.count == 0);
	placeholder_free(&again);
}

static void check_conninfo_answer(const char *text, const char *canonical)
{
	char *errmsg = NULL;
	PQconninfoOption *options = conninfo_parse_answer(&libpq_direct, text, &errmsg);
	FUZZ_CHECK((options != NULL) == (canonical != NULL));
	if (options == NULL) {
		FUZZ_CHECK(errmsg != NULL && strncmp(errmsg, "hpgshim: ", 9) == 0);
		libpq_direct.PQfreemem(errmsg);
		return;
	}
	int targets_seen = 0;
	for (const PQconninfoOption *o = options; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "dbname") == 0 || strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "hostaddr") == 0) {
			FUZZ_CHECK(o->val != NULL && strcmp(o->val, canonical) == 0);
			targets_seen++;
		}
	FUZZ_CHECK(targets_seen == 3);
	libpq_direct.PQconninfoFree(options);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(PLACEHOLDER_SCHEME, data, size);
	struct placeholder ph;
	struct hpg_error err;
	char *canonical = NULL;
	char *url = NULL;
	PQconninfoOption *pairs = NULL;

	if (placeholder_split_keywords(&libpq_direct, text, &url, &pairs)) {
		FUZZ_CHECK(url != NULL && pairs != NULL && placeholder_is(url));
		FUZZ_CHECK(strncmp(text, url, strlen(url)) == 0 && isspace((unsigned char)text[strlen(url)]));
		libpq_direct.PQconninfoFree(pairs);
	} else {
		FUZZ_CHECK(url == NULL && pairs == NULL);
	}
	if (placeholder_parse(&libpq_direct, url ? url : text, &ph, &err)) {
		check_parsed(&ph);
		canonical = placeholder_canonical(&ph);
		FUZZ_CHECK(canonical != NULL);
		check_round_trip(&ph, canonical);
		placeholder_free(&ph);
	} else {
		FUZZ_CHECK(err.text[0] != '\0');
		FUZZ_CHECK(memchr(err.text, '\0', sizeof err.text) != NULL);
		/* What a refused placeholder keeps, to name it in the error, is valid. */
		FUZZ_CHECK(ph.app != NULL || ph.config_var == NULL);
		FUZZ_CHECK(ph.app == NULL || (ph.app[0] != '\0' && ph.app[0] != '-' &&
					      all_chars(ph.app, "-")));
		FUZZ_CHECK(ph.config_var == NULL || all_chars(ph.config_var, "_"));
		FUZZ_CHECK(ph.query.count == 0);
		placeholder_free(&ph);
	}
	check_conninfo_answer(text, canonical);

	free(canonical);
	free(url);
	free(text);
	return 0;
}
