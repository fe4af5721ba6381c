/*
 * bench_inspect.c - nanoseconds per packet through inspect(), for an
 * ordinary corpus and an adversarial one (issue 13: the worst case of any
 * packet within 4x of the ordinary median). Prints figures; asserts
 * nothing about time.
 *
 * Each kind of packet is made in VARIANTS versions (new names, new source
 * ports: a new flow each, so per-flow caches do not help), and run through
 * a fresh inspect context ROUNDS times; each batch of VARIANTS packets is
 * timed in the thread's CPU time (other work on a shared machine does not
 * count) and a kind's figure is the median of its batches' ns per packet
 * (the slowest batch is printed beside it). Packets that open a flow (a
 * SYN) run untimed before the batch and are a kind of their own, so a
 * kind's figure is the cost of that packet only.
 *
 *   build/tests/bench/bench_inspect [DATADIR]    (default tests/data)
 *
 * Ordinary: DNS queries (allowed, blocked), a TCP SYN, a captured curl
 * ClientHello, a curl-like GET, a Chrome QUIC Initial (keys derived per
 * flow, as for every new QUIC connection). Adversarial: DNS names with
 * UTF-8 bytes, four 63-byte labels, 127 one-byte labels, a compression
 * pointer chain; HTTP Hosts in Cyrillic (the fast path) and in CJK (new
 * each time: the library allowance), a 2000-byte URL full of escapes and
 * dot segments; QUIC Initials whose keys must be derived and fail.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/conf.h"
#include "engine/inspect.h"
#include "engine/pkt.h"
#include "engine/stats.h"
#include "policy/list.h"
#include "policy/policy.h"

#define VARIANTS 256
#define ROUNDS 40
#define PKT_MAX 4096

static const uint8_t C4[4] = {198, 51, 100, 2}, S4[4] = {203, 0, 113, 2};
static const char *datadir = "tests/data";

static const char list_text[] =
    "{\"format\":\"veto-list/1\",\"feed\":\"bench/feed\",\"serial\":\"1\","
    "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\","
    "\"authority\":{\"name\":\"Bench\"},\"categories\":{\"c\":{\"label\":\"c\"}},"
    "\"entries\":["
    "{\"id\":\"1\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"c\"},"
    "{\"id\":\"2\",\"type\":\"domain\",\"value\":\"b\\u00fccher.example\",\"cat\":\"c\"},"
    "{\"id\":\"3\",\"type\":\"url\",\"value\":\"http://www.example.test/u/1/\",\"cat\":\"c\"}"
    "]}";

struct pk {
	uint8_t b[PKT_MAX];
	size_t n;
};

struct kind {
	const char *name;
	bool adversarial;
	bool tcp;		/* a SYN on the variant's port comes first */
	struct pk *v;		/* VARIANTS packets */
	double median, p99;
};

/* --- packets --------------------------------------------------------- */

static size_t
build(uint8_t *out, uint8_t proto, uint16_t sport, uint16_t dport,
    uint32_t seq, uint8_t flags, const void *payload, size_t len)
{
	size_t l4l = proto == IPPROTO_TCP ? 20 : 8;
	uint8_t *l4 = out + 20, ph[4];
	uint32_t sum;
	uint16_t c;

	memset(out, 0, 20 + l4l);
	out[0] = 0x45;
	out[2] = (uint8_t)((20 + l4l + len) >> 8);
	out[3] = (uint8_t)(20 + l4l + len);
	out[8] = 64;
	out[9] = proto;
	memcpy(out + 12, C4, 4);
	memcpy(out + 16, S4, 4);
	c = pkt_csum_fold(pkt_csum_add(0, out, 20));
	out[10] = (uint8_t)(c >> 8);
	out[11] = (uint8_t)c;
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP) {
		for (int i = 0; i < 4; i++)
			l4[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		l4[8] = 0;
		l4[12] = 0x50;
		l4[13] = flags;
		l4[14] = l4[15] = 0xff;
	} else {
		l4[4] = (uint8_t)((l4l + len) >> 8);
		l4[5] = (uint8_t)(l4l + len);
	}
	memcpy(l4 + l4l, payload, len);
	ph[0] = 0;
	ph[1] = proto;
	ph[2] = (uint8_t)((l4l + len) >> 8);
	ph[3] = (uint8_t)(l4l + len);
	sum = pkt_csum_add(0, C4, 4);
	sum = pkt_csum_add(sum, S4, 4);
	sum = pkt_csum_add(sum, ph, 4);
	c = pkt_csum_fold(pkt_csum_add(sum, l4, l4l + len));
	l4[proto == IPPROTO_TCP ? 16 : 6] = (uint8_t)(c >> 8);
	l4[proto == IPPROTO_TCP ? 17 : 7] = (uint8_t)c;
	return 20 + l4l + len;
}

static uint16_t
port_of(unsigned round, unsigned i)
{
	return (uint16_t)(1024 + (round * VARIANTS + i) % 60000);
}

/* A DNS query (RD, one question, EDNS) for a dotted name. */
static size_t
dns_query(uint8_t *out, const char *name, uint16_t id)
{
	static const uint8_t opt[11] = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
	size_t n = 12;

	memset(out, 0, 12);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = 0x01;
	out[5] = 1;
	out[11] = 1;
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
	memcpy(out + n + 4, opt, sizeof(opt));
	return n + 4 + sizeof(opt);
}

static void
dns_kind(struct kind *k, bool blocked)
{
	for (unsigned i = 0; i < VARIANTS; i++) {
		char name[300];
		uint8_t q[600];
		if (blocked)
			snprintf(name, sizeof(name), "x%u.y%u.bad.example", i,
			    i * 7919u);
		else
			snprintf(name, sizeof(name), "host%u.example%u.org", i,
			    i * 7919u);
		size_t n = dns_query(q, name, (uint16_t)i);
		k->v[i].n = build(k->v[i].b, IPPROTO_UDP, port_of(0, i), 53, 0,
		    0, q, n);
	}
}

/* UTF-8 labels: Cyrillic and CJK, new each time. */
static void
dns_utf8(struct kind *k)
{
	for (unsigned i = 0; i < VARIANTS; i++) {
		char name[300];
		uint8_t q[600];
		snprintf(name, sizeof(name), "\xd0\xbf\xd1%c\xd0\xb8.\xe4%c%c."
		    "\xe6\xb5\x8b\xe8\xaf\x95", 0x80 + i % 32, 0xb8 + i / 64 % 8,
		    0x80 + i % 64);
		size_t n = dns_query(q, name, (uint16_t)i);
		k->v[i].n = build(k->v[i].b, IPPROTO_UDP, port_of(0, i), 53, 0,
		    0, q, n);
	}
}

static void
dns_long(struct kind *k, unsigned labels, unsigned llen)
{
	for (unsigned i = 0; i < VARIANTS; i++) {
		char name[600];
		size_t n = 0;
		uint8_t q[700];
		for (unsigned l = 0; l < labels; l++) {
			for (unsigned c = 0; c < llen; c++)
				name[n++] = (char)('a' + (i + l + c) % 26);
			name[n++] = '.';
		}
		name[n - 1] = '\0';
		size_t qn = dns_query(q, name, (uint16_t)i);
		k->v[i].n = build(k->v[i].b, IPPROTO_UDP, port_of(0, i), 53, 0,
		    0, q, qn);
	}
}

/* The question's name: a label, then a pointer into a chain of pointers
 * laid after the question (as many as fit in 512 bytes), each to the
 * next, the last to a label "x" and the root. */
static void
dns_chain(struct kind *k)
{
	for (unsigned i = 0; i < VARIANTS; i++) {
		uint8_t q[512];
		size_t n = 12, chain;
		memset(q, 0, 12);
		q[0] = (uint8_t)i;
		q[2] = 0x01;
		q[5] = 1;
		q[n++] = 1;
		q[n++] = (uint8_t)('a' + i % 26);
		chain = n + 2 + 4;
		q[n++] = (uint8_t)(0xc0 | chain >> 8);
		q[n++] = (uint8_t)chain;
		memcpy(q + n, "\0\1\0\1", 4);
		n += 4;
		while (n + 2 + 4 < sizeof(q)) {
			size_t to = n + 2;
			q[n++] = (uint8_t)(0xc0 | to >> 8);
			q[n++] = (uint8_t)to;
		}
		q[n++] = 1;
		q[n++] = 'x';
		q[n++] = 0;
		k->v[i].n = build(k->v[i].b, IPPROTO_UDP, port_of(0, i), 53, 0,
		    0, q, n);
	}
}

static void
tcp_syn(struct kind *k, uint16_t dport)
{
	for (unsigned i = 0; i < VARIANTS; i++)
		k->v[i].n = build(k->v[i].b, IPPROTO_TCP, port_of(0, i), dport,
		    1000, 0x02, NULL, 0);
}

static void
tcp_data(struct kind *k, uint16_t dport, const void *d, size_t len)
{
	for (unsigned i = 0; i < VARIANTS; i++)
		k->v[i].n = build(k->v[i].b, IPPROTO_TCP, port_of(0, i), dport,
		    1001, 0x18, d, len);
}

static void
http_kind(struct kind *k, int which)
{
	for (unsigned i = 0; i < VARIANTS; i++) {
		char host[128], path[2100], req[PKT_MAX - 64];
		size_t n = 0;
		if (which == 0)
			snprintf(host, sizeof(host), "www%u.example.org", i);
		else if (which == 1)	/* Cyrillic: the fast path */
			snprintf(host, sizeof(host), "\xd0\xbf\xd1%c\xd0\xb8%u.example",
			    0x80 + i % 32, i);
		else			/* CJK, new each time */
			snprintf(host, sizeof(host), "\xe4%c%c%u.example",
			    0xb8 + i / 64 % 8, 0x80 + i % 64, i);
		if (which == 3) {	/* a long URL of escapes and dot segments */
			while (n + 12 < 2000) {
				memcpy(path + n, "/%61b/./../", 11);
				n += 11;
			}
			path[n] = '\0';
		} else {
			snprintf(path, sizeof(path), "/index%u.html", i);
		}
		int len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", path,
		    which == 3 ? "www.example.test" : host);
		k->v[i].n = build(k->v[i].b, IPPROTO_TCP, port_of(0, i), 80,
		    1001, 0x18, req, (size_t)len);
	}
}

static size_t
load(const char *name, uint8_t *out, size_t cap)
{
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", datadir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

/* A captured Initial; bad: its DCID changed, so the keys derived from it
 * do not decrypt it (every such packet costs a derivation and a failed
 * AEAD open). */
static void
quic_kind(struct kind *k, bool bad)
{
	uint8_t ini[PKT_MAX - 64];
	size_t n = load("quic/chrome_quic1_1.bin", ini, sizeof(ini));

	for (unsigned i = 0; i < VARIANTS; i++) {
		if (bad) {
			ini[6] = (uint8_t)i;
			ini[7] = (uint8_t)(i >> 8);
		}
		k->v[i].n = build(k->v[i].b, IPPROTO_UDP, port_of(0, i), 443, 0,
		    0, ini, n);
	}
}

/* --- running ------------------------------------------------------- */

static struct conf *conf;
static struct policy *pol;
static struct stats_thread *st;
static struct inspect_result res;
static uint64_t clock_ms = 1000;

/* Rewrite the source port of a prepared packet for this round (the IP
 * and L4 checksums are not verified: meta flags 0, as when the NIC did). */
static void
set_port(struct pk *p, uint16_t port)
{
	p->b[20] = (uint8_t)(port >> 8);
	p->b[21] = (uint8_t)port;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ROUNDS batches of the kind's VARIANTS packets, each batch in a fresh
 * context (SYNs first, untimed); a batch's figure is its CPU time per
 * packet. */
static void
run_kind(struct kind *k, struct kind *syn)
{
	static uint64_t s[ROUNDS];
	struct inspect_meta m = {0, 0};
	struct verr e;

	for (unsigned r = 0; r < ROUNDS; r++) {
		struct inspect_ctx *ctx = inspect_ctx_new(conf, st, false, &e);
		uint64_t t0;
		if (ctx == NULL) {
			fprintf(stderr, "inspect_ctx_new: %s\n", e.msg);
			exit(1);
		}
		for (unsigned i = 0; i < VARIANTS && k->tcp; i++) {
			set_port(&syn->v[i], port_of(r, i));
			m.now_ms = clock_ms;
			inspect(ctx, pol, syn->v[i].b, syn->v[i].n, &m, &res);
		}
		for (unsigned i = 0; i < VARIANTS; i++)
			set_port(&k->v[i], port_of(r, i));
		m.now_ms = ++clock_ms;
		t0 = cpu_ns();
		for (unsigned i = 0; i < VARIANTS; i++)
			inspect(ctx, pol, k->v[i].b, k->v[i].n, &m, &res);
		s[r] = (cpu_ns() - t0) / VARIANTS;
		inspect_ctx_free(ctx);
	}
	qsort(s, ROUNDS, sizeof(s[0]), cmp_u64);
	k->median = (double)s[ROUNDS / 2];
	k->p99 = (double)s[ROUNDS - 1];
}

static void
setup(void)
{
	static const char text[] = "stop_page_ipv4 = 192.0.2.1\n"
	    "list_file = /nonexistent\nlist_key = RWQ\nlist_feed = bench/feed\n";
	const struct list_limits lim = {1 << 20, 1000};
	struct list *l;
	struct verr e;
	int health = FEED_OK;

	if ((conf = conf_parse(text, sizeof(text) - 1, "bench", &e)) == NULL ||
	    (l = list_parse((const uint8_t *)list_text, sizeof(list_text) - 1,
	    &lim, &e)) == NULL ||
	    (pol = policy_build(conf, &l, &health, NULL, &e)) == NULL) {
		fprintf(stderr, "setup: %s\n", e.msg);
		exit(1);
	}
	st = stats_thread_new();
}

int
main(int argc, char **argv)
{
	enum { DNS_OK, DNS_BLOCKED, SYN443, SYN80, TLS, HTTP, QUIC, A_DNS_UTF8,
	    A_DNS_MAXLAB, A_DNS_MANYLAB, A_DNS_CHAIN, A_HTTP_CYR, A_HTTP_CJK,
	    A_HTTP_LONGURL, A_QUIC_BADKEY, NKINDS };
	static struct kind k[NKINDS] = {
		[DNS_OK] = {"DNS query, allowed name", false, false, NULL, 0, 0},
		[DNS_BLOCKED] = {"DNS query, blocked name", false, false, NULL, 0, 0},
		[SYN443] = {"TCP SYN to 443", false, false, NULL, 0, 0},
		[SYN80] = {"TCP SYN to 80", false, false, NULL, 0, 0},
		[TLS] = {"TLS ClientHello (curl, captured)", false, true, NULL, 0, 0},
		[HTTP] = {"HTTP GET (curl-like)", false, true, NULL, 0, 0},
		[QUIC] = {"QUIC Initial (Chrome, keys per flow)", false, false, NULL, 0, 0},
		[A_DNS_UTF8] = {"DNS UTF-8 name (Cyrillic+CJK)", true, false, NULL, 0, 0},
		[A_DNS_MAXLAB] = {"DNS 4 labels of 63 bytes", true, false, NULL, 0, 0},
		[A_DNS_MANYLAB] = {"DNS 127 one-byte labels", true, false, NULL, 0, 0},
		[A_DNS_CHAIN] = {"DNS compression pointer chain", true, false, NULL, 0, 0},
		[A_HTTP_CYR] = {"HTTP Host Cyrillic U-label", true, true, NULL, 0, 0},
		[A_HTTP_CJK] = {"HTTP Host CJK U-label, new each", true, true, NULL, 0, 0},
		[A_HTTP_LONGURL] = {"HTTP 2000-byte URL, escapes, ../", true, true, NULL, 0, 0},
		[A_QUIC_BADKEY] = {"QUIC Initial, keys derived, fail", true, false, NULL, 0, 0},
	};
	uint8_t hello[PKT_MAX - 64];
	size_t hn;
	double ord[NKINDS], worst = 0;
	unsigned nord = 0, wi = 0;

	if (argc > 1)
		datadir = argv[1];
	setup();
	for (int i = 0; i < NKINDS; i++)
		k[i].v = calloc(VARIANTS, sizeof(struct pk));
	dns_kind(&k[DNS_OK], false);
	dns_kind(&k[DNS_BLOCKED], true);
	tcp_syn(&k[SYN443], 443);
	tcp_syn(&k[SYN80], 80);
	hn = load("tls/curl.bin", hello, sizeof(hello));
	tcp_data(&k[TLS], 443, hello, hn);
	http_kind(&k[HTTP], 0);
	quic_kind(&k[QUIC], false);
	dns_utf8(&k[A_DNS_UTF8]);
	dns_long(&k[A_DNS_MAXLAB], 4, 61);	/* 4 x 61 + 3 dots + root: 253 */
	dns_long(&k[A_DNS_MANYLAB], 127, 1);
	dns_chain(&k[A_DNS_CHAIN]);
	http_kind(&k[A_HTTP_CYR], 1);
	http_kind(&k[A_HTTP_CJK], 2);
	http_kind(&k[A_HTTP_LONGURL], 3);
	quic_kind(&k[A_QUIC_BADKEY], true);

	printf("CPU ns per packet through inspect(): median (max) of %u "
	    "batches of %u packets per kind\n", ROUNDS, VARIANTS);
	for (int i = 0; i < NKINDS; i++) {
		struct kind *syn = k[i].tcp ? (i == TLS ? &k[SYN443] : &k[SYN80]) :
		    NULL;
		if (k[i].tcp && i != TLS)
			syn = &k[SYN80];
		run_kind(&k[i], syn);
		printf("  %-12s %-40s %8.0f ns (%.0f)\n", k[i].adversarial ?
		    "adversarial" : "ordinary", k[i].name, k[i].median, k[i].p99);
		if (!k[i].adversarial)
			ord[nord++] = k[i].median;
		else if (k[i].median > worst) {
			worst = k[i].median;
			wi = (unsigned)i;
		}
	}
	for (unsigned i = 1; i < nord; i++)	/* sort the kinds' medians */
		for (unsigned j = i; j > 0 && ord[j - 1] > ord[j]; j--) {
			double t = ord[j];
			ord[j] = ord[j - 1];
			ord[j - 1] = t;
		}
	printf("ordinary median (of the kinds' medians) %.0f ns; adversarial "
	    "worst case %.0f ns (%s) = %.1fx\n", ord[nord / 2], worst,
	    k[wi].name, worst / ord[nord / 2]);
	return 0;
}
