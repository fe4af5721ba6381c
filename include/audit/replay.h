/*
 * replay.h - run captured packets through the filter engine as vetod
 * would see them (`veto replay`, issue 9).
 *
 * Every frame is decoded from its link layer to an IPv4/IPv6 packet. The
 * link types read (any other is refused with its name):
 *   EN10MB          Ethernet, any number of 802.1Q/802.1ad/QinQ tags, and
 *                   PPPoE sessions (0x8864) inside
 *   LINUX_SLL(2)    Linux cooked v1 and v2 (tcpdump -i any)
 *   RAW, IPV4, IPV6 raw IP (DLT 12, 14, 101, 228, 229)
 *   NULL, LOOP      BSD loopback
 *   PPP, PPP_SERIAL, PPP_WITH_DIR, PPP_ETHER (PPPoE)   PPP, with or without
 *                   address/control bytes, 1- or 2-byte protocol
 *   C_HDLC, C_HDLC_WITH_DIR                            Cisco HDLC
 * then then passed through an emulation of the kernel side of
 * vetod (the rule set of `veto rules`, docs/design.md sections 4 and 6) and,
 * when the kernel would queue it, through the same inspect() the daemon
 * calls, with want_names set so decisions carry the name or URL.
 *
 * The kernel side, emulated with a table of connections (conntrack):
 *   - a connection's original direction is that of its first packet (a
 *     TCP SYN+ACK seen first, or a first packet from a queued port to an
 *     unqueued one, means the capture began mid-connection: the other
 *     side is the original one);
 *   - only original-direction packets to port 53 (UDP and TCP), to the
 *     configured http/tls ports (TCP) and quic ports (UDP) are queued;
 *     replies never are (the filter's own forged answers and resets travel
 *     as replies, or carry no payload, so they never count);
 *   - a connection decided by inspect() (IV_ALLOW_FLOW, IV_BLOCK_FLOW)
 *     leaves the queue, as the connmark makes it; retransmissions of a
 *     decided request are therefore not decisions;
 *   - the connbytes cap: original-direction packets beyond connbytes_cap
 *     of an undecided connection (not DNS) are not queued;
 *   - a TCP SYN on a connection that had closed (FIN or RST seen) starts a
 *     new one (port reuse); idle entries expire (UDP 120 s, TCP 2 h, closed
 *     TCP 120 s) on capture time.
 * What is not emulated: IP fragments (the kernel reassembles them before
 * the queue; here they are counted and skipped), checksums (the kernel
 * does not verify forwarded packets' checksums either; captured packets
 * often carry offloaded, not yet computed ones), and packets the capture
 * cut short (snap length), which are counted and skipped.
 *
 * Counts: frames by fate, decisions per protocol and action (one per DNS
 * query, HTTP request, TLS or QUIC handshake, as the daemon counts), and
 * blocked decisions per matcher entry and protocol. Nothing kept here is an
 * address, port or name; names reach only the caller's decision callback.
 *
 * Time comes from the capture (the frames' timestamps, made monotonic):
 * flow expiry in inspect() and in the connection table follow it.
 *
 * Memory: the connection table grows to REPLAY_CT_MAX entries; beyond, the
 * least recently seen entries are evicted (counted). No allocation per
 * packet otherwise. One thread.
 */
#ifndef VETO_REPLAY_H
#define VETO_REPLAY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/inspect.h"
#include "policy/policy.h"
#include "core/util.h"
#include "core/veto.h"

#define REPLAY_CT_MAX (1u << 22)	/* connection table slots, at most */

/* Link types (DLT_ values of libpcap), for callers without pcap.h. */
#define REPLAY_DLT_NULL 0
#define REPLAY_DLT_EN10MB 1
#define REPLAY_DLT_PPP 9
#define REPLAY_DLT_PPP_SERIAL 50
#define REPLAY_DLT_PPP_ETHER 51
#define REPLAY_DLT_C_HDLC 104
#define REPLAY_DLT_PPP_WITH_DIR 204
#define REPLAY_DLT_C_HDLC_WITH_DIR 205
#define REPLAY_DLT_RAW 12
#define REPLAY_DLT_RAW_BSD 14
#define REPLAY_DLT_LINKTYPE_RAW 101
#define REPLAY_DLT_LOOP 108
#define REPLAY_DLT_LINUX_SLL 113
#define REPLAY_DLT_IPV4 228
#define REPLAY_DLT_IPV6 229
#define REPLAY_DLT_LINUX_SLL2 276

/* What became of the frames (each frame counted once). */
enum replay_fate {
	RF_NOT_IP,		/* ARP, LLDP, an unsupported link header */
	RF_TRUNCATED,		/* cut by the capture's snap length */
	RF_FRAGMENT,		/* an IP fragment (reassembled by the kernel) */
	RF_OTHER,		/* not UDP/TCP, or a malformed IP packet */
	RF_OTHER_PORT,		/* not to a queued port */
	RF_REPLY,		/* the reply direction of a connection */
	RF_DECIDED,		/* its connection had left the queue */
	RF_OVER_CAP,		/* beyond connbytes_cap, undecided */
	RF_INSPECTED,		/* queued: handed to inspect() */
	RF_COUNT
};

struct replay_counts {
	uint64_t frames, bytes;
	uint64_t fate[RF_COUNT];
	uint64_t decisions[VPROTO_COUNT][VACT_COUNT];
	uint64_t monitor;		/* blocks that monitor mode let through */
	uint64_t blocked_no_entry[VPROTO_COUNT];	/* tls_no_sni = block */
	uint64_t conns, conns_evicted;	/* connection table */
	uint64_t first_ms, last_ms;	/* capture time span */
};

struct replay;

/* Called for every decision; r->name holds the name or URL decided on. */
typedef void (*replay_decision_fn)(void *arg, const struct inspect_result *r);

/* The policy must outlive the replay. */
struct replay *replay_new(const struct policy *pol, struct verr *e);
void replay_free(struct replay *r);	/* NULL allowed */
void replay_on_decision(struct replay *r, replay_decision_fn fn, void *arg);

/* Is this link type decoded? */
bool replay_dlt_supported(int dlt);
/* The offset of the IP header in a frame of link type dlt, or -1 when the
 * frame carries no IPv4/IPv6 packet. */
long replay_link_offset(int dlt, const uint8_t *frame, size_t caplen);

/* One frame (caplen bytes captured of wirelen), time in microseconds. */
void replay_frame(struct replay *r, int dlt, const uint8_t *frame,
    size_t caplen, size_t wirelen, uint64_t ts_us);
/* One IP packet (raw IP), the same without a link layer. */
void replay_ip(struct replay *r, const uint8_t *pkt, size_t len,
    uint64_t ts_us);

/* Read every frame of an opened capture (a file or a live interface),
 * until its end, an error, or *stop. progress (may be NULL) is called
 * about every 64k frames. Returns 0 at the end or on stop; -1 with e when
 * the link type is not read (nothing was); REPLAY_DAMAGED with e (libpcap's
 * message: "truncated dump file; ...", a bad record header) when reading
 * stopped at an error after the frames counted so far, which stand: a
 * capture whose end is damaged (a full disk, a capture killed mid-write)
 * is reported up to the damage, as tcpdump reads it. */
#define REPLAY_DAMAGED 1
struct pcap;
typedef void (*replay_progress_fn)(void *arg, const struct replay_counts *c);
int replay_pcap(struct replay *r, struct pcap *p, volatile sig_atomic_t *stop,
    replay_progress_fn progress, void *arg, struct verr *e);

const struct replay_counts *replay_counts(const struct replay *r);
/* Blocked decisions of matcher entry `entry` for protocol p. */
uint64_t replay_entry_blocked(const struct replay *r, uint32_t entry,
    enum veto_proto p);
/* The stats block inspect() counted into (details: ECH, no SNI, ...). */
const struct stats_thread *replay_stats(const struct replay *r);

const char *replay_fate_name(enum replay_fate f);

#endif
