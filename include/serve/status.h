/*
 * status.h - what the daemon tells the export side (metrics, control
 * socket, reports, the summary log line) about the things only it knows,
 * and how that is turned into a verdict and JSON.
 *
 * The export modules never look into the daemon's internals. vetod hands
 * them a struct status_source: one callback that fills a struct
 * daemon_status (a plain, fixed-size copy: no pointers into the daemon).
 * Counters of the packet path are NOT in it: the export side reads those
 * itself with stats_sum().
 *
 *   struct status_source src = { .fill = daemon_fill,
 *                                .drain = daemon_drain, .arg = d };
 *
 *   static void
 *   daemon_fill(void *arg, struct daemon_status *out)	// out is zeroed
 *   {
 *           struct policy *p = policy_get();
 *           status_from_policy(out, p, time(NULL)); // mode, feeds, lists
 *           policy_put(p);
 *           out->start_time = d->start_time;
 *           // per queue: queue_stats_get() + queue_proc_read() fields,
 *           // per feed: the fetcher's last fetch time/result, held
 *           // serials; the stop page's hits; the reassembly tables' use.
 *   }
 *
 *   static void
 *   daemon_drain(void *arg)		// the per-entry rings -> entry map
 *   {
 *           struct policy *p = policy_get();
 *           const struct policy *pp = p;
 *           stats_drain(&pp, 1);
 *           policy_put(p);
 *   }
 *
 * The rings hold STATS_RING events per packet thread: besides the report's
 * own call, the main loop drains once a second, and right after every
 * policy_publish() with the old snapshot (policy.h).
 *
 * Threads: status_collect() is how every export module calls the source;
 * it serialises the calls (one global mutex), so `fill` runs on one thread
 * at a time but may run on any (the metrics thread, the control thread,
 * the main loop). `fill` must be quick (no I/O beyond reading /proc, no
 * waiting on packet threads) and must copy, under whatever lock the daemon
 * uses, the state its own main loop changes.
 *
 * Privacy: nothing in here can hold a client address, port or name: only
 * configuration names, list metadata and counters.
 *
 * The verdict (status_assess) is the one `veto status` prints and exits
 * with: HEALTHY (0), DEGRADED (1), UNPROTECTED (2). Each reason is a line
 * that says what is wrong and what to do about it.
 */
#ifndef VETO_STATUS_H
#define VETO_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/conf.h"
#include "engine/stats.h"

struct cJSON;
struct policy;

#define STATUS_NAME_MAX 65	/* a feed's name in veto.conf, NUL included */
#define STATUS_FEEDID_MAX 256	/* a list's feed id */
#define STATUS_SERIAL_MAX 129	/* a list serial */
#define STATUS_TEXT_MAX 256	/* an authority name, a fetch result */
#define STATUS_MAX_HELD 8	/* held serials shown per feed */
#define STATUS_MAX_REASONS 16
#define STATUS_REASON_MAX 256

/* One NFQUEUE queue: the queue module's counters and the kernel's line of
 * /proc/net/netfilter/nfnetlink_queue. */
struct status_queue {
	unsigned num;
	bool running;			/* its packet thread is alive */
	uint64_t packets, bytes;	/* received by vetod */
	uint64_t accepted, dropped, repeated;	/* verdicts sent */
	uint64_t id_gaps;		/* ids skipped: passed unseen (fail-open) */
	uint64_t enobufs;		/* receive overruns */
	uint64_t truncated, errors;
	bool have_proc;			/* the fields below are valid */
	uint32_t proc_waiting;		/* packets waiting for a verdict now */
	uint64_t proc_dropped;		/* queue full, dropped (no fail-open) */
	uint64_t proc_user_dropped;	/* socket full, dropped (no fail-open) */
	uint32_t proc_id_sequence;	/* last id the kernel gave out */
	uint32_t maxlen;		/* queue_maxlen: full at this many */
	uint64_t full_seconds;		/* seconds in which vetod found it full */
};

/* Overflow: packets the kernel could not hand to vetod because its queue
 * or vetod's socket was full. With fail_open the kernel passes them
 * unfiltered; without, it drops them.
 *  - socket full: the packet had an id, so it shows as an id gap (and,
 *    without fail_open, in proc_user_dropped too: not added twice);
 *  - queue full (proc_waiting reached maxlen), without fail_open: counted
 *    by the kernel (proc_dropped);
 *  - queue full WITH fail_open: the kernel counts nothing and gives no id.
 *    Only the NFQUEUE rules' counters see these (`veto stats` as root);
 *    vetod samples the queue ten times a second and counts the seconds
 *    in which it found it full (full_seconds); status_assess says so.
 * status_queue_overflow() is the countable part; of it,
 * status_queue_unfiltered() passed unfiltered. */
uint64_t status_queue_overflow(const struct status_queue *q);
uint64_t status_queue_unfiltered(const struct status_queue *q, bool fail_open);
/* The queue holds maxlen packets now: more are passed or dropped. */
bool status_queue_full(const struct status_queue *q);

/* One configured feed. status_from_policy() fills the list part; the
 * daemon adds what its fetcher knows. */
struct status_feed {
	char name[STATUS_NAME_MAX];	/* "default" or [feed NAME] */
	char list_feed[STATUS_FEEDID_MAX];	/* the list's feed id (or the
						 * configured list_feed) */
	int health;			/* enum feed_health (policy.h) */
	bool enforced;			/* its entries are in the matcher */
	bool have_list;
	char serial[STATUS_SERIAL_MAX];
	time_t issued, expires;		/* 0 when no list */
	char authority[STATUS_TEXT_MAX];
	uint64_t entries;
	uint64_t entries_type[3];	/* domain, host, url (list.h order) */
	uint64_t canaries;
	uint64_t grace;			/* list_grace, seconds */
	uint64_t refresh;		/* list_refresh, seconds */
	/* the fetcher's (0 / "" when unknown) */
	bool fetch_configured;		/* list_url or list_file set */
	time_t last_fetch;		/* last attempt */
	bool last_fetch_ok;
	char last_fetch_result[STATUS_TEXT_MAX];	/* one line */
	time_t last_success;
	uint64_t fetch_failures;	/* consecutive failed attempts */
	time_t next_fetch;
	time_t installed;		/* when the list in force was put in force */
	char held[STATUS_MAX_HELD][STATUS_SERIAL_MAX];	/* awaiting confirm */
	unsigned nheld;
};

struct daemon_status {
	time_t now;			/* wall clock of this snapshot */
	time_t start_time;
	int mode;			/* enum conf_mode */
	bool fail_open;
	bool have_policy;		/* a policy snapshot was published */

	struct status_feed feeds[CONF_MAX_FEEDS];
	unsigned nfeeds;

	struct status_queue queues[CONF_MAX_QUEUES];
	unsigned nqueues;

	/* the rule set's counters, when the daemon could read them */
	bool have_rules;
	uint64_t rules_queued;		/* packets the NFQUEUE rules matched */
	uint64_t rules_cap_hits;	/* flows that reached connbytes_cap */

	/* reassembly, summed over the packet threads */
	uint64_t reasm_flows, reasm_max_flows;
	uint64_t reasm_bytes, reasm_memory;	/* in use, cap */
	uint64_t reasm_evicted;		/* flows evicted for room */

	/* the stop page: hits per stats category (stats.h numbering, e.g.
	 * policy->feeds[f].statcat[match.cat]; 0 is
	 * "other": a visit that named no category) */
	uint64_t stop_hits[STATS_MAX_CATS];
	uint64_t stop_hits_total;
};

struct status_source {
	void (*fill)(void *arg, struct daemon_status *out);
	/* Optional: drain the per-thread entry rings into the per-entry map
	 * with the policy in force (p = policy_get(); stats_drain(&p, 1);
	 * policy_put(p)). The report calls it before it takes the counts of
	 * a period; NULL if the daemon drains on its own schedule. */
	void (*drain)(void *arg);
	void *arg;
};

/* Zero *out, call src->fill (serialised), set out->now if fill did not. */
void status_collect(const struct status_source *src, struct daemon_status *out);

/* Fill mode, fail_open and the feeds' list part from a policy snapshot
 * (NULL: no policy yet, have_policy false). Reads fields only. */
void status_from_policy(struct daemon_status *out, const struct policy *p,
    time_t now);

/* The index of the configured feed whose list carries feed id `list_feed`,
 * or -1. The stats category registry and per-entry counts name feeds by
 * their list's id; everything shown to people uses the configured name. */
int status_feed_by_id(const struct daemon_status *s, const char *list_feed);

enum status_verdict {
	STATUS_HEALTHY = 0,
	STATUS_DEGRADED = 1,
	STATUS_UNPROTECTED = 2,
};

/* What "growing" means for fail-open events: samples of the queues'
 * counters over the last STATUS_TREND_WINDOW seconds. */
#define STATUS_TREND_SAMPLES 32
#define STATUS_TREND_WINDOW 300
struct status_trend {
	struct {
		time_t t;
		uint64_t lost;		/* id gaps + user/kernel drops */
		uint64_t enobufs;
		uint64_t full;		/* full_seconds, summed */
	} s[STATUS_TREND_SAMPLES];
	unsigned n, head;
};
/* Add a sample (at most one per STATUS_TREND_WINDOW / STATUS_TREND_SAMPLES
 * seconds is kept). */
void status_trend_note(struct status_trend *tr, const struct daemon_status *s);
/* Growth over the window: packets lost and overruns since the oldest
 * sample still inside it. */
void status_trend_growth(const struct status_trend *tr,
    const struct daemon_status *s, uint64_t *lost, uint64_t *enobufs);
/* Seconds some queue was found full within the window. */
uint64_t status_trend_full(const struct status_trend *tr,
    const struct daemon_status *s);

struct status_assessment {
	enum status_verdict verdict;
	char reasons[STATUS_MAX_REASONS][STATUS_REASON_MAX];
	unsigned nreasons;
};

/* Decide: UNPROTECTED when no list is enforced or no queue runs;
 * DEGRADED when a feed is not OK (no list, expired, stale, disabled), a
 * fetch keeps failing, a list is held, fail-open events grew within the
 * window, some queue is down, or in monitor mode. tr may be NULL. */
void status_assess(const struct daemon_status *s, const struct status_trend *tr,
    struct status_assessment *a);

const char *status_verdict_name(enum status_verdict v);
const char *status_health_name(int health);	/* enum feed_health */

/* JSON replies of the control socket (also what `veto stats|status
 * --json` print). The caller frees with cJSON_Delete. */
struct cJSON *status_json_stats(const struct stats_total *t,
    const struct daemon_status *s);
struct cJSON *status_json_status(const struct daemon_status *s,
    const struct status_assessment *a);
/* The feeds array shared by both. */
struct cJSON *status_json_feeds(const struct daemon_status *s);

/* The rule set's counters from `iptables -w -t mangle -L VETO -n -v -x`
 * output (the comments veto-queue, veto-dns, veto-cap, veto-allowed,
 * veto-blocked, veto-rate-dns, veto-rate-flows, veto-dns-cap; rules.h). Sums
 * IPv4 and IPv6 if both outputs are concatenated. Lines that do not parse
 * are ignored. Returns the number of veto rules found. */
struct status_rules {
	uint64_t queued;	/* packets of veto-queue + veto-dns rules */
	uint64_t cap_hits;	/* packets of veto-cap rules */
	uint64_t allowed, blocked;	/* veto-allowed, veto-blocked */
	uint64_t rate_dns;	/* dropped by veto-rate-dns (rate_limit_dns) */
	uint64_t rate_flows;	/* dropped by veto-rate-flows */
	uint64_t dns_cap;	/* dropped by veto-dns-cap (dns_tcp_bytes_cap) */
	uint64_t reopen;	/* dropped by veto-reopen (a SYN on an allowed
				 * connection: issue 12) */
};
int status_parse_rules(const char *text, struct status_rules *out);

#endif
