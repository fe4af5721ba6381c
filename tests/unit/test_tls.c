/* test_tls.c - ClientHello server names: real ClientHellos captured from
 * openssl, curl and Chromium (tests/data/tls), the RFC 9001 ClientHello,
 * every split point of a stream, re-framing into small records, and
 * hand-built hellos for names, flags and malformations. */
#include "unit.h"

#include <ctype.h>

#include "engine/tls.h"
#include "core/util.h"

#define FILE_MAX 65536

struct blob {
	uint8_t b[FILE_MAX];
	size_t n;
};

static void
load(const char *name, struct blob *out)
{
	FILE *f = fopen(unit_data(name), "rb");

	if (f == NULL)
		fail_msg("cannot open %s", unit_data(name));
	out->n = fread(out->b, 1, sizeof(out->b), f);
	fclose(f);
	assert_true(out->n > 0 && out->n < sizeof(out->b));
}

/* A hex file: '#' lines are comments, whitespace is ignored. */
static void
load_hex(const char *name, struct blob *out)
{
	char line[256];
	FILE *f = fopen(unit_data(name), "r");
	unsigned v;
	char *p;

	if (f == NULL)
		fail_msg("cannot open %s", unit_data(name));
	out->n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		for (p = line; *p != '\0'; p++) {
			if (*p == ' ' || *p == '\n')
				continue;
			assert_true(isxdigit((unsigned char)p[0]) &&
			    isxdigit((unsigned char)p[1]));
			v = (unsigned)strtoul((char[3]){ p[0], p[1], 0 }, NULL, 16);
			out->b[out->n++] = (uint8_t)v;
			p++;
		}
	}
	fclose(f);
}

static void
assert_name(const struct tls_hello *h, const char *name)
{
	assert_non_null(h->name);
	if (h->name_len != strlen(name) || memcmp(h->name, name,
	    h->name_len) != 0)
		fail_msg("name \"%.*s\", want \"%s\"", (int)h->name_len,
		    (const char *)h->name, name);
}

static uint8_t scratch[TLS_SCRATCH_MAX];

/* --- real bytes ---------------------------------------------------- */

struct capture {
	const char *file;
	enum tls_status status;
	const char *name;
	uint32_t set;		/* flags that must be set */
	uint32_t clear;		/* flags that must be clear */
	size_t min_len;		/* ClientHello at least this long */
};

static const struct capture captures[] = {
	{ "tls/openssl_tls13.bin", TLS_NAME, "openssl.example.com",
	    TLS_F_COMPLETE, TLS_F_ECH | TLS_F_NO_SNI | TLS_F_MULTI_NAME, 200 },
	{ "tls/openssl_tls12.bin", TLS_NAME, "tls12.example.com",
	    TLS_F_COMPLETE, TLS_F_ECH | TLS_F_NO_SNI, 150 },
	{ "tls/openssl_nosni.bin", TLS_NO_NAME, NULL,
	    TLS_F_COMPLETE | TLS_F_NO_SNI, TLS_F_ECH | TLS_F_BAD_NAME, 200 },
	{ "tls/curl.bin", TLS_NAME, "curl.example.org",
	    TLS_F_COMPLETE, TLS_F_ECH | TLS_F_NO_SNI, 500 },
	/* Chromium: X25519MLKEM768 key share (~1.2 KB more), GREASE ECH. */
	{ "tls/chromium_1.bin", TLS_NAME, "chromium.example.net",
	    TLS_F_COMPLETE | TLS_F_ECH, TLS_F_NO_SNI | TLS_F_MULTI_NAME, 1700 },
	{ "tls/chromium_2.bin", TLS_NAME, "chromium.example.net",
	    TLS_F_COMPLETE | TLS_F_ECH, TLS_F_NO_SNI | TLS_F_MULTI_NAME, 1700 },
};

static void
check_capture(const struct capture *c, const uint8_t *buf, size_t len,
    enum tls_status s, const struct tls_hello *h)
{
	if (s != c->status)
		fail_msg("%s: status %s, want %s", c->file, tls_status_name(s),
		    tls_status_name(c->status));
	if (c->name != NULL)
		assert_name(h, c->name);
	else
		assert_null(h->name);
	if ((h->flags & c->set) != c->set || (h->flags & c->clear) != 0)
		fail_msg("%s: flags %#x", c->file, h->flags);
	assert_int_equal(h->version, 0x0303);
	assert_true(h->hello_len >= c->min_len);
	assert_int_equal(h->hello_len + 9, len);	/* one record */
	(void)buf;
}

static void
test_captures(void **state)
{
	struct blob b;
	struct tls_hello h;
	enum tls_status s;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(captures); i++) {
		load(captures[i].file, &b);
		s = tls_parse_stream(b.b, b.n, scratch, sizeof(scratch), &h);
		check_capture(&captures[i], b.b, b.n, s, &h);
		/* The name points into the caller's bytes (one record). */
		if (h.name != NULL)
			assert_true(h.name > b.b && h.name < b.b + b.n);
		/* Without the record layer, the same answer. */
		s = tls_parse_handshake(b.b + 5, b.n - 5, &h);
		check_capture(&captures[i], b.b, b.n, s, &h);
	}
}

/* Where the name's last byte is in buf, found by its bytes. */
static size_t
name_end(const uint8_t *buf, size_t len, const char *name)
{
	const uint8_t *p = memmem(buf, len, name, strlen(name));

	assert_non_null(p);
	assert_null(memmem(p + 1, len - (size_t)(p + 1 - buf), name,
	    strlen(name)));
	return (size_t)(p - buf) + strlen(name);
}

/* Every prefix of a stream: need-more until the name is complete, then
 * the name (or, without a name, need-more until the end). */
static void
check_prefixes(const struct capture *c, const uint8_t *buf, size_t len,
    size_t done)
{
	struct tls_hello h;
	enum tls_status s;
	size_t k;

	for (k = 0; k <= len; k++) {
		s = tls_parse_stream(buf, k, scratch, sizeof(scratch), &h);
		if (k < done) {
			if (s != TLS_NEED_MORE)
				fail_msg("%s: prefix %zu of %zu (name ends at "
				    "%zu): %s", c->file, k, len, done,
				    tls_status_name(s));
			assert_null(h.name);
			continue;
		}
		if (s != c->status)
			fail_msg("%s: prefix %zu: %s", c->file, k,
			    tls_status_name(s));
		if (c->name != NULL)
			assert_name(&h, c->name);
		/* Complete only once the whole message is there (the
		 * streams hold the ClientHello and nothing else). */
		assert_int_equal(!!(h.flags & TLS_F_COMPLETE), k == len);
	}
}

static void
test_split_every_offset(void **state)
{
	struct blob b;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(captures); i++) {
		load(captures[i].file, &b);
		check_prefixes(&captures[i], b.b, b.n, captures[i].name ?
		    name_end(b.b, b.n, captures[i].name) : b.n);
	}
}

/* Re-frame the handshake message hs into records of at most frag bytes. */
static size_t
reframe(const uint8_t *hs, size_t n, size_t frag, uint8_t *out, size_t cap)
{
	size_t off = 0, o = 0, l;

	while (off < n) {
		l = MIN(frag, n - off);
		assert_true(o + 5 + l <= cap);
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(l >> 8);
		out[o++] = (uint8_t)l;
		memcpy(out + o, hs + off, l);
		o += l;
		off += l;
	}
	return o;
}

/* Where byte off of the handshake message went in a re-framed stream. */
static size_t
reframed_pos(size_t off, size_t frag)
{
	return off / frag * (frag + 5) + 5 + off % frag;
}

static void
test_small_records(void **state)
{
	static const size_t frags[] = { 1, 2, 3, 4, 5, 7, 16, 100, 255, 512,
	    1000 };
	static uint8_t stream[FILE_MAX * 4];
	struct blob b;
	struct capture c;
	struct tls_hello h;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(captures); i++) {
		load(captures[i].file, &b);
		c = captures[i];
		for (j = 0; j < ARRAY_LEN(frags); j++) {
			n = reframe(b.b + 5, b.n - 5, frags[j], stream,
			    sizeof(stream));
			assert_int_equal(tls_parse_stream(stream, n, scratch,
			    sizeof(scratch), &h), c.status);
			if (c.name != NULL) {
				assert_name(&h, c.name);
				/* Joined in the scratch when split. */
				if (frags[j] < b.n - 5)
					assert_true(h.name >= scratch &&
					    h.name < scratch + sizeof(scratch));
			}
			/* Every prefix of the re-framed stream, the name
			 * ending where its last byte went (skip the slow
			 * 1- and 2-byte records). */
			if (frags[j] >= 3)
				check_prefixes(&c, stream, n, c.name == NULL ?
				    n : reframed_pos(name_end(b.b + 5, b.n - 5,
				    c.name) - 1, frags[j]) + 1);
		}
	}
}

static void
test_scratch_bound(void **state)
{
	static uint8_t stream[FILE_MAX];
	struct blob b;
	struct tls_hello h;
	size_t n, end;
	uint8_t small[64];

	(void)state;
	load("tls/chromium_1.bin", &b);
	n = reframe(b.b + 5, b.n - 5, 1000, stream, sizeof(stream));
	/* The name beyond the scratch bound: given up, flagged. */
	end = name_end(b.b + 5, b.n - 5, "chromium.example.net");
	if (end > sizeof(small)) {
		assert_int_equal(tls_parse_stream(stream, n, small,
		    sizeof(small), &h), TLS_NO_NAME);
		assert_true(h.flags & TLS_F_TOO_BIG);
		assert_null(h.name);
	}
	/* A name within the bound is still found. */
	assert_int_equal(tls_parse_stream(stream, n, scratch, end, &h),
	    TLS_NAME);
	assert_name(&h, "chromium.example.net");
}

static void
test_rfc9001_hello(void **state)
{
	struct blob b;
	struct tls_hello h;

	(void)state;
	/* The CRYPTO frame: type 06, offset 00, length 40f1, then the
	 * ClientHello of 4 + 0xed bytes. */
	load_hex("quic/rfc9001_a2_crypto_frame.hex", &b);
	assert_int_equal(b.n, 245);
	assert_int_equal(tls_parse_handshake(b.b + 4, b.n - 4, &h), TLS_NAME);
	assert_name(&h, "example.com");
	assert_int_equal(h.hello_len, 0xed);
	assert_true(h.flags & TLS_F_QUIC_TP);
	assert_true(h.flags & TLS_F_COMPLETE);
	assert_false(h.flags & TLS_F_ECH);
	assert_int_equal(h.nexts, 11);
}

/* --- hand-built hellos --------------------------------------------- */

struct hb {
	uint8_t b[8192];
	size_t n;
};

static void
put(struct hb *h, const void *p, size_t n)
{
	assert_true(h->n + n <= sizeof(h->b));
	memcpy(h->b + h->n, p, n);
	h->n += n;
}

static void
put8(struct hb *h, unsigned v)
{
	uint8_t c = (uint8_t)v;

	put(h, &c, 1);
}

static void
put16(struct hb *h, unsigned v)
{
	put8(h, v >> 8);
	put8(h, v);
}

static void
set16(struct hb *h, size_t at, size_t v)
{
	h->b[at] = (uint8_t)(v >> 8);
	h->b[at + 1] = (uint8_t)v;
}

/* An extension of type with a server_name list of the given names
 * (name type 0), or of other contents. */
static void
ext_sni(struct hb *h, const char *const *names, size_t n)
{
	size_t at, i;

	put16(h, 0);
	at = h->n;
	put16(h, 0);
	put16(h, 0);
	for (i = 0; i < n; i++) {
		put8(h, 0);
		put16(h, (unsigned)strlen(names[i]));
		put(h, names[i], strlen(names[i]));
	}
	set16(h, at, h->n - at - 2);
	set16(h, at + 2, h->n - at - 4);
}

static void
ext_raw(struct hb *h, unsigned type, size_t len, uint8_t fill)
{
	size_t i;

	put16(h, type);
	put16(h, (unsigned)len);
	for (i = 0; i < len; i++)
		put8(h, fill);
}

/* Wrap extension bytes into a ClientHello handshake message. */
static void
hello(struct hb *out, const struct hb *exts)
{
	size_t i;

	out->n = 0;
	put8(out, 1);
	put8(out, 0);
	put16(out, 0);
	put16(out, 0x0303);
	for (i = 0; i < 32; i++)
		put8(out, 0x42);
	put8(out, 32);
	for (i = 0; i < 32; i++)
		put8(out, 0x17);
	put16(out, 4);
	put16(out, 0x1301);
	put16(out, 0x1302);
	put8(out, 1);
	put8(out, 0);
	if (exts != NULL) {
		put16(out, (unsigned)exts->n);
		put(out, exts->b, exts->n);
	}
	out->b[1] = (uint8_t)((out->n - 4) >> 16);
	set16(out, 2, out->n - 4);
}

static enum tls_status
parse_one(const char *name, struct tls_hello *h)
{
	struct hb e = { .n = 0 }, m;
	const char *names[1] = { name };

	ext_raw(&e, 0x000a, 4, 0x1d);
	ext_sni(&e, names, 1);
	ext_raw(&e, 0x002b, 3, 0x03);
	hello(&m, &e);
	return tls_parse_handshake(m.b, m.n, h);
}

static void
test_names(void **state)
{
	static const struct {
		const char *name;
		enum tls_status s;
		uint32_t flags;
	} cases[] = {
		{ "example.com", TLS_NAME, 0 },
		{ "Example.COM", TLS_NAME, 0 },		/* kept as sent */
		{ "example.com.", TLS_NAME, 0 },	/* caller strips */
		{ "a", TLS_NAME, 0 },
		{ "_dmarc.x-y.example", TLS_NAME, 0 },
		{ "xn--bcher-kva.example", TLS_NAME, 0 },
		{ "1.2.3.example", TLS_NAME, 0 },
		{ "192.0.2.1", TLS_NO_NAME, TLS_F_IP_LITERAL },
		{ "3221225985", TLS_NO_NAME, TLS_F_IP_LITERAL },
		{ "2001:db8::1", TLS_NO_NAME, TLS_F_IP_LITERAL },
		{ "[2001:db8::1]", TLS_NO_NAME, TLS_F_IP_LITERAL },
		{ "", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ ".", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ "a..b", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ ".example.com", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ "example.com..", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ "exa mple.com", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ "example.com/x", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ "b\xc3\xbc" "cher.example", TLS_NO_NAME, TLS_F_BAD_NAME },
		{ "host:443", TLS_NO_NAME, TLS_F_BAD_NAME },
	};
	struct tls_hello h;
	char label[80], longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		if (parse_one(cases[i].name, &h) != cases[i].s)
			fail_msg("\"%s\": %s", cases[i].name,
			    tls_status_name(parse_one(cases[i].name, &h)));
		assert_int_equal(h.flags & (TLS_F_BAD_NAME | TLS_F_IP_LITERAL),
		    cases[i].flags);
		/* The name is reported even when not usable. */
		assert_name(&h, cases[i].name);
	}
	/* Labels of 63 and 64 bytes. */
	memset(label, 'a', 63);
	snprintf(label + 63, sizeof(label) - 63, ".example");
	assert_int_equal(parse_one(label, &h), TLS_NAME);
	memset(label, 'a', 64);
	snprintf(label + 64, sizeof(label) - 64, ".example");
	assert_int_equal(parse_one(label, &h), TLS_NO_NAME);
	assert_true(h.flags & TLS_F_BAD_NAME);
	/* 253 bytes, 254 bytes. */
	for (i = 0; i < 252; i += 2)
		memcpy(longname + i, "a.", 2);
	longname[252] = 'b';
	longname[253] = '\0';
	assert_int_equal(parse_one(longname, &h), TLS_NAME);
	longname[253] = 'c';
	longname[254] = '\0';
	assert_int_equal(parse_one(longname, &h), TLS_NO_NAME);
	assert_true(h.flags & TLS_F_BAD_NAME);
}

static void
test_multi_and_ech(void **state)
{
	const char *two[2] = { "first.example", "second.example" };
	const char *one[1] = { "other.example" };
	struct hb e = { .n = 0 }, m;
	struct tls_hello h;
	size_t at;

	(void)state;
	ext_sni(&e, two, 2);
	hello(&m, &e);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NAME);
	assert_name(&h, "first.example");
	assert_true(h.flags & TLS_F_MULTI_NAME);

	/* Two server_name extensions. */
	e.n = 0;
	ext_sni(&e, two, 1);
	ext_sni(&e, one, 1);
	hello(&m, &e);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NAME);
	assert_name(&h, "first.example");
	assert_true(h.flags & TLS_F_MULTI_NAME);

	/* ECH after the name, in the same bytes: noticed. */
	e.n = 0;
	ext_sni(&e, one, 1);
	at = e.n;
	ext_raw(&e, 0xfe0d, 200, 0xaa);
	hello(&m, &e);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NAME);
	assert_true(h.flags & TLS_F_ECH);
	assert_true(h.flags & TLS_F_COMPLETE);
	/* ... not yet there: the name is decided without it. */
	assert_int_equal(tls_parse_handshake(m.b, m.n - e.n + at, &h),
	    TLS_NAME);
	assert_name(&h, "other.example");
	assert_false(h.flags & (TLS_F_ECH | TLS_F_COMPLETE));
	/* ... its header there but not its body: noticed. */
	assert_int_equal(tls_parse_handshake(m.b, m.n - e.n + at + 4, &h),
	    TLS_NAME);
	assert_true(h.flags & TLS_F_ECH);

	/* ECH alone (no outer name): no name, both flags. */
	e.n = 0;
	ext_raw(&e, 0xfe0d, 100, 0xaa);
	hello(&m, &e);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NO_NAME);
	assert_true(h.flags & TLS_F_ECH);
	assert_true(h.flags & TLS_F_NO_SNI);

	/* A server_name list without a host_name entry. */
	e.n = 0;
	put16(&e, 0);
	put16(&e, 7);
	put16(&e, 5);
	put8(&e, 7);
	put16(&e, 2);
	put16(&e, 0x4142);
	hello(&m, &e);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NO_NAME);
	assert_true(h.flags & TLS_F_BAD_NAME);
	assert_null(h.name);
}

/* The name after a large extension: need-more up to the name's end,
 * whatever the extension order. */
static void
test_name_late(void **state)
{
	const char *one[1] = { "late.example" };
	struct hb e = { .n = 0 }, m;
	struct tls_hello h;
	size_t k, end;

	(void)state;
	ext_raw(&e, 0x0015, 3000, 0);		/* padding */
	ext_raw(&e, 0x0a0a, 0, 0);		/* GREASE, empty */
	ext_sni(&e, one, 1);
	ext_raw(&e, 0x0033, 1200, 0x55);	/* a big key share */
	hello(&m, &e);
	end = name_end(m.b, m.n, "late.example");
	for (k = 0; k < m.n; k++) {
		enum tls_status s = tls_parse_handshake(m.b, k, &h);

		assert_int_equal(s, k < end ? TLS_NEED_MORE : TLS_NAME);
	}
	assert_int_equal(h.nexts, 3);
	/* No extensions at all (an old-style hello). */
	hello(&m, NULL);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NO_NAME);
	assert_true(h.flags & TLS_F_NO_SNI);
	assert_int_equal(tls_parse_handshake(m.b, m.n - 1, &h), TLS_NEED_MORE);
}

static void
test_not_tls(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum tls_status s;
	} cases[] = {
		{ "", 0, TLS_NEED_MORE },
		{ "\x16", 1, TLS_NEED_MORE },
		{ "\x16\x03", 2, TLS_NEED_MORE },
		{ "\x16\x03\x01\x00", 4, TLS_NEED_MORE },
		{ "GET / HTTP/1.1\r\n", 16, TLS_NOT_TLS },
		{ "G", 1, TLS_NOT_TLS },
		{ "SSH-2.0-OpenSSH_9.2\r\n", 21, TLS_NOT_TLS },
		{ "\x16\x02", 2, TLS_NOT_TLS },
		{ "\x16\xfe\xfd", 3, TLS_NOT_TLS },		/* DTLS */
		{ "\x17\x03\x03\x00\x10", 5, TLS_NOT_TLS },	/* app data */
		{ "\x80\x2e\x01\x00\x02", 5, TLS_NOT_TLS },	/* SSLv2 hello */
		{ "\x16\x03\x01\x00\x00", 5, TLS_NEED_MORE },	/* empty */
		{ "\x16\x03\x01\x48\x01", 5, TLS_MALFORMED },	/* too long */
		{ "\x16\x03\x01\x00\x04\x02", 6, TLS_MALFORMED },/* ServerHello */
		{ "\x16\x03\x01\x00\x04\x01", 6, TLS_NEED_MORE },
		{ "\x16\x03\x01\x00\x08\x01\x00\x00\x04", 9, TLS_MALFORMED },
	};
	struct tls_hello h;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		enum tls_status s = tls_parse_stream(
		    (const uint8_t *)cases[i].bytes, cases[i].len, scratch,
		    sizeof(scratch), &h);

		if (s != cases[i].s)
			fail_msg("case %zu: %s, want %s", i, tls_status_name(s),
			    tls_status_name(cases[i].s));
	}
}

/* Flip one length at a time in a good hello: each must be malformed. */
static void
test_malformed(void **state)
{
	const char *one[1] = { "m.example" };
	struct hb e = { .n = 0 }, m, bad;
	struct tls_hello h;
	static uint8_t stream[16384];
	size_t n, sni_at;

	(void)state;
	ext_raw(&e, 0x000a, 4, 0x1d);
	sni_at = e.n;
	ext_sni(&e, one, 1);
	ext_raw(&e, 0x002b, 3, 0x03);
	hello(&m, &e);
	assert_int_equal(tls_parse_handshake(m.b, m.n, &h), TLS_NAME);

#define MUTATE(at, val) do {						\
	bad = m;							\
	bad.b[(at)] = (uint8_t)(val);					\
	if (tls_parse_handshake(bad.b, bad.n, &h) != TLS_MALFORMED)	\
		fail_msg("byte %zu = %#x: %s", (size_t)(at), (unsigned)(val),\
		    tls_status_name(tls_parse_handshake(bad.b, bad.n, &h)));\
} while (0)

	MUTATE(0, 2);				/* not a ClientHello */
	MUTATE(4, 2);				/* legacy version 2.x */
	MUTATE(38, 33);				/* session id > 32 */
	MUTATE(4 + 2 + 32 + 1 + 32 + 1, 3);	/* odd suites length */
	MUTATE(4 + 2 + 32 + 1 + 32 + 1, 0);	/* no suites */
	MUTATE(4 + 2 + 32 + 1 + 32 + 6, 0);	/* no compression */
	MUTATE(4 + 2 + 32 + 1 + 32 + 8, 0x10);	/* extensions length */
	MUTATE(4 + 2 + 32 + 1 + 32 + 8 + 1, 0);	/* extensions length */
	n = 4 + 2 + 32 + 1 + 32 + 8 + 2;	/* first extension */
	MUTATE(n + 3, 0xff);			/* its length past the end */
	MUTATE(n + sni_at + 3, 0x20);		/* server_name length */
	MUTATE(n + sni_at + 5, 0x20);		/* server_name list length */
	MUTATE(n + sni_at + 8, 0x30);		/* host name length */
	MUTATE(3, m.b[3] - 1);			/* message length - 1 */
	MUTATE(3, m.b[3] + 1);			/* message length + 1 */
	MUTATE(3, 0x10);			/* shorter than any hello */
#undef MUTATE
	/* Message too short to be a ClientHello. */
	bad = m;
	bad.b[1] = 0;
	set16(&bad, 2, 20);
	assert_int_equal(tls_parse_handshake(bad.b, bad.n, &h), TLS_MALFORMED);

	/* An alert record between two handshake fragments. */
	n = reframe(m.b, m.n, 50, stream, sizeof(stream));
	stream[55] = 21;
	assert_int_equal(tls_parse_stream(stream, n, scratch, sizeof(scratch),
	    &h), TLS_MALFORMED);
	/* A second record of another version major. */
	n = reframe(m.b, m.n, 50, stream, sizeof(stream));
	stream[56] = 2;
	assert_int_equal(tls_parse_stream(stream, n, scratch, sizeof(scratch),
	    &h), TLS_MALFORMED);
	/* Records after the complete hello (an alert) are not looked at. */
	n = reframe(m.b, m.n, 50, stream, sizeof(stream));
	memcpy(stream + n, "\x15\x03\x03\x00\x02\x02\x28", 7);
	assert_int_equal(tls_parse_stream(stream, n + 7, scratch,
	    sizeof(scratch), &h), TLS_NAME);
	assert_true(h.flags & TLS_F_COMPLETE);
}

/* An empty handshake record is legal TLS (OpenSSL reads on past it): the
 * hello after it is parsed, never malformed; the twin without it too. */
static void
test_empty_record(void **state)
{
	static uint8_t stream[FILE_MAX + 10];
	struct blob b;
	struct tls_hello h;

	(void)state;
	load("tls/openssl_tls13.bin", &b);
	memcpy(stream, "\x16\x03\x01\x00\x00", 5);
	memcpy(stream + 5, b.b, b.n);
	assert_int_equal(tls_parse_stream(stream, 5, scratch, sizeof(scratch),
	    &h), TLS_NEED_MORE);
	assert_int_equal(tls_parse_stream(stream, b.n + 5, scratch,
	    sizeof(scratch), &h), TLS_NAME);
	assert_name(&h, "openssl.example.com");
	/* two empty records, one of them between the hello's fragments */
	memcpy(stream + 5, b.b, 5 + 40);
	stream[5 + 3] = 0;
	stream[5 + 4] = 40;
	memcpy(stream + 50, "\x16\x03\x01\x00\x00", 5);
	memcpy(stream + 55, "\x16\x03\x01", 3);
	stream[58] = (uint8_t)((b.n - 45) >> 8);
	stream[59] = (uint8_t)(b.n - 45);
	memcpy(stream + 60, b.b + 45, b.n - 45);
	assert_int_equal(tls_parse_stream(stream, 60 + b.n - 45, scratch,
	    sizeof(scratch), &h), TLS_NAME);
	assert_name(&h, "openssl.example.com");
	assert_int_equal(tls_parse_stream(b.b, b.n, scratch, sizeof(scratch),
	    &h), TLS_NAME);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_split_every_offset),
		cmocka_unit_test(test_small_records),
		cmocka_unit_test(test_scratch_bound),
		cmocka_unit_test(test_rfc9001_hello),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_multi_and_ech),
		cmocka_unit_test(test_name_late),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_empty_record),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
