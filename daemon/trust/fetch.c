/* fetch.c - HTTPS download of a feed's list and signature, one
 * fetch-and-offer cycle, the schedule's arithmetic; see fetch.h. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "trust/fetch.h"
#include "trust/sig.h"
#include "core/veto.h"

#define FETCH_UA "veto/" VETO_VERSION
#define CA_FILE_MAX (8u << 20)	/* bytes of a CA bundle */

/* --- the write callback ---------------------------------------------- */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

size_t
fetch_sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_sink *s = arg;
	size_t n = size * nmemb;

	if (n == 0)
		return 0;
	if ((uint64_t)n > s->max - s->len) {
		s->over = true;
		return 0;	/* != n: libcurl stops with CURLE_WRITE_ERROR */
	}
	if (s->fd != -1) {
		if (write_all(s->fd, data, n) == -1) {
			s->err = errno;
			return 0;
		}
	} else {
		if (s->len + n > s->cap) {
			size_t cap = MAX(s->cap * 2, s->len + n);
			cap = MAX(cap, 4096);
			if (cap > s->max)
				cap = (size_t)s->max;
			s->buf = xrealloc(s->buf, cap);
			s->cap = cap;
		}
		memcpy(s->buf + s->len, data, n);
	}
	s->len += n;
	return n;
}

/* --- response headers ------------------------------------------------ */

struct headers {
	char etag[FETCH_ETAG_MAX];
	char last_modified[FETCH_LASTMOD_MAX];
	char retry_after[64];
};

/* If the line is `name: value', copy the value (trimmed) into out. Values
 * that do not fit, or hold anything but printable ASCII, are dropped: a
 * validator we cannot store exactly is no validator. */
static void
header_value(const char *line, size_t n, const char *name, char *out,
    size_t size)
{
	size_t nl = strlen(name), i, end;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	for (i = nl + 1; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (end = n; end > i && (line[end - 1] == '\r' ||
	    line[end - 1] == '\n' || line[end - 1] == ' ' ||
	    line[end - 1] == '\t'); end--)
		;
	out[0] = '\0';
	if (end - i >= size)
		return;
	for (size_t j = i; j < end; j++)
		if (line[j] < 0x20 || line[j] > 0x7e)
			return;
	str_ncopy(out, size, line + i, end - i);
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct headers *h = arg;
	size_t n = size * nmemb;

	if (n >= 5 && strncasecmp(data, "HTTP/", 5) == 0) {
		memset(h, 0, sizeof(*h));	/* a new response (redirect) */
		return n;
	}
	header_value(data, n, "etag", h->etag, sizeof(h->etag));
	header_value(data, n, "last-modified", h->last_modified,
	    sizeof(h->last_modified));
	header_value(data, n, "retry-after", h->retry_after,
	    sizeof(h->retry_after));
	return n;
}

/* --- sockets and cancelling ------------------------------------------ */

static atomic_ulong fetch_unmarked;

unsigned long
fetch_unmarked_sockets(void)
{
	return atomic_load_explicit(&fetch_unmarked, memory_order_relaxed);
}

static int
on_sockopt(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	const uint32_t *mark = arg;

	if (purpose != CURLSOCKTYPE_IPCXN || *mark == 0)
		return CURL_SOCKOPT_OK;
	/* Without CAP_NET_ADMIN the mark cannot be set: the fetch still goes
	 * out, unmarked (it is then queued like any flow and decided on its
	 * name). The library does not log; the count is for the caller. */
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, mark, sizeof(*mark)) == -1)
		atomic_fetch_add_explicit(&fetch_unmarked, 1, memory_order_relaxed);
	return CURL_SOCKOPT_OK;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_bool *cancel = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cancel != NULL && atomic_load(cancel) ? 1 : 0;
}

/* --- trust anchors --------------------------------------------------- */

/* The system bundle (libcurl's built-in CA file, when readable) followed
 * by ca_file: one PEM blob. */
static int
ca_blob(CURL *h, const char *ca_file, uint8_t **out, size_t *outlen,
    struct verr *e)
{
	char *sys = NULL;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	if (curl_easy_getinfo(h, CURLINFO_CAINFO, &sys) == CURLE_OK &&
	    sys != NULL && file_read(sys, CA_FILE_MAX, &a, &alen, NULL) == -1) {
		a = NULL;
		alen = 0;
	}
	if (file_read(ca_file, CA_FILE_MAX, &b, &blen, e) == -1) {
		verr_prefix(e, "ca_file");
		free(a);
		return -1;
	}
	*out = xrealloc(a, alen + blen + 2);
	(*out)[alen] = '\n';
	memcpy(*out + alen + 1, b, blen);
	*outlen = alen + 1 + blen;
	free(b);
	return 0;
}

/* --- one GET --------------------------------------------------------- */

struct get {
	const char *url;
	const char *what;		/* "list", "signature" */
	long timeout;
	struct curl_slist *hdrs;	/* conditional request headers */
	struct fetch_sink *sink;
	struct headers h;
	long code;
	uint64_t ms;
};

#define SET(opt, val) do {						\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(h, opt, val);			\
} while (0)

static CURLcode
setup(CURL *h, const struct fetch_params *p, struct get *g,
    struct curl_blob *ca, char *errbuf)
{
	CURLcode rc = CURLE_OK;
	long low = p->low_speed_time ? p->low_speed_time : FETCH_LOW_SPEED_TIME;
	long conn = p->connect_timeout ? p->connect_timeout :
	    FETCH_CONNECT_TIMEOUT;

	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, g->url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRS);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca != NULL)
		SET(CURLOPT_CAINFO_BLOB, ca);
	SET(CURLOPT_PROXY, "");		/* no proxy, whatever the env says */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, FETCH_UA);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_CONNECTTIMEOUT, conn);
	SET(CURLOPT_TIMEOUT, g->timeout);
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_LOW_SPEED_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, low);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)g->sink->max);
	SET(CURLOPT_WRITEFUNCTION, fetch_sink_write);
	SET(CURLOPT_WRITEDATA, g->sink);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &g->h);
	SET(CURLOPT_SOCKOPTFUNCTION, on_sockopt);
	SET(CURLOPT_SOCKOPTDATA, (void *)&p->mark);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, (void *)p->cancel);
	if (g->hdrs != NULL)
		SET(CURLOPT_HTTPHEADER, g->hdrs);
	/* No CURLOPT_COOKIEFILE/COOKIEJAR: the cookie engine stays off. */
	return rc;
}

#undef SET

static void
fail(struct fetch_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct fetch_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* Why a transfer failed, in one line, into r. */
static void
transfer_error(struct fetch_result *r, const struct fetch_params *p,
    const struct get *g, CURLcode rc, const char *errbuf)
{
	const char *why = *errbuf ? errbuf : curl_easy_strerror(rc);

	if ((rc == CURLE_WRITE_ERROR && g->sink->over) ||
	    rc == CURLE_FILESIZE_EXCEEDED) {
		r->too_large = true;
		fail(r, "the %s is larger than %s "
		    "(%llu bytes); refused", g->what, g->sink->fd != -1 ?
		    "list_max_bytes" : "the signature cap",
		    (unsigned long long)g->sink->max);
	} else if (rc == CURLE_WRITE_ERROR && g->sink->err != 0) {
		fail(r, "%s: cannot write the %s to "
		    "a temporary file: %s", p->tmp_dir ? p->tmp_dir : "/tmp",
		    g->what, strerror(g->sink->err));
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		r->cancelled = true;
		fail(r, "cancelled");
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		fail(r, "the %s transfer timed out "
		    "or stalled: %s", g->what, why);
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		fail(r, "the %s URL or a redirect is "
		    "not https: %s", g->what, why);
	} else {
		fail(r, "%s: %s", g->what, why);
	}
}

/* One GET into g->sink. 0 when an HTTP response arrived (g->code), else
 * -1 with r->error. */
static int
get(const struct fetch_params *p, struct curl_blob *ca, struct get *g,
    struct fetch_result *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	uint64_t t0 = now_mono_ms();
	CURLcode rc;
	CURL *h = curl_easy_init();

	if (h == NULL) {
		fail(r, "curl_easy_init failed");
		return -1;
	}
	rc = setup(h, p, g, ca, errbuf);
	if (rc != CURLE_OK) {
		fail(r, "libcurl refused an option: "
		    "%s (libcurl 7.85 or later is needed)", curl_easy_strerror(rc));
		curl_easy_cleanup(h);
		return -1;
	}
	rc = curl_easy_perform(h);
	g->ms = now_mono_ms() - t0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &g->code);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		r->http_code = g->code;
		transfer_error(r, p, g, rc, errbuf);
		return -1;
	}
	return 0;
}

/* --- the list and its signature --------------------------------------- */

static int
spool_open(const char *dir, struct verr *e)
{
	char path[PATH_MAX];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		verr_set(e, "%s: cannot create a temporary file: %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/.fetch-XXXXXX", dir) >=
	    sizeof(path)) {
		verr_set(e, "%s: path too long", dir);
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd == -1) {
		verr_set(e, "%s: mkstemp: %s", path, strerror(errno));
		return -1;
	}
	unlink(path);
	return fd;
}

/* An HTTP status other than 200 (or an expected 304): a failure, with the
 * server's Retry-After if it gave one. */
static void
http_error(struct fetch_result *r, const struct get *g)
{
	r->http_code = g->code;
	if (g->h.retry_after[0] != '\0')
		r->retry_after = fetch_retry_after_parse(g->h.retry_after,
		    time(NULL));
	if (r->retry_after >= 0)
		fail(r, "the server answered HTTP %ld for the %s (Retry-After "
		    "%llds)", g->code, g->what, (long long)r->retry_after);
	else
		fail(r, "the server answered HTTP %ld for the %s", g->code,
		    g->what);
}

static struct curl_slist *
conditional_headers(const struct fetch_params *p)
{
	struct curl_slist *l = NULL;
	char line[FETCH_ETAG_MAX + 32];

	if (p->etag != NULL && p->etag[0] != '\0') {
		snprintf(line, sizeof(line), "If-None-Match: %s", p->etag);
		l = curl_slist_append(l, line);
	}
	if (p->last_modified != NULL && p->last_modified[0] != '\0') {
		snprintf(line, sizeof(line), "If-Modified-Since: %s",
		    p->last_modified);
		l = curl_slist_append(l, line);
	}
	return l;
}

static int
fetch_list(const struct fetch_params *p, struct curl_blob *ca,
    struct fetch_result *r)
{
	struct fetch_sink sink = {.fd = -1, .max = p->max_bytes};
	struct get g = {.url = p->url, .what = "list", .sink = &sink};
	struct verr e;
	bool conditional;
	int rc;

	g.timeout = p->list_timeout ? p->list_timeout : FETCH_LIST_TIMEOUT;
	if ((sink.fd = spool_open(p->tmp_dir ? p->tmp_dir : "/tmp", &e)) == -1) {
		fail(r, "%s", e.msg);
		return -1;
	}
	r->fd = sink.fd;
	g.hdrs = conditional_headers(p);
	conditional = g.hdrs != NULL;
	rc = get(p, ca, &g, r);
	curl_slist_free_all(g.hdrs);
	g.hdrs = NULL;
	r->list_ms = g.ms;
	if (rc == -1)
		return -1;
	r->http_code = g.code;
	if (g.code == 304 && conditional) {
		r->status = FETCH_NOT_MODIFIED;
		return 0;
	}
	if (g.code != 200) {
		http_error(r, &g);
		return -1;
	}
	if (sink.len == 0) {
		fail(r, "the server sent an empty list");
		return -1;
	}
	r->map = mmap(NULL, sink.len, PROT_READ, MAP_PRIVATE, sink.fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		fail(r, "mmap of the downloaded list: %s", strerror(errno));
		return -1;
	}
	madvise(r->map, sink.len, MADV_SEQUENTIAL);
	r->list = r->map;
	r->len = sink.len;
	str_copy(r->etag, g.h.etag, sizeof(r->etag));
	str_copy(r->last_modified, g.h.last_modified, sizeof(r->last_modified));
	r->status = FETCH_OK;
	return 0;
}

static int
fetch_sig(const struct fetch_params *p, struct curl_blob *ca,
    struct fetch_result *r)
{
	struct fetch_sink sink = {.fd = -1, .max = SIG_FILE_MAX};
	struct get g = {.url = p->sig_url, .what = "signature", .sink = &sink};
	int rc;

	g.timeout = p->sig_timeout ? p->sig_timeout : FETCH_SIG_TIMEOUT;
	rc = get(p, ca, &g, r);
	r->sig_ms = g.ms;
	if (rc == 0 && g.code != 200) {
		http_error(r, &g);
		rc = -1;
	}
	if (rc == -1) {
		free(sink.buf);
		return -1;
	}
	r->sig = sink.buf;
	r->siglen = sink.len;
	return 0;
}

int
fetch_init(struct verr *e)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK) {
		verr_set(e, "curl_global_init: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

enum fetch_status
fetch_run(const struct fetch_params *p, struct fetch_result *r)
{
	struct curl_blob blob = {.flags = CURL_BLOB_NOCOPY};
	uint8_t *ca = NULL;
	struct verr e;
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->retry_after = -1;
	r->status = FETCH_FAILED;
	if (fetch_url_check(p->url, &e) == -1 ||
	    fetch_url_check(p->sig_url, &e) == -1) {
		fail(r, "%s", e.msg);
		return r->status;
	}
	if (p->ca_file != NULL) {
		CURL *h = curl_easy_init();
		rc = h ? ca_blob(h, p->ca_file, &ca, &blob.len, &e) : -1;
		if (h == NULL)
			verr_set(&e, "curl_easy_init failed");
		curl_easy_cleanup(h);
		if (rc == -1) {
			fail(r, "%s", e.msg);
			return r->status;
		}
		blob.data = ca;
	}
	rc = fetch_list(p, ca ? &blob : NULL, r);
	if (rc == 0 && r->status == FETCH_OK &&
	    fetch_sig(p, ca ? &blob : NULL, r) == -1)
		r->status = FETCH_FAILED;
	else if (rc == -1)
		r->status = FETCH_FAILED;
	free(ca);
	return r->status;
}

void
fetch_result_free(struct fetch_result *r)
{
	if (r->map != NULL)
		munmap(r->map, r->len);
	if (r->fd != -1)
		close(r->fd);
	free(r->sig);
	r->map = NULL;
	r->list = NULL;
	r->sig = NULL;
	r->fd = -1;
}

/* --- one cycle ------------------------------------------------------- */

bool
fetch_outcome_ok(enum fetch_outcome o)
{
	return o == FETCH_INSTALLED || o == FETCH_UNCHANGED;
}

const char *
fetch_outcome_name(enum fetch_outcome o)
{
	static const char *const names[] = {"installed", "unchanged", "held",
	    "refused", "error"};

	return (unsigned)o < ARRAY_LEN(names) ? names[o] : "?";
}

static void
note(const struct fetch_ops *ops, const char *etag, const char *lastmod,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
note(const struct fetch_ops *ops, const char *etag, const char *lastmod,
    const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ops->note != NULL)
		ops->note(ops->arg, etag, lastmod, line);
}

static void
offer(const struct fetch_ops *ops, const struct fetch_result *r,
    struct fetch_report *out)
{
	char msg[VERR_MAX];
	uint64_t t0 = now_mono_ms();
	enum trust_verdict v;

	msg[0] = '\0';
	v = ops->offer(ops->arg, r->list, r->len, r->sig, r->siglen, msg,
	    sizeof(msg));
	out->offer_ms = now_mono_ms() - t0;
	out->verdict = v;
	str_copy(out->message, msg, sizeof(out->message));
	switch (v) {
	case TRUST_INSTALL:
	case TRUST_EXPIRED:
		out->outcome = FETCH_INSTALLED;
		note(ops, r->etag, r->last_modified, "200 %s", msg);
		break;
	case TRUST_UNCHANGED:
		out->outcome = FETCH_UNCHANGED;
		note(ops, r->etag, r->last_modified, "200 %s", msg);
		break;
	case TRUST_HELD:
		out->outcome = FETCH_HELD;
		snprintf(out->message, sizeof(out->message), "held, not "
		    "installed: %s", msg);
		note(ops, NULL, NULL, "200 held: %s", msg);
		break;
	case TRUST_REFUSED:
		out->outcome = FETCH_REFUSED;
		note(ops, NULL, NULL, "200 %s", msg);
		break;
	}
}

void
fetch_cycle(const struct fetch_params *p, const struct fetch_ops *ops,
    struct fetch_report *out)
{
	struct fetch_result r;

	memset(out, 0, sizeof(*out));
	fetch_run(p, &r);
	out->http_code = r.http_code;
	out->retry_after = r.retry_after;
	out->cancelled = r.cancelled;
	out->list_bytes = r.len;
	out->fetch_ms = r.list_ms + r.sig_ms;
	switch (r.status) {
	case FETCH_FAILED:
		out->outcome = FETCH_ERROR;
		snprintf(out->message, sizeof(out->message), "fetch failed: %s",
		    r.error);
		if (!r.cancelled)
			note(ops, NULL, NULL, "error: %s", r.error);
		break;
	case FETCH_NOT_MODIFIED:
		out->outcome = FETCH_UNCHANGED;
		snprintf(out->message, sizeof(out->message), "not modified "
		    "(304): the list in force stays");
		note(ops, NULL, NULL, "304 not modified");
		break;
	case FETCH_OK:
		offer(ops, &r, out);
		break;
	}
	fetch_result_free(&r);
}

/* --- checks and schedule -------------------------------------------- */

int
fetch_url_check(const char *url, struct verr *e)
{
	CURLU *u;
	CURLUcode rc;
	char *host = NULL, q[128];

	if (url == NULL || *url == '\0') {
		verr_set(e, "no URL");
		return -1;
	}
	str_quote(q, sizeof(q), url, strlen(url));
	for (const char *s = url; *s; s++) {
		if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
			verr_set(e, "URL `%s' holds white space or a control "
			    "byte", q);
			return -1;
		}
	}
	if (strncasecmp(url, "https://", 8) != 0) {
		verr_set(e, "URL `%s' is not https", q);
		return -1;
	}
	if (url[8] == '/') {
		verr_set(e, "URL `%s' has no host", q);
		return -1;
	}
	u = curl_url();
	if (u == NULL) {
		verr_set(e, "curl_url failed");
		return -1;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (rc != CURLUE_OK || host == NULL || *host == '\0') {
		verr_set(e, "URL `%s' is not valid: %s", q, rc != CURLUE_OK ?
		    curl_url_strerror(rc) : "no host");
		curl_free(host);
		curl_url_cleanup(u);
		return -1;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return 0;
}

int64_t
fetch_retry_after_parse(const char *value, time_t now)
{
	uint64_t n;
	time_t t;

	if (value == NULL || *value == '\0')
		return -1;
	if (*value >= '0' && *value <= '9')
		return parse_u64(value, 0, INT32_MAX, &n) &&
		    strncmp(value, "0x", 2) != 0 ? (int64_t)n : -1;
	t = curl_getdate(value, NULL);
	if (t == (time_t)-1)
		return -1;
	return t <= now ? 0 : (int64_t)(t - now);
}

uint64_t
fetch_jitter(uint64_t refresh, uint64_t rnd)
{
	uint64_t lo = refresh - refresh / 5, span = 2 * (refresh / 5);

	return MAX(lo + rnd % (span + 1), 1);
}

uint64_t
fetch_backoff_cap(uint64_t refresh)
{
	return MIN(MAX(refresh, FETCH_BACKOFF_CAP_MIN), FETCH_BACKOFF_CAP_MAX);
}

uint64_t
fetch_backoff(unsigned failures, uint64_t cap, uint64_t rnd)
{
	uint64_t ceil = FETCH_BACKOFF_BASE;

	for (unsigned i = 1; i < failures && ceil < cap; i++)
		ceil *= 2;
	ceil = MAX(MIN(ceil, cap), 1);
	return 1 + rnd % ceil;
}

uint64_t
fetch_retry_delay(unsigned failures, uint64_t refresh, int64_t retry_after,
    uint64_t rnd)
{
	uint64_t d = fetch_backoff(failures, fetch_backoff_cap(refresh), rnd);

	if (retry_after > 0)
		d = MAX(d, MIN((uint64_t)retry_after, FETCH_RETRY_AFTER_MAX));
	return d;
}

uint64_t
fetch_refused_delay(uint64_t rnd)
{
	return FETCH_REFUSED_RETRY / 2 + rnd % (FETCH_REFUSED_RETRY + 1);
}
