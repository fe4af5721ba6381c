/* test_respond.c - forged packets: parsed back with pkt_parse(), checksums
 * verified, and compared with what the real server sent in the captures
 * (the forged reply must look like unbound's own: same addresses, ports
 * and, for TCP, the same sequence and acknowledgement numbers). */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/dns.h"
#include "hexpkt.h"
#include "engine/pkt.h"
#include "engine/respond.h"
#include "core/util.h"

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

/*
 * The Linux stack as the judge. In a network namespace of its own (gone
 * when the test process exits), a tun device vt0 holds 198.51.100.2 and
 * 2001:db8:1::2; everything sent to the rest of those prefixes comes out of
 * the tun, and what the test writes into it is received as from the wire:
 * the kernel checks our checksums and, for TCP, our sequence numbers
 * (RFC 5961: a RST must hit RCV.NXT exactly).
 *   - dig queries 198.51.100.53 / 2001:db8:1::53 over UDP: the test answers
 *     with respond_udp(); dig must print the stop-page address.
 *   - dig +tcp: the test completes the handshake itself, then answers the
 *     query segment with respond_tcp_data_fin_client() (dig prints the
 *     answer) or resets it with respond_tcp_rst_client() (dig reports the
 *     reset).
 *   - a local server socket: the test plays a client through the tun,
 *     builds a data segment it does not send (the one a filter drops), and
 *     respond_tcp_rst_server() must reset the server's connection, while a
 *     RST one byte off must not.
 * Needs root (unshare, tun); skipped otherwise.
 */
static int tun = -1;

static bool
netns_with_tun(void)
{
	struct ifreq ifr;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK) != 0 ||
	    unshare(CLONE_NEWNET) != 0)
		return false;
	tun = open("/dev/net/tun", O_RDWR);
	if (tun < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	str_copy(ifr.ifr_name, "vt0", sizeof(ifr.ifr_name));
	if (ioctl(tun, TUNSETIFF, &ifr) != 0)
		return false;
	return system("ip link set lo up && "
	    "ip addr add 198.51.100.2/24 dev vt0 && "
	    "ip addr add 2001:db8:1::2/64 dev vt0 nodad && "
	    "ip link set vt0 up") == 0;
}

/* Next packet out of the tun with this protocol and this port (source or
 * destination), within ms; false on timeout. */
static bool
tun_read(uint8_t *buf, size_t cap, struct pkt *p, uint8_t proto,
    uint16_t port, int ms)
{
	struct pollfd pfd = { tun, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, ms) != 1)
			return false;
		n = read(tun, buf, cap);
		assert_true(n > 0);
		if (pkt_parse(buf, (size_t)n, p) == PKT_OK &&
		    p->l4proto == proto &&
		    (p->dport == port || p->sport == port))
			return true;
	}
}

static void
tun_write(const uint8_t *b, int len)
{
	assert_true(len > 0);
	assert_int_equal(write(tun, b, (size_t)len), len);
}

static const uint8_t stop4[4] = { 192, 0, 2, 1 };
static const uint8_t stop6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 1 };

/* Answer the DNS message in p (UDP payload, or TCP after the prefix). */
static int
dns_answer_for(const struct pkt *p, uint8_t *ans, size_t cap)
{
	struct dns_query q;
	struct dns_tcp_iter it;
	struct dns_answer a = { DNS_ACT_STOPPAGE, 60, stop4, stop6, 16,
	    "feed e1", p->l4proto == IPPROTO_TCP };
	const uint8_t *m = p->payload;
	size_t ml = p->payload_len;

	if (a.tcp) {
		dns_tcp_iter_init(&it, p->payload, p->payload_len);
		assert_true(dns_tcp_next(&it, &m, &ml));
	}
	assert_int_equal(dns_query_parse(m, ml, &q), DNS_OK);
	return dns_answer_build(&q, &a, ans, cap);
}

static void
read_all(FILE *f, char *text, size_t size)
{
	size_t n = 0, r;

	while (n + 1 < size && (r = fread(text + n, 1, size - n - 1, f)) > 0)
		n += r;
	text[n] = '\0';
	pclose(f);
}

static void
kernel_udp(const char *server, const char *type, const char *want)
{
	static uint8_t buf[4096], ans[DNS_ANSWER_MAX], pkt[4096];
	static char text[8192];
	char cmd[256];
	struct pkt p;
	FILE *f;
	int n;

	snprintf(cmd, sizeof(cmd), "dig @%s +tries=1 +time=5 Bad.Example %s "
	    "2>&1", server, type);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_true(tun_read(buf, sizeof(buf), &p, IPPROTO_UDP, 53, 5000));
	n = dns_answer_for(&p, ans, sizeof(ans));
	tun_write(pkt, respond_udp(&p, ans, (size_t)n, pkt, sizeof(pkt)));
	read_all(f, text, sizeof(text));
	if (strstr(text, want) == NULL || strstr(text, "EDE: 16") == NULL)
		fail_msg("dig %s %s:\n%s", server, type, text);
}

/* dig +tcp; the test is the server. With reset, the query is answered by
 * a RST instead of data. */
static void
kernel_tcp_client(bool reset, const char *want)
{
	static uint8_t buf[4096], ans[DNS_ANSWER_MAX], pkt[4096];
	static char text[8192];
	struct pkt syn, q;
	FILE *f;
	int n;

	f = popen("dig @198.51.100.53 +tcp +tries=1 +time=5 Bad.Example A 2>&1",
	    "r");
	assert_non_null(f);
	/* (skip what is left of the previous connection: dig's FIN) */
	do {
		assert_true(tun_read(buf, sizeof(buf), &syn, IPPROTO_TCP, 53,
		    5000));
	} while (syn.tcp_flags != PKT_TCP_SYN);
	tun_write(pkt, respond_tcp(&syn, RESPOND_TO_CLIENT,
	    PKT_TCP_SYN | PKT_TCP_ACK, 0x7ffffff0, syn.seq + 1, NULL, 0, pkt,
	    sizeof(pkt)));
	do {
		assert_true(tun_read(buf, sizeof(buf), &q, IPPROTO_TCP, 53,
		    5000));
	} while (q.payload_len == 0 || q.sport != syn.sport);
	if (reset) {
		tun_write(pkt, respond_tcp_rst_client(&q, pkt, sizeof(pkt)));
	} else {
		n = dns_answer_for(&q, ans, sizeof(ans));
		tun_write(pkt, respond_tcp_data_fin_client(&q, ans, (size_t)n,
		    pkt, sizeof(pkt)));
	}
	read_all(f, text, sizeof(text));
	if (strstr(text, want) == NULL)
		fail_msg("dig +tcp (%s):\n%s", reset ? "reset" : "answer", text);
}

/* A local server; the test is the client 198.51.100.53:sport. Returns
 * the accepted socket; *dropped is the data segment "a filter dropped". */
static int
kernel_tcp_server(int lsn, uint16_t lport, uint16_t sport, uint8_t *seg,
    struct pkt *dropped)
{
	static uint8_t buf[4096], pkt[4096];
	static const uint8_t me[4] = { 198, 51, 100, 53 };
	static const uint8_t local[4] = { 198, 51, 100, 2 };
	struct pkt fake, synack;
	struct pollfd pfd = { lsn, POLLIN, 0 };
	const uint32_t isn = 0xfffffff0;	/* wraps during the test */
	int fd, len;

	memset(&fake, 0, sizeof(fake));
	fake.family = 4;
	fake.l4proto = IPPROTO_TCP;
	fake.src = me;
	fake.dst = local;
	fake.sport = sport;
	fake.dport = lport;
	tun_write(pkt, respond_tcp(&fake, RESPOND_TO_SERVER, PKT_TCP_SYN, isn,
	    0, NULL, 0, pkt, sizeof(pkt)));
	assert_true(tun_read(buf, sizeof(buf), &synack, IPPROTO_TCP, sport,
	    5000));
	assert_int_equal(synack.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	assert_int_equal(synack.ack, isn + 1);
	tun_write(pkt, respond_tcp(&fake, RESPOND_TO_SERVER, PKT_TCP_ACK,
	    isn + 1, synack.seq + 1, NULL, 0, pkt, sizeof(pkt)));
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	fd = accept(lsn, NULL, NULL);
	assert_true(fd >= 0);
	len = respond_tcp(&fake, RESPOND_TO_SERVER, PKT_TCP_ACK | PKT_TCP_PSH,
	    isn + 1, synack.seq + 1, "GET / HTTP/1.1\r\n\r\n", 18, seg, 512);
	assert_int_equal(pkt_parse(seg, (size_t)len, dropped), PKT_OK);
	return fd;
}

static void
kernel_rst_server(void)
{
	static uint8_t seg[512], pkt[512];
	struct sockaddr_in sin;
	struct pkt dropped;
	struct pollfd pfd;
	char c;
	int lsn, fd, len;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(8080);
	inet_pton(AF_INET, "198.51.100.2", &sin.sin_addr);
	lsn = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lsn, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lsn, 4), 0);

	/* Exact: the server's connection is reset. */
	fd = kernel_tcp_server(lsn, 8080, 40000, seg, &dropped);
	tun_write(pkt, respond_tcp_rst_server(&dropped, pkt, sizeof(pkt)));
	pfd = (struct pollfd){ fd, POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	errno = 0;
	assert_int_equal(read(fd, &c, 1), -1);
	assert_int_equal(errno, ECONNRESET);
	close(fd);

	/* One byte off: RFC 5961 challenge ACK, the connection lives. */
	fd = kernel_tcp_server(lsn, 8080, 40001, seg, &dropped);
	dropped.seq += 1;
	len = respond_tcp_rst_server(&dropped, pkt, sizeof(pkt));
	tun_write(pkt, len);
	pfd = (struct pollfd){ fd, POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 300), 0);
	close(fd);
	close(lsn);
}

static void
test_kernel_accepts(void **state)
{
	(void)state;
	if (access("/usr/bin/dig", X_OK) != 0 || !netns_with_tun())
		skip();
	kernel_udp("198.51.100.53", "A", "IN\tA\t192.0.2.1");
	kernel_udp("2001:db8:1::53", "AAAA", "IN\tAAAA\t2001:db8:ff::1");
	kernel_tcp_client(false, "IN\tA\t192.0.2.1");
	kernel_tcp_client(true, "connection reset");
	kernel_rst_server();
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
		cmocka_unit_test(test_kernel_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
