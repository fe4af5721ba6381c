/*
 * list.h - a signed blocklist, parsed (docs/design.md section 3).
 *
 * The bytes of a list are only handed to list_parse() after sig.c verified
 * them against a pinned key. list_parse() uses cJSON for every value, with
 * its allocations in a throw-away arena; a small scanner walks the
 * structure around the values (the top-level object, the entries array),
 * so each entry is parsed into its own little tree, copied and dropped:
 * the tree of a whole 10M-entry list would take ~5 GB. It produces a
 * struct list whose strings live in two arenas owned by the list:
 *
 *   meta   format, feed, serial, times, authority, categories: small, kept
 *          for as long as the list is in force (the stop page, reports and
 *          `veto list show` read them);
 *   bulk   the entries' strings (and, allocated beside it, the entries
 *          array): large, needed only until the matcher has copied what
 *          it needs; list_drop_entries() frees both and keeps the counts.
 *
 * Entry values are stored in canonical form (norm.c): a name for domain and
 * host entries; for url entries the host and `rest` of struct norm_url,
 * joined as host + rest (rest always starts with ':' or '/'), with
 * `url_host_len` saying where the host ends.
 *
 * Text shown to people (authority name, legal basis, category labels) is a
 * string or an object of strings per language; struct list_text holds both
 * forms (a plain string has lang == NULL).
 *
 * Before cJSON sees them the bytes must be UTF-8 without control bytes
 * (other than tab, CR, LF) and without a \u0000 escape, which would cut a
 * C string short: the value matched would not be the value signed.
 *
 * cJSON allocation hooks: list_init() (called by list_parse() on first use,
 * through pthread_once) installs cJSON_InitHooks() functions that allocate
 * from a thread-local arena while list_parse() runs on that thread and fall
 * back to malloc()/free() otherwise, so any other cJSON user in the process
 * is unaffected. Nobody else may call cJSON_InitHooks(). Call list_init()
 * early (before starting threads that use cJSON) to avoid installing the
 * hooks while another thread is inside cJSON.
 *
 * Limits: the caller's list_limits (bytes, entries), names 253 bytes, URLs
 * 2048, ids LIST_ID_MAX, serial LIST_SERIAL_MAX digits, LIST_MAX_CATS
 * categories; cJSON refuses nesting deeper than 1000.
 */
#ifndef VETO_LIST_H
#define VETO_LIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/util.h"

#define LIST_FORMAT "veto-list/1"
#define LIST_URL_MAX 2048
#define LIST_ID_MAX 128		/* bytes of an entry id */
#define LIST_REF_MAX 1024	/* bytes of an entry ref */
#define LIST_SERIAL_MAX 128	/* digits of a serial */
#define LIST_FEED_MAX 255	/* bytes of a feed id */
#define LIST_TEXT_MAX 4096	/* bytes of one text shown to people */
#define LIST_MAX_CATS 256
#define LIST_MAX_LANGS 64	/* languages of one text */

/* struct list_entry flags */
#define LIST_ENTRY_HTTPS 0x01	/* url written with https://: its path is
				 * never visible to the filter */

enum list_entry_type { LIST_DOMAIN, LIST_HOST, LIST_URL, LIST_NTYPES };

struct list_text_item {
	const char *lang;	/* "en", "nl", ...; NULL for a plain string */
	const char *text;
};

struct list_text {
	struct list_text_item *items;
	unsigned n;
};

struct list_category {
	const char *id;		/* "csam", "test", ... */
	struct list_text label;
	bool canary;		/* id == "test" */
};

struct list_entry {
	const char *id;
	const char *value;	/* canonical, see above */
	const char *ref;	/* optional reference, NULL if absent */
	uint32_t cat;		/* index into list->cats */
	uint16_t url_host_len;	/* LIST_URL: bytes of value that are the host */
	uint8_t type;		/* enum list_entry_type */
	uint8_t flags;		/* LIST_ENTRY_* */
};

struct list {
	const char *format, *feed, *serial;
	time_t issued, expires;
	struct list_text authority_name, legal_basis;
	const char *authority_url, *appeal_url;	/* NULL if absent */
	struct list_category *cats;
	uint32_t ncats;
	struct list_entry *entries;	/* NULL after list_drop_entries() */
	size_t nentries;
	size_t count[LIST_NTYPES];	/* entries per type */
	size_t ncanaries;		/* entries of category "test" */
	size_t nurl_https;		/* url entries written with https:// */
	uint8_t digest[32];		/* SHA-256 of the list bytes */
	size_t size;			/* bytes of the list file */
	struct arena *meta, *bulk;
	atomic_int extra_refs;		/* list_ref()s beyond the first owner */
};

struct list_limits {
	uint64_t max_bytes;
	uint64_t max_entries;
};

/* Install the cJSON hooks (see above); idempotent and thread-safe. */
void list_init(void);

/* Parse verified bytes. On error NULL and a message naming the field and,
 * for entries, the entry index and id, quoting the bad value. */
struct list *list_parse(const uint8_t *buf, size_t len,
    const struct list_limits *lim, struct verr *e);
void list_free(struct list *l);		/* NULL allowed */

/* Shared ownership (policy snapshots share a feed's list metadata): a
 * freshly parsed list has one owner; list_ref() adds one, list_unref()
 * drops one and frees the list with the last (policy.c implements these). */
struct list *list_ref(struct list *l);
void list_unref(struct list *l);
void list_drop_entries(struct list *l);	/* free the bulk arena */

/* The text for a language: exact match, then "en", then the plain string,
 * then the first one. Never NULL (returns "" for an empty text). */
const char *list_text_get(const struct list_text *t, const char *lang);

const char *list_type_name(enum list_entry_type t);
/* The index of a category by id, or -1. */
int list_cat_find(const struct list *l, const char *id);

#endif
