/* test_hostile.c - inspect() against a client that shapes its own DNS,
 * QUIC and HTTP to slip past the filter (issue 12): each attack with its
 * legitimate twin, on real packet bytes (captures in tests/data) or bytes
 * built here the way the named tools send them. */
#include "unit.h"

#include "engine/dns.h"
#include "inspect_harness.h"
#include "quic_build.h"

static const char list_json[] =
    "{\"format\":\"veto-list/1\",\"feed\":\"test/feed\",\"serial\":\"7\","
    "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\","
    "\"authority\":{\"name\":\"Test Authority\"},"
    "\"categories\":{\"csam\":{\"label\":\"abuse\"}},"
    "\"entries\":["
    "{\"id\":\"d1\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"csam\"},"
    "{\"id\":\"h1\",\"type\":\"host\",\"value\":\"chrome-quic.example.net\",\"cat\":\"csam\"},"
    "{\"id\":\"u1\",\"type\":\"url\",\"value\":\"share.example/u/123/\",\"cat\":\"csam\"},"
    "{\"id\":\"u2\",\"type\":\"url\",\"value\":\"share.example/p?id=7\",\"cat\":\"csam\"}"
    "]}";

static int
setup(void **state)
{
	(void)state;
	harness_start("", list_json);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_stop();
	return 0;
}

static void
restart(const char *extra)
{
	harness_stop();
	harness_start(extra, list_json);
}

/* --- DNS ------------------------------------------------------------ */

#define DQ_A "\x00\x01\x00\x01"		/* QTYPE A, QCLASS IN */

/* A query: header (ID 0x4242, RD, qd questions), then body. */
static size_t
dnsq(uint8_t *out, unsigned qd, const void *body, size_t blen)
{
	static const uint8_t hdr[12] = {0x42, 0x42, 0x01, 0x00, 0, 0,
		0, 0, 0, 0, 0, 0};

	memcpy(out, hdr, 12);
	out[5] = (uint8_t)qd;
	memcpy(out + 12, body, blen);
	return 12 + blen;
}

/* A listed name in the second question of a query blocks it; the answer
 * is about that question. Twin: two names that are not listed pass. */
static void
test_dns_second_question(void **state)
{
	static const char bad[] = "\3www\3ok1\7example\0" DQ_A
	    "\3www\3bad\7example\0" DQ_A;
	static const char good[] = "\3www\3ok1\7example\0" DQ_A
	    "\3www\3ok2\7example\0" DQ_A;
	uint8_t q[200], ans[600];
	struct pkt a;
	struct dns_query dq;

	(void)state;
	udp_send(4, 30000, 53, q, dnsq(q, 2, bad, sizeof(bad) - 1));
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(res.action, VACT_BLOCKED);
	assert_string_equal(res.match.id, "d1");
	assert_string_equal(res.name, "www.bad.example");
	out_pkt(0, &a);
	memcpy(ans, a.payload, a.payload_len);
	ans[2] &= 0x7f;		/* read the answer's question as a query */
	assert_int_equal(dns_query_parse(ans, a.payload_len, &dq), DNS_OK);
	assert_int_equal(dq.qdcount, 1);
	assert_string_equal(dq.name, "www.bad.example");

	udp_send(4, 30001, 53, q, dnsq(q, 2, good, sizeof(good) - 1));
	assert_int_equal(res.verdict, IV_PASS);
	assert_int_equal(res.action, VACT_ALLOWED);
	assert_string_equal(res.name, "www.ok2.example");
}

/* The resolver-answered shape: two questions, the first name a forward
 * compression pointer to the second (listed) one. veto cannot read it the
 * way RFC 1035 allows, so it is dropped and counted; with
 * dns_malformed = pass it goes through (counted as malformed). */
static void
test_dns_forward_pointer(void **state)
{
	static const char fwd[] = "\xc0\x12" DQ_A "\3www\3bad\7example\0" DQ_A;
	static const char ok[] = "\3www\3ok1\7example\0" DQ_A;
	uint8_t q[200];
	size_t n = dnsq(q, 2, fwd, sizeof(fwd) - 1);
	uint64_t drops = detail(SD_DNS_MALFORMED_DROP);
	uint64_t mal = STATS_GET(st->decision[VPROTO_DNS][VACT_MALFORMED]);

	(void)state;
	udp_send(4, 30002, 53, q, n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(res.nout, 0);
	assert_int_equal(detail(SD_DNS_MALFORMED_DROP), drops + 1);
	assert_int_equal(STATS_GET(st->decision[VPROTO_DNS][VACT_MALFORMED]),
	    mal + 1);
	/* twin: a plain query of the same client passes */
	udp_send(4, 30002, 53, q, dnsq(q, 1, ok, sizeof(ok) - 1));
	assert_int_equal(res.verdict, IV_PASS);
	assert_int_equal(res.action, VACT_ALLOWED);

	restart("dns_malformed = pass\n");
	n = dnsq(q, 2, fwd, sizeof(fwd) - 1);
	udp_send(4, 30003, 53, q, n);
	assert_int_equal(res.verdict, IV_PASS);
	assert_int_equal(res.action, VACT_MALFORMED);
	assert_int_equal(detail(SD_DNS_MALFORMED_DROP), 0);
	restart("");
}

/* A TCP query padded above the flow cap (issue 12: it was never complete
 * in veto's buffer, and passed) is decided on its questions, which come
 * first; the padding is skipped as it passes. Listed: blocked. Twin: the
 * same with an allowed name is allowed, and a second query on the same
 * connection is read after the padding. */
static void
test_dns_tcp_over_cap(void **state)
{
	static uint8_t m[20002];
	static const char bad[] = "\3www\3bad\7example\0" DQ_A;
	static const char ok[] = "\3www\3ok1\7example\0" DQ_A;
	size_t n;
	uint32_t off;
	uint64_t over = detail(SD_DNS_TCP_OVER_CAP);

	(void)state;
	memset(m, 0, sizeof(m));
	m[0] = (uint8_t)((sizeof(m) - 2) >> 8);
	m[1] = (uint8_t)(sizeof(m) - 2);
	n = dnsq(m + 2, 1, bad, sizeof(bad) - 1);
	m[2 + 11] = 1;		/* ARCOUNT 1: an OPT with padding follows */
	tcp_open(4, 30010, 53);
	tcp_send(4, 30010, 53, 0, m, 2 + n + 100);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "d1");
	assert_int_equal(detail(SD_DNS_TCP_OVER_CAP), over + 1);

	n = dnsq(m + 2, 1, ok, sizeof(ok) - 1);
	tcp_open(4, 30011, 53);
	tcp_send(4, 30011, 53, 0, m, 2 + n + 100);
	assert_int_equal(res.verdict, IV_PASS);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_ALLOWED);
	for (off = (uint32_t)(2 + n + 100); off < sizeof(m); off += 1400) {
		tcp_send(4, 30011, 53, off, m + off,
		    MIN(1400, sizeof(m) - off));
		assert_int_equal(res.verdict, IV_PASS);
		assert_false(res.decided);
	}
	/* the next query on the connection names a listed host */
	n = dnsq(m + 2, 1, bad, sizeof(bad) - 1);
	m[0] = 0, m[1] = (uint8_t)n;
	tcp_send(4, 30011, 53, sizeof(m), m, 2 + n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "d1");
	assert_int_equal(detail(SD_DNS_TCP_OVER_CAP), over + 2);
}

/* A TCP query is decided on its questions before the rest of it (padding)
 * arrives: a listed name blocks at once. Twin: a name that is not listed
 * is allowed at once; a question cut short decides nothing yet. */
static void
test_dns_tcp_partial(void **state)
{
	static uint8_t m[602];
	static const char bad[] = "\3www\3bad\7example\0" DQ_A;
	static const char ok[] = "\3www\3ok1\7example\0" DQ_A;
	size_t n;

	(void)state;
	memset(m, 0, sizeof(m));
	m[0] = (uint8_t)((sizeof(m) - 2) >> 8);
	m[1] = (uint8_t)(sizeof(m) - 2);
	n = dnsq(m + 2, 1, bad, sizeof(bad) - 1);
	tcp_open(6, 30020, 53);
	tcp_send(6, 30020, 53, 0, m, 2 + n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "d1");
	assert_int_equal(res.nout, 2);		/* the answer, and a reset */

	n = dnsq(m + 2, 1, ok, sizeof(ok) - 1);
	tcp_open(6, 30021, 53);
	tcp_send(6, 30021, 53, 0, m, 2 + n - 3);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	tcp_send(6, 30021, 53, (uint32_t)(2 + n - 3), m + 2 + n - 3, 3);
	assert_int_equal(res.verdict, IV_PASS);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_ALLOWED);
}

/* A TCP message veto cannot parse: the connection is reset (dropping one
 * segment would desynchronise the stream). Twin: a good message on the
 * same kind of flow passes. */
static void
test_dns_tcp_malformed(void **state)
{
	static const char fwd[] = "\xc0\x12" DQ_A "\3www\3bad\7example\0" DQ_A;
	uint8_t m[200];
	size_t n = dnsq(m + 2, 2, fwd, sizeof(fwd) - 1);
	uint64_t drops = detail(SD_DNS_MALFORMED_DROP);

	(void)state;
	m[0] = 0, m[1] = (uint8_t)n;
	tcp_open(4, 30030, 53);
	tcp_send(4, 30030, 53, 0, m, n + 2);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(detail(SD_DNS_MALFORMED_DROP), drops + 1);
	n = dnsq(m + 2, 1, fwd + 6, sizeof(fwd) - 1 - 6);
	m[1] = (uint8_t)n;
	m[2 + 12 + 5] = 'o';	/* www.oad.example */
	tcp_open(4, 30031, 53);
	tcp_send(4, 30031, 53, 0, m, n + 2);
	assert_int_equal(res.verdict, IV_PASS);
	assert_int_equal(res.action, VACT_ALLOWED);
}


/* --- QUIC ----------------------------------------------------------- */

/* A TLS 1.3 ClientHello (handshake message) naming `name`. */
static size_t
hello(const char *name, uint8_t *out)
{
	size_t nl = strlen(name), n = 0, ext;

	out[n++] = 1;
	n += 3;				/* length, below */
	out[n++] = 3, out[n++] = 3;
	memset(out + n, 0x5a, 32);
	n += 32;
	out[n++] = 0;			/* session id */
	out[n++] = 0, out[n++] = 2, out[n++] = 0x13, out[n++] = 0x01;
	out[n++] = 1, out[n++] = 0;	/* compression: null */
	ext = n;
	n += 2;
	out[n++] = 0, out[n++] = 0;	/* server_name */
	out[n++] = (uint8_t)((nl + 5) >> 8), out[n++] = (uint8_t)(nl + 5);
	out[n++] = (uint8_t)((nl + 3) >> 8), out[n++] = (uint8_t)(nl + 3);
	out[n++] = 0;
	out[n++] = (uint8_t)(nl >> 8), out[n++] = (uint8_t)nl;
	memcpy(out + n, name, nl);
	n += nl;
	out[n++] = 0, out[n++] = 0x2b, out[n++] = 0, out[n++] = 3;
	out[n++] = 2, out[n++] = 3, out[n++] = 4;	/* TLS 1.3 */
	out[ext] = (uint8_t)((n - ext - 2) >> 8);
	out[ext + 1] = (uint8_t)(n - ext - 2);
	out[1] = 0, out[2] = (uint8_t)((n - 4) >> 8), out[3] = (uint8_t)(n - 4);
	return n;
}

/* One v1 Initial (RFC DCID) with CRYPTO [off, off + len) of hs, padded so
 * the datagram is `pad` frame bytes. */
static size_t
crypto_initial(const uint8_t *hs, uint64_t off, size_t len, size_t pad,
    uint32_t pn, uint8_t *out)
{
	struct fb f = { .n = 0 };

	fb_crypto(&f, off, hs + off, len);
	fb_pad(&f, pad);
	return initial(QUIC_V1, &f, pn, out);
}

static void
quic_begin(void)
{
	qc = quic_ctx_new(NULL);
	assert_non_null(qc);
}

/* One malformed Initial (a STREAM frame, which an Initial may not carry)
 * used to allow the whole 5-tuple: the real Chromium datagrams after it
 * were never read. Now it is dropped and decides nothing; the real ones
 * decide. Twin: the same two Chromium datagrams on their own. */
static void
test_quic_malformed_then_real(void **state)
{
	static uint8_t d[1500];
	struct blob c1, c2;
	struct fb f = { .n = 0 };
	uint64_t drops = detail(SD_QUIC_DROPPED);
	size_t n;

	(void)state;
	quic_begin();
	load("quic/chrome_quic1_1.bin", &c1);
	load("quic/chrome_quic1_2.bin", &c2);
	fb_put(&f, "\x08\x00\x01x", 4);		/* STREAM */
	fb_pad(&f, 1200);
	n = initial(QUIC_V1, &f, 0, d);
	udp_send(4, 31000, 443, d, n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_false(res.decided);
	assert_int_equal(detail(SD_QUIC_DROPPED), drops + 1);
	/* garbage shaped like an Initial (the tag fails): dropped too */
	d[n - 5] ^= 0x40;
	udp_send(4, 31000, 443, d, n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(detail(SD_QUIC_DROPPED), drops + 2);
	udp_send(4, 31000, 443, c1.b, c1.n);
	assert_int_equal(res.verdict, IV_PASS);
	udp_send(4, 31000, 443, c2.b, c2.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "h1");

	udp_send(6, 31001, 443, c1.b, c1.n);
	assert_int_equal(res.verdict, IV_PASS);
	udp_send(6, 31001, 443, c2.b, c2.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	quic_ctx_free(qc);
}

/* Coalesced packets: a Handshake packet first and the Initial after it
 * (a server reads the Initial) used to pass unread. A datagram with a
 * broken Initial and a good one is dropped whole (the server reads the
 * good one). Twins: the same shapes with an allowed name are allowed. */
static void
test_quic_coalesced(void **state)
{
	static uint8_t d[4000];
	uint8_t hs[600];
	struct fb hf = { .n = 0 };
	size_t hl, n, first;
	struct spec hsk = { .version = QUIC_V1, .type = P_HANDSHAKE,
	    .dcid = rfc_dcid, .dcid_len = 8, .pn = 0, .pnlen = 1 };

	(void)state;
	quic_begin();
	fb_pad(&hf, 40);
	hsk.payload = hf.b;
	hsk.payload_len = hf.n;
	hl = hello("www.bad.example", hs);
	n = protect(&hsk, d);
	n += crypto_initial(hs, 0, hl, 1200, 0, d + n);
	udp_send(4, 31010, 443, d, n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "d1");
	hl = hello("www.good.example", hs);
	n = protect(&hsk, d);
	n += crypto_initial(hs, 0, hl, 1200, 0, d + n);
	udp_send(4, 31011, 443, d, n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);

	/* [good Initial: first half][damaged Initial][Initial: second half]:
	 * the server reads both halves; veto drops the datagram */
	hl = hello("www.bad.example", hs);
	first = crypto_initial(hs, 0, 40, 40, 0, d);
	n = first + crypto_initial(hs, 40, 10, 40, 1, d + first);
	d[n - 2] ^= 1;
	n += crypto_initial(hs, 40, hl - 40, 1200, 2, d + n);
	udp_send(4, 31012, 443, d, n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_false(res.decided);
	/* the client sends it again, intact: decided */
	n = first + crypto_initial(hs, 40, hl - 40, 1200, 2, d + first);
	udp_send(4, 31012, 443, d, n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	quic_ctx_free(qc);
}

/* A second copy of CRYPTO bytes that differs: the datagram is dropped and
 * the other version is parsed too; a listed name in it blocks. Twin: an
 * identical retransmission is fine and the flow is allowed. */
static void
test_quic_crypto_conflict(void **state)
{
	static uint8_t d[1500];
	uint8_t good[600], bad[600];
	size_t hl = hello("www.bad.example", bad), cut;
	uint64_t conflicts = detail(SD_QUIC_CONFLICT);

	(void)state;
	quic_begin();
	assert_int_equal(hello("www.oad.example", good), hl);
	cut = (size_t)((uint8_t *)memmem(bad, hl, "bad", 3) - bad) + 2;
	/* first: the allowed version up to inside the name */
	udp_send(4, 31020, 443, d, crypto_initial(good, 0, cut, 1200, 0, d));
	assert_int_equal(res.verdict, IV_PASS);
	/* then the whole hello, naming the listed host */
	udp_send(4, 31020, 443, d, crypto_initial(bad, 0, hl, 1200, 1, d));
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "d1");

	/* the other way round: listed first, then an allowed copy. The copy
	 * is dropped; the flow is never allowed (its bytes may differ from
	 * the server's): it is blocked when the hello is complete */
	udp_send(4, 31021, 443, d, crypto_initial(bad, 0, cut, 1200, 0, d));
	assert_int_equal(res.verdict, IV_PASS);
	udp_send(4, 31021, 443, d, crypto_initial(good, 0, cut + 5, 1200, 1, d));
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(detail(SD_QUIC_CONFLICT), conflicts + 1);
	udp_send(4, 31021, 443, d, crypto_initial(bad, cut, hl - cut, 1200, 2,
	    d));
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(res.action, VACT_BLOCKED);

	/* twin: a retransmission of the same bytes, then the rest */
	udp_send(4, 31022, 443, d, crypto_initial(good, 0, cut, 1200, 0, d));
	udp_send(4, 31022, 443, d, crypto_initial(good, 0, cut, 1200, 1, d));
	assert_int_equal(res.verdict, IV_PASS);
	udp_send(4, 31022, 443, d, crypto_initial(good, cut, hl - cut, 1200, 2,
	    d));
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_int_equal(detail(SD_QUIC_CONFLICT), conflicts + 1);
	quic_ctx_free(qc);
}

/* Versions other than v1 and v2 are dropped (quic_unknown_version): the
 * client falls back to TCP. With `pass` they go through, counted. Twin: v1
 * is read. */
static void
test_quic_unknown_version(void **state)
{
	static uint8_t d[1300];
	uint64_t unk = detail(SD_QUIC_UNKNOWN_VERSION);

	(void)state;
	memset(d, 0, sizeof(d));
	d[0] = 0xc3;
	memcpy(d + 1, "\xff\x00\x00\x1d", 4);	/* draft-29 */
	d[5] = 8;
	memcpy(d + 6, rfc_dcid, 8);
	udp_send(4, 31030, 443, d, sizeof(d));
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(detail(SD_QUIC_UNKNOWN_VERSION), unk + 1);
	memcpy(d + 1, "\x1a\x2a\x3a\x4a", 4);	/* greased */
	udp_send(4, 31030, 443, d, sizeof(d));
	assert_int_equal(res.verdict, IV_DROP);
	restart("quic_unknown_version = pass\n");
	udp_send(4, 31031, 443, d, sizeof(d));
	assert_int_equal(res.verdict, IV_PASS);
	assert_int_equal(detail(SD_QUIC_UNKNOWN_VERSION), 1);
	restart("");
	/* twin: ngtcp2's v1 Initial is read and decided */
	{
		struct blob b;

		load("quic/ngtcp2_v1_1.bin", &b);
		udp_send(4, 31032, 443, b.b, b.n);
		assert_true(res.decided);
		assert_int_equal(res.verdict, IV_ALLOW_FLOW);
		assert_int_equal(detail(SD_QUIC_UNKNOWN_VERSION), 0);
	}
}

/* An Initial in a datagram under 1200 bytes never decides (servers drop
 * it, RFC 9000 14.1): a small decoy naming an allowed host used to allow
 * the flow before the real Initial. Twin: the same hello at 1200 bytes. */
static void
test_quic_short_initial(void **state)
{
	static uint8_t d[1500];
	uint8_t good[600], bad[600];
	size_t hl = hello("www.good.example", good), bl, n;
	uint64_t shorts = detail(SD_QUIC_SHORT_INITIAL);

	(void)state;
	quic_begin();
	bl = hello("www.bad.example", bad);
	n = crypto_initial(good, 0, hl, 300, 0, d);
	assert_true(n < 1200);
	udp_send(4, 31040, 443, d, n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_false(res.decided);
	assert_int_equal(detail(SD_QUIC_SHORT_INITIAL), shorts + 1);
	udp_send(4, 31040, 443, d, crypto_initial(bad, 0, bl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	n = crypto_initial(good, 0, hl, 1200, 0, d);
	assert_true(n >= 1200);
	udp_send(4, 31041, 443, d, n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	quic_ctx_free(qc);
}

/* TTL decoys (zapret --dpi-desync-fooling=ttl on QUIC): a fake Initial
 * with an allowed name and a TTL that dies before the server, sent first,
 * then the real one (same DCID) with the blocked name: the real one, which
 * arrives with a higher TTL, decides again: blocked. A decoy after the
 * decision (lower TTL) is dropped and decides nothing. Twin: a client's own
 * retransmitted Initial (same TTL) on an allowed flow just passes. */
static void
test_quic_ttl_decoy(void **state)
{
	static uint8_t d[1500];
	uint8_t good[600], bad[600];
	size_t gl = hello("www.good.example", good), bl;
	uint64_t decoys = detail(SD_QUIC_TTL_DECOY);

	(void)state;
	quic_begin();
	bl = hello("www.bad.example", bad);
	h_ttl = 3;
	udp_send(4, 31050, 443, d, crypto_initial(good, 0, gl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);	/* the decoy decided */
	h_ttl = 60;
	udp_send(4, 31050, 443, d, crypto_initial(bad, 0, bl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);	/* decided again */
	h_ttl = 3;
	udp_send(4, 31050, 443, d, crypto_initial(good, 0, gl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_DROP);		/* a decoy after it */
	assert_int_equal(detail(SD_QUIC_TTL_DECOY), decoys + 1);
	/* the twin */
	h_ttl = 60;
	udp_send(4, 31051, 443, d, crypto_initial(good, 0, gl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	udp_send(4, 31051, 443, d, crypto_initial(good, 0, gl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_int_equal(detail(SD_QUIC_TTL_DECOY), decoys + 1);
	h_ttl = 64;
	quic_ctx_free(qc);
}

/* A server name over 253 bytes: its end is matched (the listed domain is
 * there). Twin: the same length ending in an allowed domain. */
static void
test_long_name(void **state)
{
	static uint8_t d[1500];
	char name[400];
	uint8_t hs[800];
	size_t n = 0, hl;

	(void)state;
	quic_begin();
	while (n < 280) {
		memcpy(name + n, "abcdefg.", 8);
		n += 8;
	}
	memcpy(name + n, "www.bad.example", 16);
	hl = hello(name, hs);
	udp_send(4, 31050, 443, d, crypto_initial(hs, 0, hl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "d1");
	memcpy(name + n, "www.oad.example", 16);
	hl = hello(name, hs);
	udp_send(4, 31051, 443, d, crypto_initial(hs, 0, hl, 1200, 0, d));
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	quic_ctx_free(qc);
}


/* --- HTTP ----------------------------------------------------------- */

/* Send request text at *off of flow sport (port 80); advances *off. */
static void
http_send(uint16_t sport, uint32_t *off, const char *text, size_t len)
{
	tcp_send(4, sport, 80, *off, text, len);
	*off += (uint32_t)len;
}

#define HS(sport, off, lit) http_send(sport, off, lit, sizeof(lit) - 1)

/* One request on a new connection; the verdict is in res. */
static void
http_one(uint16_t sport, const char *text, size_t len)
{
	uint32_t off = 0;

	tcp_open(4, sport, 80);
	http_send(sport, &off, text, len);
}

#define H1(sport, lit) http_one(sport, lit, sizeof(lit) - 1)

static void
assert_blocked(const char *id)
{
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(res.action, VACT_BLOCKED);
	if (id != NULL)
		assert_string_equal(res.match.id, id);
}

static void
assert_passed(void)
{
	assert_int_equal(res.verdict, IV_PASS);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_ALLOWED);
}

/* Issue 12: only the first request of a connection was checked. Now every
 * one is, keep-alive or pipelined, each on its own Host and URL; a later
 * one that matches resets both sides. Twin: allowed requests flow on. */
static void
test_http_every_request(void **state)
{
	uint32_t off = 0;

	(void)state;
	tcp_open(4, 32000, 80);
	HS(32000, &off, "GET / HTTP/1.1\r\nHost: ok.example\r\n\r\n");
	assert_passed();
	HS(32000, &off, "GET /a HTTP/1.1\r\nHost: ok.example\r\n\r\n");
	assert_passed();
	HS(32000, &off, "GET /u/123/x HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
	assert_int_equal(res.nout, 2);		/* resets, no stop page */
	/* pipelined: both in one segment, the second one a listed domain */
	H1(32001, "GET / HTTP/1.1\r\nHost: ok.example\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: www.bad.example\r\n\r\n");
	assert_blocked("d1");
	/* after a body: Content-Length and chunked */
	H1(32002, "POST /f HTTP/1.1\r\nHost: ok.example\r\nContent-Length: 5"
	    "\r\n\r\nGET /GET / HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_int_equal(res.verdict, IV_PASS);		/* "GET /" is body */
	H1(32003, "POST /f HTTP/1.1\r\nHost: ok.example\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n"
	    "GET /u/123/ HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
}

/* Chunk extensions of any length (nginx reads them): the body is walked
 * and the request after it checked. Twin: the next request allowed. */
static void
test_http_chunk_extension(void **state)
{
	static char req[12000];
	static const char head[] = "POST /f HTTP/1.1\r\nHost: ok.example\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3;e=";
	static const char tail[] = "\r\nabc\r\n0\r\n\r\nGET /u/123/ HTTP/1.1\r\n"
	    "Host: share.example\r\n\r\n";
	size_t n = 0, ext = 6000;
	uint32_t off = 0;

	(void)state;
	memcpy(req, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	memset(req + n, 'x', ext);
	n += ext;
	memcpy(req + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	tcp_open(4, 32010, 80);
	for (size_t k = 0; k < n; k += 1400) {
		http_send(32010, &off, req + k, MIN(1400, n - k));
		if (k + 1400 < n)
			assert_int_equal(res.verdict, IV_PASS);
	}
	assert_blocked("u1");
	memcpy(strstr(req + sizeof(head), "/u/123/"), "/u/124/", 7);
	tcp_open(4, 32011, 80);
	off = 0;
	for (size_t k = 0; k < n; k += 1400)
		http_send(32011, &off, req + k, MIN(1400, n - k));
	assert_passed();
}

/* The request line and Host as nginx reads them (each was a fall-back to a
 * name-only check, or no check). Twins: the same spellings on a path that
 * is not listed pass. */
static void
test_http_spellings(void **state)
{
	(void)state;
	/* any scheme in absolute form */
	H1(32020, "GET foo://share.example/u/123/ HTTP/1.1\r\nHost: ok.example\r\n\r\n");
	assert_blocked("u1");
	H1(32021, "GET foo://share.example/v/ HTTP/1.1\r\nHost: ok.example\r\n\r\n");
	assert_passed();
	/* absolute form: the Host is checked too when it differs */
	H1(32022, "GET http://ok.example/u/123/ HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
	/* the Host port cut at the first colon */
	H1(32023, "GET /u/123/ HTTP/1.1\r\nHost: share.example:x\r\n\r\n");
	assert_blocked("u1");
	H1(32024, "GET /v/ HTTP/1.1\r\nHost: share.example:x\r\n\r\n");
	assert_passed();
	/* no userinfo in Host: "a@b" is no name; a server may route it on
	 * either part, and a host with url entries cannot be checked */
	H1(32025, "GET /v/ HTTP/1.1\r\nHost: ok.example@share.example\r\n\r\n");
	assert_blocked(NULL);
	H1(32026, "GET /v/ HTTP/1.1\r\nHost: ok.example@ok2.example\r\n\r\n");
	assert_passed();
	/* version spellings servers accept */
	H1(32027, "GET /u/123/ HTTP/1.01\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
	H1(32028, "GET /u/123/ http/1.1\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
	H1(32029, "GET /v/ HTTP/1.01\r\nHost: share.example\r\n\r\n");
	assert_passed();
	/* CR CR LF line ends (nginx takes them) */
	H1(32030, "GET /u/123/ HTTP/1.1\r\r\nHost: share.example\r\r\n\r\n");
	assert_blocked("u1");
	H1(32031, "GET /v/ HTTP/1.1\r\r\nHost: share.example\r\r\n\r\n");
	assert_passed();
	/* a long unknown method: nginx passes it upstream */
	H1(32034, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    " /u/123/ HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
	/* %2F decoded, as nginx routes */
	H1(32032, "GET /u%2F123/ HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_blocked("u1");
	H1(32033, "GET /u%2F124/ HTTP/1.1\r\nHost: share.example\r\n\r\n");
	assert_passed();
}

/* A query longer than the canonical URL buffer used to fall back to a
 * name-only check. Now the path is matched alone (an entry without a query
 * covers every query); a path that long on a host with url entries blocks.
 * Twins: the same on other paths and hosts. */
static void
test_http_long_target(void **state)
{
	static char req[6000];
	int n;
	uint64_t unc = detail(SD_HTTP_URL_UNCANONICAL);

	(void)state;
	n = snprintf(req, sizeof(req), "GET /u/123/?q=%03000d HTTP/1.1\r\n"
	    "Host: share.example\r\n\r\n", 7);
	http_one(32040, req, (size_t)n);
	assert_blocked("u1");
	n = snprintf(req, sizeof(req), "GET /v/?q=%03000d HTTP/1.1\r\n"
	    "Host: share.example\r\n\r\n", 7);
	http_one(32041, req, (size_t)n);
	assert_passed();
	n = snprintf(req, sizeof(req), "GET /%03000d HTTP/1.1\r\n"
	    "Host: share.example\r\n\r\n", 7);
	http_one(32042, req, (size_t)n);
	assert_blocked(NULL);
	assert_int_equal(detail(SD_HTTP_URL_UNCANONICAL), unc + 1);
	n = snprintf(req, sizeof(req), "GET /%03000d HTTP/1.1\r\n"
	    "Host: ok.example\r\n\r\n", 7);
	http_one(32043, req, (size_t)n);
	assert_passed();
}

/* A request servers refuse after a first good one resets the connection
 * (it used to let the flow go). Twin: after an Upgrade the server may have
 * switched protocols, and WebSocket frames let the flow go. */
static void
test_http_malformed_later(void **state)
{
	uint32_t off = 0;
	uint64_t mal = detail(SD_HTTP_MALFORMED);

	(void)state;
	tcp_open(4, 32050, 80);
	HS(32050, &off, "GET / HTTP/1.1\r\nHost: ok.example\r\n\r\n");
	assert_passed();
	HS(32050, &off, "GET /u/123/ HTTP/1.1x\r\nHost: ok.example\r\n\r\n");
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(detail(SD_HTTP_MALFORMED), mal + 1);
	off = 0;
	tcp_open(4, 32051, 80);
	HS(32051, &off, "GET /chat HTTP/1.1\r\nHost: ok.example\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
	assert_passed();
	HS(32051, &off, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
}

/* HTTP/2 over cleartext (h2c): the preface is blocked (its host is in
 * HPACK); an upgrade on a host with url entries is blocked, elsewhere it
 * is allowed (default url-hosts). h2c = allow lets both go. */
static void
test_http_h2c(void **state)
{
	uint64_t h2 = detail(SD_HTTP_H2C);

	(void)state;
	H1(32060, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(detail(SD_HTTP_H2C), h2 + 1);
	H1(32061, "GET /v/ HTTP/1.1\r\nHost: share.example\r\n"
	    "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
	    "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	H1(32062, "GET /v/ HTTP/1.1\r\nHost: ok.example\r\n"
	    "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
	    "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_int_equal(detail(SD_HTTP_H2C), h2 + 3);
	restart("h2c = allow\n");
	H1(32063, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	restart("h2c = block\n");
	H1(32064, "GET /v/ HTTP/1.1\r\nHost: ok.example\r\nUpgrade: h2c\r\n\r\n");
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	restart("");
}

/* A Host longer than 253 bytes is matched on its end. */
static void
test_http_long_host(void **state)
{
	static char req[800];
	int n, k = 0;
	char host[400];

	(void)state;
	while (k < 280) {
		memcpy(host + k, "abcdefg.", 8);
		k += 8;
	}
	memcpy(host + k, "www.bad.example", 16);
	n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	http_one(32070, req, (size_t)n);
	assert_blocked("d1");
	memcpy(host + k, "www.oad.example", 16);
	n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	http_one(32071, req, (size_t)n);
	assert_int_equal(res.verdict, IV_PASS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_second_question),
		cmocka_unit_test(test_dns_forward_pointer),
		cmocka_unit_test(test_dns_tcp_over_cap),
		cmocka_unit_test(test_dns_tcp_partial),
		cmocka_unit_test(test_dns_tcp_malformed),
		cmocka_unit_test(test_quic_malformed_then_real),
		cmocka_unit_test(test_quic_coalesced),
		cmocka_unit_test(test_quic_crypto_conflict),
		cmocka_unit_test(test_quic_unknown_version),
		cmocka_unit_test(test_quic_short_initial),
		cmocka_unit_test(test_quic_ttl_decoy),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_http_every_request),
		cmocka_unit_test(test_http_chunk_extension),
		cmocka_unit_test(test_http_spellings),
		cmocka_unit_test(test_http_long_target),
		cmocka_unit_test(test_http_malformed_later),
		cmocka_unit_test(test_http_h2c),
		cmocka_unit_test(test_http_long_host),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
