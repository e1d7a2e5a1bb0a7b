/*
 * api.h - one GET /apps/{APP}/config-vars over HTTPS, with libcurl.
 *
 * This module speaks HTTP and nothing else: it neither parses the JSON nor
 * reads the environment.  libcurl does TLS (always verified), proxies and
 * ~/.netrc; the request is bounded in time and the answer in size, and
 * redirects are never followed (the token must not travel to another host).
 */
#ifndef HPGSHIM_API_H
#define HPGSHIM_API_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "lazy_libs.h"

#define HEROKU_API_DEFAULT_BASE "https://api.heroku.com"
#define HEROKU_API_BODY_MAX (1024 * 1024)
/* The longest Retry-After believed: the budget refills within an hour, and
 * a wrong header must not stop a fleet for longer. */
#define HEROKU_API_RETRY_AFTER_MAX 3600

/*
 * The API's base URL from HEROKU_HOST, as the Heroku CLI reads it: unset or
 * empty means https://api.heroku.com, a domain D means https://api.D, a URL
 * is used as given.  Only Heroku's domains and loopback (an address in
 * 127.0.0.0/8 or ::1, or exactly localhost) are accepted, and
 * plain http:// only to loopback.  *out is malloc'd; free() it.
 */
bool api_base_url(const struct curl_api *curl, const char *heroku_host, char **out,
		  struct hpg_error *err);

struct api_request {
	const char *base_url;	/* from api_base_url() */
	const char *app;	/* validated by placeholder_parse() */
	const char *token;	/* HEROKU_API_KEY, or NULL to let libcurl read ~/.netrc */
	const char *cainfo;	/* CA bundle for the API, or NULL for the system store */
	const char *if_none_match;	/* ETag of the answer the caller holds, or NULL */
	long timeout_ms;	/* for the whole request, connecting included */
};

struct api_response {
	long status;		/* HTTP status, 0 when no answer came */
	bool sent_credentials;	/* whether an Authorization header went out */
	bool transient;		/* no answer, for a reason one more try may mend */
	bool timed_out;		/* no answer within req->timeout_ms */
	char *body;		/* malloc'd, NUL-terminated; api_response_free() wipes it */
	size_t length;
	char *etag;		/* the ETag header, malloc'd, or NULL */
	long ratelimit_remaining;	/* the RateLimit-Remaining header, or -1 */
	/* Retry-After (seconds or a date; at most HEROKU_API_RETRY_AFTER_MAX), or 0 */
	long retry_after_seconds;
	double seconds;		/* total time of the request */
};

#define API_RESPONSE_INIT { .status = 0, .ratelimit_remaining = -1 }

/*
 * Performs the request on handle, which the caller owns and may reuse for
 * the next request (libcurl then keeps the connection and TLS session).
 * True when an HTTP answer came back, whatever its status; false with err
 * filled for a network, TLS or timeout failure (out->transient tells
 * whether trying again may help).
 */
bool api_get_config_vars(const struct curl_api *curl, CURL *handle,
			 const struct api_request *req, struct api_response *out,
			 struct hpg_error *err);

void api_response_free(struct api_response *res);

/*
 * The handle for api_get_config_vars(): the process's own, reused.
 *
 * Reusing one easy handle lets libcurl keep the connection alive and resume
 * the TLS session, so the next fetch costs a request, not a handshake.  A
 * handle serves one thread at a time: acquiring lends it out, and a thread
 * that finds it lent gets a fresh one of its own.  No lock is held during a
 * request, so fork() never waits for the network.  A handle never crosses
 * fork(): a child that inherits an idle one abandons it (cleaning it up
 * would send the parent's TLS close_notify on a socket the parent still
 * uses) and makes its own.
 */

/* A handle for this thread's request, or NULL when libcurl cannot make one. */
CURL *api_handle_acquire(const struct curl_api *curl);

/* Gives the handle back for the next request to reuse. */
void api_handle_release(const struct curl_api *curl, CURL *handle);

/*
 * Explains a non-200 answer for the user in err: what the status means for
 * app and what to do.  heroku_id is the "id" of Heroku's error body, or NULL.
 */
void api_status_explain(long status, bool sent_credentials, const char *app,
			const char *heroku_id, struct hpg_error *err);

#endif
