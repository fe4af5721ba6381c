/* test_inject.c - raw injection over loopback: a hand-made UDP packet with
 * a correct checksum sent through inject_send() must reach a UDP socket
 * (the kernel verifies the checksum), over IPv4 and IPv6; malformed input is
 * counted, not sent. Raw sockets need root; without it only the error
 * message is checked. */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kernel/inject.h"

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4/IPv6 + UDP from addr:5353 to addr:port (loopback both ends). */
static size_t
build(uint8_t *b, int family, const uint8_t *addr, uint16_t port,
    const char *payload)
{
	size_t alen = family == AF_INET ? 4 : 16, ip = family == AF_INET ? 20 : 40;
	size_t ulen = 8 + strlen(payload);
	uint8_t *u = b + ip;
	uint32_t s;

	memset(b, 0, ip + 8);
	if (family == AF_INET) {
		b[0] = 0x45;
		put16(b + 2, (uint16_t)(ip + ulen));
		b[8] = 64;
		b[9] = IPPROTO_UDP;
		memcpy(b + 12, addr, 4);
		memcpy(b + 16, addr, 4);
		put16(b + 10, fold(sum16(0, b, 20)));
	} else {
		b[0] = 0x60;
		put16(b + 4, (uint16_t)ulen);
		b[6] = IPPROTO_UDP;
		b[7] = 64;
		memcpy(b + 8, addr, 16);
		memcpy(b + 24, addr, 16);
	}
	put16(u, 5353);
	put16(u + 2, port);
	put16(u + 4, (uint16_t)ulen);
	memcpy(u + 8, payload, ulen - 8);
	s = sum16(sum16(0, addr, alen), addr, alen) + IPPROTO_UDP + (uint32_t)ulen;
	put16(u + 6, fold(sum16(s, u, ulen)));
	return ip + ulen;
}

/* A UDP socket on loopback with a receive timeout; its port in *port. */
static int
listener(int family, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct timeval tv = {2, 0};
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd == -1)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == -1) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
roundtrip(int family)
{
	uint8_t addr[16], pkt[256];
	char got[64];
	struct inject_stats s;
	struct inject *inj;
	struct verr e;
	uint16_t port = 0;
	ssize_t n;
	int fd;

	fd = listener(family, &port);
	if (fd == -1)
		skip();		/* no IPv6 loopback here */
	inet_pton(family, family == AF_INET ? "127.0.0.1" : "::1", addr);
	inj = inject_open(0x00300000, &e);
	if (inj == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(inject_send(inj, pkt,
	    build(pkt, family, addr, port, "veto-inject")), 0);
	n = recv(fd, got, sizeof(got), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(got, "veto-inject", 11);
	/* a wrong UDP checksum is dropped by the receiver: proves the check */
	build(pkt, family, addr, port, "bad-csum");
	pkt[(family == AF_INET ? 20 : 40) + 6] ^= 0x55;
	assert_int_equal(inject_send(inj, pkt,
	    (family == AF_INET ? 20 : 40) + 16), 0);
	assert_int_equal(recv(fd, got, sizeof(got), 0), -1);
	inject_stats_get(inj, &s);
	assert_int_equal(family == AF_INET ? s.sent4 : s.sent6, 2);
	assert_int_equal(s.errors + s.malformed, 0);
	inject_close(inj);
	close(fd);
}

static void
test_ipv4(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	roundtrip(AF_INET);
}

static void
test_ipv6(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	roundtrip(AF_INET6);
}

static void
test_malformed(void **state)
{
	static const uint8_t junk[] = {0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t short4[] = {0x45, 0, 0, 10};
	struct inject_stats s;
	struct inject *inj;
	struct verr e;

	(void)state;
	inj = inject_open(0x00300000, &e);
	if (geteuid() != 0) {
		/* the message says what is missing */
		assert_null(inj);
		assert_non_null(strstr(e.msg, "CAP_NET_"));
		return;
	}
	assert_non_null(inj);
	assert_int_equal(inject_send(inj, junk, sizeof(junk)), -1);
	assert_int_equal(inject_send(inj, short4, sizeof(short4)), -1);
	assert_int_equal(inject_send(inj, junk, 0), -1);
	inject_stats_get(inj, &s);
	assert_int_equal(s.malformed, 3);
	assert_int_equal(s.sent4 + s.sent6, 0);
	inject_close(inj);
	inject_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
