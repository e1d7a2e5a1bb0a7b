/*
 * fuzz_cache_files.c - the two files HPGSHIM_CACHE_DIR holds, read back:
 * a credential's (cache_file_parse()) and the API budget's
 * (api_budget_parse()), on any text, and cache_file_read() on the same text
 * written to a private file.
 *
 * Input: the file's text.  It is handed over in a buffer of exactly its
 * length, without a NUL after it, so that a read past its end is caught;
 * UBSan catches a number converted out of range.
 *
 * Properties:
 *   - a credential read back has a host, a user and a password, and was
 *     fetched after 1970 and not after now; a refused file leaves every
 *     out-parameter empty;
 *   - a budget never asks for a wait beyond HEROKU_API_RETRY_AFTER_MAX, its
 *     remaining is -1 or in range, and it was heard not after now;
 *   - reading the file gives what parsing the text gives.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "api_budget.h"
#include "cache_file.h"
#include "lazy_libs.h"
#include "support.h"

/* A private directory for the file, made once. */
static const char *file_path(void)
{
	static char path[64];
	if (path[0] == '\0') {
		char dir[] = "/tmp/hpgshim-fuzz-XXXXXX";
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof path, "%s/app.DATABASE_URL.00000000.json", dir);
	}
	return path;
}

static void check_credential_file(const char *text, size_t length, time_t now)
{
	struct credential cred;
	char *etag;
	time_t fetched;
	if (cache_file_parse(fuzz_cjson(), text, length, now, &cred, &etag, &fetched)) {
		FUZZ_CHECK(cred.host != NULL && cred.user != NULL && cred.password != NULL);
		FUZZ_CHECK(fetched > 0 && fetched <= now);
	} else {
		FUZZ_CHECK(cred.host == NULL && cred.password == NULL && etag == NULL &&
			   fetched == 0);
	}

	/* The same text as a file in the cache directory. */
	struct credential from_file;
	char *file_etag;
	time_t file_fetched;
	int fd = open(file_path(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, text, length) == (ssize_t)length);
	close(fd);
	bool read = cache_file_read(fuzz_cjson(), file_path(), &from_file, &file_etag, &file_fetched);
	/* A file over the size limit, or an empty one, is refused whole; the
	 * clock may tick between the two reads. */
	FUZZ_CHECK(!read || (length > 0 && length <= 65536));
	if (read && cred.host != NULL)
		FUZZ_CHECK(credential_equal(&cred, &from_file));
	credential_free(&from_file);
	free(file_etag);
	credential_free(&cred);
	free(etag);
}

static void check_budget_file(const char *text, size_t length, time_t now)
{
	struct api_budget_heard heard;
	bool ok = api_budget_parse(fuzz_cjson(), text, length, now, &heard);
	FUZZ_CHECK(heard.not_before == 0 ||
		   (heard.not_before > now && heard.not_before <= now + HEROKU_API_RETRY_AFTER_MAX));
	FUZZ_CHECK(heard.remaining >= -1);
	FUZZ_CHECK(heard.heard >= 0 && heard.heard <= now);
	FUZZ_CHECK(ok || (heard.not_before == 0 && heard.remaining == -1 && heard.heard == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	time_t now = time(NULL);
	check_credential_file(text, size, now);
	check_budget_file(text, size, now);
	free(text);
	return 0;
}
