/*
 * listset.h - the lists a tool applies, loaded the way vetod would put
 * them in force, without writing anything (`veto replay`, `veto audit`).
 *
 * Two sources:
 *
 *   listset_from_conf()   a veto.conf: for every feed the last good list of
 *                         its state directory (trust_load_good(), verified
 *                         again), and for a feed with list_file that file
 *                         offered to the trust pipeline read-only: what
 *                         INSTALL/EXPIRED would put in force replaces the
 *                         last good list, anything else leaves it. The
 *                         feed's health (expiry, list_grace, on_expired)
 *                         is computed as the daemon does.
 *   listset_from_files()  lists named on the command line (one feed each,
 *                         in order, the first winning ties), verified
 *                         against the -k keys when any are given; the
 *                         configuration is conf_default() with one feed
 *                         per file.
 *
 * The lists keep their entries until listset_policy() builds a policy
 * snapshot (which drops them, policy.h), so a caller that needs the
 * entries (the audit plans its probes from them) reads them first, or uses
 * listset_matcher() instead.
 *
 * Ownership: the listset owns its configuration and lists; a policy built
 * from it takes its own references (conf_ref, list_ref), so the listset may
 * be freed before or after it.
 */
#ifndef VETO_LISTSET_H
#define VETO_LISTSET_H

#include <stdbool.h>
#include <time.h>

#include "core/conf.h"
#include "policy/list.h"
#include "policy/match.h"
#include "policy/policy.h"
#include "core/util.h"

#define LISTSET_MAX_KEYS 32

struct listset_feed {
	const char *name;	/* the feed's name in veto.conf, or the path */
	struct list *list;	/* NULL: none in force */
	int health;		/* enum feed_health */
	const char *origin;	/* "state", "list_file", "file" or "none" */
	char note[VERR_MAX + 128];	/* why there is none, or what was refused */
};

struct listset {
	struct conf *conf;	/* owned */
	struct listset_feed feeds[CONF_MAX_FEEDS];
	unsigned n;
};

/* 0, or -1 with e (the configuration does not load, a state directory
 * cannot be read). A feed without a list is not an error: its note says
 * why; the caller decides. `now` decides expiry. */
int listset_from_conf(struct listset *ls, const char *path, time_t now,
    struct verr *e);
/* 0, or -1 with e naming the file (unreadable, bad signature, bad list). */
int listset_from_files(struct listset *ls, char *const *paths, unsigned n,
    char *const *keys, unsigned nkeys, struct verr *e);
void listset_free(struct listset *ls);

/* Entries in force (feeds whose health enforces them). */
size_t listset_entries(const struct listset *ls);
bool listset_enforced(const struct listset_feed *f);

/* A policy snapshot of the lists (drops their entries). NULL with e. */
struct policy *listset_policy(struct listset *ls, struct verr *e);
/* A matcher of the enforced lists, keeping their entries; the lists'
 * metadata must outlive it. NULL with e. */
struct matcher *listset_matcher(const struct listset *ls, struct verr *e);

#endif
