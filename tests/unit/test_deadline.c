/*
 * test_deadline.c - which limit bounds a connect, as libpq reads the
 * connection's own timeout.
 */
#include <string.h>

#include "deadline.h"
#include "unit.h"

static void test_the_lowest_limit_bounds_the_call(void **state)
{
	(void)state;
	const struct {
		const char *connect_timeout;	/* the call's */
		const char *env;		/* PGCONNECT_TIMEOUT */
		const char *limit;
		long seconds;
	} cases[] = {
		{ NULL, NULL, "HPGSHIM_TIMEOUT", 10 },
		{ "3", NULL, "connect_timeout", 3 },
		{ NULL, "3", "PGCONNECT_TIMEOUT", 3 },
		{ "4", "3", "connect_timeout", 4 },	/* the call's wins, as in libpq */
		{ "1", NULL, "connect_timeout", 2 },	/* libpq's least */
		{ "0", "3", "HPGSHIM_TIMEOUT", 10 },	/* 0: no limit of its own */
		{ "30", NULL, "HPGSHIM_TIMEOUT", 10 },
		{ "x", "3", "HPGSHIM_TIMEOUT", 10 },	/* libpq refuses it anyway */
		{ NULL, "-5", "HPGSHIM_TIMEOUT", 10 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct deadline d;
		deadline_start(&d, 10, cases[i].connect_timeout, cases[i].env);
		if (strcmp(d.limit, cases[i].limit) != 0 || d.seconds != cases[i].seconds)
			fail_msg("case %zu: %s=%ld", i, d.limit, d.seconds);
		assert_true(deadline_left_ms(&d) > (cases[i].seconds - 1) * 1000);
		assert_int_equal(deadline_is_the_connections(&d),
				 strcmp(cases[i].limit, "HPGSHIM_TIMEOUT") != 0);
	}
}

static void test_the_error_names_the_limit(void **state)
{
	(void)state;
	struct deadline d;
	struct hpg_error err;
	deadline_start(&d, 10, NULL, "3");
	deadline_explain(&d, "waiting for the Heroku API", &err);
	assert_non_null(strstr(err.text, "the connection's PGCONNECT_TIMEOUT=3 ran out while "
				"waiting for the Heroku API"));
	deadline_start(&d, 7, NULL, NULL);
	deadline_explain(&d, "about to retry", &err);
	assert_non_null(strstr(err.text, "HPGSHIM_TIMEOUT=7 ran out while about to retry"));
}

int run_deadline_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_lowest_limit_bounds_the_call),
		cmocka_unit_test(test_the_error_names_the_limit),
	};
	return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}
