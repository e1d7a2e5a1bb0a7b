/*
 * main.c - runs every group of unit tests; exit status is the failure count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#define LIBPQ_DIRECT_MEMBER(name) .name = name,
const struct libpq_api libpq_direct = { LIBPQ_API_FUNCTIONS(LIBPQ_DIRECT_MEMBER) };

const struct cjson_api *unit_cjson(void)
{
	struct hpg_error err;
	const struct cjson_api *api = lazy_libs_cjson(&err);
	if (api == NULL)
		fail_msg("%s", err.text);
	return api;
}

int unit_private_dir(char *path, size_t size)
{
	snprintf(path, size, "/tmp/hpgshim-unit-XXXXXX");
	return mkdtemp(path) == NULL ? -1 : 0;
}

int unit_remove_dir(const char *path)
{
	char command[256];
	snprintf(command, sizeof command, "rm -rf '%s'", path);
	return system(command) == 0 ? 0 : -1;
}

int main(void)
{
	int (*const groups[])(void) = {
		run_placeholder_tests, run_credential_tests, run_conninfo_merge_tests,
		run_call_target_tests, run_api_answer_tests, run_api_tests,
		run_retry_tests, run_reset_tests, run_connect_retry_tests,
		run_config_tests, run_out_parameter_tests, run_credential_fetch_tests,
		run_conninfo_parse_answer_tests, run_credential_source_tests, run_cache_file_tests,
		run_single_flight_tests, run_deadline_tests, run_env_forms_tests, run_env_list_tests,
		run_libcurl_compat_tests,
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		failed += groups[i]();
	printf("unit tests: %d failed\n", failed);
	return failed != 0;
}
