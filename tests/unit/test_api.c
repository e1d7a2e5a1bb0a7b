/*
 * test_api.c - HEROKU_HOST and what each HTTP status tells the user.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "unit.h"

static const struct curl_api *curl(void)
{
	struct hpg_error err;
	const struct curl_api *api = lazy_libs_curl(&err);
	if (api == NULL)
		fail_msg("%s", err.text);
	return api;
}

static void test_heroku_host_like_the_cli(void **state)
{
	(void)state;
	const char *const accepted[][2] = {
		{ NULL, "https://api.heroku.com" },
		{ "", "https://api.heroku.com" },
		{ "heroku.com", "https://api.heroku.com" },
		{ "staging.heroku.com", "https://api.staging.heroku.com" },
		{ "https://api.heroku.com/", "https://api.heroku.com" },
		{ "https://127.0.0.1:8443", "https://127.0.0.1:8443" },
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "http://localhost:8080", "http://localhost:8080" },
		{ "https://[::1]:8443", "https://[::1]:8443" },
		{ "http://127.0.0.2:8080", "http://127.0.0.2:8080" },
		{ "http://127.255.255.254", "http://127.255.255.254" },
		{ "http://[::1]:8080", "http://[::1]:8080" },
		{ "http://LOCALHOST:8080", "http://LOCALHOST:8080" },
	};
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		char *url = NULL;
		struct hpg_error err = { "" };
		if (!api_base_url(curl(), accepted[i][0], &url, &err))
			fail_msg("%s refused: %s", accepted[i][0], err.text);
		assert_string_equal(url, accepted[i][1]);
		free(url);
	}
}

static void test_heroku_host_refused(void **state)
{
	(void)state;
	const char *const refused[][2] = {
		{ "https://evil.example", "neither a Heroku domain nor loopback" },
		{ "https://heroku.com.evil.example", "neither a Heroku domain nor loopback" },
		{ "https://notheroku.com", "neither a Heroku domain nor loopback" },
		{ "evil.example", "neither a Heroku domain nor loopback" },
		{ "http://api.heroku.com", "plain http:// only to loopback" },
		{ "ftp://127.0.0.1", "plain http:// only to loopback" },
		{ "https://u:p@api.heroku.com", "must not hold a user or password" },
		{ "https://", "not a host name or URL" },
		/* Names that only look like loopback: a prefix is not an address. */
		{ "http://127.x.example", "neither a Heroku domain nor loopback" },
		{ "https://127.x.example", "neither a Heroku domain nor loopback" },
		{ "http://127.attacker.example", "neither a Heroku domain nor loopback" },
		{ "http://127.0.0.1.x.example", "neither a Heroku domain nor loopback" },
		{ "http://localhost.x.example", "neither a Heroku domain nor loopback" },
		{ "http://0x7f.x.example", "neither a Heroku domain nor loopback" },
		{ "127.x.example", "neither a Heroku domain nor loopback" },
		{ "http://[::2]:8080", "neither a Heroku domain nor loopback" },
		{ "http://[::ffff:127.0.0.1]:8080", "neither a Heroku domain nor loopback" },
		{ "http://128.0.0.1", "neither a Heroku domain nor loopback" },
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char *url = NULL;
		struct hpg_error err = { "" };
		if (api_base_url(curl(), refused[i][0], &url, &err))
			fail_msg("%s accepted as %s", refused[i][0], url);
		if (strstr(err.text, refused[i][1]) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", refused[i][0], err.text, refused[i][1]);
	}
}

static void test_status_explained(void **state)
{
	(void)state;
	const struct {
		long status;
		bool sent_credentials;
		const char *words;
	} cases[] = {
		{ 401, false, "no Heroku API token: set HEROKU_API_KEY" },
		{ 401, true, "rejected the token (HTTP 401" },
		{ 403, true, "may not read the config vars of app \"my-app\" (HTTP 403" },
		{ 403, true, "read-protected" },
		{ 404, true, "app \"my-app\" not found (HTTP 404" },
		{ 429, true, "rate limit" },
		{ 500, true, "(HTTP 500" },
		{ 503, true, "(HTTP 503" },
		{ 302, true, "does not follow" },
		{ 406, true, "unexpected answer from the Heroku API (HTTP 406" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hpg_error err = { "" };
		api_status_explain(cases[i].status, cases[i].sent_credentials, "my-app", NULL, &err);
		if (strstr(err.text, cases[i].words) == NULL)
			fail_msg("HTTP %ld: \"%s\" does not say \"%s\"", cases[i].status, err.text,
				 cases[i].words);
	}
}

int run_api_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heroku_host_like_the_cli),
		cmocka_unit_test(test_heroku_host_refused),
		cmocka_unit_test(test_status_explained),
	};
	return cmocka_run_group_tests_name("heroku_api", tests, NULL, NULL);
}
