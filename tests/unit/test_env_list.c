/*
 * test_env_list.c - the environment hpgshim env hands COMMAND.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_list.h"
#include "unit.h"

static void test_set_get_unset(void **state)
{
	(void)state;
	char *const envp[] = { "A=1", "NOT AN ASSIGNMENT", "B=x=y", "C=", NULL };
	struct env_list env;
	assert_true(env_list_copy(&env, envp));
	assert_int_equal(env.count, 3); /* what execve() would pass but no one reads: left out */
	assert_string_equal(env_list_get(&env, "B"), "x=y");
	assert_string_equal(env_list_get(&env, "C"), "");
	assert_null(env_list_get(&env, "A=1"));
	assert_null(env_list_get(&env, ""));

	/* Replaced in place: the order of the environment is kept. */
	assert_true(env_list_set(&env, "A", "2"));
	assert_string_equal(env.entries[0], "A=2");
	assert_true(env_list_set(&env, "D", "4"));
	assert_string_equal(env.entries[3], "D=4");
	assert_null(env.entries[4]);

	env_list_unset(&env, "B");
	env_list_unset(&env, "NO_SUCH");
	assert_int_equal(env.count, 3);
	assert_null(env_list_get(&env, "B"));
	assert_null(env.entries[3]);
	char *name = env_list_name(&env, 1);
	assert_string_equal(name, "C");
	free(name);

	env_list_free(&env);
	assert_int_equal(env.count, 0);
	assert_null(env.entries);
	assert_true(env_list_copy(&env, NULL));
	assert_int_equal(env.count, 0);
	env_list_free(&env);
}

static void test_grows(void **state)
{
	(void)state;
	struct env_list env = ENV_LIST_INIT;
	char name[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "V%d", i);
		assert_true(env_list_set(&env, name, name));
	}
	assert_int_equal(env.count, 1000);
	assert_string_equal(env_list_get(&env, "V999"), "V999");
	assert_null(env.entries[1000]);
	env_list_free(&env);
}

int run_env_list_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_unset),
		cmocka_unit_test(test_grows),
	};
	return cmocka_run_group_tests_name("env_list", tests, NULL, NULL);
}
