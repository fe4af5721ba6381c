/*
 * http.c - tolerant HTTP/1.x request parsing (see http.h).
 *
 * One pass over the head: the method is checked first (so a flow that is
 * not HTTP is let go on its first bytes), then the request line is taken
 * as a whole line (method, last word = version, the target in between),
 * then header lines until the empty one. Offsets only; nothing is copied.
 */
#include <string.h>

#include "engine/http.h"
#include "core/util.h"

#define METHOD_MAX 8192		/* longer first word: not HTTP (nginx takes
				 * any method that fits its 8 KB line buffer
				 * and passes unknown ones to its upstream) */
#define CL_DIGITS_MAX 18	/* Content-Length below 10^18 */
#define CHUNK_DIGITS_MAX 15	/* chunk sizes below 2^60 */
#define VERSION_DIGITS 4	/* per number of "HTTP/1.1" */

/* RFC 9110 tchar. */
static const uint8_t tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/* Separators inside the request line (RFC 9112 section 3). */
static inline bool
is_sep(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static inline bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
ieq(const uint8_t *p, size_t len, const char *lit)
{
	size_t i;

	if (strlen(lit) != len)
		return false;
	for (i = 0; i < len; i++)
		if (lower(p[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

static inline struct http_str
str(const uint8_t *b, size_t lo, size_t hi)
{
	struct http_str s = { (const char *)b + lo, hi - lo };

	return s;
}

const char *
http_status_name(enum http_status s)
{
	switch (s) {
	case HTTP_OK:
		return "ok";
	case HTTP_NEED_MORE:
		return "need-more";
	case HTTP_NOT_HTTP:
		return "not-http";
	case HTTP_MALFORMED:
		return "malformed";
	}
	return "?";
}

/* The parse state: the buffer, the request being filled, the error. */
struct hp {
	const uint8_t *b;
	size_t len;
	struct http_req *req;
	size_t err;
	int last;			/* the previous header: H_* */
};

enum { H_OTHER, H_HOST, H_NONE };

static enum http_status
hp_fail(struct hp *h, size_t at)
{
	h->err = at;
	return HTTP_MALFORMED;
}

/*
 * The line starting at pos: *eol is where its line end (LF, CR LF, or CRs
 * then LF, which nginx takes too) starts, *next just past the LF. A NUL,
 * or a CR not followed by CRs and an LF, is malformed (servers refuse it).
 */
static enum http_status
hp_line(struct hp *h, size_t pos, size_t *eol, size_t *next)
{
	const uint8_t *lf, *nul, *cr;
	size_t end;

	size_t crs;

	lf = memchr(h->b + pos, '\n', h->len - pos);
	end = lf != NULL ? (size_t)(lf - h->b) : h->len;
	for (crs = end; crs > pos && h->b[crs - 1] == '\r'; crs--)
		;			/* CR... LF, or CRs waiting for their LF */
	nul = memchr(h->b + pos, '\0', crs - pos);
	cr = memchr(h->b + pos, '\r', crs - pos);
	if (nul != NULL || cr != NULL)
		return hp_fail(h, (size_t)((nul == NULL || (cr != NULL &&
		    cr < nul) ? cr : nul) - h->b));
	if (lf == NULL)
		return HTTP_NEED_MORE;
	*next = end + 1;
	if (crs == end)
		h->req->flags |= HTTP_F_BARE_LF;
	else if (end - crs > 1)
		h->req->flags |= HTTP_F_CR_CR_LF;
	*eol = crs;
	return HTTP_OK;
}

/* Empty lines before the request line (RFC 9112 section 2.2). */
static enum http_status
hp_leading(struct hp *h, size_t *pos)
{
	size_t p = 0;

	while (p < h->len && (h->b[p] == '\n' || h->b[p] == '\r')) {
		if (h->b[p] == '\r') {
			size_t q = p;

			while (q < h->len && h->b[q] == '\r')
				q++;
			if (q == h->len)
				return HTTP_NEED_MORE;
			if (h->b[q] != '\n') {
				h->err = q;
				return HTTP_NOT_HTTP;
			}
			p = q;
		}
		p++;
	}
	if (p == h->len)
		return HTTP_NEED_MORE;
	if (p > 0)
		h->req->flags |= HTTP_F_LEADING_EOL;
	*pos = p;
	return HTTP_OK;
}

/* The method: a token followed by a separator, or this is not HTTP. */
static enum http_status
hp_method(struct hp *h, size_t pos, size_t *mend)
{
	size_t p;

	for (p = pos; p < h->len && tchar[h->b[p]]; p++) {
		if (p - pos >= METHOD_MAX) {
			h->err = p;
			return HTTP_NOT_HTTP;
		}
	}
	if (p == h->len)
		return HTTP_NEED_MORE;
	if (p == pos || !is_sep(h->b[p])) {
		h->err = p;
		return HTTP_NOT_HTTP;
	}
	h->req->method = str(h->b, pos, p);
	*mend = p;
	return HTTP_OK;
}

/* Digits from *p (at most VERSION_DIGITS, the value capped at 255). */
static bool
hp_digits(const uint8_t *v, size_t *p, size_t hi, uint8_t *out)
{
	unsigned n = 0, d = 0;

	for (; *p < hi && v[*p] >= '0' && v[*p] <= '9'; (*p)++) {
		if (++d > VERSION_DIGITS)
			return false;
		n = MIN(n * 10 + (unsigned)(v[*p] - '0'), 255u);
	}
	*out = (uint8_t)n;
	return d > 0;
}

/* Does the word [lo, hi) name a version ("HTTP/", any letter case)? */
static bool
hp_is_version(struct hp *h, size_t lo, size_t hi)
{
	return hi - lo >= 5 && ieq(h->b + lo, 5, "http/");
}

/* "HTTP/" DIGITS "." DIGITS, the letters in any case, as many digits as
 * nginx reads ("HTTP/1.01" is 1.1 to it). */
static bool
hp_version(struct hp *h, size_t lo, size_t hi)
{
	size_t p = 5;

	hi -= lo;
	if (!hp_digits(h->b + lo, &p, hi, &h->req->version_major) ||
	    p == hi || h->b[lo + p++] != '.' ||
	    !hp_digits(h->b + lo, &p, hi, &h->req->version_minor) || p != hi)
		return false;
	return true;
}

/*
 * The request line: method, target, version (the last word, when it is
 * one; otherwise an HTTP/0.9 line and everything after the method is the
 * target).
 */
static enum http_status
hp_request_line(struct hp *h, size_t pos, size_t *next)
{
	struct http_req *r = h->req;
	size_t mend, eol, ts, te, e, ls, k;
	enum http_status st;

	if ((st = hp_method(h, pos, &mend)) != HTTP_OK)
		return st;
	if ((st = hp_line(h, pos, &eol, next)) != HTTP_OK)
		return st;
	for (k = mend; k < eol; k++)
		if (is_ctl(h->b[k]) && !is_sep(h->b[k]))
			return hp_fail(h, k);
	for (ts = mend; ts < eol && is_sep(h->b[ts]); ts++)
		;
	for (e = eol; e > ts && is_sep(h->b[e - 1]); e--)
		;
	if (ts == e)
		return hp_fail(h, ts);
	for (ls = e; ls > ts && !is_sep(h->b[ls - 1]); ls--)
		;
	if (ls > ts && hp_is_version(h, ls, e)) {
		if (!hp_version(h, ls, e))
			return hp_fail(h, ls);	/* servers answer 400 */
		for (te = ls; te > ts && is_sep(h->b[te - 1]); te--)
			;
	} else {
		te = e;
		r->version_major = 0;
		r->version_minor = 9;
	}
	r->target = str(h->b, ts, te);
	for (k = ts; k < te; k++)
		if (is_sep(h->b[k]))
			r->flags |= HTTP_F_SPACE_IN_TARGET;
	return HTTP_OK;
}

static bool
is_scheme_char(uint8_t c)
{
	return (lower(c) >= 'a' && lower(c) <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* The target's form; for the absolute form its scheme, authority, path. */
static enum http_status
hp_target(struct hp *h)
{
	struct http_req *r = h->req;
	const uint8_t *t = (const uint8_t *)r->target.p;
	size_t n = r->target.len, off = (size_t)(t - h->b), i, a, e, at;

	if (n == 1 && t[0] == '*') {
		r->form = HTTP_FORM_ASTERISK;
		return HTTP_OK;
	}
	if (t[0] == '/') {
		r->form = HTTP_FORM_ORIGIN;
		r->path = r->target;
		return HTTP_OK;
	}
	if (r->method.len == 7 && memcmp(r->method.p, "CONNECT", 7) == 0) {
		r->form = HTTP_FORM_AUTHORITY;
		r->target_authority = r->target;
		return HTTP_OK;
	}
	if (lower(t[0]) < 'a' || lower(t[0]) > 'z')
		return hp_fail(h, off);
	for (i = 1; i < n && is_scheme_char(t[i]); i++)
		;
	if (n - i < 3 || memcmp(t + i, "://", 3) != 0)
		return hp_fail(h, off + i);
	r->form = HTTP_FORM_ABSOLUTE;
	r->scheme = str(t, 0, i);
	a = i + 3;
	for (e = a; e < n && t[e] != '/' && t[e] != '?' && t[e] != '#'; e++)
		;
	for (at = e; at > a && t[at - 1] != '@'; at--)
		;
	if (at > a) {
		r->flags |= HTTP_F_USERINFO;
		a = at;
	}
	r->target_authority = str(t, a, e);
	r->path = str(t, e, n);
	return HTTP_OK;
}

static void
hp_host(struct hp *h, struct http_str v)
{
	struct http_req *r = h->req;

	if (r->nhost++ == 0)
		r->host_header = v;
	else {
		r->flags |= HTTP_F_DUP_HOST;
		r->host_last = v;
	}
	h->last = H_HOST;
}

/* A folded line: only the Host header's value matters to us. */
static void
hp_fold(struct hp *h, struct http_str v)
{
	struct http_req *r = h->req;
	struct http_str *cur;

	r->flags |= HTTP_F_OBS_FOLD;
	if (h->last != H_HOST)
		return;
	r->flags |= HTTP_F_HOST_FOLDED;
	cur = r->nhost == 1 ? &r->host_header : &r->host_last;
	if (cur->len == 0 && v.len > 0)
		*cur = v;
}

/* Content-Length: digits, or a list of identical ones ("5, 5"). */
static enum http_status
hp_content_length(struct hp *h, size_t lo, size_t hi)
{
	struct http_req *r = h->req;
	uint64_t v;
	size_t p = lo, d;
	bool any = false;

	while (p < hi) {
		if (h->b[p] == ',' || is_ows(h->b[p])) {
			p++;
			continue;
		}
		for (v = 0, d = 0; p < hi && h->b[p] >= '0' && h->b[p] <= '9';
		    p++, d++) {
			if (d == CL_DIGITS_MAX)
				return hp_fail(h, p);
			v = v * 10 + (h->b[p] - '0');
		}
		if (d == 0 || (p < hi && h->b[p] != ',' && !is_ows(h->b[p])))
			return hp_fail(h, p);
		if ((r->flags & HTTP_F_CONTENT_LENGTH) && v != r->body_len)
			return hp_fail(h, p - d);
		r->flags |= HTTP_F_CONTENT_LENGTH;
		r->body_len = v;
		any = true;
	}
	if (!any)
		return hp_fail(h, lo);
	return HTTP_OK;
}

/* Transfer-Encoding: remember whether the last coding so far is chunked. */
static void
hp_transfer_encoding(struct hp *h, size_t lo, size_t hi, bool *te,
    bool *chunked)
{
	size_t p = lo, s, e;

	*te = true;
	while (p < hi) {
		while (p < hi && (h->b[p] == ',' || is_ows(h->b[p])))
			p++;
		if (p == hi)
			break;
		for (s = p; p < hi && h->b[p] != ',' && h->b[p] != ';' &&
		    !is_ows(h->b[p]); p++)
			;
		e = p;
		while (p < hi && h->b[p] != ',')
			p++;		/* parameters */
		*chunked = ieq(h->b + s, e - s, "chunked");
	}
}

/* Upgrade: a list of protocols; h2c is HTTP/2 over cleartext. */
static void
hp_upgrade(struct hp *h, size_t lo, size_t hi)
{
	size_t p = lo, st;

	h->req->flags |= HTTP_F_UPGRADE;
	while (p < hi) {
		while (p < hi && (h->b[p] == ',' || is_ows(h->b[p])))
			p++;
		for (st = p; p < hi && h->b[p] != ',' && !is_ows(h->b[p]); p++)
			;
		if (ieq(h->b + st, p - st, "h2c"))
			h->req->flags |= HTTP_F_UPGRADE_H2C;
	}
}

struct hp_body {
	bool te, chunked;
	size_t te_at;
};

/* One header line [pos, eol). */
static enum http_status
hp_header(struct hp *h, size_t pos, size_t eol, struct hp_body *body)
{
	const uint8_t *b = h->b;
	size_t n, c, vs, ve;

	for (vs = pos; vs < eol && is_ows(b[vs]); vs++)
		;
	for (ve = eol; ve > vs && is_ows(b[ve - 1]); ve--)
		;
	if (vs > pos) {
		hp_fold(h, str(b, vs, ve));
		return HTTP_OK;
	}
	for (n = pos; n < eol && tchar[b[n]]; n++)
		;
	for (c = n; c < eol && is_ows(b[c]); c++)
		;
	if (n == pos || c == eol || b[c] != ':') {
		h->req->flags |= HTTP_F_BAD_LINE;
		h->last = H_NONE;
		return HTTP_OK;
	}
	if (c > n)
		h->req->flags |= HTTP_F_WS_COLON;
	for (vs = c + 1; vs < ve && is_ows(b[vs]); vs++)
		;
	h->last = H_OTHER;
	if (ieq(b + pos, n - pos, "host"))
		hp_host(h, str(b, vs, ve));
	else if (ieq(b + pos, n - pos, "content-length"))
		return hp_content_length(h, vs, ve);
	else if (ieq(b + pos, n - pos, "upgrade"))
		hp_upgrade(h, vs, ve);
	else if (ieq(b + pos, n - pos, "transfer-encoding")) {
		hp_transfer_encoding(h, vs, ve, &body->te, &body->chunked);
		body->te_at = pos;
	}
	return HTTP_OK;
}

static enum http_status
hp_headers(struct hp *h, size_t pos)
{
	struct http_req *r = h->req;
	struct hp_body body = { false, false, 0 };
	size_t eol, next;
	enum http_status st;

	for (;;) {
		if ((st = hp_line(h, pos, &eol, &next)) != HTTP_OK)
			return st;
		if (eol == pos)
			break;
		if ((st = hp_header(h, pos, eol, &body)) != HTTP_OK)
			return st;
		pos = next;
	}
	if (body.te && !body.chunked)
		return hp_fail(h, body.te_at);
	if (body.te) {
		r->flags |= HTTP_F_CHUNKED;
		if (r->flags & HTTP_F_CONTENT_LENGTH)
			r->flags |= HTTP_F_CL_AND_TE;
		r->body_len = 0;
	}
	r->header_end = next;
	return HTTP_OK;
}

/* The effective authority and its parts. */
static void
hp_effective(struct http_req *r)
{
	if (r->form == HTTP_FORM_ABSOLUTE || r->form == HTTP_FORM_AUTHORITY)
		r->authority = r->target_authority;
	else if (r->nhost > 0)
		r->authority = r->host_header;
	if (r->nhost == 0)
		r->flags |= HTTP_F_NO_HOST;
	http_authority_split(r->authority, &r->host, &r->port);
}

enum http_status
http_parse(const uint8_t *buf, size_t len, struct http_req *req,
    size_t *err_off)
{
	struct hp h = { buf, len, req, 0, H_NONE };
	enum http_status st;
	size_t pos = 0, next = 0;

	memset(req, 0, sizeof(*req));
	if ((st = hp_leading(&h, &pos)) != HTTP_OK)
		goto out;
	req->start = pos;
	if ((st = hp_request_line(&h, pos, &next)) != HTTP_OK)
		goto out;
	if ((st = hp_target(&h)) != HTTP_OK)
		goto out;
	if (req->version_major == 0)
		req->header_end = next;
	else
		st = hp_headers(&h, next);
	if (st == HTTP_OK || st == HTTP_MALFORMED)
		hp_effective(req);
out:
	if (err_off != NULL)
		*err_off = st == HTTP_MALFORMED || st == HTTP_NOT_HTTP ? h.err : 0;
	return st;
}

void
http_authority_split(struct http_str a, struct http_str *host,
    struct http_str *port)
{
	const char *rb, *c;

	*host = a;
	port->p = NULL;
	port->len = 0;
	if (a.p == NULL)
		return;
	if (a.len > 0 && a.p[0] == '[') {
		rb = memchr(a.p, ']', a.len);
		if (rb == NULL)
			return;
		c = rb + 1;
		if (c < a.p + a.len && *c != ':')
			return;		/* junk after ']': leave it whole */
	} else {
		c = memchr(a.p, ':', a.len);	/* nginx: the first colon */
		if (c == NULL)
			return;
	}
	if (c == a.p + a.len)
		return;
	host->len = (size_t)(c - a.p);
	port->p = c + 1;
	port->len = a.len - host->len - 1;
}

/* The chunked body walker. */
enum {
	CH_SIZE0,	/* the first hex digit of a chunk size */
	CH_SIZE,	/* more hex digits */
	CH_EXT,		/* chunk extensions, up to the end of the line */
	CH_SIZE_LF,	/* CR seen at the end of the size line */
	CH_DATA,	/* chunk data */
	CH_DATA_CR,	/* CR or LF after the data */
	CH_DATA_LF,	/* LF after that CR */
	CH_TRAILER0,	/* start of a trailer line, or the final empty line */
	CH_TRAILER,	/* in a trailer line */
	CH_TRAILER_LF,	/* CR seen in a trailer line */
	CH_END_LF,	/* CR of the final empty line seen */
	CH_DONE,
};

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The end of a size line: data follows, or the trailer when size 0. */
static void
ch_size_done(struct http_chunked *c)
{
	c->state = c->left > 0 ? CH_DATA : CH_TRAILER0;
	c->linelen = 0;
}

/* One byte of a chunk-size line; false if it is malformed. */
static bool
ch_size_byte(struct http_chunked *c, uint8_t x)
{
	int v;

	switch (c->state) {
	case CH_SIZE0:
	case CH_SIZE:
		if ((v = hexval(x)) >= 0) {
			if (c->state == CH_SIZE &&
			    c->left >> (4 * (CHUNK_DIGITS_MAX - 1)) != 0)
				return false;
			c->left = c->left * 16 + (unsigned)v;
			c->state = CH_SIZE;
			return true;
		}
		if (c->state == CH_SIZE0 || (x != ';' && !is_ows(x) &&
		    x != '\r' && x != '\n'))
			return false;
		c->state = CH_EXT;
		__attribute__((fallthrough));
	case CH_EXT:
		/* any length, any byte, as nginx reads them */
		if (x == '\r')
			c->state = CH_SIZE_LF;
		else if (x == '\n')
			ch_size_done(c);
		return true;
	case CH_SIZE_LF:
		if (x != '\n')
			return false;
		ch_size_done(c);
		return true;
	}
	return false;
}

/* One byte after chunk data or of the trailer section. */
static bool
ch_tail_byte(struct http_chunked *c, uint8_t x)
{
	switch (c->state) {
	case CH_DATA_CR:
		c->state = x == '\r' ? CH_DATA_LF : CH_SIZE0;
		c->linelen = 0;
		return x == '\r' || x == '\n';
	case CH_DATA_LF:
		c->state = CH_SIZE0;
		return x == '\n';
	case CH_TRAILER0:
		if (x == '\r')
			c->state = CH_END_LF;
		else if (x == '\n')
			c->state = CH_DONE;
		else
			c->state = CH_TRAILER;
		return true;
	case CH_TRAILER:
		if (x == '\r')
			c->state = CH_TRAILER_LF;
		else if (x == '\n') {
			c->state = CH_TRAILER0;
			c->linelen = 0;
		}
		return true;
	case CH_TRAILER_LF:
		c->state = CH_TRAILER0;
		c->linelen = 0;
		return x == '\n';
	case CH_END_LF:
		c->state = CH_DONE;
		return x == '\n';
	}
	return false;
}

/* One byte of everything but chunk data; false if it is malformed. */
static bool
ch_byte(struct http_chunked *c, uint8_t x)
{
	if ((c->state == CH_SIZE0 || c->state == CH_SIZE) &&
	    ++c->linelen > HTTP_CHUNK_LINE_MAX)
		return false;	/* only the size itself is bounded */
	if (c->state <= CH_SIZE_LF)
		return ch_size_byte(c, x);
	return ch_tail_byte(c, x);
}

enum http_status
http_chunked_walk(struct http_chunked *c, const uint8_t *buf, size_t len,
    size_t *used)
{
	size_t i = 0, n;

	while (i < len && c->state != CH_DONE) {
		if (c->state == CH_DATA) {
			n = (size_t)MIN((uint64_t)(len - i), c->left);
			c->left -= n;
			i += n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		if (!ch_byte(c, buf[i])) {
			*used = i;
			return HTTP_MALFORMED;
		}
		i++;
	}
	*used = i;
	return c->state == CH_DONE ? HTTP_OK : HTTP_NEED_MORE;
}
