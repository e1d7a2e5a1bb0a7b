/*
 * test_connect_retry.c - retry_once() and wait_for_rotation(), through
 * connect_placeholder() with the fetch replaced.
 *
 * The fetch is a script of answers (the one thing replaced: connect.c takes
 * it from struct connect_context); libpq is the real one.  It connects to a
 * port nothing listens on, or to a small stand-in server on loopback that
 * speaks TLS (sslmode=require; libpq ignores an error sent before TLS) and
 * rejects every credential as PostgreSQL does (SQLSTATE 28P01), so that
 * every connection attempt is counted where it lands.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn_registry.h"
#include "connect.h"
#include "unit.h"

/* --- a server that rejects every credential ------------------------------ */

static struct {
	int listener;
	int port;
	int attempts;		/* connections it rejected */
	bool stop;
	pthread_t thread;
	SSL_CTX *tls;
} rejecter;

/* A P-256 key, by the calls both OpenSSL 1.1 (Debian 11) and 3 have. */
static EVP_PKEY *new_key(void)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) > 0 &&
	    EVP_PKEY_keygen(ctx, &key) <= 0) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* A throwaway self-signed certificate: sslmode=require verifies none. */
static SSL_CTX *rejecter_tls(void)
{
	EVP_PKEY *key = new_key();
	X509 *cert = X509_new();
	SSL_CTX *tls = SSL_CTX_new(TLS_server_method());
	X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
	bool ok = key && name && tls && ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
		  X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
		  X509_gmtime_adj(X509_getm_notAfter(cert), 3600) &&
		  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					     (const unsigned char *)"rejecter", -1, -1, 0) &&
		  X509_set_issuer_name(cert, name) && X509_set_pubkey(cert, key) &&
		  X509_sign(cert, key, EVP_sha256()) && SSL_CTX_use_certificate(tls, cert) &&
		  SSL_CTX_use_PrivateKey(tls, key);
	X509_free(cert);
	EVP_PKEY_free(key);
	if (!ok) {
		SSL_CTX_free(tls);
		return NULL;
	}
	return tls;
}

/* Reads exactly size bytes. */
static bool tls_read(SSL *ssl, char *buffer, size_t size)
{
	size_t done = 0;
	while (done < size) {
		int n = SSL_read(ssl, buffer + done, (int)(size - done));
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/* Whether the startup message names user "busy". */
static bool user_is_busy(const char *startup, size_t length)
{
	static const char busy[] = "user\0busy";
	return memmem(startup, length, busy, sizeof busy) != NULL;
}

/*
 * Accepts libpq's SSLRequest, then answers its startup message with the
 * ErrorResponse a server sends for a wrong password or, to user "busy",
 * one that no credential can mend (53300, too many connections).
 */
static void reject(int fd)
{
	static const char rejected[] = "SFATAL\0VFATAL\0C28P01\0"
				       "Mpassword authentication failed for user \"u\"\0";
	static const char busy[] = "SFATAL\0VFATAL\0C53300\0"
				   "Msorry, too many clients already\0";
	char request[8], startup[1024];
	char message[1 + 4 + sizeof rejected + 1];

	if (recv(fd, request, sizeof request, MSG_WAITALL) != sizeof request ||
	    send(fd, "S", 1, MSG_NOSIGNAL) != 1)
		return;
	SSL *ssl = SSL_new(rejecter.tls);
	uint32_t startup_length = 0;
	if (ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1 &&
	    tls_read(ssl, (char *)&startup_length, 4) &&
	    ntohl(startup_length) >= 4 && ntohl(startup_length) - 4 <= sizeof startup &&
	    tls_read(ssl, startup, ntohl(startup_length) - 4)) {
		bool is_busy = user_is_busy(startup, ntohl(startup_length) - 4);
		const char *fields = is_busy ? busy : rejected;
		size_t size = is_busy ? sizeof busy : sizeof rejected;
		uint32_t length = htonl((uint32_t)(4 + size + 1));
		message[0] = 'E';
		memcpy(message + 1, &length, 4);
		memcpy(message + 5, fields, size);	/* ends in the last field's NUL */
		message[5 + size] = '\0';		/* the end of the fields */
		SSL_write(ssl, message, (int)(5 + size + 1));
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
}

static void *rejecter_main(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&rejecter.stop, __ATOMIC_ACQUIRE)) {
		struct pollfd ready = { .fd = rejecter.listener, .events = POLLIN };
		if (poll(&ready, 1, 50) != 1)
			continue;
		int fd = accept(rejecter.listener, NULL, NULL);
		if (fd < 0)
			continue;
		__atomic_add_fetch(&rejecter.attempts, 1, __ATOMIC_RELEASE);
		reject(fd);
		close(fd);
	}
	return NULL;
}

/* A loopback port: listened on (and rejecting) when listen_too, else closed. */
static int loopback_port(bool listen_too)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in address = { .sin_family = AF_INET,
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t size = sizeof address;
	assert_int_equal(bind(fd, (struct sockaddr *)&address, size), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &size), 0);
	if (listen_too) {
		assert_int_equal(listen(fd, 16), 0);
		rejecter.listener = fd;
	} else {
		close(fd);
	}
	return ntohs(address.sin_port);
}

static int start_rejecter(void **state)
{
	(void)state;
	rejecter.tls = rejecter_tls();
	if (rejecter.tls == NULL)
		return -1;
	rejecter.port = loopback_port(true);
	return pthread_create(&rejecter.thread, NULL, rejecter_main, NULL);
}

static int stop_rejecter(void **state)
{
	(void)state;
	__atomic_store_n(&rejecter.stop, true, __ATOMIC_RELEASE);
	pthread_join(rejecter.thread, NULL);
	close(rejecter.listener);
	SSL_CTX_free(rejecter.tls);
	return 0;
}

static int attempts(void)
{
	return __atomic_load_n(&rejecter.attempts, __ATOMIC_ACQUIRE);
}

/* --- the fetch, replaced by a script ------------------------------------- */

struct answer {
	bool at_rejecter;	/* else a port nothing listens on */
	const char *user;	/* NULL: "u"; "busy": refused for a reason not the credential's */
	const char *password;
	const char *failure;	/* the fetch fails with this, as the API being down */
};

static struct {
	const struct answer *answers;
	size_t count;		/* the last answer repeats */
	size_t calls;
	size_t conditional;	/* calls with If-None-Match */
	int closed_port;
} script;

static bool scripted_fetch(const struct libpq_api *pq, const struct fetch_settings *settings,
			   const char *app, const char *config_var, struct fetch_result *out,
			   struct hpg_error *err)
{
	(void)pq, (void)app, (void)config_var;
	*out = (struct fetch_result)FETCH_RESULT_INIT;
	const struct answer *a = &script.answers[script.calls < script.count ? script.calls
									 : script.count - 1];
	script.calls++;
	script.conditional += settings->if_none_match != NULL;
	if (a->failure != NULL) {
		hpg_error_set(err, "%s", a->failure);
		out->unavailable = true;
		return false;
	}
	char port[16];
	snprintf(port, sizeof port, "%d", a->at_rejecter ? rejecter.port : script.closed_port);
	struct credential cred = { .host = "127.0.0.1", .port = port,
				   .user = (char *)(a->user ? a->user : "u"),
				   .password = (char *)a->password, .dbname = "d" };
	assert_true(credential_copy(&out->cred, &cred));
	out->etag = strdup(a->password);	/* so that later fetches may be conditional */
	return true;
}

/* --- one synchronous placeholder connect --------------------------------- */

struct outcome {
	ConnStatusType status;
	char message[1024];	/* the shim's, or else libpq's */
	double seconds;
	int attempts;		/* at the rejecting server */
};

static double now_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Connects to heroku://APP with the fetch answering as answers say. */
static struct outcome connect_with(const char *app, long rotation_wait,
				   const struct answer *answers, size_t count)
{
	static int app_number;
	struct hpg_config config = {
		.timeout_seconds = 10,
		.rotation_wait_seconds = rotation_wait,
		.stale_if_error_seconds = HPGSHIM_DEFAULT_STALE_IF_ERROR,
		.ratelimit_floor = HPGSHIM_DEFAULT_RATELIMIT_FLOOR,
	};
	struct connect_context ctx = {
		.pq = &libpq_direct,
		.config = &config,
		.fetch = scripted_fetch,
		.entry_point = "PQconnectdb",
	};
	struct optlist request = OPTLIST_INIT;
	assert_true(optlist_set(&request, "gssencmode", "disable"));
	char placeholder[128];
	/* Each connect its own app: the process's cache holds nothing for it. */
	snprintf(placeholder, sizeof placeholder, "heroku://%s-%d", app, ++app_number);

	script = (__typeof__(script)){ .answers = answers, .count = count,
				       .closed_port = loopback_port(false) };
	int before = attempts();
	double started = now_seconds();
	PGconn *conn = connect_placeholder(&ctx, &request, placeholder, false, false);
	struct outcome out = { .seconds = now_seconds() - started, .attempts = attempts() - before };

	assert_non_null(conn);
	out.status = PQstatus(conn);
	const char *message = conn_registry_error(conn);
	snprintf(out.message, sizeof out.message, "%s", message ? message : PQerrorMessage(conn));
	conn_registry_forget(conn);
	PQfinish(conn);
	optlist_free(&request);
	return out;
}

#define COUNT(array) (sizeof (array) / sizeof (array)[0])

/* --- the cases ----------------------------------------------------------- */

static void test_a_rejection_fetches_again_and_retries_once(void **state)
{
	(void)state;
	const struct answer answers[] = {
		{ .at_rejecter = true, .password = "old" },
		{ .at_rejecter = true, .password = "new" },
	};
	struct outcome out = connect_with("rejected", 10, answers, COUNT(answers));
	assert_int_equal(out.status, CONNECTION_BAD);
	assert_non_null(strstr(out.message, "password authentication failed for user \"u\""));
	assert_int_equal(script.calls, 2);
	assert_int_equal(script.conditional, 0);	/* the fetch after a rejection asks plainly */
	assert_int_equal(out.attempts, 2);		/* the connect and its one retry */
}

static void test_a_rejection_waits_for_the_rotation(void **state)
{
	(void)state;
	const struct answer answers[] = {
		{ .at_rejecter = true, .password = "old" },
		{ .at_rejecter = true, .password = "old" },
		{ .at_rejecter = true, .password = "new" },
	};
	struct outcome out = connect_with("rotating", 10, answers, COUNT(answers));
	assert_int_equal(script.calls, 3);		/* the fetch, the check, one poll */
	assert_int_equal(out.attempts, 2);
	assert_true(out.seconds >= 0.25);		/* the first poll's pause */
}

static void test_a_spent_budget_still_retries_once(void **state)
{
	(void)state;
	const struct answer answers[] = { { .at_rejecter = true, .password = "wrong" } };
	struct outcome out = connect_with("spent", 1, answers, COUNT(answers));
	/* polls at 0.25, 0.75 and 1 s, then the budget is spent */
	assert_true(script.calls >= 3 && script.calls <= 5);
	assert_int_equal(out.attempts, 2);		/* still exactly one retry */
	assert_true(out.seconds >= 1 && out.seconds < 5);	/* the budget, not more */
	assert_non_null(strstr(out.message, "password authentication failed"));

	out = connect_with("no-budget", 0, answers, COUNT(answers));
	assert_int_equal(script.calls, 2);		/* no polling at all */
	assert_int_equal(out.attempts, 2);
}

static void test_a_changed_host_is_retried(void **state)
{
	(void)state;
	/* The first credential names a server that is gone (a failover); the
	 * config var holds the new one already. */
	const struct answer answers[] = {
		{ .at_rejecter = false, .password = "same" },
		{ .at_rejecter = true, .password = "same" },
	};
	struct outcome out = connect_with("moved", 10, answers, COUNT(answers));
	assert_int_equal(script.calls, 2);
	assert_int_equal(out.attempts, 1);		/* the retry reached the new host */
	assert_non_null(strstr(out.message, "password authentication failed"));
}

static void test_an_unchanged_credential_is_not_retried(void **state)
{
	(void)state;
	/* A failure a new credential cannot mend: no retry when none came. */
	const struct answer answers[] = {
		{ .at_rejecter = true, .user = "busy", .password = "same" },
	};
	struct outcome out = connect_with("unchanged", 10, answers, COUNT(answers));
	assert_int_equal(out.status, CONNECTION_BAD);
	assert_non_null(strstr(out.message, "sorry, too many clients already"));
	assert_int_equal(script.calls, 2);		/* the check; not a rejection: no polling */
	assert_int_equal(out.attempts, 1);

	const struct answer gone[] = { { .at_rejecter = false, .password = "same" } };
	out = connect_with("unchanged-gone", 10, gone, COUNT(gone));
	assert_non_null(strstr(out.message, "Connection refused"));
	assert_int_equal(script.calls, 2);
}

static void test_a_rejection_the_api_cannot_mend_names_both(void **state)
{
	(void)state;
	const struct answer answers[] = {
		{ .at_rejecter = true, .password = "old" },
		{ .failure = "the Heroku API failed (HTTP 503, service_unavailable); try again shortly" },
	};
	struct outcome out = connect_with("down", 10, answers, COUNT(answers));
	assert_int_equal(out.status, CONNECTION_BAD);
	assert_non_null(strstr(out.message, "hpgshim: cannot get config var DATABASE_URL of "
				"Heroku app \"down-"));
	/* libpq 14 and later begin their message with the server's address. */
	assert_non_null(strstr(out.message, "the server rejected the credential ("));
	assert_non_null(strstr(out.message, "password authentication failed for user \"u\"), "
				"and fetching it again failed: the Heroku API failed (HTTP 503"));
	assert_int_equal(script.calls, 2);
	assert_int_equal(out.attempts, 1);
}

int run_connect_retry_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_rejection_fetches_again_and_retries_once),
		cmocka_unit_test(test_a_rejection_waits_for_the_rotation),
		cmocka_unit_test(test_a_spent_budget_still_retries_once),
		cmocka_unit_test(test_a_changed_host_is_retried),
		cmocka_unit_test(test_an_unchanged_credential_is_not_retried),
		cmocka_unit_test(test_a_rejection_the_api_cannot_mend_names_both),
	};
	return cmocka_run_group_tests_name("connect_retry", tests, start_rejecter, stop_rejecter);
}
