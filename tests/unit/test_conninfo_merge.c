/*
 * test_conninfo_merge.c - the sslmode rule and what the credential replaces.
 */
#include <stdlib.h>
#include <string.h>

#include "conninfo_merge.h"
#include "unit.h"

static void test_sslmode_is_raised_to_require(void **state)
{
	(void)state;
	const char *const cases[][2] = {
		{ NULL, "require" },       { "", "require" },
		{ "disable", "require" },  { "allow", "require" },
		{ "prefer", "require" },   { "require", "require" },
		{ "verify-ca", "verify-ca" }, { "verify-full", "verify-full" },
		{ "bogus", "bogus" }, /* left for libpq to reject */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_string_equal(conninfo_merge_sslmode(cases[i][0], NULL), cases[i][1]);
		assert_string_equal(conninfo_merge_sslmode(cases[i][0], "/etc/ca.pem"), cases[i][1]);
	}
}

/* libpq 16+: sslrootcert=system means verify-full; a verify-* asked for is kept. */
static void test_sslrootcert_system_means_verify_full(void **state)
{
	(void)state;
	const char *const cases[][2] = {
		{ NULL, "verify-full" },      { "", "verify-full" },
		{ "disable", "verify-full" }, { "prefer", "verify-full" },
		{ "require", "verify-full" }, { "verify-full", "verify-full" },
		{ "verify-ca", "verify-ca" }, /* libpq says why it is not enough */
		{ "bogus", "bogus" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(conninfo_merge_sslmode(cases[i][0], "system"), cases[i][1]);

	struct credential cred = { "h", "5", "u", "p", "d" };
	struct optlist caller = OPTLIST_INIT, none = OPTLIST_INIT, out = OPTLIST_INIT;
	assert_true(optlist_set(&caller, "sslrootcert", "system"));
	assert_true(conninfo_merge(&caller, &none, &cred, "prefer", &out));
	assert_string_equal(optlist_get(&out, "sslmode"), "verify-full");
	optlist_free(&out);
	/* from the placeholder's query too */
	assert_true(conninfo_merge(&none, &caller, &cred, NULL, &out));
	assert_string_equal(optlist_get(&out, "sslmode"), "verify-full");
	optlist_free(&out);
	optlist_free(&caller);
}

static struct credential test_credential(void)
{
	static char host[] = "db.example.com", port[] = "6543", user[] = "u1",
		    password[] = "p w'\\", dbname[] = "d1";
	return (struct credential){ host, port, user, password, dbname };
}

static void test_credential_replaces_target_and_keeps_the_rest(void **state)
{
	(void)state;
	struct optlist caller = OPTLIST_INIT, query = OPTLIST_INIT, out = OPTLIST_INIT;
	const char *const dropped[][2] = {
		{ "host", "caller-host" }, { "hostaddr", "10.0.0.1" }, { "port", "1" },
		{ "user", "caller" }, { "password", "caller-pw" }, { "dbname", "heroku://x" },
	};
	for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		assert_true(optlist_set(&caller, dropped[i][0], dropped[i][1]));
	assert_true(optlist_set(&caller, "service", "svc"));
	assert_true(optlist_set(&caller, "application_name", "from-call"));
	assert_true(optlist_set(&caller, "connect_timeout", "7"));
	assert_true(optlist_set(&query, "application_name", "from-query"));
	struct credential cred = test_credential();

	assert_true(conninfo_merge(&caller, &query, &cred, NULL, &out));
	assert_string_equal(optlist_get(&out, "host"), "db.example.com");
	assert_string_equal(optlist_get(&out, "port"), "6543");
	assert_string_equal(optlist_get(&out, "user"), "u1");
	assert_string_equal(optlist_get(&out, "password"), "p w'\\");
	assert_string_equal(optlist_get(&out, "dbname"), "d1");
	assert_null(optlist_get(&out, "hostaddr"));
	/* the service's other keywords apply, as libpq applies them */
	assert_string_equal(optlist_get(&out, "service"), "svc");
	assert_string_equal(optlist_get(&out, "application_name"), "from-query");
	assert_string_equal(optlist_get(&out, "connect_timeout"), "7");
	assert_string_equal(optlist_get(&out, "sslmode"), "require");
	/* the arrays libpq gets are NULL-terminated */
	assert_null(out.keywords[out.count]);
	assert_null(out.values[out.count]);
	optlist_free(&caller);
	optlist_free(&query);
	optlist_free(&out);
}

static void test_sslmode_from_call_or_environment(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	struct optlist caller = OPTLIST_INIT, none = OPTLIST_INIT, out = OPTLIST_INIT;

	/* PGSSLMODE counts when the call gives none */
	assert_true(conninfo_merge(&none, &none, &cred, "verify-full", &out));
	assert_string_equal(optlist_get(&out, "sslmode"), "verify-full");
	optlist_free(&out);
	assert_true(conninfo_merge(&none, &none, &cred, "disable", &out));
	assert_string_equal(optlist_get(&out, "sslmode"), "require");
	optlist_free(&out);

	/* the call's own sslmode comes before PGSSLMODE */
	assert_true(optlist_set(&caller, "sslmode", "disable"));
	assert_true(conninfo_merge(&caller, &none, &cred, "verify-full", &out));
	assert_string_equal(optlist_get(&out, "sslmode"), "require");
	optlist_free(&out);
	optlist_free(&caller);
}

static void test_missing_port_and_dbname_are_written_out(void **state)
{
	(void)state;
	struct credential cred = test_credential();
	cred.port = NULL;
	cred.dbname = NULL;
	struct optlist none = OPTLIST_INIT, out = OPTLIST_INIT;
	assert_true(conninfo_merge(&none, &none, &cred, NULL, &out));
	assert_string_equal(optlist_get(&out, "port"), "5432");
	assert_string_equal(optlist_get(&out, "dbname"), "u1");
	optlist_free(&out);
}

/*
 * What the real libpq makes of the merged options: PGHOSTADDR (and so a
 * service entry's hostaddr, filled the same way) does not reach the
 * connection, and the credential's dbname is the one used.  The
 * connection fails before any I/O on an option libpq rejects.
 */
static void test_hostaddr_is_pinned_empty(void **state)
{
	(void)state;
	struct credential cred = { "db.invalid", "5", "u", "p", "d1" };
	struct optlist caller = OPTLIST_INIT, none = OPTLIST_INIT, out = OPTLIST_INIT;
	assert_true(optlist_set(&caller, "target_session_attrs", "not-a-mode"));
	assert_true(optlist_set(&caller, "hostaddr", "127.0.0.9"));
	assert_true(conninfo_merge(&caller, &none, &cred, NULL, &out));
	/* the first dbname is the one libpq expands */
	assert_string_equal(out.keywords[0], "dbname");
	assert_string_equal(out.values[0], CONNINFO_MERGE_PINNED_EMPTY);
	assert_string_equal(optlist_get(&out, "dbname"), "d1");

	assert_int_equal(setenv("PGHOSTADDR", "127.0.0.9", 1), 0);
	PGconn *conn = PQconnectStartParams((const char *const *)out.keywords,
					    (const char *const *)out.values,
					    CONNINFO_MERGE_EXPAND_DBNAME);
	unsetenv("PGHOSTADDR");
	assert_non_null(conn);
	PQconninfoOption *seen = PQconninfo(conn);
	assert_non_null(seen);
	for (PQconninfoOption *o = seen; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "hostaddr") == 0)
			assert_true(o->val == NULL || o->val[0] == '\0');
		if (strcmp(o->keyword, "dbname") == 0)
			assert_string_equal(o->val, "d1");
		if (strcmp(o->keyword, "host") == 0)
			assert_string_equal(o->val, "db.invalid");
	}
	PQconninfoFree(seen);
	PQfinish(conn);
	optlist_free(&caller);
	optlist_free(&out);
}

int run_conninfo_merge_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sslmode_is_raised_to_require),
		cmocka_unit_test(test_sslrootcert_system_means_verify_full),
		cmocka_unit_test(test_hostaddr_is_pinned_empty),
		cmocka_unit_test(test_credential_replaces_target_and_keeps_the_rest),
		cmocka_unit_test(test_sslmode_from_call_or_environment),
		cmocka_unit_test(test_missing_port_and_dbname_are_written_out),
	};
	return cmocka_run_group_tests_name("conninfo_merge", tests, NULL, NULL);
}
