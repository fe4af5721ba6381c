/*
 * respond.h - whole forged IP packets (IPv4 or IPv6 + UDP or TCP) that
 * answer an intercepted packet, written into a caller buffer with correct
 * checksums. The caller (inspect) sends them through a raw socket; nothing
 * here allocates or does I/O.
 *
 * Headers: IPv4 with ID 0 and DF set (an atomic datagram, RFC 6864: its ID
 * means nothing), TTL 64, no options; IPv6 with traffic class 0, flow label
 * 0, hop limit 64, no extension headers; TCP with no options. Each builder
 * returns the packet length or -1 if it does not fit cap (or the packet
 * would exceed 65535 bytes, or p is not a parsed UDP/TCP packet).
 *
 * Directions: p is the packet that was intercepted, the client's. "To the
 * client" is the reverse of p (source and destination addresses and ports
 * swapped); "to the server" is p's own direction (we speak as the client).
 *
 * TCP sequence numbers (RFC 9293, RFC 5961):
 *
 *   To the client: seq = p.ack, ack = p.seq + p.payload_len (+1 for each
 *   of SYN and FIN set in p). p.ack is the client's RCV.NXT when it sent p:
 *   the exact value RFC 5961 requires for a RST to take effect, and the
 *   place where the server's next data would go, so our data segment is
 *   read as the server's reply. ack covers p's data: the client believes its
 *   request was delivered. If the server had data in flight that reached
 *   the client after p left (a keep-alive connection, say), the client's
 *   RCV.NXT has moved on: a RST then only earns a challenge ACK and data
 *   would overlap what it already has. That cannot happen for the first
 *   request of an HTTP connection, a TLS ClientHello or a DNS query, where
 *   the server speaks only after the client.
 *
 *   To the server: a RST with seq = p.seq and ack = p.ack (RST|ACK, what
 *   the client's own stack sends when it aborts). Since p is dropped, the
 *   server never sees it, so p.seq is the server's RCV.NXT whenever p is
 *   the next segment the server expects (no earlier client segment still
 *   in flight): RFC 5961's exact match, and the connection is reset. When
 *   that does not hold the server answers with a challenge ACK and the
 *   connection stays open until it times out; the filter has still dropped
 *   the blocked data.
 *
 * The uses: a DNS-over-TCP answer and an HTTP 302/451 are
 * respond_tcp_data_fin_client() + respond_tcp_rst_server(); a reset of both
 * sides (TLS, a later request on a keep-alive HTTP connection) is
 * respond_tcp_rst_client() + respond_tcp_rst_server(); a DNS-over-UDP answer
 * is respond_udp().
 */
#ifndef VETO_RESPOND_H
#define VETO_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "engine/pkt.h"

#define RESPOND_TTL 64
#define RESPOND_WINDOW 65535	/* advertised in data segments; RST: 0 */
/* Largest IP + TCP header respond writes (IPv6 40 + TCP 20). */
#define RESPOND_HDR_MAX 60

enum respond_dir {
	RESPOND_TO_CLIENT,	/* reverse of p */
	RESPOND_TO_SERVER,	/* same direction as p */
};

/* A UDP datagram back to p's sender carrying payload. */
int respond_udp(const struct pkt *p, const void *payload, size_t len,
    uint8_t *out, size_t cap);

/* A TCP segment with these flags (PKT_TCP_*), seq and ack, and payload
 * (NULL/0 for none). The window is RESPOND_WINDOW, or 0 when RST is set. */
int respond_tcp(const struct pkt *p, enum respond_dir dir, uint8_t flags,
    uint32_t seq, uint32_t ack, const void *payload, size_t len,
    uint8_t *out, size_t cap);

/* The sequence numbers described above, from the client's segment p. */
void respond_tcp_client_nums(const struct pkt *p, uint32_t *seq,
    uint32_t *ack);
void respond_tcp_server_nums(const struct pkt *p, uint32_t *seq,
    uint32_t *ack);

/* ACK|PSH|FIN carrying payload to the client (DNS over TCP, HTTP). */
int respond_tcp_data_fin_client(const struct pkt *p, const void *payload,
    size_t len, uint8_t *out, size_t cap);
/* RST|ACK to the client. */
int respond_tcp_rst_client(const struct pkt *p, uint8_t *out, size_t cap);
/* RST|ACK to the server (a bare RST if p carries no ACK). */
int respond_tcp_rst_server(const struct pkt *p, uint8_t *out, size_t cap);

#endif
