/* fuzz_flow.c - random operations on a small reassembly table.
 *
 * The input is a program: each operation picks one of 8 flows and adds
 * bytes at an offset (true bytes or other ones), advances its base,
 * releases it, feeds it a TCP packet, or moves the clock. A model of each
 * offset-fed flow (which bytes we have, relative to the base) is kept;
 * after every operation the prefix must match the model, and the table's
 * internals must be consistent: runs sorted and within the cap, the block
 * big enough, the pool's free lists and counters adding up, every flow in
 * use on its bucket chain and in the LRU lists. */
#include <assert.h>
#include <stdlib.h>

#include "../../daemon/engine/flow.c"

#define NFLOWS 8
#define CAP 600
#define TRUTH (1 << 16)

struct model {
	bool tcp;			/* fed TCP packets: no byte model */
	uint64_t base;
	uint8_t data[CAP];
	bool have[CAP];
};

static struct model models[NFLOWS];
static uint8_t truth[TRUTH + 1024];

struct reader {
	const uint8_t *p;
	size_t left;
};

static unsigned
rd(struct reader *r, unsigned bytes)
{
	unsigned v = 0;

	while (bytes-- > 0) {
		v <<= 8;
		if (r->left > 0) {
			v |= *r->p++;
			r->left--;
		}
	}
	return v;
}

static size_t
model_prefix(const struct model *m)
{
	size_t n = 0;

	while (n < CAP && m->have[n])
		n++;
	return n;
}

static void
model_add(struct model *m, uint64_t off, const uint8_t *d, size_t len,
    const struct flow_add_result *r)
{
	uint64_t s = off, e = off + len, i;
	bool conflict = false;

	if (r->flags & FLOW_ADD_FRAGMENTED)
		return;
	if (e <= m->base)
		return;
	if (s < m->base) {
		d += m->base - s;
		s = m->base;
	}
	if (e > m->base + CAP)
		e = m->base + CAP;
	for (i = s; i < e; i++) {
		if (!m->have[i - m->base]) {
			m->have[i - m->base] = true;
			m->data[i - m->base] = d[i - s];
		} else if (m->data[i - m->base] != d[i - s])
			conflict = true;
	}
	assert(conflict == !!(r->flags & FLOW_ADD_CONFLICT));
}

static void
model_advance(struct model *m, uint64_t off)
{
	uint64_t d = off - m->base, i;

	for (i = 0; i < CAP; i++) {
		m->have[i] = i + d < CAP && m->have[i + d];
		m->data[i] = i + d < CAP ? m->data[i + d] : 0;
	}
	m->base = off;
}

static void
check_model(const struct model *m, const struct flow *f)
{
	size_t len, n;
	const uint8_t *p = flow_data(f, &len);

	if (m->tcp)
		return;
	n = model_prefix(m);
	assert(len == n);
	assert(flow_base(f) == m->base);
	if (n > 0)
		assert(memcmp(p, m->data, n) == 0);
}

/* The pool: free blocks aligned, marked, and adding up with used ones. */
static void
check_pool(const struct flow_table *t)
{
	const struct pool *p = &t->pool;
	size_t free_bytes = 0, blk = (size_t)FLOW_MIN_BLOCK << p->maxorder;
	unsigned o;
	uint32_t u, prev;
	struct fblk h;

	for (o = 0; o <= p->maxorder; o++) {
		prev = NONE;
		for (u = p->freel[o]; u != NONE; u = h.next) {
			assert(u % (1u << o) == 0);
			assert(u < p->fresh << p->maxorder);
			assert(p->meta[u] == (FREE_BIT | o));
			h = fl_get(p, u);
			assert(h.prev == prev);
			prev = u;
			free_bytes += (size_t)FLOW_MIN_BLOCK << o;
		}
	}
	assert(free_bytes + p->used == (size_t)p->fresh * blk);
	assert(t->st.mem_used == p->used);
	assert(p->used <= p->memlen);
}

static void
check_table(const struct flow_table *t)
{
	size_t inuse = 0, held = 0, lru = 0, mlru = 0, chained = 0, i;
	size_t used = 0;
	uint32_t k, j;
	const struct flow *f;

	for (i = 0; i < t->nflows; i++) {
		f = &t->flows[i];
		if (!f->inuse)
			continue;
		inuse++;
		for (k = 0; k < f->nranges; k++) {
			assert(f->r[k].lo < f->r[k].hi);
			assert(f->r[k].hi <= t->cap);
			if (k > 0)
				assert(f->r[k - 1].hi < f->r[k].lo);
		}
		assert((f->block != NONE) == (f->nranges > 0));
		if (f->block != NONE) {
			held++;
			used += (size_t)FLOW_MIN_BLOCK << f->order;
			assert(((size_t)FLOW_MIN_BLOCK << f->order) >= flow_hi(f));
			assert(f->buf == unit_ptr(&t->pool, f->block));
		}
		for (j = t->buckets[f->hash & t->mask]; j != NONE;
		    j = t->flows[j].hnext)
			if (j == i)
				break;
		assert(j == i);
	}
	for (j = t->lru.head; j != NONE; j = t->flows[j].lru.next)
		lru++;
	for (j = t->mlru.head; j != NONE; j = t->flows[j].mlru.next)
		mlru++;
	for (i = 0; i <= t->mask; i++)
		for (j = t->buckets[i]; j != NONE; j = t->flows[j].hnext)
			chained++;
	assert(inuse == t->st.flows && lru == inuse && chained == inuse);
	assert(mlru == held);
	assert(used == t->pool.used);
	check_pool(t);
}

static struct flow_key
key_of(unsigned id)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = IPPROTO_TCP;
	k.src[0] = 198;
	k.src[1] = 51;
	k.src[2] = 100;
	k.src[3] = 2;
	k.sport = (uint16_t)(40000 + id);
	k.dport = 80;
	return k;
}

static void
op_add(struct flow_table *t, struct flow *f, struct model *m,
    struct reader *r)
{
	struct flow_add_result res;
	uint8_t junk[256];
	int delta = (int)rd(r, 2) - 0x1000;
	unsigned len = rd(r, 1) * 3, i, src = rd(r, 1);
	uint64_t off;
	const uint8_t *d;

	if (delta < 0 && (uint64_t)-delta > m->base)
		delta = -(int)m->base;
	off = m->base + (uint64_t)(int64_t)delta;
	if (off + len > TRUTH)
		return;
	d = truth + off;
	if (src < 16) {
		len = MIN(len, sizeof(junk));
		for (i = 0; i < len; i++)
			junk[i] = (uint8_t)rd(r, 1);
		d = junk;
	}
	flow_add(t, f, off, d, len, &res);
	assert(res.prefix_len <= t->cap);
	if (res.flags & FLOW_ADD_CONFLICT)
		assert(res.alt == t->scratch && res.alt_len == res.prefix_len);
	if (!m->tcp)
		model_add(m, off, d, len, &res);
}

static void
op_tcp(struct flow_table *t, struct flow *f, struct model *m,
    struct reader *r)
{
	struct flow_add_result res;
	struct pkt p;
	uint8_t payload[256];
	unsigned i;

	memset(&p, 0, sizeof(p));
	p.seq = rd(r, 4);
	p.tcp_flags = (uint8_t)rd(r, 1);
	p.payload_len = rd(r, 1);
	for (i = 0; i < p.payload_len; i++)
		payload[i] = (uint8_t)rd(r, 1);
	p.payload = payload;
	flow_tcp_add(t, f, &p, &res);
	assert(res.prefix_len <= t->cap);
	m->tcp = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct flow_table *t;
	struct flow_key k;
	struct flow *f;
	struct model *m;
	uint64_t now = 0;
	unsigned op, id, i;
	bool created;

	if (truth[1] == 0)
		for (i = 0; i < sizeof(truth); i++)
			truth[i] = (uint8_t)(i * 131 + (i >> 8) + 1);
	/* 6 slots for 8 flows, 4 blocks of 1 KiB: evictions happen. */
	t = flow_table_new(6, CAP, 4096);
	assert(t != NULL);
	flow_table_set_idle(t, 1000);
	memset(models, 0, sizeof(models));
	while (r.left > 0) {
		op = rd(&r, 1);
		id = op >> 5;
		now += rd(&r, 1) & 0x3f;
		k = key_of(id);
		m = &models[id];
		f = flow_lookup(t, &k, now, (op & 7) != 5, &created);
		if (f == NULL || created)
			memset(m, 0, sizeof(*m));
		if (f == NULL)
			continue;
		switch (op & 7) {
		case 0: case 1: case 2:
			op_add(t, f, m, &r);
			break;
		case 3:
			i = rd(&r, 2);
			if (!m->tcp)
				i = MIN(i, model_prefix(m) + 64);
			assert(flow_advance(t, f, flow_base(f) + i) == 0);
			if (!m->tcp)
				model_advance(m, m->base + i);
			break;
		case 4:
			flow_release(t, f);
			memset(m, 0, sizeof(*m));
			check_table(t);
			continue;
		case 5:
			break;
		case 6:
			op_tcp(t, f, m, &r);
			break;
		case 7:
			now += rd(&r, 2);
			flow_expire(t, now);
			check_table(t);
			continue;
		}
		check_model(m, f);
		check_table(t);
	}
	flow_table_free(t);
	return 0;
}
