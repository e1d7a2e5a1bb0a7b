/*
 * api.c - GET /apps/{APP}/config-vars; see api.h.
 */
#define _GNU_SOURCE
#include "api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "fork_safety.h"
#include "libcurl_compat.h"
#include "secret.h"
#include "sigpipe_guard.h"
#include "version.h"

/* Heroku's API answers at api.heroku.com; its staging hosts below it. */
static bool host_is_heroku(const char *host)
{
	static const char domain[] = "heroku.com";
	size_t length = strlen(host), dlength = sizeof domain - 1;
	return strcasecmp(host, domain) == 0 ||
	       (length > dlength && host[length - dlength - 1] == '.' &&
		strcasecmp(host + length - dlength, domain) == 0);
}

/*
 * Loopback is an address that parses as one (127.0.0.0/8, ::1), or exactly
 * "localhost", which libcurl answers itself without asking the resolver.
 * A name that merely starts like one ("127.x.example", "localhost.x.example")
 * is a name like any other: whatever it resolves to would get the token.
 * libcurl gives an IPv6 host in brackets, as the URL wrote it.
 */
static bool host_is_loopback(const char *host)
{
	struct in_addr v4;
	struct in6_addr v6;
	char bare[INET6_ADDRSTRLEN + 1];
	size_t length = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (length > 2 && length - 2 < sizeof bare && host[0] == '[' && host[length - 1] == ']') {
		memcpy(bare, host + 1, length - 2);
		bare[length - 2] = '\0';
		host = bare;
	}
	return inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool api_base_url(const struct curl_api *curl, const char *heroku_host, char **out,
		  struct hpg_error *err)
{
	char *url = NULL, *scheme = NULL, *host = NULL, *user = NULL;
	CURLU *parsed = NULL;
	bool ok = false;

	*out = NULL;
	if (heroku_host == NULL || heroku_host[0] == '\0')
		url = strdup(HEROKU_API_DEFAULT_BASE);
	else if (strstr(heroku_host, "://") != NULL)
		url = strdup(heroku_host);
	else if (asprintf(&url, "https://api.%s", heroku_host) < 0)
		url = NULL;
	if (url == NULL) {
		hpg_error_set(err, "out of memory");
		return false;
	}

	/* libcurl's URL parser, the same that will make the request. */
	CURLUcode rc = CURLUE_OUT_OF_MEMORY;
	parsed = curl->curl_url();
	if (parsed != NULL && (rc = curl->curl_url_set(parsed, CURLUPART_URL, url, 0)) == CURLUE_OK &&
	    (rc = curl->curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0)) == CURLUE_OK)
		rc = curl->curl_url_get(parsed, CURLUPART_HOST, &host, 0);
	if (rc == CURLUE_OUT_OF_MEMORY) {
		hpg_error_set(err, "out of memory while reading HEROKU_HOST");
		goto done;
	}
	if (rc != CURLUE_OK) {
		hpg_error_set(err, "HEROKU_HOST is not a host name or URL; unset it to use %s",
			      HEROKU_API_DEFAULT_BASE);
		goto done;
	}
	rc = curl->curl_url_get(parsed, CURLUPART_USER, &user, 0);
	if (rc == CURLUE_OUT_OF_MEMORY) {
		hpg_error_set(err, "out of memory while reading HEROKU_HOST");
		goto done;
	}
	if (rc == CURLUE_OK) {
		hpg_error_set(err, "HEROKU_HOST must not hold a user or password; "
			      "give the token in HEROKU_API_KEY");
		goto done;
	}
	if (!host_is_heroku(host) && !host_is_loopback(host)) {
		hpg_error_set(err, "HEROKU_HOST names %s, which is neither a Heroku domain "
			      "nor loopback; hpgshim sends the API token nowhere else", host);
		goto done;
	}
	if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 && host_is_loopback(host))) {
		hpg_error_set(err, "HEROKU_HOST uses %s://; the API is reached over https:// "
			      "(plain http:// only to loopback)", scheme);
		goto done;
	}
	/* Without a trailing '/', so that base + "/apps/..." is one slash. */
	size_t length = strlen(url);
	while (length > 0 && url[length - 1] == '/')
		url[--length] = '\0';
	*out = url;
	url = NULL;
	ok = true;
done:
	curl->curl_free(scheme);
	curl->curl_free(host);
	curl->curl_free(user);
	curl->curl_url_cleanup(parsed);
	free(url);
	return ok;
}

struct body_sink {
	struct api_response *res;
	bool too_large;
	bool out_of_memory;	/* both make libcurl stop with CURLE_WRITE_ERROR */
};

static size_t collect_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct body_sink *sink = userp;
	struct api_response *res = sink->res;
	size_t n = size * nmemb;

	if (res->length + n > HEROKU_API_BODY_MAX) {
		sink->too_large = true;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	char *grown = malloc(res->length + n + 1);
	if (grown == NULL) {
		sink->out_of_memory = true;
		return 0;
	}
	/* Copy rather than realloc, so that no unwiped copy of the body is left. */
	if (res->body != NULL) {
		memcpy(grown, res->body, res->length);
		explicit_bzero(res->body, res->length);
		free(res->body);
	}
	memcpy(grown + res->length, data, n);
	res->length += n;
	grown[res->length] = '\0';
	res->body = grown;
	return n;
}

/* The value of header `name` if line is that header, trimmed; else NULL. */
static char *header_value(const char *line, size_t size, const char *name)
{
	size_t name_length = strlen(name);
	if (size <= name_length || strncasecmp(line, name, name_length) != 0)
		return NULL;
	const char *value = line + name_length;
	const char *end = line + size;
	while (value < end && (*value == ' ' || *value == '\t'))
		value++;
	while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return strndup(value, (size_t)(end - value));
}

static size_t collect_header(char *line, size_t size, size_t nmemb, void *userp)
{
	struct api_response *res = userp;
	size_t n = size * nmemb;
	char *value;

	if ((value = header_value(line, n, "etag:")) != NULL) {
		free(res->etag);
		res->etag = value;
	} else if ((value = header_value(line, n, "ratelimit-remaining:")) != NULL) {
		char *end;
		long remaining = strtol(value, &end, 10);
		res->ratelimit_remaining = (*value && !*end) ? remaining : -1;
		free(value);
	}
	return n;
}

/* Failures in which the API was not heard, and one more try may be: the
 * connection was refused or reset, or the answer broke off.  A timeout has
 * spent the time already; a certificate that does not verify will not
 * verify on the next try either. */
static bool transient_failure(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* Notes whether libcurl sent an Authorization header (from HEROKU_API_KEY or
 * ~/.netrc) without keeping or printing it. */
static int watch_headers(CURL *handle, curl_infotype type, char *data, size_t size, void *userp)
{
	(void)handle;
	static const char name[] = "\nauthorization:";
	if (type != CURLINFO_HEADER_OUT)
		return 0;
	for (size_t i = 0; i + sizeof name - 1 <= size; i++)
		if (strncasecmp(data + i, name, sizeof name - 1) == 0)
			*(bool *)userp = true;
	return 0;
}

/* Appends "Name: value" to headers; false when out of memory. */
static bool add_header(const struct curl_api *curl, struct curl_slist **headers,
		       const char *name, const char *value)
{
	char *line = NULL;
	if (asprintf(&line, "%s: %s", name, value) < 0)
		return false;
	struct curl_slist *grown = curl->curl_slist_append(*headers, line);
	secret_free(line); /* libcurl copied it; it may be the token */
	if (grown == NULL)
		return false;
	*headers = grown;
	return true;
}

bool api_get_config_vars(const struct curl_api *curl, CURL *handle,
			 const struct api_request *req, struct api_response *out,
			 struct hpg_error *err)
{
	char *escaped_app = NULL, *url = NULL, *auth = NULL;
	struct curl_slist *headers = NULL;
	char curl_error[CURL_ERROR_SIZE] = "";
	struct body_sink sink = { .res = out };
	bool ok = false, transient = false, timed_out = false;

	*out = (struct api_response)API_RESPONSE_INIT;
	/* Forget the last request's options; keep its connection and TLS session. */
	curl->curl_easy_reset(handle);
	escaped_app = curl->curl_easy_escape(handle, req->app, 0);
	if (escaped_app == NULL ||
	    asprintf(&url, "%s/apps/%s/config-vars", req->base_url, escaped_app) < 0) {
		url = NULL;
		hpg_error_set(err, "out of memory");
		goto done;
	}

	if (asprintf(&auth, "Bearer %s", req->token ? req->token : "") < 0)
		auth = NULL;
	if (auth == NULL ||
	    !add_header(curl, &headers, "Accept", "application/vnd.heroku+json; version=3") ||
	    (req->token && !add_header(curl, &headers, "Authorization", auth)) ||
	    (req->if_none_match && !add_header(curl, &headers, "If-None-Match", req->if_none_match))) {
		hpg_error_set(err, "out of memory");
		goto done;
	}

	/* Every option in one place; a failure here is a libcurl too old. */
	CURLcode rc = CURLE_OK;
#define SET(option, value) \
	if (rc == CURLE_OK) rc = curl->curl_easy_setopt(handle, option, value)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_USERAGENT, HPGSHIM_USER_AGENT);
	if (rc == CURLE_OK)	/* the option that the libcurl loaded has */
		rc = libcurl_compat_https_and_http_only(curl, handle);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_NOSIGNAL, 1L);	/* no SIGALRM in someone else's threads */
	/* No TLS session cache: libcurl 7.88 (Debian 12's) frees the host name
	 * it just stored when copying the session's SSL config runs out of
	 * memory, and frees it again later: a double free in the host program
	 * (found by the allocation torture, test_alloc_torture.py).  The kept
	 * connection (keep-alive) still spares a handshake per request. */
	SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
	SET(CURLOPT_TIMEOUT_MS, req->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HEROKU_API_BODY_MAX);
	SET(CURLOPT_WRITEFUNCTION, collect_body);
	SET(CURLOPT_WRITEDATA, &sink);
	SET(CURLOPT_HEADERFUNCTION, collect_header);
	SET(CURLOPT_HEADERDATA, out);
	SET(CURLOPT_ERRORBUFFER, curl_error);
	SET(CURLOPT_VERBOSE, 1L);	/* only for watch_headers: nothing is printed */
	SET(CURLOPT_DEBUGFUNCTION, watch_headers);
	SET(CURLOPT_DEBUGDATA, &out->sent_credentials);
	if (req->token == NULL)
		SET(CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	if (req->cainfo != NULL)
		SET(CURLOPT_CAINFO, req->cainfo);
#undef SET
	if (rc == CURLE_OUT_OF_MEMORY) {
		hpg_error_set(err, "out of memory while preparing the request to the Heroku API");
		goto done;
	}
	if (rc != CURLE_OK) {
		hpg_error_set(err, "libcurl refused an option (%s); it is too old",
			      curl->curl_easy_strerror(rc));
		goto done;
	}

	struct sigpipe_guard guard;	/* libcurl before 7.87 may raise SIGPIPE */
	sigpipe_guard_begin(&guard);
	rc = curl->curl_easy_perform(handle);
	sigpipe_guard_end(&guard);
	curl->curl_easy_getinfo(handle, CURLINFO_TOTAL_TIME, &out->seconds);
	if (rc == CURLE_OK) {
		curl->curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &out->status);
		/* libcurl reads both forms, delta-seconds and an HTTP date. */
		curl_off_t retry_after = 0;
		if (curl->curl_easy_getinfo(handle, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		    retry_after > 0)
			out->retry_after_seconds = retry_after > HEROKU_API_RETRY_AFTER_MAX
							   ? HEROKU_API_RETRY_AFTER_MAX
							   : (long)retry_after;
		ok = true;
	} else if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		hpg_error_set(err, "the Heroku API's answer is larger than %d bytes; "
			      "check HEROKU_HOST", HEROKU_API_BODY_MAX);
	} else if (rc == CURLE_OUT_OF_MEMORY || sink.out_of_memory) {
		hpg_error_set(err, "out of memory while asking the Heroku API at %s", req->base_url);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		hpg_error_set(err, "the Heroku API did not answer within %.1f s (HPGSHIM_TIMEOUT, "
			      "or the connection's connect_timeout); check your network or try again",
			      (double)req->timeout_ms / 1000);
	} else {
		hpg_error_set(err, "cannot reach the Heroku API at %s: %s; check your network, "
			      "proxy and HEROKU_HOST", req->base_url,
			      curl_error[0] ? curl_error : curl->curl_easy_strerror(rc));
	}
	transient = !ok && transient_failure(rc) && !sink.too_large && !sink.out_of_memory;
	timed_out = !ok && rc == CURLE_OPERATION_TIMEDOUT;
done:
	secret_slist_free(curl, headers);
	secret_free(auth);
	free(url);
	curl->curl_free(escaped_app);
	if (!ok) {
		api_response_free(out);
		out->transient = transient;
		out->timed_out = timed_out;
	}
	return ok;
}

void api_response_free(struct api_response *res)
{
	if (res->body != NULL) {
		explicit_bzero(res->body, res->length);
		free(res->body);
	}
	free(res->etag);
	*res = (struct api_response)API_RESPONSE_INIT;
}

void api_status_explain(long status, bool sent_credentials, const char *app,
			const char *heroku_id, struct hpg_error *err)
{
	char id[64] = "";
	if (heroku_id != NULL)
		snprintf(id, sizeof id, ", %s", heroku_id);

	if (status == 401 && !sent_credentials)
		hpg_error_set(err, "no Heroku API token: set HEROKU_API_KEY "
			      "(export HEROKU_API_KEY=$(heroku auth:token)) or run \"heroku login\", "
			      "which writes one to ~/.netrc");
	else if (status == 401)
		hpg_error_set(err, "the Heroku API rejected the token (HTTP 401%s); it may have "
			      "expired: renew HEROKU_API_KEY, or run \"heroku login\" for ~/.netrc", id);
	else if (status == 403)
		hpg_error_set(err, "the token may not read the config vars of app \"%s\" (HTTP 403%s); "
			      "it needs access to the app and the read-protected scope", app, id);
	else if (status == 404)
		hpg_error_set(err, "app \"%s\" not found (HTTP 404%s); check the name with "
			      "\"heroku apps\" and that the token's account can see it", app, id);
	else if (status == 429)
		hpg_error_set(err, "the Heroku API rate limit is spent (HTTP 429%s); wait a minute, "
			      "or cache credentials with HPGSHIM_CACHE_TTL", id);
	else if (status >= 500 && status <= 599)
		hpg_error_set(err, "the Heroku API failed (HTTP %ld%s); try again shortly",
			      status, id);
	else if (status >= 300 && status <= 399)
		hpg_error_set(err, "the Heroku API answered with a redirect (HTTP %ld), which "
			      "hpgshim does not follow; check HEROKU_HOST", status);
	else
		hpg_error_set(err, "unexpected answer from the Heroku API (HTTP %ld%s)", status, id);
}

/* --- the process's handle, reused (api.h) ---------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CURL *idle;	/* the handle kept for reuse, when not lent out */
static pid_t idle_owner;	/* the process that made it */
/* A handle inherited across fork(), abandoned (see api_handle.h) but still
 * pointed to: it is the parent's, not a leak of the child's.  volatile,
 * because nothing reads it and the compiler would drop the stores. */
static CURL *volatile inherited;

CURL *api_handle_acquire(const struct curl_api *curl)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	CURL *handle = idle;
	if (handle != NULL && idle_owner != getpid()) {
		inherited = handle;
		handle = NULL;
	}
	idle = NULL;
	pthread_mutex_unlock(&lock);
	return handle != NULL ? handle : curl->curl_easy_init();
}

void api_handle_release(const struct curl_api *curl, CURL *handle)
{
	pthread_mutex_lock(&lock);
	CURL *extra = NULL;
	if (idle == NULL || idle_owner != getpid()) {
		if (idle != NULL)
			inherited = idle;
		idle = handle;
		idle_owner = getpid();
	} else {
		extra = handle; /* another thread's handle is kept already */
	}
	pthread_mutex_unlock(&lock);
	if (extra != NULL)
		curl->curl_easy_cleanup(extra);
}
