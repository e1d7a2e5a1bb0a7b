/*
 * cache_file.h - the shared credential cache: HPGSHIM_CACHE_DIR, opt-in.
 *
 * Short-lived processes (a loop of psql calls, pg_dump -j 8, a CI fleet on
 * one machine) each start with an empty in-process cache.  With
 * HPGSHIM_CACHE_DIR set they share one file per API host, app and config
 * var, so that within HPGSHIM_CACHE_TTL one fetch serves them all, and after
 * it the ETag makes the next fetch a 304.
 *
 * THE FILE HOLDS THE DATABASE PASSWORD.  It is mode 0600 in a directory of
 * mode 0700 owned by the user; a directory or file that is anything else
 * (group or world access, another owner, a symlink) is refused.  Files are
 * written whole, to a temporary name then renamed, so a reader never sees
 * half of one; a temporary file left by a process that died writing is
 * swept by the next write.  A FIFO, a device or a symlink under a file's
 * name, an oversized file, a damaged one or one that says it was written in
 * the future is read as no file, without waiting.  A credential the server
 * rejected is deleted.
 */
#ifndef HPGSHIM_CACHE_FILE_H
#define HPGSHIM_CACHE_FILE_H

#include <stdbool.h>
#include <time.h>

#include "credential.h"
#include "error.h"
#include "lazy_libs.h"

/*
 * Checks dir as above, creating it (mode 0700) when it does not exist.
 * False with err saying what is wrong and what to do.
 */
bool cache_file_dir_check(const char *dir, struct hpg_error *err);

/* The file in dir for a cache_key(); malloc'd. */
char *cache_file_path(const char *dir, const char *key);

/*
 * Reads path: the credential, its ETag (malloc'd or NULL) and when it was
 * fetched.  False when there is no usable file (missing, refused, damaged);
 * every out-parameter is set on entry (empty, NULL, 0).
 */
bool cache_file_read(const struct cjson_api *json, const char *path, struct credential *out,
		     char **etag, time_t *fetched);

/*
 * The credential a cache file's text holds (cache_file_read() without the
 * file): refused when anything is missing, of the wrong type, or out of
 * range, a fetch time after now included.  Pure, for the fuzz target too.
 */
bool cache_file_parse(const struct cjson_api *json, const char *text, size_t length,
		      time_t now, struct credential *out, char **etag, time_t *fetched);

/* Whether seconds, read from a file, is a time a file may hold: finite, after 1970, not after now. */
bool cache_file_time_usable(double seconds, time_t now);

/* Writes cred and etag (NULL: none), fetched now, atomically.  Best effort. */
void cache_file_write(const struct cjson_api *json, const char *path,
		      const struct credential *cred, const char *etag);

/*
 * The whole of path (malloc'd, NUL-terminated; wipe it if it may hold a
 * secret), if it is a regular file private to the user and not over 64 KiB.
 */
char *cache_file_read_text(const char *path, size_t *length);

/* Writes text to path as the cache files are written: 0600, whole, renamed into place. */
void cache_file_write_text(const char *path, const char *text);

/* Deletes path, if it is there. */
void cache_file_drop(const char *path);

/*
 * A claim shared by the processes of a directory: true, with now written to
 * path, unless path holds a time less than interval_seconds ago.
 */
bool cache_file_claim(const char *path, long interval_seconds);

#endif
