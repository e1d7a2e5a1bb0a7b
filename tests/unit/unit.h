/*
 * unit.h - shared by the cmocka unit tests of the shim's core.
 *
 * The core is called directly, linked against the system libpq: no
 * LD_PRELOAD, no server, no network.
 */
#ifndef HPGSHIM_UNIT_H
#define HPGSHIM_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lazy_libs.h"
#include "libpq_api.h"

/* The libpq this test binary links, as the core's function table. */
extern const struct libpq_api libpq_direct;

/* cJSON, opened as the library opens it; the test fails when it cannot be. */
const struct cjson_api *unit_cjson(void);

/* A new directory of mode 0700 under /tmp, its path in path; -1 when it cannot be made. */
int unit_private_dir(char *path, size_t size);

/* Removes path and everything in it; -1 when that fails. */
int unit_remove_dir(const char *path);

int run_placeholder_tests(void);
int run_credential_tests(void);
int run_conninfo_merge_tests(void);
int run_call_target_tests(void);
int run_api_answer_tests(void);
int run_api_tests(void);
int run_retry_tests(void);
int run_conninfo_parse_answer_tests(void);
int run_reset_tests(void);
int run_connect_retry_tests(void);
int run_config_tests(void);
int run_out_parameter_tests(void);
int run_credential_fetch_tests(void);
int run_credential_source_tests(void);
int run_cache_file_tests(void);
int run_single_flight_tests(void);
int run_deadline_tests(void);
int run_env_forms_tests(void);
int run_env_list_tests(void);
int run_libcurl_compat_tests(void);

#endif
