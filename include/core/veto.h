/*
 * veto.h - the map of the engine, and the few types every module shares.
 *
 * How a packet flows (see ../shared/DESIGN.md section 2):
 *
 *   queue.c    One thread per NFQUEUE number reads packets through libmnl
 *              and libnetfilter_queue (copying only the bytes inspection
 *              needs), calls inspect() and sends the verdict.
 *   inspect.c  inspect() decodes the packet (pkt.c), picks the protocol by
 *              port and payload (dns.c, http.c via flow.c, tls.c via
 *              flow.c, quic.c), canonicalises the name or URL (norm.c),
 *              asks the matcher (match.c) and returns a decision: accept,
 *              accept-and-offload the flow, drop, drop-the-flow, plus up to
 *              a few forged packets to send (respond.c). It never does I/O:
 *              the daemon, `veto replay` and the tests all call it.
 *   inject.c   The caller sends the forged packets through raw sockets
 *              carrying a socket mark, so they are not queued again.
 *   stats.c    Per-thread counters, summed on read; never a client address.
 *
 * Beside the packet path: fetch.c (libcurl; verify, then swap the matcher
 * through policy.c), stop.c (the stop page, libmicrohttpd), metrics.c,
 * report.c and ctl.c (control socket). list.c and sig.c turn signed bytes
 * into a trusted list; conf.c reads veto.conf.
 *
 * Privacy: no module ever writes a client address, port, MAC, unmatched
 * name or full URL anywhere. Counts only.
 */
#ifndef VETO_H
#define VETO_H

#include <stdint.h>

#define VETO_VERSION "0.1.0"

/* The protocols a decision can be about. */
enum veto_proto {
	VPROTO_DNS,
	VPROTO_HTTP,
	VPROTO_TLS,
	VPROTO_QUIC,
	VPROTO_COUNT
};

/* What a decision says about one request (query, HTTP request, handshake). */
enum veto_action {
	VACT_ALLOWED,	  /* a usable name/URL, not on any list */
	VACT_BLOCKED,	  /* matched an entry (and enforced unless monitor) */
	VACT_MALFORMED,	  /* bytes that do not parse as the protocol */
	VACT_UNKNOWN_NAME, /* parsed, but no usable name (no SNI, ECH, IP literal) */
	VACT_COUNT
};

const char *veto_proto_name(enum veto_proto p);
const char *veto_action_name(enum veto_action a);

#endif
