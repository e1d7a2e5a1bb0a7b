/*
 * fuzz_api_answer.c - what the shim does with the config-vars endpoint's
 * answer: api_answer_config_var(), credential_from_url() on the value found,
 * and api_answer_error_id() on the same body.
 *
 * Input: "NAME\nBODY": the config var asked for, then the HTTP body.  Without
 * a newline, the whole input is the body and NAME is DATABASE_URL.  The body
 * is handed over in a buffer of exactly its length, without a NUL after it,
 * as libcurl's data is, so that a read past its end is caught.
 *
 * Properties:
 *   - a lookup either finds a value or says why, never both;
 *   - a credential read from a URL has a host (one, no list), a user and a
 *     password, and copies compare equal;
 *   - when the URL is refused, the reason does not quote it: it may hold a
 *     password (checked for URLs with '@' or '?', which no message contains);
 *   - an error id is a short word of [a-z_], or none.
 */
#include <string.h>

#include "api_answer.h"
#include "credential.h"
#include "lazy_libs.h"
#include "support.h"

static void check_credential(const char *url)
{
	struct credential cred, copy;
	struct hpg_error err;
	if (!credential_from_url(&libpq_direct, url, &cred, &err)) {
		FUZZ_CHECK(err.text[0] != '\0');
		FUZZ_CHECK(strpbrk(url, "@?") == NULL || strstr(err.text, url) == NULL);
		return;
	}
	FUZZ_CHECK(cred.host != NULL && cred.host[0] != '\0' && strchr(cred.host, ',') == NULL);
	FUZZ_CHECK(cred.user != NULL && cred.user[0] != '\0');
	FUZZ_CHECK(cred.password != NULL && cred.password[0] != '\0');
	FUZZ_CHECK(credential_copy(&copy, &cred));
	FUZZ_CHECK(credential_equal(&copy, &cred));
	credential_free(&copy);
	credential_free(&cred);
}

static void check_error_id(const char *body, size_t length)
{
	char *id = api_answer_error_id(fuzz_cjson(), body, length);
	if (id != NULL) {
		FUZZ_CHECK(id[0] != '\0' && strlen(id) < 40);
		FUZZ_CHECK(strspn(id, "abcdefghijklmnopqrstuvwxyz_") == strlen(id));
	}
	free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *newline = memchr(data, '\n', size);
	char *name = newline ? fuzz_string("", data, (size_t)(newline - data))
			     : strdup("DATABASE_URL");
	size_t offset = newline ? (size_t)(newline - data) + 1 : 0;
	size_t length = size - offset;
	char *body = malloc(length ? length : 1);
	if (name == NULL || body == NULL)
		abort();
	memcpy(body, data + offset, length);

	char *value = NULL;
	struct hpg_error err = { "" };
	if (api_answer_config_var(fuzz_cjson(), body, length, name, &value, &err)) {
		FUZZ_CHECK(value != NULL);
		check_credential(value);
		free(value);
	} else {
		FUZZ_CHECK(value == NULL && err.text[0] != '\0');
	}
	check_error_id(body, length);

	free(body);
	free(name);
	return 0;
}
