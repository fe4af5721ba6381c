/* bench_flow.c - cost of the reassembly table and the HTTP parser on the
 * packet path: a lookup plus an add for one segment, in a few shapes, and
 * one http_parse() of a browser's request. Figures are printed, never
 * asserted (the machine is shared; compare ratios within one run). Time is
 * the thread's CPU time (time spent descheduled on a busy machine does not
 * count), and each figure is the best of -r runs (default 3).
 *
 *   build/tests/bench/bench_flow [-n OPS] [-r RUNS]
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/flow.h"
#include "engine/http.h"
#include "core/util.h"

#define MAX_FLOWS 65536
#define FLOW_CAP 16384
#define MEMORY (64u << 20)

static struct flow_key
key_of(uint32_t i)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = IPPROTO_TCP;
	k.src[0] = 198;
	k.src[1] = 51;
	k.src[2] = (uint8_t)(i >> 16);
	k.src[3] = (uint8_t)(i >> 8);
	k.dst[0] = 203;
	k.dst[3] = 2;
	k.sport = (uint16_t)(1024 + (i & 0xff) * 211);
	k.dport = 80;
	return k;
}

static unsigned runs = 3;

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
report(const char *what, uint64_t ns, uint64_t ops)
{
	static double best;
	static unsigned run;
	double v = (double)ns / (double)ops;

	if (run == 0 || v < best)
		best = v;
	if (++run < runs)
		return;
	printf("bench_flow: %-58s %7.1f ns/op (%llu ops, best of %u)\n",
	    what, best, (unsigned long long)ops, runs);
	run = 0;
}

/* Each flow: lookup (creating), one 300-byte segment, release. */
static void
bench_new_flows(uint64_t ops, const uint8_t *seg)
{
	struct flow_table *t = flow_table_new(MAX_FLOWS, FLOW_CAP, MEMORY);
	struct flow_add_result r;
	struct flow_key k;
	struct flow *f;
	uint64_t i, t0, sum = 0;

	t0 = cpu_ns();
	for (i = 0; i < ops; i++) {
		k = key_of((uint32_t)i);
		f = flow_lookup(t, &k, i / 1000, true, NULL);
		flow_add(t, f, 0, seg, 300, &r);
		sum += r.prefix_len;
		flow_release(t, f);
	}
	report("new flow: lookup+add 300 B+release", cpu_ns() - t0, ops);
	if (sum != ops * 300)
		printf("bench_flow: unexpected prefix sum\n");
	flow_table_free(t);
}

/* nflows flows fed round robin with in-order segments of seglen bytes;
 * each consumed (base advanced) when it reaches 4 KiB. */
static void
bench_steady(uint64_t ops, uint32_t nflows, size_t seglen, const uint8_t *seg)
{
	struct flow_table *t = flow_table_new(MAX_FLOWS, FLOW_CAP, MEMORY);
	struct flow_add_result r;
	struct flow_key *keys = calloc(nflows, sizeof(*keys));
	uint64_t *off = calloc(nflows, sizeof(*off));
	struct flow *f;
	uint64_t i, t0, warm;
	uint32_t j;
	char what[80];

	for (j = 0; j < nflows; j++)
		keys[j] = key_of(j * 2654435761u);
	/* Untimed first rounds: the pool's pages become resident. */
	warm = 16 * (uint64_t)nflows;
	t0 = cpu_ns();
	for (i = 0; i < warm + ops; i++) {
		if (i == warm)
			t0 = cpu_ns();
		j = (uint32_t)(i % nflows);
		f = flow_lookup(t, &keys[j], i / 10000, true, NULL);
		flow_add(t, f, off[j], seg, seglen, &r);
		off[j] += seglen;
		if (r.prefix_len >= 4096)
			flow_advance(t, f, off[j]);
	}
	snprintf(what, sizeof(what), "%u flows: lookup+add %zu B in order", nflows,
	    seglen);
	report(what, cpu_ns() - t0, ops);
	flow_table_free(t);
	free(keys);
	free(off);
}

/* Out of order: each group of 4 segments arrives as 2, 4, 3, 1. */
static void
bench_ooo(uint64_t ops, uint32_t nflows, const uint8_t *seg)
{
	static const unsigned order[4] = { 1, 3, 2, 0 };
	struct flow_table *t = flow_table_new(MAX_FLOWS, FLOW_CAP, MEMORY);
	struct flow_add_result r;
	struct flow_key k;
	struct flow *f;
	uint64_t i, t0, round, warm;
	uint32_t j;

	warm = 32 * (uint64_t)nflows;
	t0 = cpu_ns();
	for (i = 0; i < warm + ops; i++) {
		if (i == warm)
			t0 = cpu_ns();
		j = (uint32_t)((i / 4) % nflows);
		round = i / 4 / nflows;
		k = key_of(j);
		f = flow_lookup(t, &k, i / 10000, true, NULL);
		flow_add(t, f, (round * 4 + order[i % 4]) * 200, seg, 200, &r);
		if (r.prefix_len >= 4000)
			flow_advance(t, f, (round + 1) * 800);
	}
	report("1000 flows: lookup+add 200 B, out of order (2,4,3,1)",
	    cpu_ns() - t0, ops);
	flow_table_free(t);
}

static void
bench_lookup(uint64_t ops, uint32_t nflows)
{
	struct flow_table *t = flow_table_new(MAX_FLOWS, FLOW_CAP, MEMORY);
	struct flow_key k;
	uint64_t i, t0, hits = 0;
	uint32_t j;

	for (j = 0; j < nflows; j++) {
		k = key_of(j);
		flow_lookup(t, &k, 0, true, NULL);
	}
	t0 = cpu_ns();
	for (i = 0; i < ops; i++) {
		k = key_of((uint32_t)(i % nflows));
		hits += flow_lookup(t, &k, 0, false, NULL) != NULL;
	}
	report("50000 flows: lookup (hit) only", cpu_ns() - t0, ops);
	if (hits != ops)
		printf("bench_flow: lookups missed\n");
	flow_table_free(t);
}

static void
bench_siphash(uint64_t ops)
{
	uint64_t key[2] = { 1, 2 }, i, t0, x = 0;
	struct flow_key k = key_of(7);

	t0 = cpu_ns();
	for (i = 0; i < ops; i++) {
		k.sport = (uint16_t)i;
		x ^= flow_siphash(key, &k, sizeof(k), 1, 3);
	}
	report("SipHash-1-3 of a 40-byte key", cpu_ns() - t0, ops);
	if (x == 42)
		printf(" ");
}

static void
bench_http(uint64_t ops)
{
	static const char req[] =
	    "GET /chromium/ HTTP/1.1\r\n"
	    "Host: www.example.test:39054\r\n"
	    "Connection: keep-alive\r\n"
	    "Upgrade-Insecure-Requests: 1\r\n"
	    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\r\n"
	    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
	    "image/avif,image/webp,image/apng,*/*;q=0.8\r\n"
	    "Accept-Encoding: gzip, deflate\r\n"
	    "Accept-Language: en-US,en;q=0.9\r\n\r\n";
	struct http_req r;
	uint64_t i, t0, ok = 0;

	t0 = cpu_ns();
	for (i = 0; i < ops; i++)
		ok += http_parse((const uint8_t *)req, sizeof(req) - 1, &r,
		    NULL) == HTTP_OK;
	report("http_parse of a 420-byte chromium request", cpu_ns() - t0,
	    ops);
	if (ok != ops)
		printf("bench_flow: parse failed\n");
}

int
main(int argc, char **argv)
{
	uint64_t ops = 2000000;
	uint8_t seg[1460];
	int c;

	uint64_t r;
	unsigned i;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		if (c == 'n' && parse_u64(optarg, 1, UINT64_MAX / 4, &ops))
			continue;
		if (c == 'r' && parse_u64(optarg, 1, 100, &r)) {
			runs = (unsigned)r;
			continue;
		}
		fprintf(stderr, "usage: bench_flow [-n OPS] [-r RUNS]\n");
		return 2;
	}
	memset(seg, 'x', sizeof(seg));
#define BEST(call) for (i = 0; i < runs; i++) call
	BEST(bench_siphash(ops));
	BEST(bench_lookup(ops, 50000));
	BEST(bench_new_flows(ops, seg));
	BEST(bench_steady(ops, 1000, 100, seg));
	BEST(bench_steady(ops, 5000, 1460, seg));
	BEST(bench_ooo(ops, 1000, seg));
	BEST(bench_http(ops / 4));
	return 0;
}
