/*
 * alloc_torture.c - the placeholder path with its Nth allocation failing,
 * for N = 1, 2, 3, ... until a run needs no more than N-1 (as curl's test
 * suite runs its torture tests: tests/README, runtests.pl -t).
 *
 * usage: alloc_torture APP EXPECTED_USER SEED_FILE CACHE_BASE [FIRST_N [LAST_N]]
 *
 * The program is linked with the shim's objects (hooks, core, real libpq
 * finder; not the dl hooks), so that its libpq calls reach the hooks as
 * under LD_PRELOAD, and with -Wl,--wrap for malloc, calloc, realloc,
 * strdup, strndup and asprintf: every allocation the shim's own code makes
 * comes through the wrappers below.  cJSON and libcurl get the same
 * allocator through their own seams, cJSON_InitHooks() and
 * curl_global_init_mem(), called here before the shim opens them (they are
 * the same dlopen'ed libraries, and libcurl keeps the first init's
 * allocator).  libpq, OpenSSL and glibc allocate on their own: failures
 * there are not the shim's, and out of scope.  Production code is unchanged.
 *
 * Each N runs in a child of its own (fork), so that every run starts from
 * nothing: no cache, no libcurl handle, no configuration read.  The child's
 * scenario covers parse, fetch, JSON, merge, connect, retry and cache:
 *   1. PQconnectdb: the shared cache file (SEED_FILE, copied into a fresh
 *      HPGSHIM_CACHE_DIR) holds a wrong password and the API's current ETag:
 *      a 304, a connection the server rejects, a fresh fetch (200), a retry;
 *   2. PQconnectdbParams, with the cache file deleted: the in-process
 *      cache's validator alone, a 304;
 *   3. PQconnectStart and its poll loop, then PQreset of connection 1;
 *   4. a reconnect with connection 1's resolved values, as psql's \c makes;
 *   5. PQping, PQconninfoParse, and an invalid placeholder.
 * Every connect must end in a connection as EXPECTED_USER or a failed
 * PGconn with a message; never NULL, never a crash.  After PQfinish of
 * everything, LeakSanitizer checks that nothing was lost.
 *
 * Runs go as many at once as there are CPUs.  Output, in no fixed order:
 *   error N STEP: MESSAGE             each failed connect, for the test to judge
 *   run N: connections K errors E (T ms, leak check L ms)
 *   N=N: WHAT                          a run that went wrong
 * then, from the run without an injected failure,
 *   alloc_torture: allocation points P (shim S, cJSON J, libcurl C)
 * and a last summary line.  Exit status 1 when any run went wrong.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sanitizer/lsan_interface.h>

#define CURL_DISABLE_TYPECHECK
#include <cJSON.h>
#include <curl/curl.h>
#include <libpq-fe.h>

#include "check_connection.h"
#include "cache.h"

/* --- the failing allocator ------------------------------------------------- */

enum origin { FROM_SHIM, FROM_CJSON, FROM_CURL, ORIGINS };

static atomic_bool armed;
static atomic_long allocations;
static atomic_long by_origin[ORIGINS];
static long fail_at;		/* the allocation that fails; 0: none */
static atomic_bool injected;	/* whether it was reached */

/* Whether this allocation is the one to fail. */
static bool fails(enum origin origin)
{
	if (!atomic_load(&armed))
		return false;
	atomic_fetch_add(&by_origin[origin], 1);
	long n = atomic_fetch_add(&allocations, 1) + 1;
	if (n != fail_at)
		return false;
	atomic_store(&injected, true);
	errno = ENOMEM;
	return true;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t size)
{
	return fails(FROM_SHIM) ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
	return fails(FROM_SHIM) ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
	return fails(FROM_SHIM) ? NULL : __real_realloc(ptr, size);
}

char *__wrap_strdup(const char *s)
{
	return fails(FROM_SHIM) ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fails(FROM_SHIM) ? NULL : __real_strndup(s, n);
}

/* glibc leaves *strp undefined when asprintf fails: so does this, with a
 * pointer that would crash if used. */
int __wrap_asprintf(char **strp, const char *format, ...)
{
	if (fails(FROM_SHIM)) {
		*strp = (char *)0x1;
		return -1;
	}
	va_list ap;
	va_start(ap, format);
	int n = vasprintf(strp, format, ap);
	va_end(ap);
	return n;
}

static void *cjson_malloc(size_t size)
{
	return fails(FROM_CJSON) ? NULL : __real_malloc(size);
}

static void *curl_malloc(size_t size)
{
	return fails(FROM_CURL) ? NULL : __real_malloc(size);
}

static void *curl_calloc(size_t count, size_t size)
{
	return fails(FROM_CURL) ? NULL : __real_calloc(count, size);
}

static void *curl_realloc(void *ptr, size_t size)
{
	return fails(FROM_CURL) ? NULL : __real_realloc(ptr, size);
}

static char *curl_strdup(const char *s)
{
	return fails(FROM_CURL) ? NULL : __real_strdup(s);
}

/* Gives the shim's libcurl and cJSON (the same dlopen'ed objects) the
 * failing allocator before the shim initialises them. */
static void hook_libraries(void)
{
	void *libcurl = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	void *libcjson = dlopen("libcjson.so.1", RTLD_NOW | RTLD_LOCAL);
	if (libcurl == NULL || libcjson == NULL) {
		fprintf(stderr, "alloc_torture: %s\n", dlerror());
		exit(2);
	}
	__typeof__(&curl_global_init_mem) init_mem =
		(__typeof__(init_mem))dlsym(libcurl, "curl_global_init_mem");
	__typeof__(&cJSON_InitHooks) init_hooks =
		(__typeof__(init_hooks))dlsym(libcjson, "cJSON_InitHooks");
	if (init_mem == NULL || init_hooks == NULL ||
	    init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, free, curl_realloc, curl_strdup,
		     curl_calloc) != CURLE_OK) {
		fprintf(stderr, "alloc_torture: cannot give libcurl and cJSON an allocator\n");
		exit(2);
	}
	cJSON_Hooks hooks = { .malloc_fn = cjson_malloc, .free_fn = free };
	init_hooks(&hooks);
}

/* --- one run ---------------------------------------------------------------- */

static const char *expected_user;
static const char *cache_file;	/* the run's file in HPGSHIM_CACHE_DIR */
static int run_number;
static int connections, errors, bad;

static void report_bad(const char *step, const char *why)
{
	bad++;
	printf("N=%d: %s: %s\n", run_number, step, why);
}

/* A connection as the expected user, or a failed PGconn with a message. */
static void check(const char *step, PGconn *conn)
{
	char why[512];
	if (conn == NULL) {
		report_bad(step, "NULL connection");
	} else if (check_connection(conn, expected_user, why, sizeof why)) {
		connections++;
	} else if (PQstatus(conn) == CONNECTION_BAD && PQerrorMessage(conn)[0] != '\0') {
		errors++;
		/* The message, for the test to judge: one line per error. */
		const char *message = PQerrorMessage(conn);
		printf("error %d %s: %.*s\n", run_number, step, (int)strcspn(message, "\n"),
		       message);
	} else {
		report_bad(step, why);
	}
}

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ssize_t n;
	if (in < 0 || out < 0)
		exit(2);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			exit(2);
	close(in);
	close(out);
}

static void scenario(const char *placeholder)
{
	PGconn *first = PQconnectdb(placeholder);
	check("PQconnectdb", first);

	/* The next validator comes from the process's own cache alone: a
	 * failed copy of it must leave nothing for the file to paper over. */
	unlink(cache_file);

	const char *const keywords[] = { "dbname", "application_name", NULL };
	const char *const values[] = { placeholder, "alloc_torture", NULL };
	PGconn *conn = PQconnectdbParams(keywords, values, 1);
	check("PQconnectdbParams", conn);
	PQfinish(conn);

	conn = connect_async(placeholder);
	check("PQconnectStart", conn);
	PQfinish(conn);

	if (first != NULL && PQstatus(first) == CONNECTION_OK) {
		/* psql's \c: the old connection's own values, password included. */
		const char *const again_keywords[] = { "host", "port", "user", "password",
						       "dbname", NULL };
		const char *const again_values[] = { PQhost(first), PQport(first), PQuser(first),
						     PQpass(first), PQdb(first), NULL };
		conn = PQconnectdbParams(again_keywords, again_values, 0);
		check("reconnect", conn);
		PQfinish(conn);
		PQreset(first);
		check("PQreset", first);
	}
	PQfinish(first);

	PGPing ping = PQping(placeholder);
	if (ping != PQPING_OK && ping != PQPING_NO_ATTEMPT)
		report_bad("PQping", "neither PQPING_OK nor PQPING_NO_ATTEMPT");

	char *errmsg = NULL;
	PQconninfoOption *options = PQconninfoParse(placeholder, &errmsg);
	if (options == NULL && errmsg != NULL && strncmp(errmsg, "hpgshim: ", 9) != 0)
		report_bad("PQconninfoParse", errmsg);
	PQconninfoFree(options);
	PQfreemem(errmsg);

	conn = PQconnectdb(INVALID_PLACEHOLDER);
	if (conn == NULL || PQstatus(conn) != CONNECTION_BAD || PQerrorMessage(conn)[0] == '\0')
		report_bad("invalid placeholder", "not a failed connection with a message");
	PQfinish(conn);
}

/* Exit status of a run: 0 with an injected failure, 3 without one (the
 * last run), 1 when something went wrong. */
static int child(const char *placeholder, const char *seed, const char *cache_dir,
		 const char *file)
{
	cache_file = file;
	if (mkdir(cache_dir, 0700) != 0)
		return 2;
	copy_file(seed, file);
	setenv("HPGSHIM_CACHE_DIR", cache_dir, 1);

	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_store(&armed, true);
	scenario(placeholder);
	atomic_store(&armed, false);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (__lsan_do_recoverable_leak_check() != 0)
		report_bad("LeakSanitizer", "a leak (report above)");
	if (!atomic_load(&injected))
		printf("alloc_torture: allocation points %ld (shim %ld, cJSON %ld, libcurl %ld)\n",
		       atomic_load(&allocations), atomic_load(&by_origin[FROM_SHIM]),
		       atomic_load(&by_origin[FROM_CJSON]), atomic_load(&by_origin[FROM_CURL]));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	printf("run %d: connections %d errors %d (%ld ms, leak check %ld ms)\n", run_number,
	       connections, errors,
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
	       (t2.tv_sec - t1.tv_sec) * 1000 + (t2.tv_nsec - t1.tv_nsec) / 1000000);
	fflush(stdout);
	return bad ? 1 : atomic_load(&injected) ? 0 : 3;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: alloc_torture APP EXPECTED_USER SEED_FILE CACHE_BASE "
			"[FIRST_N [LAST_N]]\n");
		return 2;
	}
	const char *app = argv[1], *seed = argv[3], *cache_base = argv[4];
	expected_user = argv[2];
	int first_n = argc > 5 ? atoi(argv[5]) : 1;
	int last_n = argc > 6 ? atoi(argv[6]) : 1000000;

	char *placeholder = NULL, *key = cache_key(getenv("HEROKU_HOST"), app, "DATABASE_URL");
	if (key == NULL || asprintf(&placeholder, "heroku://%s?application_name=alloc_torture",
				    app) < 0)
		return 2;
	hook_libraries();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Runs are independent: as many at once as there are CPUs.  The first
	 * run with no injected failure ends the loop; the runs started before
	 * it was seen still finish. */
	long parallel = sysconf(_SC_NPROCESSORS_ONLN);
	if (parallel < 1)
		parallel = 1;
	pid_t running[64] = { 0 };
	int running_n[64] = { 0 };
	if (parallel > 64)
		parallel = 64;
	int runs = 0, failed_runs = 0, active = 0;
	long points = -1;
	int n = first_n;
	while (active > 0 || (points < 0 && n <= last_n)) {
		while (active < parallel && points < 0 && n <= last_n) {
			char cache_dir[4096], file[4200];
			snprintf(cache_dir, sizeof cache_dir, "%s/run%d", cache_base, n);
			snprintf(file, sizeof file, "%s/%s.json", cache_dir, key);
			fflush(stdout);
			pid_t pid = fork();
			if (pid < 0)
				return 2;
			if (pid == 0) {
				run_number = n;
				fail_at = n;
				_exit(child(placeholder, seed, cache_dir, file));
			}
			for (int slot = 0; slot < parallel; slot++)
				if (running[slot] == 0) {
					running[slot] = pid;
					running_n[slot] = n;
					break;
				}
			active++;
			n++;
		}
		int status;
		pid_t pid = wait(&status);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		int done = -1;
		for (int slot = 0; slot < parallel; slot++)
			if (running[slot] == pid) {
				done = running_n[slot];
				running[slot] = 0;
			}
		if (done < 0)
			continue;
		active--;
		runs++;
		if (WIFSIGNALED(status)) {
			printf("N=%d: killed by signal %d\n", done, WTERMSIG(status));
			failed_runs++;
		} else if (WEXITSTATUS(status) == 3) {
			if (points < 0 || done - 1 < points)
				points = done - 1;
		} else if (WEXITSTATUS(status) != 0) {
			printf("N=%d: exit status %d\n", done, WEXITSTATUS(status));
			failed_runs++;
		}
	}
	printf("alloc_torture: runs %d, failed runs %d, last clean run after %ld allocations\n",
	       runs, failed_runs, points);
	free(placeholder);
	free(key);
	return failed_runs ? 1 : 0;
}
