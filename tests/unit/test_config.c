/*
 * test_config.c - reading the numbers of hpgshim's environment.
 */
#include "config.h"
#include "unit.h"

static void test_numbers(void **state)
{
	(void)state;
	assert_int_equal(config_parse_number("450", 7, 1000000), 450);
	assert_int_equal(config_parse_number("0", 7, 1000000), 0);
	assert_int_equal(config_parse_number("1000000", 7, 1000000), 1000000);
	/* anything else is the default, never a surprise */
	const char *const refused[] = { NULL, "", "-1", "1000001", "12x", "5 ", "0x10",
					"99999999999999999999" };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_int_equal(config_parse_number(refused[i], 7, 1000000), 7);
}

static void test_seconds_are_at_most_a_day(void **state)
{
	(void)state;
	assert_int_equal(config_parse_seconds("86400", 10), 86400);
	assert_int_equal(config_parse_seconds("86401", 10), 10);
	assert_int_equal(config_parse_seconds("0", 10), 0);
}

int run_config_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_seconds_are_at_most_a_day),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
