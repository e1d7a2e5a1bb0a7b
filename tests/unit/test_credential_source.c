/*
 * test_credential_source.c - the decision table, row by row, and the source
 * carried out against a scripted fetch (the one thing replaced, through
 * struct credential_query) with the real cache, memory and directory.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_budget.h"
#include "cache.h"
#include "credential_source.h"
#include "fallback_warning.h"
#include "unit.h"

/* --- the first table: before asking ----------------------------------------- */

#define STATE(...) ((struct credential_state){ __VA_ARGS__ })

static const struct {
	enum credential_reason reason;
	struct credential_state state;
	enum credential_step step;
	enum credential_origin origin;	/* of STEP_SERVE_HELD */
	bool forgets_failed;
} decisions[] = {
	/* a connect */
	{ CREDENTIAL_FOR_CONNECT, STATE(.held_within_ttl = true, .retry_after = true),
	  STEP_SERVE_HELD, CREDENTIAL_HELD_TTL, false },
	{ CREDENTIAL_FOR_CONNECT, STATE(.budget_low = true, .held_within_floor = true),
	  STEP_SERVE_HELD, CREDENTIAL_HELD_FLOOR, false },
	{ CREDENTIAL_FOR_CONNECT, STATE(.budget_low = true, .held_within_stale = true),
	  STEP_ASK, 0, false },	/* low, but what is held is older than 60 s: ask */
	{ CREDENTIAL_FOR_CONNECT, STATE(.retry_after = true, .held_within_stale = true),
	  STEP_SERVE_HELD, CREDENTIAL_HELD_RETRY_AFTER, false },
	{ CREDENTIAL_FOR_CONNECT, STATE(.retry_after = true), STEP_FAIL_RETRY_AFTER, 0, false },
	{ CREDENTIAL_FOR_CONNECT, STATE(0), STEP_ASK, 0, false },
	{ CREDENTIAL_FOR_CONNECT, STATE(.asked_recently = true), STEP_ASK, 0, false },
	/* another failure: keep, ask rarely */
	{ CREDENTIAL_AFTER_FAILURE, STATE(.held_within_ttl = true, .budget_low = true),
	  STEP_SERVE_HELD, CREDENTIAL_HELD_TTL, false },
	{ CREDENTIAL_AFTER_FAILURE, STATE(.budget_low = true), STEP_SERVE_HELD,
	  CREDENTIAL_HELD_FLOOR, false },
	{ CREDENTIAL_AFTER_FAILURE, STATE(.retry_after = true), STEP_SERVE_HELD,
	  CREDENTIAL_HELD_RETRY_AFTER, false },
	{ CREDENTIAL_AFTER_FAILURE, STATE(.asked_recently = true), STEP_SERVE_HELD,
	  CREDENTIAL_HELD_RECENTLY_ASKED, false },
	{ CREDENTIAL_AFTER_FAILURE, STATE(.held_within_stale = true), STEP_ASK, 0, false },
	/* a rejection: forget, fetch at once whatever the TTL or the floor */
	{ CREDENTIAL_AFTER_REJECTION, STATE(.held_within_ttl = true, .budget_low = true,
					    .held_within_floor = true),
	  STEP_ASK_UNCONDITIONALLY, 0, true },
	{ CREDENTIAL_AFTER_REJECTION, STATE(.retry_after = true, .held_within_stale = true),
	  STEP_FAIL_RETRY_AFTER, 0, true },
	{ CREDENTIAL_FOR_RESET, STATE(.held_within_ttl = true), STEP_ASK_UNCONDITIONALLY, 0, true },
	{ CREDENTIAL_FOR_RESET, STATE(.retry_after = true), STEP_FAIL_RETRY_AFTER, 0, true },
	{ CREDENTIAL_FOR_ROTATION_WAIT, STATE(.held_within_ttl = true), STEP_ASK_UNCONDITIONALLY,
	  0, false },
	{ CREDENTIAL_FOR_ROTATION_WAIT, STATE(.retry_after = true), STEP_FAIL_RETRY_AFTER, 0,
	  false },
};

static void test_every_row_before_asking(void **state)
{
	(void)state;
	bool covered[64] = { false };
	assert_true(credential_rule_count <= 64);
	for (size_t i = 0; i < sizeof decisions / sizeof decisions[0]; i++) {
		size_t row;
		const struct credential_rule *rule =
			credential_source_decide(decisions[i].reason, &decisions[i].state, &row);
		if (rule->step != decisions[i].step || rule->forgets_failed !=
		    decisions[i].forgets_failed || (rule->step == STEP_SERVE_HELD &&
						   rule->origin != decisions[i].origin))
			fail_msg("case %zu: row %zu: step %d origin %d forgets %d", i, row,
				 rule->step, rule->origin, rule->forgets_failed);
		covered[row] = true;
	}
	for (size_t row = 0; row < credential_rule_count; row++)
		if (!covered[row])
			fail_msg("row %zu of the table has no case", row);
}

/* Every reason ends in a row that always matches. */
static void test_every_reason_is_decided(void **state)
{
	(void)state;
	for (int reason = CREDENTIAL_FOR_CONNECT; reason <= CREDENTIAL_FOR_RESET; reason++) {
		const struct credential_rule *last = NULL;
		for (size_t i = 0; i < credential_rule_count; i++)
			if (credential_rules[i].reasons & CREDENTIAL_REASON_BIT(reason))
				last = &credential_rules[i];
		assert_non_null(last);
		assert_int_equal(last->when, WHEN_ALWAYS);
	}
}

/* --- the second table: after asking ------------------------------------------- */

static const struct {
	enum credential_outcome outcome;
	enum credential_reason reason;
	bool same_as_failed;
	bool held_within_stale;
	enum credential_effect effect;
} afters[] = {
	{ OUTCOME_FETCHED, CREDENTIAL_AFTER_REJECTION, true, false, EFFECT_ANSWER_UNSTORED },
	{ OUTCOME_FETCHED, CREDENTIAL_FOR_ROTATION_WAIT, true, false, EFFECT_ANSWER_UNSTORED },
	{ OUTCOME_FETCHED, CREDENTIAL_AFTER_REJECTION, false, false, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_FETCHED, CREDENTIAL_AFTER_FAILURE, true, false, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_FETCHED, CREDENTIAL_FOR_CONNECT, false, true, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_NOT_MODIFIED, CREDENTIAL_FOR_CONNECT, false, false, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_NOT_MODIFIED, CREDENTIAL_AFTER_FAILURE, true, true, EFFECT_STORE_AND_ANSWER },
	{ OUTCOME_SAID_NO, CREDENTIAL_FOR_CONNECT, false, true, EFFECT_FORGET_AND_FAIL },
	{ OUTCOME_SAID_NO, CREDENTIAL_AFTER_REJECTION, false, false, EFFECT_FORGET_AND_FAIL },
	{ OUTCOME_UNAVAILABLE, CREDENTIAL_FOR_CONNECT, false, true, EFFECT_FALL_BACK },
	{ OUTCOME_UNAVAILABLE, CREDENTIAL_AFTER_FAILURE, false, true, EFFECT_FALL_BACK },
	{ OUTCOME_UNAVAILABLE, CREDENTIAL_FOR_CONNECT, false, false, EFFECT_FAIL },
	{ OUTCOME_UNAVAILABLE, CREDENTIAL_AFTER_REJECTION, false, true, EFFECT_FAIL },
	{ OUTCOME_UNAVAILABLE, CREDENTIAL_FOR_RESET, false, true, EFFECT_FAIL },
	{ OUTCOME_FAILED, CREDENTIAL_FOR_CONNECT, false, true, EFFECT_FAIL },
};

static void test_every_row_after_asking(void **state)
{
	(void)state;
	bool covered[64] = { false };
	for (size_t i = 0; i < sizeof afters / sizeof afters[0]; i++) {
		size_t row;
		const struct credential_after_rule *rule = credential_source_after(
			afters[i].outcome, afters[i].reason, afters[i].same_as_failed,
			afters[i].held_within_stale, &row);
		if (rule->effect != afters[i].effect)
			fail_msg("case %zu: row %zu: effect %d", i, row, rule->effect);
		covered[row] = true;
	}
	for (size_t row = 0; row < credential_after_rule_count; row++)
		if (!covered[row])
			fail_msg("row %zu of the second table has no case", row);
}

/* --- the source, carried out ---------------------------------------------------- */

/* What the scripted API answers next. */
static struct {
	long status;		/* 200, 304, 404, 503, or 0: no answer (timeout) */
	const char *password;	/* of a 200 */
	int calls;
	int conditional;
} api;

static bool scripted_fetch(const struct libpq_api *pq, const struct fetch_settings *settings,
			   const char *app, const char *config_var, struct fetch_result *out,
			   struct hpg_error *err)
{
	(void)pq, (void)app, (void)config_var;
	*out = (struct fetch_result)FETCH_RESULT_INIT;
	api.calls++;
	api.conditional += settings->if_none_match != NULL;
	out->status = api.status;
	if (api.status == 304 && settings->if_none_match != NULL) {
		out->not_modified = true;
		return true;
	}
	if (api.status == 200) {
		struct credential cred = { .host = "h", .port = "5432", .user = "u",
					   .password = (char *)api.password, .dbname = "d" };
		assert_true(credential_copy(&out->cred, &cred));
		out->etag = strdup(api.password);
		return true;
	}
	hpg_error_set(err, "scripted failure (HTTP %ld)", api.status);
	out->unavailable = api.status == 0 || api.status >= 500;
	out->timed_out = api.status == 0;
	out->authoritative = api.status == 404;
	return false;
}

static char cache_dir[64];

static int make_cache_dir(void **state)
{
	(void)state;
	return unit_private_dir(cache_dir, sizeof cache_dir);
}

static int remove_cache_dir(void **state)
{
	(void)state;
	return unit_remove_dir(cache_dir);
}

static struct hpg_config config_with(const char *dir)
{
	return (struct hpg_config){
		.timeout_seconds = 10,
		.cache_dir = dir,
		.rotation_wait_seconds = 10,
		.stale_if_error_seconds = HPGSHIM_DEFAULT_STALE_IF_ERROR,
		.ratelimit_floor = HPGSHIM_DEFAULT_RATELIMIT_FLOOR,
	};
}

/* One query for app; the answer's password, or the error's text, in *said. */
static bool get(const struct hpg_config *config, const char *app, enum credential_reason reason,
		const struct credential *failed, struct credential_answer *out)
{
	const struct credential_query query = {
		.pq = &libpq_direct,
		.config = config,
		.fetch = scripted_fetch,
		.app = app,
		.config_var = "DATABASE_URL",
		.reason = reason,
		.failed = failed,
	};
	struct hpg_error err;
	return credential_source_get(&query, out, &err);
}

static bool cache_file_exists(const char *app)
{
	char *key = cache_key(NULL, app, "DATABASE_URL");
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s.json", cache_dir, key) > 0);
	bool exists = access(path, F_OK) == 0;
	free(path);
	free(key);
	return exists;
}

/* Point 2: a failure that is not a rejection keeps the credential, and asks
 * conditionally at most once per CREDENTIAL_RECHECK_SECONDS. */
static void test_another_failure_keeps_the_credential(void **state)
{
	(void)state;
	struct hpg_config config = config_with(cache_dir);
	struct credential_answer a = CREDENTIAL_ANSWER_INIT;
	api = (__typeof__(api)){ .status = 200, .password = "p1" };
	assert_true(get(&config, "kept", CREDENTIAL_FOR_CONNECT, NULL, &a));
	struct credential failed;
	assert_true(credential_copy(&failed, &a.cred));
	credential_source_answer_free(&a);

	api.status = 304;
	for (int i = 0; i < 4; i++) {
		assert_true(get(&config, "kept", CREDENTIAL_AFTER_FAILURE, &failed, &a));
		assert_string_equal(a.cred.password, "p1");
		assert_int_equal(a.origin, i == 0 ? CREDENTIAL_REVALIDATED
						  : CREDENTIAL_HELD_RECENTLY_ASKED);
		credential_source_answer_free(&a);
	}
	assert_int_equal(api.calls, 2);		/* the fetch, then one conditional ask */
	assert_int_equal(api.conditional, 1);
	assert_true(cache_file_exists("kept"));	/* still held for other processes */

	/* And the next connect may still fall back on it. */
	api.status = 503;
	assert_true(get(&config, "kept", CREDENTIAL_FOR_CONNECT, NULL, &a));
	assert_int_equal(a.origin, CREDENTIAL_STALE_FALLBACK);
	assert_string_equal(a.api_failure, "the Heroku API failed (HTTP 503)");
	credential_source_answer_free(&a);
	credential_free(&failed);
}

/* A rejection forgets, in memory and in the directory: no fallback to it. */
static void test_a_rejection_forgets(void **state)
{
	(void)state;
	struct hpg_config config = config_with(cache_dir);
	struct credential_answer a = CREDENTIAL_ANSWER_INIT;
	api = (__typeof__(api)){ .status = 200, .password = "p1" };
	assert_true(get(&config, "rejected", CREDENTIAL_FOR_CONNECT, NULL, &a));
	struct credential failed;
	assert_true(credential_copy(&failed, &a.cred));
	credential_source_answer_free(&a);

	api.status = 503;
	assert_false(get(&config, "rejected", CREDENTIAL_AFTER_REJECTION, &failed, &a));
	assert_int_equal(api.conditional, 0);
	assert_false(cache_file_exists("rejected"));
	assert_false(get(&config, "rejected", CREDENTIAL_FOR_CONNECT, NULL, &a));
	credential_free(&failed);
}

/* A rejection of an older credential leaves a newer one another process stored. */
static void test_a_rejection_spares_a_newer_credential(void **state)
{
	(void)state;
	struct hpg_config config = config_with(cache_dir);
	struct credential_answer a = CREDENTIAL_ANSWER_INIT;
	api = (__typeof__(api)){ .status = 200, .password = "new" };
	assert_true(get(&config, "spared", CREDENTIAL_FOR_CONNECT, NULL, &a));
	credential_source_answer_free(&a);
	struct credential old = { .host = "h", .port = "5432", .user = "u", .password = "old",
				  .dbname = "d" };
	char *key = cache_key(NULL, "spared", "DATABASE_URL");
	cache_forget(&config, key, &old);
	free(key);
	assert_true(cache_file_exists("spared"));
	api.status = 503;
	assert_true(get(&config, "spared", CREDENTIAL_FOR_CONNECT, NULL, &a));
	assert_string_equal(a.cred.password, "new");
	credential_source_answer_free(&a);
}

/* Point 3: an authoritative answer ends the held credential. */
static void test_an_authoritative_answer_ends_the_credential(void **state)
{
	(void)state;
	struct hpg_config config = config_with(cache_dir);
	struct credential_answer a = CREDENTIAL_ANSWER_INIT;
	api = (__typeof__(api)){ .status = 200, .password = "p1" };
	assert_true(get(&config, "gone", CREDENTIAL_FOR_CONNECT, NULL, &a));
	credential_source_answer_free(&a);
	api.status = 404;
	assert_false(get(&config, "gone", CREDENTIAL_FOR_CONNECT, NULL, &a));
	assert_false(cache_file_exists("gone"));
	api.status = 503;
	assert_false(get(&config, "gone", CREDENTIAL_FOR_CONNECT, NULL, &a));
	assert_int_equal(api.calls, 3);
}

/* The answer equal to the rejected credential is not stored again. */
static void test_a_rejected_credential_is_not_stored_again(void **state)
{
	(void)state;
	struct hpg_config config = config_with(cache_dir);
	struct credential_answer a = CREDENTIAL_ANSWER_INIT;
	api = (__typeof__(api)){ .status = 200, .password = "same" };
	assert_true(get(&config, "same", CREDENTIAL_FOR_CONNECT, NULL, &a));
	struct credential failed;
	assert_true(credential_copy(&failed, &a.cred));
	credential_source_answer_free(&a);
	assert_true(get(&config, "same", CREDENTIAL_AFTER_REJECTION, &failed, &a));
	assert_int_equal(a.origin, CREDENTIAL_FETCHED);
	credential_source_answer_free(&a);
	assert_false(cache_file_exists("same"));
	api.status = 503;
	assert_false(get(&config, "same", CREDENTIAL_FOR_CONNECT, NULL, &a));
	credential_free(&failed);
}

/* The fallback's warning says the age as a person would. */
static void test_fallback_warning_age(void **state)
{
	(void)state;
	const struct {
		long seconds;
		const char *text;
	} cases[] = {
		{ 0, "0 s" }, { 42, "42 s" }, { 60, "1 min" }, { 3599, "59 min" },
		{ 3600, "1 h 0 min" }, { 7500, "2 h 5 min" }, { 86400, "24 h 0 min" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[48];
		fallback_warning_age(cases[i].seconds, text, sizeof text);
		assert_string_equal(text, cases[i].text);
	}
}

int run_credential_source_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_before_asking),
		cmocka_unit_test(test_every_reason_is_decided),
		cmocka_unit_test(test_every_row_after_asking),
		cmocka_unit_test(test_another_failure_keeps_the_credential),
		cmocka_unit_test(test_a_rejection_forgets),
		cmocka_unit_test(test_a_rejection_spares_a_newer_credential),
		cmocka_unit_test(test_an_authoritative_answer_ends_the_credential),
		cmocka_unit_test(test_a_rejected_credential_is_not_stored_again),
		cmocka_unit_test(test_fallback_warning_age),
	};
	return cmocka_run_group_tests_name("credential_source", tests, make_cache_dir,
					   remove_cache_dir);
}
