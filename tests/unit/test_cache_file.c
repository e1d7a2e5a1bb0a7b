/*
 * test_cache_file.c - the files of HPGSHIM_CACHE_DIR that are not what they
 * should be: read as no file, without a crash or a wait, never trusted
 * beyond their limits.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "api.h"
#include "api_budget.h"
#include "cache_file.h"
#include "lazy_libs.h"
#include "unit.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	return unit_private_dir(dir, sizeof dir);
}

static int remove_dir(void **state)
{
	(void)state;
	return unit_remove_dir(dir);
}

static bool parses(const char *text, time_t now)
{
	struct credential cred;
	char *etag;
	time_t fetched;
	bool ok = cache_file_parse(unit_cjson(), text, strlen(text), now, &cred, &etag, &fetched);
	credential_free(&cred);
	free(etag);
	return ok;
}

static void test_credential_file_limits(void **state)
{
	(void)state;
	time_t now = 1800000000;
	assert_true(parses("{\"version\":1,\"fetched\":1799999000,\"host\":\"h\",\"user\":\"u\","
			   "\"password\":\"p\"}", now));
	const char *refused[] = {
		/* in the future: would stay fresh for ever */
		"{\"version\":1,\"fetched\":1800000001,\"host\":\"h\",\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":1,\"fetched\":1e300,\"host\":\"h\",\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":1,\"fetched\":-1e300,\"host\":\"h\",\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":1,\"fetched\":0,\"host\":\"h\",\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":2,\"fetched\":1799999000,\"host\":\"h\",\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":1,\"fetched\":\"1799999000\",\"host\":\"h\",\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":1,\"fetched\":1799999000,\"host\":1,\"user\":\"u\",\"password\":\"p\"}",
		"{\"version\":1,\"fetched\":1799999000,\"host\":\"h\",\"user\":\"u\"}",
		"[1,2,3]", "", "{", "null",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (parses(refused[i], now))
			fail_msg("accepted: %s", refused[i]);
}

static bool budget(const char *text, time_t now, struct api_budget_heard *heard)
{
	return api_budget_parse(unit_cjson(), text, strlen(text), now, heard);
}

static void test_budget_file_limits(void **state)
{
	(void)state;
	time_t now = 1800000000;
	struct api_budget_heard heard;
	assert_true(budget("{\"version\":1,\"not_before\":1800000060,\"remaining\":12,"
			   "\"heard\":1799999990}", now, &heard));
	assert_int_equal(heard.not_before, 1800000060);
	assert_int_equal(heard.remaining, 12);
	/* A wait beyond an hour, a NaN-like huge number, a budget heard in the
	 * future, a budget no account has: not heard. */
	assert_true(budget("{\"version\":1,\"not_before\":1e300,\"remaining\":1e300,"
			   "\"heard\":1799999990}", now, &heard));
	assert_int_equal(heard.not_before, 0);
	assert_int_equal(heard.remaining, -1);
	assert_true(budget("{\"version\":1,\"not_before\":1800003601,\"remaining\":5,"
			   "\"heard\":1800000100}", now, &heard));
	assert_int_equal(heard.not_before, 0);
	assert_int_equal(heard.remaining, -1);
	assert_true(budget("{\"version\":1,\"remaining\":-7,\"heard\":1799999990}", now, &heard));
	assert_int_equal(heard.remaining, -1);
	assert_false(budget("{\"version\":1e400}", now, &heard));
	assert_false(budget("17", now, &heard));
	assert_int_equal(heard.remaining, -1);
}

static char *in_dir(const char *name)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

/* A FIFO under a cache file's name: read as no file, at once. */
static void test_a_fifo_is_no_file(void **state)
{
	(void)state;
	char *path = in_dir("fifo.json");
	assert_int_equal(mkfifo(path, 0600), 0);
	size_t length = 1;
	alarm(10);	/* a hang fails the test instead of holding it */
	assert_null(cache_file_read_text(path, &length));
	alarm(0);
	assert_int_equal(length, 0);
	free(path);
}

static void test_an_oversized_file_is_no_file(void **state)
{
	(void)state;
	char *path = in_dir("big.json");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 65537), 0);
	close(fd);
	size_t length = 1;
	assert_null(cache_file_read_text(path, &length));
	free(path);
}

/* A temporary file a dead writer left is swept by the next write. */
static void test_a_dead_writers_file_is_swept(void **state)
{
	(void)state;
	char *left = in_dir("app.DATABASE_URL.0badcafe.json.Ab12Cd");
	char *recent = in_dir("app.DATABASE_URL.0badcafe.json.Zz99Yy");
	char *other = in_dir("notes.txt.123456");
	const char *const paths[] = { left, recent, other };
	for (size_t i = 0; i < 3; i++) {
		int fd = open(paths[i], O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	struct utimbuf old = { .actime = time(NULL) - 3600, .modtime = time(NULL) - 3600 };
	assert_int_equal(utime(left, &old), 0);
	assert_int_equal(utime(other, &old), 0);
	char *path = in_dir("app.DATABASE_URL.0badcafe.json");
	cache_file_write_text(path, "{}");
	assert_int_equal(access(left, F_OK), -1);	/* an hour old: swept */
	assert_int_equal(access(recent, F_OK), 0);	/* may be a write in progress */
	assert_int_equal(access(other, F_OK), 0);	/* not the shim's */
	free(path);
	free(left);
	free(recent);
	free(other);
}

/* A claim file holds a time: one claim per interval, and a time in the
 * future or garbage does not block claims for good. */
static void test_recheck_claims(void **state)
{
	(void)state;
	char *path = in_dir("app.recheck");
	assert_true(cache_file_claim(path, 5));
	assert_false(cache_file_claim(path, 5));
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "99999999999\n", 12), 12);
	close(fd);
	assert_true(cache_file_claim(path, 5));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "nan\n", 4), 4);
	close(fd);
	assert_true(cache_file_claim(path, 5));
	free(path);
}

int run_cache_file_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credential_file_limits),
		cmocka_unit_test(test_budget_file_limits),
		cmocka_unit_test(test_a_fifo_is_no_file),
		cmocka_unit_test(test_an_oversized_file_is_no_file),
		cmocka_unit_test(test_a_dead_writers_file_is_swept),
		cmocka_unit_test(test_recheck_claims),
	};
	return cmocka_run_group_tests_name("cache_file", tests, make_dir, remove_dir);
}
