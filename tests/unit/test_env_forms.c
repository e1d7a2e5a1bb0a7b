/*
 * test_env_forms.c - what hpgshim env exports for a placeholder, and how it
 * reads its command line.
 */
#include <stdlib.h>
#include <string.h>

#include "env_args.h"
#include "env_forms.h"
#include "unit.h"

static struct credential test_credential(void)
{
	static char host[] = "db.example.com", port[] = "6543", user[] = "u1",
		    password[] = "p@ss w'rd\"\\=&%:/?#+x", dbname[] = "d1";
	return (struct credential){ host, port, user, password, dbname };
}

/* name=placeholder exported into a fresh list; the list is returned. */
static struct env_list exported(const char *name, const char *placeholder,
				const struct credential *cred, const char *env_sslmode,
				enum env_url_dialect dialect)
{
	struct placeholder ph;
	struct hpg_error err;
	struct env_list env = ENV_LIST_INIT;
	assert_true(placeholder_parse(&libpq_direct, placeholder, &ph, &err));
	assert_true(env_forms_export(&env, name, &ph, cred, env_sslmode, dialect, &err));
	placeholder_free(&ph);
	return env;
}

static void test_url_form(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	struct env_list env = exported("DATABASE_URL", "heroku://app?application_name=a%20b",
				       &cred, NULL, ENV_URL_LIBPQ);
	assert_int_equal(env.count, 1);
	/* Every byte of the password but the unreserved ones encoded, '+' too. */
	assert_string_equal(env_list_get(&env, "DATABASE_URL"),
			    "postgres://u1:p%40ss%20w%27rd%22%5C%3D%26%25%3A%2F%3F%23%2Bx@"
			    "db.example.com:6543/d1?sslmode=require&application_name=a%20b");
	env_list_free(&env);
}

static void test_url_form_reads_back_through_libpq(void **state)
{
	(void)state;
	struct credential cred = test_credential(), back;
	struct hpg_error err;
	struct env_list env = exported("X_URL", "heroku://app", &cred, NULL, ENV_URL_LIBPQ);
	assert_true(credential_from_url(&libpq_direct, env_list_get(&env, "X_URL"), &back, &err));
	assert_true(credential_equal(&cred, &back));
	credential_free(&back);
	env_list_free(&env);
}

static void test_sslmode_rules_are_the_librarys(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	cred.port = NULL;
	const char *const cases[][3] = {
		/* placeholder, PGSSLMODE, the URL's tail */
		{ "heroku://app", NULL, "@db.example.com:5432/d1?sslmode=require" },
		{ "heroku://app?sslmode=disable", NULL, "/d1?sslmode=require" },
		{ "heroku://app?sslmode=verify-ca", NULL, "/d1?sslmode=verify-ca" },
		{ "heroku://app", "verify-full", "/d1?sslmode=verify-full" },
		{ "heroku://app", "prefer", "/d1?sslmode=require" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct env_list env = exported("U", cases[i][0], &cred, cases[i][1], ENV_URL_LIBPQ);
		const char *url = env_list_get(&env, "U");
		assert_non_null(strstr(url, cases[i][2]));
		assert_string_equal(url + strlen(url) - strlen(cases[i][2]), cases[i][2]);
		env_list_free(&env);
	}
}

static void test_node_postgres_dialect(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	struct env_list env = exported("DATABASE_URL", "heroku://app", &cred, NULL,
				       ENV_URL_NODE_POSTGRES);
	const char *url = env_list_get(&env, "DATABASE_URL");
	assert_non_null(strstr(url, "/d1?sslmode=require&uselibpqcompat=true"));
	env_list_free(&env);
}

static void test_jdbc_forms(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	const char *const jdbc_names[][3] = {
		{ "JDBC_DATABASE_URL", "JDBC_DATABASE_USERNAME", "JDBC_DATABASE_PASSWORD" },
		{ "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD" },
		{ "HEROKU_POSTGRESQL_OLIVE_JDBC_URL", "HEROKU_POSTGRESQL_OLIVE_JDBC_USERNAME",
		  "HEROKU_POSTGRESQL_OLIVE_JDBC_PASSWORD" },
	};
	for (size_t i = 0; i < sizeof jdbc_names / sizeof jdbc_names[0]; i++) {
		struct env_list env = exported(jdbc_names[i][0],
					       "heroku://app?application_name=x&connect_timeout=5",
					       &cred, NULL, ENV_URL_NODE_POSTGRES);
		assert_int_equal(env.count, 3);
		assert_string_equal(env_list_get(&env, jdbc_names[i][0]),
				    /* the query's keywords in libpq's order of them */
				    "jdbc:postgresql://db.example.com:6543/d1?sslmode=require&"
				    "connectTimeout=5&ApplicationName=x&user=u1&password="
				    "p%40ss%20w%27rd%22%5C%3D%26%25%3A%2F%3F%23%2Bx");
		assert_string_equal(env_list_get(&env, jdbc_names[i][1]), "u1");
		assert_string_equal(env_list_get(&env, jdbc_names[i][2]), cred.password);
		env_list_free(&env);
	}
	assert_false(env_forms_is_jdbc("DATABASE_URL"));
	assert_false(env_forms_is_jdbc("_JDBC_URL"));
	assert_false(env_forms_is_jdbc("JDBC_URL_X"));
}

static void test_ipv6_host_in_brackets(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	char host[] = "::1";
	cred.host = host;
	struct env_list env = exported("U", "heroku://app", &cred, NULL, ENV_URL_LIBPQ);
	assert_non_null(strstr(env_list_get(&env, "U"), "@[::1]:6543/d1?"));
	env_list_free(&env);
}

/* --- the command line ----------------------------------------------------------- */

static bool parse(const char *const *words, struct env_args *args, struct hpg_error *err)
{
	int argc = 0;
	while (words[argc] != NULL)
		argc++;
	return env_args_parse(argc, (char **)words, args, err);
}

static void test_args_like_env(void **state)
{
	(void)state;
	struct env_args args;
	struct hpg_error err;
	const char *const words[] = { "env", "-i", "-u", "A", "--unset=B", "--preload=/x.so",
				      "--", "X=1", "Y=heroku://app", "cmd", "Z=2", "-i", NULL };
	assert_true(parse(words, &args, &err));
	assert_true(args.ignore_environment);
	assert_string_equal(args.unset[0], "A");
	assert_string_equal(args.unset[1], "B");
	assert_null(args.unset[2]);
	assert_string_equal(args.preload, "/x.so");
	assert_string_equal(args.assignments[0], "X=1");
	assert_string_equal(args.assignments[1], "Y=heroku://app");
	assert_null(args.assignments[2]);
	/* COMMAND's own arguments are COMMAND's, '=' or '-' in them or not */
	assert_string_equal(args.command[0], "cmd");
	assert_string_equal(args.command[1], "Z=2");
	assert_string_equal(args.command[2], "-i");
	assert_null(args.command[3]);
	assert_int_equal(args.restart_interval, 0);
	assert_int_equal(args.grace, HPGSHIM_ENV_DEFAULT_GRACE);
	env_args_free(&args);
}

static void test_args_restart_options(void **state)
{
	(void)state;
	struct env_args args;
	struct hpg_error err;
	const char *const plain[] = { "env", "--restart-on-change", "--grace=3", "cmd", NULL };
	assert_true(parse(plain, &args, &err));
	assert_int_equal(args.restart_interval, HPGSHIM_ENV_DEFAULT_INTERVAL);
	assert_int_equal(args.grace, 3);
	env_args_free(&args);
	const char *const given[] = { "env", "--restart-on-change=10", "--grace=0", "cmd", NULL };
	assert_true(parse(given, &args, &err));
	assert_int_equal(args.restart_interval, 10);
	assert_int_equal(args.grace, 0);
	env_args_free(&args);

	const char *const refused[][4] = {
		{ "env", "--restart-on-change=9", "cmd", NULL },
		{ "env", "--restart-on-change=1m", "cmd", NULL },
		{ "env", "--grace=-1", "cmd", NULL },
		{ "env", "--grace", "cmd", NULL },
		{ "env", "-u", NULL, NULL },
		{ "env", "--unset=", "cmd", NULL },
		{ "env", "--frobnicate", "cmd", NULL },
		{ "env", "=x", "cmd", NULL },
		{ "env", "X=1", NULL, NULL }, /* no COMMAND: the environment is not printed */
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_false(parse(refused[i], &args, &err));
		env_args_free(&args);
	}
}

int run_env_forms_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_form),
		cmocka_unit_test(test_url_form_reads_back_through_libpq),
		cmocka_unit_test(test_sslmode_rules_are_the_librarys),
		cmocka_unit_test(test_node_postgres_dialect),
		cmocka_unit_test(test_jdbc_forms),
		cmocka_unit_test(test_ipv6_host_in_brackets),
		cmocka_unit_test(test_args_like_env),
		cmocka_unit_test(test_args_restart_options),
	};
	return cmocka_run_group_tests_name("env_forms", tests, NULL, NULL);
}
