/*
 * test_retry.c - which failures are retried, and how often.
 */
#include "retry.h"
#include "unit.h"

static void test_rejection_is_recognised(void **state)
{
	(void)state;
	const char *const rejected[] = {
		"connection to server at \"h\" (1.2.3.4), port 5432 failed: FATAL:  password "
		"authentication failed for user \"u\"\n",
		"connection to server at \"h\", port 5432 failed: FATAL:  role \"u\" does not exist\n",
		"connection to server at \"h\", port 5432 failed: FATAL:  no pg_hba.conf entry for "
		"host \"1.2.3.4\", user \"u\", database \"d\", SSL encryption\n",
		"connection to server at \"h\", port 5432 failed: FATAL:  pg_hba.conf rejects "
		"connection for host \"1.2.3.4\", user \"u\", database \"d\", no encryption\n",
	};
	const char *const not_rejected[] = {
		"connection to server at \"h\", port 5432 failed: Connection refused\n",
		"connection to server at \"h\", port 5432 failed: FATAL:  database \"d\" does not exist\n",
		"invalid connection option \"x\"\n",
		"connection to server at \"h\", port 5432 failed: FATAL:  sorry, too many clients already\n",
		"",
		NULL,
	};
	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
		assert_true(retry_credential_rejected(rejected[i]));
	for (size_t i = 0; i < sizeof not_rejected / sizeof not_rejected[0]; i++)
		assert_false(retry_credential_rejected(not_rejected[i]));
}

static void test_decision_table(void **state)
{
	(void)state;
	assert_int_equal(retry_decide(true, false), RETRY_CREDENTIAL_REJECTED);
	assert_int_equal(retry_decide(true, true), RETRY_CREDENTIAL_REJECTED);
	assert_int_equal(retry_decide(false, true), RETRY_CREDENTIAL_CHANGED);
	assert_int_equal(retry_decide(false, false), RETRY_NO);
}

int run_retry_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejection_is_recognised),
		cmocka_unit_test(test_decision_table),
	};
	return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
