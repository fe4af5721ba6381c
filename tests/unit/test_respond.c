/* test_respond.c - forged packets: parsed back with pkt_parse(), checksums
 * verified, and compared with what the real server sent in the captures
 * (the forged reply must look like unbound's own: same addresses, ports
 * and, for TCP, the same sequence and acknowledgement numbers). */
#include "unit.h"

#include <netinet/in.h>

#include "dns.h"
#include "hexpkt.h"
#include "pkt.h"
#include "respond.h"
#include "util.h"

static struct hexpkt pk[HEXPKT_MAX];
static uint8_t out[2048];

static const char *const udp_files[] = {
	"dns/udp4_a_edns.hex", "dns/udp4_a_noedns.hex", "dns/udp6_aaaa.hex",
	"dns/udp6_https.hex",
};

static uint16_t
g16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* What every forged packet has: TTL 64, valid checksums, IPv4 DF and ID 0,
 * IPv6 traffic class and flow label 0. */
static void
check_ip(const struct pkt *f)
{
	assert_int_equal(f->ttl, 64);
	assert_true(pkt_l4_csum_ok(f));
	if (f->family == 4) {
		assert_int_equal(f->data[0], 0x45);
		assert_int_equal(f->data[1], 0);
		assert_int_equal(g16(f->data + 4), 0);
		assert_int_equal(g16(f->data + 6), 0x4000);
		assert_int_equal(pkt_csum_fold(pkt_csum_add(0, f->data, 20)), 0);
	} else {
		assert_int_equal(f->data[0], 0x60);
		assert_int_equal(f->data[1], 0);
		assert_int_equal(g16(f->data + 2), 0);
	}
}

/* A forged DNS answer over UDP against unbound's captured reply. */
static void
test_udp_reply(void **state)
{
	struct pkt q, real, f;
	struct dns_query dq;
	struct dns_answer a = { DNS_ACT_NXDOMAIN, 60, NULL, NULL, 16, "e1",
	    false };
	uint8_t ans[DNS_ANSWER_MAX];
	size_t i, alen;
	int len, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(udp_files); i++) {
		hexpkt_load(udp_files[i], pk, HEXPKT_MAX);
		assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &q), PKT_OK);
		assert_int_equal(pkt_parse(pk[1].data, pk[1].len, &real),
		    PKT_OK);
		assert_int_equal(dns_query_parse(q.payload, q.payload_len, &dq),
		    DNS_OK);
		n = dns_answer_build(&dq, &a, ans, sizeof(ans));
		assert_true(n > 0);
		len = respond_udp(&q, ans, (size_t)n, out, sizeof(out));
		assert_int_equal(len, (q.family == 4 ? 20 : 40) + 8 + n);
		assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
		check_ip(&f);
		alen = f.family == 4 ? 4 : 16;
		assert_int_equal(f.family, real.family);
		assert_int_equal(f.l4proto, IPPROTO_UDP);
		assert_memory_equal(f.src, real.src, alen);
		assert_memory_equal(f.dst, real.dst, alen);
		assert_int_equal(f.sport, real.sport);
		assert_int_equal(f.dport, real.dport);
		assert_int_equal(f.payload_len, (size_t)n);
		assert_memory_equal(f.payload, ans, (size_t)n);
		/* a flipped payload bit is caught by the checksum we wrote */
		out[len - 1] ^= 1;
		assert_false(pkt_l4_csum_ok(&f));
	}
}

/* tcp4_a / tcp6_aaaa_noedns: packet 3 is the client's query segment,
 * packet 5 the server's answer segment, 0/1 the SYN and SYN-ACK, 7 the
 * client's FIN and 8 the server's FIN. */
static void
check_tcp_file(const char *file)
{
	struct pkt syn, synack, qseg, real, fin, sfin, f;
	uint32_t seq, ack;
	size_t alen;
	int len;

	hexpkt_load(file, pk, HEXPKT_MAX);
	assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &syn), PKT_OK);
	assert_int_equal(pkt_parse(pk[1].data, pk[1].len, &synack), PKT_OK);
	assert_int_equal(pkt_parse(pk[3].data, pk[3].len, &qseg), PKT_OK);
	assert_int_equal(pkt_parse(pk[5].data, pk[5].len, &real), PKT_OK);
	assert_int_equal(pkt_parse(pk[7].data, pk[7].len, &fin), PKT_OK);
	assert_int_equal(pkt_parse(pk[8].data, pk[8].len, &sfin), PKT_OK);
	alen = qseg.family == 4 ? 4 : 16;

	/* The numbers the real server used. */
	respond_tcp_client_nums(&syn, &seq, &ack);
	assert_int_equal(ack, synack.ack);		/* SYN counts one */
	respond_tcp_client_nums(&qseg, &seq, &ack);
	assert_int_equal(seq, real.seq);
	assert_int_equal(ack, real.ack);
	respond_tcp_client_nums(&fin, &seq, &ack);
	assert_int_equal(seq, sfin.seq);
	assert_int_equal(ack, sfin.ack);		/* FIN counts one */

	/* The DNS answer with FIN to the client, in place of the server's. */
	len = respond_tcp_data_fin_client(&qseg, real.payload,
	    real.payload_len, out, sizeof(out));
	assert_int_equal(len, (int)(alen == 4 ? 20 : 40) + 20 +
	    (int)real.payload_len);
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	check_ip(&f);
	assert_int_equal(f.l4proto, IPPROTO_TCP);
	assert_memory_equal(f.src, real.src, alen);
	assert_memory_equal(f.dst, real.dst, alen);
	assert_int_equal(f.sport, real.sport);
	assert_int_equal(f.dport, real.dport);
	assert_int_equal(f.seq, real.seq);
	assert_int_equal(f.ack, real.ack);
	assert_int_equal(f.tcp_flags, PKT_TCP_ACK | PKT_TCP_PSH | PKT_TCP_FIN);
	assert_int_equal(f.window, RESPOND_WINDOW);
	assert_int_equal(f.l4off + 20, f.payload - f.data);
	assert_memory_equal(f.payload, real.payload, real.payload_len);

	/* RST to the server: the client's own direction and numbers. */
	len = respond_tcp_rst_server(&qseg, out, sizeof(out));
	assert_int_equal(len, (alen == 4 ? 20 : 40) + 20);
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	check_ip(&f);
	assert_memory_equal(f.src, qseg.src, alen);
	assert_memory_equal(f.dst, qseg.dst, alen);
	assert_int_equal(f.sport, qseg.sport);
	assert_int_equal(f.dport, qseg.dport);
	assert_int_equal(f.seq, qseg.seq);
	assert_int_equal(f.seq, synack.ack);	/* the server's RCV.NXT */
	assert_int_equal(f.ack, qseg.ack);
	assert_int_equal(f.tcp_flags, PKT_TCP_RST | PKT_TCP_ACK);
	assert_int_equal(f.window, 0);
	assert_int_equal(f.payload_len, 0);

	/* RST to the client: where the server's reply would have gone. */
	len = respond_tcp_rst_client(&qseg, out, sizeof(out));
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	check_ip(&f);
	assert_memory_equal(f.src, real.src, alen);
	assert_int_equal(f.dport, real.dport);
	assert_int_equal(f.seq, real.seq);
	assert_int_equal(f.ack, real.ack);
	assert_int_equal(f.tcp_flags, PKT_TCP_RST | PKT_TCP_ACK);

	/* A bare SYN has no ack to repeat: plain RST to the server. */
	len = respond_tcp_rst_server(&syn, out, sizeof(out));
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	assert_int_equal(f.tcp_flags, PKT_TCP_RST);
	assert_int_equal(f.ack, 0);
	assert_int_equal(f.seq, syn.seq);
	/* RST|ACK to the client answering a SYN acknowledges it. */
	len = respond_tcp_rst_client(&syn, out, sizeof(out));
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	assert_int_equal(f.ack, syn.seq + 1);
	assert_true(pkt_l4_csum_ok(&f));
}

static void
test_tcp_ipv4(void **state)
{
	(void)state;
	check_tcp_file("dns/tcp4_a.hex");
}

static void
test_tcp_ipv6(void **state)
{
	(void)state;
	check_tcp_file("dns/tcp6_aaaa_noedns.hex");
}

/* Sequence numbers wrap; generic respond_tcp() writes what it is given. */
static void
test_tcp_generic_and_wrap(void **state)
{
	struct pkt q, f;
	uint32_t seq, ack;
	int len;

	(void)state;
	hexpkt_load("dns/tcp4_a.hex", pk, HEXPKT_MAX);
	assert_int_equal(pkt_parse(pk[3].data, pk[3].len, &q), PKT_OK);
	q.seq = 0xfffffff0;
	q.tcp_flags |= PKT_TCP_FIN;
	respond_tcp_client_nums(&q, &seq, &ack);
	assert_int_equal(ack, (uint32_t)(0xfffffff0u + 54 + 1));
	len = respond_tcp(&q, RESPOND_TO_SERVER, PKT_TCP_ACK, 7, 9, "abc", 3,
	    out, sizeof(out));
	assert_int_equal(len, 43);
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	assert_true(pkt_l4_csum_ok(&f));
	assert_int_equal(f.seq, 7);
	assert_int_equal(f.ack, 9);
	assert_int_equal(f.dport, 53);
	assert_memory_equal(f.payload, "abc", 3);
	/* without ACK the ack field is zero */
	len = respond_tcp(&q, RESPOND_TO_CLIENT, PKT_TCP_RST, 7, 9, NULL, 0,
	    out, sizeof(out));
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	assert_int_equal(f.ack, 0);
	assert_int_equal(f.sport, 53);
	/* an odd-length payload is checksummed right */
	len = respond_tcp(&q, RESPOND_TO_CLIENT, PKT_TCP_ACK | PKT_TCP_PSH, 1,
	    2, "odd", 3, out, sizeof(out));
	assert_int_equal(pkt_parse(out, (size_t)len, &f), PKT_OK);
	assert_true(pkt_l4_csum_ok(&f));
}

/* Caps, wrong protocol, unparsed packets, oversized payloads. */
static void
test_refusals(void **state)
{
	static uint8_t big[70000], bigout[70000];
	struct pkt u, t, none;
	size_t cap;
	int len;

	(void)state;
	hexpkt_load("dns/udp4_a_noedns.hex", pk, HEXPKT_MAX);
	assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &u), PKT_OK);
	hexpkt_load("dns/tcp6_aaaa_noedns.hex", pk + 1, HEXPKT_MAX - 1);
	assert_int_equal(pkt_parse(pk[4].data, pk[4].len, &t), PKT_OK);
	memset(&none, 0, sizeof(none));

	len = respond_udp(&u, "abcdef", 6, out, sizeof(out));
	assert_int_equal(len, 34);
	for (cap = 0; cap < 34; cap++)
		assert_int_equal(respond_udp(&u, "abcdef", 6, out, cap), -1);
	assert_int_equal(respond_udp(&u, "abcdef", 6, out, 34), 34);
	len = respond_tcp_rst_server(&t, out, sizeof(out));
	assert_int_equal(len, 60);
	for (cap = 0; cap < 60; cap++)
		assert_int_equal(respond_tcp_rst_server(&t, out, cap), -1);

	assert_int_equal(respond_udp(&t, "x", 1, out, sizeof(out)), -1);
	assert_int_equal(respond_tcp_rst_client(&u, out, sizeof(out)), -1);
	assert_int_equal(respond_udp(&none, "x", 1, out, sizeof(out)), -1);
	assert_int_equal(respond_tcp_rst_server(&none, out, sizeof(out)), -1);
	assert_int_equal(respond_udp(NULL, "x", 1, out, sizeof(out)), -1);
	assert_int_equal(respond_tcp_rst_client(NULL, out, sizeof(out)), -1);
	assert_int_equal(respond_udp(&u, NULL, 1, out, sizeof(out)), -1);
	assert_int_equal(respond_udp(&u, big, 65535 - 28 + 1, bigout,
	    sizeof(bigout)), -1);
	assert_int_equal(respond_udp(&u, big, 65535 - 28, bigout,
	    sizeof(bigout)), 65535);
	assert_int_equal(respond_tcp(&t, RESPOND_TO_CLIENT, PKT_TCP_ACK, 0, 0,
	    big, 65535 - 20 + 1, bigout, sizeof(bigout)), -1);
	assert_int_equal(respond_tcp(&t, RESPOND_TO_CLIENT, PKT_TCP_ACK, 0, 0,
	    big, 65535 - 20, bigout, sizeof(bigout)), 40 + 65535);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_reply),
		cmocka_unit_test(test_tcp_ipv4),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_tcp_generic_and_wrap),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
