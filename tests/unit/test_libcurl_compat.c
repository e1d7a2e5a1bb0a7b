/*
 * test_libcurl_compat.c - the protocol option chosen by the libcurl loaded.
 */
#include "libcurl_compat.h"
#include "unit.h"

static void test_protocols_str_from_7_85_on(void **state)
{
	(void)state;
	const struct {
		unsigned int version_num;
		bool has_protocols_str;
	} cases[] = {
		{ 0x074400, false },	/* 7.68.0, the oldest supported (Ubuntu 20.04) */
		{ 0x074a00, false },	/* 7.74.0, Debian 11 */
		{ 0x074c01, false },	/* 7.76.1, RHEL 9 */
		{ 0x075400, false },	/* 7.84.0 */
		{ 0x075500, true },	/* 7.85.0, which added it */
		{ 0x075800, true },	/* 7.88.1, Debian 12 */
		{ 0x080e01, true },	/* 8.14.1, Debian 13 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (libcurl_compat_has_protocols_str(cases[i].version_num) != cases[i].has_protocols_str)
			fail_msg("version %06x: expected %d", cases[i].version_num,
				 cases[i].has_protocols_str);
}

/* The loaded libcurl takes the option chosen for it, and then refuses a
 * protocol other than https and http before it reads anything. */
static void test_only_https_and_http_are_spoken(void **state)
{
	(void)state;
	struct hpg_error err = { "" };
	const struct curl_api *curl = lazy_libs_curl(&err);
	if (curl == NULL)
		fail_msg("%s", err.text);
	CURL *handle = curl->curl_easy_init();
	assert_non_null(handle);
	assert_int_equal(libcurl_compat_https_and_http_only(curl, handle), CURLE_OK);
	assert_int_equal(curl->curl_easy_setopt(handle, CURLOPT_URL, "file:///dev/null"), CURLE_OK);
	assert_int_equal(curl->curl_easy_perform(handle), CURLE_UNSUPPORTED_PROTOCOL);
	curl->curl_easy_cleanup(handle);
}

int run_libcurl_compat_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocols_str_from_7_85_on),
		cmocka_unit_test(test_only_https_and_http_are_spoken),
	};
	return cmocka_run_group_tests_name("libcurl_compat", tests, NULL, NULL);
}
