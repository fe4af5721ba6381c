/*
 * flow.h - bounded per-flow reassembly of the client's first bytes.
 *
 * One table per packet thread (no locks, not shared). A flow is keyed by
 * its 5-tuple in the original direction (the kernel queues only the
 * client's side) and holds a byte stream addressed by offset: for TCP the
 * offset is seq - ISN - 1 (flow_tcp_add() does the arithmetic), for QUIC
 * the caller passes CRYPTO frame offsets to flow_add() directly. The caller
 * reads the contiguous prefix of the stream (the bytes from the base with
 * no hole), parses it, and may advance the base past what it has consumed
 * (the previous request and its body on an HTTP keep-alive connection), so
 * a long connection stays within the per-flow cap.
 *
 * Memory: flow_table_new() allocates everything once: the flow slots, the
 * hash buckets, a scratch buffer of flow_bytes_cap bytes and a pool of
 * stream memory of memory_cap bytes managed by a buddy allocator (blocks of
 * 256 bytes up to the per-flow cap rounded up to a power of two). A flow's
 * stream is one contiguous block that doubles as it grows (copy to the
 * bigger block, free the old one), so the prefix is always a plain
 * pointer and length. Nothing is allocated per packet. The pool is touched
 * lazily: its pages become resident as flows use them. memory_cap is
 * rounded down to whole maximum-size blocks, and raised to at least two of
 * them (so the flow being fed can always get its block by evicting others).
 * Each slot costs 248 bytes (struct flow) plus a 4-byte hash bucket, beside
 * the pool: 65536 slots are about 15 MiB. A flow without stream bytes (a
 * SYN seen, nothing else yet) holds no block.
 *
 * Keys are hashed with SipHash-1-3 under a random per-table key, so a
 * client cannot aim its flows at one bucket.
 *
 * Bounds and eviction:
 *   - max_flows slots; when all are in use, creating a flow evicts the
 *     least recently used one (counted in evicted_full).
 *   - when the pool has no block for a growing stream, the least recently
 *     used flows holding stream memory are released until it has (counted
 *     in evicted_mem). The flow being fed is never evicted.
 *   - a flow idle for longer than the idle timeout (FLOW_IDLE_MS unless set
 *     with flow_table_set_idle()) is expired: lazily a few at a time in
 *     flow_lookup(), all of them in flow_expire(). The caller passes the
 *     current time in milliseconds (monotonic, or the capture's clock).
 *   - bytes at or beyond base + flow_bytes_cap are not stored
 *     (FLOW_ADD_OVER_CAP); a TCP caller decides such a flow by
 *     policy (never lets it through undecided).
 *   - a flow keeps at most FLOW_MAX_RANGES separate runs of bytes; a
 *     segment that would make one more (a new island ahead of the prefix)
 *     is not stored (FLOW_ADD_FRAGMENTED). A segment that touches the
 *     prefix always merges, so in-order data always progresses.
 *
 * Overlaps (flow_add(), the QUIC CRYPTO stream): a segment whose bytes
 * overlap bytes already stored is
 * compared with them. Equal bytes (a retransmission) are simply ignored.
 * If they differ, the stream keeps the FIRST version, the flow is marked
 * FLOW_F_CONFLICT, and the result carries FLOW_ADD_CONFLICT, the range
 * that differs, and `alt`: a copy of the prefix in the table's scratch
 * buffer with the new segment's bytes overlaid. Bytes of the new segment
 * that fill holes are stored.
 *
 * TCP: THE INVARIANT (flow_tcp_add(); inspect.c relies on it, issue 12).
 * veto is inline, so it makes the server see exactly the bytes veto saw:
 *
 *   1. No byte reaches the server before the decision unless veto stored
 *      and parsed exactly that byte. On an undecided flow a data segment is
 *      accepted only where it continues the stream: at the next expected
 *      sequence number (or overlapping it, its overlap equal to what was
 *      passed). Anything beyond is dropped (FLOW_DROP_AHEAD; the sender
 *      retransmits in order), so the stored prefix and the server's stream
 *      are the same bytes by construction and the stream of a TCP flow
 *      never has a hole. An exact retransmission of passed bytes is
 *      accepted (FLOW_ADD_OLD). A retransmission that disagrees with
 *      passed bytes is dropped and counted (FLOW_DROP_CONFLICT): the server
 *      holds the first copy, veto parsed it, veto follows it.
 *      What cannot be stored is never passed: the caller drops the packet
 *      (the flow stays undecided) or decides by policy (over the cap).
 *   2. Nothing the server does not share steers the stream: a SYN with
 *      another ISN is dropped (FLOW_DROP_SYN_ISN) unless the client closed
 *      (FIN) first: the server keeps the first ISN, whether the connection
 *      is established (it ignores the SYN) or half open (it drops a SYN
 *      outside its window; zapret-style syn-shift); a RST releases the flow only at the
 *      exact next sequence number (RFC 5961: FLOW_ADD_RELEASE), any other
 *      RST is dropped (FLOW_DROP_RST); a SYN's payload (TCP Fast Open) is
 *      never stream data: the packet is dropped (FLOW_DROP_SYN_DATA) and
 *      sets nothing.
 *   3. Decoys do not reach the parser: every segment the server would
 *      discard is dropped: a TTL / hop limit below the SYN's, or below the
 *      highest the flow has shown (it dies before the server:
 *      FLOW_DROP_TTL), an MD5 or AO signature option on a
 *      connection whose SYN had none (FLOW_DROP_SIG), a timestamp older
 *      than the newest accepted (PAWS, when the SYN carried timestamps:
 *      FLOW_DROP_PAWS), no ACK flag after the SYN (FLOW_DROP_NOACK), data
 *      before the stream start (outside the window: FLOW_DROP_WINDOW), an
 *      acknowledgment number more than 64 KiB behind the newest seen (RFC
 *      5961 5.2, zapret's badseq decoy: FLOW_DROP_OLD_ACK). The
 *      urgent byte would be taken out of the stream by the server's
 *      socket: a segment with URG and data is dropped (FLOW_DROP_URG).
 *      Checksums are verified by the caller.
 *
 * A flow first seen at a data segment (the SYN missed, the flow expired or
 * evicted) starts its stream there (FLOW_ADD_MIDSTREAM): its bytes are not
 * the server's view, the caller must never allow from it. flow_packets()
 * counts every TCP packet fed (the kernel's connbytes count for the flow,
 * so the caller knows the last packet the rules queue). Flows marked with
 * flow_set_hold() (undecided flows holding data) expire after the hold
 * time (flow_table_set_hold(), default FLOW_HOLD_MS) instead of the idle
 * timeout.
 *
 * Bytes before the base (already consumed) cannot be compared any more: a
 * segment that lies entirely before the base is reported FLOW_ADD_OLD and
 * ignored; the part of a segment before the base is cut off.
 *
 * Ownership and lifetime: the table owns every flow. A struct flow pointer
 * (and the pointer returned by flow_data()) is valid until the next call
 * that may release that flow: flow_release() of it, flow_lookup() (it may
 * expire or evict others), flow_add()/flow_tcp_add() on another flow (it
 * may evict others for memory), flow_expire(), flow_table_free(). In
 * practice: look the flow up once per packet, use it, forget the pointer.
 * flow_data() of the flow being fed changes on every add or advance (the
 * block may move). `alt` is valid until the next call on the table.
 *
 * The caller's per-flow state lives in flow_user(): FLOW_USER_SIZE bytes,
 * 8-byte aligned, zeroed when the flow is created (or reset by a new SYN),
 * opaque to this module (protocol, decided flag, next HTTP request offset,
 * QUIC DCID and version, chunked-body walker state, ...). Cast it to a
 * struct of your own and static_assert its size.
 */
#ifndef VETO_FLOW_H
#define VETO_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pkt.h"

#define FLOW_IDLE_MS 10000	/* default idle timeout */
#define FLOW_HOLD_MS 60000	/* default hold of undecided flows with data */
#define FLOW_MAX_RANGES 8	/* runs of bytes kept per flow */
#define FLOW_USER_SIZE 96	/* bytes of caller state per flow (inspect: QUIC keys) */
#define FLOW_MIN_BLOCK 256	/* smallest stream block */

/* The 5-tuple in the client's direction. Build it with flow_key_set(),
 * which zeroes the unused bytes (the key is hashed and compared whole). */
struct flow_key {
	uint8_t src[16];	/* IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport, dport;	/* host order */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t pad[2];		/* zero */
};

struct flow;
struct flow_table;

/* Per-table counters; the caller reads them (flow_table_stats()). */
struct flow_stats {
	uint64_t flows;		/* flows in use now */
	uint64_t max_flows;	/* slots */
	uint64_t mem_used;	/* stream bytes held in blocks now */
	uint64_t mem_cap;	/* the pool's size */
	uint64_t created;	/* flows created */
	uint64_t released;	/* flows released by the caller */
	uint64_t expired;	/* idle flows expired */
	uint64_t evicted_full;	/* evicted because every slot was in use */
	uint64_t evicted_mem;	/* evicted because the pool was full */
	uint64_t over_cap;	/* segments with bytes beyond the per-flow cap */
	uint64_t conflicts;	/* segments whose overlap disagreed */
	uint64_t fragmented;	/* segments refused: too many holes */
	uint64_t midstream;	/* TCP flows first seen at a data segment */
};

/* Flow flags (flow_flags()). Sticky until the flow is released. */
#define FLOW_F_ISN		0x01	/* TCP: the stream origin is known */
#define FLOW_F_MIDSTREAM	0x02	/* TCP: started at a data segment */
#define FLOW_F_CONFLICT		0x04	/* two versions of some bytes disagreed */
#define FLOW_F_OVER_CAP		0x08	/* bytes beyond the cap were dropped */
#define FLOW_F_FRAGMENTED	0x10	/* a segment was refused: too many holes */
#define FLOW_F_HOLD		0x20	/* flow_set_hold(): the longer timeout */

/* What an add did (struct flow_add_result.flags). */
#define FLOW_ADD_STORED		0x001	/* new bytes were stored */
#define FLOW_ADD_GREW		0x002	/* the contiguous prefix grew */
#define FLOW_ADD_OLD		0x004	/* all bytes were before the base or
					 * already stored: nothing new */
#define FLOW_ADD_OVER_CAP	0x008	/* bytes beyond base + cap not stored */
#define FLOW_ADD_CONFLICT	0x010	/* overlapping bytes differed: see alt */
#define FLOW_ADD_FRAGMENTED	0x020	/* too many holes: nothing stored */
#define FLOW_ADD_MIDSTREAM	0x040	/* TCP: this segment started the stream */
#define FLOW_ADD_RESET		0x080	/* TCP: a SYN with a new ISN restarted
					 * the flow (stream and user state) */
#define FLOW_ADD_SYN		0x100	/* TCP: a SYN set the ISN */
#define FLOW_ADD_RELEASE	0x200	/* TCP: a RST at the exact next sequence
					 * number: the caller releases the flow */

/* Why flow_tcp_add() says to drop the packet (struct flow_add_result.drop);
 * see THE INVARIANT above. The order is that of stats.h's SP_TCP_*. */
enum flow_drop {
	FLOW_DROP_NONE,
	FLOW_DROP_AHEAD,	/* data beyond the next expected byte */
	FLOW_DROP_CONFLICT,	/* a retransmission that disagrees */
	FLOW_DROP_WINDOW,	/* data before the stream start */
	FLOW_DROP_TTL,		/* TTL / hop limit below the SYN's */
	FLOW_DROP_SIG,		/* MD5 / AO option not negotiated */
	FLOW_DROP_PAWS,		/* timestamp older than the newest */
	FLOW_DROP_NOACK,	/* no ACK flag after the SYN */
	FLOW_DROP_URG,		/* urgent data */
	FLOW_DROP_SYN_DATA,	/* a SYN with payload (TCP Fast Open) */
	FLOW_DROP_SYN_ISN,	/* a SYN with another ISN after data */
	FLOW_DROP_RST,		/* a RST not at the next sequence number */
	FLOW_DROP_OLD_ACK,	/* an ACK number a window behind the newest */
	FLOW_DROP_COUNT
};

struct flow_add_result {
	unsigned flags;		/* FLOW_ADD_* */
	enum flow_drop drop;	/* TCP: drop this packet (nothing changed) */
	size_t prefix_len;	/* contiguous bytes from the base, after the add */
	/* with FLOW_ADD_CONFLICT: */
	uint64_t conflict_off;	/* stream offset of the first differing byte */
	size_t conflict_len;	/* up to and including the last differing one */
	const uint8_t *alt;	/* the prefix with the new bytes overlaid */
	size_t alt_len;		/* == prefix_len */
};

/*
 * Create a table of max_flows slots, a per-flow cap of flow_bytes_cap
 * bytes (reasm_flow_bytes) and a stream pool of memory_cap bytes
 * (reasm_memory). Returns NULL on a bad argument (zero, or more than 2^24
 * flows, or a cap above 16 MiB) or out of memory.
 */
struct flow_table *flow_table_new(size_t max_flows, size_t flow_bytes_cap,
    size_t memory_cap);
void flow_table_free(struct flow_table *t);	/* NULL allowed */
void flow_table_set_idle(struct flow_table *t, uint64_t idle_ms);
void flow_table_set_hold(struct flow_table *t, uint64_t hold_ms);
const struct flow_stats *flow_table_stats(const struct flow_table *t);
size_t flow_table_cap(const struct flow_table *t);	/* per-flow cap */

/* The key of a parsed packet (its direction as seen). */
void flow_key_set(struct flow_key *k, const struct pkt *p);

/*
 * Find the flow of k and mark it used at now_ms. If it is not there (or was
 * idle too long, which releases it) and create is true, make a new one
 * (with an empty stream at base 0 and zeroed user state), evicting the
 * least recently used flow if the table is full; *created (may be NULL)
 * says which. Returns NULL if not found and create is false.
 */
struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k,
    uint64_t now_ms, bool create, bool *created);
void flow_release(struct flow_table *t, struct flow *f);
/* Expire every flow idle at now_ms; returns how many. */
size_t flow_expire(struct flow_table *t, uint64_t now_ms);

/*
 * Add len bytes at stream offset off. Fills *r (flags and the prefix
 * length; see above for conflicts). Never fails: what could not be stored
 * is said in r->flags.
 */
void flow_add(struct flow_table *t, struct flow *f, uint64_t off,
    const uint8_t *data, size_t len, struct flow_add_result *r);

/*
 * Feed one TCP packet of the flow (client to server), under THE INVARIANT
 * above: r->drop says the packet is to be dropped (and nothing changed but
 * the packet count); otherwise r->flags say what it did. A SYN sets the
 * ISN, the TTL floor and what options the connection negotiated; a SYN
 * with another ISN after the client's FIN restarts the stream
 * (FLOW_ADD_RESET, user state zeroed, packet count kept).
 * Payload goes to offset seq - ISN - 1, unwrapped to 64 bits around the
 * base. A segment that reaches beyond base + cap stores what fits and says
 * FLOW_ADD_OVER_CAP: the caller decides then (by policy), so the bytes
 * not stored never reach the server undecided.
 */
void flow_tcp_add(struct flow_table *t, struct flow *f, const struct pkt *p,
    struct flow_add_result *r);

/* Start f again as a new connection (a SYN on a decided flow that the
 * kernel queued: conntrack made a new entry): stream, TCP state, user
 * state and packet count cleared. */
void flow_restart(struct flow_table *t, struct flow *f);

/* TCP: packets fed to the flow since it (re)started; its ISN. */
uint32_t flow_packets(const struct flow *f);
uint32_t flow_isn(const struct flow *f);

/* Keep f for the hold time instead of the idle timeout (or not). */
void flow_set_hold(struct flow *f, bool hold);

/* The contiguous prefix: *len bytes from the base. NULL when empty. */
const uint8_t *flow_data(const struct flow *f, size_t *len);
uint64_t flow_base(const struct flow *f);	/* stream offset of flow_data() */
uint64_t flow_end(const struct flow *f);	/* one past the last stored byte */
unsigned flow_flags(const struct flow *f);
void *flow_user(struct flow *f);		/* FLOW_USER_SIZE bytes */
const struct flow_key *flow_key(const struct flow *f);

/*
 * Forget every byte before stream offset off (>= the base; beyond the
 * stored bytes is allowed: a body being skipped). Later bytes before off
 * are FLOW_ADD_OLD. The kept bytes move to the front of the block, which
 * shrinks if they fit a smaller one, or is freed when nothing is left.
 * Returns -1 (and changes nothing) if off is before the base.
 */
int flow_advance(struct flow_table *t, struct flow *f, uint64_t off);

/* SipHash-1-3 of len bytes under key; exposed for tests and the bench. */
uint64_t flow_siphash(const uint64_t key[2], const void *data, size_t len,
    int crounds, int drounds);

#endif
