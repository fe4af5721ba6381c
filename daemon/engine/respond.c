/*
 * respond.c - forged UDP and TCP packets (see respond.h for the sequence
 * number reasoning).
 */
#include <netinet/in.h>
#include <string.h>

#include "engine/respond.h"

#define IPV4_HDR 20
#define IPV6_HDR 40
#define UDP_HDR 8
#define TCP_HDR 20
#define IPV4_DF 0x4000

static inline void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static bool
pkt_usable(const struct pkt *p, uint8_t proto)
{
	return p != NULL && p->src != NULL && p->dst != NULL &&
	    (p->family == 4 || p->family == 6) && p->l4proto == proto;
}

/*
 * Write the IP header for an upper-layer segment of l4len bytes from src to
 * dst. Returns the header length, or 0 if the packet does not fit.
 */
static size_t
ip_header(uint8_t family, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, size_t l4len, uint8_t *out, size_t cap)
{
	size_t hlen = family == 4 ? IPV4_HDR : IPV6_HDR;

	if (l4len > 65535 - (family == 4 ? IPV4_HDR : 0) ||
	    cap < hlen || l4len > cap - hlen)
		return 0;
	memset(out, 0, hlen);
	if (family == 4) {
		out[0] = 0x45;
		wr16(out + 2, (uint16_t)(hlen + l4len));
		wr16(out + 6, IPV4_DF);
		out[8] = RESPOND_TTL;
		out[9] = proto;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		wr16(out + 10, pkt_csum_fold(pkt_csum_add(0, out, hlen)));
	} else {
		out[0] = 0x60;
		wr16(out + 4, (uint16_t)l4len);
		out[6] = proto;
		out[7] = RESPOND_TTL;
		memcpy(out + 8, src, 16);
		memcpy(out + 24, dst, 16);
	}
	return hlen;
}

/* Checksum the upper-layer segment at l4 (its checksum field at csum_off
 * must be zero) and store it. */
static void
l4_checksum(uint8_t family, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, uint8_t *l4, size_t l4len, size_t csum_off)
{
	uint32_t sum;
	uint16_t c;

	sum = pkt_pseudo_sum(family, src, dst, proto, l4len);
	c = pkt_csum_fold(pkt_csum_add(sum, l4, l4len));
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;	/* zero would mean "no checksum" */
	wr16(l4 + csum_off, c);
}

int
respond_udp(const struct pkt *p, const void *payload, size_t len,
    uint8_t *out, size_t cap)
{
	size_t hlen, l4len = UDP_HDR + len;
	uint8_t *u;

	if (!pkt_usable(p, IPPROTO_UDP) || out == NULL ||
	    (payload == NULL && len > 0) || len > 65535)
		return -1;
	hlen = ip_header(p->family, p->dst, p->src, IPPROTO_UDP, l4len, out,
	    cap);
	if (hlen == 0 || l4len > 65535)
		return -1;
	u = out + hlen;
	wr16(u, p->dport);
	wr16(u + 2, p->sport);
	wr16(u + 4, (uint16_t)l4len);
	wr16(u + 6, 0);
	if (len > 0)
		memcpy(u + UDP_HDR, payload, len);
	l4_checksum(p->family, p->dst, p->src, IPPROTO_UDP, u, l4len, 6);
	return (int)(hlen + l4len);
}

int
respond_tcp(const struct pkt *p, enum respond_dir dir, uint8_t flags,
    uint32_t seq, uint32_t ack, const void *payload, size_t len,
    uint8_t *out, size_t cap)
{
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	size_t hlen, l4len = TCP_HDR + len;
	uint8_t *t;

	if (!pkt_usable(p, IPPROTO_TCP) || out == NULL ||
	    (payload == NULL && len > 0) || len > 65535)
		return -1;
	if (dir == RESPOND_TO_CLIENT) {
		src = p->dst, dst = p->src;
		sport = p->dport, dport = p->sport;
	} else {
		src = p->src, dst = p->dst;
		sport = p->sport, dport = p->dport;
	}
	hlen = ip_header(p->family, src, dst, IPPROTO_TCP, l4len, out, cap);
	if (hlen == 0)
		return -1;
	t = out + hlen;
	memset(t, 0, TCP_HDR);
	wr16(t, sport);
	wr16(t + 2, dport);
	wr32(t + 4, seq);
	wr32(t + 8, (flags & PKT_TCP_ACK) ? ack : 0);
	t[12] = (TCP_HDR / 4) << 4;
	t[13] = flags;
	wr16(t + 14, (flags & PKT_TCP_RST) ? 0 : RESPOND_WINDOW);
	if (len > 0)
		memcpy(t + TCP_HDR, payload, len);
	l4_checksum(p->family, src, dst, IPPROTO_TCP, t, l4len, 16);
	return (int)(hlen + l4len);
}

void
respond_tcp_client_nums(const struct pkt *p, uint32_t *seq, uint32_t *ack)
{
	uint32_t n = (uint32_t)p->payload_len;

	if (p->tcp_flags & PKT_TCP_SYN)
		n++;
	if (p->tcp_flags & PKT_TCP_FIN)
		n++;
	*seq = p->ack;
	*ack = p->seq + n;
}

void
respond_tcp_server_nums(const struct pkt *p, uint32_t *seq, uint32_t *ack)
{
	*seq = p->seq;
	*ack = p->ack;
}

int
respond_tcp_data_fin_client(const struct pkt *p, const void *payload,
    size_t len, uint8_t *out, size_t cap)
{
	uint32_t seq, ack;

	if (p == NULL)
		return -1;
	respond_tcp_client_nums(p, &seq, &ack);
	return respond_tcp(p, RESPOND_TO_CLIENT,
	    PKT_TCP_ACK | PKT_TCP_PSH | PKT_TCP_FIN, seq, ack, payload, len,
	    out, cap);
}

int
respond_tcp_rst_client(const struct pkt *p, uint8_t *out, size_t cap)
{
	uint32_t seq, ack;

	if (p == NULL)
		return -1;
	respond_tcp_client_nums(p, &seq, &ack);
	return respond_tcp(p, RESPOND_TO_CLIENT, PKT_TCP_RST | PKT_TCP_ACK,
	    seq, ack, NULL, 0, out, cap);
}

int
respond_tcp_rst_server(const struct pkt *p, uint8_t *out, size_t cap)
{
	uint32_t seq, ack;

	if (p == NULL)
		return -1;
	respond_tcp_server_nums(p, &seq, &ack);
	/* Without ACK in p (a bare SYN) there is no ack number to repeat. */
	return respond_tcp(p, RESPOND_TO_SERVER,
	    PKT_TCP_RST | (p->tcp_flags & PKT_TCP_ACK), seq, ack, NULL, 0,
	    out, cap);
}
