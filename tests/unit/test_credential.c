/*
 * test_credential.c - reading a DATABASE_URL with libpq's parser.
 */
#include <string.h>

#include "credential.h"
#include "unit.h"

static void test_heroku_url_with_awkward_password(void **state)
{
	(void)state;
	struct credential cred;
	struct hpg_error err;
	/* p@ss w'rd"\=&%:/?#x, percent-encoded as Heroku would */
	const char *url = "postgres://u1:p%40ss%20w%27rd%22%5C%3D%26%25%3A%2F%3F%23x"
			  "@db.example.com:6543/d1";
	assert_true(credential_from_url(&libpq_direct, url, &cred, &err));
	assert_string_equal(cred.host, "db.example.com");
	assert_string_equal(cred.port, "6543");
	assert_string_equal(cred.user, "u1");
	assert_string_equal(cred.password, "p@ss w'rd\"\\=&%:/?#x");
	assert_string_equal(cred.dbname, "d1");
	credential_free(&cred);
	assert_null(cred.password);
}

struct invalid_case {
	const char *url;
	const char *reason;
};

static const struct invalid_case invalid[] = {
	{ "mysql://u:secretpw@h/d", "not a postgres:// URL" },
	{ "redis://h:secretpw@h:6379", "not a postgres:// URL" },
	{ "", "not a postgres:// URL" },
	{ "postgres://u@h/d", "no password" },
	{ "postgres://:secretpw@h/d", "no user" },
	{ "postgres://u:secretpw@/d", "no host" },
	{ "postgres://u:secretpw@h1,h2/d", "several hosts" },
	{ "postgres://u:secretpw@h/d?bogus=1", "not a valid postgres:// URL" },
	{ "postgres://u:secretpw%zz@h/d", "not a valid postgres:// URL" },
};

static void test_invalid_urls_never_quote_the_secret(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		struct credential cred;
		struct hpg_error err = { "" };
		if (credential_from_url(&libpq_direct, invalid[i].url, &cred, &err))
			fail_msg("%s accepted", invalid[i].reason);
		if (strstr(err.text, invalid[i].reason) == NULL)
			fail_msg("\"%s\" does not say \"%s\"", err.text, invalid[i].reason);
		assert_null(strstr(err.text, "secretpw"));
	}
}

static void test_equal_and_copy(void **state)
{
	(void)state;
	struct credential a, b, c;
	struct hpg_error err;
	assert_true(credential_from_url(&libpq_direct, "postgres://u:one@h:1/d", &a, &err));
	assert_true(credential_from_url(&libpq_direct, "postgres://u:two@h:1/d", &b, &err));
	assert_true(credential_copy(&c, &a));
	assert_true(credential_equal(&a, &c));
	assert_false(credential_equal(&a, &b));
	credential_free(&a);
	credential_free(&b);
	credential_free(&c);
}

int run_credential_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heroku_url_with_awkward_password),
		cmocka_unit_test(test_invalid_urls_never_quote_the_secret),
		cmocka_unit_test(test_equal_and_copy),
	};
	return cmocka_run_group_tests_name("credential", tests, NULL, NULL);
}
