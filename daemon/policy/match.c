/*
 * match.c - the matcher: one open-addressing table of keys (names), one
 * byte arena of records, a rank directory for dense entry numbers.
 *
 * Layout (see match.h for the semantics):
 *
 *   slots   uint64_t each: [63..51] 13-bit fingerprint, [50..48] the entry
 *           types the key holds (one bit per enum list_entry_type), [47..40]
 *           distance from the home slot, [39..0] offset of the key's record
 *           in the arena (0 = empty slot; the arena's byte 0 is unused).
 *           Linear probing in Robin Hood order: keys sit in order of their
 *           home slot, so a probe stops at the first empty slot or at the
 *           first slot whose distance is smaller than the probe's. The home
 *           is fastrange(hash, nslots); SLOT_DIST_MAX + 1 slots of tail
 *           follow, so probes never wrap around.
 *   arena   one record per key, byte-aligned, in list order (of the key's
 *           first entry):
 *             u8 key length, key bytes (a name, or a url entry's host),
 *             then its entries, host entries first, then domain, then url,
 *             each in feed order, then list order:
 *               u8 head: type (bits 0-1), last entry (bit 2), feed (bits
 *                  3-7; 31 = a u16 feed follows, little-endian)
 *               varint category
 *               u32 entry number, little-endian (not on a record's first
 *                  entry: its number is the rank of the key's slot)
 *               url only: varint length, then `rest` (host excluded)
 *               id, NUL-terminated
 *   rank    per 64 slots: a bitmap of the occupied ones and the number of
 *           occupied slots before the block. Key k in slot order holds
 *           entry number k on its first entry; the other entries of a key
 *           are numbered from nkeys up, and `extra` holds their offsets.
 *
 * Lookup hashes every suffix of the name in one pass from the right (8-byte
 * words aligned on the name's end, so all suffixes share the word states;
 * the dots come out of the same words), skips suffixes with a label count
 * no key has, prefetches every remaining home slot, then probes the longest
 * suffix first: the first key found with a suitable entry is the answer.
 * A miss costs about one memory access (the slots of all suffixes are
 * fetched in parallel), a hit two (its slot, then its record). Nothing is
 * allocated or locked; the structure is read-only once built.
 *
 * Build: see "Building" below; a few sequential passes and a counting sort.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "policy/match.h"

static _Atomic uint64_t matcher_serials = 1;

#define KEY_MAX 255			/* a name: 253; an [IPv6] host: 255 */
#define SUFFIX_MAX (KEY_MAX + 1)

#define SLOT_OFF_MASK ((UINT64_C(1) << 40) - 1)
#define SLOT_DIST_SHIFT 40
#define SLOT_DIST_MAX 255u
#define SLOT_TYPE_SHIFT 48
#define SLOT_FP_SHIFT 51
#define SLOT_FP_MASK 0x1fffu

#define T_DOMAIN (1u << LIST_DOMAIN)
#define T_HOST (1u << LIST_HOST)
#define T_URL (1u << LIST_URL)

#define HEAD_LAST 0x04
#define HEAD_FEED_SHIFT 3
#define HEAD_FEED_ESC 31u

#define LOAD_PERCENT 85
#define BIG_ALLOC (1u << 20)

struct rank_block {
	uint64_t bits;		/* occupied slots of this block */
	uint32_t base;		/* occupied slots before this block */
	uint32_t unused;
};

struct matcher {
	uint64_t *slots;
	size_t nslots;		/* home range; the array has + SLOT_DIST_MAX + 1 */
	size_t slots_size;	/* bytes allocated */
	struct rank_block *rank;
	size_t rank_size;
	uint8_t *arena;
	size_t arena_len, arena_size;
	uint64_t *extra;	/* entry offsets of entries nkeys.. */
	size_t extra_size;
	size_t nkeys, nentries;
	unsigned max_dist;
	uint64_t labels[LIST_NTYPES];	/* bit min(labels, 63): a key has them */
	uint64_t serial;		/* unique per build: tags cache lines */
};

/* An entry decoded from the arena. */
struct rec_entry {
	uint8_t type;
	bool last;
	uint16_t feed;
	uint32_t cat;
	uint32_t num;		/* UINT32_MAX on a record's first entry */
	const uint8_t *rest;
	size_t restlen;
	const char *id;
};

/* Hashing. A suffix of length L is the last L bytes of the name: its full
 * 8-byte words counted from the name's end, then the 0..7 bytes left over
 * at its start. */

#define HASH_SEED UINT64_C(0x6a09e667f3bcc908)
#define HASH_K1 UINT64_C(0x9e3779b97f4a7c15)
#define HASH_K2 UINT64_C(0xc2b2ae3d27d4eb4f)

static inline uint64_t
rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

#define ONES UINT64_C(0x0101010101010101)

static inline uint64_t
load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The first r (1..7) bytes of s (len bytes) in the top bytes of a word, as
 * they sit in the 8-byte word ending at s[r - 1]; the bytes before s[0] are
 * zero. */
static inline uint64_t
head_word(const char *s, size_t len, size_t r)
{
	uint64_t w = 0;

	if (len >= 8)
		return load64(s) << (8 * (8 - r));
	for (size_t i = 0; i < r; i++)
		w |= (uint64_t)(uint8_t)s[i] << (8 * (8 - r + i));
	return w;
}

/* The top bit of every byte of w that is a '.', exactly. */
static inline uint64_t
dots_in(uint64_t w)
{
	uint64_t t = w ^ (ONES * '.');

	return ~(((t & (ONES * 0x7f)) + ONES * 0x7f) | t) & (ONES * 0x80);
}

static inline uint64_t
state_next(uint64_t st, uint64_t w)
{
	return rotl64((st ^ w) * HASH_K1, 31);
}

/* st: the state after the full words; part: the bytes left over at the
 * start, first byte lowest; l: the length. One multiply: the state is
 * mixed already, the home slot takes the product's high bits and the
 * fingerprint its low bits once the high half is folded in. */
static inline uint64_t
hash_final(uint64_t st, uint64_t part, size_t l)
{
	uint64_t h = (st ^ part ^ ((uint64_t)l << 56)) * HASH_K2;

	return h ^ (h >> 29);
}

static uint64_t
hash_key(const char *s, size_t len)
{
	uint64_t st = HASH_SEED;
	size_t r = len & 7;

	for (size_t j = 0; j < len / 8; j++)
		st = state_next(st, load64(s + len - 8 * j - 8));
	return hash_final(st, r ? head_word(s, len, r) >> (8 * (8 - r)) : 0,
	    len);
}

static inline size_t
home_of(const struct matcher *m, uint64_t h)
{
	return (size_t)(((unsigned __int128)h * m->nslots) >> 64);
}

static inline uint64_t
fp_of(uint64_t h)
{
	return h & SLOT_FP_MASK;
}

/* The suffixes of a name that could be keys: 1 .. KEY_MAX bytes, starting
 * the name or after a '.'. Shortest first, so the last one is the longest;
 * `full` says whether it is the whole name. */
struct suffixes {
	unsigned n;
	bool full;		/* the last suffix is the whole name */
	uint32_t pos[SUFFIX_MAX];
	uint64_t hash[SUFFIX_MAX];
	size_t home[SUFFIX_MAX];
};

static inline unsigned
suffix_add(const struct matcher *m, struct suffixes *sx, unsigned n,
    size_t pos, uint64_t h)
{
	size_t home = home_of(m, h);

	__builtin_prefetch(&m->slots[home]);
	sx->pos[n] = (uint32_t)pos;
	sx->hash[n] = h;
	sx->home[n] = home;
	return n + 1;
}

static inline bool
labels_in(uint64_t mask, unsigned labels)
{
	return (mask >> MIN(labels, 63u)) & 1;
}

static inline unsigned
popcount64(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) +
	    ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((x * ONES) >> 56);
}

/* The top bits of a dots_in() word as one byte, byte b of the word to bit
 * 7 - b: in word j (counted from the end of the name) the bit of a dot,
 * plus 8j, is the length of the suffix that follows the dot. */
static inline uint64_t
dot_bits(uint64_t d)
{
	return ((d >> 7) * UINT64_C(0x8040201008040201)) >> 56;
}

/* Two passes from the right. First a word at a time: the hash state after
 * j words from the end (shared by every suffix at least 8j bytes long) and
 * a bitmap of suffix lengths that follow a dot. Then over the bitmap,
 * shortest suffix first. Only suffixes with as many labels as some key of
 * a suitable type are kept: `full` types for the whole name, domain for
 * the others. Each home slot is prefetched as soon as it is known. Only
 * the last KEY_MAX bytes of a longer name are looked at (no key is
 * longer). */
static unsigned
suffixes_find(const struct matcher *m, const char *s, size_t len,
    unsigned full, bool only_full, struct suffixes *sx)
{
	size_t base = len > KEY_MAX ? len - KEY_MAX : 0;
	const char *v = s + base;
	size_t vlen = len - base, q = vlen / 8, r = vlen & 7;
	size_t nw = q + (r != 0);
	uint64_t st[KEY_MAX / 8 + 2], w[KEY_MAX / 8 + 1], bm[4], bm0 = 0;
	uint64_t dmask = m->labels[LIST_DOMAIN], fmask = 0;
	unsigned dots, n = 0;

	sx->n = 0;
	sx->full = false;
	if (vlen == 0)
		return 0;
	st[0] = HASH_SEED;
	bm[1] = bm[2] = bm[3] = 0;
	for (size_t j = 0; j < nw; j++) {
		uint64_t bits;

		w[j] = j < q ? load64(v + vlen - 8 * j - 8) : head_word(v, vlen, r);
		bits = dot_bits(dots_in(w[j])) << (8 * (j % 8));
		if (LIKELY(j < 8))
			bm0 |= bits;
		else
			bm[j / 8] |= bits;
		st[j + 1] = state_next(st[j], w[j]);
	}
	dots = bm0 & 1;			/* a dot at the very end: no suffix */
	bm[0] = bm0 & ~UINT64_C(1);
	for (size_t i = 0; !only_full && i <= (vlen - 1) / 64; i++) {
		for (uint64_t b = bm[i]; b != 0; b &= b - 1) {
			size_t l = 64 * i + (size_t)__builtin_ctzll(b);
			size_t rr = l & 7;

			if (labels_in(dmask, ++dots))
				n = suffix_add(m, sx, n, len - l,
				    hash_final(st[l / 8],
				    rr ? w[l / 8] >> (8 * (8 - rr)) : 0, l));
		}
	}
	if (only_full)
		dots += popcount64(bm[0]) + popcount64(bm[1]) +
		    popcount64(bm[2]) + popcount64(bm[3]);
	for (unsigned t = 0; t < LIST_NTYPES; t++)
		if (full & (1u << t))
			fmask |= m->labels[t];
	if (base == 0 ? labels_in(fmask, dots + 1) :
	    s[base - 1] == '.' && !only_full && labels_in(dmask, dots + 1)) {
		n = suffix_add(m, sx, n, base, hash_final(st[q],
		    r ? w[q] >> (8 * (8 - r)) : 0, vlen));
		sx->full = base == 0;
	}
	return sx->n = n;
}

static inline bool
key_equal(const uint8_t *rec, const char *s, size_t len)
{
	const char *k = (const char *)rec + 1;
	uint32_t a, b;

	if (rec[0] != len)
		return false;
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8)
			if (load64(k + i) != load64(s + i))
				return false;
		return load64(k + len - 8) == load64(s + len - 8);
	}
	if (len >= 4) {
		memcpy(&a, k, 4);
		memcpy(&b, s, 4);
		if (a != b)
			return false;
		memcpy(&a, k + len - 4, 4);
		memcpy(&b, s + len - 4, 4);
		return a == b;
	}
	for (size_t i = 0; i < len; i++)
		if (k[i] != s[i])
			return false;
	return true;
}

/* The slot holding key s (hash h, home slot home) if it has an entry of a
 * type in `want`; SIZE_MAX if none. */
static inline size_t
probe(const struct matcher *m, uint64_t h, size_t home, const char *s,
    size_t len, unsigned want)
{
	uint64_t fp = fp_of(h);

	for (size_t i = home, d = 0;; i++, d++) {
		uint64_t v = m->slots[i];
		size_t sd = (v >> SLOT_DIST_SHIFT) & SLOT_DIST_MAX;
		const uint8_t *rec;

		if (v == 0 || sd < d)
			return SIZE_MAX;
		if (sd != d || (v >> SLOT_FP_SHIFT) != fp ||
		    ((v >> SLOT_TYPE_SHIFT) & want) == 0)
			continue;
		rec = m->arena + (v & SLOT_OFF_MASK);
		/* a likely hit: start the other lines it needs */
		__builtin_prefetch(rec + len + 1);
		__builtin_prefetch(&m->rank[i / 64]);
		if (key_equal(rec, s, len))
			return i;
	}
}

/* Record decoding. */

static inline const uint8_t *
varint_get(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned shift = 0;; shift += 7) {
		uint8_t b = *p++;

		v |= (uint32_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
	}
	*out = v;
	return p;
}

static inline const uint8_t *
entry_decode(const uint8_t *p, bool first, struct rec_entry *e)
{
	uint8_t head = *p++;
	uint32_t v;

	e->type = head & 3;
	e->last = (head & HEAD_LAST) != 0;
	e->feed = head >> HEAD_FEED_SHIFT;
	if (e->feed == HEAD_FEED_ESC) {
		e->feed = (uint16_t)(p[0] | p[1] << 8);
		p += 2;
	}
	p = varint_get(p, &e->cat);
	e->num = UINT32_MAX;
	if (!first) {
		e->num = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		p += 4;
	}
	e->rest = NULL;
	e->restlen = 0;
	if (e->type == LIST_URL) {
		p = varint_get(p, &v);
		e->rest = p;
		e->restlen = v;
		p += v;
	}
	e->id = (const char *)p;
	return p;
}

static inline const uint8_t *
entry_next(const struct rec_entry *e)
{
	return (const uint8_t *)e->id + strlen(e->id) + 1;
}

static inline size_t
slot_rank(const struct matcher *m, size_t i)
{
	const struct rank_block *b = &m->rank[i / 64];
	uint64_t below = b->bits & ((UINT64_C(1) << (i % 64)) - 1);

	return b->base + (size_t)popcount64(below);
}

static void
result_fill(const struct matcher *m, size_t slot, const struct rec_entry *e,
    struct match_result *r)
{
	r->entry = e->num != UINT32_MAX ? e->num : (uint32_t)slot_rank(m, slot);
	r->cat = e->cat;
	r->feed = e->feed;
	r->type = e->type;
	r->id = e->id;
}

/* The first entry of the key in `slot` whose type is in `want`. */
static bool
key_result(const struct matcher *m, size_t slot, unsigned want,
    struct match_result *r)
{
	const uint8_t *p = m->arena + (m->slots[slot] & SLOT_OFF_MASK);
	struct rec_entry e;
	bool first = true;

	p += 1 + p[0];
	for (;;) {
		p = entry_decode(p, first, &e);
		if ((1u << e.type) & want) {
			result_fill(m, slot, &e, r);
			return true;
		}
		if (e.last)
			return false;
		p = entry_next(&e);
		first = false;
	}
}

/* Lookup. */

/* The longest suffix with a suitable entry, from suffix `from` down. */
static bool
match_suffixes(const struct matcher *m, const char *s, size_t len,
    const struct suffixes *sx, unsigned from, struct match_result *r)
{
	for (unsigned k = from; k-- > 0;) {
		unsigned want = k + 1 == sx->n && sx->full ? T_HOST | T_DOMAIN :
		    T_DOMAIN;
		size_t p = sx->pos[k];
		size_t i = probe(m, sx->hash[k], sx->home[k], s + p, len - p,
		    want);

		if (i != SIZE_MAX)
			return key_result(m, i, want, r);
	}
	return false;
}

bool
match_name(const struct matcher *m, const char *name, size_t len,
    struct match_result *r)
{
	struct suffixes sx;

	if (m == NULL || m->nkeys == 0)
		return false;
	suffixes_find(m, name, len, T_HOST | T_DOMAIN, false, &sx);
	return match_suffixes(m, name, len, &sx, sx.n, r);
}

/* The per-thread cache of recent names (match.h). Direct-mapped; a line
 * holds the name itself (so a hit is exact, not a hash match), the answer,
 * and the serial of the matcher that gave it (so a line of an older
 * matcher is never used, even if a new one is allocated at the same
 * address). */
#define CACHE_NAME_MAX 29

struct match_cache_line {
	uint64_t serial;		/* 0: empty */
	struct match_result r;
	uint8_t len;
	bool hit;
	uint8_t victim;			/* first way of a set: replace next */
	char name[CACHE_NAME_MAX];
};

_Static_assert(sizeof(struct match_cache_line) == 64, "one cache line");

struct match_cache {
	struct match_cache_line line[MATCH_CACHE_LINES];
	uint64_t hits, misses;
};

struct match_cache *
match_cache_new(void)
{
	struct match_cache *c;

	if (posix_memalign((void **)&c, 64, sizeof(*c)) != 0)
		return NULL;
	memset(c, 0, sizeof(*c));
	return c;
}

void
match_cache_free(struct match_cache *c)
{
	free(c);
}

void
match_cache_stats(const struct match_cache *c, uint64_t *hits,
    uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}

/* A cheap index: the name's first and last 8 bytes and its length. */
static inline size_t
cache_index(const char *name, size_t len)
{
	uint64_t a, b;

	if (len >= 8) {
		a = load64(name);
		b = load64(name + len - 8);
	} else {
		a = 0;
		memcpy(&a, name, len);
		b = len;
	}
	/* the product's top bits depend on every bit of the input */
	return (size_t)((((a * HASH_K1) ^ b ^ len) * HASH_K2) >>
	    (64 - __builtin_ctz(MATCH_CACHE_LINES)));
}

static inline bool
cache_line_is(const struct match_cache_line *l, const struct matcher *m,
    const char *name, size_t len)
{
	return l->serial == m->serial && l->len == len &&
	    memcmp(l->name, name, len) == 0;
}

bool
match_name_cached(const struct matcher *m, struct match_cache *c,
    const char *name, size_t len, struct match_result *r)
{
	struct match_cache_line *set, *l;
	bool hit;

	if (m == NULL || c == NULL || len > CACHE_NAME_MAX)
		return match_name(m, name, len, r);
	/* two ways per set; the way not used last is replaced */
	set = &c->line[cache_index(name, len) & ~(size_t)1];
	for (unsigned w = 0; w < 2; w++) {
		l = &set[w];
		if (cache_line_is(l, m, name, len)) {
			c->hits++;
			set[0].victim = (uint8_t)!w;
			if (l->hit)
				*r = l->r;
			return l->hit;
		}
	}
	c->misses++;
	hit = match_name(m, name, len, r);
	l = &set[set[0].victim];
	set[0].victim = (uint8_t)!set[0].victim;
	l->serial = m->serial;
	l->len = (uint8_t)len;
	l->hit = hit;
	memcpy(l->name, name, len);
	if (hit)
		l->r = *r;
	return hit;
}

/* Does url entry rest `e` (elen bytes) cover request rest u? */
static bool
url_covers(const uint8_t *e, size_t elen, const struct norm_url *u)
{
	size_t pathend = MIN(u->pathend, u->restlen);

	if (memchr(e, '?', elen) != NULL)	/* exact path and query */
		return elen == u->restlen && memcmp(e, u->rest, elen) == 0;
	if (e[elen - 1] == '/')			/* everything below */
		return pathend >= elen && memcmp(e, u->rest, elen) == 0;
	return pathend == elen && memcmp(e, u->rest, elen) == 0;
}

/* The best url entry of the key in `slot` covering u: the longest entry
 * rest, then the first in record order (feed order). */
static bool
url_result(const struct matcher *m, size_t slot, const struct norm_url *u,
    struct match_result *r)
{
	const uint8_t *p = m->arena + (m->slots[slot] & SLOT_OFF_MASK);
	struct rec_entry e;
	size_t bestlen = 0;
	bool first = true, found = false;

	p += 1 + p[0];
	for (;;) {
		p = entry_decode(p, first, &e);
		if (e.type == LIST_URL && e.restlen > 0 &&
		    (!found || e.restlen > bestlen) &&
		    url_covers(e.rest, e.restlen, u)) {
			result_fill(m, slot, &e, r);
			bestlen = e.restlen;
			found = true;
		}
		if (e.last)
			return found;
		p = entry_next(&e);
		first = false;
	}
}

bool
match_url(const struct matcher *m, const struct norm_url *u,
    struct match_result *r)
{
	struct suffixes sx;
	size_t i;

	if (m == NULL || m->nkeys == 0 || u->hostlen == 0 ||
	    u->hostlen > KEY_MAX)
		return false;
	suffixes_find(m, u->host, u->hostlen, T_URL | T_HOST | T_DOMAIN,
	    u->host_is_ip, &sx);
	if (sx.full) {
		i = probe(m, sx.hash[sx.n - 1], sx.home[sx.n - 1], u->host,
		    u->hostlen, T_URL | T_HOST | T_DOMAIN);
		if (i != SIZE_MAX) {
			unsigned types = (m->slots[i] >> SLOT_TYPE_SHIFT) & 7;

			if ((types & T_URL) && url_result(m, i, u, r))
				return true;
			if (types & (T_HOST | T_DOMAIN))
				return key_result(m, i, T_HOST | T_DOMAIN, r);
		}
		sx.n--;
		sx.full = false;
	}
	return match_suffixes(m, u->host, u->hostlen, &sx, sx.n, r);
}

bool
match_host_has_urls(const struct matcher *m, const char *host, size_t len)
{
	uint64_t h;

	if (m == NULL || m->nkeys == 0 || len == 0 || len > KEY_MAX)
		return false;
	h = hash_key(host, len);
	return probe(m, h, home_of(m, h), host, len, T_URL) != SIZE_MAX;
}

size_t
matcher_entries(const struct matcher *m)
{
	return m ? m->nentries : 0;
}

/* The slot of key number k (select over the rank directory). */
static size_t
key_slot(const struct matcher *m, size_t k)
{
	size_t lo = 0, hi = (m->nslots + SLOT_DIST_MAX + 1 + 63) / 64;
	uint64_t bits;

	while (hi - lo > 1) {		/* the last block with base <= k */
		size_t mid = lo + (hi - lo) / 2;

		if (m->rank[mid].base <= k)
			lo = mid;
		else
			hi = mid;
	}
	bits = m->rank[lo].bits;
	for (size_t j = k - m->rank[lo].base; j > 0; j--)
		bits &= bits - 1;
	return lo * 64 + (size_t)__builtin_ctzll(bits);
}

void
matcher_entry(const struct matcher *m, uint32_t entry, struct match_result *r)
{
	struct rec_entry e;
	const uint8_t *p;
	size_t slot;

	memset(r, 0, sizeof(*r));
	r->id = "";
	if (m == NULL || entry >= m->nentries)
		return;
	if (entry < m->nkeys) {
		slot = key_slot(m, entry);
		p = m->arena + (m->slots[slot] & SLOT_OFF_MASK);
		entry_decode(p + 1 + p[0], true, &e);
		e.num = entry;
	} else {
		entry_decode(m->arena + m->extra[entry - m->nkeys], false, &e);
	}
	result_fill(m, 0, &e, r);
}

int
matcher_walk(const struct matcher *m, matcher_walk_fn fn, void *arg)
{
	const uint8_t *p, *end;

	if (m == NULL || m->arena_len <= 1)
		return 0;
	p = m->arena + 1;
	end = m->arena + m->arena_len;
	while (p < end) {
		const char *key = (const char *)p + 1;
		size_t keylen = p[0];
		bool first = true;
		struct rec_entry e;
		struct match_result r;
		int rc;

		p += 1 + keylen;
		for (;;) {
			p = entry_decode(p, first, &e);
			result_fill(m, 0, &e, &r);
			r.entry = UINT32_MAX;	/* not needed by walkers */
			if ((rc = fn(arg, key, keylen, first, &r)) != 0)
				return rc;
			p = entry_next(&e);
			first = false;
			if (e.last)
				break;
		}
	}
	return 0;
}

size_t
matcher_bytes(const struct matcher *m)
{
	if (m == NULL)
		return 0;
	return sizeof(*m) + m->slots_size + m->rank_size + m->arena_size +
	    m->extra_size;
}

void
matcher_info(const struct matcher *m, struct matcher_info *mi)
{
	memset(mi, 0, sizeof(*mi));
	if (m == NULL)
		return;
	mi->keys = m->nkeys;
	mi->entries = m->nentries;
	mi->slots = m->nslots + SLOT_DIST_MAX + 1;
	mi->max_dist = m->max_dist;
	mi->slot_bytes = m->slots_size;
	mi->rank_bytes = m->rank_size;
	mi->arena_bytes = m->arena_size;
	mi->arena_used = m->arena_len;
	mi->extra_bytes = m->extra_size;
}

/* Memory: large blocks straight from mmap, in huge pages where the kernel
 * allows (the table is probed at random: TLB misses would dominate). */

static void *
big_alloc(size_t size)
{
	void *p;

	if (size < BIG_ALLOC)
		return calloc(1, size ? size : 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

static void
big_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size < BIG_ALLOC)
		free(p);
	else
		munmap(p, size);
}

void
matcher_free(struct matcher *m)
{
	if (m == NULL)
		return;
	big_free(m->slots, m->slots_size);
	big_free(m->rank, m->rank_size);
	big_free(m->arena, m->arena_size);
	big_free(m->extra, m->extra_size);
	free(m);
}

/* Building.
 *
 *   items   one pass over the entries in list order: per entry its hash,
 *           key length, label count, type, and the record bytes it needs;
 *   sort    the items by (hash, key): equal keys become neighbours, and
 *           hash order is home-slot order;
 *   place   one pass over the sorted items: each key gets its slot (Robin
 *           Hood order falls out of the sort) and every entry learns where
 *           its key went (`where`, indexed by entry in list order);
 *   fill    a second pass in list order writes the records, so the lists'
 *           entries and strings are read sequentially; only the slot of
 *           each key is touched at random, and prefetched.
 */

struct bitem {
	uint64_t hash;
	uint32_t idx;		/* entry index in its list */
	uint16_t feed;
	uint8_t keylen;
	uint8_t type : 2;
	uint8_t labels : 6;	/* labels of the key, at most 63 */
};

#define WHERE_MEMBER UINT32_MAX		/* written with its group's first */
#define WHERE_GROUP 0x80000000u		/* | index into groups */

struct group {				/* a key with several entries */
	size_t pos, start, end;		/* slot, sorted items [start, end) */
};

struct build {
	struct list *const *lists;
	unsigned nlists;
	size_t *base;		/* per feed: index of its first entry */
	struct bitem *items;
	size_t n;
	size_t bytes;		/* the arena if every entry had its own record */
	uint32_t *where;	/* per entry: slot, WHERE_GROUP | g, WHERE_MEMBER */
	struct group *groups;
	size_t ngroups;
	struct verr *e;
};

static inline const struct list_entry *
item_entry(const struct build *b, const struct bitem *it)
{
	return &b->lists[it->feed]->entries[it->idx];
}

static int
item_cmp(const struct build *b, const struct bitem *x, const struct bitem *y)
{
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return memcmp(item_entry(b, x)->value, item_entry(b, y)->value,
	    x->keylen);
}

static bool
item_same_key(const struct build *b, const struct bitem *x,
    const struct bitem *y)
{
	return x->hash == y->hash && item_cmp(b, x, y) == 0;
}

static int
entry_error(struct build *b, unsigned feed, size_t idx, const char *why)
{
	const struct list_entry *le = &b->lists[feed]->entries[idx];
	char q[96];

	str_quote(q, sizeof(q), le->value ? le->value : "",
	    le->value ? strlen(le->value) : 0);
	verr_set(b->e, "matcher: feed %u entry %zu (id \"%s\"): value \"%s\" %s",
	    feed, idx, le->id ? le->id : "", q, why);
	return -1;
}

static size_t
varint_len(uint32_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *
varint_put(uint8_t *p, uint32_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static size_t
entry_keylen(const struct list_entry *le, size_t vlen)
{
	return le->type == LIST_URL ? le->url_host_len : vlen;
}

/* The bytes of an entry that is the first of its record. */
static size_t
entry_size(const struct list_entry *le, unsigned feed, size_t vlen,
    size_t keylen)
{
	size_t n = 1 + (feed >= HEAD_FEED_ESC ? 2 : 0) + varint_len(le->cat) +
	    strlen(le->id ? le->id : "") + 1;

	if (le->type == LIST_URL)
		n += varint_len((uint32_t)(vlen - keylen)) + vlen - keylen;
	return n;
}

static uint8_t *
entry_write(uint8_t *p, const struct list_entry *le, unsigned feed,
    size_t keylen, bool last, uint32_t num)
{
	const char *id = le->id ? le->id : "";
	size_t idlen = strlen(id);

	*p++ = (uint8_t)(le->type | (last ? HEAD_LAST : 0) |
	    MIN(feed, HEAD_FEED_ESC) << HEAD_FEED_SHIFT);
	if (feed >= HEAD_FEED_ESC) {
		*p++ = feed & 0xff;
		*p++ = (feed >> 8) & 0xff;
	}
	p = varint_put(p, le->cat);
	if (num != UINT32_MAX) {
		*p++ = num & 0xff;
		*p++ = (num >> 8) & 0xff;
		*p++ = (num >> 16) & 0xff;
		*p++ = num >> 24;
	}
	if (le->type == LIST_URL) {
		const char *rest = le->value + keylen;
		size_t rl = strlen(rest);

		p = varint_put(p, (uint32_t)rl);
		memcpy(p, rest, rl);
		p += rl;
	}
	memcpy(p, id, idlen + 1);
	return p + idlen + 1;
}

/* Collect one item per entry, validating what the layout depends on. */
static int
build_items(struct build *b)
{
	size_t n = 0;

	b->base = calloc(b->nlists + 1, sizeof(*b->base));
	if (b->base == NULL)
		return verr_set(b->e, "matcher: out of memory"), -1;
	for (unsigned f = 0; f < b->nlists; f++) {
		const struct list *l = b->lists[f];

		b->base[f] = n;
		if (l == NULL)
			continue;
		if (l->entries == NULL && l->nentries > 0) {
			verr_set(b->e, "matcher: feed %u: the list's entries "
			    "were dropped before the matcher was built", f);
			return -1;
		}
		n += l->nentries;
	}
	b->base[b->nlists] = n;
	if (n >= WHERE_GROUP / 2) {
		verr_set(b->e, "matcher: %zu entries, more than %u", n,
		    WHERE_GROUP / 2 - 1);
		return -1;
	}
	b->items = malloc((n ? n : 1) * sizeof(*b->items));
	if (b->items == NULL) {
		verr_set(b->e, "matcher: out of memory for %zu entries", n);
		return -1;
	}
	b->n = 0;
	b->bytes = 1;			/* offset 0 means "empty slot" */
	for (unsigned f = 0; f < b->nlists; f++) {
		const struct list *l = b->lists[f];

		for (size_t i = 0; l != NULL && i < l->nentries; i++) {
			const struct list_entry *le = &l->entries[i];
			struct bitem *it = &b->items[b->n++];
			size_t vlen, klen;
			unsigned labels = 1;

			if (le->value == NULL || le->type >= LIST_NTYPES)
				return entry_error(b, f, i, "is not usable");
			vlen = strlen(le->value);
			klen = entry_keylen(le, vlen);
			if (klen == 0 || klen > KEY_MAX || klen > vlen)
				return entry_error(b, f, i,
				    "has no usable name or host");
			if (le->type == LIST_URL && klen == vlen)
				return entry_error(b, f, i, "has no path");
			for (size_t k = 0; k < klen; k++)
				labels += le->value[k] == '.';
			it->hash = hash_key(le->value, klen);
			it->idx = (uint32_t)i;
			it->feed = (uint16_t)f;
			it->keylen = (uint8_t)klen;
			it->type = le->type & 3;
			it->labels = MIN(labels, 63u) & 63;
			b->bytes += 1 + klen + entry_size(le, f, vlen, klen);
		}
	}
	return 0;
}

/* Sort items by (hash, key), stable: two LSD radix passes of 12 bits on
 * the top 24 bits of the hash (4096 buckets: the counts stay in cache and
 * the scatter writes 4096 sequential streams), then an insertion sort of
 * each run with equal top bits (about one item per run up to 16M items). */
#define SORT_BITS 12
#define SORT_BUCKETS (1u << SORT_BITS)

static inline unsigned
sort_digit(const struct bitem *it, unsigned pass)
{
	return (unsigned)(it->hash >> (64 - SORT_BITS * (2 - pass))) &
	    (SORT_BUCKETS - 1);
}

static int
build_sort(struct build *b)
{
	size_t *count = calloc(2 * SORT_BUCKETS, sizeof(*count));
	struct bitem *tmp = malloc((b->n ? b->n : 1) * sizeof(*tmp));
	struct bitem *from = b->items, *to = tmp;

	if (count == NULL || tmp == NULL) {
		free(count);
		free(tmp);
		verr_set(b->e, "matcher: out of memory sorting %zu entries",
		    b->n);
		return -1;
	}
	for (size_t i = 0; i < b->n; i++) {
		count[sort_digit(&from[i], 0)]++;
		count[SORT_BUCKETS + sort_digit(&from[i], 1)]++;
	}
	for (unsigned pass = 0; pass < 2; pass++) {
		size_t *c = count + pass * SORT_BUCKETS, sum = 0;
		struct bitem *t;

		for (unsigned k = 0; k < SORT_BUCKETS; k++) {
			size_t n = c[k];

			c[k] = sum;
			sum += n;
		}
		for (size_t i = 0; i < b->n; i++)
			to[c[sort_digit(&from[i], pass)]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	/* from == b->items again after two passes */
	for (size_t start = 0, end; start < b->n; start = end) {
		uint64_t top = from[start].hash >> (64 - 2 * SORT_BITS);

		for (end = start + 1; end < b->n &&
		    from[end].hash >> (64 - 2 * SORT_BITS) == top; end++) {
			struct bitem t = from[end];
			size_t k = end;

			for (; k > start && item_cmp(b, &from[k - 1], &t) > 0; k--)
				from[k] = from[k - 1];
			from[k] = t;
		}
	}
	free(count);
	free(tmp);
	return 0;
}

/* The end of the group of items with the same key starting at i. */
static size_t
group_end(const struct build *b, size_t i)
{
	size_t j = i + 1;

	while (j < b->n && item_same_key(b, &b->items[i], &b->items[j]))
		j++;
	return j;
}

/* Keys, entries beyond the first of each key, groups, arena bytes. */
static int
build_measure(struct build *b, size_t *nkeys, size_t *nextra, size_t *bytes)
{
	*nkeys = *nextra = 0;
	*bytes = b->bytes;
	b->ngroups = 0;
	for (size_t i = 0, j; i < b->n; i = j) {
		j = group_end(b, i);
		/* one key for the group; a number on each further entry */
		*bytes -= (j - i - 1) * (1 + b->items[i].keylen);
		*bytes += (j - i - 1) * 4;
		*nextra += j - i - 1;
		b->ngroups += j - i > 1;
		(*nkeys)++;
	}
	if (*bytes > SLOT_OFF_MASK) {
		verr_set(b->e, "matcher: %zu bytes of names and ids, more "
		    "than the %llu an offset can address", *bytes,
		    (unsigned long long)SLOT_OFF_MASK);
		return -1;
	}
	return 0;
}

/* The largest distance from home the keys get with nslots home slots. */
static size_t
build_max_dist(struct build *b, size_t nslots)
{
	struct matcher tmp = {.nslots = nslots};
	size_t next = 0, maxd = 0;

	for (size_t i = 0; i < b->n; i = group_end(b, i)) {
		size_t home = home_of(&tmp, b->items[i].hash);
		size_t pos = MAX(home, next);

		maxd = MAX(maxd, pos - home);
		next = pos + 1;
	}
	return maxd;
}

static inline size_t
item_gidx(const struct build *b, const struct bitem *it)
{
	return b->base[it->feed] + it->idx;
}

/* Every key into its slot (all but the record offset), every entry told
 * where its key went. */
static void
build_place(struct build *b, struct matcher *m)
{
	size_t next = 0, g = 0;

	for (size_t i = 0, j; i < b->n; i = j) {
		const struct bitem *it = &b->items[i];
		size_t home = home_of(m, it->hash), pos = MAX(home, next);
		unsigned types = 0;

		if (i + 16 < b->n)
			__builtin_prefetch(&b->where[item_gidx(b,
			    &b->items[i + 16])], 1);
		j = group_end(b, i);
		for (size_t k = i; k < j; k++)
			types |= 1u << b->items[k].type;
		for (unsigned t = 0; t < LIST_NTYPES; t++)
			if (types & (1u << t))
				m->labels[t] |= UINT64_C(1) << it->labels;
		m->slots[pos] = (uint64_t)(pos - home) << SLOT_DIST_SHIFT |
		    (uint64_t)types << SLOT_TYPE_SHIFT |
		    fp_of(it->hash) << SLOT_FP_SHIFT;
		m->max_dist = MAX(m->max_dist, (unsigned)(pos - home));
		next = pos + 1;
		if (j - i == 1) {
			b->where[item_gidx(b, it)] = (uint32_t)pos;
			continue;
		}
		b->groups[g] = (struct group){pos, i, j};
		b->where[item_gidx(b, it)] = WHERE_GROUP | (uint32_t)g++;
		for (size_t k = i + 1; k < j; k++)
			b->where[item_gidx(b, &b->items[k])] = WHERE_MEMBER;
	}
}

static const uint8_t type_order[LIST_NTYPES] = {LIST_HOST, LIST_DOMAIN,
    LIST_URL};

/* The record of a key with several entries: host, domain, url entries,
 * each in feed and list order (the sorted order within the group). */
static uint8_t *
group_write(struct build *b, struct matcher *m, uint8_t *p,
    const struct group *gr, size_t *extra)
{
	const struct bitem *it = &b->items[gr->start];
	size_t left = gr->end - gr->start;
	bool first = true;

	*p++ = it->keylen;
	memcpy(p, item_entry(b, it)->value, it->keylen);
	p += it->keylen;
	for (unsigned t = 0; t < LIST_NTYPES; t++) {
		for (size_t k = gr->start; k < gr->end; k++) {
			uint32_t num = UINT32_MAX;

			if (b->items[k].type != type_order[t])
				continue;
			if (!first) {
				num = (uint32_t)(m->nkeys + *extra);
				m->extra[(*extra)++] = (uint64_t)(p - m->arena);
			}
			p = entry_write(p, item_entry(b, &b->items[k]),
			    b->items[k].feed, b->items[k].keylen, --left == 0,
			    num);
			first = false;
		}
	}
	return p;
}

/* The records, in list order; each key's slot gets its offset. */
static void
build_fill(struct build *b, struct matcher *m)
{
	uint8_t *p = m->arena + 1;
	size_t extra = 0;

	for (unsigned f = 0; f < b->nlists; f++) {
		const struct list *l = b->lists[f];
		const uint32_t *where = b->where + b->base[f];

		for (size_t i = 0; l != NULL && i < l->nentries; i++) {
			const struct list_entry *le = &l->entries[i];
			uint32_t w = where[i];
			size_t off = (size_t)(p - m->arena), pos, klen;

			if (i + 16 < l->nentries && where[i + 16] < WHERE_GROUP)
				__builtin_prefetch(&m->slots[where[i + 16]], 1);
			if (w == WHERE_MEMBER)
				continue;
			if (w & WHERE_GROUP) {
				const struct group *gr = &b->groups[w & ~WHERE_GROUP];

				pos = gr->pos;
				p = group_write(b, m, p, gr, &extra);
			} else {
				pos = w;
				klen = entry_keylen(le, strlen(le->value));
				*p++ = (uint8_t)klen;
				memcpy(p, le->value, klen);
				p = entry_write(p + klen, le, f, klen, true,
				    UINT32_MAX);
			}
			m->slots[pos] |= (uint64_t)off;
		}
	}
	m->arena_len = (size_t)(p - m->arena);
}

static void
build_rank(struct matcher *m)
{
	size_t total = m->nslots + SLOT_DIST_MAX + 1, count = 0;

	for (size_t blk = 0; blk * 64 < total; blk++) {
		uint64_t bits = 0;

		for (size_t i = 0; i < 64 && blk * 64 + i < total; i++)
			if (m->slots[blk * 64 + i] != 0)
				bits |= UINT64_C(1) << i;
		m->rank[blk].bits = bits;
		m->rank[blk].base = (uint32_t)count;
		count += popcount64(bits);
	}
}

static int
build_alloc(struct build *b, struct matcher *m, size_t nslots, size_t bytes,
    size_t nextra)
{
	size_t total = nslots + SLOT_DIST_MAX + 1;

	m->nslots = nslots;
	m->slots_size = total * sizeof(*m->slots);
	m->rank_size = (total + 63) / 64 * sizeof(*m->rank);
	m->arena_size = bytes;
	m->extra_size = nextra * sizeof(*m->extra);
	m->slots = big_alloc(m->slots_size);
	m->rank = big_alloc(m->rank_size);
	m->arena = big_alloc(m->arena_size);
	m->extra = big_alloc(m->extra_size);
	b->where = malloc((b->n ? b->n : 1) * sizeof(*b->where));
	b->groups = malloc((b->ngroups ? b->ngroups : 1) * sizeof(*b->groups));
	if (m->slots == NULL || m->rank == NULL || m->arena == NULL ||
	    m->extra == NULL || b->where == NULL || b->groups == NULL) {
		verr_set(b->e, "matcher: out of memory (%zu slots, %zu bytes "
		    "of records)", total, bytes);
		return -1;
	}
	return 0;
}

static void
build_free(struct build *b)
{
	free(b->base);
	free(b->items);
	free(b->where);
	free(b->groups);
}

struct matcher *
matcher_build(struct list *const *lists, unsigned nlists, struct verr *e)
{
	struct build b = {.lists = lists, .nlists = nlists, .e = e};
	struct matcher *m = NULL;
	size_t nkeys, nextra, bytes, nslots;

	if (nlists > UINT16_MAX + 1u) {
		verr_set(e, "matcher: %u feeds, at most %u", nlists,
		    UINT16_MAX + 1u);
		return NULL;
	}
	if (build_items(&b) < 0 || build_sort(&b) < 0 ||
	    build_measure(&b, &nkeys, &nextra, &bytes) < 0)
		goto fail;
	/* a load of 85%; lower it in the (unseen) case of a long cluster */
	nslots = nkeys * 100 / LOAD_PERCENT + 1;
	while (build_max_dist(&b, nslots) > SLOT_DIST_MAX)
		nslots += nslots / 8 + 1;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		verr_set(e, "matcher: out of memory");
		goto fail;
	}
	m->nkeys = nkeys;
	m->nentries = b.n;
	m->serial = atomic_fetch_add(&matcher_serials, 1);
	if (build_alloc(&b, m, nslots, bytes, nextra) < 0)
		goto fail;
	build_place(&b, m);
	build_fill(&b, m);
	build_rank(m);
	build_free(&b);
	return m;
fail:
	matcher_free(m);
	build_free(&b);
	return NULL;
}

/* Rebuilding from a previous matcher: the entries of the kept feeds are
 * read back from its records (one pass over the arena) into lists the
 * builder reads like any other. Within a record a feed's entries of one
 * type are in list order, so "the first in the list" still wins ties. */

struct extract {
	struct list *lists;	/* per feed; entries malloc'd */
	struct arena *strings;	/* values: key + rest, NUL-terminated */
};

/* Count (fill false) or copy (fill true) the entries of the wanted feeds
 * of prev, in record order. */
static int
prev_walk(const struct matcher *prev, const bool *want, unsigned nlists,
    struct extract *x, bool fill)
{
	const uint8_t *p = prev->arena + 1, *end = prev->arena + prev->arena_len;

	while (p < end) {
		const char *key = (const char *)p + 1;
		size_t keylen = p[0];
		bool first = true;
		struct rec_entry e;

		p += 1 + keylen;
		for (;;) {
			p = entry_decode(p, first, &e);
			p = entry_next(&e);
			first = false;
			if (e.feed < nlists && want[e.feed]) {
				struct list *l = &x->lists[e.feed];
				struct list_entry *le;
				char *v;

				if (!fill) {
					l->nentries++;
				} else {
					le = &l->entries[l->nentries++];
					v = arena_alloc(x->strings,
					    keylen + e.restlen + 1);
					if (v == NULL)
						return -1;
					memcpy(v, key, keylen);
					if (e.restlen > 0)
						memcpy(v + keylen, e.rest,
						    e.restlen);
					v[keylen + e.restlen] = '\0';
					*le = (struct list_entry){.id = e.id,
					    .value = v, .cat = e.cat,
					    .url_host_len = (uint16_t)(e.type ==
					    LIST_URL ? keylen : 0),
					    .type = e.type};
				}
			}
			if (e.last)
				break;
		}
	}
	return 0;
}

static int
prev_extract(const struct matcher *prev, const bool *want, unsigned nlists,
    struct extract *x)
{
	prev_walk(prev, want, nlists, x, false);
	for (unsigned f = 0; f < nlists; f++) {
		struct list *l = &x->lists[f];

		if (!want[f])
			continue;
		l->entries = calloc(l->nentries ? l->nentries : 1,
		    sizeof(*l->entries));
		if (l->entries == NULL)
			return -1;
		l->nentries = 0;
	}
	return prev_walk(prev, want, nlists, x, true);
}

struct matcher *
matcher_rebuild(const struct matcher *prev, struct list *const *lists,
    const bool *keep, unsigned nlists, struct verr *e)
{
	struct list **use = calloc(nlists ? nlists : 1, sizeof(*use));
	bool *want = calloc(nlists ? nlists : 1, sizeof(*want));
	struct extract x = {calloc(nlists ? nlists : 1, sizeof(*x.lists)),
	    arena_new(1 << 20)};
	struct matcher *m = NULL;
	bool any = false;

	if (use == NULL || want == NULL || x.lists == NULL ||
	    x.strings == NULL) {
		verr_set(e, "matcher: out of memory");
		goto done;
	}
	for (unsigned f = 0; f < nlists; f++) {
		if (lists[f] != NULL && lists[f]->entries != NULL) {
			use[f] = lists[f];
		} else if (prev != NULL && keep != NULL && keep[f]) {
			use[f] = &x.lists[f];
			want[f] = any = true;
		}
	}
	if (any && prev_extract(prev, want, nlists, &x) < 0) {
		verr_set(e, "matcher: out of memory reading the kept feeds");
		goto done;
	}
	m = matcher_build(use, nlists, e);
done:
	for (unsigned f = 0; x.lists != NULL && f < nlists; f++)
		free(x.lists[f].entries);
	free(x.lists);
	arena_free(x.strings);
	free(want);
	free(use);
	return m;
}
