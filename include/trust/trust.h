/*
 * trust.h - whether a signed list may be put in force for a feed, and the
 * feed's state on disk (docs/design.md section 3, rules of trust from TUF).
 *
 * One pipeline, used by `veto list verify`, `veto list confirm`, the
 * fetcher and the daemon:
 *
 *   trust_evaluate(bytes, signature)          reads the state, decides:
 *     1. sizes capped (list_max_bytes; sig.h caps the signature file)
 *     2. minisign signature by a key of the feed's ring (sig.c)
 *     3. same bytes as the last good list -> UNCHANGED (nothing parsed)
 *     4. parsed (list.c); feed must equal the configured feed
 *     5. issued not later than now + TRUST_ISSUED_SKEW (5 minutes)
 *     6. serial > last accepted serial (lower: rollback refused; equal with
 *        other bytes: refused)
 *     7. guardrails (guard.c): TLDs, public suffixes, never-block names
 *     8. past expires -> EXPIRED (authentic, a state, not a forgery)
 *     9. entry count changed by more than max_change percent from the last
 *        accepted list -> HELD (unless confirming)
 *    10. otherwise INSTALL
 *   ... the daemon builds and swaps its matcher here ...
 *   trust_commit(candidate)                   records the outcome on disk
 *
 * Evaluate and commit are separate so the daemon can swap the matcher in
 * between: the state on disk never names a list that is not in force.
 *
 * State directory (mode 0700, created if missing; every file 0600):
 *
 *   STATE_DIR/feeds/NAME/            NAME: the feed's name in veto.conf
 *       lock                         flock(2): one writer at a time
 *       state                        the commit point (below), atomic
 *       list-SERIAL.json             the last good list, as signed
 *       list-SERIAL.json.minisig     its signature
 *       held/SERIAL.json             lists held by the change guardrail,
 *       held/SERIAL.json.minisig     until `veto list confirm`
 *
 * A new good list is written under its serial first, then the state file
 * is replaced (file_write_atomic) to name it, then older lists are removed:
 * a crash leaves the old state naming old, complete files, or the new one.
 *
 * The state file is text, one `key value` per line: feed, serial, sha256,
 * entries, size, issued, expires, installed, key_id, and the fetcher's
 * etag, last_modified, fetched, fetch_result. Unknown keys are ignored.
 *
 * Locking: trust_lock() takes an exclusive flock on `lock`; trust_commit()
 * and trust_note_fetch() refuse to write without it, so vetod, `veto
 * fetch` and `veto list confirm` never write the same state at once.
 * trust_evaluate() re-reads the state file every time (under the lock when
 * the caller holds it). Reading needs no lock: files are replaced, never
 * rewritten in place.
 *
 * Ownership: a trust_feed borrows the guard (it must outlive it) and copies
 * everything else from trust_params. A candidate borrows the bytes given to
 * trust_evaluate() until trust_candidate_free(); it owns its parsed list
 * unless the caller takes it (set cand->list to NULL after taking it).
 */
#ifndef VETO_TRUST_H
#define VETO_TRUST_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/conf.h"
#include "trust/guard.h"
#include "policy/list.h"
#include "trust/sig.h"
#include "core/util.h"

#define TRUST_ISSUED_SKEW 300	/* seconds a list's issued may be ahead */
#define TRUST_MAX_HELD 8	/* held lists kept per feed; oldest dropped */
#define TRUST_STATE_MAX 65536	/* bytes of a state file */
#define TRUST_NO_HOLD UINT64_MAX	/* max_change that never holds */

/* Defaults of a feed for tools given no configuration: read from the
 * configuration table (conf_feed_defaults()), never written twice. */
#define TRUST_DEFAULT_MAX_BYTES (conf_feed_defaults()->max_bytes)
#define TRUST_DEFAULT_MAX_ENTRIES (conf_feed_defaults()->max_entries)
#define TRUST_DEFAULT_MAX_CHANGE (conf_feed_defaults()->max_change)

enum trust_verdict {
	TRUST_INSTALL,		/* put it in force, then commit */
	TRUST_UNCHANGED,	/* the last good list, byte for byte */
	TRUST_HELD,		/* valid, but kept aside until confirmed */
	TRUST_EXPIRED,		/* valid and new, but past its expires */
	TRUST_REFUSED,		/* forged, malformed, rolled back, guardrail... */
};

/* trust_evaluate() flags */
#define TRUST_CONFIRMED 0x1	/* the operator confirmed: skip step 9 */
#define TRUST_REINSTALL 0x2	/* no list is in force (the recorded one was
				 * refused when loaded): the recorded list's
				 * own bytes are judged anew, not "unchanged",
				 * and may be installed again */

/* The state file of a feed. */
struct trust_state {
	bool have;			/* a last good list exists */
	char feed[LIST_FEED_MAX + 1];
	char serial[LIST_SERIAL_MAX + 1];
	uint8_t sha256[32];
	uint64_t entries, size;
	time_t issued, expires, installed;
	char key_id[2 * SIG_KEYID_LEN + 1];
	/* the fetcher's */
	char etag[256];
	char last_modified[64];
	time_t fetched;			/* last fetch attempt, 0: never */
	char fetch_result[256];		/* one line */
};

struct trust_params {
	const char *name;	/* the feed's name in veto.conf */
	const char *feed;	/* list_feed; NULL accepts any feed id */
	struct sig_keyring keys;
	struct list_limits limits;
	uint64_t max_change;	/* percent; TRUST_NO_HOLD: never hold */
	unsigned sig_flags;	/* SIG_ALLOW_LEGACY */
	const struct guard *guard;	/* required, borrowed */
	const char *state_dir;	/* NULL: no state (nothing to compare with,
				 * commit refused) */
	const char *feed_dir;	/* overrides state_dir/feeds/name if set */
	bool read_only;		/* never create or write anything */
};

struct trust_candidate {
	enum trust_verdict verdict;
	char reason[VERR_MAX];	/* why, one line; a summary for INSTALL */
	char *report;		/* guardrail: every bad entry, one per line */
	struct list *list;	/* NULL if refused before parsing or UNCHANGED */
	struct sig_info sig;	/* valid unless refused before step 3 */
	bool same_as_last;	/* bytes identical to the last good list */
	uint8_t sha256[32];
	const uint8_t *bytes, *sigbytes;	/* borrowed */
	size_t len, siglen;
	uint8_t *owned_bytes, *owned_sig;	/* trust_confirm() reads these */
};

struct trust_feed;

/* Fill params from veto.conf: keys from list_key and list_key_file, limits,
 * max_change, state_dir. The guard is the caller's (one per conf). */
int trust_params_from_conf(const struct conf *c, const struct feed_conf *f,
    const struct guard *g, struct trust_params *p, struct verr *e);

struct trust_feed *trust_open(const struct trust_params *p, struct verr *e);
void trust_close(struct trust_feed *t);	/* NULL allowed; unlocks */
const char *trust_dir(const struct trust_feed *t);	/* NULL without state */
/* The state as last read (by trust_open, trust_evaluate, trust_reload). */
const struct trust_state *trust_state(const struct trust_feed *t);
int trust_reload(struct trust_feed *t, struct verr *e);

int trust_lock(struct trust_feed *t, bool wait, struct verr *e);
void trust_unlock(struct trust_feed *t);

/* Decide about a list (see above). `now` is the wall clock. Returns the
 * verdict, also in c->verdict, with c->reason. */
enum trust_verdict trust_evaluate(struct trust_feed *t, const uint8_t *buf,
    size_t len, const uint8_t *sig, size_t siglen, time_t now,
    unsigned flags, struct trust_candidate *c);
void trust_candidate_free(struct trust_candidate *c);

/* Record a candidate (lock held): INSTALL or EXPIRED become the last good
 * list (held lists with a serial not above it are removed); HELD is kept
 * in held/; UNCHANGED does nothing; REFUSED is an error. */
int trust_commit(struct trust_feed *t, const struct trust_candidate *c,
    time_t now, struct verr *e);

/* Load the last good list, verified again: signature with the configured
 * keys, SHA-256 and serial as recorded, feed as configured. Expiry and
 * guardrails are not re-applied (the caller's grace policy decides what an
 * expired list does). Returns 0 with *out NULL when there is none. */
int trust_load_good(struct trust_feed *t, struct list **out,
    struct sig_info *info, struct verr *e);

/* Held lists: their serials, highest first (*out malloc'ed array of
 * malloc'ed strings, free with trust_held_free). */
int trust_held_list(struct trust_feed *t, char ***out, size_t *n,
    struct verr *e);
void trust_held_free(char **v, size_t n);
/* Confirm a held list (lock held): evaluate it again with TRUST_CONFIRMED
 * and, if INSTALL, commit it. The candidate tells what happened. */
int trust_confirm(struct trust_feed *t, const char *serial, time_t now,
    struct trust_candidate *c, struct verr *e);

/* The fetcher's fields (lock held). NULL strings leave a field alone;
 * `result` is one line ("200 installed 2026112801", "304", "error: ..."). */
int trust_note_fetch(struct trust_feed *t, const char *etag,
    const char *last_modified, time_t when, const char *result,
    struct verr *e);

/* Find the state subdirectory of a feed id under STATE_DIR/feeds (for
 * `veto list verify --state`). Returns 0 and the name, or -1. */
int trust_find_name(const char *state_dir, const char *feed, char *name,
    size_t size, struct verr *e);

const char *trust_verdict_name(enum trust_verdict v);

#endif
