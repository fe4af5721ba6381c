/* idna.c - Unicode names to A-labels with a bounded cost; see idna.h. */
#include <idn2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/idna.h"

#define LABEL_MAX 63

static _Thread_local int last_step;

int
idna_last_step(void)
{
	return last_step;
}

/* --- UTF-8 ----------------------------------------------------------- */

/* Decode one code point of s[0..len); returns its length in bytes, or 0
 * if the bytes are not well-formed UTF-8 (overlong forms, surrogates and
 * values above U+10FFFF included). */
static size_t
utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* --- the fast path's characters --------------------------------------- */

/* The UTS#46 mapping of a character of the fast set (a lowercase letter,
 * itself or the lowercase of a capital), or 0 outside the set. Every
 * result is PVALID in IDNA2008 and NFC-stable, and the set holds no
 * combining mark, joiner, right-to-left or contextual character, so no
 * rule beyond the hyphen rules applies to a label made of them. */
static uint32_t
fast_fold(uint32_t c)
{
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;		/* Latin-1 capitals */
	if (c >= 0xdf && c <= 0xff && c != 0xf7)
		return c;			/* Latin-1 small letters, sharp s */
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 0x20;		/* Greek capitals */
	if (c >= 0x3b1 && c <= 0x3c9)
		return c;			/* Greek small letters, final sigma */
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;		/* Cyrillic capitals with marks */
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;		/* Cyrillic capitals */
	if (c >= 0x430 && c <= 0x45f)
		return c;			/* Cyrillic small letters */
	return 0;
}

/* --- punycode (RFC 3492 section 6.3) ------------------------------------ */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700,
	PC_BIAS = 72, PC_N = 128 };

static uint32_t
pc_adapt(uint32_t delta, uint32_t npoints, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / npoints;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char
pc_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

struct lbuf {
	char *p;
	size_t len, cap;
};

static bool
lb_put(struct lbuf *b, char c)
{
	if (b->len >= b->cap)
		return false;
	b->p[b->len++] = c;
	return true;
}

/* Write the variable-length integer q (one delta) at bias. */
static bool
pc_put_delta(struct lbuf *b, uint32_t q, uint32_t bias)
{
	for (uint32_t k = PC_BASE;; k += PC_BASE) {
		uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX :
		    k - bias;
		if (q < t)
			break;
		if (!lb_put(b, pc_digit(t + (q - t) % (PC_BASE - t))))
			return false;
		q = (q - t) / (PC_BASE - t);
	}
	return lb_put(b, pc_digit(q));
}

/* "xn--" and the punycode of cp[0..n) (n <= LABEL_MAX, so no delta can
 * overflow: at most 0x10ffff * 64). False when it exceeds b's cap. */
static bool
punycode_label(const uint32_t *cp, size_t n, struct lbuf *b)
{
	uint32_t next = PC_N, delta = 0, bias = PC_BIAS, h, basic = 0;

	for (const char *x = "xn--"; *x != '\0'; x++)
		if (!lb_put(b, *x))
			return false;
	for (size_t i = 0; i < n; i++)
		if (cp[i] < 0x80 && (basic++, !lb_put(b, (char)cp[i])))
			return false;
	if (basic > 0 && !lb_put(b, '-'))
		return false;
	for (h = basic; h < n; next++, delta++) {
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < n; i++)
			if (cp[i] >= next && cp[i] < m)
				m = cp[i];
		delta += (m - next) * (h + 1);
		next = m;
		for (size_t i = 0; i < n; i++) {
			if (cp[i] < next)
				delta++;
			if (cp[i] != next)
				continue;
			if (!pc_put_delta(b, delta, bias))
				return false;
			bias = pc_adapt(delta, h + 1, h == basic);
			delta = 0;
			h++;
		}
	}
	return true;
}

/* --- one label, one name ------------------------------------------------ */

enum step { ST_REFUSED = 1, ST_FAST = 2, ST_CACHE = 3, ST_LIB = 4,
	ST_BUDGET = 5 };

/* Outcome of a label: done (written), refused (the whole name cannot be
 * converted), or slow (leave the whole name to libidn2). */
enum lres { L_DONE, L_REFUSED, L_SLOW };

/* IDNA2008 hyphen rules (RFC 5891 4.2.3.1) for a label of cp[0..n). */
static bool
hyphens_ok(const uint32_t *cp, size_t n)
{
	if (n > 0 && (cp[0] == '-' || cp[n - 1] == '-'))
		return false;
	return !(n >= 4 && cp[2] == '-' && cp[3] == '-');
}

/* Step 1: well-formed UTF-8, at most 63 characters per label. */
static bool
name_bounded(const uint8_t *s, size_t len)
{
	size_t chars = 0, k;
	uint32_t c;

	for (size_t i = 0; i < len; i += k) {
		if ((k = utf8_next(s + i, len - i, &c)) == 0)
			return false;
		if (c == '.')
			chars = 0;
		else if (++chars > LABEL_MAX)
			return false;
	}
	return true;
}

/* One label of a name that passed name_bounded(). */
static enum lres
label_convert(const uint8_t *s, size_t len, struct lbuf *b)
{
	uint32_t cp[LABEL_MAX];
	size_t n = 0, k;
	bool ascii = true, deviation = false;

	for (size_t i = 0; i < len && n < LABEL_MAX; i += k) {
		uint32_t c;
		k = utf8_next(s + i, len - i, &c);
		if (c >= 'A' && c <= 'Z')
			c += 32;
		else if (c >= 0x80) {
			uint32_t f = fast_fold(c);
			if (f == 0)
				return L_SLOW;
			c = f;
			ascii = false;
			/* sharp s and final sigma: libidn2 retries a refused
			 * name with them mapped (transitional), so a refusal
			 * of such a label is the library's to make */
			deviation |= c == 0xdf || c == 0x3c2;
		}
		cp[n++] = c;
	}
	if (ascii) {
		/* an A-label or another reserved "??--" form among U-labels:
		 * libidn2 checks it, not us; the other hyphen rules hold for
		 * every label of a name that has U-labels */
		if (n >= 4 && cp[2] == '-' && cp[3] == '-')
			return L_SLOW;
		if (!hyphens_ok(cp, n))
			return L_REFUSED;
		for (size_t i = 0; i < n; i++)
			if (!lb_put(b, (char)cp[i]))
				return L_REFUSED;
		return L_DONE;
	}
	if (hyphens_ok(cp, n) && punycode_label(cp, n, b))
		return L_DONE;
	return deviation ? L_SLOW : L_REFUSED;
}

/* Steps 1 and 2 of idna.h over the whole name. */
static enum lres
name_fast(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
	struct lbuf b = {out, 0, cap - 1};
	size_t start = 0;

	if (!name_bounded((const uint8_t *)in, len))
		return L_REFUSED;
	for (size_t i = 0; i <= len; i++) {
		enum lres r;
		if (i < len && in[i] != '.')
			continue;
		if (start > 0 && !lb_put(&b, '.'))
			return L_REFUSED;
		r = label_convert((const uint8_t *)in + start, i - start, &b);
		if (r != L_DONE)
			return r;
		start = i + 1;
	}
	out[b.len] = '\0';
	*outlen = b.len;
	return L_DONE;
}

/* --- step 3: the per-thread cache, then libidn2 ---------------------- */

struct cache_slot {
	uint16_t keylen;	/* 0: empty */
	int16_t result;		/* length of out, or -1 */
	char key[IDNA_CACHE_KEY_MAX];
	char out[256];
};

static _Thread_local struct cache_slot cache[IDNA_CACHE_SLOTS];

static uint32_t
fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int
name_lib(const char *in, size_t len, char *out, size_t cap)
{
	char buf[IDNA_INPUT_MAX + 1];
	char *ace = NULL;
	size_t n;
	int rc;

	memcpy(buf, in, len);
	buf[len] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)buf, (uint8_t **)&ace,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_lookup_u8((const uint8_t *)buf, (uint8_t **)&ace,
		    IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	if (rc != IDN2_OK)
		return -1;
	n = strlen(ace);
	if (n >= cap) {
		idn2_free(ace);
		return -1;
	}
	memcpy(out, ace, n + 1);
	idn2_free(ace);
	return (int)n;
}

/* The per-thread allowance of library calls for traffic: true while
 * fewer than IDNA_LIB_PER_SEC were made in the current second. */
static bool
lib_allowed(void)
{
	static _Thread_local time_t second;
	static _Thread_local unsigned used;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec != second) {
		second = ts.tv_sec;
		used = 0;
	}
	return used++ < IDNA_LIB_PER_SEC;
}

static int
name_cached(const char *in, size_t len, char *out, size_t cap, bool bounded)
{
	struct cache_slot *s = NULL;
	int n;

	if (len <= IDNA_CACHE_KEY_MAX && cap <= sizeof(s->out)) {
		s = &cache[fnv1a(in, len) % IDNA_CACHE_SLOTS];
		if (s->keylen == len && memcmp(s->key, in, len) == 0) {
			last_step = ST_CACHE;
			if (s->result >= 0)
				memcpy(out, s->out, (size_t)s->result + 1);
			return s->result;
		}
	}
	if (bounded && !lib_allowed()) {
		last_step = ST_BUDGET;
		return -1;
	}
	last_step = ST_LIB;
	n = name_lib(in, len, out, cap);
	if (s != NULL) {
		s->keylen = (uint16_t)len;
		memcpy(s->key, in, len);
		s->result = (int16_t)n;
		if (n >= 0)
			memcpy(s->out, out, (size_t)n + 1);
	}
	return n;
}

static int
convert(const char *in, size_t len, char *out, size_t cap, bool bounded)
{
	size_t n;

	last_step = ST_REFUSED;
	if (len == 0 || len > IDNA_INPUT_MAX || cap < 2)
		return -1;
	switch (name_fast(in, len, out, cap, &n)) {
	case L_DONE:
		last_step = ST_FAST;
		return (int)n;
	case L_REFUSED:
		return -1;
	case L_SLOW:
		break;
	}
	return name_cached(in, len, out, cap, bounded);
}

int
idna_to_ascii(const char *in, size_t len, char *out, size_t cap)
{
	return convert(in, len, out, cap, false);
}

int
idna_to_ascii_bounded(const char *in, size_t len, char *out, size_t cap)
{
	return convert(in, len, out, cap, true);
}
