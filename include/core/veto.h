/*
 * veto.h - the map of the code, and the few types every module shares.
 *
 * The folders are the layers (docs/design.md section 1); a layer uses only
 * those to its left (tests/lint/layout.sh checks every #include):
 *
 *   core <- policy <- {engine, trust} <- {serve, audit} <- vetod
 *   kernel uses only core; tools/ use anything but vetod/
 *
 *   core/    util, log, conf, buf (the bounded writer), this file
 *   policy/  norm (canonical names and URLs), list (veto-list/1), match
 *            (the matcher), policy (the snapshot in force), catreg
 *   engine/  the packet path, no I/O: pkt, flow, dns, http, tls, quic,
 *            inspect, respond, blockresp, stats
 *   trust/   sig (minisign), guard, trust (feed/serial/expiry), fetch
 *            (libcurl), listset
 *   kernel/  queue (NFQUEUE), inject (raw sockets), rules, priv
 *   serve/   stop page, metrics, control socket, status, reports, summary
 *   audit/   replay (captures), audit and probe (probing a live filter)
 *   vetod/   main, daemon, servers, worker, feeds, fetcher
 *
 * How a packet flows:
 *
 *   kernel/queue.c    One thread per NFQUEUE number reads packets through
 *                     libmnl and libnetfilter_queue (copying only the bytes
 *                     inspection needs), calls inspect() and sends the
 *                     verdict.
 *   engine/inspect.c  inspect() decodes the packet (pkt.c), picks the
 *                     protocol by port and payload (dns.c, http.c and tls.c
 *                     via flow.c, quic.c), canonicalises the name or URL
 *                     (policy/norm.c), asks the matcher (policy/match.c) and
 *                     returns a decision: accept, accept-and-offload the
 *                     flow, drop, drop-the-flow, plus up to a few forged
 *                     packets to send (respond.c: DNS answers and resets;
 *                     blockresp.c: the HTTP 302/451). It never does I/O:
 *                     the daemon, `veto replay` and the tests all call it.
 *   kernel/inject.c   The caller sends the forged packets through raw
 *                     sockets carrying a socket mark, so they are not
 *                     queued again.
 *   engine/stats.c    Per-thread counters, summed on read; never a client
 *                     address.
 *
 * Beside the packet path: vetod/fetcher.c (periodic fetch with
 * trust/fetch.c; verify, then publish a new policy snapshot), serve/ (the
 * stop page, libmicrohttpd; metrics; the control socket; reports).
 * trust/sig.c and policy/list.c turn signed bytes into a trusted list;
 * core/conf.c reads veto.conf.
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
