/*
 * inject_send - send hand-made UDP packets through inject.c, for the kernel
 * integration test: any source address (spoofed), the PASS socket mark,
 * optionally after dropping privileges (the sockets are opened first, as in
 * vetod).
 *
 *   inject_send [-m MARK] [-c COUNT] [-u USER] SRC DST SPORT DPORT PAYLOAD
 *
 * SRC and DST are both IPv4 or both IPv6. Prints "sent N errors N" and
 * exits 0 when every packet was sent.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/inject.h"
#include "kernel/priv.h"

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

/* Build IPv4 or IPv6 + UDP into buf; returns the length or 0. */
static size_t
build(uint8_t *buf, size_t cap, int family, const uint8_t *src,
    const uint8_t *dst, uint16_t sport, uint16_t dport, const char *payload)
{
	size_t plen = strlen(payload), alen = family == AF_INET ? 4 : 16;
	size_t iplen = family == AF_INET ? 20 : 40, ulen = 8 + plen;
	uint8_t *u = buf + iplen;
	uint32_t sum;
	uint16_t c;

	if (iplen + ulen > cap)
		return 0;
	memset(buf, 0, iplen + 8);
	if (family == AF_INET) {
		buf[0] = 0x45;
		buf[2] = (uint8_t)((iplen + ulen) >> 8);
		buf[3] = (uint8_t)(iplen + ulen);
		buf[8] = 64;
		buf[9] = IPPROTO_UDP;
		memcpy(buf + 12, src, 4);
		memcpy(buf + 16, dst, 4);
		c = fold(sum16(0, buf, 20));
		buf[10] = (uint8_t)(c >> 8);
		buf[11] = (uint8_t)c;
	} else {
		buf[0] = 0x60;
		buf[4] = (uint8_t)(ulen >> 8);
		buf[5] = (uint8_t)ulen;
		buf[6] = IPPROTO_UDP;
		buf[7] = 64;
		memcpy(buf + 8, src, 16);
		memcpy(buf + 24, dst, 16);
	}
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)(ulen >> 8);
	u[5] = (uint8_t)ulen;
	memcpy(u + 8, payload, plen);
	sum = sum16(0, src, alen);
	sum = sum16(sum, dst, alen);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	c = fold(sum16(sum, u, ulen));
	if (c == 0)
		c = 0xffff;
	u[6] = (uint8_t)(c >> 8);
	u[7] = (uint8_t)c;
	return iplen + ulen;
}

int
main(int argc, char **argv)
{
	uint8_t src[16], dst[16], pkt[2048];
	uint64_t mark = 0x00300000, count = 1, sport, dport;
	const char *user = NULL;
	struct inject_stats s;
	struct inject *inj;
	struct verr e;
	int family, ch;
	size_t len;

	while ((ch = getopt(argc, argv, "m:c:u:")) != -1) {
		switch (ch) {
		case 'm':
			if (!parse_u64(optarg, 0, UINT32_MAX, &mark))
				goto usage;
			break;
		case 'c':
			if (!parse_u64(optarg, 1, 100000, &count))
				goto usage;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 5 || !parse_u64(argv[2], 1, 65535, &sport) ||
	    !parse_u64(argv[3], 1, 65535, &dport))
		goto usage;
	family = strchr(argv[0], ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, argv[0], src) != 1 ||
	    inet_pton(family, argv[1], dst) != 1)
		goto usage;
	len = build(pkt, sizeof(pkt), family, src, dst, (uint16_t)sport,
	    (uint16_t)dport, argv[4]);
	if (len == 0)
		goto usage;
	inj = inject_open((uint32_t)mark, &e);
	if (inj == NULL) {
		fprintf(stderr, "inject_send: %s\n", e.msg);
		return 1;
	}
	if (user != NULL && priv_drop(user, &e) == -1) {
		fprintf(stderr, "inject_send: %s\n", e.msg);
		return 1;
	}
	for (uint64_t i = 0; i < count; i++)
		inject_send(inj, pkt, len);
	inject_stats_get(inj, &s);
	printf("sent %llu errors %llu\n",
	    (unsigned long long)(s.sent4 + s.sent6),
	    (unsigned long long)(s.errors + s.malformed));
	if (s.errors)
		fprintf(stderr, "inject_send: last error: %s\n",
		    strerror(s.last_errno));
	inject_close(inj);
	return s.errors + s.malformed == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: inject_send [-m MARK] [-c COUNT] [-u USER] "
	    "SRC DST SPORT DPORT PAYLOAD\n");
	return 2;
}
