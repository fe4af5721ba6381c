/*
 * pkt.h - a decoded view of one IPv4 or IPv6 packet carrying UDP or TCP.
 *
 * pkt_parse() walks the bytes once and fills a struct pkt of pointers and
 * offsets into the caller's buffer: nothing is copied or allocated, and the
 * view is valid only as long as the buffer. IPv6 extension headers
 * (hop-by-hop, routing, destination options, fragment, AH) are skipped;
 * a hop-by-hop header anywhere but first is malformed (RFC 8200 4.1: the
 * receiver drops it, so must we); fragments other than a complete one
 * (offset 0 and no more-fragments) have no transport view. TCP options are
 * walked for what a receiver would act on (timestamps for PAWS, MD5/AO
 * signatures); options that run past the header are malformed. Lengths are checked against the IP header's own total
 * length, and trailing bytes beyond it (Ethernet padding) are ignored.
 *
 * Anything that is not a well-formed IPv4/IPv6 + UDP/TCP packet comes back
 * as PKT_MALFORMED or PKT_UNSUPPORTED: the daemon accepts such packets and
 * counts them, it never guesses.
 */
#ifndef VETO_PKT_H
#define VETO_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pkt_status {
	PKT_OK = 0,
	PKT_MALFORMED = -1,	/* truncated, bad header length, bad version */
	PKT_UNSUPPORTED = -2,	/* not UDP/TCP, a fragment, ESP, ... */
};

/* TCP flags as in the header. */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20

/* TCP options seen (struct pkt.tcp_opts). */
#define PKT_OPT_TS	0x01	/* timestamps (kind 8): tsval set */
#define PKT_OPT_SIG	0x02	/* MD5 signature (19) or TCP-AO (29) */
#define PKT_OPT_WSCALE	0x04	/* window scale (3): wscale set */

struct pkt {
	const uint8_t *data;	/* start of the IP header */
	size_t len;		/* IP total length (<= buffer length) */
	uint8_t family;		/* 4 or 6 */
	uint8_t l4proto;	/* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t ttl;		/* TTL / hop limit */
	const uint8_t *src;	/* 4 or 16 bytes, network order */
	const uint8_t *dst;
	size_t l4off;		/* offset of the UDP/TCP header from data */
	uint16_t sport, dport;	/* host order */
	/* TCP only (host order) */
	uint32_t seq, ack;
	uint8_t tcp_flags;
	uint16_t window;
	uint16_t urg_ptr;
	uint8_t tcp_opts;	/* PKT_OPT_* */
	uint8_t wscale;
	uint32_t tsval;
	/* payload after the UDP/TCP header (and TCP options) */
	const uint8_t *payload;
	size_t payload_len;
};

enum pkt_status pkt_parse(const uint8_t *buf, size_t len, struct pkt *p);

/* Verify the UDP/TCP checksum of a parsed packet (pseudo-header included).
 * A UDP checksum of zero over IPv4 means "none" and passes. */
bool pkt_l4_csum_ok(const struct pkt *p);

/*
 * Internet checksum helpers for building packets (respond.c), RFC 1071.
 * pkt_csum_add() adds the bytes as 16-bit big-endian words to a running sum
 * (start with 0); every chunk but the last must have an even length, an odd
 * last byte is padded with zero. pkt_csum_fold() folds the sum to 16 bits
 * and complements it: the value for the checksum field, host order (store
 * it big-endian). Summing bytes that include a correct checksum folds to 0.
 */
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t pkt_csum_fold(uint32_t sum);
/* The running sum of the UDP/TCP pseudo-header (RFC 768, RFC 9293, RFC 8200
 * section 8.1) for this family (4 or 6), addresses and upper-layer length. */
uint32_t pkt_pseudo_sum(uint8_t family, const uint8_t *src,
    const uint8_t *dst, uint8_t proto, size_t l4len);

#endif
