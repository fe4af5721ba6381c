/*
 * policy.h - the set of rules in force, swapped atomically.
 *
 * A struct policy is an immutable snapshot: the configuration, the lists in
 * force (metadata only: authority, categories, serial, expiry), their state,
 * and the matcher built from their entries. Whoever builds a new one (a
 * reload, a fetch that installed a list, the expiry clock) publishes it with
 * policy_publish(); readers never block and never see a half-built one.
 *
 * Two kinds of readers:
 *   - packet threads use quiescent-state based reclamation: each registers
 *     a reader slot once, calls policy_current() at the start of a batch and
 *     policy_quiescent() after it (one relaxed load and one release store
 *     per batch), and policy_offline() before
 *     blocking in recv() so an idle thread never holds up a swap;
 *   - other threads (stop page, metrics, control, reports) take a reference
 *     with policy_get() and drop it with policy_put().
 * The old snapshot is freed once every packet thread has passed a
 * quiescent state after the swap and the last reference is gone. The
 * per-batch cost for a packet thread is one seq_cst store and two loads.
 * policy_publish() waits for the packet threads' grace period (bounded: a
 * batch is microseconds), so the caller may then drain per-thread state
 * that refers to the old snapshot (stats_drain()) before it is freed.
 */
#ifndef VETO_POLICY_H
#define VETO_POLICY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/conf.h"
#include "policy/list.h"
#include "policy/match.h"

#define POLICY_MAX_READERS 64

enum feed_health {
	FEED_NONE,	/* no valid list at all: unprotected */
	FEED_OK,	/* a list in force, not expired */
	FEED_EXPIRED,	/* past expires, within list_grace: still enforced */
	FEED_STALE,	/* past expires + grace, on_expired = enforce */
	FEED_DISABLED,	/* past expires + grace, on_expired = disable */
};

/* A feed's health from its list's expiry, list_grace and on_expired (one
 * rule for vetod and the tools); a list with no conf (fc NULL) is never
 * past its grace. */
int feed_health(const struct feed_conf *fc, const struct list *l, time_t now);
/* OK, EXPIRED and STALE lists are in force. */
bool feed_health_enforced(int health);
const char *feed_health_name(int health);

struct policy_feed {
	const struct feed_conf *fc;	/* into policy->conf */
	struct list *list;		/* metadata; NULL if none */
	int health;			/* enum feed_health */
	bool enforced;			/* its entries are in the matcher */
	uint16_t *statcat;		/* list->cats index -> stats category */
};

struct policy {
	uint64_t gen;			/* set by policy_publish() */
	struct conf *conf;		/* owned */
	struct policy_feed *feeds;	/* conf->nfeeds of them */
	unsigned nfeeds;
	struct matcher *matcher;	/* owned; never NULL (may be empty) */
	uint32_t mark_allow, mark_block, mark_pass;	/* from conf */
	time_t built;
	atomic_int refs;
};

/* Build a snapshot from a configuration and one list (or NULL) per feed
 * (index = conf->feeds index); it takes a reference on each (conf_ref,
 * list_ref), the caller keeps its own. Lists' entries are dropped once the
 * matcher is built; a list whose entries were already dropped keeps the
 * entries it has in prev's matcher (a feed that did not change). Feeds
 * whose health is FEED_DISABLED or FEED_NONE are left out of the matcher.
 * Returns NULL with e set on failure. */
struct policy *policy_build(struct conf *conf, struct list **lists,
    const int *health, const struct matcher *prev, struct verr *e);

/* Reader registration for packet threads. */
int policy_reader_register(void);		/* slot, or -1 if full */
void policy_reader_unregister(int slot);
const struct policy *policy_current(int slot);	/* marks the slot online */
void policy_quiescent(int slot);
void policy_offline(int slot);

/* Reference-counted access for everyone else. NULL if none published. */
struct policy *policy_get(void);
void policy_put(struct policy *p);

/* Swap in p (gen assigned); wait for the packet threads' grace period;
 * return the previous snapshot still referenced by the caller: drain what
 * must be drained, then policy_put() it. */
struct policy *policy_publish(struct policy *p);

/* doh_canary (issue 17): browsers (Firefox) ask the network's resolver
 * for this name before they switch to their own encrypted DNS; NXDOMAIN
 * keeps them on the network's resolver, so DNS filtering keeps working.
 * True when doh_canary is on and name (as in a DNS question: any case, a
 * final dot or not) is the canary. */
#define POLICY_DOH_CANARY "use-application-dns.net"
bool policy_doh_canary(const struct policy *p, const char *name, size_t len);

/* Free a snapshot that was never published. */
void policy_discard(struct policy *p);

#endif
