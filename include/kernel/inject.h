/*
 * inject.h - send forged IP packets (DNS answers, HTTP redirects, TCP
 * resets built by respond.c) through raw sockets.
 *
 * inject_open() opens one IPv4 socket (IPPROTO_RAW: the caller supplies the
 * IP header, IP_HDRINCL is implied) and one IPv6 socket (IPPROTO_RAW on
 * AF_INET6, likewise) and sets SO_MARK on both, so every packet sent carries
 * the PASS mark and the rule set never queues it again. Opening needs
 * CAP_NET_RAW and SO_MARK needs CAP_NET_ADMIN: call it before priv_drop().
 * Sending needs no capability afterwards. The source address in the packet
 * may be any address (the server's, the client's): raw sockets send it as
 * written. A family that cannot be opened (IPv6 disabled) is reported by
 * inject_open() only if neither can.
 *
 * inject_send() takes one complete IP packet with correct checksums (the
 * kernel fills in the IPv4 header checksum and total length, nothing else)
 * and sends it to its destination address without blocking. Errors (no
 * route, a full socket buffer, a malformed header) are counted, never
 * fatal. One handle per packet thread: no locking; counters may be read
 * from any thread.
 */
#ifndef VETO_INJECT_H
#define VETO_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct inject_stats {
	uint64_t sent4, sent6;		/* packets handed to the kernel */
	uint64_t bytes;
	uint64_t errors;		/* sendto failed */
	uint64_t malformed;		/* not an IPv4/IPv6 packet, or no socket */
	int last_errno;
};

struct inject;

/* mark: the socket mark (conf_mark_value(c, MARK_PASS)); 0 sets none. */
struct inject *inject_open(uint32_t mark, struct verr *e);
void inject_close(struct inject *inj);	/* NULL allowed */

/* 0 when sent, -1 (counted) otherwise. */
int inject_send(struct inject *inj, const uint8_t *ip_packet, size_t len);

void inject_stats_get(const struct inject *inj, struct inject_stats *s);

#endif
