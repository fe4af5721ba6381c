/*
 * catreg.h - the category registry: stable numbers for (feed, category).
 *
 * Policy snapshots come and go, so counters are not indexed by a list's own
 * category number but by a "stats category" number from this registry,
 * which only grows (at most STATS_MAX_CATS; past that, "other"). A policy
 * snapshot maps its lists' categories to these numbers when it is built;
 * the engine's counters (engine/stats.h) and the servers' printers use
 * them. It lives in policy/ because the policy builds the map: the layer
 * rule (core <- policy <- engine) keeps policy from reaching into stats.
 *
 * Thread safety: every function takes the registry's mutex; names returned
 * stay valid for the life of the process (entries are never removed).
 */
#ifndef VETO_CATREG_H
#define VETO_CATREG_H

#include <stdint.h>

#define STATS_MAX_CATS 256
#define STATS_CAT_OTHER 0		/* number 0 is "other/unknown" */

/* The number of (feed, cat), registered if new; STATS_CAT_OTHER when full. */
uint16_t stats_category(const char *feed, const char *cat);
/* Name of a stats category: feed and category id ("" for other). */
void stats_category_name(uint16_t n, const char **feed, const char **cat);
unsigned stats_categories(void);	/* numbers in use, other included */

#endif
