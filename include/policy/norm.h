/*
 * norm.h - the canonical form of names and URLs, one set of rules applied
 * identically to list values and to names and URLs seen in traffic (docs/design.md
 * section 3). If the two sides were canonicalised differently, the filter
 * would over- or under-block; that is why there is exactly one function for
 * each kind of value.
 *
 * Names: ASCII lowercase, trailing dot removed, IDN labels converted to
 * punycode (libidn2, IDNA2008 non-transitional with a transitional retry,
 * as browsers and curl do), every label 1..63 bytes, the whole name at most
 * 253. Letters, digits, '-' and '_' are accepted in ASCII labels (DNS
 * carries _dmarc-style names); anything else makes the name invalid.
 *
 * URLs: the scheme (http, https or none) is dropped, the host canonicalised
 * as a name (or an IPv4 literal, or an IPv6 literal in brackets, compressed
 * lowercase), the port kept only when it is neither 80 nor 443 (the scheme
 * is ignored for matching, so both count as default), the fragment dropped, percent-encodings of unreserved characters
 * decoded and all other escapes uppercased, bytes that may not appear
 * literally percent-encoded, dot segments removed (RFC 3986 5.2.4), runs of
 * '/' collapsed, an empty path made "/". The query keeps its bytes after the
 * same percent normalisation.
 *
 * The canonical URL is split in two: `host`, and `rest` = [":" port] path
 * ["?" query]. The matcher indexes url entries by host and compares rest.
 *
 * Cost: the ASCII path allocates nothing and touches each byte once. A
 * name with non-ASCII bytes goes through idna.h: refused early, converted
 * by its own fast path, found in a per-thread cache, or (rarely) given to
 * libidn2, which allocates. Names from DNS, SNI and QUIC never are:
 * norm_name_wire().
 */
#ifndef VETO_NORM_H
#define VETO_NORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NORM_NAME_MAX 253
#define NORM_URL_MAX 2048

/* Canonical name into out (NORM_NAME_MAX + 1 bytes), NUL-terminated.
 * Returns its length, or -1 if the input cannot be canonicalised. */
int norm_name(const char *in, size_t len, char out[NORM_NAME_MAX + 1]);

/* A name as DNS, TLS SNI and QUIC carry it: A-labels. The ASCII rules of
 * norm_name() only; a byte >= 0x80 makes it invalid (-1) instead of
 * going through IDNA: the caller matches the raw form and counts it, and
 * no packet costs a Unicode conversion (idna.h). */
int norm_name_wire(const char *in, size_t len, char out[NORM_NAME_MAX + 1]);

/* The fallback for traffic names that norm_name() refused: lowercase ASCII,
 * trailing dot removed; a name longer than NORM_NAME_MAX keeps its LAST
 * labels that fit (cut at a label boundary), so a listed parent domain at
 * its end still matches. Always succeeds. */
size_t norm_name_raw(const char *in, size_t len, char out[NORM_NAME_MAX + 1]);

/* True if the canonical name is an IPv4 or IPv6 literal. */
bool norm_is_ip_literal(const char *name, size_t len);

struct norm_url {
	char host[NORM_NAME_MAX + 3];	/* name, IPv4, or [IPv6] */
	size_t hostlen;
	char rest[NORM_URL_MAX + 1];	/* [":" port] path ["?" query] */
	size_t restlen;
	size_t pathend;			/* rest[0..pathend) is port + path */
	bool has_query;
	bool query_dropped;		/* traffic: a canonical query too long to
					 * equal any entry's: left out */
	bool host_is_ip;
};

/* A URL as lists write it: "http://h/p", "https://h/p", "h/p" or "h". */
int norm_url(const char *in, size_t len, struct norm_url *out);

/* An HTTP request: the Host header value (may be NULL) and the
 * request-target (origin form "/p?q" or "?q", or absolute form with any
 * scheme, "foo://h/p", whose authority wins over Host, RFC 9112 3.2.2).
 * The Host header is read as nginx reads it: no userinfo (an '@' makes it
 * no name), the port after the first colon, ignored when it is no port
 * number. A canonical query longer than the buffer is left out
 * (query_dropped): it cannot equal an entry's query, and entries without
 * one cover every query. Returns 0, or -1 if no usable host or an invalid
 * target or a path longer than NORM_URL_MAX; out->hostlen is then non-zero
 * when the host itself was canonical. */
int norm_http(const char *host, size_t hostlen, const char *target,
    size_t targetlen, struct norm_url *out);

/* The second lookup of a request path: "%2F" decoded to '/' (servers such
 * as nginx decode it before they route) and the path cleaned again. False
 * (u unchanged) when the path has no "%2F". */
bool norm_url_slashes(struct norm_url *u);

#endif
