/* test_inspect.c - inspect() on real packet bytes: DNS queries captured from
 * dig (tests/data/dns), ClientHellos from openssl, curl and Chromium
 * (tests/data/tls), HTTP requests from curl (tests/data/http), QUIC
 * Initials from Chromium (tests/data/quic) and v2 / multi-Initial packets
 * built here (quic_build.h). Each case checks the verdict, the forged
 * packets (parsed back) and the counts. */
#include "unit.h"

#include <arpa/inet.h>
#include <unistd.h>
#include <netinet/in.h>

#include "engine/dns.h"
#include "engine/inspect.h"
#include "policy/list.h"
#include "engine/pkt.h"
#include "policy/policy.h"
#include "engine/stats.h"
#include "core/util.h"

#include "quic_build.h"

#define MAXPKT 70000

static struct conf *conf;
static struct list *list;
static struct policy *pol;
static struct stats_thread *st;
static struct inspect_ctx *ctx;
static struct inspect_result res;
static uint64_t clock_ms = 1000;

static const uint8_t C4[4] = {198, 51, 100, 2}, S4[4] = {203, 0, 113, 2};
static uint8_t C6[16], S6[16];

/* --- fixtures ------------------------------------------------------- */

struct blob {
	uint8_t b[MAXPKT];
	size_t n;
};

static void
load(const char *name, struct blob *out)
{
	uint8_t *buf;
	size_t len;
	struct verr e;

	if (file_read(unit_data(name), sizeof(out->b), &buf, &len, &e) == -1)
		fail_msg("%s", e.msg);
	memcpy(out->b, buf, len);
	out->n = len;
	free(buf);
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The n-th packet line (0-based) of a tests/data/dns .hex file. */
static void
load_hex_packet(const char *name, int nth, struct blob *out)
{
	struct blob f;
	char *line, *save = NULL;
	int i = 0;

	load(name, &f);
	f.b[f.n] = '\0';
	for (line = strtok_r((char *)f.b, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || i++ != nth)
			continue;
		out->n = 0;
		for (size_t k = 0; line[k] && line[k + 1]; k += 2)
			out->b[out->n++] = (uint8_t)(hexval(line[k]) << 4 | hexval(line[k + 1]));
		return;
	}
	fail_msg("%s: no packet %d", name, nth);
}

/* --- building packets around payloads --------------------------------- */

static uint16_t
l4_csum(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
    const uint8_t *l4, size_t len)
{
	uint8_t ph[4] = {0, proto, (uint8_t)(len >> 8), (uint8_t)len};
	uint32_t sum = 0;

	sum = pkt_csum_add(sum, src, alen);
	sum = pkt_csum_add(sum, dst, alen);
	sum = pkt_csum_add(sum, ph, 4);
	sum = pkt_csum_add(sum, l4, len);
	return pkt_csum_fold(sum);
}

struct tcpseg {
	uint32_t seq, ack;
	uint8_t flags;
};

/* An IPv4 or IPv6 packet from the client to the server. */
static size_t
build(uint8_t *out, int family, uint8_t proto, uint16_t sport, uint16_t dport,
    const struct tcpseg *t, const void *payload, size_t len)
{
	size_t ipl = family == 4 ? 20 : 40, l4l = proto == IPPROTO_TCP ? 20 : 8;
	uint8_t *l4 = out + ipl;
	uint16_t c;

	memset(out, 0, ipl + l4l);
	if (family == 4) {
		out[0] = 0x45;
		out[2] = (uint8_t)((ipl + l4l + len) >> 8);
		out[3] = (uint8_t)(ipl + l4l + len);
		out[8] = 64;
		out[9] = proto;
		memcpy(out + 12, C4, 4);
		memcpy(out + 16, S4, 4);
		c = pkt_csum_fold(pkt_csum_add(0, out, 20));
		out[10] = (uint8_t)(c >> 8);
		out[11] = (uint8_t)c;
	} else {
		out[0] = 0x60;
		out[4] = (uint8_t)((l4l + len) >> 8);
		out[5] = (uint8_t)(l4l + len);
		out[6] = proto;
		out[7] = 64;
		memcpy(out + 8, C6, 16);
		memcpy(out + 24, S6, 16);
	}
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP) {
		for (int i = 0; i < 4; i++) {
			l4[4 + i] = (uint8_t)(t->seq >> (24 - 8 * i));
			l4[8 + i] = (uint8_t)(t->ack >> (24 - 8 * i));
		}
		l4[12] = 0x50;
		l4[13] = t->flags;
		l4[14] = 0xff;
		l4[15] = 0xff;
	} else {
		l4[4] = (uint8_t)((l4l + len) >> 8);
		l4[5] = (uint8_t)(l4l + len);
	}
	if (len > 0)
		memcpy(l4 + l4l, payload, len);
	c = l4_csum(family == 4 ? C4 : C6, family == 4 ? S4 : S6,
	    family == 4 ? 4 : 16, proto, l4, l4l + len);
	l4[proto == IPPROTO_TCP ? 16 : 6] = (uint8_t)(c >> 8);
	l4[proto == IPPROTO_TCP ? 17 : 7] = (uint8_t)c;
	return ipl + l4l + len;
}

static void
run(const uint8_t *p, size_t len)
{
	struct inspect_meta m = {clock_ms, INSPECT_CSUM_UNVERIFIED};

	inspect(ctx, pol, p, len, &m, &res);
	clock_ms += 1;
}

/* Send a TCP payload on flow (family, sport, dport) at stream offset off
 * (ISN 1000, SYN already sent by tcp_open). */
static void
tcp_send(int family, uint16_t sport, uint16_t dport, uint32_t off,
    const void *data, size_t len)
{
	static uint8_t pkt[MAXPKT];
	struct tcpseg t = {1001 + off, 5001, PKT_TCP_ACK | PKT_TCP_PSH};

	run(pkt, build(pkt, family, IPPROTO_TCP, sport, dport, &t, data, len));
}

static void
tcp_open(int family, uint16_t sport, uint16_t dport)
{
	static uint8_t pkt[128];
	struct tcpseg t = {1000, 0, PKT_TCP_SYN};

	run(pkt, build(pkt, family, IPPROTO_TCP, sport, dport, &t, NULL, 0));
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
}

static void
udp_send(int family, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	static uint8_t pkt[MAXPKT];

	run(pkt, build(pkt, family, IPPROTO_UDP, sport, dport, NULL, data, len));
}

/* --- the policy --------------------------------------------------------- */

static const char list_text[] =
    "{\"format\":\"veto-list/1\",\"feed\":\"test/feed\",\"serial\":\"7\","
    "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\","
    "\"authority\":{\"name\":\"Test Authority\"},"
    "\"categories\":{\"csam\":{\"label\":\"abuse\"},\"test\":{\"label\":\"canary\"}},"
    "\"entries\":["
    "{\"id\":\"dns1\",\"type\":\"host\",\"value\":\"www.example\",\"cat\":\"csam\"},"
    "{\"id\":\"tls1\",\"type\":\"host\",\"value\":\"openssl.example.com\",\"cat\":\"csam\"},"
    "{\"id\":\"chr1\",\"type\":\"domain\",\"value\":\"example.net\",\"cat\":\"csam\"},"
    "{\"id\":\"url1\",\"type\":\"url\",\"value\":\"http://www.example.test:39054/second\",\"cat\":\"csam\"},"
    "{\"id\":\"url2\",\"type\":\"url\",\"value\":\"blocked.example.test/u/123/\",\"cat\":\"csam\"},"
    "{\"id\":\"q1\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"csam\"},"
    "{\"id\":\"can1\",\"type\":\"domain\",\"value\":\"canary.example\",\"cat\":\"test\"}"
    "]}";

static struct conf *
make_conf(const char *extra)
{
	char path[] = "/tmp/veto-inspect-XXXXXX";
	struct verr e;
	struct conf *c;
	FILE *f;
	int fd = mkstemp(path);

	f = fdopen(fd, "w");
	fprintf(f, "stop_page_ipv4 = 192.0.2.1\nstop_page_ipv6 = 2001:db8:ff::1\n"
	    "operator_url = https://isp.example/\n"
	    "list_file = /nonexistent\nlist_key = RWQ\nlist_feed = test/feed\n%s",
	    extra);
	fclose(f);
	c = conf_load(path, &e);
	unlink(path);
	if (c == NULL)
		fail_msg("%s", e.msg);
	return c;
}

static void
start(const char *extra)
{
	struct verr e;
	int health = FEED_OK;
	const struct list_limits lim = {1 << 20, 1000};

	conf = make_conf(extra);
	list = list_parse((const uint8_t *)list_text, sizeof(list_text) - 1, &lim, &e);
	if (list == NULL)
		fail_msg("%s", e.msg);
	pol = policy_build(conf, &list, &health, NULL, &e);
	if (pol == NULL)
		fail_msg("%s", e.msg);
	st = stats_thread_new();
	ctx = inspect_ctx_new(conf, st, true, &e);
	if (ctx == NULL)
		fail_msg("%s", e.msg);
}

static int
setup(void **state)
{
	(void)state;
	inet_pton(AF_INET6, "2001:db8:1::2", C6);
	inet_pton(AF_INET6, "2001:db8:2::2", S6);
	start("");
	return 0;
}

static void
stop(void)
{
	inspect_ctx_free(ctx);
	stats_thread_free(st);
	policy_discard(pol);
	list_unref(list);
	conf_free(conf);
}

static int
teardown(void **state)
{
	(void)state;
	stop();
	return 0;
}

/* --- checks on forged packets ----------------------------------------- */

static void
out_pkt(unsigned i, struct pkt *p)
{
	assert_true(i < res.nout);
	assert_int_equal(pkt_parse(res.out[i].data, res.out[i].len, p), PKT_OK);
	assert_true(pkt_l4_csum_ok(p));
}

static void
assert_to_client(const struct pkt *p, int family)
{
	assert_int_equal(p->family, family);
	assert_memory_equal(p->dst, family == 4 ? C4 : C6, family == 4 ? 4 : 16);
}

/* --- DNS ------------------------------------------------------------- */

static void
test_dns_udp_captured(void **state)
{
	struct blob q;
	struct pkt p, a;
	struct dns_query dq;
	uint64_t blocked;

	(void)state;
	/* dig @198.51.100.53 WwW.eXaMpLe A, with EDNS: host entry www.example */
	load_hex_packet("dns/udp4_a_edns.hex", 0, &q);
	blocked = STATS_GET(st->decision[VPROTO_DNS][VACT_BLOCKED]);
	run(q.b, q.n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_BLOCKED);
	assert_string_equal(res.match.id, "dns1");
	assert_string_equal(res.name, "www.example");
	assert_int_equal(STATS_GET(st->decision[VPROTO_DNS][VACT_BLOCKED]), blocked + 1);
	assert_int_equal(res.nout, 1);
	/* the answer goes back to the querier, ports swapped */
	assert_int_equal(pkt_parse(q.b, q.n, &p), PKT_OK);
	out_pkt(0, &a);
	assert_memory_equal(a.dst, p.src, 4);
	assert_memory_equal(a.src, p.dst, 4);
	assert_int_equal(a.sport, 53);
	assert_int_equal(a.dport, p.sport);
	/* same ID, the question echoed with its letter case, EDNS kept */
	assert_int_equal(a.payload[0], p.payload[0]);
	assert_int_equal(a.payload[1], p.payload[1]);
	assert_true(a.payload[2] & 0x80);	/* QR */
	assert_memory_equal(a.payload + 12, p.payload + 12, 13);	/* WwW.eXaMpLe */
	assert_non_null(memmem(a.payload, a.payload_len, "entry dns1", 10));
	assert_non_null(memmem(a.payload, a.payload_len, "\xc0\x00\x02\x01", 4));
	/* the same query without EDNS, and a name that is not listed */
	load_hex_packet("dns/udp4_a_noedns.hex", 0, &q);
	run(q.b, q.n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_null(memmem(res.out[0].data, res.out[0].len, "entry dns1", 10));
	load_hex_packet("dns/udp6_aaaa.hex", 0, &q);
	assert_int_equal(pkt_parse(q.b, q.n, &p), PKT_OK);
	assert_int_equal(dns_query_parse(p.payload, p.payload_len, &dq), DNS_OK);
	run(q.b, q.n);
	if (strcasecmp(dq.name, "www.example") == 0) {
		assert_int_equal(res.verdict, IV_DROP);
		out_pkt(0, &a);
		assert_int_equal(a.family, 6);
	} else {
		assert_int_equal(res.verdict, IV_PASS);
		assert_int_equal(res.action, VACT_ALLOWED);
	}
}

static void
test_dns_tcp_captured(void **state)
{
	struct blob syn, ack, qry;
	struct pkt p, d, r;

	(void)state;
	/* client SYN, ACK, then the query segment of the captured connection */
	load_hex_packet("dns/tcp4_a.hex", 0, &syn);
	load_hex_packet("dns/tcp4_a.hex", 2, &ack);
	load_hex_packet("dns/tcp4_a.hex", 3, &qry);
	run(syn.b, syn.n);
	assert_int_equal(res.verdict, IV_PASS);
	run(ack.b, ack.n);
	assert_int_equal(res.verdict, IV_PASS);
	run(qry.b, qry.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "dns1");
	assert_int_equal(res.nout, 2);
	assert_int_equal(pkt_parse(qry.b, qry.n, &p), PKT_OK);
	out_pkt(0, &d);		/* the answer, with FIN, to the client */
	assert_memory_equal(d.dst, p.src, 4);
	assert_int_equal(d.seq, p.ack);
	assert_int_equal(d.ack, p.seq + p.payload_len);
	assert_true(d.tcp_flags & PKT_TCP_FIN);
	assert_int_equal((d.payload[0] << 8 | d.payload[1]) + 2, d.payload_len);
	out_pkt(1, &r);		/* a reset to the server */
	assert_memory_equal(r.dst, p.dst, 4);
	assert_true(r.tcp_flags & PKT_TCP_RST);
	assert_int_equal(r.seq, p.seq);
}

static void
test_dns_tcp_split(void **state)
{
	static const uint8_t query[] = {
		0, 33, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'x', 'y', 'z', 3, 'b', 'a', 'd', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 0, 0, 1, 0, 1};

	(void)state;
	tcp_open(6, 40000, 53);
	tcp_send(6, 40000, 53, 0, query, 10);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	tcp_send(6, 40000, 53, 10, query + 10, sizeof(query) - 10);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "q1");
	assert_string_equal(res.name, "xyz.bad.example");
}

/* A name on the wire with bytes >= 0x80 (issue 13): matched as it is and
 * counted, never converted at packet time; the A-label twin is matched
 * canonically. */
static size_t
dns_q(uint8_t *out, const char *name)
{
	static const uint8_t hdr[12] = {0x43, 0x21, 0x01, 0x00, 0, 1, 0, 0,
	    0, 0, 0, 0};
	size_t n = sizeof(hdr);

	memcpy(out, hdr, n);
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (dot != NULL);
	}
	out[n++] = 0;
	memcpy(out + n, "\0\1\0\1", 4);
	return n + 4;
}

static void
test_dns_non_ascii(void **state)
{
	uint8_t q[300];
	uint64_t unc = STATS_GET(st->detail[SD_NAME_UNCANONICAL]);

	(void)state;
	/* UTF-8 under a listed domain: the raw form matches, counted */
	udp_send(4, 5354, 53, q, dns_q(q, "b\xc3\xbc" "cher.bad.example"));
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(STATS_GET(st->detail[SD_NAME_UNCANONICAL]), unc + 1);
	/* the same name as resolvers send it */
	udp_send(4, 5355, 53, q, dns_q(q, "xn--bcher-kva.bad.example"));
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_equal(STATS_GET(st->detail[SD_NAME_UNCANONICAL]), unc + 1);
	/* a UTF-8 name elsewhere: not converted, counted, not blocked */
	udp_send(4, 5356, 53, q, dns_q(q, "\xe4\xb8\xad.example"));
	assert_int_not_equal(res.verdict, IV_DROP);
	assert_int_equal(STATS_GET(st->detail[SD_NAME_UNCANONICAL]), unc + 2);
}

static void
test_dns_malformed(void **state)
{
	static const uint8_t bad[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		70, 'x', 'y'};
	uint64_t before = STATS_GET(st->decision[VPROTO_DNS][VACT_MALFORMED]);

	(void)state;
	udp_send(4, 5353, 53, bad, sizeof(bad));
	assert_int_equal(res.verdict, IV_DROP);	/* dns_malformed = drop */
	assert_int_equal(res.nout, 0);
	assert_int_equal(STATS_GET(st->decision[VPROTO_DNS][VACT_MALFORMED]), before + 1);
}

/* --- TLS ---------------------------------------------------------------- */

static void
tls_case(const char *file, uint16_t sport, int family, size_t cut,
    enum inspect_verdict want, const char *id)
{
	struct blob h;
	struct pkt p;

	load(file, &h);
	tcp_open(family, sport, 443);
	if (cut > 0 && cut < h.n) {
		tcp_send(family, sport, 443, 0, h.b, cut);
		assert_int_equal(res.verdict, IV_PASS);
		assert_false(res.decided);
		tcp_send(family, sport, 443, (uint32_t)cut, h.b + cut, h.n - cut);
	} else {
		tcp_send(family, sport, 443, 0, h.b, h.n);
	}
	assert_int_equal(res.verdict, want);
	assert_true(res.decided);
	assert_int_equal(res.proto, VPROTO_TLS);
	if (want == IV_BLOCK_FLOW) {
		assert_string_equal(res.match.id, id);
		assert_int_equal(res.nout, 2);
		out_pkt(0, &p);
		assert_to_client(&p, family);
		assert_true(p.tcp_flags & PKT_TCP_RST);
		out_pkt(1, &p);
		assert_true(p.tcp_flags & PKT_TCP_RST);
	} else {
		assert_int_equal(res.nout, 0);
	}
}

static void
test_tls_captured(void **state)
{
	(void)state;
	tls_case("tls/openssl_tls13.bin", 41000, 4, 0, IV_BLOCK_FLOW, "tls1");
	tls_case("tls/openssl_tls13.bin", 41001, 6, 100, IV_BLOCK_FLOW, "tls1");
	tls_case("tls/chromium_1.bin", 41002, 4, 0, IV_BLOCK_FLOW, "chr1");
	tls_case("tls/chromium_2.bin", 41003, 6, 1200, IV_BLOCK_FLOW, "chr1");
	tls_case("tls/curl.bin", 41004, 4, 50, IV_ALLOW_FLOW, NULL);
	assert_int_equal(res.action, VACT_ALLOWED);
	assert_string_equal(res.name, "curl.example.org");
	tls_case("tls/openssl_nosni.bin", 41005, 4, 0, IV_ALLOW_FLOW, NULL);
	assert_int_equal(res.action, VACT_UNKNOWN_NAME);
}

/* A packet of a decided flow that was already queued: same verdict, no
 * new decision (the kernel would have dropped it). */
static void
test_tls_late_packets(void **state)
{
	struct blob h;

	(void)state;
	load("tls/openssl_tls13.bin", &h);
	tcp_open(4, 42000, 443);
	tcp_send(4, 42000, 443, 0, h.b, h.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	tcp_send(4, 42000, 443, 0, h.b, h.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_false(res.decided);
}

/* Overlapping segments that disagree: the blocking version wins. */
static void
test_tls_conflict(void **state)
{
	struct blob h, alt;
	const char *good = "opensxl.example.com";	/* same length */
	size_t part;

	(void)state;
	load("tls/openssl_tls13.bin", &h);
	alt = h;
	{
		uint8_t *n = memmem(alt.b, alt.n, "openssl.example.com", 19);
		assert_non_null(n);
		memcpy(n, good, 19);
		part = (size_t)(n - alt.b) + 10;
	}
	tcp_open(4, 43000, 443);
	/* the first segment starts an allowed name ("opensxl.ex")... */
	tcp_send(4, 43000, 443, 0, alt.b, part);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	/* ...then the whole hello again, naming the blocked host */
	tcp_send(4, 43000, 443, 0, h.b, h.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "tls1");
	assert_true(STATS_GET(st->pkt[SP_REASM_CONFLICT]) >= 1);
}

/* --- HTTP ----------------------------------------------------------- */

static void
test_http_keepalive_captured(void **state)
{
	struct blob r;
	char *second;
	size_t first_len;
	struct pkt p;

	(void)state;
	load("http/curl-keepalive-1.http", &r);
	second = memmem(r.b, r.n, "GET /second", 11);
	assert_non_null(second);
	first_len = (size_t)((uint8_t *)second - r.b);
	tcp_open(4, 44000, 80);
	/* the first request names a host that has url entries: checked,
	 * allowed, and the flow stays queued */
	tcp_send(4, 44000, 80, 0, r.b, first_len);
	assert_int_equal(res.verdict, IV_PASS);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_ALLOWED);
	assert_string_equal(res.name, "www.example.test:39054/first");
	/* the second request on the same connection is blocked: reset */
	tcp_send(4, 44000, 80, (uint32_t)first_len, second, r.n - first_len);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "url1");
	assert_int_equal(res.nout, 2);
	out_pkt(0, &p);
	assert_true(p.tcp_flags & PKT_TCP_RST);
	assert_int_equal(p.payload_len, 0);
}

static void
test_http_proxy_form_captured(void **state)
{
	struct blob r;
	struct pkt p;

	(void)state;
	load("http/curl-proxy-1.http", &r);
	tcp_open(6, 44001, 80);
	tcp_send(6, 44001, 80, 0, r.b, r.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "url2");
	assert_int_equal(res.nout, 2);
	out_pkt(0, &p);		/* a 302 with FIN to the client */
	assert_to_client(&p, 6);
	assert_true(p.tcp_flags & PKT_TCP_FIN);
	assert_true(p.payload_len > 20);
	assert_memory_equal(p.payload, "HTTP/1.1 302 Found\r\n", 20);
	assert_non_null(memmem(p.payload, p.payload_len, "entry=url2", 10));
	assert_null(memmem(p.payload, p.payload_len, "u/123", 5));
}

static void
test_http_other_host_offloaded(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\r\nHost: other.example\r\n\r\n";

	(void)state;
	tcp_open(4, 44002, 80);
	tcp_send(4, 44002, 80, 0, req, 20);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	tcp_send(4, 44002, 80, 20, req + 20, sizeof(req) - 1 - 20);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_int_equal(res.action, VACT_ALLOWED);
}

static void
test_not_http_not_tls(void **state)
{
	static const char cookie[] = "\x01\x02iperf3 cookie bytes";

	(void)state;
	tcp_open(4, 44003, 443);
	tcp_send(4, 44003, 443, 0, cookie, sizeof(cookie) - 1);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_false(res.decided);
}

/* --- QUIC ----------------------------------------------------------- */

static void
test_quic_chrome_captured(void **state)
{
	struct blob d1, d2;

	(void)state;
	/* Chromium's ClientHello (SNI chromium.example.net) over two
	 * datagrams, CRYPTO frames shuffled */
	load("quic/chrome_quic1_1.bin", &d1);
	load("quic/chrome_quic1_2.bin", &d2);
	udp_send(4, 45000, 443, d1.b, d1.n);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	udp_send(4, 45000, 443, d2.b, d2.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_int_equal(res.proto, VPROTO_QUIC);
	assert_string_equal(res.match.id, "chr1");
	assert_int_equal(res.nout, 0);	/* dropped, nothing forged */
	/* later datagrams of the flow: dropped without a new decision */
	udp_send(4, 45000, 443, d2.b, d2.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_false(res.decided);
}

/* A ClientHello for `name` split over two Initials of `version`, sent in
 * `reverse` order; returns the second datagram's verdict. */
static void
quic_split(uint32_t version, const char *name, bool reverse, uint16_t sport,
    enum inspect_verdict want)
{
	static uint8_t d[2][1500];
	struct blob tls;
	uint8_t hs[4096], *hn;
	size_t hlen, half, n[2];
	struct fb f[2];

	/* the openssl ClientHello, renamed (same length names only) */
	load("tls/openssl_tls13.bin", &tls);
	hlen = tls.n - 5;
	memcpy(hs, tls.b + 5, hlen);
	hn = memmem(hs, hlen, "openssl.example.com", 19);
	assert_non_null(hn);
	assert_int_equal(strlen(name), 19);
	memcpy(hn, name, 19);
	half = (size_t)(hn - hs) + 7;	/* inside the name */
	memset(f, 0, sizeof(f));
	fb_crypto(&f[0], 0, hs, half);
	fb_pad(&f[0], 1100);
	fb_crypto(&f[1], half, hs + half, hlen - half);
	fb_pad(&f[1], 1100);
	n[0] = initial(version, &f[0], 0, d[0]);
	n[1] = initial(version, &f[1], 1, d[1]);
	udp_send(6, sport, 443, d[reverse], n[reverse]);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	udp_send(6, sport, 443, d[!reverse], n[!reverse]);
	assert_int_equal(res.verdict, want);
	assert_true(res.decided);
	assert_string_equal(res.name, name);
}

static void
test_quic_v1_v2_multi_initial(void **state)
{
	(void)state;
	qc = quic_ctx_new(NULL);
	quic_split(QUIC_V1, "www.bad.example.xyz", false, 46000, IV_ALLOW_FLOW);
	quic_split(QUIC_V1, "abcdefg.bad.example", false, 46001, IV_BLOCK_FLOW);
	quic_split(QUIC_V2, "abcdefg.bad.example", false, 46002, IV_BLOCK_FLOW);
	quic_split(QUIC_V2, "abcdefg.bad.example", true, 46003, IV_BLOCK_FLOW);
	quic_split(QUIC_V2, "notbadx.example.org", true, 46004, IV_ALLOW_FLOW);
	quic_ctx_free(qc);
}

/* --- monitor mode and canaries ---------------------------------------- */

static void
test_monitor_mode(void **state)
{
	struct blob q, h;

	(void)state;
	stop();
	start("mode = monitor\n");
	load_hex_packet("dns/udp4_a_edns.hex", 0, &q);
	run(q.b, q.n);
	assert_int_equal(res.verdict, IV_PASS);
	assert_int_equal(res.action, VACT_BLOCKED);
	assert_true(res.monitor);
	assert_int_equal(res.nout, 0);
	load("tls/openssl_tls13.bin", &h);
	tcp_open(4, 47000, 443);
	tcp_send(4, 47000, 443, 0, h.b, h.n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_true(res.monitor);
	assert_int_equal(STATS_GET(st->detail[SD_MONITOR_WOULD_BLOCK]), 2);
	stop();
	start("");
}

static void
test_canary_counted(void **state)
{
	static const uint8_t query[] = {
		0x55, 0x66, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		6, 'c', 'a', 'n', 'a', 'r', 'y', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 0, 0, 1, 0, 1};
	uint64_t before = STATS_GET(st->detail[SD_CANARY_BLOCKED]);

	(void)state;
	udp_send(4, 5000, 53, query, sizeof(query));
	assert_int_equal(res.verdict, IV_DROP);
	assert_string_equal(res.match.id, "can1");
	assert_int_equal(STATS_GET(st->detail[SD_CANARY_BLOCKED]), before + 1);
}

/* Garbage never crashes and is accepted. */
static void
test_garbage(void **state)
{
	uint8_t b[1500];

	(void)state;
	srand(42);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(b));
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (n > 0)
			b[0] = (uint8_t)((b[0] & 0x0f) | (i & 1 ? 0x40 : 0x60));
		run(b, n);
		assert_true(res.verdict == IV_PASS || res.verdict == IV_ALLOW_FLOW ||
		    res.verdict == IV_DROP || res.verdict == IV_BLOCK_FLOW);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_udp_captured),
		cmocka_unit_test(test_dns_tcp_captured),
		cmocka_unit_test(test_dns_tcp_split),
		cmocka_unit_test(test_dns_malformed),
		cmocka_unit_test(test_dns_non_ascii),
		cmocka_unit_test(test_tls_captured),
		cmocka_unit_test(test_tls_late_packets),
		cmocka_unit_test(test_tls_conflict),
		cmocka_unit_test(test_http_keepalive_captured),
		cmocka_unit_test(test_http_proxy_form_captured),
		cmocka_unit_test(test_http_other_host_offloaded),
		cmocka_unit_test(test_not_http_not_tls),
		cmocka_unit_test(test_quic_chrome_captured),
		cmocka_unit_test(test_quic_v1_v2_multi_initial),
		cmocka_unit_test(test_monitor_mode),
		cmocka_unit_test(test_canary_counted),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
