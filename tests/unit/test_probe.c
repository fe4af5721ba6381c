/* test_probe.c - the audit's probes read back by the filter's own parsers
 * (dns.c, tls.c, quic.c, http.c), and the reply classifiers on answers
 * made by the filter's own builders (dns_answer_build, stop_block_response)
 * and on captured real answers. */
#include "unit.h"

#include <arpa/inet.h>

#include "engine/dns.h"
#include "engine/http.h"
#include "trust/listset.h"
#include "audit/probe.h"
#include "engine/quic.h"
#include "serve/stoppage.h"
#include "engine/tls.h"

#include "hexpkt.h"

static struct quic_ctx *qc;

static int
setup(void **state)
{
	struct verr e;

	(void)state;
	qc = quic_ctx_new(&e);
	return qc == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	quic_ctx_free(qc);
	return 0;
}

/* --- DNS ---------------------------------------------------------------- */

static void
test_dns_query_parses(void **state)
{
	uint8_t b[PROBE_DNS_MAX];
	struct dns_query q;
	int n;

	(void)state;
	n = probe_dns_query("Canary.Hotline.Example.", DNS_TYPE_A, 0x1234, true,
	    false, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(dns_query_parse(b, (size_t)n, &q), DNS_OK);
	assert_int_equal(q.id, 0x1234);
	assert_string_equal(q.name, "Canary.Hotline.Example");
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_true(q.edns);
	assert_int_equal(q.edns_udp_size, 1232);
	assert_int_equal(q.flags & 0x0100, 0x0100);	/* RD */
	assert_false(q.bad_records);

	/* over TCP: the same message after its length */
	n = probe_dns_query("bad.example", DNS_TYPE_AAAA, 7, false, true, b,
	    sizeof(b));
	assert_true(n > 2);
	assert_int_equal((b[0] << 8 | b[1]), n - 2);
	assert_int_equal(dns_query_parse(b + 2, (size_t)n - 2, &q), DNS_OK);
	assert_string_equal(q.name, "bad.example");
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_false(q.edns);
}

static void
test_dns_query_refuses_bad_names(void **state)
{
	uint8_t b[PROBE_DNS_MAX];
	char long_label[80], long_name[300];

	(void)state;
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	for (int i = 0; i < 130; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	long_name[260] = '\0';
	assert_int_equal(probe_dns_query("", 1, 1, true, false, b, sizeof(b)), -1);
	assert_int_equal(probe_dns_query(".", 1, 1, true, false, b, sizeof(b)), -1);
	assert_int_equal(probe_dns_query("a..b", 1, 1, true, false, b, sizeof(b)), -1);
	assert_int_equal(probe_dns_query(long_label, 1, 1, true, false, b,
	    sizeof(b)), -1);
	assert_int_equal(probe_dns_query(long_name, 1, 1, true, false, b,
	    sizeof(b)), -1);
	/* a buffer too small is an error, not an overflow */
	assert_int_equal(probe_dns_query("bad.example", 1, 1, true, false, b,
	    20), -1);
}

/* The filter's own forged answers, read back. */
static int
forged(const char *name, enum dns_action act, uint16_t ede, bool edns,
    uint8_t *out, size_t cap)
{
	static const uint8_t stop4[4] = {192, 0, 2, 1};
	uint8_t qb[PROBE_DNS_MAX];
	struct dns_query q;
	struct dns_answer a = {
		.action = act, .ttl = 60, .stop4 = stop4, .ede = ede,
		.extra_text = "blocked by feed demo-hotline/demo, entry d1",
	};
	int n = probe_dns_query(name, DNS_TYPE_A, 99, edns, false, qb,
	    sizeof(qb));

	assert_true(n > 0);
	assert_int_equal(dns_query_parse(qb, (size_t)n, &q), DNS_OK);
	return dns_answer_build(&q, &a, out, cap);
}

static void
test_dns_reply_forged(void **state)
{
	uint8_t b[DNS_ANSWER_MAX];
	struct probe_dns_reply r;
	struct probe_stop stop = {.has4 = true};
	int n;

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", &stop.a4);
	n = forged("bad.example", DNS_ACT_STOPPAGE, DNS_EDE_CENSORED, true, b,
	    sizeof(b));
	assert_true(n > 0);
	assert_int_equal(probe_dns_reply_parse(b, (size_t)n, &r), 0);
	assert_int_equal(r.id, 99);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.naddr, 1);
	assert_memory_equal(r.addr[0].a, "\xc0\x00\x02\x01", 4);
	assert_true(r.has_ede);
	assert_int_equal(r.ede, DNS_EDE_CENSORED);
	assert_string_equal(r.ede_text,
	    "blocked by feed demo-hotline/demo, entry d1");
	assert_true(probe_dns_blocked(&r, &stop));
	assert_true(probe_dns_blocked(&r, NULL));	/* the EDE alone */

	/* without EDNS no EDE: the stop page address says it */
	n = forged("bad.example", DNS_ACT_STOPPAGE, DNS_EDE_CENSORED, false, b,
	    sizeof(b));
	assert_int_equal(probe_dns_reply_parse(b, (size_t)n, &r), 0);
	assert_false(r.has_ede);
	assert_true(probe_dns_blocked(&r, &stop));
	assert_false(probe_dns_blocked(&r, NULL));

	/* NXDOMAIN and REFUSED with EDE 15-18 */
	for (uint16_t ede = DNS_EDE_BLOCKED; ede <= DNS_EDE_PROHIBITED; ede++) {
		n = forged("bad.example", DNS_ACT_NXDOMAIN, ede, true, b,
		    sizeof(b));
		assert_int_equal(probe_dns_reply_parse(b, (size_t)n, &r), 0);
		assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
		assert_true(probe_dns_blocked(&r, NULL));
	}
	n = forged("bad.example", DNS_ACT_REFUSED, 0, true, b, sizeof(b));
	assert_int_equal(probe_dns_reply_parse(b, (size_t)n, &r), 0);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
	assert_false(probe_dns_blocked(&r, &stop));	/* no EDE: a real one? */
}

/* A real answer from unbound (tests/data/dns), and every truncation of
 * a forged one. */
static void
test_dns_reply_real_and_truncated(void **state)
{
	static struct hexpkt pk[HEXPKT_MAX];
	uint8_t b[DNS_ANSWER_MAX];
	struct probe_dns_reply r;
	struct probe_stop stop = {.has4 = true};
	int n, np;

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", &stop.a4);
	np = hexpkt_load("dns/udp4_a_edns.hex", pk, HEXPKT_MAX);
	assert_int_equal(np, 2);
	/* the answer: IPv4 (20) + UDP (8) */
	assert_int_equal(probe_dns_reply_parse(pk[1].data + 28, pk[1].len - 28,
	    &r), 0);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.naddr, 1);
	assert_memory_equal(r.addr[0].a, "\xc0\x00\x02\x50", 4);	/* .80 */
	assert_true(r.edns);
	assert_false(probe_dns_blocked(&r, &stop));
	/* a query is no reply */
	assert_int_equal(probe_dns_reply_parse(pk[0].data + 28, pk[0].len - 28,
	    &r), -1);

	n = forged("www.bad.example", DNS_ACT_STOPPAGE, 16, true, b, sizeof(b));
	for (int cut = 0; cut < n; cut++) {
		uint8_t *copy = malloc((size_t)cut + 1);
		memcpy(copy, b, (size_t)cut);
		assert_int_equal(probe_dns_reply_parse(copy, (size_t)cut, &r), -1);
		free(copy);
	}
}

/* --- HTTP --------------------------------------------------------------- */

static void
test_http_request_parses(void **state)
{
	char b[PROBE_HTTP_MAX];
	struct http_req req;
	int n;

	(void)state;
	n = probe_http_request("share.example", "/u/123/", b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(http_parse((const uint8_t *)b, (size_t)n, &req, NULL),
	    HTTP_OK);
	assert_int_equal(req.host.len, strlen("share.example"));
	assert_memory_equal(req.host.p, "share.example", req.host.len);
	assert_int_equal(req.target.len, strlen("/u/123/"));
	assert_memory_equal(req.target.p, "/u/123/", req.target.len);
	assert_int_equal(req.header_end, (size_t)n);
	assert_int_equal(probe_http_request("a.example", "x", b, sizeof(b)), -1);
	assert_int_equal(probe_http_request("a.example", "/a b", b, sizeof(b)), -1);
	assert_int_equal(probe_http_request("a.example\r\nX: y", "/", b,
	    sizeof(b)), -1);
	assert_int_equal(probe_http_request("a.example", "/", b, 20), -1);
}

/* The filter's injected responses (stoppage.c) are recognised. */
static void
test_http_classify_stop_responses(void **state)
{
	struct listset ls;
	struct policy *pol;
	struct match_result m;
	struct verr e;
	char b[4096];
	int n, status = 0;
	static char path[] = "conf/demo/list.json";
	char *lists[1] = {path};

	(void)state;
	assert_int_equal(listset_from_files(&ls, lists, 1, NULL, 0, &e), 0);
	free(ls.conf->stop_page_url);
	ls.conf->stop_page_url = xstrdup("http://192.0.2.1/");
	assert_non_null(pol = listset_policy(&ls, &e));
	assert_true(match_name(pol->matcher, "bad.example", 11, &m));

	pol->conf->http_action = HTTP_ACTION_REDIRECT;
	n = stop_block_response(pol, &m, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(probe_http_classify((uint8_t *)b, (size_t)n, NULL,
	    &status), PROBE_HTTP_BLOCKED);
	assert_int_equal(status, 302);
	/* every prefix short of the header's end needs more */
	for (int cut = 0; cut < n && memmem(b, (size_t)cut, "\r\n\r\n", 4) ==
	    NULL; cut++)
		assert_int_equal(probe_http_classify((uint8_t *)b, (size_t)cut,
		    NULL, &status), PROBE_HTTP_NEED_MORE);

	pol->conf->http_action = HTTP_ACTION_451;
	n = stop_block_response(pol, &m, b, sizeof(b));
	assert_int_equal(probe_http_classify((uint8_t *)b, (size_t)n, NULL,
	    &status), PROBE_HTTP_BLOCKED);
	assert_int_equal(status, 451);
	policy_discard(pol);
	listset_free(&ls);
}

static void
test_http_classify_servers(void **state)
{
	static const char *ok = "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
	    "Content-Length: 3\r\n\r\nhi\n";
	static const char *redirect = "HTTP/1.1 302 Found\r\n"
	    "Location: https://www.example/login?next=/\r\n\r\n";
	static const char *to_stop = "HTTP/1.0 301 Moved\r\n"
	    "location: http://stop.isp.example/blocked\r\n\r\n";
	int status = 0;

	(void)state;
	assert_int_equal(probe_http_classify((const uint8_t *)ok, strlen(ok),
	    NULL, &status), PROBE_HTTP_PASSED);
	assert_int_equal(status, 200);
	assert_int_equal(probe_http_classify((const uint8_t *)redirect,
	    strlen(redirect), "http://192.0.2.1/", &status), PROBE_HTTP_PASSED);
	assert_int_equal(probe_http_classify((const uint8_t *)to_stop,
	    strlen(to_stop), "http://stop.isp.example/", &status),
	    PROBE_HTTP_BLOCKED);
	assert_int_equal(probe_http_classify((const uint8_t *)"SSH-2.0-x\r\n\r\n",
	    13, NULL, &status), PROBE_HTTP_GARBAGE);
	assert_int_equal(probe_http_classify((const uint8_t *)"HTTP/1.1 2x0 \r\n\r\n",
	    17, NULL, &status), PROBE_HTTP_GARBAGE);
	assert_int_equal(probe_http_classify((const uint8_t *)"HT", 2, NULL,
	    &status), PROBE_HTTP_NEED_MORE);
}

/* --- TLS and QUIC ------------------------------------------------------- */

static void
hello_init(struct probe_hello *h, const char *sni, bool quic)
{
	static const uint8_t scid[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	memset(h, 0, sizeof(*h));
	h->sni = sni;
	h->alpn = quic ? "h3" : "http/1.1";
	memset(h->random, 0x11, 32);
	memset(h->session_id, 0x22, 32);
	memset(h->key_share, 0x33, 32);
	h->quic = quic;
	h->scid = scid;
	h->scid_len = sizeof(scid);
}

static void
test_client_hello_parses(void **state)
{
	uint8_t b[PROBE_HELLO_MAX], scratch[TLS_SCRATCH_MAX];
	struct probe_hello h;
	struct tls_hello th;
	int n;

	(void)state;
	hello_init(&h, "canary.hotline.example", false);
	n = probe_client_hello(&h, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(tls_parse_stream(b, (size_t)n, scratch, sizeof(scratch),
	    &th), TLS_NAME);
	assert_int_equal(th.name_len, strlen("canary.hotline.example"));
	assert_memory_equal(th.name, "canary.hotline.example", th.name_len);
	assert_true(th.flags & TLS_F_COMPLETE);
	assert_false(th.flags & (TLS_F_ECH | TLS_F_QUIC_TP | TLS_F_BAD_NAME));
	assert_int_equal(th.version, 0x0303);
	/* the record length is the rest of the bytes */
	assert_int_equal(b[3] << 8 | b[4], n - 5);

	hello_init(&h, "bad.example", true);
	n = probe_client_hello(&h, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(b[0], 1);	/* no record header */
	assert_int_equal(tls_parse_handshake(b, (size_t)n, &th), TLS_NAME);
	assert_memory_equal(th.name, "bad.example", 11);
	assert_true(th.flags & TLS_F_QUIC_TP);

	hello_init(&h, NULL, false);
	n = probe_client_hello(&h, b, sizeof(b));
	assert_int_equal(tls_parse_stream(b, (size_t)n, scratch, sizeof(scratch),
	    &th), TLS_NO_NAME);
	assert_true(th.flags & TLS_F_NO_SNI);
	assert_int_equal(probe_client_hello(&h, b, 100), -1);
}

static void
test_quic_initial_decrypts(void **state)
{
	static const uint8_t dcid[8] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3};
	static const uint8_t scid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t hello[PROBE_HELLO_MAX], pkt[1500], buf[1500 + TLS_SCRATCH_MAX];
	struct probe_hello h;
	struct tls_hello th;
	struct quic_info qi;
	enum tls_status ts;
	int n, len;

	(void)state;
	hello_init(&h, "www.bad.example", true);
	n = probe_client_hello(&h, hello, sizeof(hello));
	assert_true(n > 0);
	len = probe_quic_initial(qc, dcid, sizeof(dcid), scid, sizeof(scid),
	    hello, (size_t)n, pkt, sizeof(pkt));
	assert_int_equal(len, PROBE_INITIAL_LEN);
	assert_true(quic_is_initial(pkt, (size_t)len));
	assert_int_equal(quic_sni(qc, pkt, (size_t)len, buf, sizeof(buf), &ts,
	    &th), QUIC_OK);
	assert_int_equal(ts, TLS_NAME);
	assert_int_equal(th.name_len, strlen("www.bad.example"));
	assert_memory_equal(th.name, "www.bad.example", th.name_len);
	assert_int_equal(quic_parse(qc, pkt, (size_t)len, NULL, buf,
	    sizeof(buf), NULL, NULL, &qi), QUIC_OK);
	assert_int_equal(qi.version, QUIC_V1);
	assert_int_equal(qi.dcid_len, 8);
	assert_memory_equal(qi.dcid, dcid, 8);
	assert_int_equal(qi.initials, 1);
	assert_int_equal(qi.crypto_frames, 1);
	/* one flipped bit anywhere in the protected part: not authentic */
	pkt[600] ^= 0x01;
	assert_int_equal(quic_parse(qc, pkt, (size_t)len, NULL, buf,
	    sizeof(buf), NULL, NULL, NULL), QUIC_UNDECRYPTABLE);
	/* short DCIDs (below the 8 bytes a client must use) are refused */
	assert_int_equal(probe_quic_initial(qc, dcid, 4, scid, sizeof(scid),
	    hello, (size_t)n, pkt, sizeof(pkt)), -1);
}

static void
test_tls_classify(void **state)
{
	static const uint8_t sh[] = {22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3};
	static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 112};
	static const uint8_t other_hs[] = {22, 3, 3, 0, 4, 11, 0, 0, 0};

	(void)state;
	assert_int_equal(probe_tls_classify(sh, sizeof(sh)),
	    PROBE_TLS_SERVER_HELLO);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(probe_tls_classify(sh, i), PROBE_TLS_NEED_MORE);
	assert_int_equal(probe_tls_classify(alert, sizeof(alert)),
	    PROBE_TLS_ALERT);
	assert_int_equal(probe_tls_classify(other_hs, sizeof(other_hs)),
	    PROBE_TLS_OTHER);
	assert_int_equal(probe_tls_classify((const uint8_t *)"HTTP/1.1 400", 12),
	    PROBE_TLS_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_query_parses),
		cmocka_unit_test(test_dns_query_refuses_bad_names),
		cmocka_unit_test(test_dns_reply_forged),
		cmocka_unit_test(test_dns_reply_real_and_truncated),
		cmocka_unit_test(test_http_request_parses),
		cmocka_unit_test(test_http_classify_stop_responses),
		cmocka_unit_test(test_http_classify_servers),
		cmocka_unit_test(test_client_hello_parses),
		cmocka_unit_test(test_quic_initial_decrypts),
		cmocka_unit_test(test_tls_classify),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
