/* test_flow.c - the reassembly table: in-order and out-of-order segments
 * (every permutation), overlaps that agree and that disagree, holes, the
 * per-flow cap, the memory cap and eviction, expiry, a full table, advancing
 * the base (keep-alive), TCP sequence numbers (SYN, wrap, mid-stream start,
 * a new ISN), and a randomised run against an array model of the stream. */
#include "unit.h"

#include <netinet/in.h>

#include "engine/flow.h"
#include "core/util.h"

static const uint8_t addr4_a[4] = { 198, 51, 100, 2 };
static const uint8_t addr4_b[4] = { 203, 0, 113, 2 };

static struct flow_key
mkkey(uint16_t sport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, addr4_a, 4);
	memcpy(k.dst, addr4_b, 4);
	k.sport = sport;
	k.dport = 80;
	k.family = 4;
	k.proto = IPPROTO_TCP;
	return k;
}

static struct flow *
get(struct flow_table *t, uint16_t sport, uint64_t now)
{
	struct flow_key k = mkkey(sport);

	return flow_lookup(t, &k, now, true, NULL);
}

static struct flow *
find(struct flow_table *t, uint16_t sport, uint64_t now)
{
	struct flow_key k = mkkey(sport);

	return flow_lookup(t, &k, now, false, NULL);
}

/* A message of n bytes: a recognisable pattern. */
static void
fill(uint8_t *b, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)('a' + (i * 7 + seed) % 26);
}

static void
assert_prefix(struct flow *f, const uint8_t *want, size_t n)
{
	size_t len;
	const uint8_t *p = flow_data(f, &len);

	assert_int_equal(len, n);
	if (n > 0)
		assert_memory_equal(p, want, n);
	else
		assert_null(p);
}

static void
test_in_order(void **state)
{
	struct flow_table *t = flow_table_new(16, 16384, 1 << 20);
	struct flow_add_result r;
	uint8_t msg[3000];
	struct flow *f;
	size_t off;
	bool created;
	struct flow_key k = mkkey(1000);

	(void)state;
	assert_non_null(t);
	fill(msg, sizeof(msg), 1);
	f = flow_lookup(t, &k, 0, true, &created);
	assert_non_null(f);
	assert_true(created);
	assert_prefix(f, msg, 0);
	for (off = 0; off < sizeof(msg); off += 100) {
		flow_add(t, f, off, msg + off, 100, &r);
		assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
		assert_int_equal(r.prefix_len, off + 100);
		assert_prefix(f, msg, off + 100);
	}
	assert_int_equal(flow_end(f), sizeof(msg));
	assert_int_equal(flow_base(f), 0);
	/* The same flow comes back; the block grew to 4 KiB. */
	assert_ptr_equal(flow_lookup(t, &k, 1, false, &created), f);
	assert_false(created);
	assert_int_equal(flow_table_stats(t)->mem_used, 4096);
	flow_release(t, f);
	assert_int_equal(flow_table_stats(t)->mem_used, 0);
	assert_int_equal(flow_table_stats(t)->flows, 0);
	assert_null(find(t, 1000, 2));
	flow_table_free(t);
}

/* Five segments in every order: the prefix is always the longest run from
 * 0 that has arrived, GREW exactly when it lengthens, and the end result
 * is the message. */
static void
permute(unsigned *a, unsigned n, unsigned k, void (*fn)(const unsigned *))
{
	unsigned i, x;

	if (k == n) {
		fn(a);
		return;
	}
	for (i = k; i < n; i++) {
		x = a[k]; a[k] = a[i]; a[i] = x;
		permute(a, n, k + 1, fn);
		x = a[k]; a[k] = a[i]; a[i] = x;
	}
}

#define NSEG 5
static const size_t seg_off[NSEG + 1] = { 0, 37, 300, 301, 1100, 2000 };
static uint8_t perm_msg[2000];
static unsigned nperms;

static void
run_order(const unsigned *order)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	struct flow *f = get(t, 1, 0);
	bool have[NSEG] = { false };
	size_t want, before = 0;
	unsigned i, s;

	for (i = 0; i < NSEG; i++) {
		s = order[i];
		flow_add(t, f, seg_off[s], perm_msg + seg_off[s],
		    seg_off[s + 1] - seg_off[s], &r);
		have[s] = true;
		for (want = 0, s = 0; s < NSEG && have[s]; s++)
			want = seg_off[s + 1];
		assert_int_equal(r.prefix_len, want);
		assert_int_equal(!!(r.flags & FLOW_ADD_GREW), want > before);
		assert_true(r.flags & FLOW_ADD_STORED);
		assert_false(r.flags & (FLOW_ADD_CONFLICT | FLOW_ADD_OLD));
		assert_prefix(f, perm_msg, want);
		before = want;
	}
	assert_int_equal(flow_end(f), sizeof(perm_msg));
	nperms++;
	flow_table_free(t);
}

static void
test_out_of_order(void **state)
{
	unsigned order[NSEG] = { 0, 1, 2, 3, 4 };

	(void)state;
	fill(perm_msg, sizeof(perm_msg), 2);
	permute(order, NSEG, 0, run_order);
	assert_int_equal(nperms, 120);
}

static void
test_overlap_same(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	uint8_t msg[1000];
	struct flow *f = get(t, 1, 0);

	(void)state;
	fill(msg, sizeof(msg), 3);
	flow_add(t, f, 0, msg, 500, &r);
	/* A retransmission inside what we have: nothing new. */
	flow_add(t, f, 100, msg + 100, 200, &r);
	assert_int_equal(r.flags, FLOW_ADD_OLD);
	assert_int_equal(r.prefix_len, 500);
	/* Overlapping the end: the new part is stored. */
	flow_add(t, f, 400, msg + 400, 300, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_int_equal(r.prefix_len, 700);
	/* Spanning a hole and two runs. */
	flow_add(t, f, 800, msg + 800, 100, &r);
	flow_add(t, f, 650, msg + 650, 350, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_prefix(f, msg, 1000);
	assert_int_equal(flow_table_stats(t)->conflicts, 0);
	flow_table_free(t);
}

static void
test_overlap_conflict(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	static const char first[] = "GET / HTTP/1.1\r\nHost: good.example\r\n\r\n";
	static const char second[] = "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n";
	struct flow *f = get(t, 1, 0);
	size_t n = sizeof(first) - 1;

	(void)state;
	flow_add(t, f, 0, (const uint8_t *)first, 30, &r);
	/* The retransmission disagrees on "good" / "evil" and brings the rest. */
	flow_add(t, f, 10, (const uint8_t *)second + 10, n - 10, &r);
	assert_true(r.flags & FLOW_ADD_CONFLICT);
	assert_true(r.flags & FLOW_ADD_GREW);
	assert_int_equal(r.prefix_len, n);
	assert_int_equal(r.conflict_off, 22);
	assert_int_equal(r.conflict_len, 4);
	/* The stream keeps the first version, the new bytes fill the rest... */
	assert_memory_equal(flow_data(f, &n), "GET / HTTP/1.1\r\nHost: good.example\r\n\r\n", n);
	/* ... and alt is the second version. */
	assert_int_equal(r.alt_len, n);
	assert_memory_equal(r.alt, second, n);
	assert_true(flow_flags(f) & FLOW_F_CONFLICT);
	assert_int_equal(flow_table_stats(t)->conflicts, 1);

	/* A disagreement ahead of the prefix: reported, alt is the prefix. */
	flow_add(t, f, 200, (const uint8_t *)"AAAA", 4, &r);
	flow_add(t, f, 201, (const uint8_t *)"AB", 2, &r);
	assert_true(r.flags & FLOW_ADD_CONFLICT);
	assert_true(r.flags & FLOW_ADD_OLD);
	assert_int_equal(r.conflict_off, 202);
	assert_int_equal(r.conflict_len, 1);
	assert_true(r.conflict_off >= r.prefix_len);
	assert_int_equal(r.alt_len, r.prefix_len);
	assert_memory_equal(r.alt, first, r.prefix_len);
	flow_table_free(t);
}

static void
test_hole(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	uint8_t msg[600];
	struct flow *f = get(t, 1, 0);

	(void)state;
	fill(msg, sizeof(msg), 4);
	flow_add(t, f, 0, msg, 100, &r);
	flow_add(t, f, 200, msg + 200, 400, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED);
	assert_int_equal(r.prefix_len, 100);
	assert_prefix(f, msg, 100);
	assert_int_equal(flow_end(f), 600);
	/* Only part of the hole. */
	flow_add(t, f, 150, msg + 150, 50, &r);
	assert_int_equal(r.prefix_len, 100);
	flow_add(t, f, 100, msg + 100, 50, &r);
	assert_int_equal(r.prefix_len, 600);
	assert_prefix(f, msg, 600);

	/* Data that never starts at 0: no prefix at all. */
	f = get(t, 2, 0);
	flow_add(t, f, 1, msg, 10, &r);
	assert_int_equal(r.prefix_len, 0);
	assert_prefix(f, msg, 0);
	flow_table_free(t);
}

static void
test_fragmented(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	uint8_t msg[2000];
	struct flow *f = get(t, 1, 0);
	unsigned i;

	(void)state;
	fill(msg, sizeof(msg), 5);
	for (i = 0; i < FLOW_MAX_RANGES; i++) {
		flow_add(t, f, 100 + 100 * i, msg + 100 + 100 * i, 10, &r);
		assert_int_equal(r.flags, FLOW_ADD_STORED);
	}
	/* One island more is refused... */
	flow_add(t, f, 1500, msg + 1500, 10, &r);
	assert_int_equal(r.flags, FLOW_ADD_FRAGMENTED);
	assert_true(flow_flags(f) & FLOW_F_FRAGMENTED);
	assert_int_equal(flow_end(f), 100 + 100 * (FLOW_MAX_RANGES - 1) + 10);
	/* ... bytes touching a run are still taken, and the prefix progresses. */
	flow_add(t, f, 110, msg + 110, 10, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED);
	flow_add(t, f, 0, msg, 100, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_int_equal(r.prefix_len, 120);
	flow_add(t, f, 120, msg + 120, 1880, &r);
	assert_int_equal(r.prefix_len, 2000);
	assert_prefix(f, msg, 2000);
	assert_int_equal(flow_table_stats(t)->fragmented, 1);
	flow_table_free(t);
}

static void
test_flow_cap(void **state)
{
	struct flow_table *t = flow_table_new(4, 1000, 1 << 20);
	struct flow_add_result r;
	uint8_t msg[1500];
	struct flow *f = get(t, 1, 0);

	(void)state;
	fill(msg, sizeof(msg), 6);
	assert_int_equal(flow_table_cap(t), 1000);
	flow_add(t, f, 0, msg, 900, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	/* Straddling the cap: the part below it is stored. */
	flow_add(t, f, 900, msg + 900, 200, &r);
	assert_int_equal(r.flags,
	    FLOW_ADD_STORED | FLOW_ADD_GREW | FLOW_ADD_OVER_CAP);
	assert_int_equal(r.prefix_len, 1000);
	/* Wholly beyond: nothing stored. */
	flow_add(t, f, 1100, msg + 1100, 100, &r);
	assert_int_equal(r.flags, FLOW_ADD_OVER_CAP);
	assert_prefix(f, msg, 1000);
	assert_int_equal(flow_end(f), 1000);
	assert_true(flow_flags(f) & FLOW_F_OVER_CAP);
	assert_int_equal(flow_table_stats(t)->over_cap, 2);
	/* The block is the cap rounded up: 1024. */
	assert_int_equal(flow_table_stats(t)->mem_used, 1024);
	/* Huge offsets do not wrap around. */
	flow_add(t, f, UINT64_MAX - 5, msg, 100, &r);
	assert_int_equal(r.flags, FLOW_ADD_OVER_CAP);
	flow_table_free(t);
}

/* Four blocks of memory, flows of one block each: the fifth evicts the
 * least recently used holder. */
static void
test_memory_cap(void **state)
{
	struct flow_table *t = flow_table_new(64, 1024, 4096);
	const struct flow_stats *st = flow_table_stats(t);
	struct flow_add_result r;
	uint8_t msg[1024];
	struct flow *f;
	uint16_t p;

	(void)state;
	fill(msg, sizeof(msg), 7);
	assert_int_equal(st->mem_cap, 4096);
	for (p = 1; p <= 4; p++) {
		f = get(t, p, p);
		flow_add(t, f, 0, msg, 1024, &r);
		assert_int_equal(r.prefix_len, 1024);
	}
	assert_int_equal(st->mem_used, 4096);
	assert_int_equal(st->evicted_mem, 0);
	/* Flow 1 used last: flow 2 is now the least recently used. */
	assert_non_null(find(t, 1, 10));
	f = get(t, 5, 11);
	flow_add(t, f, 0, msg, 1024, &r);
	assert_int_equal(r.prefix_len, 1024);
	assert_prefix(f, msg, 1024);
	assert_int_equal(st->evicted_mem, 1);
	assert_int_equal(st->mem_used, 4096);
	assert_null(find(t, 2, 12));
	assert_non_null(find(t, 1, 12));
	assert_non_null(find(t, 3, 12));
	/* Flows without memory are not evicted for memory. */
	get(t, 100, 13);
	f = get(t, 6, 14);
	flow_add(t, f, 0, msg, 600, &r);
	assert_int_equal(st->evicted_mem, 2);
	assert_non_null(find(t, 100, 15));
	/* The one being fed is never the victim, even when least recent. */
	flow_table_free(t);

	t = flow_table_new(8, 1024, 100);	/* raised to two blocks */
	st = flow_table_stats(t);
	assert_int_equal(st->mem_cap, 2048);
	f = get(t, 1, 0);
	flow_add(t, f, 0, msg, 300, &r);		/* 512 in block 0 */
	get(t, 2, 1);
	flow_add(t, get(t, 2, 1), 0, msg, 1024, &r);	/* all of block 1 */
	f = get(t, 1, 2);
	get(t, 2, 3);		/* flow 1 is now the least recently used */
	flow_add(t, f, 300, msg + 300, 700, &r);	/* needs a 1024 block */
	assert_int_equal(r.prefix_len, 1000);
	assert_prefix(f, msg, 1000);
	assert_int_equal(st->evicted_mem, 1);
	assert_null(find(t, 2, 4));
	flow_table_free(t);
}

static void
test_expiry(void **state)
{
	struct flow_table *t = flow_table_new(16, 1024, 8192);
	const struct flow_stats *st = flow_table_stats(t);
	struct flow_add_result r;
	struct flow *f;
	bool created;
	struct flow_key k = mkkey(1);

	(void)state;
	flow_table_set_idle(t, 5000);
	f = flow_lookup(t, &k, 1000, true, &created);
	flow_add(t, f, 0, (const uint8_t *)"abc", 3, &r);
	*(uint32_t *)flow_user(f) = 42;
	/* Within the idle time: the same flow, state kept. */
	f = flow_lookup(t, &k, 6000, true, &created);
	assert_false(created);
	assert_int_equal(*(uint32_t *)flow_user(f), 42);
	/* Idle too long: a new flow with zeroed state. */
	f = flow_lookup(t, &k, 11001, true, &created);
	assert_true(created);
	assert_int_equal(*(uint32_t *)flow_user(f), 0);
	assert_prefix(f, NULL, 0);
	assert_int_equal(st->expired, 1);
	assert_int_equal(st->mem_used, 0);

	/* The sweep takes every idle flow and leaves the others. */
	assert_int_equal(flow_expire(t, 16001), 0);
	assert_int_equal(flow_expire(t, 16002), 1);
	get(t, 2, 20000);
	get(t, 3, 20000);
	get(t, 4, 24000);
	assert_int_equal(flow_expire(t, 25000), 0);
	assert_int_equal(flow_expire(t, 25001), 2);
	assert_int_equal(st->flows, 1);
	assert_non_null(find(t, 4, 25001));
	/* Time going backwards expires nothing. */
	assert_int_equal(flow_expire(t, 100), 0);
	/* Lookups expire a few idle flows lazily. */
	get(t, 5, 25001);
	assert_null(find(t, 99, 60000));
	assert_int_equal(st->flows, 0);
	assert_int_equal(st->expired, 6);
	flow_table_free(t);
}

static void
test_table_full(void **state)
{
	struct flow_table *t = flow_table_new(4, 1024, 8192);
	const struct flow_stats *st = flow_table_stats(t);
	struct flow_add_result r;
	struct flow *f;
	uint16_t p;

	(void)state;
	for (p = 1; p <= 4; p++) {
		f = get(t, p, p);
		flow_add(t, f, 0, (const uint8_t *)"x", 1, &r);
	}
	assert_non_null(find(t, 1, 5));	/* flow 2 is the oldest now */
	assert_non_null(get(t, 5, 6));
	assert_int_equal(st->evicted_full, 1);
	assert_int_equal(st->flows, 4);
	assert_null(find(t, 2, 7));
	for (p = 1; p <= 5; p++)
		if (p != 2)
			assert_non_null(find(t, p, 8));
	assert_int_equal(st->mem_used, 3 * FLOW_MIN_BLOCK);
	assert_int_equal(st->created, 5);
	flow_table_free(t);
}

/* Many requests on one connection: advancing the base keeps the stream
 * (and the block) small. */
static void
test_advance_keepalive(void **state)
{
	struct flow_table *t = flow_table_new(4, 512, 4096);
	const struct flow_stats *st = flow_table_stats(t);
	struct flow_add_result r;
	char req[128];
	uint8_t stream[64 * 1024];
	size_t total = 0, n, len, next = 0, i;
	struct flow *f = get(t, 1, 0);
	const uint8_t *p;

	(void)state;
	for (i = 0; total + sizeof(req) < sizeof(stream); i++) {
		n = (size_t)snprintf(req, sizeof(req),
		    "GET /r%zu HTTP/1.1\r\nHost: k.example\r\n\r\n", i);
		memcpy(stream + total, req, n);
		total += n;
	}
	/* Feed in 90-byte segments; consume every complete request. */
	for (i = 0; i < total; i += 90) {
		flow_add(t, f, i, stream + i, MIN(90, total - i), &r);
		assert_false(r.flags & FLOW_ADD_OVER_CAP);
		for (;;) {
			const uint8_t *end;

			p = flow_data(f, &len);
			if (p == NULL || (end = memmem(p, len, "\r\n\r\n", 4)) == NULL)
				break;
			assert_int_equal(flow_base(f), next);
			assert_memory_equal(p, stream + next,
			    (size_t)(end - p) + 4);
			next += (size_t)(end - p) + 4;
			assert_int_equal(flow_advance(t, f, next), 0);
		}
		assert_true(st->mem_used <= 512);
	}
	assert_int_equal(next, total);
	assert_int_equal(flow_base(f), total);
	/* Advancing backwards is refused. */
	assert_int_equal(flow_advance(t, f, total - 1), -1);
	flow_table_free(t);
}

/* Skipping a body: the base moves past bytes not seen yet; they are OLD
 * when they come, and what follows is stored at the right place. */
static void
test_advance_skip(void **state)
{
	struct flow_table *t = flow_table_new(4, 1024, 4096);
	const struct flow_stats *st = flow_table_stats(t);
	struct flow_add_result r;
	uint8_t msg[4000];
	struct flow *f = get(t, 1, 0);

	(void)state;
	fill(msg, sizeof(msg), 9);
	flow_add(t, f, 0, msg, 1000, &r);
	assert_int_equal(st->mem_used, 1024);
	assert_int_equal(flow_advance(t, f, 3000), 0);
	assert_int_equal(st->mem_used, 0);
	assert_prefix(f, NULL, 0);
	flow_add(t, f, 1000, msg + 1000, 1000, &r);
	assert_int_equal(r.flags, FLOW_ADD_OLD);
	flow_add(t, f, 2900, msg + 2900, 200, &r);	/* straddles the base */
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_prefix(f, msg + 3000, 100);
	assert_int_equal(flow_end(f), 3100);
	/* The cap counts from the base. */
	flow_add(t, f, 3100, msg + 3100, 900, &r);
	assert_int_equal(r.prefix_len, 1000);
	assert_false(r.flags & FLOW_ADD_OVER_CAP);

	/* Advancing into the middle keeps later runs and shrinks the block. */
	f = get(t, 2, 0);
	flow_add(t, f, 0, msg, 100, &r);
	flow_add(t, f, 700, msg + 700, 100, &r);
	assert_int_equal(flow_advance(t, f, 50), 0);
	assert_prefix(f, msg + 50, 50);
	assert_int_equal(flow_end(f), 800);
	assert_int_equal(flow_advance(t, f, 650), 0);
	assert_prefix(f, NULL, 0);
	flow_add(t, f, 650, msg + 650, 50, &r);
	assert_prefix(f, msg + 650, 150);
	assert_int_equal(flow_advance(t, f, 780), 0);
	assert_prefix(f, msg + 780, 20);
	flow_table_free(t);
}

static struct pkt
tcp_pkt(uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.l4proto = IPPROTO_TCP;
	p.src = addr4_a;
	p.dst = addr4_b;
	p.sport = 40000;
	p.dport = 80;
	p.seq = seq;
	p.tcp_flags = flags;
	p.payload = data;
	p.payload_len = len;
	return p;
}

/* Feed p; the drop reason must be want (FLOW_DROP_NONE: accepted). */
static void
feed(struct flow_table *t, struct flow *f, const struct pkt *p,
    enum flow_drop want, struct flow_add_result *r)
{
	flow_tcp_add(t, f, p, r);
	if (r->drop != want)
		fail_msg("drop %d, want %d", r->drop, want);
}

static void
test_tcp(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	struct flow_key k, k2;
	struct pkt p;
	struct flow *f;
	uint32_t isn = 0xfffffff0u;	/* the data wraps past 2^32 */
	uint8_t msg[100];

	(void)state;
	fill(msg, sizeof(msg), 10);
	p = tcp_pkt(isn, PKT_TCP_SYN, NULL, 0);
	flow_key_set(&k, &p);
	k2 = mkkey(40000);
	assert_memory_equal(&k, &k2, sizeof(k));
	f = flow_lookup(t, &k, 0, true, NULL);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_SYN);
	assert_true(flow_flags(f) & FLOW_F_ISN);
	/* A retransmitted SYN changes nothing. */
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, 0);
	/* Second segment first: dropped (in order only), nothing stored;
	 * pure ACKs in between; then both in order. */
	p = tcp_pkt(isn + 1 + 40, PKT_TCP_ACK | PKT_TCP_PSH, msg + 40, 60);
	feed(t, f, &p, FLOW_DROP_AHEAD, &r);
	assert_prefix(f, NULL, 0);
	p = tcp_pkt(isn + 1, PKT_TCP_ACK, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, 0);
	p = tcp_pkt(isn + 1, PKT_TCP_ACK, msg, 40);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_int_equal(r.prefix_len, 40);
	p = tcp_pkt(isn + 1 + 40, PKT_TCP_ACK | PKT_TCP_PSH, msg + 40, 60);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.prefix_len, 100);
	assert_prefix(f, msg, 100);
	/* An exact retransmission is accepted (old); a disagreeing one is
	 * dropped and the first copy kept. */
	p = tcp_pkt(isn + 1 + 10, PKT_TCP_ACK, msg + 10, 20);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_OLD);
	p = tcp_pkt(isn + 1 + 10, PKT_TCP_ACK, "XXXXXXXXXXXXXXXXXXXX", 20);
	feed(t, f, &p, FLOW_DROP_CONFLICT, &r);
	assert_prefix(f, msg, 100);
	/* Overlapping the end: the overlap must agree, the tail is stored. */
	p = tcp_pkt(isn + 1 + 98, PKT_TCP_ACK, "xxAB", 4);
	feed(t, f, &p, FLOW_DROP_CONFLICT, &r);
	p = tcp_pkt(isn + 1 + 98, PKT_TCP_ACK, msg + 98, 2);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_OLD);
	/* An old retransmission before the base after advancing: consumed
	 * bytes cannot be compared, the server holds their first copy. */
	assert_int_equal(flow_advance(t, f, 100), 0);
	p = tcp_pkt(isn + 1 + 20, PKT_TCP_ACK, msg + 20, 20);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_OLD);
	/* One partly before the base: the rest is kept. */
	p = tcp_pkt(isn + 1 + 95, PKT_TCP_ACK, "0123456789", 10);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_prefix(f, (const uint8_t *)"56789", 5);
	/* Data before the stream start (zapret's badseq): dropped. */
	p = tcp_pkt(isn - 10000, PKT_TCP_ACK, "GET", 3);
	feed(t, f, &p, FLOW_DROP_WINDOW, &r);
	assert_int_equal(flow_packets(f), 13);
	flow_table_free(t);
}

/* SYNs: a new ISN restarts only before data or after FIN; TCP Fast Open
 * data is dropped; a flow first seen in the middle. */
static void
test_tcp_syn(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	const struct flow_stats *st = flow_table_stats(t);
	struct flow_add_result r;
	struct pkt p;
	struct flow *f = get(t, 1, 0);

	(void)state;
	/* attack (b): a SYN with another ISN after data is ignored */
	p = tcp_pkt(999, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(1000, PKT_TCP_ACK, "xyz", 3);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	*(uint32_t *)flow_user(f) = 7;
	p = tcp_pkt(12345, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_SYN_ISN, &r);
	assert_int_equal(*(uint32_t *)flow_user(f), 7);
	assert_prefix(f, (const uint8_t *)"xyz", 3);
	assert_int_equal(flow_isn(f), 999);
	/* twin: after the client's FIN, a SYN opens a new connection */
	p = tcp_pkt(1003, PKT_TCP_ACK | PKT_TCP_FIN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(12345, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags, FLOW_ADD_RESET | FLOW_ADD_SYN);
	assert_int_equal(*(uint32_t *)flow_user(f), 0);
	assert_int_equal(flow_base(f), 0);
	assert_prefix(f, NULL, 0);
	assert_int_equal(flow_packets(f), 5);	/* conntrack's count too */
	p = tcp_pkt(12346, PKT_TCP_ACK, "GET", 3);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_prefix(f, (const uint8_t *)"GET", 3);
	assert_false(flow_flags(f) & FLOW_F_MIDSTREAM);
	/* syn-shift (found by fuzz_stream): a new ISN after the handshake's
	 * ACK, before any data, is ignored too (the server keeps the first) */
	f = get(t, 4, 0);
	p = tcp_pkt(1, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(2, PKT_TCP_ACK, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(16, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_SYN_ISN, &r);
	assert_int_equal(flow_isn(f), 1);
	p = tcp_pkt(17, PKT_TCP_ACK, "GET", 3);
	feed(t, f, &p, FLOW_DROP_AHEAD, &r);
	flow_restart(t, f);
	assert_int_equal(flow_packets(f), 0);
	assert_false(flow_flags(f) & FLOW_F_ISN);

	/* TCP Fast Open: a SYN's data is never stream data; the packet is
	 * dropped and sets nothing, the plain SYN after it does. */
	f = get(t, 2, 0);
	p = tcp_pkt(500, PKT_TCP_SYN, "GET /", 5);
	feed(t, f, &p, FLOW_DROP_SYN_DATA, &r);
	assert_false(flow_flags(f) & FLOW_F_ISN);
	p = tcp_pkt(500, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(501, PKT_TCP_ACK, "GET / HTTP", 10);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_prefix(f, (const uint8_t *)"GET / HTTP", 10);

	/* First seen mid-stream: the stream starts at that segment. */
	f = get(t, 3, 0);
	p = tcp_pkt(777, PKT_TCP_ACK, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_false(flow_flags(f) & FLOW_F_ISN);
	p = tcp_pkt(1000, PKT_TCP_ACK, "PUT", 3);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_int_equal(r.flags,
	    FLOW_ADD_MIDSTREAM | FLOW_ADD_STORED | FLOW_ADD_GREW);
	assert_true(flow_flags(f) & FLOW_F_MIDSTREAM);
	p = tcp_pkt(1003, PKT_TCP_ACK, " /", 2);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_prefix(f, (const uint8_t *)"PUT /", 5);
	assert_int_equal(st->midstream, 1);
	flow_table_free(t);
}

/* RSTs (attack d): only the exact next sequence number releases. */
static void
test_tcp_rst(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	struct pkt p;
	struct flow *f = get(t, 1, 0);

	(void)state;
	p = tcp_pkt(99, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(100, PKT_TCP_ACK, "abcd", 4);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	/* inexact: before, after, in the window */
	p = tcp_pkt(100, PKT_TCP_RST, NULL, 0);
	feed(t, f, &p, FLOW_DROP_RST, &r);
	p = tcp_pkt(105, PKT_TCP_RST | PKT_TCP_ACK, NULL, 0);
	feed(t, f, &p, FLOW_DROP_RST, &r);
	p = tcp_pkt(100 + 30000, PKT_TCP_RST, NULL, 0);
	feed(t, f, &p, FLOW_DROP_RST, &r);
	assert_false(r.flags & FLOW_ADD_RELEASE);
	assert_prefix(f, (const uint8_t *)"abcd", 4);
	/* exact */
	p = tcp_pkt(104, PKT_TCP_RST, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_true(r.flags & FLOW_ADD_RELEASE);
	/* after a FIN, its own sequence number counts */
	f = get(t, 2, 0);
	p = tcp_pkt(99, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(100, PKT_TCP_ACK | PKT_TCP_FIN, "ab", 2);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(103, PKT_TCP_RST, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_true(r.flags & FLOW_ADD_RELEASE);
	flow_table_free(t);
}

/* Decoys the server discards never reach the stream (rule 3), each with
 * its twin that does. */
static void
test_tcp_decoys(void **state)
{
	struct flow_table *t = flow_table_new(4, 16384, 1 << 20);
	struct flow_add_result r;
	struct pkt p;
	struct flow *f = get(t, 1, 0);

	(void)state;
	p = tcp_pkt(99, PKT_TCP_SYN, NULL, 0);
	p.ttl = 60;
	p.tcp_opts = PKT_OPT_TS;
	p.tsval = 1000;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(100, PKT_TCP_ACK, "ab", 2);
	p.ttl = 60;
	p.tcp_opts = PKT_OPT_TS;
	p.tsval = 1010;
	p.ack = 100000;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	/* a lower TTL: dies before the server */
	p = tcp_pkt(102, PKT_TCP_ACK, "XX", 2);
	p.ttl = 3;
	feed(t, f, &p, FLOW_DROP_TTL, &r);
	/* an MD5 signature on a connection without one */
	p.ttl = 60;
	p.tcp_opts = PKT_OPT_SIG;
	feed(t, f, &p, FLOW_DROP_SIG, &r);
	/* an older timestamp (PAWS) */
	p.tcp_opts = PKT_OPT_TS;
	p.tsval = 900;
	feed(t, f, &p, FLOW_DROP_PAWS, &r);
	/* no ACK flag */
	p.tsval = 1020;
	p.tcp_flags = PKT_TCP_PSH;
	feed(t, f, &p, FLOW_DROP_NOACK, &r);
	/* urgent data */
	p.tcp_flags = PKT_TCP_ACK | PKT_TCP_URG;
	feed(t, f, &p, FLOW_DROP_URG, &r);
	assert_prefix(f, (const uint8_t *)"ab", 2);
	/* an acknowledgment number 66000 behind (zapret's badseq) */
	p.tcp_flags = PKT_TCP_ACK;
	p.ack = 100000 - 66000;
	feed(t, f, &p, FLOW_DROP_OLD_ACK, &r);
	/* the twin: the same bytes as the server takes them; a higher TTL
	 * (the path changed closer), a newer timestamp and an ACK a little
	 * behind (reordered) are fine */
	p.ack = 100000 - 3000;
	p.ttl = 61;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_prefix(f, (const uint8_t *)"abXX", 4);
	/* a connection that negotiated a signature keeps it */
	f = get(t, 2, 0);
	p = tcp_pkt(99, PKT_TCP_SYN, NULL, 0);
	p.tcp_opts = PKT_OPT_SIG;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(100, PKT_TCP_ACK, "ab", 2);
	p.tcp_opts = PKT_OPT_SIG;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	/* a SYN's TTL floor rises with a retransmitted SYN (a decoy SYN
	 * sent first with a low TTL does not lower it) */
	f = get(t, 3, 0);
	p = tcp_pkt(99, PKT_TCP_SYN, NULL, 0);
	p.ttl = 2;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p.ttl = 64;
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(100, PKT_TCP_ACK, "ab", 2);
	p.ttl = 2;
	feed(t, f, &p, FLOW_DROP_TTL, &r);
	flow_table_free(t);
}

/* Over the cap: what fits is stored, the caller is told (attack a: a
 * byte far ahead is not stored at all, it is out of order). */
static void
test_tcp_cap(void **state)
{
	struct flow_table *t = flow_table_new(4, 4096, 1 << 20);
	struct flow_add_result r;
	struct pkt p;
	struct flow *f = get(t, 1, 0);
	static uint8_t big[5000];

	(void)state;
	fill(big, sizeof(big), 3);
	p = tcp_pkt(99, PKT_TCP_SYN, NULL, 0);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(100 + 16384, PKT_TCP_ACK, "x", 1);
	feed(t, f, &p, FLOW_DROP_AHEAD, &r);
	assert_false(r.flags & FLOW_ADD_OVER_CAP);
	p = tcp_pkt(100, PKT_TCP_ACK, big, 3000);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	p = tcp_pkt(3100, PKT_TCP_ACK, big + 3000, 2000);
	feed(t, f, &p, FLOW_DROP_NONE, &r);
	assert_true(r.flags & FLOW_ADD_OVER_CAP);
	assert_prefix(f, big, 4096);
	flow_table_free(t);
}

/* Held flows outlive the idle timeout; the others behind them expire. */
static void
test_hold(void **state)
{
	struct flow_table *t = flow_table_new(8, 4096, 1 << 20);
	struct flow *f;

	(void)state;
	flow_table_set_idle(t, 10);
	flow_table_set_hold(t, 100);
	f = get(t, 1, 0);
	flow_set_hold(f, true);
	(void)get(t, 2, 0);
	assert_int_equal(flow_expire(t, 50), 1);	/* 2 only */
	assert_non_null(find(t, 1, 60));
	assert_int_equal(flow_expire(t, 150), 0);	/* touched at 60 */
	assert_null(find(t, 1, 200));
	flow_table_free(t);
}

/* Keys: IPv4 and IPv6, zeroed padding, separate flows per direction. */
static void
test_keys(void **state)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };
	struct flow_table *t = flow_table_new(8, 1024, 8192);
	struct flow_key k1, k2;
	struct pkt p;
	struct flow *f1, *f2;

	(void)state;
	memset(&k1, 0xff, sizeof(k1));
	p = tcp_pkt(1, PKT_TCP_SYN, NULL, 0);
	p.family = 6;
	p.src = a6;
	p.dst = b6;
	flow_key_set(&k1, &p);
	assert_int_equal(k1.family, 6);
	assert_memory_equal(k1.src, a6, 16);
	assert_int_equal(k1.pad[0] | k1.pad[1], 0);
	f1 = flow_lookup(t, &k1, 0, true, NULL);
	/* The reverse direction is another flow. */
	p.src = b6;
	p.dst = a6;
	flow_key_set(&k2, &p);
	f2 = flow_lookup(t, &k2, 0, true, NULL);
	assert_ptr_not_equal(f1, f2);
	assert_memory_equal(flow_key(f2), &k2, sizeof(k2));
	/* UDP and TCP on the same ports are different flows. */
	p.l4proto = IPPROTO_UDP;
	flow_key_set(&k2, &p);
	assert_null(flow_lookup(t, &k2, 0, false, NULL));
	flow_table_free(t);
}

static void
test_siphash(void **state)
{
	uint64_t key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t msg[15];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* SipHash-2-4 reference values (the paper's appendix and its test
	 * vectors for the empty message). */
	assert_true(flow_siphash(key, msg, 15, 2, 4) == 0xa129ca6149be45e5ULL);
	assert_true(flow_siphash(key, msg, 0, 2, 4) == 0x726fdb47dd0e0e31ULL);
	/* The key matters. */
	key[1] ^= 1;
	assert_true(flow_siphash(key, msg, 15, 2, 4) != 0xa129ca6149be45e5ULL);
}

static void
test_bad_args(void **state)
{
	(void)state;
	assert_null(flow_table_new(0, 1024, 1 << 20));
	assert_null(flow_table_new(16, 0, 1 << 20));
	assert_null(flow_table_new((1u << 24) + 1, 1024, 1 << 20));
	assert_null(flow_table_new(16, (16u << 20) + 1, 1 << 20));
	flow_table_free(NULL);
}

/*
 * The model: every stream offset below MODEL_MAX, whether we have its byte
 * and which. Random adds (mostly the true bytes, sometimes other ones) and
 * advances; after each, the flow must agree with the model.
 */
#define MODEL_MAX 20000
#define MODEL_CAP 1500

struct model {
	uint8_t truth[MODEL_MAX + 4096];
	uint8_t data[MODEL_MAX + 4096];
	bool have[MODEL_MAX + 4096];
	uint64_t base;
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t
model_prefix(const struct model *m)
{
	size_t n = 0;

	while (m->base + n < MODEL_MAX + 4096 && m->have[m->base + n])
		n++;
	return n;
}

static size_t
model_runs(const struct model *m, uint64_t extra_lo, uint64_t extra_hi)
{
	size_t runs = 0;
	uint64_t i;
	bool in = false, h;

	for (i = m->base; i < m->base + MODEL_CAP; i++) {
		h = m->have[i] || (i >= extra_lo && i < extra_hi);
		if (h && !in)
			runs++;
		in = h;
	}
	return runs;
}

static void
model_add(struct model *m, struct flow_table *t, struct flow *f,
    uint64_t off, const uint8_t *d, size_t len)
{
	struct flow_add_result r;
	uint64_t s = off, e = off + len, i;
	size_t before = model_prefix(m), after, runs;
	bool conflict = false, stored = false, over = false, old = false;
	bool touch = false;

	flow_add(t, f, off, d, len, &r);
	if (e <= m->base) {
		assert_int_equal(r.flags, FLOW_ADD_OLD);
		return;
	}
	if (s < m->base) {
		d += m->base - s;
		s = m->base;
	}
	if (e > m->base + MODEL_CAP) {
		over = true;
		e = m->base + MODEL_CAP;
	}
	for (i = s; i < e; i++)
		if (m->have[i] && m->data[i] != d[i - s])
			conflict = true;
	if (s < e) {
		touch = (s > m->base && m->have[s - 1]) || m->have[e];
		for (i = s; i < e; i++)
			touch |= m->have[i];
		runs = model_runs(m, 0, 0);
		if (!touch && runs >= FLOW_MAX_RANGES) {
			assert_int_equal(r.flags, FLOW_ADD_FRAGMENTED |
			    (over ? FLOW_ADD_OVER_CAP : 0));
			assert_true(model_runs(m, s, e) > FLOW_MAX_RANGES);
			return;
		}
		old = true;
		for (i = s; i < e; i++) {
			if (!m->have[i]) {
				m->have[i] = true;
				m->data[i] = d[i - s];
				stored = true;
				old = false;
			}
		}
		assert_true(model_runs(m, 0, 0) <= FLOW_MAX_RANGES);
	}
	after = model_prefix(m);
	assert_int_equal(!!(r.flags & FLOW_ADD_OVER_CAP), over);
	assert_int_equal(!!(r.flags & FLOW_ADD_STORED), stored);
	assert_int_equal(!!(r.flags & FLOW_ADD_OLD), old);
	assert_int_equal(!!(r.flags & FLOW_ADD_CONFLICT), conflict);
	assert_int_equal(!!(r.flags & FLOW_ADD_GREW), after > before);
	assert_int_equal(r.prefix_len, after);
	if (conflict) {
		assert_int_equal(r.alt_len, after);
		for (i = 0; i < after; i++) {
			uint64_t o = m->base + i;
			uint8_t want = o >= s && o < e ? d[o - s] : m->data[o];

			assert_int_equal(r.alt[i], want);
		}
	}
}

static void
model_check(const struct model *m, const struct flow *f)
{
	size_t len, n = model_prefix(m);
	const uint8_t *p = flow_data(f, &len);
	uint64_t end = m->base, i;

	assert_int_equal(len, n);
	if (n > 0)
		assert_memory_equal(p, m->data + m->base, n);
	for (i = m->base; i < m->base + MODEL_CAP; i++)
		if (m->have[i])
			end = i + 1;
	assert_int_equal(flow_end(f), end);
	assert_int_equal(flow_base(f), m->base);
}

static void
model_run(uint64_t seed, size_t steps)
{
	static struct model m;
	struct flow_table *t = flow_table_new(4, MODEL_CAP, 2 * 2048);
	struct flow *f = get(t, 1, 0);
	uint8_t junk[600];
	uint64_t off, lim;
	size_t i, len, k;

	memset(&m, 0, sizeof(m));
	rng_state = seed;
	for (i = 0; i < sizeof(m.truth); i++)
		m.truth[i] = (uint8_t)rng();
	for (i = 0; i < steps && m.base < MODEL_MAX - MODEL_CAP; i++) {
		k = rng() % 100;
		if (k < 3) {
			lim = m.base + model_prefix(&m) + 20;
			off = m.base + rng() % (lim - m.base + 1);
			assert_int_equal(flow_advance(t, f, off), 0);
			memset(m.have + m.base, 0, off - m.base);
			m.base = off;
		} else {
			off = m.base + rng() % (MODEL_CAP + 200);
			off = off >= 100 ? off - 100 : 0;
			len = 1 + rng() % (k & 1 ? 30 : 500);
			if (k < 13) {
				for (k = 0; k < len; k++)
					junk[k] = (uint8_t)rng();
				model_add(&m, t, f, off, junk, len);
			} else
				model_add(&m, t, f, off, m.truth + off, len);
		}
		model_check(&m, f);
	}
	flow_table_free(t);
}

static void
test_model(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 40; seed++)
		model_run(seed * 0x9e3779b97f4a7c15ULL, 3000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_overlap_same),
		cmocka_unit_test(test_overlap_conflict),
		cmocka_unit_test(test_hole),
		cmocka_unit_test(test_fragmented),
		cmocka_unit_test(test_flow_cap),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_advance_keepalive),
		cmocka_unit_test(test_advance_skip),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_tcp_rst),
		cmocka_unit_test(test_tcp_decoys),
		cmocka_unit_test(test_tcp_cap),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_siphash),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
