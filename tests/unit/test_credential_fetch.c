/*
 * test_credential_fetch.c - which failed requests get one more.
 */
#include "credential_fetch.h"
#include "unit.h"

/* An answer: only a 5xx.  No answer: only what the transport called
 * transient (refused, reset, a broken transfer), never a timeout or TLS. */
static void test_should_try_again(void **state)
{
	(void)state;
	const struct {
		bool answered;
		long status;
		bool transient;
		bool again;
	} cases[] = {
		{ true, 500, false, true },
		{ true, 502, false, true },
		{ true, 503, false, true },
		{ true, 599, false, true },
		{ true, 500, true, true },	/* an answer: transient is not read */
		{ true, 200, false, false },
		{ true, 304, false, false },
		{ true, 302, false, false },
		{ true, 401, false, false },
		{ true, 404, false, false },
		{ true, 429, false, false },
		{ true, 499, false, false },
		{ true, 600, false, false },
		{ true, 200, true, false },
		{ false, 0, true, true },
		{ false, 0, false, false },
		{ false, 503, false, false },	/* no answer: a status is not read */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool again = credential_fetch_should_try_again(cases[i].answered, cases[i].status,
							       cases[i].transient);
		if (again != cases[i].again)
			fail_msg("case %zu: answered=%d status=%ld transient=%d: got %d", i,
				 cases[i].answered, cases[i].status, cases[i].transient, again);
	}
}

int run_credential_fetch_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_should_try_again),
	};
	return cmocka_run_group_tests_name("credential_fetch", tests, NULL, NULL);
}
