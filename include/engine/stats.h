/*
 * stats.h - counts, never identities (docs/design.md section 5).
 *
 * Packet threads each own a struct stats_thread and bump its counters with
 * STATS_INC(): a relaxed atomic load and store by the single writer, which
 * compiles to a plain add (no locked instruction, no lock) yet lets any
 * reader sum the threads at any time without a data race. Readers call
 * stats_sum() into a struct stats_total.
 *
 * Categories: a category is (feed name, category id). Policy snapshots
 * come and go, so counters are not indexed by a list's own category number
 * but by a stable "stats category" number from a registry that only grows
 * (stats_category() in policy/catreg.h; at most STATS_MAX_CATS, then
 * "other").
 *
 * Entries: per-entry counts feed the k-anonymous report only. A blocked
 * decision pushes (policy generation, entry number, protocol) into the
 * thread's single-producer ring; the aggregator drains the rings
 * (stats_drain(), with the policy snapshots that generations refer to) into
 * a map keyed by (feed, entry id). A full ring drops the event and counts
 * it: category and protocol totals stay exact.
 *
 * What is counted is never a client address, port, or unmatched name.
 */
#ifndef VETO_STATS_H
#define VETO_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/veto.h"
#include "policy/catreg.h"

#define STATS_RING 16384		/* entry events per thread */

typedef _Atomic uint64_t stat_t;

#define STATS_ADD(c, n) atomic_store_explicit(&(c), \
	atomic_load_explicit(&(c), memory_order_relaxed) + (n), \
	memory_order_relaxed)
#define STATS_INC(c) STATS_ADD(c, 1)
#define STATS_GET(c) atomic_load_explicit(&(c), memory_order_relaxed)

/* Why a packet got no decision (counted once per packet). */
enum stats_pkt {
	SP_SEEN,		/* handed to inspect() */
	SP_MALFORMED,		/* not a well-formed IPv4/IPv6 + UDP/TCP packet */
	SP_UNSUPPORTED,		/* fragments, other protocols */
	SP_BAD_CSUM,		/* checksum wrong where the kernel had not checked */
	SP_NO_PAYLOAD,		/* SYN, pure ACK, ... */
	SP_OFFLOADED,		/* flow decided: the kernel stops queueing it */
	SP_DECIDED_LATE,	/* a packet of a flow already decided (in flight) */
	SP_REASM_OVER,		/* flow over the reassembly cap: let go */
	SP_REASM_CONFLICT,	/* overlapping segments that disagreed */
	SP_INJECTED,		/* forged packets sent */
	SP_INJECT_ERR,		/* forged packets that could not be sent */
	SP_VERDICT_ACCEPT,
	SP_VERDICT_DROP,
	SP_VERDICT_MARK,	/* NF_REPEAT with a mark */
	/* TCP packets dropped under the stream invariant (flow.h), in the
	 * order of enum flow_drop */
	SP_TCP_AHEAD,		/* data beyond the next expected byte */
	SP_TCP_CONFLICT,	/* a retransmission that disagrees */
	SP_TCP_WINDOW,		/* data before the stream start */
	SP_TCP_TTL,		/* TTL / hop limit below the SYN's: a decoy */
	SP_TCP_SIG,		/* MD5/AO option not negotiated */
	SP_TCP_PAWS,		/* timestamp older than the newest */
	SP_TCP_NOACK,		/* no ACK flag after the SYN */
	SP_TCP_URG,		/* urgent data */
	SP_TCP_SYN_DATA,	/* SYN with payload (TCP Fast Open) */
	SP_TCP_SYN_ISN,		/* SYN with another ISN after data */
	SP_TCP_RST,		/* RST not at the next sequence number */
	SP_TCP_OLD_ACK,		/* ACK number a window behind the newest */
	SP_TRUNCATED,		/* cut by the queue's copy range: dropped */
	SP_TCP_MIDSTREAM,	/* flow first seen mid-stream: blocked */
	SP_OVER_CAP_POLICY,	/* request over reasm_flow_bytes: tcp_overcap */
	SP_LAST_PACKET,		/* undecided at connbytes_cap: policy */
	SP_COUNT
};

/* Finer reasons within a protocol, for operators (TLS/QUIC names mostly). */
enum stats_detail {
	SD_TLS_NO_SNI,
	SD_TLS_ECH,
	SD_TLS_IP_LITERAL,
	SD_TLS_BAD_NAME,
	SD_TLS_NOT_TLS,
	SD_QUIC_NOT_INITIAL,
	SD_QUIC_UNDECRYPTABLE,
	SD_HTTP_NOT_HTTP,
	SD_HTTP_NO_HOST,
	SD_HTTP_KEEPALIVE_BLOCK,
	SD_DNS_TCP,
	SD_NAME_UNCANONICAL,	/* matched on its raw lowercase form */
	SD_MONITOR_WOULD_BLOCK,
	SD_CANARY_BLOCKED,
	SD_DNS_MALFORMED_DROP,	/* a query veto cannot parse, dropped */
	SD_DNS_TCP_OVER_CAP,	/* a TCP message above the flow cap, decided */
	SD_QUIC_DROPPED,	/* malformed Initial / datagram on an undecided flow */
	SD_QUIC_UNKNOWN_VERSION,	/* long header of a version we cannot read */
	SD_QUIC_SHORT_INITIAL,	/* Initial in a datagram under 1200 bytes */
	SD_QUIC_CONFLICT,	/* CRYPTO bytes that disagree: datagram dropped */
	SD_HTTP_URL_UNCANONICAL,	/* URL not canonicalisable, host has urls */
	SD_HTTP_H2C,		/* HTTP/2 cleartext: preface or Upgrade: h2c */
	SD_HTTP_MALFORMED,	/* a request servers refuse: connection reset */
	SD_DOH_CANARY,		/* use-application-dns.net answered NXDOMAIN */
	SD_QUIC_TTL_DECOY,	/* an Initial with a TTL below the flow's: dropped */
	SD_COUNT
};

struct stats_entry_event {
	uint32_t gen;		/* low bits of the policy generation */
	uint32_t entry;		/* matcher entry number */
	uint8_t proto;
};

struct stats_thread {
	stat_t pkt[SP_COUNT];
	stat_t decision[VPROTO_COUNT][VACT_COUNT];
	stat_t detail[SD_COUNT];
	stat_t cat_blocked[STATS_MAX_CATS][VPROTO_COUNT];
	stat_t ring_dropped;
	/* single-producer ring of blocked-entry events */
	_Atomic uint32_t ring_head;	/* written by the packet thread */
	_Atomic uint32_t ring_tail;	/* written by the aggregator */
	struct stats_entry_event ring[STATS_RING];
};

struct stats_total {
	uint64_t pkt[SP_COUNT];
	uint64_t decision[VPROTO_COUNT][VACT_COUNT];
	uint64_t detail[SD_COUNT];
	uint64_t cat_blocked[STATS_MAX_CATS][VPROTO_COUNT];
	uint64_t ring_dropped;
};

/* Per-thread blocks (zeroed); registered so stats_sum() sees them. */
struct stats_thread *stats_thread_new(void);
void stats_thread_free(struct stats_thread *t);	/* counts are kept */

/* Record a blocked entry (packet thread). */
void stats_entry_blocked(struct stats_thread *t, uint64_t gen, uint32_t entry,
    enum veto_proto proto);

/* Sum every registered thread, past ones included. */
void stats_sum(struct stats_total *out);


/* Per-entry counts since the last stats_entries_take(). */
struct policy;
/* Drain every thread's ring; events whose generation is that of one of the
 * given snapshots are resolved to (feed, entry id), others are counted as
 * unresolved. Serialised internally. */
void stats_drain(const struct policy *const *pols, unsigned npols);

struct stats_entry_count {
	char *feed, *id, *cat;
	uint64_t count[VPROTO_COUNT];
};
/* Move the accumulated per-entry counts out (caller frees with
 * stats_entries_free); reset the map. */
size_t stats_entries_take(struct stats_entry_count **out);
void stats_entries_free(struct stats_entry_count *v, size_t n);
uint64_t stats_entries_unresolved(void);

const char *stats_pkt_name(enum stats_pkt p);
const char *stats_detail_name(enum stats_detail d);

#endif
