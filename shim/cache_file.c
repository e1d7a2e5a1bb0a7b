/*
 * cache_file.c - see cache_file.h.
 */
#define _GNU_SOURCE
#include "cache_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

#define CACHE_FILE_MAX 65536
#define CACHE_FILE_VERSION 1
/* A temporary file older than this was left by a process that died writing it. */
#define CACHE_FILE_TEMPORARY_SECONDS 60

/* Private to the user: owned by them, nobody else may even look. */
static bool private_to_user(const struct stat *st)
{
	return st->st_uid == geteuid() && (st->st_mode & 077) == 0;
}

bool cache_file_dir_check(const char *dir, struct hpg_error *err)
{
	struct stat st;
	if (lstat(dir, &st) != 0 && errno == ENOENT && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		hpg_error_set(err, "HPGSHIM_CACHE_DIR=%s cannot be created (%s); create it with "
			      "mkdir -m 700, or unset HPGSHIM_CACHE_DIR", dir, strerror(errno));
		return false;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || !private_to_user(&st)) {
		hpg_error_set(err, "HPGSHIM_CACHE_DIR=%s is not a directory of mode 0700 owned by "
			      "you, and the cache holds database passwords; use one that is "
			      "(mkdir -m 700 DIR), or unset HPGSHIM_CACHE_DIR", dir);
		return false;
	}
	return true;
}

char *cache_file_path(const char *dir, const char *key)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s.json", dir, key) < 0)
		return NULL;
	return path;
}

/*
 * O_NONBLOCK: opening a FIFO planted under the file's name would otherwise
 * wait for a writer, for ever.  Anything but a regular file private to the
 * user, of a sane size, is refused before a byte is read.
 */
char *cache_file_read_text(const char *path, size_t *length)
{
	*length = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *text = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && private_to_user(&st) &&
	    st.st_size > 0 && st.st_size <= CACHE_FILE_MAX &&
	    (text = malloc((size_t)st.st_size + 1)) != NULL) {
		size_t size = (size_t)st.st_size, done = 0;
		ssize_t n = 1;
		while (done < size && (n = read(fd, text + done, size - done)) > 0)
			done += (size_t)n;
		if (done != size) {
			/* It shrank while read, or reading failed: half a file is none. */
			explicit_bzero(text, size);
			free(text);
			text = NULL;
		} else {
			text[done] = '\0';
			*length = done;
		}
	}
	close(fd);
	return text;
}

bool cache_file_time_usable(double seconds, time_t now)
{
	/* Compared as doubles first: a NaN, an infinity or a huge number must
	 * never be converted to time_t (undefined behaviour). */
	return seconds == seconds && seconds > 0 && seconds <= (double)now;
}

static const char *string_item(const struct cjson_api *json, const cJSON *root, const char *name)
{
	const cJSON *item = json->cJSON_GetObjectItemCaseSensitive(root, name);
	return item && json->cJSON_IsString(item) ? item->valuestring : NULL;
}

bool cache_file_parse(const struct cjson_api *json, const char *text, size_t length,
		      time_t now, struct credential *out, char **etag, time_t *fetched)
{
	*out = (struct credential)CREDENTIAL_INIT;
	*etag = NULL;
	*fetched = 0;
	cJSON *root = json->cJSON_ParseWithLength(text, length);
	if (root == NULL)
		return false;

	const cJSON *version = json->cJSON_GetObjectItemCaseSensitive(root, "version");
	const cJSON *when = json->cJSON_GetObjectItemCaseSensitive(root, "fetched");
	struct credential found = {
		(char *)string_item(json, root, "host"), (char *)string_item(json, root, "port"),
		(char *)string_item(json, root, "user"), (char *)string_item(json, root, "password"),
		(char *)string_item(json, root, "dbname"),
	};
	const char *tag = string_item(json, root, "etag");
	/* A time in the future (a clock set back, a hand-made file) would keep
	 * the credential fresh for ever: refused, like any other damage. */
	bool ok = json->cJSON_IsObject(root) && version && json->cJSON_IsNumber(version) &&
		  version->valuedouble == CACHE_FILE_VERSION && when &&
		  json->cJSON_IsNumber(when) && cache_file_time_usable(when->valuedouble, now) &&
		  found.host && found.user && found.password && credential_copy(out, &found);
	if (ok) {
		*fetched = (time_t)when->valuedouble;
		*etag = tag ? strdup(tag) : NULL;
	}
	secret_json_delete(json, root);
	return ok;
}

bool cache_file_read(const struct cjson_api *json, const char *path, struct credential *out,
		     char **etag, time_t *fetched)
{
	*out = (struct credential)CREDENTIAL_INIT;
	*etag = NULL;
	*fetched = 0;
	size_t length = 0;
	char *text = cache_file_read_text(path, &length);
	if (text == NULL)
		return false;
	bool ok = cache_file_parse(json, text, length, time(NULL), out, etag, fetched);
	explicit_bzero(text, length);
	free(text);
	return ok;
}

static bool add_fields(const struct cjson_api *json, cJSON *root, const struct credential *cred,
		       const char *etag)
{
	const char *const names[] = { "host", "port", "user", "password", "dbname", "etag" };
	const char *const values[] = { cred->host, cred->port, cred->user, cred->password,
				       cred->dbname, etag };
	bool ok = json->cJSON_AddNumberToObject(root, "version", CACHE_FILE_VERSION) &&
		  json->cJSON_AddNumberToObject(root, "fetched", (double)time(NULL));
	for (size_t i = 0; ok && i < sizeof names / sizeof names[0]; i++)
		if (values[i] != NULL)
			ok = json->cJSON_AddStringToObject(root, names[i], values[i]) != NULL;
	return ok;
}

void cache_file_write(const struct cjson_api *json, const char *path,
		      const struct credential *cred, const char *etag)
{
	cJSON *root = json->cJSON_CreateObject();
	char *text = root && add_fields(json, root, cred, etag) ? json->cJSON_PrintUnformatted(root)
							       : NULL;
	if (root != NULL)
		secret_json_delete(json, root);
	if (text == NULL)
		return;

	cache_file_write_text(path, text);
	explicit_bzero(text, strlen(text));
	json->cJSON_free(text);
}

/* Whether name is a temporary file of cache_file_write_text(): "NAME.XXXXXX" after a ".json" or ".recheck". */
static bool temporary_name(const char *name)
{
	size_t n = strlen(name);
	if (n < 7 || name[n - 7] != '.')
		return false;
	return (n >= 12 && memcmp(name + n - 12, ".json", 5) == 0) ||
	       (n >= 15 && memcmp(name + n - 15, ".recheck", 8) == 0);
}

/*
 * A process that dies between mkostemp() and rename() leaves its temporary
 * file behind, with a password in it.  Each write sweeps those of dir that
 * are older than any write takes.
 */
static void sweep_temporary_files(const char *path)
{
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash == NULL) {
		free(dir);
		return;
	}
	*slash = '\0';
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (d == NULL && dfd >= 0)
		close(dfd);
	time_t now = time(NULL);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		struct stat st;
		if (temporary_name(e->d_name) &&
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() && now - st.st_mtime > CACHE_FILE_TEMPORARY_SECONDS)
			unlinkat(dfd, e->d_name, 0);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
}

void cache_file_write_text(const char *path, const char *text)
{
	char *temporary = NULL;
	if (asprintf(&temporary, "%s.XXXXXX", path) < 0)
		return;
	/* mkostemp creates it 0600; it is renamed over path only when whole. */
	int fd = mkostemp(temporary, O_CLOEXEC);
	if (fd >= 0) {
		size_t length = strlen(text);
		bool written = write(fd, text, length) == (ssize_t)length;
		if (close(fd) != 0 || !written || rename(temporary, path) != 0)
			unlink(temporary);
	}
	free(temporary);
	sweep_temporary_files(path);
}

void cache_file_drop(const char *path)
{
	unlink(path);
}

bool cache_file_claim(const char *path, long interval_seconds)
{
	size_t length = 0;
	char *text = cache_file_read_text(path, &length);
	time_t now = time(NULL);
	if (text != NULL) {
		char *end = NULL;
		double then = strtod(text, &end);
		bool recent = end != text && cache_file_time_usable(then, now) &&
			      now - (time_t)then < interval_seconds;
		free(text);
		if (recent)
			return false;
	}
	char stamp[32];
	snprintf(stamp, sizeof stamp, "%lld\n", (long long)now);
	cache_file_write_text(path, stamp);
	return true;
}
