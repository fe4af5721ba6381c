/*
 * tls.c - the server name of a TLS ClientHello (see tls.h).
 *
 * parse_hello() reads a handshake stream prefix: a cursor moves through the
 * ClientHello and every read is checked twice, against the enclosing length
 * (past it: malformed) and against the bytes available (past them: need
 * more). tls_parse_stream() strips the record layer first, in place when
 * the ClientHello sits in one record, else by copying the fragments into
 * the caller's scratch.
 */
#include <stdbool.h>
#include <string.h>

#include "core/bytes.h"
#include "engine/tls.h"
#include "core/util.h"

#define TLS_CT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0x0000
#define TLS_EXT_QUIC_TP 0x0039
#define TLS_EXT_ECH 0xfe0d
#define TLS_EXT_ESNI 0xffce
#define TLS_SNI_HOST_NAME 0

/* Version(2) random(32) session id(1+0) suites(2+2) compression(1+1). */
#define HELLO_MIN 41

/* Outcome of one bounded read. */
enum rd {
	RD_OK,
	RD_MORE,	/* within the message, beyond the bytes available */
	RD_BAD,		/* beyond the enclosing length */
};

struct hello_parse {
	const uint8_t *hs;	/* handshake stream, from the message header */
	size_t avail;		/* bytes available, at most end */
	size_t end;		/* 4 + message length */
	size_t off;
	bool sni_seen;		/* a server_name extension was parsed */
	struct tls_hello *out;
};



/* May n bytes at hp->off be read, with lim the enclosing end? */
static enum rd
need(const struct hello_parse *hp, size_t n, size_t lim)
{
	if (n > lim - hp->off)
		return RD_BAD;
	if (n > hp->avail - hp->off)
		return RD_MORE;
	return RD_OK;
}

static bool
is_label_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool
is_ip6_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == ':' || c == '.' || c == '[' ||
	    c == ']' || c == '%';
}

/* 0 for a valid host name, else TLS_F_BAD_NAME or TLS_F_IP_LITERAL. */
static uint32_t
name_check(const uint8_t *s, size_t n)
{
	size_t i, label = 0, last_start = 0;
	bool colon = false, ip6 = true, digits = true;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return TLS_F_BAD_NAME;
	for (i = 0; i < n; i++) {
		if (s[i] == ':')
			colon = true;
		if (!is_ip6_char(s[i]))
			ip6 = false;
	}
	if (colon)
		return ip6 ? TLS_F_IP_LITERAL : TLS_F_BAD_NAME;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return TLS_F_BAD_NAME;
			label = 0;
			last_start = i + 1;
			continue;
		}
		if (!is_label_char(s[i]) || ++label > 63)
			return TLS_F_BAD_NAME;
	}
	if (label == 0)
		return TLS_F_BAD_NAME;
	/* An all-numeric last label is no host name: 192.0.2.1, 3221225985. */
	for (i = last_start; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = false;
	return digits ? TLS_F_IP_LITERAL : 0;
}

/* The server_name extension body (RFC 6066 section 3), all available. */
static bool
parse_sni(struct hello_parse *hp, const uint8_t *d, size_t n)
{
	struct tls_hello *out = hp->out;
	size_t p = 2, l;

	if (hp->sni_seen)
		out->flags |= TLS_F_MULTI_NAME;
	hp->sni_seen = true;
	if (n < 2 || rd16(d) != n - 2 || n == 2)
		return false;
	while (p < n) {
		if (n - p < 3)
			return false;
		l = rd16(d + p + 1);
		if (l > n - p - 3)
			return false;
		if (d[p] == TLS_SNI_HOST_NAME) {
			if (out->name == NULL) {
				out->name = d + p + 3;
				out->name_len = l;
			} else
				out->flags |= TLS_F_MULTI_NAME;
		}
		p += 3 + l;
	}
	return true;
}

/* Skip a vector with a length prefix of lsize bytes; check its length is in
 * [min, max] and a multiple of unit. */
static enum rd
skip_vector(struct hello_parse *hp, size_t lsize, size_t min, size_t max,
    size_t unit)
{
	enum rd r;
	size_t l;

	if ((r = need(hp, lsize, hp->end)) != RD_OK)
		return r;
	l = lsize == 1 ? hp->hs[hp->off] : rd16(hp->hs + hp->off);
	if (l < min || l > max || l % unit != 0)
		return RD_BAD;
	hp->off += lsize;
	if ((r = need(hp, l, hp->end)) != RD_OK)
		return r;
	hp->off += l;
	return RD_OK;
}

/* Everything before the extensions. */
static enum rd
parse_fixed(struct hello_parse *hp)
{
	enum rd r;

	if ((r = need(hp, 2 + 32, hp->end)) != RD_OK)
		return r;
	hp->out->version = rd16(hp->hs + hp->off);
	if (hp->hs[hp->off] != 3)
		return RD_BAD;
	hp->off += 2 + 32;
	if ((r = skip_vector(hp, 1, 0, 32, 1)) != RD_OK)	/* session id */
		return r;
	if ((r = skip_vector(hp, 2, 2, 65534, 2)) != RD_OK)	/* suites */
		return r;
	return skip_vector(hp, 1, 1, 255, 1);		/* compression */
}

/* One extension; RD_MORE when it is not all there (flags from its type are
 * still noted). */
static enum rd
parse_ext(struct hello_parse *hp)
{
	const uint8_t *p;
	uint16_t type, len;
	enum rd r;

	if ((r = need(hp, 4, hp->end)) != RD_OK)
		return r;
	p = hp->hs + hp->off;
	type = rd16(p);
	len = rd16(p + 2);
	hp->off += 4;
	if (type == TLS_EXT_ECH || type == TLS_EXT_ESNI)
		hp->out->flags |= TLS_F_ECH;
	else if (type == TLS_EXT_QUIC_TP)
		hp->out->flags |= TLS_F_QUIC_TP;
	if ((r = need(hp, len, hp->end)) != RD_OK)
		return r;
	if (type == TLS_EXT_SERVER_NAME && !parse_sni(hp, p + 4, len))
		return RD_BAD;
	hp->off += len;
	hp->out->nexts++;
	return RD_OK;
}

static enum rd
parse_exts(struct hello_parse *hp)
{
	enum rd r;

	if ((r = need(hp, 2, hp->end)) != RD_OK)
		return r;
	if (rd16(hp->hs + hp->off) != hp->end - hp->off - 2)
		return RD_BAD;
	hp->off += 2;
	while (hp->off < hp->end)
		if ((r = parse_ext(hp)) != RD_OK)
			return r;
	return RD_OK;
}

/* The status once the bytes are used up (r: how parsing stopped). */
static enum tls_status
hello_status(struct hello_parse *hp, enum rd r)
{
	struct tls_hello *out = hp->out;
	uint32_t f;

	if (r == RD_BAD)
		return TLS_MALFORMED;
	if (r == RD_OK)
		out->flags |= TLS_F_COMPLETE;
	if (out->name != NULL) {
		f = name_check(out->name, out->name_len);
		out->flags |= f;
		return f == 0 ? TLS_NAME : TLS_NO_NAME;
	}
	if (hp->sni_seen) {
		out->flags |= TLS_F_BAD_NAME;
		return TLS_NO_NAME;
	}
	if (r == RD_OK) {
		out->flags |= TLS_F_NO_SNI;
		return TLS_NO_NAME;
	}
	return TLS_NEED_MORE;
}

/* A handshake stream prefix of avail bytes, starting at a message header. */
static enum tls_status
parse_hello(const uint8_t *hs, size_t avail, struct tls_hello *out)
{
	struct hello_parse hp = { .hs = hs, .out = out };
	uint32_t mlen;
	enum rd r;

	if (avail < 1)
		return TLS_NEED_MORE;
	if (hs[0] != TLS_HS_CLIENT_HELLO)
		return TLS_MALFORMED;
	if (avail < 4)
		return TLS_NEED_MORE;
	mlen = rd24(hs + 1);
	out->hello_len = mlen;
	if (mlen < HELLO_MIN)
		return TLS_MALFORMED;
	hp.end = 4 + (size_t)mlen;
	hp.avail = avail < hp.end ? avail : hp.end;
	hp.off = 4;
	r = parse_fixed(&hp);
	if (r == RD_OK && hp.off < hp.end)
		r = parse_exts(&hp);
	return hello_status(&hp, r);
}

enum tls_status
tls_parse_handshake(const uint8_t *buf, size_t len, struct tls_hello *out)
{
	memset(out, 0, sizeof(*out));
	return parse_hello(buf, len, out);
}

/* Check a record header at buf (5 bytes available). */
static enum tls_status
record_check(const uint8_t *buf, size_t *rlen)
{
	if (buf[0] != TLS_CT_HANDSHAKE || buf[1] != 3)
		return TLS_NOT_TLS;
	*rlen = rd16(buf + 3);
	/* an empty handshake record is legal on the wire (OpenSSL reads on
	 * past it): it carries nothing, gather() steps over it */
	if (*rlen > TLS_RECORD_MAX)
		return TLS_MALFORMED;
	return TLS_NAME;	/* i.e. fine */
}

/* Join the handshake fragments of consecutive records into scratch, until
 * the message is complete, the bytes end or the scratch is full. */
static enum tls_status
gather(const uint8_t *buf, size_t len, uint8_t *scratch, size_t ssize,
    size_t *n, bool *full)
{
	size_t pos = 0, rlen, frag, take, want = SIZE_MAX;
	enum tls_status s;

	*n = 0;
	*full = false;
	while (len - pos >= 5) {
		if ((s = record_check(buf + pos, &rlen)) != TLS_NAME)
			return pos == 0 ? s : TLS_MALFORMED;
		frag = MIN(rlen, len - pos - 5);
		take = MIN(frag, ssize - *n);
		memcpy(scratch + *n, buf + pos + 5, take);
		*n += take;
		if (want == SIZE_MAX && *n >= 4)
			want = 4 + (size_t)rd24(scratch + 1);
		if (*n >= want)
			break;
		if (take < frag) {
			*full = true;
			break;
		}
		pos += 5 + frag;
		if (frag < rlen)
			break;
	}
	return TLS_NEED_MORE;
}

enum tls_status
tls_parse_stream(const uint8_t *buf, size_t len, uint8_t *scratch,
    size_t scratch_size, struct tls_hello *out)
{
	enum tls_status s;
	size_t rlen, avail, n;
	bool full;

	memset(out, 0, sizeof(*out));
	if (len >= 1 && buf[0] != TLS_CT_HANDSHAKE)
		return TLS_NOT_TLS;
	if (len >= 2 && buf[1] != 3)
		return TLS_NOT_TLS;
	if (len < 5)
		return TLS_NEED_MORE;
	if ((s = record_check(buf, &rlen)) != TLS_NAME)
		return s;
	avail = MIN(rlen, len - 5);
	/* The common case: the whole ClientHello in the first record. */
	if (rlen >= 4 && (avail < 4 || 4 + (size_t)rd24(buf + 5 + 1) <= rlen))
		return parse_hello(buf + 5, avail, out);
	if ((s = gather(buf, len, scratch, scratch_size, &n, &full)) !=
	    TLS_NEED_MORE)
		return s;
	s = parse_hello(scratch, n, out);
	if (s == TLS_NEED_MORE && full) {
		out->flags |= TLS_F_TOO_BIG;
		return TLS_NO_NAME;
	}
	return s;
}

const char *
tls_status_name(enum tls_status s)
{
	switch (s) {
	case TLS_NEED_MORE:
		return "need-more";
	case TLS_NAME:
		return "name";
	case TLS_NO_NAME:
		return "no-name";
	case TLS_NOT_TLS:
		return "not-tls";
	case TLS_MALFORMED:
		return "malformed";
	}
	return "?";
}
