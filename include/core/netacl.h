/*
 * netacl.h - a short list of IPv4/IPv6 prefixes: "who may connect".
 *
 * Text form (a configuration value): items separated by commas and/or
 * white space, each ADDR or ADDR/LEN (IPv4 dotted quad, IPv6 as inet_pton
 * takes it), or one of the words
 *   any       every address (0.0.0.0/0 and ::/0)
 *   private   loopback, RFC 1918, shared address space (RFC 6598),
 *             link-local, IPv6 unique-local and link-local:
 *             127.0.0.0/8 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16
 *             100.64.0.0/10 169.254.0.0/16 ::1/128 fc00::/7 fe80::/10
 * Host bits set below the prefix length are refused (a typo such as
 * 10.1.2.3/8 is more likely than intent). An IPv4-mapped IPv6 peer
 * (::ffff:a.b.c.d) is matched as the IPv4 address.
 *
 * No allocation: a fixed table of NETACL_MAX prefixes; matching is a
 * linear scan (a stop page checks one address per connection).
 */
#ifndef VETO_NETACL_H
#define VETO_NETACL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/util.h"

#define NETACL_MAX 64

struct netacl_prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* prefix length in bits */
	uint8_t addr[16];	/* network order; 4 bytes used for IPv4 */
};

struct netacl {
	unsigned n;
	struct netacl_prefix p[NETACL_MAX];
};

/* Parse text into a (an empty text is an empty list: nothing matches).
 * -1 with e set ("`x': not an address or prefix", "more than 64 ..."). */
int netacl_parse(const char *text, struct netacl *a, struct verr *e);

/* Is the peer address sa (AF_INET or AF_INET6) in a? */
bool netacl_match(const struct netacl *a, const struct sockaddr *sa);

/* Same, for a raw address of family AF_INET (4 bytes) or AF_INET6 (16). */
bool netacl_match_addr(const struct netacl *a, int family,
    const uint8_t *addr);

#endif
