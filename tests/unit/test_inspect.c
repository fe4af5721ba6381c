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

/* What the next built packet carries beyond the usual (decoys): its TTL
 * (0: 64) and TCP options (a multiple of 4 bytes). build() resets it. */
static struct {
	uint8_t ttl;
	uint8_t opt[40];
	size_t optlen;
} next_pkt;

/* An IPv4 or IPv6 packet from the client to the server. */
static size_t
build(uint8_t *out, int family, uint8_t proto, uint16_t sport, uint16_t dport,
    const struct tcpseg *t, const void *payload, size_t len)
{
	size_t ipl = family == 4 ? 20 : 40;
	size_t l4l = proto == IPPROTO_TCP ? 20 + next_pkt.optlen : 8;
	uint8_t *l4 = out + ipl, ttl = next_pkt.ttl ? next_pkt.ttl : 64;
	uint16_t c;

	memset(out, 0, ipl + l4l);
	if (family == 4) {
		out[0] = 0x45;
		out[2] = (uint8_t)((ipl + l4l + len) >> 8);
		out[3] = (uint8_t)(ipl + l4l + len);
		out[8] = ttl;
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
		out[7] = ttl;
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
		l4[12] = (uint8_t)((l4l / 4) << 4);
		l4[13] = t->flags;
		l4[14] = 0xff;
		l4[15] = 0xff;
		memcpy(l4 + 20, next_pkt.opt, next_pkt.optlen);
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
	memset(&next_pkt, 0, sizeof(next_pkt));
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

/* Overlapping segments that disagree: the server holds the first copy
 * (passed, parsed), veto follows it: the second copy is dropped and
 * counted, and the flow is decided on what the server assembles. */
static void
test_tls_conflict(void **state)
{
	struct blob h, alt;
	const char *good = "opensxl.example.com";	/* same length */
	size_t part;
	uint64_t conflicts = STATS_GET(st->pkt[SP_TCP_CONFLICT]);

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
	/* ...then the whole hello again, naming the blocked host: dropped */
	tcp_send(4, 43000, 443, 0, h.b, h.n);
	assert_int_equal(res.verdict, IV_DROP);
	assert_false(res.decided);
	assert_int_equal(STATS_GET(st->pkt[SP_TCP_CONFLICT]), conflicts + 1);
	assert_true(STATS_GET(st->pkt[SP_REASM_CONFLICT]) >= 1);
	/* the server's stream goes on from what it holds */
	tcp_send(4, 43000, 443, (uint32_t)part, h.b + part, h.n - part);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_string_equal(res.name, good);
	/* the twin: an exact retransmission overlapping the end is taken */
	tcp_open(4, 43001, 443);
	tcp_send(4, 43001, 443, 0, h.b, part);
	tcp_send(4, 43001, 443, 0, h.b, h.n);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "tls1");
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

/* A request to a host without url entries is allowed, and the flow stays
 * undecided: the next request on it is checked too (issue 12). */
static void
test_http_other_host_offloaded(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\r\nHost: other.example\r\n\r\n";
	static const char next[] = "GET / HTTP/1.1\r\nHost: www.example\r\n\r\n";

	(void)state;
	tcp_open(4, 44002, 80);
	tcp_send(4, 44002, 80, 0, req, 20);
	assert_int_equal(res.verdict, IV_PASS);
	assert_false(res.decided);
	tcp_send(4, 44002, 80, 20, req + 20, sizeof(req) - 1 - 20);
	assert_int_equal(res.verdict, IV_PASS);
	assert_true(res.decided);
	assert_int_equal(res.action, VACT_ALLOWED);
	tcp_send(4, 44002, 80, sizeof(req) - 1, next, sizeof(next) - 1);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_string_equal(res.match.id, "dns1");
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
	fb_pad(&f[0], 1200);	/* datagrams of at least 1200 bytes */
	fb_crypto(&f[1], half, hs + half, hlen - half);
	fb_pad(&f[1], 1200);
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

/* --- issue 12: a client that shapes its own traffic ----------------------
 * Each bypass found on the old main, through inspect() with crafted
 * packets (the attack: never allowed), and its legitimate twin (completes
 * and is decided correctly). Flows use ISN 1000 (tcp_open). */

/* One IPv4 TCP segment with any sequence number and flags. */
static void
seg(uint16_t sport, uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	static uint8_t pkt[MAXPKT];
	struct tcpseg t = {seq, 5001, flags};

	run(pkt, build(pkt, 4, IPPROTO_TCP, sport, 443, &t, data, len));
}

#define DATA (PKT_TCP_ACK | PKT_TCP_PSH)

/* The blocked hello (openssl.example.com) and its allowed twin. */
static void
hellos(struct blob *bad, struct blob *good)
{
	uint8_t *n;

	load("tls/openssl_tls13.bin", bad);
	*good = *bad;
	n = memmem(good->b, good->n, "openssl.example.com", 19);
	assert_non_null(n);
	memcpy(n, "opensxl.example.com", 19);
}

static void
want_blocked(const char *id)
{
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	assert_true(res.decided);
	if (id != NULL)
		assert_string_equal(res.match.id, id);
}

static void
want_undecided(enum inspect_verdict v)
{
	assert_int_equal(res.verdict, v);
	assert_false(res.decided);
}

/* (a) one byte at offset 16384 marked the flow over the cap: allowed. */
static void
test_bypass_a_far_byte(void **state)
{
	struct blob bad, good;
	uint64_t ahead = STATS_GET(st->pkt[SP_TCP_AHEAD]);

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50000, 443);
	tcp_send(4, 50000, 443, 16384, "x", 1);
	want_undecided(IV_DROP);
	assert_int_equal(STATS_GET(st->pkt[SP_TCP_AHEAD]), ahead + 1);
	tcp_send(4, 50000, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* twin: reordered halves of an allowed hello, the sender retransmits
	 * in order: decided on its name */
	tcp_open(4, 50001, 443);
	tcp_send(4, 50001, 443, 100, good.b + 100, good.n - 100);
	want_undecided(IV_DROP);
	tcp_send(4, 50001, 443, 0, good.b, 100);
	want_undecided(IV_PASS);
	tcp_send(4, 50001, 443, 100, good.b + 100, good.n - 100);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_string_equal(res.name, "opensxl.example.com");
}

/* (b) a second SYN with another ISN mid-handshake restarted veto's copy
 * of the stream, which then started mid-hello: "not HTTP", allowed. */
static void
test_bypass_b_second_syn(void **state)
{
	struct blob bad, good;
	size_t half = 160;

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50010, 443);
	tcp_send(4, 50010, 443, 0, bad.b, half);
	seg(50010, 777000, PKT_TCP_SYN, NULL, 0);
	want_undecided(IV_DROP);
	assert_true(STATS_GET(st->pkt[SP_TCP_SYN_ISN]) >= 1);
	/* the rest sent in the new ISN's space is not the server's stream */
	seg(50010, 777001 + (uint32_t)half, DATA, bad.b + half, bad.n - half);
	assert_int_equal(res.verdict, IV_DROP);
	assert_int_not_equal(res.verdict, IV_ALLOW_FLOW);
	tcp_send(4, 50010, 443, (uint32_t)half, bad.b + half, bad.n - half);
	want_blocked("tls1");
	/* syn-shift (fuzz_stream): after the handshake's ACK, before any
	 * data, a SYN with ISN + 15, then the hello from byte 15 (not HTTP,
	 * allowed, in veto's shifted view), then bytes 0-14 */
	tcp_open(4, 50012, 443);
	seg(50012, 1001, PKT_TCP_ACK, NULL, 0);
	seg(50012, 1015, PKT_TCP_SYN, NULL, 0);
	want_undecided(IV_DROP);
	seg(50012, 1016, DATA, bad.b + 15, bad.n - 15);
	want_undecided(IV_DROP);
	tcp_send(4, 50012, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* twin: a retransmitted SYN (same ISN) changes nothing */
	tcp_open(4, 50011, 443);
	tcp_send(4, 50011, 443, 0, good.b, half);
	seg(50011, 1000, PKT_TCP_SYN, NULL, 0);
	want_undecided(IV_PASS);
	tcp_send(4, 50011, 443, (uint32_t)half, good.b + half, good.n - half);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
}

/* (c) past the 10 s idle expiry, the second half first: midstream,
 * allowed. Undecided flows holding data are now held 60 s; past that, a
 * flow seen mid-stream is never allowed. */
static void
test_bypass_c_idle_midstream(void **state)
{
	struct blob bad, good;
	size_t half = 160;
	uint64_t mid = STATS_GET(st->pkt[SP_TCP_MIDSTREAM]);

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50020, 443);
	tcp_send(4, 50020, 443, 0, bad.b, half);
	clock_ms += 11000;
	tcp_send(4, 50020, 443, (uint32_t)half + 20, bad.b + half + 20,
	    bad.n - half - 20);
	want_undecided(IV_DROP);	/* still held: out of order */
	tcp_send(4, 50020, 443, (uint32_t)half, bad.b + half, bad.n - half);
	want_blocked("tls1");
	/* past the hold: the second half alone starts a midstream flow */
	tcp_open(4, 50021, 443);
	tcp_send(4, 50021, 443, 0, bad.b, half);
	clock_ms += 61000;
	tcp_send(4, 50021, 443, (uint32_t)half, bad.b + half, bad.n - half);
	want_blocked(NULL);
	assert_int_equal(STATS_GET(st->pkt[SP_TCP_MIDSTREAM]), mid + 1);
	/* found by fuzz_stream: the segment that starts the midstream flow
	 * is itself dropped (urgent data); the next one, in order after it,
	 * is still on a midstream flow */
	tcp_open(4, 50023, 443);
	tcp_send(4, 50023, 443, 0, bad.b, half);
	clock_ms += 61000;
	seg(50023, 1001 + (uint32_t)half, DATA | PKT_TCP_URG, bad.b + half, 1);
	want_undecided(IV_DROP);
	tcp_send(4, 50023, 443, (uint32_t)half, bad.b + half, bad.n - half);
	want_blocked(NULL);
	/* twin: a browser's preconnect, the handshake then 30 s idle, then
	 * the hello: the flow was held, the hello is decided on its name */
	tcp_open(4, 50024, 443);
	seg(50024, 1001, PKT_TCP_ACK, NULL, 0);
	clock_ms += 30000;
	tcp_send(4, 50024, 443, 0, good.b, good.n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_string_equal(res.name, "opensxl.example.com");
	/* twin: a slow client (11 s between its segments) is decided */
	tcp_open(4, 50022, 443);
	tcp_send(4, 50022, 443, 0, good.b, half);
	clock_ms += 11000;
	tcp_send(4, 50022, 443, (uint32_t)half, good.b + half, good.n - half);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
}

/* (d) any RST made veto forget the flow (the server ignores an inexact
 * one, RFC 5961), and the rest went through as a new midstream flow. */
static void
test_bypass_d_inexact_rst(void **state)
{
	struct blob bad;
	size_t half = 160;

	(void)state;
	hellos(&bad, &(struct blob){0});
	tcp_open(4, 50030, 443);
	tcp_send(4, 50030, 443, 0, bad.b, half);
	seg(50030, 1001 + (uint32_t)half + 500, PKT_TCP_RST, NULL, 0);
	want_undecided(IV_DROP);
	seg(50030, 1001, PKT_TCP_RST | PKT_TCP_ACK, NULL, 0);
	want_undecided(IV_DROP);
	assert_true(STATS_GET(st->pkt[SP_TCP_RST]) >= 2);
	tcp_send(4, 50030, 443, (uint32_t)half, bad.b + half, bad.n - half);
	want_blocked("tls1");
	/* twin: the exact RST passes and releases; what follows is a new
	 * flow seen mid-stream: never allowed */
	tcp_open(4, 50031, 443);
	tcp_send(4, 50031, 443, 0, bad.b, half);
	seg(50031, 1001 + (uint32_t)half, PKT_TCP_RST, NULL, 0);
	want_undecided(IV_PASS);
	tcp_send(4, 50031, 443, (uint32_t)half, bad.b + half, bad.n - half);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
}

/* (e) eight one-byte islands, then the SNI segment as a ninth: refused by
 * the reassembly (too many holes) but passed to the server unseen. */
static void
test_bypass_e_islands(void **state)
{
	struct blob bad, good;

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50040, 443);
	tcp_send(4, 50040, 443, 0, bad.b, 100);
	for (uint32_t i = 0; i < 8; i++) {
		tcp_send(4, 50040, 443, 200 + 2 * i, bad.b + 200 + 2 * i, 1);
		want_undecided(IV_DROP);
	}
	tcp_send(4, 50040, 443, 140, bad.b + 140, 40);	/* the SNI */
	want_undecided(IV_DROP);
	tcp_send(4, 50040, 443, 100, bad.b + 100, bad.n - 100);
	want_blocked("tls1");
	/* twin: the same hello in 1-byte segments in order, under the cap */
	tcp_open(4, 50041, 443);
	tcp_send(4, 50041, 443, 0, good.b, 150);
	for (uint32_t i = 150; i < 160; i++) {
		tcp_send(4, 50041, 443, i, good.b + i, 1);
		want_undecided(IV_PASS);
	}
	tcp_send(4, 50041, 443, 160, good.b + 160, good.n - 160);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
}

/* A ClientHello of about n bytes: the captured one with a padding
 * extension (type 21) of pad bytes before its extensions (the SNI after). */
static size_t
big_hello(const struct blob *in, size_t pad, uint8_t *out)
{
	const uint8_t *b = in->b;
	size_t off = 5 + 4 + 2 + 32, ext, n;
	uint32_t hl;
	unsigned rl, el;

	off += 1 + b[off];				/* session id */
	off += 2 + ((size_t)b[off] << 8 | b[off + 1]);	/* suites */
	off += 1 + b[off];				/* compression */
	ext = off;
	el = (unsigned)(b[ext] << 8 | b[ext + 1]) + 4 + (unsigned)pad;
	memcpy(out, b, ext);
	out[ext] = (uint8_t)(el >> 8);
	out[ext + 1] = (uint8_t)el;
	out[ext + 2] = 0;
	out[ext + 3] = 21;
	out[ext + 4] = (uint8_t)(pad >> 8);
	out[ext + 5] = (uint8_t)pad;
	memset(out + ext + 6, 0, pad);
	memcpy(out + ext + 6 + pad, b + ext + 2, in->n - ext - 2);
	n = in->n + 4 + pad;
	rl = (unsigned)(n - 5);
	out[3] = (uint8_t)(rl >> 8);
	out[4] = (uint8_t)rl;
	hl = (uint32_t)(n - 9);
	out[6] = (uint8_t)(hl >> 16);
	out[7] = (uint8_t)(hl >> 8);
	out[8] = (uint8_t)hl;
	return n;
}

/* Send n bytes in order in segments of 1400 from stream offset 0; stop at
 * the first decided or dropped packet. */
static void
send_all(uint16_t sport, const uint8_t *b, size_t n)
{
	for (size_t o = 0; o < n; o += 1400) {
		tcp_send(4, sport, 443, (uint32_t)o, b + o, MIN(1400, n - o));
		if (res.verdict != IV_PASS)
			return;
	}
}

/* (f) a ClientHello larger than 16 KiB (OpenSSL takes far larger) with
 * the SNI at its end was allowed. Now: tcp_overcap (default block). */
static void
test_bypass_f_big_hello(void **state)
{
	static uint8_t hb[20000];
	struct blob bad, good;
	size_t n;
	uint64_t pol0 = STATS_GET(st->pkt[SP_OVER_CAP_POLICY]);

	(void)state;
	hellos(&bad, &good);
	n = big_hello(&bad, 17000, hb);
	tcp_open(4, 50050, 443);
	send_all(50050, hb, n);
	want_blocked(NULL);
	assert_int_equal(res.action, VACT_BLOCKED);
	assert_int_equal(STATS_GET(st->pkt[SP_OVER_CAP_POLICY]), pol0 + 1);
	/* twin: a padded hello under the cap is decided on its name */
	n = big_hello(&good, 8000, hb);
	tcp_open(4, 50051, 443);
	send_all(50051, hb, n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_string_equal(res.name, "opensxl.example.com");
	n = big_hello(&bad, 8000, hb);
	tcp_open(4, 50052, 443);
	send_all(50052, hb, n);
	want_blocked("tls1");
	/* the operator's choice: tcp_overcap = allow, counted */
	stop();
	start("tcp_overcap = allow\n");
	n = big_hello(&bad, 17000, hb);
	tcp_open(4, 50053, 443);
	send_all(50053, hb, n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_int_equal(STATS_GET(st->pkt[SP_OVER_CAP_POLICY]), 1);
	stop();
	start("");
}

/* (g) a packet truncated by the queue's copy range was passed unseen. */
static void
test_bypass_g_truncated(void **state)
{
	static uint8_t pkt[MAXPKT];
	struct tcpseg t = {1001, 5001, DATA};
	struct blob bad;
	struct inspect_meta m = {0, INSPECT_CSUM_UNVERIFIED | INSPECT_TRUNCATED};
	size_t n;

	(void)state;
	hellos(&bad, &(struct blob){0});
	tcp_open(4, 50060, 443);
	n = build(pkt, 4, IPPROTO_TCP, 50060, 443, &t, bad.b, bad.n);
	m.now_ms = clock_ms;
	inspect(ctx, pol, pkt, n - 100, &m, &res);
	want_undecided(IV_DROP);
	assert_true(STATS_GET(st->pkt[SP_TRUNCATED]) >= 1);
	/* a malformed packet (bad TCP header length) is dropped too */
	pkt[20 + 12] = 0xf0;
	run(pkt, n);
	want_undecided(IV_DROP);
	/* twin: the whole packet is decided */
	n = build(pkt, 4, IPPROTO_TCP, 50060, 443, &t, bad.b, bad.n);
	run(pkt, n);
	want_blocked("tls1");
}

/* (h) a hello in more one-byte segments than connbytes_cap was never
 * decided: the kernel stops queueing the flow before the name arrives. */
static void
test_bypass_h_last_packet(void **state)
{
	struct blob bad, good;
	uint32_t i;
	uint64_t last = STATS_GET(st->pkt[SP_LAST_PACKET]);

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50070, 443);		/* packet 1 of 24 */
	for (i = 0; i < 22; i++) {
		tcp_send(4, 50070, 443, i, bad.b + i, 1);
		want_undecided(IV_PASS);
	}
	tcp_send(4, 50070, 443, i, bad.b + i, 1);	/* packet 24 */
	want_blocked(NULL);
	assert_int_equal(STATS_GET(st->pkt[SP_LAST_PACKET]), last + 1);
	/* twin: decided before the cap */
	tcp_open(4, 50071, 443);
	for (i = 0; i < 20; i++)
		tcp_send(4, 50071, 443, i, good.b + i, 1);
	tcp_send(4, 50071, 443, i, good.b + i, good.n - i);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	/* the operator's choice: undecided_last_packet = allow */
	stop();
	start("undecided_last_packet = allow\n");
	tcp_open(4, 50072, 443);
	for (i = 0; i < 22; i++)
		tcp_send(4, 50072, 443, i, bad.b + i, 1);
	tcp_send(4, 50072, 443, i, bad.b + i, 1);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_int_equal(STATS_GET(st->pkt[SP_LAST_PACKET]), 1);
	stop();
	start("");
}

/* The overlap defence turned around: a segment that disagreed with bytes
 * seen was dropped but its hole-filling bytes kept; a harmless name in
 * them decided the flow. Now a TCP stream has no holes to fill. */
static void
test_bypass_overlap_fill(void **state)
{
	struct blob bad, good;
	uint8_t mix[400];

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50080, 443);
	tcp_send(4, 50080, 443, 0, bad.b, 140);
	tcp_send(4, 50080, 443, 200, bad.b + 200, bad.n - 200);
	want_undecided(IV_DROP);
	/* [130, 200): 10 bytes that disagree, then the allowed name */
	memcpy(mix, good.b, bad.n);
	memset(mix + 130, 'Z', 10);
	tcp_send(4, 50080, 443, 130, mix + 130, 70);
	want_undecided(IV_DROP);
	tcp_send(4, 50080, 443, 140, bad.b + 140, bad.n - 140);
	want_blocked("tls1");
	/* twin: a retransmission that agrees and fills on is taken */
	tcp_open(4, 50081, 443);
	tcp_send(4, 50081, 443, 0, good.b, 140);
	tcp_send(4, 50081, 443, 130, good.b + 130, good.n - 130);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
}

/* Decoys: a fake hello the server never gets (low TTL, MD5 option, old
 * timestamp, no ACK, urgent) decided the flow. Bad checksums: as before. */
static void
test_bypass_decoys(void **state)
{
	static const uint8_t md5[] = {1, 1, 19, 18, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t ts_syn[] = {1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0, 0};
	static const uint8_t ts_old[] = {1, 1, 8, 10, 0, 0, 0x0f, 0, 0, 0, 0, 0};
	static const uint8_t ts_new[] = {1, 1, 8, 10, 0, 0, 0x11, 0, 0, 0, 0, 0};
	struct blob bad, good;
	uint16_t sp = 50090;

	(void)state;
	hellos(&bad, &good);
	/* TTL */
	tcp_open(4, sp, 443);
	next_pkt.ttl = 3;
	tcp_send(4, sp, 443, 0, good.b, good.n);
	want_undecided(IV_DROP);
	tcp_send(4, sp, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* MD5 signature option, not negotiated */
	tcp_open(4, ++sp, 443);
	memcpy(next_pkt.opt, md5, sizeof(md5));
	next_pkt.optlen = sizeof(md5);
	tcp_send(4, sp, 443, 0, good.b, good.n);
	want_undecided(IV_DROP);
	tcp_send(4, sp, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* PAWS: the SYN had timestamps, the decoy's is older */
	{
		static uint8_t pkt[128];
		struct tcpseg t = {1000, 0, PKT_TCP_SYN};
		sp++;
		memcpy(next_pkt.opt, ts_syn, sizeof(ts_syn));
		next_pkt.optlen = sizeof(ts_syn);
		run(pkt, build(pkt, 4, IPPROTO_TCP, sp, 443, &t, NULL, 0));
	}
	memcpy(next_pkt.opt, ts_new, sizeof(ts_new));
	next_pkt.optlen = sizeof(ts_new);
	seg(sp, 1001, PKT_TCP_ACK, NULL, 0);
	memcpy(next_pkt.opt, ts_old, sizeof(ts_old));
	next_pkt.optlen = sizeof(ts_old);
	tcp_send(4, sp, 443, 0, good.b, good.n);
	want_undecided(IV_DROP);
	assert_true(STATS_GET(st->pkt[SP_TCP_PAWS]) >= 1);
	memcpy(next_pkt.opt, ts_new, sizeof(ts_new));
	next_pkt.optlen = sizeof(ts_new);
	tcp_send(4, sp, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* an ACK number 66000 behind the handshake's (zapret's badseq) */
	tcp_open(4, ++sp, 443);
	seg(sp, 1001, PKT_TCP_ACK, NULL, 0);
	{
		static uint8_t pkt[MAXPKT];
		struct tcpseg t = {1001, 5001 - 66000, DATA};
		run(pkt, build(pkt, 4, IPPROTO_TCP, sp, 443, &t, good.b,
		    good.n));
	}
	want_undecided(IV_DROP);
	assert_true(STATS_GET(st->pkt[SP_TCP_OLD_ACK]) >= 1);
	tcp_send(4, sp, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* no ACK flag; urgent data */
	tcp_open(4, ++sp, 443);
	seg(sp, 1001, PKT_TCP_PSH, good.b, good.n);
	want_undecided(IV_DROP);
	seg(sp, 1001, DATA | PKT_TCP_URG, good.b, good.n);
	want_undecided(IV_DROP);
	tcp_send(4, sp, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
	/* the twin: the allowed hello with the connection's own TTL,
	 * options and flags is decided on */
	tcp_open(4, ++sp, 443);
	tcp_send(4, sp, 443, 0, good.b, good.n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_string_equal(res.name, "opensxl.example.com");
}

/* Spoofing / TCP Fast Open: a SYN with data (a hello naming a blocked
 * host) marked the 5-tuple BLOCK: a spoofer could cut a victim off. The
 * packet is dropped, no mark is set; the handshake that follows decides. */
static void
test_bypass_syn_data(void **state)
{
	struct blob bad, good;

	(void)state;
	hellos(&bad, &good);
	seg(50100, 1000, PKT_TCP_SYN, bad.b, bad.n);
	want_undecided(IV_DROP);
	assert_true(STATS_GET(st->pkt[SP_TCP_SYN_DATA]) >= 1);
	tcp_open(4, 50100, 443);
	tcp_send(4, 50100, 443, 0, good.b, good.n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	/* twin: the blocked hello after the handshake is blocked */
	seg(50101, 1000, PKT_TCP_SYN, good.b, good.n);
	want_undecided(IV_DROP);
	tcp_open(4, 50101, 443);
	tcp_send(4, 50101, 443, 0, bad.b, bad.n);
	want_blocked("tls1");
}

/* Reused 5-tuple: a new connection (the kernel queues its SYN only when
 * conntrack made a new entry) started with the old flow's decision. */
static void
test_bypass_reused_tuple(void **state)
{
	struct blob bad, good;

	(void)state;
	hellos(&bad, &good);
	tcp_open(4, 50110, 443);
	tcp_send(4, 50110, 443, 0, good.b, good.n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	/* the same source port, a new ISN: a new connection */
	seg(50110, 90000, PKT_TCP_SYN, NULL, 0);
	want_undecided(IV_PASS);
	seg(50110, 90001, DATA, bad.b, bad.n);
	want_blocked("tls1");
	/* twin: a late copy of the old SYN (same ISN) keeps the decision,
	 * and a blocked flow's new connection naming an allowed host is
	 * allowed on its own name */
	seg(50110, 90000, PKT_TCP_SYN, NULL, 0);
	assert_int_equal(res.verdict, IV_BLOCK_FLOW);
	seg(50110, 91000, PKT_TCP_SYN, NULL, 0);
	want_undecided(IV_PASS);
	seg(50110, 91001, DATA, good.b, good.n);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
}

/* A client Initial (v1, one datagram) of the openssl hello renamed to
 * name (19 characters), keyed from dcid. */
static size_t
quic_hello(const char *name, const uint8_t *dcid, uint8_t *out)
{
	struct blob tls;
	uint8_t hs[4096], *hn;
	size_t hlen;
	struct fb f;
	struct spec sp = { .version = QUIC_V1, .type = P_INITIAL, .dcid = dcid,
	    .dcid_len = 8, .scid_len = 4, .pn = 0, .pnlen = 2 };

	load("tls/openssl_tls13.bin", &tls);
	hlen = tls.n - 5;
	memcpy(hs, tls.b + 5, hlen);
	hn = memmem(hs, hlen, "openssl.example.com", 19);
	assert_non_null(hn);
	memcpy(hn, name, 19);
	memset(&f, 0, sizeof(f));
	fb_crypto(&f, 0, hs, hlen);
	fb_pad(&f, 1200);
	sp.payload = f.b;
	sp.payload_len = f.n;
	return protect(&sp, out);
}

/* Reused UDP ports: a new QUIC connection (another DCID) on the ports of a
 * decided one inherited its decision (the rules now queue every
 * Initial-sized long-header datagram, rules.h 1b). */
static void
test_bypass_quic_reused_ports(void **state)
{
	static const uint8_t dcid_a[8] = "AAAAAAAA", dcid_b[8] = "BBBBBBBB";
	static uint8_t d[2][1500];
	size_t n0, n1;

	(void)state;
	qc = quic_ctx_new(NULL);
	n0 = quic_hello("www.bad.example.xyz", dcid_a, d[0]);
	n1 = quic_hello("abcdefg.bad.example", dcid_b, d[1]);
	udp_send(6, 46100, 443, d[0], n0);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	udp_send(6, 46100, 443, d[1], n1);
	want_blocked("q1");
	assert_int_equal(res.proto, VPROTO_QUIC);
	/* twin: the same connection's Initial again keeps its decision */
	udp_send(6, 46101, 443, d[0], n0);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	udp_send(6, 46101, 443, d[0], n0);
	assert_int_equal(res.verdict, IV_ALLOW_FLOW);
	assert_false(res.decided);
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
		cmocka_unit_test(test_bypass_a_far_byte),
		cmocka_unit_test(test_bypass_b_second_syn),
		cmocka_unit_test(test_bypass_c_idle_midstream),
		cmocka_unit_test(test_bypass_d_inexact_rst),
		cmocka_unit_test(test_bypass_e_islands),
		cmocka_unit_test(test_bypass_f_big_hello),
		cmocka_unit_test(test_bypass_g_truncated),
		cmocka_unit_test(test_bypass_h_last_packet),
		cmocka_unit_test(test_bypass_overlap_fill),
		cmocka_unit_test(test_bypass_decoys),
		cmocka_unit_test(test_bypass_syn_data),
		cmocka_unit_test(test_bypass_reused_tuple),
		cmocka_unit_test(test_bypass_quic_reused_ports),
		cmocka_unit_test(test_monitor_mode),
		cmocka_unit_test(test_canary_counted),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
