/*
 * doctor.c - `hpgshim doctor heroku://APP[/CONFIG_VAR]`: why doesn't it connect?
 *
 * Walks the path of a placeholder connection one step at a time and prints
 * one line per check: "ok", "FAIL" (with the fix) or "skip" (a check that
 * needs one that failed).  Exit status 0 when every check passed, 1 when one
 * failed, 2 for a usage error.
 *
 * Every step that the library takes is taken here by the library's own code,
 * linked in as the unit tests link it: the configuration (config_get), the
 * placeholder, HEROKU_HOST, the API request, the config-vars JSON, the URL
 * and the options libpq gets (conninfo_merge).  Only what the library leaves
 * to libpq is split into steps of its own here (resolving, TCP, TLS,
 * authentication), so that a failure names the step.  Nothing is sent to any
 * host but the API host and the database host, and neither the token nor the
 * password is ever printed.
 *
 * The hpgshim command runs this program without the library preloaded, and
 * tells it which library it would preload (--library) and its own version.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "api_answer.h"
#include "config.h"
#include "conninfo_merge.h"
#include "credential.h"
#include "error.h"
#include "api.h"
#include "lazy_libs.h"
#include "libpq_api.h"
#include "optlist.h"
#include "placeholder.h"
#include "secret.h"
#include "version.h"

/*
 * libpq, opened when the doctor starts rather than linked: the package
 * only suggests libpq5, since the library never links it (it uses the host
 * program's own).  The core's table, and the few functions only the doctor
 * calls.
 */
#define DOCTOR_LIBPQ_SONAME "libpq.so.5"
#define DOCTOR_LIBPQ_FUNCTIONS(X) \
	X(PQsocket)               \
	X(PQsslInUse)             \
	X(PQsslAttribute)         \
	X(PQdb)                   \
	X(PQparameterStatus)

struct doctor_libpq {
	struct libpq_api core;
#define DOCTOR_LIBPQ_MEMBER(name) __typeof__(&name) name;
	DOCTOR_LIBPQ_FUNCTIONS(DOCTOR_LIBPQ_MEMBER)
#undef DOCTOR_LIBPQ_MEMBER
};

static struct doctor_libpq pq;

/* Fills pq from libpq.so.5; false with why (static text or dlerror()'s) when it cannot. */
static bool doctor_open_libpq(const char **why)
{
	void *libpq = dlopen(DOCTOR_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	*why = NULL;
	if (libpq == NULL) {
		*why = dlerror();
		return false;
	}
#define DOCTOR_LIBPQ_BIND(table, name)                                              \
	if ((table.name = (__typeof__(table.name))dlsym(libpq, #name)) == NULL) {   \
		*why = "a function is missing: " #name;                             \
		return false;                                                       \
	}
#define BIND_CORE(name) DOCTOR_LIBPQ_BIND(pq.core, name)
#define BIND_OWN(name) DOCTOR_LIBPQ_BIND(pq, name)
	LIBPQ_API_FUNCTIONS(BIND_CORE)
	DOCTOR_LIBPQ_FUNCTIONS(BIND_OWN)
#undef BIND_OWN
#undef BIND_CORE
#undef DOCTOR_LIBPQ_BIND
	return true;
}

/* The library's file is read, never loaded; it is well under this. */
#define DOCTOR_LIBRARY_MAX (16 * 1024 * 1024)

struct doctor {
	bool failed;		/* a check failed: exit 1 */
	const char *skip_reason;	/* set once a check that others need failed */
};

/* One line: "ok    check: text", "FAIL  check: text" or "skip  check: ...". */
static void doctor_report(struct doctor *doc, bool ok, const char *check, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
static void doctor_report(struct doctor *doc, bool ok, const char *check, const char *format, ...)
{
	va_list ap;
	printf("%-5s %s: ", ok ? "ok" : "FAIL", check);
	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		doc->failed = true;
	fflush(stdout);
}

/* A check that needs one that failed: said, not run. */
static bool doctor_skipped(struct doctor *doc, const char *check)
{
	if (doc->skip_reason == NULL)
		return false;
	printf("%-5s %s: not checked (%s)\n", "skip", check, doc->skip_reason);
	return true;
}

static void doctor_stop(struct doctor *doc, const char *reason)
{
	if (doc->skip_reason == NULL)
		doc->skip_reason = reason;
}

/* --- 1. the library ------------------------------------------------------ */

/* The version after the what(1) marker in the file at path, or "" when the
 * file has none (it is not hpgshim's library, or one older than the marker). */
static bool doctor_library_version(const char *path, char *version, size_t size,
				   struct hpg_error *err)
{
	version[0] = '\0';
	FILE *file = fopen(path, "rb");
	if (file == NULL) {
		hpg_error_set(err, "%s", strerror(errno));
		return false;
	}
	char *data = malloc(DOCTOR_LIBRARY_MAX);
	size_t length = data ? fread(data, 1, DOCTOR_LIBRARY_MAX - 1, file) : 0;
	bool read_error = ferror(file);
	fclose(file);
	if (data == NULL || read_error) {
		hpg_error_set(err, "%s", data ? "cannot read it" : "out of memory");
		free(data);
		return false;
	}
	data[length] = '\0';
	static const char mark[] = HPGSHIM_VERSION_IDENT_MARK;
	const char *found = memmem(data, length, mark, sizeof mark - 1);
	if (found != NULL)
		snprintf(version, size, "%s", found + sizeof mark - 1);
	free(data);
	return true;
}

/* The libhpgshim.so in LD_PRELOAD, which the command keeps instead of its own. */
static char *doctor_preloaded_library(void)
{
	const char *preload = getenv("LD_PRELOAD");
	char *copy = preload ? strdup(preload) : NULL, *found = NULL, *state = NULL;
	for (char *entry = copy ? strtok_r(copy, ": \t\n", &state) : NULL; entry != NULL;
	     entry = strtok_r(NULL, ": \t\n", &state)) {
		const char *slash = strrchr(entry, '/');
		if (strcmp(slash ? slash + 1 : entry, "libhpgshim.so") == 0) {
			found = strdup(entry);
			break;
		}
	}
	free(copy);
	return found;
}

static void doctor_check_library(struct doctor *doc, const char *command_library,
				 const char *command_version)
{
	static const char check[] = "library";
	char *preloaded = doctor_preloaded_library();
	const char *library = preloaded ? preloaded : command_library;
	const char *source = preloaded ? " (already in LD_PRELOAD, kept by the command)" : "";
	char version[32];
	struct hpg_error err;

	if (library == NULL) {
		doctor_report(doc, false, check, "no library given; run the doctor as "
			      "\"hpgshim doctor heroku://APP\"");
	} else if (strchr(library, '/') == NULL) {
		/* A bare name in LD_PRELOAD: the dynamic linker's cache decides. */
		doctor_report(doc, true, check, "%s%s, found by the dynamic linker "
			      "(version not checked: give LD_PRELOAD a path to check it)",
			      library, source);
	} else if (!doctor_library_version(library, version, sizeof version, &err)) {
		doctor_report(doc, false, check, "%s%s: %s; build it (make) or install "
			      "hpgshim again", library, source, err.text);
	} else if (version[0] == '\0') {
		doctor_report(doc, false, check, "%s%s is not hpgshim's library, or older than "
			      "version %s; install hpgshim again", library, source, command_version);
	} else if (strcmp(version, command_version) != 0) {
		doctor_report(doc, false, check, "%s%s is version %s, the command %s; install "
			      "hpgshim again, so that both are one version", library, source,
			      version, command_version);
	} else {
		doctor_report(doc, true, check, "%s%s, version %s", library, source, version);
	}
	free(preloaded);
}

/* --- 2. the token, 3. the API host --------------------------------------- */

/* Whether the netrc file at path has an entry for host, or a default one, as
 * libcurl reads it; only the words "machine" and "default" are looked at. */
static bool doctor_netrc_has(const char *path, const char *host)
{
	FILE *file = fopen(path, "r");
	if (file == NULL)
		return false;
	char word[256];
	bool found = false, machine_next = false;
	while (!found && fscanf(file, "%255s", word) == 1) {
		if (machine_next)
			found = strcasecmp(word, host) == 0;
		machine_next = strcmp(word, "machine") == 0;
		if (strcmp(word, "default") == 0)
			found = true;
	}
	explicit_bzero(word, sizeof word); /* it may have held a password */
	fclose(file);
	return found;
}

/* The host name of a base URL api_base_url() accepted, malloc'd. */
static char *doctor_url_host(const struct curl_api *curl, const char *url)
{
	CURLU *parsed = curl->curl_url();
	char *host = NULL, *copy = NULL;
	if (parsed != NULL && curl->curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl->curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		copy = strdup(host);
	curl->curl_free(host);
	curl->curl_url_cleanup(parsed);
	return copy;
}

static void doctor_check_token(struct doctor *doc, const struct hpg_config *config,
			       const char *api_host)
{
	static const char check[] = "token";
	const char *home = getenv("HOME");
	char *netrc = NULL;

	if (config->token != NULL) {
		doctor_report(doc, true, check, "from HEROKU_API_KEY (not shown)");
		return;
	}
	if (home != NULL && asprintf(&netrc, "%s/.netrc", home) < 0)
		netrc = NULL;
	if (netrc != NULL && api_host != NULL && doctor_netrc_has(netrc, api_host)) {
		doctor_report(doc, true, check, "HEROKU_API_KEY is unset; from the ~/.netrc "
			      "entry for %s (not shown)", api_host);
	} else {
		doctor_report(doc, false, check, "HEROKU_API_KEY is unset and ~/.netrc has no "
			      "entry for %s; fix: export HEROKU_API_KEY=$(heroku auth:token), or "
			      "run \"heroku login\", which writes ~/.netrc",
			      api_host ? api_host : "the API host");
		doctor_stop(doc, "no token");
	}
	free(netrc);
}

static void doctor_check_api_host(struct doctor *doc, const struct curl_api *curl,
				  const struct hpg_config *config, char **base_url)
{
	static const char check[] = "API host";
	struct hpg_error err;

	*base_url = NULL;
	if (!api_base_url(curl, config->heroku_host, base_url, &err)) {
		doctor_report(doc, false, check, "HEROKU_HOST refused: %s; fix: unset HEROKU_HOST "
			      "to use %s, or set it to a Heroku domain", err.text,
			      HEROKU_API_DEFAULT_BASE);
		doctor_stop(doc, "HEROKU_HOST refused");
	} else if (config->heroku_host == NULL) {
		doctor_report(doc, true, check, "%s (HEROKU_HOST unset)", *base_url);
	} else {
		doctor_report(doc, true, check, "%s (HEROKU_HOST accepted)", *base_url);
	}
}

/* --- 4. the API request, 5. the config var ------------------------------- */

static void doctor_check_request(struct doctor *doc, const struct curl_api *curl,
				 const struct cjson_api *json, const struct hpg_config *config,
				 const char *base_url, const char *app,
				 struct api_response *res)
{
	static const char check[] = "API request";
	struct hpg_error err;

	*res = (struct api_response)API_RESPONSE_INIT;
	if (doctor_skipped(doc, check))
		return;
	CURL *handle = curl->curl_easy_init();
	if (handle == NULL) {
		doctor_report(doc, false, check, "libcurl could not start a request");
		doctor_stop(doc, "no API answer");
		return;
	}
	struct api_request req = {
		.base_url = base_url,
		.app = app,
		.token = config->token,
		.cainfo = config->cainfo,
		.if_none_match = NULL,
		.timeout_ms = config->timeout_seconds * 1000,
	};
	bool answered = api_get_config_vars(curl, handle, &req, res, &err);
	long verify_result = -1;
	curl->curl_easy_getinfo(handle, CURLINFO_SSL_VERIFYRESULT, &verify_result);
	curl->curl_easy_cleanup(handle);

	if (!answered) {
		doctor_report(doc, false, check, "GET %s/apps/%s/config-vars: %s", base_url, app,
			      err.text);
		doctor_stop(doc, "no API answer");
		return;
	}
	/* Verification is always on (api.c), so an answer over https
	 * came from a verified peer; libcurl's own result says so too. */
	bool https = strncmp(base_url, "https://", 8) == 0;
	const char *tls = !https ? "plain HTTP (loopback only)"
			  : verify_result == 0 ? "TLS verified" : "TLS NOT verified";
	char remaining[48] = ", RateLimit-Remaining not sent";
	if (res->ratelimit_remaining >= 0)
		snprintf(remaining, sizeof remaining, ", RateLimit-Remaining %ld",
			 res->ratelimit_remaining);
	if (res->status == 200) {
		doctor_report(doc, true, check, "GET %s/apps/%s/config-vars: HTTP 200 in %.0f ms, "
			      "%s%s", base_url, app, res->seconds * 1000, tls, remaining);
		return;
	}
	char *id = api_answer_error_id(json, res->body, res->length);
	api_status_explain(res->status, res->sent_credentials, app, id, &err);
	free(id);
	doctor_report(doc, false, check, "GET %s/apps/%s/config-vars: HTTP %ld in %.0f ms, %s%s: %s",
		      base_url, app, res->status, res->seconds * 1000, tls, remaining, err.text);
	doctor_stop(doc, "no config vars");
}

static bool doctor_check_config_var(struct doctor *doc, const struct cjson_api *json,
				    const struct api_response *res, const struct placeholder *ph,
				    struct credential *cred)
{
	static const char check[] = "config var";
	struct hpg_error err, why;
	char *url = NULL;

	*cred = (struct credential)CREDENTIAL_INIT;
	if (doctor_skipped(doc, check))
		return false;
	if (!api_answer_config_var(json, res->body, res->length, ph->config_var, &url, &err)) {
		doctor_report(doc, false, check, "%s; fix: name one of them in the placeholder, "
			      "heroku://%s/NAME", err.text, ph->app);
		doctor_stop(doc, "no credential");
		return false;
	}
	bool ok = credential_from_url(&pq.core, url, cred, &why);
	secret_free(url);
	if (!ok) {
		doctor_report(doc, false, check, "%s: %s", ph->config_var, why.text);
		doctor_stop(doc, "no credential");
		return false;
	}
	doctor_report(doc, true, check, "%s is a postgres URL: host %s, port %s, user %s, "
		      "database %s (password not shown)", ph->config_var, cred->host,
		      cred->port ? cred->port : CREDENTIAL_DEFAULT_PORT " (default)", cred->user,
		      cred->dbname ? cred->dbname : cred->user);
	return true;
}

/* --- 6. the database ------------------------------------------------------ */

static void doctor_check_resolve(struct doctor *doc, const struct credential *cred,
				 const char *port, struct addrinfo **addresses)
{
	static const char check[] = "database host";
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };

	*addresses = NULL;
	if (doctor_skipped(doc, check))
		return;
	int rc = getaddrinfo(cred->host, port, &hints, addresses);
	if (rc != 0) {
		*addresses = NULL;
		doctor_report(doc, false, check, "%s does not resolve (%s); fix: check the "
			      "config var's host and this machine's DNS", cred->host,
			      gai_strerror(rc));
		doctor_stop(doc, "the host does not resolve");
		return;
	}
	char first[NI_MAXHOST] = "?";
	getnameinfo((*addresses)->ai_addr, (*addresses)->ai_addrlen, first, sizeof first,
		    NULL, 0, NI_NUMERICHOST);
	doctor_report(doc, true, check, "%s resolves to %s", cred->host, first);
}

/* 0, or the errno of a TCP connection to address within timeout_ms. */
static int doctor_tcp_connect(const struct addrinfo *address, int timeout_ms)
{
	int fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			address->ai_protocol);
	if (fd < 0)
		return errno;
	int error = 0;
	if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
		error = errno;
		if (error == EINPROGRESS) {
			struct pollfd waiting = { .fd = fd, .events = POLLOUT };
			int ready = poll(&waiting, 1, timeout_ms);
			socklen_t length = sizeof error;
			if (ready == 0)
				error = ETIMEDOUT;
			else if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
				error = errno;
		}
	}
	close(fd);
	return error;
}

static void doctor_check_tcp(struct doctor *doc, const struct credential *cred, const char *port,
			     const struct addrinfo *addresses, long timeout_seconds)
{
	static const char check[] = "database port";
	if (doctor_skipped(doc, check))
		return;
	int error = ENOTCONN;
	for (const struct addrinfo *address = addresses; address != NULL; address = address->ai_next) {
		error = doctor_tcp_connect(address, (int)timeout_seconds * 1000);
		if (error == 0) {
			doctor_report(doc, true, check, "%s port %s accepts TCP", cred->host, port);
			return;
		}
	}
	doctor_report(doc, false, check, "%s port %s does not accept TCP (%s); fix: check the "
		      "config var's port, that the database is up (heroku pg:info), and that no "
		      "firewall or proxy blocks this machine", cred->host, port, strerror(error));
	doctor_stop(doc, "no TCP connection");
}

/* libpq's message, first line only and without its trailing newline. */
static const char *doctor_libpq_message(PGconn *conn, char *buf, size_t size)
{
	snprintf(buf, size, "%s", pq.core.PQerrorMessage(conn));
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/*
 * Connects with the options the library would give libpq, step by step, so
 * that a failure is placed: before the TLS handshake ended, or after (the
 * server then judged the credential).
 */
static void doctor_check_connection(struct doctor *doc, const struct placeholder *ph,
				    const struct credential *cred, const struct hpg_config *config,
				    const char *env_sslmode)
{
	/* Not ||: a skipped connection skips all three checks, each said. */
	if (doctor_skipped(doc, "TLS") | doctor_skipped(doc, "authentication") |
	    doctor_skipped(doc, "server"))
		return;

	struct optlist caller = OPTLIST_INIT, options = OPTLIST_INIT;
	char timeout[24];
	snprintf(timeout, sizeof timeout, "%ld", config->timeout_seconds);
	if (!optlist_set(&caller, "connect_timeout", timeout) ||
	    !conninfo_merge(&caller, &ph->query, cred, env_sslmode, &options)) {
		doctor_report(doc, false, "TLS", "out of memory");
		optlist_free(&caller);
		return;
	}
	char sslmode[32];
	snprintf(sslmode, sizeof sslmode, "%s", optlist_get(&options, "sslmode"));
	PGconn *conn = pq.core.PQconnectStartParams((const char *const *)options.keywords,
					    (const char *const *)options.values,
					    CONNINFO_MERGE_EXPAND_DBNAME);
	optlist_free(&caller);
	optlist_free(&options);

	/* Past the handshake once libpq waits for the server's answer to the
	 * startup message: TLS is in use (or not) from there on. */
	bool handshake_done = false, tls = false;
	char protocol[32] = "", message[512];
	PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
	while (conn != NULL && polling != PGRES_POLLING_OK && polling != PGRES_POLLING_FAILED) {
		struct pollfd waiting = {
			.fd = pq.PQsocket(conn),
			.events = polling == PGRES_POLLING_READING ? POLLIN : POLLOUT,
		};
		if (waiting.fd >= 0 && poll(&waiting, 1, (int)config->timeout_seconds * 1000) <= 0)
			break;
		polling = pq.core.PQconnectPoll(conn);
		ConnStatusType status = pq.core.PQstatus(conn);
		if (!handshake_done && (status == CONNECTION_AWAITING_RESPONSE ||
					status == CONNECTION_AUTH_OK || status == CONNECTION_OK)) {
			handshake_done = true;
			tls = pq.PQsslInUse(conn);
			const char *name = pq.PQsslAttribute(conn, "protocol");
			snprintf(protocol, sizeof protocol, "%s", name ? name : "?");
		}
	}

	if (conn == NULL) {
		doctor_report(doc, false, "TLS", "libpq could not start a connection (out of memory)");
	} else if (!handshake_done) {
		doctor_report(doc, false, "TLS", "no TLS session with %s (sslmode=%s): %s; fix: "
			      "the server must accept TLS, as Heroku Postgres does: check that the "
			      "config var names the app's database", cred->host, sslmode,
			      polling == PGRES_POLLING_FAILED ? doctor_libpq_message(conn, message,
										     sizeof message)
							      : "timed out");
		doctor_stop(doc, "no TLS session");
	} else if (!tls) {
		doctor_report(doc, false, "TLS", "the connection is not encrypted (sslmode=%s); "
			      "fix: drop sslmode from the placeholder's query", sslmode);
	} else {
		doctor_report(doc, true, "TLS", "%s (sslmode=%s)", protocol, sslmode);
	}
	if (conn != NULL && handshake_done) {
		if (pq.core.PQstatus(conn) == CONNECTION_OK) {
			doctor_report(doc, true, "authentication", "user %s logged in to database %s",
				      pq.core.PQuser(conn), pq.PQdb(conn));
			const char *version = pq.PQparameterStatus(conn, "server_version");
			doctor_report(doc, true, "server", "PostgreSQL %s", version ? version : "?");
		} else {
			doctor_report(doc, false, "authentication", "%s; fix: the credential in the "
				      "config var is stale or wrong: when Heroku is rotating it, run "
				      "again in a minute; otherwise see heroku pg:credentials",
				      polling == PGRES_POLLING_FAILED
					      ? doctor_libpq_message(conn, message, sizeof message)
					      : "the server did not answer in time");
			doctor_stop(doc, "not logged in");
			doctor_skipped(doc, "server");
		}
	}
	pq.core.PQfinish(conn);
}

/* --- main ----------------------------------------------------------------- */

static int doctor_usage(void)
{
	fprintf(stderr, "usage: hpgshim doctor heroku://APP[/CONFIG_VAR]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *library = NULL, *command_version = HPGSHIM_VERSION, *target = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--library") == 0 && i + 1 < argc)
			library = argv[++i];
		else if (strcmp(argv[i], "--command-version") == 0 && i + 1 < argc)
			command_version = argv[++i];
		else if (target == NULL && argv[i][0] != '-')
			target = argv[i];
		else
			return doctor_usage();
	}
	if (target == NULL)
		return doctor_usage();

	const char *no_libpq;
	if (!doctor_open_libpq(&no_libpq)) {
		printf("FAIL  libpq: cannot load %s (%s); fix: install libpq5 (Debian and Ubuntu: "
		       "apt-get install libpq5)\n", DOCTOR_LIBPQ_SONAME, no_libpq);
		return 1;
	}

	struct hpg_error err;
	struct placeholder ph = PLACEHOLDER_INIT;
	if (!placeholder_is(target) || !placeholder_parse(&pq.core, target, &ph, &err)) {
		fprintf(stderr, "hpgshim doctor: %s\n", placeholder_is(target) ? err.text
			: "the target must be a placeholder, heroku://APP[/CONFIG_VAR]");
		placeholder_free(&ph);
		return doctor_usage();
	}

	struct doctor doc = { .failed = false, .skip_reason = NULL };
	const struct hpg_config *config = config_get();
	printf("hpgshim doctor %s: heroku://%s/%s\n", HPGSHIM_VERSION, ph.app, ph.config_var);
	doctor_check_library(&doc, library, command_version);

	const struct curl_api *curl = lazy_libs_curl(&err);
	const struct cjson_api *json = curl ? lazy_libs_cjson(&err) : NULL;
	if (json == NULL) {
		doctor_report(&doc, false, "libraries", "%s; fix: install libcurl4 and libcjson1",
			      err.text);
		placeholder_free(&ph);
		return 1;
	}

	/* The token's ~/.netrc entry is the API host's: found first, said second. */
	char *base_url = NULL, *api_host = NULL;
	struct hpg_error ignored;
	if (api_base_url(curl, config->heroku_host, &base_url, &ignored))
		api_host = doctor_url_host(curl, base_url);
	free(base_url);
	doctor_check_token(&doc, config, api_host ? api_host : "api.heroku.com");
	free(api_host);
	const char *after_token = doc.skip_reason;
	doc.skip_reason = NULL; /* the API host is checked without a token too */
	doctor_check_api_host(&doc, curl, config, &base_url);
	doctor_stop(&doc, after_token);

	struct api_response res;
	doctor_check_request(&doc, curl, json, config, base_url, ph.app, &res);
	struct credential cred;
	doctor_check_config_var(&doc, json, &res, &ph, &cred);
	api_response_free(&res);

	const char *port = cred.port ? cred.port : CREDENTIAL_DEFAULT_PORT;
	struct addrinfo *addresses = NULL;
	doctor_check_resolve(&doc, &cred, port, &addresses);
	doctor_check_tcp(&doc, &cred, port, addresses, config->timeout_seconds);
	if (addresses != NULL)
		freeaddrinfo(addresses);
	doctor_check_connection(&doc, &ph, &cred, config, getenv("PGSSLMODE"));

	credential_free(&cred);
	free(base_url);
	placeholder_free(&ph);
	return doc.failed ? 1 : 0;
}
