/*
 * test_reset.c - when a failed reset may rewrite the credential libpq holds.
 */
#include <string.h>

#include "reset.h"
#include "unit.h"

#define GIVEN {"db.example.com", "5432", "u1234", "old-password-0000", "d1"}

static void test_precheck(void **state)
{
	(void)state;
	const struct credential given = GIVEN;
	assert_int_equal(reset_precheck(true, &given, "old-password-0000"), RESET_REWRITE);
	assert_int_equal(reset_precheck(false, &given, "old-password-0000"), RESET_NOT_REJECTED);
	assert_int_equal(reset_precheck(true, &given, "*****************"), RESET_PASSWORD_NOT_OURS);
	assert_int_equal(reset_precheck(true, &given, ""), RESET_PASSWORD_NOT_OURS);
	assert_int_equal(reset_precheck(true, &given, NULL), RESET_PASSWORD_NOT_OURS);
}

static void test_decide(void **state)
{
	(void)state;
	const struct credential given = GIVEN;
	const char *pass = "old-password-0000", *user = "u1234";
	struct {
		struct credential fresh;
		bool names_server;
		enum reset_case expected;
	} cases[] = {
		{ {"db.example.com", "5432", "u1234", "new-password-1111", "d1"}, false, RESET_REWRITE },
		{ {"db.example.com", "5432", "u1234", "shorter", "d1"}, false, RESET_REWRITE },
		{ {"db.example.com", "5432", "u9876", "new-password-1111", "d1"}, false, RESET_REWRITE },
		{ {"db.example.com", "5432", "u1", "new-password-1111", "d1"}, false, RESET_REWRITE },
		{ GIVEN, false, RESET_SAME_CREDENTIAL },
		{ {"db2.example.com", "5432", "u1234", "new-password-1111", "d1"}, false,
		  RESET_TARGET_CHANGED },
		{ {"db.example.com", "5433", "u1234", "new-password-1111", "d1"}, false,
		  RESET_TARGET_CHANGED },
		{ {"db.example.com", NULL, "u1234", "new-password-1111", "d1"}, false,
		  RESET_TARGET_CHANGED },
		{ {"db.example.com", "5432", "u1234", "new-password-1111", "d2"}, false,
		  RESET_TARGET_CHANGED },
		/* the connection's dbname is the caller's own: the credential's does not matter */
		{ {"db.example.com", "5432", "u1234", "new-password-1111", "d2"}, true, RESET_REWRITE },
		{ {"db.example.com", "5432", "u1234", "new-password-11112", "d1"}, false,
		  RESET_PASSWORD_LONGER },
		{ {"db.example.com", "5432", "u12345", "new-password-1111", "d1"}, false,
		  RESET_USER_LONGER },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(reset_decide(&given, &cases[i].fresh, cases[i].names_server, pass, user),
				 cases[i].expected);

	/* The buffers changed while the request was under way. */
	const struct credential fresh = {"db.example.com", "5432", "u9876", "new-password-1111", "d1"};
	assert_int_equal(reset_decide(&given, &fresh, false, "xxx", user), RESET_PASSWORD_NOT_OURS);
	assert_int_equal(reset_decide(&given, &fresh, false, pass, "xxxxx"), RESET_USER_NOT_OURS);
	/* A user buffer that is not ours matters only when the user changes. */
	const struct credential same_user = {"db.example.com", "5432", "u1234", "new-password-1111",
					     "d1"};
	assert_int_equal(reset_decide(&given, &same_user, false, pass, "xxxxx"), RESET_REWRITE);
}

static void test_every_case_is_explained(void **state)
{
	(void)state;
	for (int c = RESET_REWRITE; c <= RESET_USER_LONGER; c++) {
		const char *text = reset_case_text(c);
		assert_true(c == RESET_REWRITE ? strncmp(text, "rewrote ", 8) == 0
					       : strncmp(text, "not rewritten: ", 15) == 0);
	}
}

static void test_notice_only_when_a_new_credential_could_not_be_taken(void **state)
{
	(void)state;
	for (int c = RESET_REWRITE; c <= RESET_USER_LONGER; c++)
		assert_int_equal(reset_case_needs_notice(c),
				 c != RESET_REWRITE && c != RESET_NOT_REJECTED);
}

static void test_notice_names_the_placeholder_as_typed(void **state)
{
	(void)state;
	char line[512];
	reset_notice(line, sizeof line, RESET_PASSWORD_LONGER, "my-app", "DATABASE_URL");
	assert_string_equal(line, "could not reset the connection to heroku://my-app with the "
			    "current credential (the new password is longer than the one libpq "
			    "holds); connect again with the placeholder, in psql: "
			    "\\c dbname=heroku://my-app");
	reset_notice(line, sizeof line, RESET_TARGET_CHANGED, "my-app", "HEROKU_POSTGRESQL_RED_URL");
	assert_non_null(strstr(line, "connection to heroku://my-app/HEROKU_POSTGRESQL_RED_URL with"));
	assert_non_null(strstr(line, "(the credential now names another host, port or database, "
				     "which a reset cannot change)"));
	assert_non_null(strstr(line, "in psql: \\c dbname=heroku://my-app/"
				     "HEROKU_POSTGRESQL_RED_URL"));
	/* Truncated, never overrun. */
	char small[16] = "";
	reset_notice(small, sizeof small, RESET_PASSWORD_LONGER, "my-app", "DATABASE_URL");
	assert_string_equal(small, "could not reset");
}

static void test_rewrite_wipes_the_rest(void **state)
{
	(void)state;
	char buffer[] = "old-password-0000\0guard";
	reset_rewrite(buffer, "new-pass");
	assert_string_equal(buffer, "new-pass");
	for (size_t i = strlen("new-pass"); i < strlen("old-password-0000"); i++)
		assert_int_equal(buffer[i], '\0');
	assert_string_equal(buffer + strlen("old-password-0000") + 1, "guard");
	char same[] = "abcd";
	reset_rewrite(same, "wxyz");
	assert_string_equal(same, "wxyz");
}

int run_reset_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precheck),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_every_case_is_explained),
		cmocka_unit_test(test_notice_only_when_a_new_credential_could_not_be_taken),
		cmocka_unit_test(test_notice_names_the_placeholder_as_typed),
		cmocka_unit_test(test_rewrite_wipes_the_rest),
	};
	return cmocka_run_group_tests_name("reset", tests, NULL, NULL);
}
