/*
 * inspect.h - one packet in, one decision out. The same function serves
 * vetod, `veto replay` and the tests, so what an auditor replays is what
 * the daemon does.
 *
 * inspect() decodes the packet (pkt.c), picks the protocol by port and
 * payload, feeds TCP payloads and QUIC CRYPTO frames through the per-thread
 * reassembly table (flow.c), parses DNS / HTTP / TLS / QUIC, canonicalises
 * the name or URL (norm.c), asks the matcher of the policy snapshot, counts
 * the outcome (stats.c) and returns:
 *
 *   IV_PASS        accept this packet; the flow stays undecided (DNS, a
 *                  TCP segment before the name is complete, a plain-HTTP
 *                  flow, which stays undecided while it carries requests);
 *   IV_ALLOW_FLOW  accept; the flow is decided, the kernel stops queueing it
 *                  (NF_REPEAT with the ALLOW mark, saved into the connmark);
 *   IV_DROP        drop this packet only (a blocked DNS query over UDP; a
 *                  TCP segment the stream invariant of flow.h refuses: out
 *                  of order, a disagreeing copy, a decoy, an inexact RST;
 *                  a packet cut by the copy range or unreadable; a DNS query
 *                  veto cannot parse (dns_malformed); a QUIC datagram on an
 *                  undecided flow that is not read whole: a malformed or
 *                  undecryptable Initial, CRYPTO bytes that disagree, an
 *                  Initial under 1200 bytes, an unknown version);
 *   IV_BLOCK_FLOW  drop; the kernel drops the rest of the flow (BLOCK mark);
 *
 * plus up to INSPECT_MAX_OUT forged packets to send (a DNS answer, a 302 or
 * 451 with FIN, resets), built in the context's own buffers and valid until
 * the next call. inspect() does no I/O and allocates nothing.
 *
 * The parsers read as the servers do, and what they cannot read the way a
 * server may is never allowed (issue 12): every question of a DNS query
 * and every request of an HTTP connection is checked, each on its own
 * name; a request servers refuse resets the connection; every coalesced
 * QUIC packet is read and a datagram is read whole or dropped.
 *
 * In monitor mode a would-be block is counted as blocked (and as
 * monitor_would_block), nothing is forged, and the flow is allowed.
 *
 * A context belongs to one thread (the reassembly table, QUIC crypto
 * contexts, output buffers, its stats block).
 */
#ifndef VETO_INSPECT_H
#define VETO_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "policy/match.h"
#include "policy/norm.h"
#include "policy/policy.h"
#include "engine/stats.h"
#include "core/veto.h"

#define INSPECT_MAX_OUT 3
#define INSPECT_OUT_BYTES 2048

enum inspect_verdict {
	IV_PASS,
	IV_ALLOW_FLOW,
	IV_DROP,
	IV_BLOCK_FLOW,
};

/* What the kernel said about the packet (NFQA_SKB_INFO). */
#define INSPECT_CSUM_UNVERIFIED 0x1	/* verify the L4 checksum ourselves */
#define INSPECT_CSUM_NOTREADY 0x2	/* not computed yet (GSO, local): skip */
#define INSPECT_TRUNCATED 0x4		/* cut by the copy range: dropped */

struct inspect_meta {
	uint64_t now_ms;	/* monotonic, for flow expiry */
	uint32_t flags;		/* INSPECT_CSUM_* */
};

struct inspect_out {
	const uint8_t *data;
	size_t len;
};

struct inspect_result {
	enum inspect_verdict verdict;
	bool decided;		/* a request was decided on this packet */
	enum veto_proto proto;	/* valid when decided */
	enum veto_action action;	/* valid when decided */
	bool monitor;		/* blocked, but monitor mode let it through */
	struct match_result match;	/* valid when action == VACT_BLOCKED */
	/* The name or URL decided on, only when the context was made with
	 * want_names (veto replay --decisions); never logged by the daemon. */
	char name[NORM_NAME_MAX + 3 + NORM_URL_MAX + 1];
	unsigned nout;
	struct inspect_out out[INSPECT_MAX_OUT];
};

struct inspect_ctx;

/* Per-thread context sized from the configuration (reassembly caps); the
 * stats block receives every count. want_names fills result.name. */
struct inspect_ctx *inspect_ctx_new(const struct conf *c, struct stats_thread *st,
    bool want_names, struct verr *e);
void inspect_ctx_free(struct inspect_ctx *ctx);

void inspect(struct inspect_ctx *ctx, const struct policy *pol,
    const uint8_t *pkt, size_t len, const struct inspect_meta *m,
    struct inspect_result *r);

/* Does the rule set queue packets to this port (53, or the configured
 * http, tls and quic ports)? For `veto replay`'s kernel emulation. */
bool inspect_port_queued(const struct inspect_ctx *ctx, uint8_t l4proto,
    uint16_t dport);

/* Expire idle flows (call every second or so from the packet thread). */
void inspect_tick(struct inspect_ctx *ctx, uint64_t now_ms);

/* The reassembly table's counters (use, evictions), for the stats. */
struct flow_stats;
const struct flow_stats *inspect_flow_stats(const struct inspect_ctx *ctx);

#endif
