/*
 * queue.h - one NFQUEUE queue read through libmnl and libnetfilter_queue
 * (the nfq_nlmsg_* API): packets in, verdicts out.
 *
 * queue_open() binds a queue number in the current network namespace and
 * configures it: copy mode NFQNL_COPY_PACKET with a copy range (default
 * QUEUE_COPY_DEFAULT bytes: a GRO/GSO packet of up to 64 KB arrives whole),
 * NFQA_CFG_F_GSO (the kernel hands us large packets instead of segmenting
 * them; their checksums may not be filled in, see QUEUE_SKB_*),
 * NFQA_CFG_F_FAIL_OPEN when asked (a full queue accepts instead of
 * dropping), the queue's maximum length, a large receive buffer
 * (SO_RCVBUFFORCE when CAP_NET_ADMIN allows it) and NETLINK_NO_ENOBUFS.
 * Opening needs CAP_NET_ADMIN; so does every verdict afterwards (nfnetlink
 * checks it per message), which is why priv_drop() keeps it.
 *
 * queue_run() is the loop of one packet thread: it receives up to `batch`
 * packets with one recvmmsg(), calls the callback once per packet, and sends
 * all their verdicts with one sendmsg() (an mnl_nlmsg_batch of
 * NFQNL_MSG_VERDICT messages). Nothing is allocated per packet: the receive
 * slots and the verdict buffer are allocated once by queue_open().
 *
 * Verdicts. QUEUE_ACCEPT hands the packet to the next netfilter hook: the
 * rest of the chain that queued it is skipped (veto's chain lives in the
 * mangle table so the operator's filter rules still apply). QUEUE_REPEAT
 * re-runs the chain from its top with the packet's mark set to `mark`; the
 * rule set (rules.h) turns the ALLOW/BLOCK/PASS bits of conf.h into a
 * connmark, a drop or a plain pass. QUEUE_DROP drops. A mark other than the
 * packet's own is sent with any verdict; keep the operator's bits:
 * new = (p->mark & ~mark_mask) | conf_mark_value(conf, MARK_x)
 * (queue_mark() does that).
 *
 * Counting: packets, bytes, verdicts by kind, gaps in the kernel's packet
 * ids (ids are sequential per queue; a gap means the kernel could not
 * deliver packets to our socket and, with fail-open, let them through
 * unseen), ENOBUFS, truncated packets and netlink errors. The counters are
 * written by the queue's thread only and may be read from any thread
 * (relaxed atomics). Packets accepted by fail-open because the queue was
 * full, or by --queue-bypass while nobody listened, get no id: compare the
 * NFQUEUE rules' counters with `packets` to see them.
 *
 * Stopping: queue_stop() (async-signal-safe, any thread) sets a flag that
 * queue_run() checks after every receive; receives time out after
 * timeout_ms, so it returns within that time. Packets still in the kernel's
 * queue when the socket is closed are dropped by the kernel.
 */
#ifndef VETO_QUEUE_H
#define VETO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "core/util.h"

#define QUEUE_COPY_DEFAULT 65535u	/* the kernel's maximum (less an attribute header) */
#define QUEUE_BATCH_DEFAULT 32u
#define QUEUE_BATCH_MAX 256u
#define QUEUE_RCVBUF_DEFAULT (16 << 20)
#define QUEUE_TIMEOUT_DEFAULT 200	/* ms */

/* NFQA_SKB_INFO flags, as the kernel sends them. */
#define QUEUE_SKB_CSUMNOTREADY 0x1u	/* checksum not computed yet (local/GSO) */
#define QUEUE_SKB_GSO 0x2u		/* a GSO packet: larger than the MTU */
#define QUEUE_SKB_CSUM_NOTVERIFIED 0x4u	/* the NIC did not verify the checksum */

struct queue_opts {
	uint32_t copy_range;	/* bytes of each packet copied; 0: default */
	uint32_t maxlen;	/* kernel queue length; 0: leave the kernel's (1024) */
	bool fail_open;		/* NFQA_CFG_F_FAIL_OPEN */
	bool gso;		/* NFQA_CFG_F_GSO */
	unsigned batch;		/* packets per receive; 0: default */
	int rcvbuf;		/* socket receive buffer, bytes; 0: default */
	int timeout_ms;		/* receive timeout (stop latency); 0: default */
};

/* Defaults: copy QUEUE_COPY_DEFAULT, maxlen 8192, fail_open, gso. */
void queue_opts_default(struct queue_opts *o);
/* The defaults with fail_open and queue_maxlen from the configuration. */
void queue_opts_conf(struct queue_opts *o, const struct conf *c);

/* One received packet, valid during the callback only. */
struct queue_pkt {
	uint32_t id;		/* the kernel's packet id */
	const uint8_t *data;	/* the IP packet, at most copy_range bytes */
	size_t len;		/* bytes at data */
	size_t orig_len;	/* the packet's real length (>= len) */
	uint16_t hw_proto;	/* ETH_P_IP / ETH_P_IPV6, host order */
	uint8_t hook;		/* NF_INET_* hook that queued it */
	uint32_t mark;		/* the packet's mark (NFQA_MARK, 0 if none) */
	uint32_t skb_info;	/* QUEUE_SKB_* */
	uint32_t ifin, ifout;	/* interface indexes, 0 if none */
};

enum queue_verdict {
	QUEUE_ACCEPT,
	QUEUE_DROP,
	QUEUE_REPEAT,
	QUEUE_VERDICT_COUNT
};

/* The callback returns the verdict for p. *mark holds p->mark on entry; a
 * different value on return is sent with the verdict as the packet's new
 * mark. */
typedef enum queue_verdict (*queue_cb)(void *arg, const struct queue_pkt *p,
    uint32_t *mark);

struct queue_stats {
	uint64_t packets, bytes;	/* bytes: real packet lengths */
	uint64_t verdicts[QUEUE_VERDICT_COUNT];
	uint64_t id_gaps;		/* packet ids skipped */
	uint64_t enobufs;		/* receive overruns reported by the kernel */
	uint64_t truncated;		/* packets longer than the copy range */
	uint64_t errors;		/* netlink errors (failed verdicts, sends) */
	uint64_t batches;		/* receives that returned packets */
	int last_errno;			/* of the last error counted, 0: none */
};

/* Per-queue lines of /proc/net/netfilter/nfnetlink_queue. */
struct queue_proc {
	unsigned num;
	uint32_t portid;		/* netlink port of the listener */
	uint32_t total;			/* packets waiting for a verdict now */
	unsigned copy_mode, copy_range;
	uint64_t dropped;		/* queue full, no fail-open */
	uint64_t user_dropped;		/* socket full, no fail-open */
	uint32_t id_sequence;		/* last packet id given out */
};

struct queue;

struct queue *queue_open(unsigned num, const struct queue_opts *o,
    struct verr *e);
/* Unbind and close; NULL allowed. */
void queue_close(struct queue *q);
unsigned queue_num(const struct queue *q);
int queue_fd(const struct queue *q);

/* Receive one batch (waiting at most timeout_ms for the first packet),
 * call cb per packet, send the verdicts. Returns the number of packets
 * handled (0 on timeout or interruption) or -1 on a socket error that
 * will not go away (message in e). */
int queue_run_once(struct queue *q, queue_cb cb, void *arg, struct verr *e);
/* queue_run_once() until queue_stop(). 0 when stopped, -1 on error. */
int queue_run(struct queue *q, queue_cb cb, void *arg, struct verr *e);
void queue_stop(struct queue *q);

void queue_stats_get(const struct queue *q, struct queue_stats *s);

/* The mark `mask` bits replaced by `value`. */
static inline uint32_t
queue_mark(uint32_t old, uint32_t mask, uint32_t value)
{
	return (old & ~mask) | (value & mask);
}

/* Decode one netlink message of type NFQNL_MSG_PACKET (buf, len: the
 * whole message). 0 on success, -1 if it is not a well-formed packet
 * message. Used by queue_run_once() and by the unit tests. */
int queue_parse_packet(const void *buf, size_t len, struct queue_pkt *p);

/* Read the kernel's per-queue state (path NULL: the proc file of the
 * current network namespace). Fills at most max entries, sets *n. */
int queue_proc_read(const char *path, struct queue_proc *out, size_t max,
    size_t *n, struct verr *e);

#endif
