/*
 * test_placeholder.c - heroku://APP[/CONFIG_VAR][?query], valid and not.
 */
#include <string.h>

#include "placeholder.h"
#include "unit.h"

struct valid_case {
	const char *text;
	const char *app;
	const char *config_var;
	const char *query_keyword;	/* one keyword to check, or NULL */
	const char *query_value;
};

static const struct valid_case valid[] = {
	{ "heroku://my-app", "my-app", "DATABASE_URL", NULL, NULL },
	{ "heroku://my-app/", "my-app", "DATABASE_URL", NULL, NULL },
	{ "heroku://my-app/HEROKU_POSTGRESQL_VIOLET", "my-app", "HEROKU_POSTGRESQL_VIOLET", NULL, NULL },
	{ "heroku://my-app?application_name=nightly", "my-app", "DATABASE_URL",
	  "application_name", "nightly" },
	{ "heroku://my-app/DATABASE_URL?application_name=a%20b%26c", "my-app", "DATABASE_URL",
	  "application_name", "a b&c" },
	{ "heroku://my-app?options=-c%20search_path%3Dx", "my-app", "DATABASE_URL",
	  "options", "-c search_path=x" },
	{ "heroku://my-app?sslmode=verify-full&sslrootcert=/etc/ca.pem", "my-app", "DATABASE_URL",
	  "sslrootcert", "/etc/ca.pem" },
	{ "heroku://01234567-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdef",
	  "DATABASE_URL", NULL, NULL },
};

static void test_valid_placeholders(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		struct placeholder ph;
		struct hpg_error err = { "" };
		bool ok = placeholder_parse(&libpq_direct, valid[i].text, &ph, &err);
		if (!ok)
			fail_msg("%s: %s", valid[i].text, err.text);
		assert_string_equal(ph.app, valid[i].app);
		assert_string_equal(ph.config_var, valid[i].config_var);
		if (valid[i].query_keyword != NULL)
			assert_string_equal(optlist_get(&ph.query, valid[i].query_keyword),
					    valid[i].query_value);
		placeholder_free(&ph);
	}
}

struct invalid_case {
	const char *text;
	const char *reason;	/* a word the error must contain */
};

static const struct invalid_case invalid[] = {
	{ "heroku://", "no app name" },
	{ "heroku:///DATABASE_URL", "no app name" },
	{ "heroku://user:pw@my-app", "user, password or port" },
	{ "heroku://my-app:5432", "user, password or port" },
	{ "heroku://my%2Fapp", "not a Heroku app name" },
	{ "heroku://my.app", "not a Heroku app name" },
	{ "heroku://..", "not a Heroku app name" },
	{ "heroku://my%20app", "not a Heroku app name" },
	{ "heroku://-app", "not a Heroku app name" },
	{ "heroku://my-app/BAD-VAR", "not a config var name" },
	{ "heroku://my-app/a%00b", "invalid placeholder" },
	{ "heroku://my-app?host=evil.example", "sets \"host\"" },
	{ "heroku://my-app?user=postgres", "sets \"user\"" },
	{ "heroku://my-app?password=x", "sets \"password\"" },
	{ "heroku://my-app?dbname=x", "sets \"dbname\"" },
	{ "heroku://my-app?no_such_keyword=1", "invalid URI query parameter" },
};

static void test_invalid_placeholders(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		struct placeholder ph;
		struct hpg_error err = { "" };
		if (placeholder_parse(&libpq_direct, invalid[i].text, &ph, &err))
			fail_msg("%s was accepted", invalid[i].text);
		if (strstr(err.text, invalid[i].reason) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", invalid[i].text, err.text,
				 invalid[i].reason);
		placeholder_free(&ph);
	}
}

/* A refused placeholder keeps the app and config var it named validly, so
 * that its error names them like every other error. */
static void test_invalid_placeholders_keep_what_was_valid(void **state)
{
	(void)state;
	const struct {
		const char *text, *app, *config_var;
	} cases[] = {
		{ "heroku://my-app?user=postgres", "my-app", "DATABASE_URL" },
		{ "heroku://my-app/OTHER_URL?host=evil.example", "my-app", "OTHER_URL" },
		{ "heroku://my-app?no_such_keyword=1", "my-app", "DATABASE_URL" },
		{ "heroku://user:pw@my-app", "my-app", "DATABASE_URL" },
		{ "heroku://my-app/BAD-VAR", "my-app", NULL },
		{ "heroku://my.app/DATABASE_URL", NULL, NULL },
		{ "heroku://", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct placeholder ph;
		struct hpg_error err;
		assert_false(placeholder_parse(&libpq_direct, cases[i].text, &ph, &err));
		if (cases[i].app == NULL)
			assert_null(ph.app);
		else
			assert_string_equal(ph.app, cases[i].app);
		if (cases[i].config_var == NULL)
			assert_null(ph.config_var);
		else
			assert_string_equal(ph.config_var, cases[i].config_var);
		assert_int_equal(ph.query.count, 0);
		placeholder_free(&ph);
	}
}

static void test_overlong_app_is_refused(void **state)
{
	(void)state;
	char text[2048] = "heroku://";
	memset(text + strlen(text), 'a', 1500);
	struct placeholder ph;
	struct hpg_error err;
	assert_false(placeholder_parse(&libpq_direct, text, &ph, &err));
	assert_non_null(strstr(err.text, "not a Heroku app name"));
	placeholder_free(&ph);
}

static void test_placeholder_is_a_prefix_check(void **state)
{
	(void)state;
	assert_true(placeholder_is("heroku://x"));
	assert_false(placeholder_is("postgres://u@h/db"));
	assert_false(placeholder_is("dbname=heroku://x"));
	assert_false(placeholder_is(""));
	assert_false(placeholder_is(NULL));
}

int run_placeholder_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_placeholders),
		cmocka_unit_test(test_invalid_placeholders),
		cmocka_unit_test(test_invalid_placeholders_keep_what_was_valid),
		cmocka_unit_test(test_overlong_app_is_refused),
		cmocka_unit_test(test_placeholder_is_a_prefix_check),
	};
	return cmocka_run_group_tests_name("placeholder", tests, NULL, NULL);
}
