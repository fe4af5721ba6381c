/* bench_stats.c - the cost of counting on the packet path.
 *
 * One thread looks names up in a table and, in the counted variant, does
 * what inspect() does per decision: STATS_INC of the packet outcome, the
 * protocol x action cell, the verdict and, when blocked, the category cell
 * plus a push into the per-entry ring (stats_entry_blocked). The ring is
 * emptied every RING_DRAIN events as the daemon's aggregator would (on
 * another thread, once a second; here by moving its tail, which is what
 * the producer sees of a drain).
 *
 * The lookup is a stand-in for the matcher: a 64-bit hash probed into an
 * open-addressing table of 2^22 keys (64 MiB of slots, past the last-level
 * cache: misses). The real matcher costs more per lookup, so the relative
 * overhead printed here is an upper bound.
 *
 * Two shapes: independent lookups, which a CPU overlaps (several cache
 * misses in flight: the worst case for any extra instruction), and
 * serialised ones, where each key depends on the previous result, as
 * when packets are handled one after another. Each at 1% (typical),
 * 50% and 100% of lookups blocked (a ring push each).
 *
 *   build/tests/bench/bench_stats [-n QUERIES] [-r ROUNDS]
 *
 * Prints lookups per second without and with counting (best of ROUNDS
 * runs each, interleaved so both see the same noise), the time counting
 * adds per lookup, and bare increments per second.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/match.h"
#include "engine/stats.h"
#include "core/util.h"

#define TABLE_BITS 23
#define KEYS (1u << 22)
#define RING_DRAIN 8192

static uint64_t *table;		/* 0 = empty; key -> slot */

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void
table_put(uint64_t k)
{
	uint64_t mask = (1u << TABLE_BITS) - 1;

	for (uint64_t i = mix(k) & mask;; i = (i + 1) & mask) {
		if (table[i] == 0 || table[i] == k) {
			table[i] = k;
			return;
		}
	}
}

/* Entry number of k, or -1. */
static inline int64_t
table_get(uint64_t k)
{
	uint64_t mask = (1u << TABLE_BITS) - 1;

	for (uint64_t i = mix(k) & mask;; i = (i + 1) & mask) {
		if (table[i] == k)
			return (int64_t)i;
		if (table[i] == 0)
			return -1;
	}
}

static uint64_t sink;
static volatile uint64_t zero_mask;	/* 0, unknown to the compiler */
static unsigned since;			/* ring pushes since the last drain */

/* serial: the next key depends on this lookup's result (and on nothing
 * else: the mask is zero) */
#define KEY(i) (serial ? q[i] ^ ((uint64_t)e & z) : q[i])

static inline __attribute__((always_inline)) double
plain_loop(const uint64_t *q, size_t n, const bool serial)
{
	uint64_t t0 = now_mono_ns(), s = 0, z = zero_mask;
	int64_t e = 0;

	for (size_t i = 0; i < n; i++) {
		e = table_get(KEY(i));
		s += (uint64_t)(e >= 0);
	}
	sink += s;
	return (double)n / ((double)(now_mono_ns() - t0) / 1e9);
}

static inline __attribute__((always_inline)) double
counted_loop(struct stats_thread *t, const uint64_t *q, size_t n,
    const bool serial)
{
	uint64_t t0 = now_mono_ns(), s = 0, z = zero_mask;
	int64_t e = 0;

	for (size_t i = 0; i < n; i++) {
		enum veto_proto p = (enum veto_proto)(q[i] & 3);
		e = table_get(KEY(i));
		STATS_INC(t->pkt[SP_SEEN]);
		if (e >= 0) {
			uint16_t cat = (uint16_t)(1 + (e & 7));
			STATS_INC(t->decision[p][VACT_BLOCKED]);
			STATS_INC(t->cat_blocked[cat][p]);
			stats_entry_blocked(t, 42, (uint32_t)e, p);
			STATS_INC(t->pkt[SP_VERDICT_DROP]);
			if (++since == RING_DRAIN) {	/* the aggregator's drain */
				atomic_store_explicit(&t->ring_tail, atomic_load_explicit(
				    &t->ring_head, memory_order_relaxed),
				    memory_order_release);
				since = 0;
			}
			s++;
		} else {
			STATS_INC(t->decision[p][VACT_ALLOWED]);
			STATS_INC(t->pkt[SP_VERDICT_ACCEPT]);
		}
	}
	sink += s;
	return (double)n / ((double)(now_mono_ns() - t0) / 1e9);
}

static double
run_plain(const uint64_t *q, size_t n, bool serial)
{
	return serial ? plain_loop(q, n, true) : plain_loop(q, n, false);
}

static double
run_counted(struct stats_thread *t, const uint64_t *q, size_t n, bool serial)
{
	return serial ? counted_loop(t, q, n, true) :
	    counted_loop(t, q, n, false);
}

static double
run_increments(struct stats_thread *t, size_t n)
{
	uint64_t t0 = now_mono_ns();

	for (size_t i = 0; i < n; i++)
		STATS_INC(t->decision[i & 3][VACT_ALLOWED]);
	return (double)n / ((double)(now_mono_ns() - t0) / 1e9);
}

static uint64_t *
queries(const uint64_t *keys, size_t n, unsigned blocked_pct, uint64_t *rng)
{
	uint64_t *q = xcalloc(n, sizeof(*q));

	for (size_t i = 0; i < n; i++) {
		*rng = mix(*rng + 0x9e3779b97f4a7c15ULL);
		if (*rng % 100 < blocked_pct)
			q[i] = keys[(*rng >> 20) % KEYS];
		else
			q[i] = (*rng | 1) << 1 | 1ULL << 63;	/* never a key */
	}
	return q;
}

static void
line(const char *what, double plain, double counted)
{
	printf("  %-30s %7.1f M/s %7.1f M/s  %+6.1f%%  %+6.1f ns\n", what,
	    plain / 1e6, counted / 1e6, (counted / plain - 1) * 100,
	    (1 / counted - 1 / plain) * 1e9);
}

int
main(int argc, char **argv)
{
	static const unsigned pct[3] = {1, 50, 100};
	uint64_t nq = 1u << 22, rounds = 5, rng = 1;
	uint64_t *keys, *q[3];
	struct stats_thread *t;
	double plain[2][3] = {{0}}, counted[2][3] = {{0}}, inc = 0;
	char what[64];
	int ch;

	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		if (ch == 'n' && parse_u64(optarg, 1000, 1ULL << 28, &nq))
			continue;
		if (ch == 'r' && parse_u64(optarg, 1, 100, &rounds))
			continue;
		fprintf(stderr, "usage: bench_stats [-n QUERIES] [-r ROUNDS]\n");
		return 2;
	}
	table = xcalloc(1u << TABLE_BITS, sizeof(*table));
	keys = xcalloc(KEYS, sizeof(*keys));
	for (size_t i = 0; i < KEYS; i++) {
		rng = mix(rng + i);
		keys[i] = rng & ~(1ULL << 63);	/* keys never have the top bit */
		if (keys[i] == 0)
			keys[i] = 1;
		table_put(keys[i]);
	}
	for (int b = 0; b < 3; b++)
		q[b] = queries(keys, nq, pct[b], &rng);
	t = stats_thread_new();
	for (uint64_t r = 0; r < rounds; r++) {	/* interleaved: same noise */
		for (int serial = 0; serial < 2; serial++) {
			for (int b = 0; b < 3; b++) {
				plain[serial][b] = MAX(plain[serial][b],
				    run_plain(q[b], nq, serial));
				counted[serial][b] = MAX(counted[serial][b],
				    run_counted(t, q[b], nq, serial));
			}
		}
		inc = MAX(inc, run_increments(t, nq * 4));
	}
	printf("bench_stats: %" PRIu64 " lookups per run, best of %" PRIu64
	    " runs, one thread\n", nq, rounds);
	printf("  %-30s %11s %11s %8s %9s\n", "", "no counting", "counting",
	    "change", "per lookup");
	for (int serial = 0; serial < 2; serial++) {
		for (int b = 0; b < 3; b++) {
			snprintf(what, sizeof(what), "%s, %u%% blocked",
			    serial ? "serialised" : "independent", pct[b]);
			line(what, plain[serial][b], counted[serial][b]);
		}
	}
	printf("  bare STATS_INC: %.0f M increments/s\n", inc / 1e6);
	printf("  (entry events dropped: %" PRIu64 ", checksum %" PRIu64 ")\n",
	    (uint64_t)STATS_GET(t->ring_dropped), sink & 0xffff);
	stats_thread_free(t);
	for (int b = 0; b < 3; b++)
		free(q[b]);
	free(keys);
	free(table);
	return 0;
}
