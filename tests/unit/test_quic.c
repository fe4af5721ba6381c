/* test_quic.c - QUIC client Initials: the RFC 9001 and RFC 9369 vectors,
 * Initials captured from Chromium and ngtcp2 (tests/data/quic), and packets
 * this test protects itself (protect() below, checked against the RFC
 * packets byte for byte) for v2, ClientHellos split over two Initials,
 * out-of-order frames, coalesced packets, every frame type and damage. */
#include "unit.h"

#include <ctype.h>
#include <stdbool.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "engine/quic.h"
#include "engine/tls.h"
#include "core/util.h"

#include "quic_build.h"

#define FILE_MAX 65536

struct blob {
	uint8_t b[FILE_MAX];
	size_t n;
};

static uint8_t plain[FILE_MAX];
static uint8_t work[FILE_MAX + TLS_SCRATCH_MAX];


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

/* Hex from a string or a file: '#' lines are comments, spaces ignored. */
static size_t
hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			continue;
		assert_true(isxdigit((unsigned char)s[0]) &&
		    isxdigit((unsigned char)s[1]) && n < cap);
		out[n++] = (uint8_t)strtoul((char[3]){ s[0], s[1], 0 }, NULL,
		    16);
		s++;
	}
	return n;
}

static void
load_hex(const char *name, struct blob *out)
{
	char line[256];
	FILE *f = fopen(unit_data(name), "r");

	if (f == NULL)
		fail_msg("cannot open %s", unit_data(name));
	out->n = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != '#')
			out->n += hex(line, out->b + out->n,
			    sizeof(out->b) - out->n);
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

/* --- collecting CRYPTO frames -------------------------------------- */

struct frame {
	uint64_t off;
	size_t len;
	const uint8_t *data;
};

/* CRYPTO frames as delivered, and reassembled by offset. */
struct reasm {
	struct frame f[256];
	size_t nf;
	uint8_t buf[TLS_SCRATCH_MAX];
	bool have[TLS_SCRATCH_MAX];
	int stop_after;		/* ask to stop after this many (0: never) */
};

static int
collect(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	struct reasm *r = arg;
	size_t i;

	assert_true(r->nf < ARRAY_LEN(r->f));
	r->f[r->nf].off = off;
	r->f[r->nf].len = len;
	r->f[r->nf++].data = data;
	for (i = 0; i < len && off + i < sizeof(r->buf); i++) {
		r->buf[off + i] = data[i];
		r->have[off + i] = true;
	}
	return r->stop_after != 0 && (int)r->nf >= r->stop_after;
}

static size_t
reasm_prefix(const struct reasm *r)
{
	size_t n = 0;

	while (n < sizeof(r->have) && r->have[n])
		n++;
	return n;
}

/* --- RFC vectors ---------------------------------------------------- */

static void
check_keys(uint32_t version, const char *key, const char *iv,
    const char *hp)
{
	struct quic_keys k;
	uint8_t want[16];

	memset(&k, 0, sizeof(k));
	assert_int_equal(quic_keys_derive(qc, version, rfc_dcid, 8, &k), 0);
	assert_true(k.set);
	assert_int_equal(k.version, version);
	assert_int_equal(hex(key, want, 16), 16);
	assert_memory_equal(k.key, want, 16);
	assert_int_equal(hex(iv, want, 12), 12);
	assert_memory_equal(k.iv, want, 12);
	assert_int_equal(hex(hp, want, 16), 16);
	assert_memory_equal(k.hp, want, 16);
	assert_int_equal(k.dcid_len, 8);
	assert_memory_equal(k.dcid, rfc_dcid, 8);
}

static void
test_rfc_keys(void **state)
{
	struct quic_keys k;

	(void)state;
	/* RFC 9001 A.1 */
	check_keys(QUIC_V1, "1f369613dd76d5467730efcbe3b1a22d",
	    "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
	/* RFC 9369 A.1 */
	check_keys(QUIC_V2, "8b1a0bc121284290a29e0971b5cd045d",
	    "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
	/* Unknown versions and long DCIDs have no keys. */
	assert_int_equal(quic_keys_derive(qc, 0xff00001d, rfc_dcid, 8, &k),
	    -1);
	assert_int_equal(quic_keys_derive(qc, QUIC_V1, work, 21, &k), -1);
}

static void
check_rfc_packet(const char *file, uint32_t version)
{
	struct blob pkt, cf;
	struct reasm *r = calloc(1, sizeof(*r));
	struct quic_info info;
	struct tls_hello h;
	enum tls_status ts;

	assert_non_null(r);
	load_hex(file, &pkt);
	assert_int_equal(pkt.n, 1200);
	load_hex("quic/rfc9001_a2_crypto_frame.hex", &cf);
	assert_true(quic_is_initial(pkt.b, pkt.n));
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), collect, r, &info), QUIC_OK);
	assert_int_equal(info.version, version);
	assert_int_equal(info.dcid_len, 8);
	assert_memory_equal(info.dcid, rfc_dcid, 8);
	assert_int_equal(info.pn, 2);
	assert_int_equal(info.initials, 1);
	assert_int_equal(info.crypto_frames, 1);
	assert_int_equal(info.flags, 0);
	/* The one CRYPTO frame: offset 0, the 241 bytes of the hello, at
	 * the start of the plaintext after its 4-byte frame header. */
	assert_int_equal(r->nf, 1);
	assert_int_equal(r->f[0].off, 0);
	assert_int_equal(r->f[0].len, 241);
	assert_memory_equal(r->f[0].data, cf.b + 4, 241);
	assert_ptr_equal(r->f[0].data, plain + 4);
	assert_memory_equal(plain, cf.b, cf.n);
	/* And the server name inside it. */
	assert_int_equal(quic_sni(qc, pkt.b, pkt.n, work, sizeof(work), &ts,
	    &h), QUIC_OK);
	assert_int_equal(ts, TLS_NAME);
	assert_name(&h, "example.com");
	assert_true(h.flags & TLS_F_QUIC_TP);
	free(r);
}

static void
test_rfc9001_client_initial(void **state)
{
	(void)state;
	check_rfc_packet("quic/rfc9001_a2_client_initial.hex", QUIC_V1);
}

static void
test_rfc9369_client_initial(void **state)
{
	(void)state;
	check_rfc_packet("quic/rfc9369_a2_client_initial.hex", QUIC_V2);
}

/* The test's protect() gives the RFC packets byte for byte, so the
 * packets it builds below are as real as the RFC's. */
static void
test_helper_matches_rfc(void **state)
{
	static const struct {
		uint32_t version;
		const char *file;
	} v[] = {
		{ QUIC_V1, "quic/rfc9001_a2_client_initial.hex" },
		{ QUIC_V2, "quic/rfc9369_a2_client_initial.hex" },
	};
	struct blob want, cf;
	struct fb f = { .n = 0 };
	uint8_t out[2048];
	size_t i;

	(void)state;
	load_hex("quic/rfc9001_a2_crypto_frame.hex", &cf);
	fb_put(&f, cf.b, cf.n);
	fb_pad(&f, 1162);
	for (i = 0; i < ARRAY_LEN(v); i++) {
		struct spec s = { .version = v[i].version, .type = P_INITIAL,
		    .dcid = rfc_dcid, .dcid_len = 8, .pn = 2, .pnlen = 4,
		    .payload = f.b, .payload_len = f.n };

		load_hex(v[i].file, &want);
		assert_int_equal(protect(&s, out), want.n);
		assert_memory_equal(out, want.b, want.n);
	}
}

static void
test_rfc9001_server_initial(void **state)
{
	struct blob pkt;
	struct quic_info info;

	(void)state;
	/* A server Initial is an Initial, but client keys do not open it. */
	load_hex("quic/rfc9001_a3_server_initial.hex", &pkt);
	assert_true(quic_is_initial(pkt.b, pkt.n));
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), NULL, NULL, &info), QUIC_UNDECRYPTABLE);
	assert_int_equal(info.initials, 0);
}

/* --- captured Initials ---------------------------------------------- */

static void
test_chrome(void **state)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct quic_keys keys = { .set = false };
	struct quic_info info;
	struct tls_hello h;
	struct blob d;
	enum tls_status ts;
	size_t i, out_of_order = 0;

	(void)state;
	assert_non_null(r);
	/* Datagram 1: half of the ClientHello, frames shuffled. */
	load("quic/chrome_quic1_1.bin", &d);
	assert_true(quic_is_initial(d.b, d.n));
	assert_int_equal(quic_sni(qc, d.b, d.n, work, sizeof(work), &ts, &h),
	    QUIC_OK);
	assert_int_equal(ts, TLS_NEED_MORE);
	assert_int_equal(quic_parse(qc, d.b, d.n, &keys, plain, sizeof(plain),
	    collect, r, &info), QUIC_OK);
	assert_true(keys.set);
	assert_int_equal(keys.dcid_len, info.dcid_len);
	assert_int_equal(info.initials, 1);
	assert_true(info.crypto_frames >= 2);
	assert_int_equal(tls_parse_handshake(r->buf, reasm_prefix(r), &h),
	    TLS_NEED_MORE);
	/* Datagram 2: the rest. Its plaintext goes elsewhere, as the data
	 * of datagram 1 was copied by collect(). */
	load("quic/chrome_quic1_2.bin", &d);
	assert_int_equal(quic_parse(qc, d.b, d.n, &keys, plain, sizeof(plain),
	    collect, r, &info), QUIC_OK);
	assert_int_equal(info.initials, 1);
	for (i = 1; i < r->nf; i++)
		if (r->f[i].off < r->f[i - 1].off)
			out_of_order++;
	assert_true(out_of_order > 0);
	assert_int_equal(tls_parse_handshake(r->buf, reasm_prefix(r), &h),
	    TLS_NAME);
	assert_name(&h, "chrome-quic.example.net");
	assert_true(h.flags & TLS_F_COMPLETE);
	assert_true(h.flags & TLS_F_QUIC_TP);
	assert_true(h.hello_len > 1500);	/* post-quantum key share */
	assert_int_equal(reasm_prefix(r), 4 + h.hello_len);

	/* Datagram 3, after the server's first flight: an Initial (ACK) to
	 * the server's connection ID, still under the first DCID's keys,
	 * coalesced with a Handshake packet. */
	load("quic/chrome_quic1_3.bin", &d);
	assert_int_equal(quic_parse(qc, d.b, d.n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_OK);
	assert_int_not_equal(info.dcid_len, keys.dcid_len);
	assert_true(info.flags & QUIC_F_SKIPPED);
	assert_false(info.flags & QUIC_F_REKEYED);
	/* Without the flow's keys it cannot be opened. */
	assert_int_equal(quic_parse(qc, d.b, d.n, NULL, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_UNDECRYPTABLE);
	/* Datagram 4: Handshake only. */
	load("quic/chrome_quic1_4.bin", &d);
	assert_false(quic_is_initial(d.b, d.n));
	assert_int_equal(quic_parse(qc, d.b, d.n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_NOT_INITIAL);
	free(r);
}

static void
test_ngtcp2(void **state)
{
	static const char *const later[] = { "quic/ngtcp2_v1_2.bin",
	    "quic/ngtcp2_v1_3.bin", "quic/ngtcp2_v1_4.bin" };
	struct tls_hello h;
	struct blob d;
	enum tls_status ts;
	size_t i;

	(void)state;
	load("quic/ngtcp2_v1_1.bin", &d);
	assert_true(quic_is_initial(d.b, d.n));
	assert_int_equal(quic_sni(qc, d.b, d.n, work, sizeof(work), &ts, &h),
	    QUIC_OK);
	assert_int_equal(ts, TLS_NAME);
	assert_name(&h, "ngtcp2.example.com");
	assert_false(h.flags & TLS_F_ECH);
	/* Handshake packets (with the QUIC bit greased) and a short header. */
	for (i = 0; i < ARRAY_LEN(later); i++) {
		load(later[i], &d);
		assert_false(quic_is_initial(d.b, d.n));
		assert_int_equal(quic_sni(qc, d.b, d.n, work, sizeof(work),
		    &ts, &h), QUIC_NOT_INITIAL);
	}
}

/* --- built packets --------------------------------------------------- */

/* The ClientHello of a captured Chromium TCP stream (record stripped). */
static void
chromium_hello(struct blob *hs)
{
	load("tls/chromium_1.bin", hs);
	memmove(hs->b, hs->b + 5, hs->n - 5);
	hs->n -= 5;
}

/* Chromium's big ClientHello in two Initials of two datagrams, frames out
 * of order in each; parsed in either order. */
static void
split_hello(uint32_t version, bool reverse)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct fb a = { .n = 0 }, b = { .n = 0 };
	struct quic_keys keys = { .set = false };
	struct quic_info info;
	struct tls_hello h;
	struct blob hs;
	uint8_t da[1500], db[1500];
	const uint8_t *name;
	size_t na, nb, name_end;

	assert_non_null(r);
	chromium_hello(&hs);
	assert_true(hs.n > 1500);
	name = memmem(hs.b, hs.n, "chromium.example.net", 20);
	assert_non_null(name);
	name_end = (size_t)(name - hs.b) + 20;
	fb_crypto(&a, 800, hs.b + 800, 600);
	fb_put(&a, "\x01", 1);				/* PING */
	fb_crypto(&a, 0, hs.b, 300);
	fb_pad(&a, 1150);
	fb_put(&b, "\x03\x00\x00\x00\x00\x00\x00\x00", 8); /* ACK + ECN */
	fb_crypto(&b, 1400, hs.b + 1400, hs.n - 1400);
	fb_crypto(&b, 300, hs.b + 300, 500);
	fb_pad(&b, 1150);
	na = initial(version, &a, 0, da);
	nb = initial(version, &b, 1, db);
	assert_int_equal(quic_parse(qc, reverse ? db : da, reverse ? nb : na,
	    &keys, plain, sizeof(plain), collect, r, &info), QUIC_OK);
	assert_int_equal(info.version, version);
	assert_int_equal(info.crypto_frames, 2);
	assert_int_equal(info.pn, reverse ? 1 : 0);
	/* Forward: the first 300 bytes, enough only if the name is there. */
	assert_int_equal(tls_parse_handshake(r->buf, reasm_prefix(r), &h),
	    !reverse && name_end <= 300 ? TLS_NAME : TLS_NEED_MORE);
	assert_int_equal(quic_parse(qc, reverse ? da : db, reverse ? na : nb,
	    &keys, plain, sizeof(plain), collect, r, &info), QUIC_OK);
	assert_int_equal(reasm_prefix(r), hs.n);
	assert_int_equal(tls_parse_handshake(r->buf, reasm_prefix(r), &h),
	    TLS_NAME);
	assert_name(&h, "chromium.example.net");
	assert_true(h.flags & TLS_F_ECH);
	free(r);
}

static void
test_split_v1(void **state)
{
	(void)state;
	split_hello(QUIC_V1, false);
	split_hello(QUIC_V1, true);
}

static void
test_split_v2(void **state)
{
	(void)state;
	split_hello(QUIC_V2, false);
	split_hello(QUIC_V2, true);
}

static void
test_coalesced(void **state)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct fb f1 = { .n = 0 }, f2 = { .n = 0 }, hsf = { .n = 0 };
	struct quic_info info;
	struct tls_hello h;
	struct blob hs;
	static uint8_t d[8192];
	static const uint8_t other[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n, first;
	enum tls_status ts;

	(void)state;
	assert_non_null(r);
	chromium_hello(&hs);
	fb_crypto(&f1, 0, hs.b, 1000);
	fb_crypto(&f2, 1000, hs.b + 1000, hs.n - 1000);
	fb_pad(&hsf, 40);
	for (uint32_t v = 0; v < 2; v++) {
		uint32_t version = v == 0 ? QUIC_V1 : QUIC_V2;
		struct spec hsk = { .version = version, .type = P_HANDSHAKE,
		    .dcid = rfc_dcid, .dcid_len = 8, .pn = 0, .pnlen = 1,
		    .payload = hsf.b, .payload_len = hsf.n };
		struct spec zrtt = hsk;

		zrtt.type = P_0RTT;
		/* Initial + Initial + Handshake + 0-RTT + short header. */
		n = initial(version, &f1, 0, d);
		n += initial(version, &f2, 1, d + n);
		n += protect(&hsk, d + n);
		n += protect(&zrtt, d + n);
		memcpy(d + n, "\x41\x83\x94\xc8\xf0\x3e\x51\x57\x08\0\0\0", 12);
		n += 12;
		memset(r, 0, sizeof(*r));
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), collect, r, &info), QUIC_OK);
		assert_int_equal(info.initials, 2);
		assert_int_equal(info.crypto_frames, 2);
		assert_int_equal(info.flags, QUIC_F_SKIPPED | QUIC_F_TRAILING);
		assert_int_equal(tls_parse_handshake(r->buf, reasm_prefix(r),
		    &h), TLS_NAME);
		assert_int_equal(quic_sni(qc, d, n, work, sizeof(work), &ts,
		    &h), QUIC_OK);
		assert_int_equal(ts, TLS_NAME);
		assert_name(&h, "chromium.example.net");

		/* A second Initial to another DCID is not walked. */
		first = initial(version, &f1, 0, d);
		{
			struct spec s = { .version = version,
			    .type = P_INITIAL, .dcid = other, .dcid_len = 8,
			    .pn = 1, .pnlen = 1, .payload = f2.b,
			    .payload_len = f2.n };

			n = first + protect(&s, d + first);
		}
		memset(r, 0, sizeof(*r));
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), collect, r, &info), QUIC_OK);
		assert_int_equal(info.initials, 1);
		assert_int_equal(info.flags, QUIC_F_TRAILING);

		/* A damaged second Initial: the datagram is bad as a whole and
		 * nothing of it is delivered (a filter drops it). */
		n = first + initial(version, &f2, 1, d + first);
		d[n - 3] ^= 1;
		memset(r, 0, sizeof(*r));
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), collect, r, &info), QUIC_UNDECRYPTABLE);
		assert_int_equal(info.initials, 1);
		assert_int_equal(info.crypto_frames, 0);
		assert_int_equal(r->nf, 0);
		assert_int_equal(info.flags, QUIC_F_TRAILING_BAD);
		/* A truncated one: malformed. */
		n -= 10;
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), NULL, NULL, &info), QUIC_MALFORMED);
		assert_int_equal(info.flags, QUIC_F_TRAILING_BAD);
		/* A damaged FIRST Initial does not end the walk: the second
		 * one is opened and checked too (RFC 9000 12.2), and the
		 * datagram is still bad as a whole. */
		n = first + initial(version, &f2, 1, d + first);
		d[first - 3] ^= 1;
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), NULL, NULL, &info), QUIC_UNDECRYPTABLE);
		assert_int_equal(info.initials, 1);
		/* A Handshake packet first, then the Initial: the Initial is
		 * read (a server reads it). */
		{
			struct spec hs1 = { .version = version,
			    .type = P_HANDSHAKE, .dcid = rfc_dcid,
			    .dcid_len = 8, .pn = 0, .pnlen = 1,
			    .payload = hsf.b, .payload_len = hsf.n };

			n = protect(&hs1, d);
			n += initial(version, &f1, 0, d + n);
			n += initial(version, &f2, 1, d + n);
		}
		memset(r, 0, sizeof(*r));
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), collect, r, &info), QUIC_OK);
		assert_int_equal(info.initials, 2);
		assert_true(info.flags & QUIC_F_SKIPPED);
		assert_int_equal(tls_parse_handshake(r->buf, reasm_prefix(r),
		    &h), TLS_NAME);
		assert_true(quic_scan(d, n) & QUIC_SCAN_INITIAL);
		assert_false(quic_is_initial(d, n));
		/* Zero bytes after the packet (datagram padding). */
		first = initial(version, &f1, 0, d);
		memset(d + first, 0, 100);
		assert_int_equal(quic_parse(qc, d, first + 100, NULL, plain,
		    sizeof(plain), NULL, NULL, &info), QUIC_OK);
		assert_int_equal(info.flags, QUIC_F_TRAILING);
	}
	free(r);
}

/* One Initial with payload p; the status and how many CRYPTO frames the
 * callback got. */
static enum quic_status
frames_case(const char *p, size_t *ncrypto, uint8_t *flags)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct fb f = { .n = 0 };
	struct quic_info info;
	uint8_t d[1500];
	enum quic_status s;
	size_t n;

	assert_non_null(r);
	f.n = hex(p, f.b, sizeof(f.b));
	fb_pad(&f, 1100);
	n = initial(QUIC_V1, &f, 0, d);
	s = quic_parse(qc, d, n, NULL, plain, sizeof(plain), collect, r, &info);
	*ncrypto = r->nf;
	*flags = info.flags;
	free(r);
	return s;
}

static void
test_frames(void **state)
{
	static const struct {
		const char *payload;
		enum quic_status s;
		size_t ncrypto;
	} cases[] = {
		/* PING, ACK(largest 5, delay 0, 2 ranges), CRYPTO "ab" */
		{ "01 02 05 00 02 01 00 00 00 00 06 00 02 6162", QUIC_OK, 1 },
		/* ACK with ECN counts, CRYPTO at offset 300 (2-byte varint) */
		{ "03 0a 4010 00 03 01 02 03 06 412c 01 63", QUIC_OK, 1 },
		/* CONNECTION_CLOSE, reason "x" */
		{ "1c 0a 00 01 78", QUIC_OK, 0 },
		/* CRYPTO with a non-minimal frame type encoding */
		{ "4006 00 01 61", QUIC_OK, 1 },
		/* only PADDING */
		{ "00", QUIC_OK, 0 },
		/* STREAM, NEW_TOKEN, application CLOSE, HANDSHAKE_DONE,
		 * MAX_DATA, DATAGRAM: not in an Initial */
		{ "06 00 01 61 08 00 01 61", QUIC_MALFORMED, 0 },
		{ "07 01 61", QUIC_MALFORMED, 0 },
		{ "1d 00 00", QUIC_MALFORMED, 0 },
		{ "1e", QUIC_MALFORMED, 0 },
		{ "10 01", QUIC_MALFORMED, 0 },
		{ "30 61", QUIC_MALFORMED, 0 },
		/* CRYPTO longer than the packet */
		{ "06 00 7fff 61", QUIC_MALFORMED, 0 },
		/* CRYPTO past 2^62 */
		{ "06 ffffffffffffffff 02 6162", QUIC_MALFORMED, 0 },
		/* CONNECTION_CLOSE reason longer than the packet */
		{ "1c 0a 00 7fff", QUIC_MALFORMED, 0 },
	};
	size_t i, ncrypto;
	uint8_t flags;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		enum quic_status s = frames_case(cases[i].payload, &ncrypto,
		    &flags);

		if (s != cases[i].s || ncrypto != cases[i].ncrypto)
			fail_msg("\"%s\": %s with %zu frames",
			    cases[i].payload, quic_status_name(s), ncrypto);
	}
	frames_case("1c 0a 00 01 78", &ncrypto, &flags);
	assert_true(flags & QUIC_F_CLOSE);
}

/* The end of a payload: ACK or CRYPTO cut short (no PADDING after). */
static void
test_frames_truncated(void **state)
{
	static const char *const cut[] = {
		"06 00 05 6162",
		"02 05 00 02 01 00",
		"03 05 00 00 00 01 02",
		"06 40",
	};
	struct fb f = { .n = 0 };
	uint8_t d[1500];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cut); i++) {
		f.n = hex(cut[i], f.b, sizeof(f.b));
		n = initial(QUIC_V1, &f, 0, d);
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), NULL, NULL, NULL), QUIC_MALFORMED);
	}
}

static void
test_not_initial(void **state)
{
	static const char *const cases[] = {
		"",
		"c0000000",
		"40 8394c8f03e515708 0000",		/* short header */
		"c0 00000000 08 8394c8f03e515708 00 00000001", /* VN */
		"c0 ff00001d 08 8394c8f03e515708 00 00 40 20", /* draft-29 */
		"c0 51303530 08 8394c8f03e515708 00 00 40 20", /* Q050 */
		"d0 00000001 08 8394c8f03e515708 00 40 20",	/* v1 0-RTT */
		"e0 00000001 08 8394c8f03e515708 00 40 20",	/* v1 Handshake */
		"f0 00000001 08 8394c8f03e515708 00 aabb",	/* v1 Retry */
		"c0 6b3343cf 08 8394c8f03e515708 00 aabb",	/* v2 Retry */
		"f0 6b3343cf 08 8394c8f03e515708 00 40 20",	/* v2 Handshake */
		"e0 6b3343cf 08 8394c8f03e515708 00 40 20",	/* v2 0-RTT */
		"e0 00000001 30",			/* truncated Handshake */
	};
	uint8_t d[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		n = hex(cases[i], d, sizeof(d));
		assert_false(quic_is_initial(d, n));
		if (quic_parse(qc, d, n, NULL, plain, sizeof(plain), NULL, NULL,
		    NULL) != QUIC_NOT_INITIAL)
			fail_msg("\"%s\" is not an Initial", cases[i]);
	}
}

static void
test_damaged(void **state)
{
	struct blob pkt, orig;
	struct fb f = { .n = 0 };
	struct quic_info info;
	uint8_t d[1500];
	size_t n;

	(void)state;
	load_hex("quic/rfc9001_a2_client_initial.hex", &orig);
	/* A flipped ciphertext, tag or header byte. */
	pkt = orig;
	pkt.b[500] ^= 0x80;
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_UNDECRYPTABLE);
	pkt = orig;
	pkt.b[pkt.n - 1] ^= 1;
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_UNDECRYPTABLE);
	pkt = orig;
	pkt.b[8] ^= 1;					/* the DCID */
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_UNDECRYPTABLE);
	/* Cut short: the Length field says more than there is. */
	assert_int_equal(quic_parse(qc, orig.b, orig.n - 1, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_MALFORMED);
	assert_int_equal(quic_parse(qc, orig.b, 20, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_MALFORMED);
	/* Too short for the header protection sample. */
	pkt = orig;
	pkt.b[16] = 0x40;
	pkt.b[17] = 0x10;
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_MALFORMED);
	/* A DCID longer than 20 bytes. */
	pkt = orig;
	pkt.b[5] = 21;
	assert_false(quic_is_initial(pkt.b, pkt.n));
	assert_int_equal(quic_parse(qc, pkt.b, pkt.n, NULL, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_MALFORMED);
	/* The plaintext buffer too small. */
	assert_int_equal(quic_parse(qc, orig.b, orig.n, NULL, plain, 1000,
	    NULL, NULL, NULL), QUIC_ERROR);

	/* Reserved bits set under the protection. */
	fb_crypto(&f, 0, (const uint8_t *)"abc", 3);
	fb_pad(&f, 1100);
	{
		struct spec s = { .version = QUIC_V1, .type = P_INITIAL,
		    .dcid = rfc_dcid, .dcid_len = 8, .pn = 0, .pnlen = 1,
		    .payload = f.b, .payload_len = f.n, .reserved = 2 };

		n = protect(&s, d);
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), NULL, NULL, NULL), QUIC_MALFORMED);
		/* A token (after a Retry) and a zero-length DCID. */
		s.reserved = 0;
		s.token_len = 40;
		s.dcid_len = 0;
		n = protect(&s, d);
		assert_int_equal(quic_parse(qc, d, n, NULL, plain,
		    sizeof(plain), NULL, NULL, &info), QUIC_OK);
		assert_int_equal(info.flags, QUIC_F_TOKEN);
		assert_int_equal(info.dcid_len, 0);
		assert_int_equal(info.crypto_frames, 1);
	}
}

/* The flow's key cache: kept across DCID changes, replaced after a
 * Retry (a new DCID with keys of its own). */
static void
test_keys_cache(void **state)
{
	static const uint8_t a[8] = { 0xa0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t b[8] = { 0xb0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t c[4] = { 0xc0, 1, 2, 3 };
	struct quic_keys keys = { .set = false };
	struct quic_info info;
	struct fb f = { .n = 0 };
	uint8_t d[1500];
	size_t n;
	struct spec s = { .version = QUIC_V1, .type = P_INITIAL, .dcid = a,
	    .dcid_len = 8, .pn = 0, .pnlen = 1, .payload = f.b };

	(void)state;
	fb_put(&f, "\x01", 1);
	fb_pad(&f, 1100);
	s.payload_len = f.n;
	n = protect(&s, d);
	assert_int_equal(quic_parse(qc, d, n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_OK);
	assert_true(keys.set);
	assert_memory_equal(keys.dcid, a, 8);
	/* To the server's CID c under a's keys: the cache opens it. */
	s.dcid = c;
	s.dcid_len = 4;
	s.key_dcid = a;
	s.key_dcid_len = 8;
	s.pn = 1;
	n = protect(&s, d);
	assert_int_equal(quic_parse(qc, d, n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_OK);
	assert_int_equal(info.flags, 0);
	assert_memory_equal(keys.dcid, a, 8);
	assert_int_equal(quic_parse(qc, d, n, NULL, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_UNDECRYPTABLE);
	/* After a Retry: DCID b with its own keys. */
	s.dcid = b;
	s.dcid_len = 8;
	s.key_dcid = NULL;
	s.token_len = 16;
	n = protect(&s, d);
	assert_int_equal(quic_parse(qc, d, n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_OK);
	assert_int_equal(info.flags, QUIC_F_REKEYED | QUIC_F_TOKEN);
	assert_memory_equal(keys.dcid, b, 8);
	/* A garbage Initial does not poison the cache. */
	d[n - 1] ^= 1;
	assert_int_equal(quic_parse(qc, d, n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_UNDECRYPTABLE);
	assert_true(keys.set);
	assert_memory_equal(keys.dcid, b, 8);
	/* A v2 packet with a v1 cache: keyed from its own DCID. */
	s.version = QUIC_V2;
	s.dcid = a;
	s.token_len = 0;
	n = protect(&s, d);
	assert_int_equal(quic_parse(qc, d, n, &keys, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_OK);
	assert_int_equal(keys.version, QUIC_V2);
}

static void
test_callback_stop(void **state)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct fb f = { .n = 0 };
	struct quic_info info;
	uint8_t d[1500];
	size_t n;

	(void)state;
	assert_non_null(r);
	fb_crypto(&f, 0, (const uint8_t *)"abc", 3);
	fb_crypto(&f, 3, (const uint8_t *)"def", 3);
	fb_crypto(&f, 6, (const uint8_t *)"ghi", 3);
	fb_pad(&f, 1100);
	n = initial(QUIC_V1, &f, 0, d);
	r->stop_after = 2;
	assert_int_equal(quic_parse(qc, d, n, NULL, plain, sizeof(plain),
	    collect, r, &info), QUIC_OK);
	assert_int_equal(r->nf, 2);
	assert_int_equal(info.crypto_frames, 2);
	assert_int_equal(reasm_prefix(r), 6);
	/* Without a callback the frames are counted all the same. */
	assert_int_equal(quic_parse(qc, d, n, NULL, plain, sizeof(plain),
	    NULL, NULL, &info), QUIC_OK);
	assert_int_equal(info.crypto_frames, 3);
	free(r);
}

/* OpenSSL's allocations, counted (installed first thing in main). */
static long ossl_allocs;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* With the flow's keys, opening and walking Initials allocates nothing. */
static void
test_no_alloc(void **state)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct quic_keys keys = { .set = false };
	struct blob d1, d2, d3;
	long before;
	int i;

	(void)state;
	assert_non_null(r);
	load("quic/chrome_quic1_1.bin", &d1);
	load("quic/chrome_quic1_2.bin", &d2);
	load("quic/chrome_quic1_3.bin", &d3);
	assert_int_equal(quic_parse(qc, d1.b, d1.n, &keys, plain,
	    sizeof(plain), NULL, NULL, NULL), QUIC_OK);
	before = ossl_allocs;
	for (i = 0; i < 10; i++) {
		assert_int_equal(quic_parse(qc, d1.b, d1.n, &keys, plain,
		    sizeof(plain), collect, r, NULL), QUIC_OK);
		assert_int_equal(quic_parse(qc, d2.b, d2.n, &keys, plain,
		    sizeof(plain), collect, r, NULL), QUIC_OK);
		assert_int_equal(quic_parse(qc, d3.b, d3.n, &keys, plain,
		    sizeof(plain), collect, r, NULL), QUIC_OK);
		r->nf = 0;
	}
	assert_int_equal(ossl_allocs - before, 0);
	/* The counting works. */
	OPENSSL_free(OPENSSL_malloc(16));
	assert_int_equal(ossl_allocs - before, 1);
	free(r);
}

static int
setup(void **state)
{
	struct verr e;

	(void)state;
	qc = quic_ctx_new(&e);
	return qc == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	quic_ctx_free(qc);
	quic_ctx_free(NULL);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_keys),
		cmocka_unit_test(test_rfc9001_client_initial),
		cmocka_unit_test(test_rfc9369_client_initial),
		cmocka_unit_test(test_helper_matches_rfc),
		cmocka_unit_test(test_rfc9001_server_initial),
		cmocka_unit_test(test_chrome),
		cmocka_unit_test(test_ngtcp2),
		cmocka_unit_test(test_split_v1),
		cmocka_unit_test(test_split_v2),
		cmocka_unit_test(test_coalesced),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_frames_truncated),
		cmocka_unit_test(test_not_initial),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_keys_cache),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_no_alloc),
	};

	/* Before OpenSSL allocates anything (it refuses afterwards). */
	if (!CRYPTO_set_mem_functions(count_malloc, count_realloc,
	    count_free))
		fprintf(stderr, "allocation counting unavailable\n");
	return cmocka_run_group_tests(tests, setup, teardown);
}
