/*
 * test_api_answer.c - the config-vars JSON, through the real cJSON.
 */
#include <stdlib.h>
#include <string.h>

#include "api_answer.h"
#include "secret.h"
#include "unit.h"

static bool lookup(const char *body, const char *name, char **value, struct hpg_error *err)
{
	return api_answer_config_var(unit_cjson(), body, strlen(body), name, value, err);
}

static const char vars[] =
	"{\"DATABASE_URL\":\"postgres://u:secretpw@h/d\","
	"\"HEROKU_POSTGRESQL_VIOLET_URL\":\"postgres://v:secretpw2@h/d\","
	"\"REDIS_URL\":\"redis://:secretpw3@r:6379\",\"LANG\":\"en_US.UTF-8\"}";

static void test_found_and_attachment_name(void **state)
{
	(void)state;
	char *value;
	struct hpg_error err;
	assert_true(lookup(vars, "DATABASE_URL", &value, &err));
	assert_string_equal(value, "postgres://u:secretpw@h/d");
	secret_free(value);
	/* an attachment name means NAME_URL when NAME itself is not a var */
	assert_true(lookup(vars, "HEROKU_POSTGRESQL_VIOLET", &value, &err));
	assert_string_equal(value, "postgres://v:secretpw2@h/d");
	secret_free(value);
}

static void test_missing_var_lists_names_never_values(void **state)
{
	(void)state;
	char *value;
	struct hpg_error err;
	assert_false(lookup(vars, "HEROKU_POSTGRESQL_RED_URL", &value, &err));
	assert_non_null(strstr(err.text, "no config var HEROKU_POSTGRESQL_RED_URL"));
	assert_non_null(strstr(err.text, "DATABASE_URL, HEROKU_POSTGRESQL_VIOLET_URL, REDIS_URL"));
	assert_null(strstr(err.text, "LANG"));
	assert_null(strstr(err.text, "secretpw"));
}

struct bad_body {
	const char *body;
	const char *reason;
};

static const struct bad_body bad[] = {
	{ "", "not a JSON object" },
	{ "[]", "not a JSON object" },
	{ "null", "not a JSON object" },
	{ "42", "not a JSON object" },
	{ "{\"DATABASE_URL\":", "not a JSON object" },
	{ "<html>Heroku</html>", "not a JSON object" },
	{ "{\"DATABASE_URL\":null}", "not a string" },
	{ "{\"DATABASE_URL\":7}", "not a string" },
	{ "{\"DATABASE_URL\":{\"a\":\"b\"}}", "not a string" },
	{ "{}", "its *_URL config vars are: none" },
	/* not UTF-8, so not JSON (RFC 8259), wherever the bytes are */
	{ "{\"DATABASE_URL\":\"postgres://u:p\xff@h/d\"}", "not UTF-8" },
	{ "{\"DATABASE_URL\":\"postgres://u:p@h/d\",\"X\":\"\xc3\x28\"}", "not UTF-8" },
	{ "{\"DATABASE_URL\":\"\xc0\xaf\"}", "not UTF-8" },		/* overlong '/' */
	{ "{\"DATABASE_URL\":\"\xe0\x80\xaf\"}", "not UTF-8" },	/* overlong, 3 bytes */
	{ "{\"DATABASE_URL\":\"\xed\xa0\x80\"}", "not UTF-8" },	/* a surrogate */
	{ "{\"DATABASE_URL\":\"\xf4\x90\x80\x80\"}", "not UTF-8" },	/* above U+10FFFF */
	{ "{\"DATABASE_URL\":\"\xf8\x88\x80\x80\x80\"}", "not UTF-8" },	/* 5 bytes */
	{ "{\"DATABASE_URL\":\"\xe2\x82\"}", "not UTF-8" },		/* cut short */
	{ "{\"X\":\"\xe2\x82\xac\"}\x80", "not UTF-8" },		/* a stray continuation */
};

/* Every form of well-formed UTF-8 passes, up to U+10FFFF. */
static void test_utf8_is_accepted(void **state)
{
	(void)state;
	const char *body = "{\"DATABASE_URL\":\"postgres://u:p\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e@h/d\","
			   "\"X\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
			   "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}";
	char *value;
	struct hpg_error err;
	if (!lookup(body, "DATABASE_URL", &value, &err))
		fail_msg("refused: %s", err.text);
	assert_string_equal(value, "postgres://u:p\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e@h/d");
	secret_free(value);
}

static void test_bad_bodies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *value;
		struct hpg_error err = { "" };
		if (lookup(bad[i].body, "DATABASE_URL", &value, &err))
			fail_msg("%s accepted", bad[i].body);
		if (strstr(err.text, bad[i].reason) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].body, err.text, bad[i].reason);
	}
}

static void test_heroku_error_id(void **state)
{
	(void)state;
	const char *body = "{\"id\":\"not_found\",\"message\":\"Couldn't find that app.\"}";
	char *id = api_answer_error_id(unit_cjson(), body, strlen(body));
	assert_string_equal(id, "not_found");
	free(id);
	const char *odd = "{\"id\":\"<script>\"}";
	assert_null(api_answer_error_id(unit_cjson(), odd, strlen(odd)));
	assert_null(api_answer_error_id(unit_cjson(), "x", 1));
	const char *not_utf8 = "{\"id\":\"not_found\",\"message\":\"\xff\"}";
	assert_null(api_answer_error_id(unit_cjson(), not_utf8, strlen(not_utf8)));
}

int run_api_answer_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_and_attachment_name),
		cmocka_unit_test(test_missing_var_lists_names_never_values),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_utf8_is_accepted),
		cmocka_unit_test(test_heroku_error_id),
	};
	return cmocka_run_group_tests_name("config_vars", tests, NULL, NULL);
}
