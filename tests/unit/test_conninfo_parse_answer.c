/*
 * test_conninfo_parse_answer.c - the PQconninfoParse() answer for a placeholder.
 */
#include <stdlib.h>
#include <string.h>

#include "conninfo_parse_answer.h"
#include "unit.h"

static const char *parsed(const PQconninfoOption *options, const char *keyword)
{
	for (const PQconninfoOption *o = options; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val;
	return NULL;
}

static void test_answer_names_the_placeholder_as_target(void **state)
{
	(void)state;
	char *error = NULL;
	PQconninfoOption *options = conninfo_parse_answer(
		&libpq_direct, "heroku://a/V?connect_timeout=3 application_name='GDAL 3.6.2'", &error);
	assert_non_null(options);
	assert_null(error);
	assert_string_equal(parsed(options, "dbname"), "heroku://a/V");
	assert_string_equal(parsed(options, "host"), "heroku://a/V");
	/* set, so that ruby pg and psycopg 3 do not look the host up themselves */
	assert_string_equal(parsed(options, "hostaddr"), "heroku://a/V");
	assert_string_equal(parsed(options, "connect_timeout"), "3");
	assert_string_equal(parsed(options, "application_name"), "GDAL 3.6.2");
	assert_null(parsed(options, "user"));
	PQconninfoFree(options);
}

/* Handed to a libpq without the shim, the answer connects nowhere: libpq
 * refuses the hostaddr before any lookup or connection. */
static void test_answer_without_the_shim_fails_at_once(void **state)
{
	(void)state;
	char *error = NULL;
	PQconninfoOption *options = conninfo_parse_answer(&libpq_direct, "heroku://a", &error);
	assert_non_null(options);
	const char *keywords[64], *values[64];
	size_t n = 0;
	for (const PQconninfoOption *o = options; o->keyword != NULL && n < 63; o++)
		if (o->val != NULL) {
			keywords[n] = o->keyword;
			values[n++] = o->val;
		}
	keywords[n] = values[n] = NULL;
	PGconn *conn = PQconnectdbParams(keywords, values, 0);
	assert_int_equal(PQstatus(conn), CONNECTION_BAD);
	assert_non_null(strstr(PQerrorMessage(conn),
			       "could not parse network address \"heroku://a/DATABASE_URL\""));
	PQfinish(conn);
	PQconninfoFree(options);
}

static void test_invalid_placeholder_is_an_error(void **state)
{
	(void)state;
	char *error = NULL;
	assert_null(conninfo_parse_answer(&libpq_direct, "heroku://my app", &error));
	assert_non_null(strstr(error, "\"my app\" is not a Heroku app name"));
	assert_non_null(strstr(error, "what follows a space must be keyword=value pairs"));
	free(error);
	assert_null(conninfo_parse_answer(&libpq_direct, "heroku://my_app", &error));
	assert_null(strstr(error, "what follows a space"));
	free(error);
}

int run_conninfo_parse_answer_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_names_the_placeholder_as_target),
		cmocka_unit_test(test_answer_without_the_shim_fails_at_once),
		cmocka_unit_test(test_invalid_placeholder_is_an_error),
	};
	return cmocka_run_group_tests_name("conninfo_parse_answer", tests, NULL, NULL);
}
