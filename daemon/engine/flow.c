/*
 * flow.c - bounded per-flow reassembly (see flow.h for the design).
 *
 * Layout: an array of flow slots, a bucket array of slot indices (chains
 * through flow.hnext; the free slots are chained the same way), two
 * intrusive LRU lists of slot indices (all flows; flows holding a block),
 * and the stream pool: one mapping of ntop maximum-size blocks, carved by
 * a binary buddy allocator into blocks of FLOW_MIN_BLOCK << order bytes.
 * A free block keeps its free-list links in its own first 8 bytes; meta[]
 * holds one byte per FLOW_MIN_BLOCK unit, nonzero only at the head of a
 * free block (FREE_BIT | order). Top blocks are handed out from the mapping
 * in order and only when the free lists are empty, so the pages become
 * resident as they are used.
 *
 * A flow's bytes are described by up to FLOW_MAX_RANGES sorted, disjoint,
 * non-adjacent runs [lo, hi) relative to the base; the block holds the
 * stream from the base up to the last run's end.
 */
#include <endian.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "engine/flow.h"
#include "core/util.h"

#define NONE UINT32_MAX
#define UNIT_SHIFT 8			/* FLOW_MIN_BLOCK == 1 << UNIT_SHIFT */
#define FREE_BIT 0x80
#define MAX_ORDER 16			/* 256 B << 16 = 16 MiB */
#define MAX_FLOWS (1u << 24)
#define MAX_CAP (16u << 20)
#define LAZY_EXPIRE 4			/* flows expired per lookup at most */

/* TCP state bits (struct flow.tcp). */
#define TCP_S_TS	0x01		/* the SYN carried timestamps */
#define TCP_S_SIG	0x02		/* the SYN carried MD5 / AO */
#define TCP_S_TSSET	0x04		/* tsval holds an accepted timestamp */
#define TCP_S_FIN	0x08		/* the client sent FIN */
#define TCP_S_DATA	0x10		/* data was accepted */
#define TCP_S_ACK	0x20		/* ack_hi is set */
#define OLD_ACK_MAX	65535		/* how far an ACK may lag: an unscaled
					 * window (Linux: the peer's largest) */

_Static_assert(FLOW_MIN_BLOCK == 1 << UNIT_SHIFT, "unit size");
_Static_assert(FLOW_USER_SIZE % 8 == 0, "user area in words");
_Static_assert(sizeof(struct flow_key) == 40, "key without padding holes");

struct link {
	uint32_t prev, next;
};

struct list {
	uint32_t head, tail;		/* head: most recently used */
};

struct range {
	uint32_t lo, hi;
};

struct flow {
	struct flow_key key;
	uint64_t user[FLOW_USER_SIZE / 8];
	uint64_t base;			/* stream offset of the block's byte 0 */
	uint64_t last_ms;		/* last lookup */
	uint32_t hash;
	uint32_t hnext;			/* bucket chain, or free-slot chain */
	struct link lru;		/* all flows in use */
	struct link mlru;		/* flows holding a block */
	uint8_t *buf;			/* the block, NULL if none */
	uint32_t block;			/* first unit of the block, or NONE */
	uint32_t isn;			/* TCP: initial sequence number */
	uint32_t tsval;			/* TCP: newest timestamp accepted */
	uint32_t npkts;			/* TCP: packets fed */
	uint32_t ack_hi;		/* TCP: newest acknowledgment number */
	uint8_t ttl;			/* TCP: TTL / hop limit floor (SYN) */
	uint8_t tcp;			/* TCP_S_* */
	uint16_t flags;			/* FLOW_F_* */
	uint8_t order;			/* block size FLOW_MIN_BLOCK << order */
	uint8_t nranges;
	uint8_t inuse;
	struct range r[FLOW_MAX_RANGES];
};

struct pool {
	uint8_t *mem;			/* ntop << maxorder units */
	size_t memlen;
	uint8_t *meta;			/* one byte per unit */
	uint32_t freel[MAX_ORDER + 1];	/* free-list heads per order */
	uint32_t ntop;			/* maximum-size blocks */
	uint32_t fresh;			/* top blocks never handed out yet */
	unsigned maxorder;
	size_t used;
};

struct flow_table {
	struct flow *flows;
	uint32_t nflows;
	uint32_t freeslot;		/* chain of free slots */
	uint32_t *buckets;
	uint32_t mask;
	struct list lru, mlru;
	uint64_t key[2];		/* SipHash key */
	uint64_t idle_ms, hold_ms;
	size_t cap;			/* per-flow byte cap */
	uint8_t *scratch;		/* cap bytes: the alternative prefix */
	struct pool pool;
	struct flow_stats st;
};

/* SipHash (Aumasson and Bernstein), c compression and d finalisation
 * rounds; 1-3 for the table. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

uint64_t
flow_siphash(const uint64_t key[2], const void *data, size_t len,
    int crounds, int drounds)
{
	const uint8_t *p = data;
	uint64_t v[4], m, b;
	size_t i, words = len / 8;
	int k;

	v[0] = key[0] ^ 0x736f6d6570736575ULL;
	v[1] = key[1] ^ 0x646f72616e646f6dULL;
	v[2] = key[0] ^ 0x6c7967656e657261ULL;
	v[3] = key[1] ^ 0x7465646279746573ULL;
	for (i = 0; i < words; i++, p += 8) {
		memcpy(&m, p, 8);
		m = le64toh(m);
		v[3] ^= m;
		for (k = 0; k < crounds; k++)
			sipround(v);
		v[0] ^= m;
	}
	b = (uint64_t)len << 56;
	for (i = 0; i < len % 8; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v[3] ^= b;
	for (k = 0; k < crounds; k++)
		sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (k = 0; k < drounds; k++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The buddy pool. */

struct fblk {
	uint32_t next, prev;
};

static inline uint8_t *
unit_ptr(const struct pool *p, uint32_t u)
{
	return p->mem + ((size_t)u << UNIT_SHIFT);
}

static void
fl_set(struct pool *p, uint32_t u, const struct fblk *h)
{
	memcpy(unit_ptr(p, u), h, sizeof(*h));
}

static struct fblk
fl_get(const struct pool *p, uint32_t u)
{
	struct fblk h;

	memcpy(&h, unit_ptr(p, u), sizeof(h));
	return h;
}

static void
fl_push(struct pool *p, unsigned order, uint32_t u)
{
	struct fblk h = { p->freel[order], NONE }, n;

	if (h.next != NONE) {
		n = fl_get(p, h.next);
		n.prev = u;
		fl_set(p, h.next, &n);
	}
	fl_set(p, u, &h);
	p->freel[order] = u;
	p->meta[u] = FREE_BIT | order;
}

static void
fl_remove(struct pool *p, unsigned order, uint32_t u)
{
	struct fblk h = fl_get(p, u), x;

	if (h.prev != NONE) {
		x = fl_get(p, h.prev);
		x.next = h.next;
		fl_set(p, h.prev, &x);
	} else
		p->freel[order] = h.next;
	if (h.next != NONE) {
		x = fl_get(p, h.next);
		x.prev = h.prev;
		fl_set(p, h.next, &x);
	}
	p->meta[u] = 0;
}

static uint32_t
pool_alloc(struct pool *p, unsigned order)
{
	unsigned o;
	uint32_t u;

	for (o = order; o <= p->maxorder; o++)
		if (p->freel[o] != NONE)
			break;
	if (o <= p->maxorder) {
		u = p->freel[o];
		fl_remove(p, o, u);
	} else if (p->fresh < p->ntop) {
		u = p->fresh++ << p->maxorder;
		o = p->maxorder;
	} else
		return NONE;
	while (o > order) {
		o--;
		fl_push(p, o, u + (1u << o));
	}
	p->used += (size_t)FLOW_MIN_BLOCK << order;
	return u;
}

static void
pool_free(struct pool *p, uint32_t u, unsigned order)
{
	uint32_t b;

	p->used -= (size_t)FLOW_MIN_BLOCK << order;
	while (order < p->maxorder) {
		b = u ^ (1u << order);
		if (p->meta[b] != (FREE_BIT | order))
			break;
		fl_remove(p, order, b);
		u &= ~(1u << order);
		order++;
	}
	fl_push(p, order, u);
}

static unsigned
order_for(size_t need)
{
	unsigned o = 0;

	while (((size_t)FLOW_MIN_BLOCK << o) < need)
		o++;
	return o;
}

/* Intrusive LRU lists of slot indices. */

static struct link *
link_of(struct flow_table *t, uint32_t i, int m)
{
	return m ? &t->flows[i].mlru : &t->flows[i].lru;
}

static void
list_unlink(struct flow_table *t, struct list *l, uint32_t i, int m)
{
	struct link *k = link_of(t, i, m);

	if (k->prev != NONE)
		link_of(t, k->prev, m)->next = k->next;
	else
		l->head = k->next;
	if (k->next != NONE)
		link_of(t, k->next, m)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = NONE;
}

static void
list_push(struct flow_table *t, struct list *l, uint32_t i, int m)
{
	struct link *k = link_of(t, i, m);

	k->prev = NONE;
	k->next = l->head;
	if (l->head != NONE)
		link_of(t, l->head, m)->prev = i;
	else
		l->tail = i;
	l->head = i;
}

static inline uint32_t
slot_of(const struct flow_table *t, const struct flow *f)
{
	return (uint32_t)(f - t->flows);
}

static inline uint8_t *
flow_buf(const struct flow_table *t, const struct flow *f)
{
	(void)t;
	return f->buf;
}

static void
flow_set_block(struct flow_table *t, struct flow *f, uint32_t u, unsigned o)
{
	f->block = u;
	f->buf = u == NONE ? NULL : unit_ptr(&t->pool, u);
	f->order = (uint8_t)o;
	t->st.mem_used = t->pool.used;
}

static inline uint32_t
flow_hi(const struct flow *f)
{
	return f->nranges ? f->r[f->nranges - 1].hi : 0;
}

static inline uint32_t
flow_prefix(const struct flow *f)
{
	return f->nranges && f->r[0].lo == 0 ? f->r[0].hi : 0;
}

static void
flow_drop_block(struct flow_table *t, struct flow *f)
{
	if (f->block == NONE)
		return;
	pool_free(&t->pool, f->block, f->order);
	list_unlink(t, &t->mlru, slot_of(t, f), 1);
	flow_set_block(t, f, NONE, 0);
}

/* Table. */

static bool
pool_init(struct pool *p, size_t cap, size_t memory_cap)
{
	size_t blk, units;
	unsigned o;

	p->maxorder = order_for(cap);
	blk = (size_t)FLOW_MIN_BLOCK << p->maxorder;
	p->ntop = memory_cap / blk < 2 ? 2 : memory_cap / blk;
	units = (size_t)p->ntop << p->maxorder;
	if (units >= NONE || p->ntop > units)
		return false;
	p->memlen = units << UNIT_SHIFT;
	p->mem = mmap(NULL, p->memlen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return false;
	}
	if ((p->meta = calloc(units, 1)) == NULL)
		return false;
	for (o = 0; o <= MAX_ORDER; o++)
		p->freel[o] = NONE;
	return true;
}

static void
table_key(struct flow_table *t)
{
	if (getrandom(t->key, sizeof(t->key), 0) == (ssize_t)sizeof(t->key))
		return;
	t->key[0] = now_mono_ns() ^ (uint64_t)(uintptr_t)t;
	t->key[1] = now_mono_ns() * 0x9e3779b97f4a7c15ULL;
}

struct flow_table *
flow_table_new(size_t max_flows, size_t flow_bytes_cap, size_t memory_cap)
{
	struct flow_table *t;
	size_t nb = 1, i;

	if (max_flows == 0 || max_flows > MAX_FLOWS || flow_bytes_cap == 0 ||
	    flow_bytes_cap > MAX_CAP)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	while (nb < max_flows)
		nb <<= 1;
	t->nflows = (uint32_t)max_flows;
	t->mask = (uint32_t)(nb - 1);
	t->cap = flow_bytes_cap;
	t->idle_ms = FLOW_IDLE_MS;
	t->hold_ms = FLOW_HOLD_MS;
	t->flows = calloc(max_flows, sizeof(*t->flows));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->scratch = malloc(flow_bytes_cap);
	if (t->flows == NULL || t->buckets == NULL || t->scratch == NULL ||
	    !pool_init(&t->pool, flow_bytes_cap, memory_cap)) {
		flow_table_free(t);
		return NULL;
	}
	for (i = 0; i < nb; i++)
		t->buckets[i] = NONE;
	for (i = 0; i < max_flows; i++)
		t->flows[i].hnext = i + 1 < max_flows ? (uint32_t)i + 1 : NONE;
	t->freeslot = 0;
	t->lru.head = t->lru.tail = t->mlru.head = t->mlru.tail = NONE;
	t->st.max_flows = max_flows;
	t->st.mem_cap = t->pool.memlen;
	table_key(t);
	return t;
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	if (t->pool.mem != NULL)
		munmap(t->pool.mem, t->pool.memlen);
	free(t->pool.meta);
	free(t->scratch);
	free(t->buckets);
	free(t->flows);
	free(t);
}

void
flow_table_set_idle(struct flow_table *t, uint64_t idle_ms)
{
	t->idle_ms = idle_ms;
}

void
flow_table_set_hold(struct flow_table *t, uint64_t hold_ms)
{
	t->hold_ms = hold_ms;
}

const struct flow_stats *
flow_table_stats(const struct flow_table *t)
{
	return &t->st;
}

size_t
flow_table_cap(const struct flow_table *t)
{
	return t->cap;
}

void
flow_key_set(struct flow_key *k, const struct pkt *p)
{
	size_t alen = p->family == 6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src, alen);
	memcpy(k->dst, p->dst, alen);
	k->sport = p->sport;
	k->dport = p->dport;
	k->family = p->family;
	k->proto = p->l4proto;
}

static void
bucket_unlink(struct flow_table *t, struct flow *f)
{
	uint32_t i = slot_of(t, f), *pp = &t->buckets[f->hash & t->mask];

	while (*pp != NONE && *pp != i)
		pp = &t->flows[*pp].hnext;
	if (*pp == i)
		*pp = f->hnext;
}

/* Release slot f: its block, its links; back on the free chain. */
static void
flow_free_slot(struct flow_table *t, struct flow *f)
{
	flow_drop_block(t, f);
	bucket_unlink(t, f);
	list_unlink(t, &t->lru, slot_of(t, f), 0);
	f->inuse = 0;
	f->hnext = t->freeslot;
	t->freeslot = slot_of(t, f);
	t->st.flows--;
}

void
flow_release(struct flow_table *t, struct flow *f)
{
	if (f == NULL || !f->inuse)
		return;
	flow_free_slot(t, f);
	t->st.released++;
}

static inline bool
idle_for(const struct flow *f, uint64_t now, uint64_t ms)
{
	return now > f->last_ms && now - f->last_ms > ms;
}

static inline bool
flow_idle(const struct flow_table *t, const struct flow *f, uint64_t now)
{
	return idle_for(f, now, (f->flags & FLOW_F_HOLD) ?
	    MAX(t->hold_ms, t->idle_ms) : t->idle_ms);
}

/* Expire idle flows from the LRU tail. A held flow past the idle timeout
 * but within its hold goes to the head (its last use unchanged), so the
 * flows behind it still expire; at most as many moves as flows. */
static size_t
expire_some(struct flow_table *t, uint64_t now, size_t max)
{
	size_t n = 0, moved = 0;
	uint32_t i;
	struct flow *f;

	while (n < max && (i = t->lru.tail) != NONE) {
		f = &t->flows[i];
		if (!flow_idle(t, f, now)) {
			if (!(f->flags & FLOW_F_HOLD) || moved >= t->st.flows ||
			    !idle_for(f, now, t->idle_ms) || t->lru.head == i)
				break;
			list_unlink(t, &t->lru, i, 0);
			list_push(t, &t->lru, i, 0);
			moved++;
			continue;
		}
		flow_free_slot(t, f);
		t->st.expired++;
		n++;
	}
	return n;
}

size_t
flow_expire(struct flow_table *t, uint64_t now_ms)
{
	return expire_some(t, now_ms, SIZE_MAX);
}

static void
flow_touch(struct flow_table *t, struct flow *f, uint64_t now)
{
	uint32_t i = slot_of(t, f);

	f->last_ms = now;
	if (t->lru.head != i) {
		list_unlink(t, &t->lru, i, 0);
		list_push(t, &t->lru, i, 0);
	}
	if (f->block != NONE && t->mlru.head != i) {
		list_unlink(t, &t->mlru, i, 1);
		list_push(t, &t->mlru, i, 1);
	}
}

static struct flow *
flow_new(struct flow_table *t, const struct flow_key *k, uint32_t h,
    uint64_t now)
{
	struct flow *f;
	uint32_t i;

	if (t->freeslot == NONE) {
		flow_free_slot(t, &t->flows[t->lru.tail]);
		t->st.evicted_full++;
	}
	i = t->freeslot;
	f = &t->flows[i];
	t->freeslot = f->hnext;
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = h;
	f->last_ms = now;
	f->block = NONE;
	f->inuse = 1;
	f->lru.prev = f->lru.next = f->mlru.prev = f->mlru.next = NONE;
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = i;
	list_push(t, &t->lru, i, 0);
	t->st.flows++;
	t->st.created++;
	return f;
}

struct flow *
flow_lookup(struct flow_table *t, const struct flow_key *k, uint64_t now_ms,
    bool create, bool *created)
{
	uint32_t h, i;
	struct flow *f;

	if (created != NULL)
		*created = false;
	expire_some(t, now_ms, LAZY_EXPIRE);
	h = (uint32_t)flow_siphash(t->key, k, sizeof(*k), 1, 3);
	for (i = t->buckets[h & t->mask]; i != NONE; i = f->hnext) {
		f = &t->flows[i];
		if (f->hash == h && memcmp(&f->key, k, sizeof(*k)) == 0)
			break;
	}
	if (i != NONE) {
		if (!flow_idle(t, f, now_ms)) {
			flow_touch(t, f, now_ms);
			return f;
		}
		flow_free_slot(t, f);
		t->st.expired++;
	}
	if (!create)
		return NULL;
	if (created != NULL)
		*created = true;
	return flow_new(t, k, h, now_ms);
}

/*
 * Make f's block hold at least need bytes, evicting the least recently
 * used other flows holding blocks while the pool has none to give.
 */
static void
flow_grow(struct flow_table *t, struct flow *f, size_t need)
{
	unsigned o;
	uint32_t u, victim, self = slot_of(t, f);

	if (f->block != NONE && ((size_t)FLOW_MIN_BLOCK << f->order) >= need)
		return;
	o = order_for(need);
	while ((u = pool_alloc(&t->pool, o)) == NONE) {
		victim = t->mlru.tail;
		if (victim == self)
			victim = t->flows[victim].mlru.prev;
		if (victim == NONE)
			abort();	/* cannot happen: ntop >= 2 */
		flow_free_slot(t, &t->flows[victim]);
		t->st.evicted_mem++;
	}
	if (f->block != NONE) {
		memcpy(unit_ptr(&t->pool, u), flow_buf(t, f), flow_hi(f));
		pool_free(&t->pool, f->block, f->order);
	} else
		list_push(t, &t->mlru, self, 1);
	flow_set_block(t, f, u, o);
}

/* Compare [s, e) of the new bytes with what runs [i, je) already hold;
 * widen [*clo, *chi) over every differing byte. */
static void
flow_compare(const struct flow_table *t, const struct flow *f, uint32_t s,
    uint32_t e, const uint8_t *d, uint32_t i, uint32_t je, uint32_t *clo,
    uint32_t *chi)
{
	const uint8_t *buf = flow_buf(t, f);
	uint32_t k, x, lo, hi;

	for (k = i; k < je; k++) {
		lo = MAX(s, f->r[k].lo);
		hi = MIN(e, f->r[k].hi);
		if (lo >= hi || memcmp(buf + lo, d + (lo - s), hi - lo) == 0)
			continue;
		for (x = lo; x < hi; x++) {
			if (buf[x] == d[x - s])
				continue;
			if (*clo > x)
				*clo = x;
			*chi = x + 1;
		}
	}
}

/* Copy the new bytes into the holes around runs [i, je). */
static void
flow_fill(struct flow_table *t, struct flow *f, uint32_t s, uint32_t e,
    const uint8_t *d, uint32_t i, uint32_t je)
{
	uint8_t *buf = flow_buf(t, f);
	uint32_t k, pos = s, stop;

	for (k = i; k < je; k++) {
		stop = MIN(f->r[k].lo, e);
		if (stop > pos)
			memcpy(buf + pos, d + (pos - s), stop - pos);
		pos = MAX(pos, f->r[k].hi);
	}
	if (pos < e)
		memcpy(buf + pos, d + (pos - s), e - pos);
}

/* Replace runs [i, je) by one run covering them and [lo, hi); when i == je
 * insert [lo, hi) at i. */
static void
flow_merge(struct flow *f, uint32_t i, uint32_t je, uint32_t lo, uint32_t hi)
{
	uint32_t n = f->nranges;

	if (i == je) {
		memmove(&f->r[i + 1], &f->r[i], (n - i) * sizeof(f->r[0]));
		n++;
	} else {
		lo = MIN(lo, f->r[i].lo);
		hi = MAX(hi, f->r[je - 1].hi);
		memmove(&f->r[i + 1], &f->r[je], (n - je) * sizeof(f->r[0]));
		n -= je - i - 1;
	}
	f->r[i].lo = lo;
	f->r[i].hi = hi;
	f->nranges = (uint8_t)n;
}

static void
flow_conflict(struct flow_table *t, struct flow *f, uint32_t s, uint32_t e,
    const uint8_t *d, uint32_t clo, uint32_t chi, struct flow_add_result *r)
{
	uint32_t plen = flow_prefix(f);

	f->flags |= FLOW_F_CONFLICT;
	t->st.conflicts++;
	r->flags |= FLOW_ADD_CONFLICT;
	r->conflict_off = f->base + clo;
	r->conflict_len = chi - clo;
	if (plen > 0)
		memcpy(t->scratch, flow_buf(t, f), plen);
	if (s < plen)
		memcpy(t->scratch + s, d, MIN(e, plen) - s);
	r->alt = t->scratch;
	r->alt_len = plen;
}

/* Add bytes d at [s, e) relative to the base, 0 <= s < e <= cap. */
static void
flow_add_rel(struct flow_table *t, struct flow *f, uint32_t s, uint32_t e,
    const uint8_t *d, struct flow_add_result *r)
{
	uint32_t i, je, n = f->nranges, before = flow_prefix(f);
	uint32_t clo = UINT32_MAX, chi = 0;

	/* Runs [i, je) touch or overlap [s, e). */
	for (i = 0; i < n && f->r[i].hi < s; i++)
		;
	for (je = i; je < n && f->r[je].lo <= e; je++)
		;
	if (je == i && n >= FLOW_MAX_RANGES) {
		f->flags |= FLOW_F_FRAGMENTED;
		t->st.fragmented++;
		r->flags |= FLOW_ADD_FRAGMENTED;
		r->prefix_len = before;
		return;
	}
	flow_compare(t, f, s, e, d, i, je, &clo, &chi);
	if (je > i && f->r[i].lo <= s && f->r[i].hi >= e) {
		r->flags |= FLOW_ADD_OLD;	/* all stored already */
	} else {
		flow_grow(t, f, MAX(e, flow_hi(f)));
		flow_fill(t, f, s, e, d, i, je);
		flow_merge(f, i, je, s, e);
		r->flags |= FLOW_ADD_STORED;
	}
	r->prefix_len = flow_prefix(f);
	if (r->prefix_len > before)
		r->flags |= FLOW_ADD_GREW;
	if (chi > 0)
		flow_conflict(t, f, s, e, d, clo, chi, r);
}

/* flow_add() keeping the TCP flags flow_tcp_add() has set already. */
static void
flow_add_tcp(struct flow_table *t, struct flow *f, uint64_t off,
    const uint8_t *data, size_t len, struct flow_add_result *r, unsigned keep)
{
	uint64_t end, rs, re;

	memset(r, 0, sizeof(*r));
	r->flags = keep;
	if (len > UINT64_MAX - off)
		len = UINT64_MAX - off;
	end = off + len;
	if (len == 0 || end <= f->base) {
		if (len > 0)
			r->flags |= FLOW_ADD_OLD;
		r->prefix_len = flow_prefix(f);
		return;
	}
	if (off < f->base) {
		data += f->base - off;
		off = f->base;
	}
	rs = off - f->base;
	re = end - f->base;
	if (re > t->cap) {
		f->flags |= FLOW_F_OVER_CAP;
		t->st.over_cap++;
		r->flags |= FLOW_ADD_OVER_CAP;
		re = t->cap;
	}
	if (rs >= re) {
		r->prefix_len = flow_prefix(f);
		return;
	}
	flow_add_rel(t, f, (uint32_t)rs, (uint32_t)re, data, r);
}

void
flow_add(struct flow_table *t, struct flow *f, uint64_t off,
    const uint8_t *data, size_t len, struct flow_add_result *r)
{
	flow_add_tcp(t, f, off, data, len, r, 0);
}

/* Restart f's stream for a new connection on the same 5-tuple. */
static void
stream_restart(struct flow_table *t, struct flow *f)
{
	flow_drop_block(t, f);
	f->nranges = 0;
	f->base = 0;
	f->flags &= FLOW_F_HOLD;
	f->tcp = 0;
	f->tsval = 0;
	memset(f->user, 0, sizeof(f->user));
}

void
flow_restart(struct flow_table *t, struct flow *f)
{
	stream_restart(t, f);
	f->flags = 0;
	f->npkts = 0;
	f->isn = 0;
	f->ttl = 0;
}

uint32_t
flow_packets(const struct flow *f)
{
	return f->npkts;
}

uint32_t
flow_isn(const struct flow *f)
{
	return f->isn;
}

void
flow_set_hold(struct flow *f, bool hold)
{
	if (hold)
		f->flags |= FLOW_F_HOLD;
	else
		f->flags &= (uint16_t)~FLOW_F_HOLD;
}

/* The options a SYN negotiates, and its TTL as the floor. */
static void
tcp_syn_state(struct flow *f, const struct pkt *p)
{
	f->tcp = 0;
	if (p->tcp_opts & PKT_OPT_TS)
		f->tcp |= TCP_S_TS;
	if (p->tcp_opts & PKT_OPT_SIG)
		f->tcp |= TCP_S_SIG;
	f->ttl = p->ttl;
}

/* A SYN (rule 2 of the invariant). */
static void
tcp_syn(struct flow_table *t, struct flow *f, const struct pkt *p,
    struct flow_add_result *r)
{
	if (p->payload_len > 0) {
		r->drop = FLOW_DROP_SYN_DATA;
		return;
	}
	if (f->flags & FLOW_F_ISN) {
		if (p->seq == f->isn) {		/* retransmitted */
			f->ttl = MAX(f->ttl, p->ttl);
			return;
		}
		/* the server keeps the first ISN (an established connection
		 * ignores the SYN; a half-open one drops it when it is out of
		 * its window): only after the client's FIN is it a new one */
		if (!(f->tcp & TCP_S_FIN)) {
			r->drop = FLOW_DROP_SYN_ISN;
			return;
		}
		stream_restart(t, f);
		r->flags |= FLOW_ADD_RESET;
	}
	f->isn = p->seq;
	f->flags |= FLOW_F_ISN;
	tcp_syn_state(f, p);
	r->flags |= FLOW_ADD_SYN;
}

/* The stream offset of sequence number seq, unwrapped around the base
 * (negative: before the stream start). */
static int64_t
tcp_offset(const struct flow *f, uint32_t seq)
{
	uint32_t rel = seq - f->isn - 1;

	return (int64_t)f->base + (int32_t)(rel - (uint32_t)f->base);
}

/* The next expected stream offset: the end of the prefix (a TCP stream has
 * no holes), one more after a FIN. */
static uint64_t
tcp_next(const struct flow *f)
{
	return f->base + flow_prefix(f);
}

/* Segments the server would discard (rule 3), then RSTs (rule 2). */
static enum flow_drop
tcp_check(const struct flow *f, const struct pkt *p)
{
	if ((p->tcp_opts & PKT_OPT_SIG) && !(f->tcp & TCP_S_SIG))
		return FLOW_DROP_SIG;
	if ((f->tcp & (TCP_S_TS | TCP_S_TSSET)) == (TCP_S_TS | TCP_S_TSSET) &&
	    (p->tcp_opts & PKT_OPT_TS) && (int32_t)(p->tsval - f->tsval) < 0 &&
	    !(p->tcp_flags & PKT_TCP_RST))
		return FLOW_DROP_PAWS;
	if (!(p->tcp_flags & (PKT_TCP_ACK | PKT_TCP_RST)))
		return FLOW_DROP_NOACK;
	if ((p->tcp_flags & PKT_TCP_URG) && p->payload_len > 0)
		return FLOW_DROP_URG;
	if ((f->tcp & TCP_S_ACK) && (p->tcp_flags & PKT_TCP_ACK) &&
	    !(p->tcp_flags & PKT_TCP_RST) &&
	    (int32_t)(p->ack - f->ack_hi) < -OLD_ACK_MAX)
		return FLOW_DROP_OLD_ACK;
	return FLOW_DROP_NONE;
}

/* A RST releases the flow only at the next sequence number (after a FIN:
 * the FIN's own number counts). */
static void
tcp_rst(const struct flow *f, const struct pkt *p, struct flow_add_result *r)
{
	int64_t off = tcp_offset(f, p->seq);
	uint64_t next = tcp_next(f);

	if (off >= 0 && ((uint64_t)off == next ||
	    ((f->tcp & TCP_S_FIN) && (uint64_t)off == next + 1)))
		r->flags |= FLOW_ADD_RELEASE;
	else
		r->drop = FLOW_DROP_RST;
}

/* Do the len bytes d at stream offset off (< next) equal what was stored?
 * Bytes before the base were consumed: they cannot be compared, and the
 * server holds the first copy of them. */
static bool
tcp_same(const struct flow *f, uint64_t off, const uint8_t *d, uint64_t len)
{
	uint64_t next = tcp_next(f), s = MAX(off, f->base);
	uint64_t e = MIN(off + len, next);

	if (s >= e)
		return true;
	return memcmp(f->buf + (s - f->base), d + (s - off), e - s) == 0;
}

/* Data at stream offset off (rule 1). */
static void
tcp_data(struct flow_table *t, struct flow *f, int64_t off,
    const uint8_t *d, size_t len, struct flow_add_result *r)
{
	uint64_t next = tcp_next(f), uoff;

	if (off < 0) {
		r->drop = FLOW_DROP_WINDOW;
		return;
	}
	uoff = (uint64_t)off;
	if (uoff > next) {
		r->drop = FLOW_DROP_AHEAD;
		return;
	}
	if (!tcp_same(f, uoff, d, len)) {
		f->flags |= FLOW_F_CONFLICT;
		t->st.conflicts++;
		r->drop = FLOW_DROP_CONFLICT;
		return;
	}
	if (uoff + len <= next) {
		r->flags |= FLOW_ADD_OLD;
		r->prefix_len = flow_prefix(f);
		return;
	}
	f->tcp |= TCP_S_DATA;
	d += next - uoff;
	len -= (size_t)(next - uoff);
	flow_add_tcp(t, f, next, d, len, r, r->flags);
}

void
flow_tcp_add(struct flow_table *t, struct flow *f, const struct pkt *p,
    struct flow_add_result *r)
{
	memset(r, 0, sizeof(*r));
	f->npkts++;
	if (p->tcp_flags & PKT_TCP_SYN) {
		tcp_syn(t, f, p, r);
		r->prefix_len = flow_prefix(f);
		return;
	}
	if (!(f->flags & FLOW_F_ISN)) {
		if (p->payload_len == 0 || (p->tcp_flags & PKT_TCP_RST))
			return;
		f->isn = p->seq - 1;
		f->flags |= FLOW_F_ISN | FLOW_F_MIDSTREAM;
		tcp_syn_state(f, p);
		r->flags |= FLOW_ADD_MIDSTREAM;
		t->st.midstream++;
	}
	if (p->ttl < f->ttl) {
		r->drop = FLOW_DROP_TTL;
		return;
	}
	/* the floor rises to the highest TTL seen: a decoy SYN with a low
	 * TTL that restarted the flow does not keep it low */
	f->ttl = p->ttl;
	if ((r->drop = tcp_check(f, p)) != FLOW_DROP_NONE)
		return;
	if (p->tcp_flags & PKT_TCP_RST) {
		tcp_rst(f, p, r);
		return;
	}
	if (p->payload_len > 0)
		tcp_data(t, f, tcp_offset(f, p->seq), p->payload,
		    p->payload_len, r);
	if (r->drop != FLOW_DROP_NONE)
		return;
	if (p->tcp_opts & PKT_OPT_TS) {
		f->tsval = p->tsval;
		f->tcp |= TCP_S_TSSET;
	}
	if (p->tcp_flags & PKT_TCP_FIN)
		f->tcp |= TCP_S_FIN;
	if ((p->tcp_flags & PKT_TCP_ACK) && (!(f->tcp & TCP_S_ACK) ||
	    (int32_t)(p->ack - f->ack_hi) > 0)) {
		f->ack_hi = p->ack;
		f->tcp |= TCP_S_ACK;
	}
	r->prefix_len = flow_prefix(f);
}

const uint8_t *
flow_data(const struct flow *f, size_t *len)
{
	*len = flow_prefix(f);
	return *len ? f->buf : NULL;
}

uint64_t
flow_base(const struct flow *f)
{
	return f->base;
}

uint64_t
flow_end(const struct flow *f)
{
	return f->base + flow_hi(f);
}

unsigned
flow_flags(const struct flow *f)
{
	return f->flags;
}

void *
flow_user(struct flow *f)
{
	return f->user;
}

const struct flow_key *
flow_key(const struct flow *f)
{
	return &f->key;
}

int
flow_advance(struct flow_table *t, struct flow *f, uint64_t off)
{
	uint64_t d;
	uint32_t hi = flow_hi(f), k, n = 0, u;
	unsigned o;
	uint8_t *buf;

	if (off < f->base)
		return -1;
	d = off - f->base;
	f->base = off;
	if (d == 0)
		return 0;
	if (d >= hi) {
		flow_drop_block(t, f);
		f->nranges = 0;
		return 0;
	}
	buf = flow_buf(t, f);
	memmove(buf, buf + d, hi - d);
	for (k = 0; k < f->nranges; k++) {
		if (f->r[k].hi <= d)
			continue;
		f->r[n].lo = f->r[k].lo > d ? f->r[k].lo - (uint32_t)d : 0;
		f->r[n].hi = f->r[k].hi - (uint32_t)d;
		n++;
	}
	f->nranges = (uint8_t)n;
	o = order_for(hi - d);
	if (o < f->order && (u = pool_alloc(&t->pool, o)) != NONE) {
		memcpy(unit_ptr(&t->pool, u), buf, hi - d);
		pool_free(&t->pool, f->block, f->order);
		flow_set_block(t, f, u, o);
	}
	return 0;
}
