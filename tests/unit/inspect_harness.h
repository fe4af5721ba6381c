/*
 * inspect_harness.h - drive inspect() from a test: build IPv4/IPv6 TCP and
 * UDP packets around payloads (client 198.51.100.2 / 2001:db8:1::2 to
 * server 203.0.113.2 / 2001:db8:2::2, checksums right), open TCP flows, and
 * make a context from a configuration snippet and a list. Include after
 * unit.h; the includer calls harness_start(extra_conf, list_json) and
 * harness_stop(). The verdict of the last packet is in `res`.
 */
#ifndef VETO_INSPECT_HARNESS_H
#define VETO_INSPECT_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "engine/inspect.h"
#include "engine/pkt.h"
#include "engine/stats.h"
#include "policy/list.h"
#include "policy/policy.h"
#include "core/util.h"

#define H_MAXPKT 70000

static struct conf *conf;
static struct list *list;
static struct policy *pol;
static struct stats_thread *st;
static struct inspect_ctx *ctx;
static struct inspect_result res;
static uint64_t clock_ms = 1000;

static const uint8_t C4[4] = {198, 51, 100, 2}, S4[4] = {203, 0, 113, 2};
static uint8_t C6[16], S6[16];

struct blob {
	uint8_t b[H_MAXPKT];
	size_t n;
};

static void
load(const char *name, struct blob *out)
{
	uint8_t *buf;
	size_t len;
	struct verr e;

	if (file_read(unit_data(name), sizeof(out->b) - 1, &buf, &len, &e) == -1)
		fail_msg("%s", e.msg);
	memcpy(out->b, buf, len);
	out->n = len;
	free(buf);
}

static uint16_t
h_l4_csum(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
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

/* The TTL / hop limit of the packets built next (a test of decoys sets it
 * and puts it back). */
static uint8_t h_ttl = 64;

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
		out[8] = h_ttl;
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
		out[7] = h_ttl;
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
	c = h_l4_csum(family == 4 ? C4 : C6, family == 4 ? S4 : S6,
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

/* A TCP payload at stream offset off (ISN 1000, opened by tcp_open). */
static void
tcp_send(int family, uint16_t sport, uint16_t dport, uint32_t off,
    const void *data, size_t len)
{
	static uint8_t pkt[H_MAXPKT];
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
udp_send(int family, uint16_t sport, uint16_t dport, const void *data,
    size_t len)
{
	static uint8_t pkt[H_MAXPKT];

	run(pkt, build(pkt, family, IPPROTO_UDP, sport, dport, NULL, data, len));
}

static struct conf *
harness_conf(const char *extra)
{
	char path[] = "/tmp/veto-harness-XXXXXX";
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

/* A context over list_json (a veto-list/1 document) with extra conf lines. */
static void
harness_start(const char *extra, const char *list_json)
{
	struct verr e;
	int health = FEED_OK;
	const struct list_limits lim = {1 << 20, 1000};

	inet_pton(AF_INET6, "2001:db8:1::2", C6);
	inet_pton(AF_INET6, "2001:db8:2::2", S6);
	conf = harness_conf(extra);
	list = list_parse((const uint8_t *)list_json, strlen(list_json), &lim, &e);
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

static void
harness_stop(void)
{
	inspect_ctx_free(ctx);
	stats_thread_free(st);
	policy_discard(pol);
	list_unref(list);
	conf_free(conf);
}

/* A forged packet of the last result, parsed (checksum checked). */
static void
out_pkt(unsigned i, struct pkt *p)
{
	assert_true(i < res.nout);
	assert_int_equal(pkt_parse(res.out[i].data, res.out[i].len, p), PKT_OK);
	assert_true(pkt_l4_csum_ok(p));
}

static uint64_t
detail(enum stats_detail d)
{
	return STATS_GET(st->detail[d]);
}

#endif
