/*
 * match.h - does a list entry cover this name or URL? The hottest code in
 * the daemon, and where over- or under-blocking would be born.
 *
 * Semantics (docs/design.md section 3):
 *   domain  the name and every name below it (bad.example blocks
 *           x.bad.example, never notbad.example nor example);
 *   host    that exact name;
 *   url     host equal and canonical path equal; an entry path ending in
 *           '/' covers everything below it; an entry without a query covers
 *           every query on that path, an entry with one only that query.
 *           Exactly, with a non-default port counted as part of the path
 *           (":8080/x"): an entry with a query matches only the identical
 *           path and query ("/?p=7" is one page, not every path with
 *           ?p=7); "/u/123/" covers "/u/123/" and every path that starts
 *           with it, not "/u/123" nor "/u/1234"; "/u/123" covers "/u/123"
 *           with any query or none, not "/u/123/" nor "/u/1234". Case in
 *           the path matters (norm.c keeps it).
 * For an IP literal host (norm_url.host_is_ip) only entries on exactly that
 * host apply: no suffix of an address is a parent domain.
 * A name from DNS, TLS or QUIC is checked against domain and host entries
 * only (match_name); an HTTP request against all three (match_url). A url
 * entry never blocks its host at DNS, TLS or QUIC level.
 *
 * When several entries cover the input, the most specific wins: a url entry
 * over a host or domain entry, a longer name over a shorter one, host over
 * domain for the same name, then the feed listed first in the
 * configuration. Among url entries covering one request, the longest entry
 * (path and query) wins, then the first feed. The result names the feed,
 * category and entry id.
 *
 * The matcher is built once from the entries of every feed's list and is
 * then read-only: any number of threads may look up at once, with no
 * locking and no allocation per lookup. It copies what it needs from the
 * lists, so list_drop_entries() may be called once it is built; the lists'
 * metadata (authority, categories) must outlive the matcher, since results
 * index into it.
 *
 * Size (match.c has the layout): per key (a distinct name or url host) an
 * 8-byte slot at 85% load (9.4 bytes) and 0.29 bytes of rank directory;
 * per key a record of 1 + name bytes; per entry 2 bytes (type, feed < 31,
 * category < 128) + id + 1, plus 4 for each entry after the first on the
 * same key, plus varint + rest for a url entry. A domain list of 24-byte
 * names and 7-byte ids: 45 bytes per entry. Keys are at most 255 bytes,
 * records at most 2^40 bytes in all, entries fewer than 2^30.
 *
 * Lookups cost about one memory access for a name that is not listed (the
 * slots of all its suffixes are prefetched at once) and two for one that is
 * (its slot, then its record).
 */
#ifndef VETO_MATCH_H
#define VETO_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/list.h"
#include "policy/norm.h"
#include "core/util.h"

struct matcher;

struct match_result {
	uint32_t entry;		/* dense index in this matcher: per-entry counts */
	uint32_t cat;		/* index into the feed's list->cats */
	uint16_t feed;		/* index into the lists given to matcher_build */
	uint8_t type;		/* enum list_entry_type */
	const char *id;		/* entry id, NUL-terminated, lives with the matcher */
};

/* Build from nlists lists (index = feed number in results). NULL lists are
 * allowed (a feed with no list in force). */
struct matcher *matcher_build(struct list *const *lists, unsigned nlists,
    struct verr *e);
void matcher_free(struct matcher *m);	/* NULL allowed */

/* Rebuild after one feed changed, without re-reading the others: feed i
 * takes its entries from lists[i] when that list still has them (a new
 * list), else from prev's feed i when keep[i] (unchanged feed), else none
 * (a feed disabled by expiry, or with no list). prev may be NULL. */
struct matcher *matcher_rebuild(const struct matcher *prev,
    struct list *const *lists, const bool *keep, unsigned nlists,
    struct verr *e);

/* name: canonical (norm_name). Returns true and fills r on a match. */
bool match_name(const struct matcher *m, const char *name, size_t len,
    struct match_result *r);
/* A per-thread cache of recent answers for match_name(), for the skewed
 * traffic a filter sees (the same popular names again and again): a hit
 * costs one line of L2 instead of the table's memory accesses. It is exact
 * (the name is compared, not a hash), holds names of up to 29 bytes (the
 * popular ones; longer names go to the table directly), and
 * answers only for the matcher that filled a line (lines of another
 * matcher, older or newer, are misses): no invalidation is needed on a
 * policy swap. Two ways per set; one 64-byte line per name,
 * MATCH_CACHE_LINES * 64 bytes (512 KiB) per thread. */
#define MATCH_CACHE_LINES 8192
struct match_cache;
struct match_cache *match_cache_new(void);
void match_cache_free(struct match_cache *c);	/* NULL allowed */
bool match_name_cached(const struct matcher *m, struct match_cache *c,
    const char *name, size_t len, struct match_result *r);
void match_cache_stats(const struct match_cache *c, uint64_t *hits,
    uint64_t *misses);

/* An HTTP request in canonical form (norm_http). */
bool match_url(const struct matcher *m, const struct norm_url *u,
    struct match_result *r);
/* True if url entries exist for exactly this host: such port-80 flows stay
 * queued so every request on them is checked. */
bool match_host_has_urls(const struct matcher *m, const char *host, size_t len);

size_t matcher_entries(const struct matcher *m);
/* Describe entry number `entry` (0 .. matcher_entries()-1). */
void matcher_entry(const struct matcher *m, uint32_t entry,
    struct match_result *r);
/* Every key in record order (the list order of its first entry), with its
 * entries (host, then domain, then url; each in feed order): fn is called
 * once per entry, `first` true on the key's first. A url entry's key is
 * its host (r->type says which); r->entry is not set. fn returns 0 to go on; a non-zero return
 * stops the walk and is returned. Exporters (RPZ) read the names in force
 * from here, since the lists' own entries are dropped once built. */
typedef int (*matcher_walk_fn)(void *arg, const char *key, size_t keylen,
    bool first, const struct match_result *r);
int matcher_walk(const struct matcher *m, matcher_walk_fn fn, void *arg);

/* Bytes of memory the matcher holds. */
size_t matcher_bytes(const struct matcher *m);

/* Where the bytes go (benchmarks, `veto list show`). */
struct matcher_info {
	size_t keys;		/* distinct names and url hosts */
	size_t entries;
	size_t slots;		/* table slots, tail included */
	unsigned max_dist;	/* longest probe from a home slot */
	size_t slot_bytes, rank_bytes, arena_bytes, arena_used, extra_bytes;
};
void matcher_info(const struct matcher *m, struct matcher_info *mi);

#endif
