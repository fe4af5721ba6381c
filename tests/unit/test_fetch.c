/*
 * test_fetch.c - the fetcher's pieces that need no network (URL checks,
 * Retry-After, jitter and backoff, the write callback's cap), and
 * fetch_run() / fetch_cycle() against a local HTTPS server on 127.0.0.1
 * with a certificate from a CA made here (OpenSSL): 200 with validators,
 * a conditional request answered 304, HTTP errors with Retry-After,
 * bodies over the cap (announced or not), a stall mid-body, redirects
 * (https followed, http refused, loops cut), an unknown CA, cancelling;
 * and the fetcher (fetcher.h) on real feeds: the first fetch at start,
 * requests, the schedule after a 304 and after a 500 with Retry-After, a
 * request interrupted by a stop.
 */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "unit.h"

#include "vetod/feeds.h"
#include "trust/fetch.h"
#include "vetod/fetcher.h"
#include "trust/sig.h"
#include "signer.h"

/* --- pure pieces ------------------------------------------------------- */

static void
test_url_check(void **state)
{
	static const char *const good[] = {
		"https://lists.example/list.json",
		"HTTPS://Lists.Example:8443/a/b?c=d",
		"https://192.0.2.1/list.json",
		"https://[2001:db8::1]/list.json",
		"https://user:secret@lists.example/list.json",
	};
	static const char *const bad[] = {
		"", "http://lists.example/list.json", "ftp://lists.example/",
		"https://", "https:///list.json", "https://lists.example/ x",
		"https://lists.example/\n", "https://lists.example/\t",
		"file:///etc/passwd", "lists.example/list.json",
		"https://lists.example/\x7f",
	};
	struct verr e;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		if (fetch_url_check(good[i], &e) != 0)
			fail_msg("%s: %s", good[i], e.msg);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		e.msg[0] = '\0';
		if (fetch_url_check(bad[i], &e) != -1)
			fail_msg("accepted `%s'", bad[i]);
		assert_true(e.msg[0] != '\0');
	}
	assert_int_equal(fetch_url_check(NULL, &e), -1);
	/* the message quotes the value, control bytes escaped */
	fetch_url_check("https://a.example/\n", &e);
	assert_non_null(strstr(e.msg, "https://a.example/\\x0a"));
}

static void
test_retry_after(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example) */
	const time_t t = 784111777;

	(void)state;
	assert_int_equal(fetch_retry_after_parse("120", t), 120);
	assert_int_equal(fetch_retry_after_parse("0", t), 0);
	assert_int_equal(fetch_retry_after_parse("2147483647", t), 2147483647);
	assert_int_equal(fetch_retry_after_parse("2147483648", t), -1);
	assert_int_equal(fetch_retry_after_parse("99999999999999999999", t), -1);
	assert_int_equal(fetch_retry_after_parse("-1", t), -1);
	assert_int_equal(fetch_retry_after_parse("0x10", t), -1);
	assert_int_equal(fetch_retry_after_parse("12s", t), -1);
	assert_int_equal(fetch_retry_after_parse("", t), -1);
	assert_int_equal(fetch_retry_after_parse(NULL, t), -1);
	assert_int_equal(fetch_retry_after_parse("soon", t), -1);
	/* the three HTTP date forms */
	assert_int_equal(fetch_retry_after_parse(
	    "Sun, 06 Nov 1994 08:49:37 GMT", t - 100), 100);
	assert_int_equal(fetch_retry_after_parse(
	    "Sunday, 06-Nov-94 08:49:37 GMT", t - 7200), 7200);
	assert_int_equal(fetch_retry_after_parse(
	    "Sun Nov  6 08:49:37 1994", t - 1), 1);
	/* a date in the past: now */
	assert_int_equal(fetch_retry_after_parse(
	    "Sun, 06 Nov 1994 08:49:37 GMT", t + 5000), 0);
}

static void
test_jitter(void **state)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	assert_int_equal(fetch_jitter(900, 0), 720);
	assert_int_equal(fetch_jitter(900, 360), 1080);
	assert_int_equal(fetch_jitter(900, 361), 720);
	for (uint64_t r = 0; r < 2000; r++) {
		uint64_t d = fetch_jitter(900, r * 7919);
		lo = MIN(lo, d);
		hi = MAX(hi, d);
	}
	assert_int_equal(lo, 720);
	assert_int_equal(hi, 1080);
	/* the smallest refresh veto.conf allows, and never 0 */
	assert_in_range(fetch_jitter(10, UINT64_MAX), 8, 12);
	assert_int_equal(fetch_jitter(0, 5), 1);
	assert_int_equal(fetch_jitter(1, 5), 1);
}

static void
test_backoff(void **state)
{
	static const uint64_t ceil[] = {0, 10, 20, 40, 80, 160, 320, 640, 900,
	    900, 900};
	uint64_t cap = fetch_backoff_cap(900);

	(void)state;
	assert_int_equal(fetch_backoff_cap(10), FETCH_BACKOFF_CAP_MIN);
	assert_int_equal(cap, 900);
	assert_int_equal(fetch_backoff_cap(86400), FETCH_BACKOFF_CAP_MAX);
	for (unsigned n = 1; n < ARRAY_LEN(ceil); n++) {
		/* full jitter: uniform in [1, ceiling] */
		assert_int_equal(fetch_backoff(n, cap, 0), 1);
		assert_int_equal(fetch_backoff(n, cap, ceil[n] - 1), ceil[n]);
		assert_int_equal(fetch_backoff(n, cap, ceil[n]), 1);
	}
	/* a thousand failures neither overflow nor pass the cap */
	assert_int_equal(fetch_backoff(1000, cap, 899), 900);
	assert_int_equal(fetch_backoff(UINT32_MAX, 3600, 3599), 3600);
	/* 0 failures behaves as the first */
	assert_in_range(fetch_backoff(0, cap, 12345), 1, 10);
}

static void
test_retry_delay(void **state)
{
	(void)state;
	/* Retry-After raises the delay ... */
	assert_int_equal(fetch_retry_delay(1, 900, 3600, 0), 3600);
	/* ... up to a limit ... */
	assert_int_equal(fetch_retry_delay(1, 900, 10000000, 0),
	    FETCH_RETRY_AFTER_MAX);
	/* ... and never lowers it */
	assert_int_equal(fetch_retry_delay(8, 900, 5, 899), 900);
	assert_int_equal(fetch_retry_delay(3, 900, -1, 39), 40);
	assert_int_equal(fetch_retry_delay(3, 900, 0, 39), 40);
	/* the refused list's one refetch: 30 to 90 s */
	assert_int_equal(fetch_refused_delay(0), 30);
	assert_int_equal(fetch_refused_delay(60), 90);
	assert_int_equal(fetch_refused_delay(61), 30);
}

static void
test_sink_memory(void **state)
{
	struct fetch_sink s = {.fd = -1, .max = 10};
	char data[16] = "abcdefghijklmno";

	(void)state;
	assert_int_equal(fetch_sink_write(data, 1, 6, &s), 6);
	assert_int_equal(fetch_sink_write(data + 6, 2, 2, &s), 4);
	assert_int_equal(s.len, 10);
	assert_false(s.over);
	assert_memory_equal(s.buf, "abcdefghij", 10);
	assert_true(s.cap <= 10);
	/* one byte more: stopped, nothing appended */
	assert_int_equal(fetch_sink_write(data, 1, 1, &s), 0);
	assert_true(s.over);
	assert_int_equal(s.len, 10);
	free(s.buf);

	/* a single call larger than the whole cap */
	struct fetch_sink t = {.fd = -1, .max = 4};
	assert_int_equal(fetch_sink_write(data, 1, 5, &t), 0);
	assert_true(t.over);
	assert_int_equal(t.len, 0);
	free(t.buf);
}

static void
test_sink_file(void **state)
{
	FILE *f = tmpfile();
	struct fetch_sink s = {.max = 1000};
	char data[600], back[1000];

	(void)state;
	assert_non_null(f);
	s.fd = fileno(f);
	memset(data, 'x', sizeof(data));
	assert_int_equal(fetch_sink_write(data, 1, 600, &s), 600);
	assert_int_equal(fetch_sink_write(data, 100, 4, &s), 400);
	assert_int_equal(fetch_sink_write(data, 1, 1, &s), 0);
	assert_true(s.over);
	assert_int_equal(lseek(s.fd, 0, SEEK_END), 1000);
	assert_int_equal(pread(s.fd, back, sizeof(back), 0), 1000);
	assert_null(s.buf);
	fclose(f);

	/* a write error is recorded, not hidden */
	struct fetch_sink bad = {.fd = -1, .max = 100};
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	bad.fd = p[1];
	assert_int_equal(fetch_sink_write(data, 1, 10, &bad), 0);
	assert_int_equal(bad.err, EPIPE);
	close(p[1]);
}

/* --- a local HTTPS server ---------------------------------------------- */

#define LIST_BODY "{\"format\": \"veto-list/1\", \"serial\": \"1\"}\n"
#define SIG_BODY "untrusted comment: test\nRWQ...\n"
#define ETAG "\"v1\""
#define LASTMOD "Sun, 06 Nov 1994 08:49:37 GMT"

struct server {
	int lfd;
	uint16_t port;
	SSL_CTX *ctx;
	pthread_t th;
	atomic_bool stop;
	char ca_path[128];
	char dir[64];
	pthread_mutex_t mtx;
	char last_req[4096];	/* the request head last received */
	unsigned requests;
	/* /signed.json: a list signed in the test (test_fetcher) */
	char *signed_list, *signed_sig;
	size_t signed_len, sig_len;
	atomic_int signed_mode;	/* SIGNED_OK, _500, _STALL */
};

enum { SIGNED_OK, SIGNED_500, SIGNED_STALL };

static struct server srv;

static void
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	assert_non_null(ex);
	X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
}

static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer, const char *cn,
    bool ca)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n;
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	if (ca) {
		add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, &v3, NID_basic_constraints, "CA:FALSE");
		add_ext(x, &v3, NID_subject_alt_name, "IP:127.0.0.1");
		add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
	}
	assert_true(X509_sign(x, signkey, EVP_sha256()) > 0);
	return x;
}

static void
send_all(SSL *s, const char *buf, size_t n)
{
	while (n > 0) {
		int w = SSL_write(s, buf, (int)MIN(n, 16384));
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

static void
respond(SSL *s, const char *status, const char *headers, const char *body,
    size_t blen)
{
	char head[1024];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n%s"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status,
	    headers, blen);

	send_all(s, head, (size_t)n);
	send_all(s, body, blen);
}

/* Wait until the client goes away (at most 15 s). */
static void
hold(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char junk[256];

	for (int i = 0; i < 150 && !atomic_load(&srv.stop); i++) {
		if (poll(&p, 1, 100) == 1 && read(fd, junk, sizeof(junk)) <= 0)
			return;
	}
}

static void
route_signed(SSL *s, int fd, const char *path, const char *req)
{
	int mode = atomic_load(&srv.signed_mode);

	if (mode == SIGNED_500) {
		respond(s, "500 Internal Server Error", "Retry-After: 120\r\n",
		    "", 0);
	} else if (mode == SIGNED_STALL) {
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"
		    "Connection: close\r\n\r\n";
		send_all(s, h, strlen(h));
		hold(fd);
	} else if (strcmp(path, "/signed.json.minisig") == 0) {
		respond(s, "200 OK", "", srv.signed_sig, srv.sig_len);
	} else if (strstr(req, "If-None-Match: \"s1\"\r\n") != NULL) {
		respond(s, "304 Not Modified", "ETag: \"s1\"\r\n", "", 0);
	} else {
		respond(s, "200 OK", "ETag: \"s1\"\r\n", srv.signed_list,
		    srv.signed_len);
	}
}

static void
route(SSL *s, int fd, const char *path, const char *req)
{
	char hdr[512], big[65536];

	if (strncmp(path, "/signed.json", 12) == 0) {
		route_signed(s, fd, path, req);
	} else if (strcmp(path, "/list.json") == 0) {
		if (strstr(req, "If-None-Match: " ETAG "\r\n") != NULL) {
			respond(s, "304 Not Modified", "ETag: " ETAG "\r\n", "", 0);
			return;
		}
		respond(s, "200 OK", "ETag: " ETAG "\r\nLast-Modified: " LASTMOD
		    "\r\n", LIST_BODY, strlen(LIST_BODY));
	} else if (strcmp(path, "/list.json.minisig") == 0) {
		respond(s, "200 OK", "", SIG_BODY, strlen(SIG_BODY));
	} else if (strcmp(path, "/500") == 0) {
		respond(s, "500 Internal Server Error", "Retry-After: 120\r\n",
		    "oops", 4);
	} else if (strcmp(path, "/503") == 0) {
		time_t t = time(NULL) + 3600;
		struct tm tm;
		char date[64];
		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		snprintf(hdr, sizeof(hdr), "Retry-After: %s\r\n", date);
		respond(s, "503 Service Unavailable", hdr, "", 0);
	} else if (strcmp(path, "/404") == 0) {
		respond(s, "404 Not Found", "", "no", 2);
	} else if (strcmp(path, "/empty") == 0) {
		respond(s, "200 OK", "", "", 0);
	} else if (strcmp(path, "/announced") == 0) {
		/* a Content-Length over the cap: refused before the body */
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n"
		    "Connection: close\r\n\r\n";
		send_all(s, h, strlen(h));
		hold(fd);
	} else if (strcmp(path, "/unannounced") == 0) {
		/* no length: the body runs until close, past the cap */
		const char *h = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
		memset(big, 'a', sizeof(big));
		send_all(s, h, strlen(h));
		for (int i = 0; i < 16 && !atomic_load(&srv.stop); i++)
			send_all(s, big, sizeof(big));
	} else if (strcmp(path, "/stall") == 0) {
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"
		    "Connection: close\r\n\r\n";
		memset(big, 'a', 2000);
		send_all(s, h, strlen(h));
		send_all(s, big, 2000);
		hold(fd);
	} else if (strcmp(path, "/to-https") == 0) {
		snprintf(hdr, sizeof(hdr), "Location: https://127.0.0.1:%u/"
		    "list.json\r\n", srv.port);
		respond(s, "302 Found", hdr, "", 0);
	} else if (strcmp(path, "/to-http") == 0) {
		snprintf(hdr, sizeof(hdr), "Location: http://127.0.0.1:%u/"
		    "list.json\r\n", srv.port);
		respond(s, "302 Found", hdr, "", 0);
	} else if (strcmp(path, "/loop") == 0) {
		respond(s, "302 Found", "Location: /loop\r\n", "", 0);
	} else {
		respond(s, "404 Not Found", "", "", 0);
	}
}

static void
serve_one(int fd)
{
	SSL *s = SSL_new(srv.ctx);
	char req[4096], path[256];
	size_t n = 0;

	SSL_set_fd(s, fd);
	if (SSL_accept(s) != 1)
		goto out;
	while (n < sizeof(req) - 1) {
		int r = SSL_read(s, req + n, (int)(sizeof(req) - 1 - n));
		if (r <= 0)
			goto out;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	pthread_mutex_lock(&srv.mtx);
	str_copy(srv.last_req, req, sizeof(srv.last_req));
	srv.requests++;
	pthread_mutex_unlock(&srv.mtx);
	path[0] = '\0';
	if (strncmp(req, "GET ", 4) == 0) {
		size_t l = strcspn(req + 4, " ");
		str_ncopy(path, sizeof(path), req + 4, l);
	}
	route(s, fd, path, req);
	SSL_shutdown(s);
out:
	SSL_free(s);
	close(fd);
}

static void *
serve(void *arg)
{
	struct pollfd p = {srv.lfd, POLLIN, 0};

	(void)arg;
	while (!atomic_load(&srv.stop)) {
		if (poll(&p, 1, 100) != 1)
			continue;
		int fd = accept(srv.lfd, NULL, NULL);
		if (fd != -1)
			serve_one(fd);
	}
	return NULL;
}

static int
server_up(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	EVP_PKEY *cakey, *key;
	X509 *ca, *leaf;
	FILE *f;
	int fd;
	struct verr e;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(fetch_init(&e), 0);
	pthread_mutex_init(&srv.mtx, NULL);
	cakey = EVP_EC_gen("P-256");
	key = EVP_EC_gen("P-256");
	assert_non_null(cakey);
	assert_non_null(key);
	ca = make_cert(cakey, cakey, NULL, "veto unit test CA", true);
	leaf = make_cert(key, cakey, ca, "127.0.0.1", false);
	str_copy(srv.dir, "/tmp/veto-test-fetch.XXXXXX", sizeof(srv.dir));
	assert_non_null(mkdtemp(srv.dir));
	snprintf(srv.ca_path, sizeof(srv.ca_path), "%s/ca.pem", srv.dir);
	assert_non_null(f = fopen(srv.ca_path, "w"));
	PEM_write_X509(f, ca);
	fclose(f);
	srv.ctx = SSL_CTX_new(TLS_server_method());
	assert_int_equal(SSL_CTX_use_certificate(srv.ctx, leaf), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(srv.ctx, key), 1);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	srv.lfd = fd;
	srv.port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&srv.th, NULL, serve, NULL), 0);
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
server_down(void **state)
{
	(void)state;
	atomic_store(&srv.stop, true);
	pthread_join(srv.th, NULL);
	close(srv.lfd);
	SSL_CTX_free(srv.ctx);
	free(srv.signed_list);
	free(srv.signed_sig);
	nftw(srv.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* --- fetch_run against it ---------------------------------------------- */

struct urls {
	char list[128], sig[128];
};

static void
params(struct fetch_params *p, struct urls *u, const char *path,
    const char *sigpath)
{
	snprintf(u->list, sizeof(u->list), "https://127.0.0.1:%u%s", srv.port,
	    path);
	snprintf(u->sig, sizeof(u->sig), "https://127.0.0.1:%u%s", srv.port,
	    sigpath ? sigpath : "/list.json.minisig");
	memset(p, 0, sizeof(*p));
	p->name = "test";
	p->url = u->list;
	p->sig_url = u->sig;
	p->ca_file = srv.ca_path;
	p->tmp_dir = srv.dir;
	p->max_bytes = 4096;
	p->mark = 0;
}

static void
last_request(char *out, size_t size)
{
	pthread_mutex_lock(&srv.mtx);
	str_copy(out, srv.last_req, size);
	pthread_mutex_unlock(&srv.mtx);
}

static void
test_run_200_then_304(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;
	char req[4096];

	(void)state;
	params(&p, &u, "/list.json", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_OK);
	assert_int_equal(r.http_code, 200);
	assert_int_equal(r.len, strlen(LIST_BODY));
	assert_memory_equal(r.list, LIST_BODY, r.len);
	assert_int_equal(r.siglen, strlen(SIG_BODY));
	assert_memory_equal(r.sig, SIG_BODY, r.siglen);
	assert_string_equal(r.etag, ETAG);
	assert_string_equal(r.last_modified, LASTMOD);
	assert_int_equal(r.retry_after, -1);
	fetch_result_free(&r);
	/* the signature request is the last; it carries our User-Agent */
	last_request(req, sizeof(req));
	assert_non_null(strstr(req, "GET /list.json.minisig "));
	assert_non_null(strstr(req, "User-Agent: veto/"));
	assert_null(strstr(req, "Cookie"));

	/* with the validators: a conditional GET, answered 304, no signature
	 * request after it */
	p.etag = ETAG;
	p.last_modified = LASTMOD;
	assert_int_equal(fetch_run(&p, &r), FETCH_NOT_MODIFIED);
	assert_int_equal(r.http_code, 304);
	assert_null(r.list);
	assert_null(r.sig);
	fetch_result_free(&r);
	last_request(req, sizeof(req));
	assert_non_null(strstr(req, "GET /list.json "));
	assert_non_null(strstr(req, "If-None-Match: " ETAG "\r\n"));
	assert_non_null(strstr(req, "If-Modified-Since: " LASTMOD "\r\n"));

	/* a stale ETag: the full list again */
	p.etag = "\"v0\"";
	assert_int_equal(fetch_run(&p, &r), FETCH_OK);
	assert_int_equal(r.len, strlen(LIST_BODY));
	fetch_result_free(&r);
}

static void
test_run_http_errors(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;

	(void)state;
	params(&p, &u, "/500", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_int_equal(r.http_code, 500);
	assert_int_equal(r.retry_after, 120);
	assert_non_null(strstr(r.error, "HTTP 500"));
	assert_null(r.list);
	fetch_result_free(&r);

	params(&p, &u, "/503", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_int_equal(r.http_code, 503);
	assert_in_range(r.retry_after, 3500, 3600);
	fetch_result_free(&r);

	/* the list is fine, its signature is missing */
	params(&p, &u, "/list.json", "/404");
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_int_equal(r.http_code, 404);
	assert_non_null(strstr(r.error, "signature"));
	assert_null(r.sig);
	fetch_result_free(&r);

	params(&p, &u, "/empty", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_non_null(strstr(r.error, "empty"));
	fetch_result_free(&r);
}

static void
test_run_caps(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;

	(void)state;
	params(&p, &u, "/announced", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_true(r.too_large);
	assert_non_null(strstr(r.error, "list_max_bytes"));
	fetch_result_free(&r);

	/* no Content-Length: the write callback stops it */
	params(&p, &u, "/unannounced", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_true(r.too_large);
	fetch_result_free(&r);

	/* the signature has its own, smaller cap */
	params(&p, &u, "/list.json", "/unannounced");
	p.max_bytes = 1ULL << 30;
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_true(r.too_large);
	assert_non_null(strstr(r.error, "signature"));
	fetch_result_free(&r);

	/* exactly at the cap is fine */
	params(&p, &u, "/list.json", NULL);
	p.max_bytes = strlen(LIST_BODY);
	assert_int_equal(fetch_run(&p, &r), FETCH_OK);
	fetch_result_free(&r);
	p.max_bytes = strlen(LIST_BODY) - 1;
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_true(r.too_large);
	fetch_result_free(&r);
}

static void
test_run_stall(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;

	(void)state;
	params(&p, &u, "/stall", NULL);
	p.max_bytes = 1 << 20;
	p.low_speed_time = 2;
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_non_null(strstr(r.error, "stalled"));
	assert_false(r.too_large);
	fetch_result_free(&r);
}

static void *
cancel_later(void *arg)
{
	atomic_bool *c = arg;
	const struct timespec t = {0, 300000000};

	nanosleep(&t, NULL);
	atomic_store(c, true);
	return NULL;
}

static void
test_run_cancel(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;
	atomic_bool cancel = false;
	pthread_t th;

	(void)state;
	params(&p, &u, "/stall", NULL);
	p.max_bytes = 1 << 20;
	p.cancel = &cancel;
	pthread_create(&th, NULL, cancel_later, &cancel);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	pthread_join(th, NULL);
	assert_true(r.cancelled);
	fetch_result_free(&r);
}

static void
test_run_redirects(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;

	(void)state;
	params(&p, &u, "/to-https", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_OK);
	assert_int_equal(r.len, strlen(LIST_BODY));
	assert_string_equal(r.etag, ETAG);	/* of the final response */
	fetch_result_free(&r);

	params(&p, &u, "/to-http", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_non_null(strstr(r.error, "not https"));
	fetch_result_free(&r);

	params(&p, &u, "/loop", NULL);
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_non_null(strstr(r.error, "edirect"));
	fetch_result_free(&r);
}

static void
test_run_tls(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;

	(void)state;
	/* without ca_file the test CA is unknown: refused */
	params(&p, &u, "/list.json", NULL);
	p.ca_file = NULL;
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_int_equal(r.http_code, 0);
	fetch_result_free(&r);

	/* a ca_file that cannot be read */
	params(&p, &u, "/list.json", NULL);
	p.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_non_null(strstr(r.error, "ca_file"));
	fetch_result_free(&r);

	/* an http URL is refused before any request */
	params(&p, &u, "/list.json", NULL);
	snprintf(u.list, sizeof(u.list), "http://127.0.0.1:%u/list.json",
	    srv.port);
	unsigned before = srv.requests;
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_non_null(strstr(r.error, "not https"));
	assert_int_equal(srv.requests, before);
	fetch_result_free(&r);
}

static void
test_run_server_down(void **state)
{
	struct fetch_params p;
	struct fetch_result r;
	struct urls u;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);

	(void)state;
	/* a port nobody listens on */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	params(&p, &u, "/list.json", NULL);
	snprintf(u.list, sizeof(u.list), "https://127.0.0.1:%u/list.json",
	    ntohs(sin.sin_port));
	assert_int_equal(fetch_run(&p, &r), FETCH_FAILED);
	assert_int_equal(r.http_code, 0);
	assert_non_null(strstr(r.error, "list"));
	fetch_result_free(&r);
	close(fd);
}

/* --- fetch_cycle: what is offered, what is recorded --------------------- */

struct fake {
	enum trust_verdict verdict;
	unsigned offers, notes;
	size_t len, siglen;
	char etag[FETCH_ETAG_MAX];
	bool etag_null;
	char result[256];
};

static enum trust_verdict
fake_offer(void *arg, const uint8_t *buf, size_t len, const uint8_t *sig,
    size_t siglen, char *msg, size_t msglen)
{
	struct fake *f = arg;

	(void)buf;
	(void)sig;
	f->offers++;
	f->len = len;
	f->siglen = siglen;
	snprintf(msg, msglen, "verdict %s", trust_verdict_name(f->verdict));
	return f->verdict;
}

static void
fake_note(void *arg, const char *etag, const char *lastmod,
    const char *result)
{
	struct fake *f = arg;

	(void)lastmod;
	f->notes++;
	f->etag_null = etag == NULL;
	str_copy(f->etag, etag ? etag : "", sizeof(f->etag));
	str_copy(f->result, result, sizeof(f->result));
}

static void
cycle(const char *path, const char *etag, enum trust_verdict v,
    struct fake *f, struct fetch_report *rep)
{
	struct fetch_params p;
	struct fetch_ops ops = {fake_offer, fake_note, f};
	struct urls u;

	memset(f, 0, sizeof(*f));
	f->verdict = v;
	params(&p, &u, path, NULL);
	p.etag = etag;
	fetch_cycle(&p, &ops, rep);
}

static void
test_cycle(void **state)
{
	struct fake f;
	struct fetch_report rep;

	(void)state;
	cycle("/list.json", NULL, TRUST_INSTALL, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_INSTALLED);
	assert_int_equal(f.offers, 1);
	assert_int_equal(f.len, strlen(LIST_BODY));
	assert_int_equal(f.siglen, strlen(SIG_BODY));
	assert_int_equal(f.notes, 1);
	assert_string_equal(f.etag, ETAG);	/* in force: validators kept */
	assert_non_null(strstr(f.result, "200"));
	assert_true(fetch_outcome_ok(rep.outcome));

	cycle("/list.json", NULL, TRUST_EXPIRED, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_INSTALLED);
	assert_string_equal(f.etag, ETAG);

	cycle("/list.json", NULL, TRUST_UNCHANGED, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_UNCHANGED);
	assert_string_equal(f.etag, ETAG);

	/* held and refused lists are not in force: validators untouched */
	cycle("/list.json", NULL, TRUST_HELD, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_HELD);
	assert_true(f.etag_null);
	assert_non_null(strstr(rep.message, "held"));
	assert_false(fetch_outcome_ok(rep.outcome));

	cycle("/list.json", NULL, TRUST_REFUSED, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_REFUSED);
	assert_true(f.etag_null);
	assert_false(fetch_outcome_ok(rep.outcome));

	/* 304: nothing offered, recorded as such */
	cycle("/list.json", ETAG, TRUST_INSTALL, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_UNCHANGED);
	assert_int_equal(f.offers, 0);
	assert_int_equal(f.notes, 1);
	assert_true(f.etag_null);
	assert_string_equal(f.result, "304 not modified");

	/* a failure: nothing offered, the error recorded, Retry-After kept */
	cycle("/500", NULL, TRUST_INSTALL, &f, &rep);
	assert_int_equal(rep.outcome, FETCH_ERROR);
	assert_int_equal(f.offers, 0);
	assert_int_equal(rep.retry_after, 120);
	assert_int_equal(rep.http_code, 500);
	assert_true(f.etag_null);
	assert_int_equal(strncmp(f.result, "error: ", 7), 0);
	assert_string_equal(fetch_outcome_name(rep.outcome), "error");
}

/* --- the fetcher on real feeds ------------------------------------------ */

struct answer {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	bool done, ok;
	unsigned n;
	enum fetch_outcome outcome;
	char message[4096];
};

static void
on_done(void *arg, bool ok, const char *message,
    const struct fetcher_result *res, unsigned n)
{
	struct answer *a = arg;

	pthread_mutex_lock(&a->mtx);
	a->done = true;
	a->ok = ok;
	a->n = n;
	a->outcome = n > 0 ? res[0].outcome : FETCH_ERROR;
	str_copy(a->message, message, sizeof(a->message));
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
}

/* Ask for a cycle and wait (at most 20 s) for the answer. */
static void
ask(struct fetcher *f, const char *feed, struct answer *a)
{
	struct verr e;
	struct timespec ts;

	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->mtx, NULL);
	pthread_cond_init(&a->cond, NULL);
	if (fetcher_request(f, feed, on_done, a, &e) == -1)
		fail_msg("fetcher_request: %s", e.msg);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	pthread_mutex_lock(&a->mtx);
	while (!a->done && pthread_cond_timedwait(&a->cond, &a->mtx, &ts) == 0)
		;
	pthread_mutex_unlock(&a->mtx);
	assert_true(a->done);
}

static struct conf *
fetcher_conf(void)
{
	char text[2048];
	struct verr e;
	struct conf *c;
	int n;

	n = snprintf(text, sizeof(text), "user = root\n"
	    "list_url = https://127.0.0.1:%u/signed.json\n"
	    "list_key_file = %s\n"
	    "list_feed = test/fetcher\n"
	    "list_refresh = 3600\n"
	    "ca_file = %s\n"
	    "state_dir = %s/state\n"
	    "dns_action = nxdomain\n"
	    "metrics_listen =\n", srv.port, unit_data("lists/a.pub"),
	    srv.ca_path, srv.dir);
	c = conf_parse(text, (size_t)n, "fetcher.conf", &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	return c;
}

static void
sign_list(void)
{
	static const char list[] = "{\"format\": \"veto-list/1\", \"feed\": "
	    "\"test/fetcher\", \"serial\": \"1\", \"issued\": "
	    "\"2026-01-01T00:00:00Z\", \"expires\": \"2036-01-01T00:00:00Z\", "
	    "\"authority\": {\"name\": \"Unit\"}, \"categories\": {\"c\": "
	    "{\"label\": \"c\"}}, \"entries\": [{\"id\": \"e1\", \"type\": "
	    "\"domain\", \"value\": \"bad.example\", \"cat\": \"c\"}]}\n";
	struct signer sg;

	assert_int_equal(signer_load(unit_data("lists/a.key"), &sg), 0);
	srv.signed_len = strlen(list);
	srv.signed_list = xstrdup(list);
	srv.signed_sig = signer_sign(&sg, (const uint8_t *)list,
	    srv.signed_len, "test_fetch", false, &srv.sig_len);
	assert_non_null(srv.signed_sig);
}

static void
test_fetcher(void **state)
{
	struct conf *c;
	struct feeds *fs;
	struct fetcher *f;
	struct feed_status st;
	struct status_feed sf;
	struct answer a;
	struct verr e;
	time_t t;

	(void)state;
	sign_list();
	c = fetcher_conf();
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	if (fs == NULL)
		fail_msg("%s", e.msg);
	feeds_load(fs, time(NULL));
	assert_int_equal(feeds_publish(fs, &e), 0);
	assert_non_null(f = fetcher_new(&e));
	assert_int_equal(fetcher_request(f, NULL, on_done, &a, &e), -1);
	assert_non_null(strstr(e.msg, "not running"));
	assert_int_equal(fetcher_start(f, fs, c, &e), 0);

	/* the first fetch happens at start */
	for (int i = 0; i < 200; i++) {
		feeds_status(fs, 0, &st);
		if (strcmp(st.serial, "1") == 0)
			break;
		usleep(50000);
	}
	assert_string_equal(st.serial, "1");
	assert_true(st.enforced);

	/* a request: a conditional GET, 304 */
	ask(f, NULL, &a);
	assert_true(a.ok);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.outcome, FETCH_UNCHANGED);
	assert_non_null(strstr(a.message, "feed default: not modified (304)"));
	t = time(NULL);
	memset(&sf, 0, sizeof(sf));
	fetcher_status(f, "default", &sf);
	assert_true(sf.fetch_configured);
	assert_true(sf.last_fetch_ok);
	assert_int_equal(sf.fetch_failures, 0);
	assert_true(sf.last_success >= t - 5);
	/* the regular schedule: 3600 s +-20 % */
	assert_in_range(sf.next_fetch - t, 2880 - 5, 4320);

	/* requests refused at once */
	assert_int_equal(fetcher_request(f, "nosuch", on_done, &a, &e), -1);
	assert_non_null(strstr(e.msg, "no feed named `nosuch'"));

	/* HTTP 500 with Retry-After 120: a failure, the list stays, the next
	 * attempt no sooner than the server asked */
	atomic_store(&srv.signed_mode, SIGNED_500);
	ask(f, "default", &a);
	assert_false(a.ok);
	assert_int_equal(a.outcome, FETCH_ERROR);
	assert_non_null(strstr(a.message, "HTTP 500"));
	assert_non_null(strstr(a.message, "the last good list stays in force "
	    "(serial 1)"));
	t = time(NULL);
	fetcher_status(f, "default", &sf);
	assert_false(sf.last_fetch_ok);
	assert_int_equal(sf.fetch_failures, 1);
	assert_in_range(sf.next_fetch - t, 115, 125);
	feeds_status(fs, 0, &st);
	assert_string_equal(st.serial, "1");
	assert_true(st.enforced);

	/* a request caught by a stop is answered, not lost */
	atomic_store(&srv.signed_mode, SIGNED_STALL);
	memset(&a, 0, sizeof(a));
	pthread_mutex_init(&a.mtx, NULL);
	pthread_cond_init(&a.cond, NULL);
	assert_int_equal(fetcher_request(f, NULL, on_done, &a, &e), 0);
	usleep(300000);
	fetcher_stop(f);
	assert_true(a.done);
	assert_false(a.ok);
	assert_non_null(strstr(a.message, "interrupted"));
	assert_int_equal(fetcher_request(f, NULL, on_done, &a, &e), -1);

	atomic_store(&srv.signed_mode, SIGNED_OK);
	fetcher_free(f);
	feeds_free(fs);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_delay),
		cmocka_unit_test(test_sink_memory),
		cmocka_unit_test(test_sink_file),
		/* against the local HTTPS server */
		cmocka_unit_test(test_run_200_then_304),
		cmocka_unit_test(test_run_http_errors),
		cmocka_unit_test(test_run_caps),
		cmocka_unit_test(test_run_stall),
		cmocka_unit_test(test_run_cancel),
		cmocka_unit_test(test_run_redirects),
		cmocka_unit_test(test_run_tls),
		cmocka_unit_test(test_run_server_down),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_fetcher),
	};

	return cmocka_run_group_tests_name("fetch", tests, server_up,
	    server_down);
}
