/*
 * net.h - addresses and listeners: the one parser of "address[:port]"
 * strings (configuration keys, tool arguments) and the one way to open a
 * TCP listener (issue 16: four parsers had drifted apart; the one that
 * `vetod -n` validated with was not the one that bound).
 *
 * Accepted forms: "192.0.2.1", "192.0.2.1:80", "2001:db8::1" (a bare IPv6
 * address never carries a port: it has more than one colon), "[2001:db8::1]",
 * "[2001:db8::1]:80". Ports are 1-65535 (0 too with NET_PORT_ZERO: every
 * listener, where it means any free port). A bracketed IPv4 address, a name,
 * an empty host, a zone index or anything after the port is refused. With
 * NET_PORT_REQUIRED a form without a port is refused; otherwise defport is
 * used for it (0 too: the caller then knows there was none).
 *
 * Nothing here logs; errors go into a struct verr naming the value.
 */
#ifndef VETO_NET_H
#define VETO_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/util.h"

#define NET_PORT_REQUIRED 0x1
#define NET_PORT_ZERO 0x2	/* port 0 allowed (a listener: any free port) */
#define NET_LISTEN (NET_PORT_REQUIRED | NET_PORT_ZERO)	/* listener keys */

/* Parse s into *ss / *sl. Returns true, or false if s is not one of the
 * forms above. */
bool net_addr_parse(const char *s, uint16_t defport, unsigned flags,
    struct sockaddr_storage *ss, socklen_t *sl);

/* A TCP socket bound to s (NET_LISTEN form) and listening: close-on-
 * exec, SO_REUSEADDR, IPv6 sockets v6-only; sock_flags may add
 * SOCK_NONBLOCK. Returns the fd, or -1 with e saying what failed, prefixed
 * with what (a configuration key, say). */
int net_listen(const char *what, const char *s, int backlog, int sock_flags,
    struct verr *e);

#endif
