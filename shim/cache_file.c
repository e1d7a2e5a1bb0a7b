/*
 * cache_file.c - see cache_file.h.
 */
#define _GNU_SOURCE
#include "cache_file.h"

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

char *cache_file_read_text(const char *path, size_t *length)
{
	*length = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *text = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && private_to_user(&st) &&
	    st.st_size > 0 && st.st_size <= CACHE_FILE_MAX &&
	    (text = malloc((size_t)st.st_size + 1)) != NULL) {
		ssize_t n = read(fd, text, (size_t)st.st_size);
		if (n != st.st_size) {
			explicit_bzero(text, (size_t)st.st_size);
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
			*length = (size_t)n;
		}
	}
	close(fd);
	return text;
}

static const char *string_item(const struct cjson_api *json, const cJSON *root, const char *name)
{
	const cJSON *item = json->cJSON_GetObjectItemCaseSensitive(root, name);
	return item && json->cJSON_IsString(item) ? item->valuestring : NULL;
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
	cJSON *root = json->cJSON_ParseWithLength(text, length);
	explicit_bzero(text, length);
	free(text);
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
	bool ok = version && json->cJSON_IsNumber(version) &&
		  version->valuedouble == CACHE_FILE_VERSION && when && json->cJSON_IsNumber(when) &&
		  found.host && found.user && found.password && credential_copy(out, &found);
	if (ok) {
		*fetched = (time_t)when->valuedouble;
		*etag = tag ? strdup(tag) : NULL;
	}
	secret_json_delete(json, root);
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
}

void cache_file_drop(const char *path)
{
	unlink(path);
}
