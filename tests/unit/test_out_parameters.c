/*
 * test_out_parameters.c - every out-parameter is set on entry.
 *
 * A caller may ignore a getter's result and free what it got (run_fetch_job
 * does): that is safe only if a miss or a failure leaves each out-parameter
 * empty, never as the caller had it nor pointing at something freed.  Each
 * test hands in out-parameters that point at a poison value and checks that
 * a miss clears them.
 */
#include <stdlib.h>
#include <string.h>

#include "cache_file.h"
#include "conninfo_merge.h"
#include "cache_memory.h"
#include "cache.h"
#include "call_target.h"
#include "single_flight.h"
#include "unit.h"

static char poison[] = "poison: must have been cleared";

static struct credential poisoned_credential(void)
{
	return (struct credential){
		.host = poison, .port = poison, .user = poison, .password = poison, .dbname = poison,
	};
}

static void assert_empty_credential(const struct credential *cred)
{
	assert_null(cred->host);
	assert_null(cred->port);
	assert_null(cred->user);
	assert_null(cred->password);
	assert_null(cred->dbname);
}

static void test_cache_misses_clear_out_parameters(void **state)
{
	(void)state;
	struct credential cred = poisoned_credential();
	char *etag = poison;
	assert_false(cache_memory_get_validator("out-params.NO_SUCH_VAR.00000000", &cred, &etag));
	assert_empty_credential(&cred);
	assert_null(etag);

	cred = poisoned_credential();
	assert_false(cache_memory_get_fresh("out-params.NO_SUCH_VAR.00000000", 600, &cred));
	assert_empty_credential(&cred);

	/* held, but without an ETag: no validator */
	const struct credential held = { .host = "h", .user = "u", .password = "p" };
	cache_memory_put("out-params.NO_ETAG.00000000", &held, NULL);
	cred = poisoned_credential();
	etag = poison;
	assert_false(cache_memory_get_validator("out-params.NO_ETAG.00000000", &cred, &etag));
	assert_empty_credential(&cred);
	assert_null(etag);

	/* and a hit fills both */
	cache_memory_put("out-params.HELD.00000000", &held, "\"tag\"");
	assert_true(cache_memory_get_validator("out-params.HELD.00000000", &cred, &etag));
	assert_string_equal(cred.password, "p");
	assert_string_equal(etag, "\"tag\"");
	credential_free(&cred);
	free(etag);
}

static void test_store_and_file_misses_clear_out_parameters(void **state)
{
	(void)state;
	const struct hpg_config config = { .cache_ttl_seconds = 600 };
	struct credential cred = poisoned_credential();
	char *etag = poison;
	assert_false(cache_get_validator(&config, "out-params.STORE.00000000", &cred, &etag));
	assert_empty_credential(&cred);
	assert_null(etag);

	cred = poisoned_credential();
	assert_false(cache_get_fresh(&config, "out-params.STORE.00000000", &cred));
	assert_empty_credential(&cred);

	struct hpg_error err;
	const struct cjson_api *json = lazy_libs_cjson(&err);
	assert_non_null(json);
	cred = poisoned_credential();
	etag = poison;
	time_t fetched = 42;
	assert_false(cache_file_read(json, "/nonexistent/out-params.json", &cred, &etag, &fetched));
	assert_empty_credential(&cred);
	assert_null(etag);
	assert_int_equal(fetched, 0);
}

static bool failing_fetch(void *arg, void *out, struct hpg_error *err)
{
	(void)arg;
	(void)out; /* breaks the rule on purpose: single_flight must not rely on it */
	hpg_error_set(err, "it failed");
	return false;
}

static const struct credential empty_credential = CREDENTIAL_INIT;

static bool copy_credential(void *dst, const void *src)
{
	return credential_copy(dst, src);
}

static void release_credential(void *cred)
{
	credential_free(cred);
}

static void test_single_flight_failure_clears_out(void **state)
{
	(void)state;
	const struct flight_outcome_type type = {
		.size = sizeof(struct credential),
		.empty = &empty_credential,
		.copy = copy_credential,
		.release = release_credential,
	};
	struct credential cred = poisoned_credential();
	struct hpg_error err;
	assert_false(single_flight("out-params", &type, failing_fetch, NULL, &cred, &err));
	assert_empty_credential(&cred);
	assert_string_equal(err.text, "it failed");
}

static void test_optlist_fillers_start_empty(void **state)
{
	(void)state;
	char *poison_list[] = { poison, NULL };
	const struct optlist poisoned = { poison_list, poison_list, 1, 1 };

	struct optlist out = poisoned;
	assert_false(call_target_from_conninfo(&libpq_direct, "not a conninfo", &out));
	assert_null(out.keywords);
	assert_int_equal(out.count, 0);

	out = poisoned;
	const char *const keywords[] = { "dbname", NULL };
	const char *const values[] = { "heroku://a", NULL };
	assert_true(call_target_from_params(&libpq_direct, keywords, values, 1, &out));
	assert_int_equal(out.count, 1);
	assert_string_equal(optlist_get(&out, "dbname"), "heroku://a");
	optlist_free(&out);

	out = poisoned;
	const struct optlist empty = OPTLIST_INIT;
	const struct credential cred = { .host = "h", .user = "u", .password = "p" };
	assert_true(conninfo_merge(&empty, &empty, &cred, NULL, &out));
	assert_null(optlist_get(&out, poison));
	assert_string_equal(optlist_get(&out, "host"), "h");
	optlist_free(&out);
}

int run_out_parameter_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_misses_clear_out_parameters),
		cmocka_unit_test(test_store_and_file_misses_clear_out_parameters),
		cmocka_unit_test(test_single_flight_failure_clears_out),
		cmocka_unit_test(test_optlist_fillers_start_empty),
	};
	return cmocka_run_group_tests_name("out_parameters", tests, NULL, NULL);
}
