/*
 * pkt.c - decode IPv4/IPv6 + UDP/TCP into a struct pkt (see pkt.h), and the
 * Internet checksum (RFC 1071) used to verify and to build packets.
 *
 * One pass, no copies: every length is checked against what is left before
 * the bytes behind it are read.
 */
#include <netinet/in.h>
#include <string.h>

#include "core/bytes.h"
#include "engine/pkt.h"

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define TCP_HDR_MIN 20

#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff
#define IPV6_FRAG_OFFMASK 0xfff8
#define IPV6_FRAG_M 0x0001



static enum pkt_status
parse_udp(struct pkt *p)
{
	const uint8_t *u = p->data + p->l4off;
	size_t left = p->len - p->l4off;
	size_t ulen;

	if (left < UDP_HDR_LEN)
		return PKT_MALFORMED;
	ulen = rd16(u + 4);
	/* Length 0 means a jumbogram (RFC 2675), which we do not take. */
	if (ulen < UDP_HDR_LEN || ulen > left)
		return PKT_MALFORMED;
	p->sport = rd16(u);
	p->dport = rd16(u + 2);
	p->payload = u + UDP_HDR_LEN;
	p->payload_len = ulen - UDP_HDR_LEN;
	return PKT_OK;
}

/* The TCP options in [o, o + n): what a receiver acts on. */
static enum pkt_status
parse_tcp_opts(struct pkt *p, const uint8_t *o, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		if (o[i] == 0)		/* end of options */
			break;
		if (o[i] == 1) {	/* no-operation */
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
			return PKT_MALFORMED;
		l = o[i + 1];
		if (o[i] == 8 && l == 10) {
			p->tcp_opts |= PKT_OPT_TS;
			p->tsval = rd32(o + i + 2);
		} else if (o[i] == 19 || o[i] == 29) {
			p->tcp_opts |= PKT_OPT_SIG;
		} else if (o[i] == 3 && l == 3) {
			p->tcp_opts |= PKT_OPT_WSCALE;
			p->wscale = o[i + 2];
		}
		i += l;
	}
	return PKT_OK;
}

static enum pkt_status
parse_tcp(struct pkt *p)
{
	const uint8_t *t = p->data + p->l4off;
	size_t left = p->len - p->l4off;
	size_t hlen;

	if (left < TCP_HDR_MIN)
		return PKT_MALFORMED;
	hlen = (size_t)(t[12] >> 4) * 4;
	if (hlen < TCP_HDR_MIN || hlen > left)
		return PKT_MALFORMED;
	p->sport = rd16(t);
	p->dport = rd16(t + 2);
	p->seq = rd32(t + 4);
	p->ack = rd32(t + 8);
	p->tcp_flags = t[13] & 0x3f;
	p->window = rd16(t + 14);
	p->urg_ptr = rd16(t + 18);
	p->payload = t + hlen;
	p->payload_len = left - hlen;
	return parse_tcp_opts(p, t + TCP_HDR_MIN, hlen - TCP_HDR_MIN);
}

static enum pkt_status
parse_l4(struct pkt *p, uint8_t proto)
{
	p->l4proto = proto;
	if (proto == IPPROTO_UDP)
		return parse_udp(p);
	if (proto == IPPROTO_TCP)
		return parse_tcp(p);
	return PKT_UNSUPPORTED;
}

static enum pkt_status
parse_ipv4(const uint8_t *buf, size_t len, struct pkt *p)
{
	size_t ihl, tot;
	uint16_t frag;

	if (len < IPV4_HDR_MIN)
		return PKT_MALFORMED;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	tot = rd16(buf + 2);
	if (ihl < IPV4_HDR_MIN || tot < ihl || tot > len)
		return PKT_MALFORMED;
	p->family = 4;
	p->len = tot;
	p->ttl = buf[8];
	p->src = buf + 12;
	p->dst = buf + 16;
	p->l4off = ihl;
	frag = rd16(buf + 6);
	if ((frag & IPV4_OFFMASK) != 0 || (frag & IPV4_MF) != 0)
		return PKT_UNSUPPORTED;
	return parse_l4(p, buf[9]);
}

/*
 * Walk the IPv6 extension headers starting with next header *nh at *off.
 * On return *nh is the upper-layer protocol and *off its offset.
 */
static enum pkt_status
skip_ipv6_ext(const uint8_t *buf, size_t len, uint8_t *nh, size_t *off)
{
	size_t hlen;
	uint16_t frag;

	for (;;) {
		switch (*nh) {
		case IPPROTO_HOPOPTS:
			if (*off != IPV6_HDR_LEN)	/* only first: RFC 8200 */
				return PKT_MALFORMED;
			/* fall through */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (len - *off < 8)
				return PKT_MALFORMED;
			hlen = ((size_t)buf[*off + 1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			if (len - *off < 8)
				return PKT_MALFORMED;
			frag = rd16(buf + *off + 2);
			if ((frag & IPV6_FRAG_OFFMASK) != 0 ||
			    (frag & IPV6_FRAG_M) != 0)
				return PKT_UNSUPPORTED;
			hlen = 8;
			break;
		case IPPROTO_AH:
			/* RFC 4302: length in 4-byte units, minus 2. */
			if (len - *off < 8)
				return PKT_MALFORMED;
			hlen = ((size_t)buf[*off + 1] + 2) * 4;
			break;
		default:
			/* UDP, TCP, or something we do not look into (ESP,
			 * no next header, ICMPv6, mobility, ...). */
			return PKT_OK;
		}
		if (hlen > len - *off)
			return PKT_MALFORMED;
		*nh = buf[*off];
		*off += hlen;
	}
}

static enum pkt_status
parse_ipv6(const uint8_t *buf, size_t len, struct pkt *p)
{
	size_t tot, off = IPV6_HDR_LEN;
	uint8_t nh;
	enum pkt_status st;

	if (len < IPV6_HDR_LEN)
		return PKT_MALFORMED;
	tot = IPV6_HDR_LEN + (size_t)rd16(buf + 4);
	if (tot > len)
		return PKT_MALFORMED;
	p->family = 6;
	p->len = tot;
	p->ttl = buf[7];
	p->src = buf + 8;
	p->dst = buf + 24;
	nh = buf[6];
	if ((st = skip_ipv6_ext(buf, tot, &nh, &off)) != PKT_OK)
		return st;
	p->l4off = off;
	return parse_l4(p, nh);
}

enum pkt_status
pkt_parse(const uint8_t *buf, size_t len, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->data = buf;
	if (buf == NULL || len < 1)
		return PKT_MALFORMED;
	switch (buf[0] >> 4) {
	case 4:
		return parse_ipv4(buf, len, p);
	case 6:
		return parse_ipv6(buf, len, p);
	default:
		return PKT_MALFORMED;
	}
}

/*
 * The running sum is of 16-bit big-endian words. Every chunk but the last
 * must have an even length (an odd last byte is padded with zero).
 */
uint32_t
pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
pkt_pseudo_sum(uint8_t family, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, size_t l4len)
{
	size_t alen = family == 4 ? 4 : 16;
	uint8_t tail[8] = {
		(uint8_t)(l4len >> 24), (uint8_t)(l4len >> 16),
		(uint8_t)(l4len >> 8), (uint8_t)l4len, 0, 0, 0, proto
	};
	uint32_t sum;

	/* IPv6's layout (RFC 8200 section 8.1); for IPv4 the words sum to the
	 * same value as zero, protocol, 16-bit length (RFC 768). */
	sum = pkt_csum_add(0, src, alen);
	sum = pkt_csum_add(sum, dst, alen);
	return pkt_csum_add(sum, tail, sizeof(tail));
}

bool
pkt_l4_csum_ok(const struct pkt *p)
{
	const uint8_t *l4;
	size_t l4len;
	uint32_t sum;

	if (p->data == NULL || (p->family != 4 && p->family != 6) ||
	    p->payload == NULL)
		return false;
	l4 = p->data + p->l4off;
	if (p->l4proto == IPPROTO_UDP) {
		l4len = rd16(l4 + 4);
		if (rd16(l4 + 6) == 0)
			return p->family == 4;
	} else if (p->l4proto == IPPROTO_TCP) {
		l4len = p->len - p->l4off;
	} else {
		return false;
	}
	sum = pkt_pseudo_sum(p->family, p->src, p->dst, p->l4proto, l4len);
	sum = pkt_csum_add(sum, l4, l4len);
	return pkt_csum_fold(sum) == 0;
}
