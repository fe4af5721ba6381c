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

/* A TCP query whose length prefix is above the flow cap could never be
 * complete in veto's buffer: blocked on its first segment. Twin: an
 * EDNS-padded query of 468 bytes (RFC 8467) is read whole and decided. */
static void
test_dns_tcp_over_cap(void **state)
{
	static uint8_t m[20002];
	static const char name[] = "\3www\3ok1\7example\0" DQ_A;
	size_t n;
	uint64_t over = detail(SD_DNS_TCP_OVER_CAP);

	(void)state;
	memset(m, 0, sizeof(m));
	n = dnsq(m + 2, 1, name, sizeof(name) - 1);
	m[0] = (uint8_t)((sizeof(m) - 2) >> 8);
	m[1] = (uint8_t)(sizeof(m) - 2);
	m[2 + 11] = 1;		/* ARCOUNT 1: an OPT with padding follows */
	tcp_open(4, 30010, 53);
	tcp_send(4, 30010, 53, 0, m, 2 + n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(detail(SD_DNS_TCP_OVER_CAP), over + 1);
	assert_int_equal(res.nout, 2);		/* resets both ways */

	/* the twin: 468 bytes with the padding option, sent in two parts */
	m[0] = (468 - 2) >> 8, m[1] = (uint8_t)(468 - 2);
	m[2 + n] = 0;				/* OPT: root owner */
	m[2 + n + 1] = 0, m[2 + n + 2] = 41;	/* type OPT */
	m[2 + n + 3] = 0x04, m[2 + n + 4] = 0xd0;
	m[2 + n + 9] = 0, m[2 + n + 10] = (uint8_t)(468 - 2 - n - 11);
	m[2 + n + 11] = 0, m[2 + n + 12] = 12;	/* option 12: padding */
	m[2 + n + 13] = 0, m[2 + n + 14] = (uint8_t)(468 - 2 - n - 15);
	tcp_open(4, 30011, 53);
	tcp_send(4, 30011, 53, 0, m, 100);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	tcp_send(4, 30011, 53, 100, m + 100, 468 - 100);
	assert_int_equal(res.verdict, IV_PASS);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_ALLOWED);
	assert_int_equal(detail(SD_DNS_TCP_OVER_CAP), over + 1);
}

/* A TCP query is decided on its questions before the rest of it (padding)
 * arrives: a listed name blocks at once. Twin: a name that is not listed
 * waits for the whole message. */
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
	tcp_send(6, 30021, 53, 0, m, 2 + n);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
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

/* keep the shared helpers referenced until every section uses them */
static void (*const unused_helpers[])(void) = {
	(void (*)(void))load, (void (*)(void))initial, (void (*)(void))fb_pad,
	(void (*)(void))fb_crypto,
};

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_second_question),
		cmocka_unit_test(test_dns_forward_pointer),
		cmocka_unit_test(test_dns_tcp_over_cap),
		cmocka_unit_test(test_dns_tcp_partial),
		cmocka_unit_test(test_dns_tcp_malformed),
	};
	(void)unused_helpers;
	return cmocka_run_group_tests(tests, setup, teardown);
}
