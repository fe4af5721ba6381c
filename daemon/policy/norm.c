/* norm.c - canonical names and URLs; see norm.h for the rules. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/idna.h"
#include "core/buf.h"
#include "core/bytes.h"
#include "policy/norm.h"
#include "core/util.h"

/* Byte classes for names: 1 = letter/digit/'-'/'_' (after lowercasing). */
static const uint8_t name_char[256] = {
	['-'] = 1, ['_'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static inline char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* ASCII name: lowercase and validate in one pass. */
static int
name_ascii(const char *in, size_t len, char *out)
{
	size_t label = 0;

	if (len == 0 || len > NORM_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = lower(in[i]);
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (name_char[(unsigned char)c]) {
			if (++label > 63)
				return -1;
		} else {
			return -1;
		}
		out[i] = c;
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return (int)len;
}

static bool
has_high_bit(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] & 0x80)
			return true;
	return false;
}

/* Non-ASCII: to A-labels with a bounded cost (idna.h), then the ASCII
 * rules on the result. */
static int
name_idn(const char *in, size_t len, char *out, bool traffic)
{
	char ace[NORM_NAME_MAX + 2];

	if ((traffic ? idna_to_ascii_bounded(in, len, ace, sizeof(ace)) :
	    idna_to_ascii(in, len, ace, sizeof(ace))) < 0)
		return -1;
	return name_ascii(ace, strlen(ace), out);
}

/* norm_name(); traffic: libidn2 within the thread's allowance (idna.h). */
static int
name_canon(const char *in, size_t len, char *out, bool traffic)
{
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return -1;
	if (LIKELY(!has_high_bit(in, len)))
		return name_ascii(in, len, out);
	return name_idn(in, len, out, traffic);
}

int
norm_name(const char *in, size_t len, char out[NORM_NAME_MAX + 1])
{
	return name_canon(in, len, out, false);
}

int
norm_name_wire(const char *in, size_t len, char out[NORM_NAME_MAX + 1])
{
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return -1;
	return name_ascii(in, len, out);	/* a byte >= 0x80 refuses */
}

size_t
norm_name_raw(const char *in, size_t len, char out[NORM_NAME_MAX + 1])
{
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len > NORM_NAME_MAX) {
		/* keep the end, where the listed parent domain is, from the
		 * first whole label within the last NORM_NAME_MAX bytes */
		const char *cut = in + len - NORM_NAME_MAX;
		const char *dot = cut[-1] == '.' ? cut - 1 :
		    memchr(cut, '.', NORM_NAME_MAX);

		if (dot != NULL && dot + 1 < in + len)
			cut = dot + 1;
		len -= (size_t)(cut - in);
		in = cut;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = lower(in[i]);
	out[len] = '\0';
	return len;
}

bool
norm_is_ip_literal(const char *name, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 3];
	unsigned char a[16];

	if (len == 0 || len >= sizeof(buf))
		return false;
	if (name[0] == '[' && name[len - 1] == ']') {
		name++;
		len -= 2;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 || inet_pton(AF_INET6, buf, a) == 1;
}

/* --- URLs ------------------------------------------------------------ */

static void
ob_escape(struct obuf *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	ob_putc(o, '%');
	ob_putc(o, hex[c >> 4]);
	ob_putc(o, hex[c & 15]);
}

/* Byte classes of URLs: U_PATH literal in a path, U_QUERY literal in a
 * query, U_UNRES unreserved (RFC 3986 2.3: an escape of it is decoded). */
enum { U_PATH = 1, U_QUERY = 2, U_UNRES = 4 };
static const uint8_t url_class[256] = {
	['!'] = 3, ['$'] = 3, ['&'] = 3, ['\''] = 3, ['('] = 3, [')'] = 3,
	['*'] = 3, ['+'] = 3, [','] = 3, ['-'] = 7, ['.'] = 7, ['/'] = 3,
	['0'] = 7, ['1'] = 7, ['2'] = 7, ['3'] = 7, ['4'] = 7, ['5'] = 7,
	['6'] = 7, ['7'] = 7, ['8'] = 7, ['9'] = 7, [':'] = 3, [';'] = 3,
	['='] = 3, ['?'] = 2, ['@'] = 3, ['A'] = 7, ['B'] = 7, ['C'] = 7,
	['D'] = 7, ['E'] = 7, ['F'] = 7, ['G'] = 7, ['H'] = 7, ['I'] = 7,
	['J'] = 7, ['K'] = 7, ['L'] = 7, ['M'] = 7, ['N'] = 7, ['O'] = 7,
	['P'] = 7, ['Q'] = 7, ['R'] = 7, ['S'] = 7, ['T'] = 7, ['U'] = 7,
	['V'] = 7, ['W'] = 7, ['X'] = 7, ['Y'] = 7, ['Z'] = 7, ['_'] = 7,
	['a'] = 7, ['b'] = 7, ['c'] = 7, ['d'] = 7, ['e'] = 7, ['f'] = 7,
	['g'] = 7, ['h'] = 7, ['i'] = 7, ['j'] = 7, ['k'] = 7, ['l'] = 7,
	['m'] = 7, ['n'] = 7, ['o'] = 7, ['p'] = 7, ['q'] = 7, ['r'] = 7,
	['s'] = 7, ['t'] = 7, ['u'] = 7, ['v'] = 7, ['w'] = 7, ['x'] = 7,
	['y'] = 7, ['z'] = 7, ['~'] = 7,
};

/* Percent-normalise in[0..len) into o (see norm.h): runs of literal bytes
 * are copied at once, so a long URL costs little more than a copy. */
static void
pct_normalise(struct obuf *o, const char *in, size_t len, bool query)
{
	const uint8_t want = query ? U_QUERY : U_PATH;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && (url_class[(unsigned char)in[j]] & want))
			j++;
		ob_add(o, in + i, j - i);
		if (ob_over(o))
			return;
		if ((i = j) == len)
			break;
		if (in[i] == '%' && i + 2 < len && hex_value(in[i + 1]) >= 0 &&
		    hex_value(in[i + 2]) >= 0) {
			unsigned char v = (unsigned char)(hex_value(in[i + 1]) * 16 +
			    hex_value(in[i + 2]));
			if (url_class[v] & U_UNRES)
				ob_putc(o, (char)v);
			else
				ob_escape(o, v);
			i += 3;
		} else {
			ob_escape(o, (unsigned char)in[i++]);
		}
	}
}

/* Remove dot segments and collapse runs of '/' in a path that starts with
 * '/', in place. Returns the new length. */
static size_t
path_clean(char *p, size_t len)
{
	size_t r = 0, w = 0;
	bool trailing = false;

	while (r < len) {
		size_t s, n;

		while (r < len && p[r] == '/')
			r++;
		if (r == len) {
			trailing = true;
			break;
		}
		s = r;
		while (r < len && p[r] != '/')
			r++;
		n = r - s;
		trailing = r < len;
		if (n == 1 && p[s] == '.') {
			trailing = true;
			continue;
		}
		if (n == 2 && p[s] == '.' && p[s + 1] == '.') {
			while (w > 0 && p[w - 1] != '/')
				w--;
			if (w > 0)
				w--;	/* the '/' before the popped segment */
			trailing = true;
			continue;
		}
		p[w++] = '/';
		memmove(p + w, p + s, n);
		w += n;
	}
	if (w == 0 || trailing)
		p[w++] = '/';
	return w;
}

/* Host and optional port of an authority: host[:port] or [v6][:port].
 * Writes the canonical host into out->host and the port (0 if absent). */
static int
parse_authority(const char *a, size_t len, struct norm_url *out, unsigned *port,
    bool traffic, bool host_header)
{
	const char *at = NULL, *h, *colon = NULL;
	size_t hl;

	for (size_t i = 0; i < len && !host_header; i++)
		if (a[i] == '@')
			at = a + i;
	if (at != NULL) {	/* userinfo of a URL (a Host header has none:
				 * servers take "u@h" as the name) */
		len -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	*port = 0;
	if (len > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', len);
		char buf[INET6_ADDRSTRLEN + 1], txt[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		if (close == NULL || (size_t)(close - a - 1) >= sizeof(buf))
			return -1;
		memcpy(buf, a + 1, (size_t)(close - a - 1));
		buf[close - a - 1] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -1;
		inet_ntop(AF_INET6, &a6, txt, sizeof(txt));
		out->hostlen = (size_t)snprintf(out->host, sizeof(out->host),
		    "[%s]", txt);
		out->host_is_ip = true;
		if ((size_t)(close - a + 1) < len) {
			if (close[1] != ':')
				return -1;
			colon = close + 1;
		}
	} else {
		int n;
		colon = memchr(a, ':', len);
		h = a;
		hl = colon ? (size_t)(colon - a) : len;
		n = name_canon(h, hl, out->host, traffic);
		if (n < 0)
			return -1;
		out->hostlen = (size_t)n;
		out->host_is_ip = norm_is_ip_literal(out->host, out->hostlen);
	}
	if (colon != NULL) {
		size_t pl = len - (size_t)(colon + 1 - a);
		unsigned v = 0;
		if (pl == 0)
			return 0;	/* "host:" means the default port */
		for (size_t i = 0; i < pl && v <= 65535; i++) {
			char c = colon[1 + i];
			if (c < '0' || c > '9')
				v = 65536;
			else
				v = v * 10 + (unsigned)(c - '0');
		}
		if (v == 0 || v > 65535)	/* nginx ignores a Host's port */
			return host_header ? 0 : -1;
		*port = v;
	}
	return 0;
}

/* Path, query and fragment after the authority: p[0..len) starts with
 * '/', '?', '#' or is empty. */
static int
build_rest(struct norm_url *out, unsigned port, bool traffic,
    const char *p, size_t len)
{
	struct obuf o;
	const char *q, *hash;
	size_t plen, pstart;

	ob_fixed(&o, out->rest, sizeof(out->rest) - 1);	/* room for the NUL */
	hash = memchr(p, '#', len);
	if (hash != NULL)
		len = (size_t)(hash - p);
	q = memchr(p, '?', len);
	plen = q ? (size_t)(q - p) : len;
	/* The scheme is ignored for matching, so 80 and 443 are both "the
	 * default port" whatever the scheme said: dropping only the scheme's
	 * own default would make https://h:80/ and h/ differ. */
	out->query_dropped = false;
	if (port != 0 && port != 80 && port != 443) {
		char num[8];
		int n = snprintf(num, sizeof(num), ":%u", port);
		for (int i = 0; i < n; i++)
			ob_putc(&o, num[i]);
	}
	pstart = o.len;
	ob_putc(&o, '/');
	pct_normalise(&o, p, plen, false);
	if (o.over)
		return -1;
	o.len = pstart + path_clean(o.p + pstart, o.len - pstart);
	out->pathend = o.len;
	out->has_query = false;
	if (q != NULL && (size_t)(q - p) + 1 < len) {
		ob_putc(&o, '?');
		pct_normalise(&o, q + 1, len - plen - 1, true);
		out->has_query = true;
	}
	if (o.over && traffic) {
		/* a canonical query this long equals no entry's query: match
		 * the path alone (entries without a query cover any) */
		o.len = out->pathend;
		o.over = false;
		out->has_query = false;
		out->query_dropped = true;
	}
	if (o.over)
		return -1;
	o.p[o.len] = '\0';
	out->restlen = o.len;
	return 0;
}

/* Strip "http://" or "https://"; returns the default port, 0 if another
 * scheme is present, or 80 when there is none. */
static unsigned
strip_scheme(const char **s, size_t *len)
{
	if (*len >= 7 && strncasecmp(*s, "http://", 7) == 0) {
		*s += 7;
		*len -= 7;
		return 80;
	}
	if (*len >= 8 && strncasecmp(*s, "https://", 8) == 0) {
		*s += 8;
		*len -= 8;
		return 443;
	}
	for (size_t i = 0; i + 2 < *len && (*s)[i] != '/'; i++)
		if ((*s)[i] == ':' && (*s)[i + 1] == '/' && (*s)[i + 2] == '/')
			return 0;
	return 80;
}

/* Authority, then path, query, fragment (the scheme already skipped). */
static int
url_rest(const char *in, size_t len, struct norm_url *out, bool traffic)
{
	unsigned port;
	size_t alen = 0;

	while (alen < len && in[alen] != '/' && in[alen] != '?' && in[alen] != '#')
		alen++;
	if (alen == 0 ||
	    parse_authority(in, alen, out, &port, traffic, false) == -1)
		return -1;
	return build_rest(out, port, traffic, in + alen, len - alen);
}

static int
url_canon(const char *in, size_t len, struct norm_url *out, bool traffic)
{
	if (len > NORM_URL_MAX || strip_scheme(&in, &len) == 0)
		return -1;
	return url_rest(in, len, out, traffic);
}

/* The length of "scheme://" at the start of s (any scheme: servers take
 * "foo://h/p" as an absolute target), or 0. */
static size_t
scheme_len(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || lower(s[0]) < 'a' || lower(s[0]) > 'z')
		return 0;
	while (i < len && ((lower(s[i]) >= 'a' && lower(s[i]) <= 'z') ||
	    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
	    s[i] == '.'))
		i++;
	return len - i >= 3 && memcmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

int
norm_url(const char *in, size_t len, struct norm_url *out)
{
	return url_canon(in, len, out, false);
}

int
norm_http(const char *host, size_t hostlen, const char *target,
    size_t targetlen, struct norm_url *out)
{
	unsigned port;
	size_t sl = scheme_len(target, targetlen);

	out->hostlen = 0;
	if (sl > 0)
		return url_rest(target + sl, targetlen - sl, out, true);
	if (targetlen > 0 && target[0] != '/' && target[0] != '*' &&
	    target[0] != '?')
		return -1;
	if (host == NULL)
		return -1;
	while (hostlen > 0 && (host[0] == ' ' || host[0] == '\t')) {
		host++;
		hostlen--;
	}
	while (hostlen > 0 && (host[hostlen - 1] == ' ' || host[hostlen - 1] == '\t'))
		hostlen--;
	if (hostlen == 0)
		return -1;
	if (parse_authority(host, hostlen, out, &port, true, true) == -1)
		return -1;
	if (targetlen == 0 || target[0] == '*')
		return build_rest(out, port, true, "/", 1);
	return build_rest(out, port, true, target, targetlen);
}

bool
norm_url_slashes(struct norm_url *u)
{
	char *r = u->rest;
	size_t ps = 0, w, ql;

	while (ps < u->pathend && r[ps] != '/')
		ps++;			/* past ":port" */
	if (memmem(r + ps, u->pathend - ps, "%2F", 3) == NULL)
		return false;
	w = ps;
	for (size_t i = ps; i < u->pathend; i++) {
		if (i + 2 < u->pathend && r[i] == '%' && r[i + 1] == '2' &&
		    r[i + 2] == 'F') {
			r[w++] = '/';
			i += 2;
		} else {
			r[w++] = r[i];
		}
	}
	w = ps + path_clean(r + ps, w - ps);
	ql = u->restlen - u->pathend;
	memmove(r + w, r + u->pathend, ql);
	u->pathend = w;
	u->restlen = w + ql;
	r[u->restlen] = '\0';
	return true;
}
