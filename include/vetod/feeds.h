/*
 * feeds.h - the daemon's feeds at run time: which list each feed has in
 * force, how healthy it is, and the policy snapshot built from them.
 *
 * A struct feeds belongs to one configuration. feeds_new() opens each feed's
 * state (trust.h: the state directory, the key ring, the guardrails);
 * feeds_load() puts the last good list of every feed in force again,
 * verified again (signature, digest, feed), and for a feed with list_file
 * offers that file; feeds_publish() builds a policy (policy.h) from the
 * lists in force and swaps it in.
 *
 * New bytes for a feed (the fetcher, a re-read list_file, a confirmed held
 * list) go through feeds_offer(): the trust pipeline decides; an INSTALL
 * (or an authentic but EXPIRED list) is put in force by publishing a new
 * policy, and only then committed to the state directory, so the state
 * never names a list that is not enforced. Any other verdict leaves the
 * last good list in force. One feed's failure never touches another's
 * entries: a rebuild takes the unchanged feeds' entries from the previous
 * matcher.
 *
 * Health (docs/design.md section 3): a list past `expires` stays in force for
 * list_grace with a loud warning (FEED_EXPIRED); after that on_expired
 * decides: enforce (FEED_STALE) or disable (FEED_DISABLED: its entries
 * leave the matcher). A feed with no valid list is FEED_NONE; with no
 * enforced feed at all the daemon blocks nothing and says "unprotected".
 * feeds_tick() re-evaluates health once a second and republishes when it
 * changed what is enforced.
 *
 * Threads: every function takes the feeds' mutex; the fetcher, the control
 * socket and the main loop may call them concurrently. Publishing waits for
 * the packet threads' grace period (policy.h), never for a lock they take.
 */
#ifndef VETO_FEEDS_H
#define VETO_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "core/conf.h"
#include "policy/policy.h"
#include "trust/trust.h"

struct feeds;

/* Status of one feed, for logs, `veto status` and metrics. */
struct feed_status {
	const char *name;	/* the feed's name in veto.conf */
	const char *feed;	/* list_feed */
	int health;		/* enum feed_health */
	bool enforced;
	char serial[LIST_SERIAL_MAX + 1];	/* "" when none */
	time_t issued, expires, installed;
	size_t entries;
	size_t url_entries;
	time_t last_offer;	/* last feeds_offer() */
	char last_result[256];	/* its outcome, one line */
	int last_verdict;	/* enum trust_verdict of it; -1: none yet */
	time_t last_good;	/* last offer that installed or was unchanged */
	size_t held;		/* held lists waiting for confirmation */
	char held_serials[8][LIST_SERIAL_MAX + 1];	/* the newest ones */
};

/* Open the feeds of c. state_dir must be a directory, not a symbolic link
 * (kernel/priv.h priv_own_dir: made 0700 and given to uid/gid unless
 * (uid_t)-1); what is below it is created by the caller's own uid (vetod:
 * `user`, after the drop). c must outlive the feeds (take a conf_ref). */
struct feeds *feeds_new(struct conf *c, uid_t uid, gid_t gid, struct verr *e);
void feeds_free(struct feeds *fs);

/* Put the last good lists in force again (and offer list_file feeds their
 * file). Logs what happened per feed. Returns the number of feeds with a
 * list in force. */
unsigned feeds_load(struct feeds *fs, time_t now);

/* Build a policy from the lists in force and publish it, unless what is in
 * force was published already. 0, or -1 with e. */
int feeds_publish(struct feeds *fs, struct verr *e);

/* Offer bytes for feed `idx` (see above). `flags`: TRUST_CONFIRMED.
 * msg gets one line saying what happened. */
enum trust_verdict feeds_offer(struct feeds *fs, unsigned idx,
    const uint8_t *buf, size_t len, const uint8_t *sig, size_t siglen,
    time_t now, unsigned flags, char *msg, size_t msglen);

/* Confirm a held list of the feed that holds `serial` (any feed if idx is
 * -1). */
enum trust_verdict feeds_confirm(struct feeds *fs, int idx, const char *serial,
    time_t now, char *msg, size_t msglen);

/* Re-read list_file feeds whose file changed; recompute health. Returns
 * true when it republished. */
bool feeds_tick(struct feeds *fs, time_t now);

unsigned feeds_count(const struct feeds *fs);
int feeds_index(const struct feeds *fs, const char *name);
void feeds_status(struct feeds *fs, unsigned idx, struct feed_status *out);
/* For the fetcher: the validators of the last good list (ETag and
 * Last-Modified; "" when none), and the outcome of a fetch attempt
 * recorded in the feed's state. */
void feeds_fetch_validators(struct feeds *fs, unsigned idx, char *etag,
    size_t etaglen, char *lastmod, size_t lastmodlen);
int feeds_note_fetch(struct feeds *fs, unsigned idx, const char *etag,
    const char *lastmod, time_t when, const char *result, struct verr *e);
/* True when no feed has entries in force. */
bool feeds_unprotected(struct feeds *fs);


#endif
