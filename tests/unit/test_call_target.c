/*
 * test_call_target.c - every entry point's arguments as one optlist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "call_target.h"
#include "unit.h"

static void test_conninfo_forms(void **state)
{
	(void)state;
	struct optlist r = OPTLIST_INIT;
	bool server;
	assert_true(call_target_from_conninfo(&libpq_direct, "heroku://a?application_name=x", &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a?application_name=x");
	optlist_free(&r);

	assert_true(call_target_from_conninfo(&libpq_direct,
					      "dbname=heroku://a application_name='b c'", &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_string_equal(optlist_get(&r, "application_name"), "b c");
	optlist_free(&r);

	/* an ordinary conninfo names no placeholder, even with PGDATABASE set */
	assert_true(call_target_from_conninfo(&libpq_direct, "host=h dbname=d", &r));
	assert_null(call_target_placeholder(&r, "heroku://a", &server));
	optlist_free(&r);

	/* no dbname: PGDATABASE decides */
	assert_true(call_target_from_conninfo(&libpq_direct, "host=h", &r));
	assert_string_equal(call_target_placeholder(&r, "heroku://a", &server), "heroku://a");
	assert_null(call_target_placeholder(&r, "plain", &server));
	optlist_free(&r);

	assert_false(call_target_from_conninfo(&libpq_direct, "not a conninfo", &r));

	/* a placeholder as host names the app's server; the dbname is the caller's */
	assert_true(call_target_from_conninfo(&libpq_direct, "host=heroku://a dbname=postgres", &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_true(server);
	optlist_free(&r);
	assert_true(call_target_from_conninfo(&libpq_direct, "host=heroku://a dbname=heroku://a", &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_false(server);
	optlist_free(&r);
}

static void test_params_with_and_without_expansion(void **state)
{
	(void)state;
	bool server;
	const char *const keywords[] = { "host", "dbname", "application_name", "user", NULL };
	const char *const values[] = { "h", "dbname=heroku://a connect_timeout=3", "app", NULL, NULL };
	struct optlist r = OPTLIST_INIT;

	assert_true(call_target_from_params(&libpq_direct, keywords, values, 1, &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_string_equal(optlist_get(&r, "connect_timeout"), "3");
	assert_null(optlist_get(&r, "user")); /* NULL value: not given */
	optlist_free(&r);

	/* expand_dbname 0: the dbname is a name, not a placeholder */
	assert_true(call_target_from_params(&libpq_direct, keywords, values, 0, &r));
	assert_null(call_target_placeholder(&r, NULL, &server));
	optlist_free(&r);

	/* a bare placeholder is one with expand_dbname 0 or 1 */
	const char *const bare[] = { "h", "heroku://a", "app", NULL, NULL };
	for (int expand = 0; expand <= 1; expand++) {
		assert_true(call_target_from_params(&libpq_direct, keywords, bare, expand, &r));
		assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
		optlist_free(&r);
	}
}

/* GDAL's form: a placeholder, whitespace, keyword=value pairs (libpq's quoting). */
static void test_placeholder_followed_by_keywords(void **state)
{
	(void)state;
	bool server;
	struct optlist r = OPTLIST_INIT;
	assert_true(call_target_from_conninfo(&libpq_direct,
					  "heroku://a?connect_timeout=4 \t application_name='GDAL 3.6.2' "
					      "dbname=other", &r));
	/* the placeholder stays the target, whatever the pairs say */
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a?connect_timeout=4");
	assert_false(server);
	assert_string_equal(optlist_get(&r, "application_name"), "GDAL 3.6.2");
	optlist_free(&r);

	/* the same as psql's dbname, which libpq expands */
	const char *const keywords[] = { "dbname", "application_name", NULL };
	const char *const values[] = { "heroku://a application_name=x options='-c y=1'", NULL, NULL };
	assert_true(call_target_from_params(&libpq_direct, keywords, values, 1, &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_string_equal(optlist_get(&r, "application_name"), "x");
	assert_string_equal(optlist_get(&r, "options"), "-c y=1");
	optlist_free(&r);

	/* what is not keyword=value pairs leaves the whole text one placeholder,
	 * which placeholder_parse() then refuses, naming it */
	const char *const not_pairs[] = {
		"heroku://my app", "heroku://a application_name='x", "heroku://a postgresql://h/d",
	};
	for (size_t i = 0; i < sizeof not_pairs / sizeof not_pairs[0]; i++) {
		assert_true(call_target_from_conninfo(&libpq_direct, not_pairs[i], &r));
		assert_string_equal(call_target_placeholder(&r, NULL, &server), not_pairs[i]);
		optlist_free(&r);
	}
}

static void test_setdb_login(void **state)
{
	(void)state;
	bool server;
	struct optlist r = OPTLIST_INIT;
	assert_true(call_target_from_setdb_login(&libpq_direct, "h", NULL, "-c x=1", "heroku://a",
						 "me", NULL, &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_string_equal(optlist_get(&r, "options"), "-c x=1");
	assert_string_equal(optlist_get(&r, "user"), "me");
	optlist_free(&r);
}

static void test_cheap_checks(void **state)
{
	(void)state;
	const struct call_target_env none = { NULL, NULL, NULL };
	const struct call_target_env pgdatabase = { .pgdatabase = "heroku://a" };
	const struct call_target_env pghost = { .pghost = "heroku://a" };
	const struct call_target_env plain = { .pgdatabase = "d", .pghost = "h" };
	const struct call_target_env pgservice = { .pgservice = "prod" };
	const char *const keywords[] = { "host", "dbname", NULL };
	const char *const plain_values[] = { NULL, "d", NULL };
	const char *const named[] = { NULL, "heroku://a", NULL };
	const char *const with_service[] = { NULL, "service=prod", NULL };
	const char *const service_keywords[] = { "service", NULL };
	const char *const service_values[] = { "prod", NULL };

	assert_false(call_target_params_may_name_placeholder(keywords, plain_values, none));
	assert_false(call_target_params_may_name_placeholder(keywords, plain_values, plain));
	assert_true(call_target_params_may_name_placeholder(keywords, named, none));
	assert_true(call_target_params_may_name_placeholder(keywords, plain_values, pgdatabase));
	assert_true(call_target_params_may_name_placeholder(keywords, plain_values, pghost));
	assert_true(call_target_params_may_name_placeholder(keywords, plain_values, pgservice));
	assert_true(call_target_params_may_name_placeholder(keywords, with_service, none));
	assert_true(call_target_params_may_name_placeholder(service_keywords, service_values, none));
	assert_false(call_target_conninfo_may_name_placeholder("host=h", plain));
	assert_true(call_target_conninfo_may_name_placeholder("dbname=heroku://a", none));
	assert_true(call_target_conninfo_may_name_placeholder("service = prod", none));
	assert_true(call_target_conninfo_may_name_placeholder("postgresql:///?service=prod", none));
	assert_true(call_target_conninfo_may_name_placeholder("host=h", pghost));
	assert_true(call_target_conninfo_may_name_placeholder("host=h", pgservice));
	assert_false(call_target_conninfo_may_name_placeholder(NULL, none));
}

/* A service file of the test's own, for libpq to read. */
static void write_service_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

static void test_libpq_defaults_from_a_service(void **state)
{
	(void)state;
	char path[] = "/tmp/hpgshim-unit-service-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_service_file(path, "[db]\ndbname=heroku://a\nsslmode=verify-full\n"
			   "application_name=from-service\n"
			   "[server]\nhost=heroku://a\ndbname=mine\n"
			   "[other]\nhostaddr=127.0.0.9\nsslrootcert=system\n");
	assert_int_equal(setenv("PGSERVICEFILE", path, 1), 0);
	const struct call_target_env none = { NULL, NULL, NULL };
	struct optlist r = OPTLIST_INIT;
	bool server;

	/* service= names the placeholder as the database */
	assert_true(call_target_from_conninfo(&libpq_direct, "service=db", &r));
	assert_true(call_target_add_libpq_defaults(&libpq_direct, none, &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_false(server);
	assert_string_equal(optlist_get(&r, "sslmode"), "verify-full");
	optlist_free(&r);

	/* PGSERVICE names one whose host is the placeholder: its dbname is kept */
	const struct call_target_env pgservice = { .pgservice = "server", .pgdatabase = "ignored" };
	assert_int_equal(setenv("PGSERVICE", "server", 1), 0);
	assert_true(call_target_from_conninfo(&libpq_direct, "", &r));
	assert_true(call_target_add_libpq_defaults(&libpq_direct, pgservice, &r));
	unsetenv("PGSERVICE");
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_true(server);
	assert_string_equal(optlist_get(&r, "dbname"), "mine");
	optlist_free(&r);

	/* the call's own dbname comes before the entry's */
	assert_true(call_target_from_conninfo(&libpq_direct, "service=db dbname=d", &r));
	assert_true(call_target_add_libpq_defaults(&libpq_direct, none, &r));
	assert_null(call_target_placeholder(&r, NULL, &server));
	optlist_free(&r);

	/* an entry that names no placeholder adds no target, only its TLS settings */
	assert_true(call_target_from_conninfo(&libpq_direct, "dbname=heroku://b service=other", &r));
	assert_true(call_target_add_libpq_defaults(&libpq_direct, none, &r));
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://b");
	assert_null(optlist_get(&r, "hostaddr"));
	assert_string_equal(optlist_get(&r, "sslrootcert"), "system");
	optlist_free(&r);

	/* no service: PGHOST counts only as a placeholder, PGDATABASE too */
	const struct call_target_env pghost = { .pghost = "heroku://a", .pgdatabase = "plain" };
	assert_int_equal(setenv("PGHOST", "heroku://a", 1), 0);
	assert_int_equal(setenv("PGDATABASE", "plain", 1), 0);
	assert_true(call_target_from_conninfo(&libpq_direct, "", &r));
	assert_true(call_target_add_libpq_defaults(&libpq_direct, pghost, &r));
	unsetenv("PGHOST");
	unsetenv("PGDATABASE");
	assert_string_equal(call_target_placeholder(&r, NULL, &server), "heroku://a");
	assert_true(server);
	assert_null(optlist_get(&r, "dbname"));
	optlist_free(&r);

	/* a service that is nowhere: nothing added, libpq says so when it connects */
	assert_true(call_target_from_conninfo(&libpq_direct, "service=nowhere", &r));
	assert_true(call_target_add_libpq_defaults(&libpq_direct, none, &r));
	assert_null(call_target_placeholder(&r, NULL, &server));
	optlist_free(&r);

	unsetenv("PGSERVICEFILE");
	unlink(path);
}

int run_call_target_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conninfo_forms),
		cmocka_unit_test(test_params_with_and_without_expansion),
		cmocka_unit_test(test_placeholder_followed_by_keywords),
		cmocka_unit_test(test_setdb_login),
		cmocka_unit_test(test_cheap_checks),
		cmocka_unit_test(test_libpq_defaults_from_a_service),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
