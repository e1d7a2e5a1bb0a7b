/*
 * main.c - runs every group of unit tests; exit status is the failure count.
 */
#include <stdio.h>

#include "unit.h"

#define LIBPQ_DIRECT_MEMBER(name) .name = name,
const struct libpq_api libpq_direct = { LIBPQ_API_FUNCTIONS(LIBPQ_DIRECT_MEMBER) };

int main(void)
{
	int (*const groups[])(void) = {
		run_placeholder_tests, run_credential_tests, run_conninfo_merge_tests,
		run_call_target_tests, run_api_answer_tests, run_api_tests,
		run_retry_tests, run_reset_tests, run_connect_retry_tests,
		run_config_tests, run_out_parameter_tests, run_credential_fetch_tests,
		run_connect_conninfo_parse_tests, run_libcurl_compat_tests,
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		failed += groups[i]();
	printf("unit tests: %d failed\n", failed);
	return failed != 0;
}
