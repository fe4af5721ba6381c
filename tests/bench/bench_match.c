/*
 * bench_match.c - the matcher benchmark (issue 3, docs/design.md section 7).
 * Figures are printed, never asserted. tests/bench/match.sh drives it:
 *
 *   bench_match gen N PREFIX [SEED]
 *       Write PREFIX.json, a veto-list/1 list of N distinct synthetic domain
 *       entries of 2 to 6 labels, and PREFIX.names (the same names, one a
 *       line).
 *   bench_match load PREFIX [PUBKEY]
 *       Load PREFIX.json as the daemon does (read, verify PREFIX.json.minisig
 *       with PUBKEY, parse, build), report times, the matcher's bytes per
 *       entry, the RSS delta and the peak RSS while loading, then the
 *       lookups per second on one core: (a) 50% hits / 50% misses drawn
 *       uniformly from all names (misses from the same generator), (b) a
 *       Zipf-like mix over 10,000 popular names, half of them hits.
 *   bench_match unbound PREFIX
 *       Start unbound in the foreground on 127.0.0.1 (a free port), first
 *       with no zones, then with every name of PREFIX.names as
 *       `local-zone: "NAME" always_nxdomain`; report the time until it
 *       answers, and its RSS.
 *
 * Each mode ends with one "figures:" line of key=value pairs for match.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policy/list.h"
#include "policy/match.h"
#include "core/util.h"

#if __has_include("sig.h")
#define HAVE_LIST_PARSE 1	/* list.c and sig.c have landed */
#include "trust/sig.h"
#else
#define HAVE_LIST_PARSE 0
#endif

#define NQUERIES (4u << 20)
static unsigned NPOPULAR = 10000;
#define ROUNDS 3

/* Random numbers: splitmix64, reproducible from the seed. */
static uint64_t rng_s;

static uint64_t
rng(void)
{
	uint64_t z = (rng_s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(((rng() >> 32) * n) >> 32);
}

static double
now_s(void)
{
	return (double)now_mono_ns() / 1e9;
}

/* CPU time of this thread: on a shared machine the fairer clock for "per
 * core" (other processes' time is not counted, their cache traffic is). */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A phase of the load: wall clock and CPU time (page faults included). */
struct phase {
	double wall, cpu;
};

static void
phase_start(struct phase *p)
{
	p->wall = -now_s();
	p->cpu = -cpu_s();
}

static void
phase_end(struct phase *p)
{
	p->wall += now_s();
	p->cpu += cpu_s();
}

/* Names: a top-level label from a weighted list of real ones, a second
 * level of 3-12 characters, further labels of 1-10 (www, cdn, img-2 ...). */
static const struct {
	const char *tld;
	unsigned weight;
} tlds[] = {
	{"com", 40}, {"net", 8}, {"org", 8}, {"de", 6}, {"nl", 4}, {"ru", 4},
	{"info", 3}, {"io", 3}, {"xyz", 3}, {"fr", 3}, {"uk", 3}, {"top", 2},
	{"it", 2}, {"br", 2}, {"jp", 2}, {"cn", 2}, {"pl", 2}, {"be", 2},
	{"eu", 2}, {"online", 1}, {"site", 1}, {"shop", 1}, {"biz", 1},
};

static void
gen_label(char *out, size_t *len, unsigned min, unsigned max)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned n = min + rnd(max - min + 1);

	for (unsigned i = 0; i < n; i++) {
		char c = chars[rnd(i == 0 || i == n - 1 ? 36 : 37)];

		out[(*len)++] = c ? c : '-';
	}
}

/* A name of nlabels labels into out; returns its length. */
static size_t
gen_name(char *out, unsigned nlabels)
{
	unsigned total = 0, w;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_LEN(tlds); i++)
		total += tlds[i].weight;
	for (unsigned i = 0; i + 2 < nlabels; i++) {
		gen_label(out, &len, 1, 10);
		out[len++] = '.';
	}
	gen_label(out, &len, 3, 12);
	out[len++] = '.';
	w = rnd(total);
	for (size_t i = 0; i < ARRAY_LEN(tlds); i++) {
		if (w < tlds[i].weight) {
			len += str_copy(out + len, tlds[i].tld, 16);
			break;
		}
		w -= tlds[i].weight;
	}
	out[len] = '\0';
	return len;
}

static uint64_t
name_hash(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * UINT64_C(0x100000001b3);
	return h | 1;
}

/* A set of 64-bit name hashes, to keep the generated names distinct. */
struct hset {
	uint64_t *v;
	size_t mask;
};

static bool
hset_add(struct hset *s, uint64_t h)
{
	for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
		if (s->v[i] == h)
			return false;
		if (s->v[i] == 0) {
			s->v[i] = h;
			return true;
		}
	}
}

static int
cmd_gen(int argc, char **argv)
{
	uint64_t n;
	char path[4096], name[300];
	struct hset set;
	size_t cap = 1, sum = 0;
	FILE *json, *names;

	if (argc < 3 || !parse_u64(argv[1], 1, 1000000000, &n)) {
		fprintf(stderr, "usage: bench_match gen N PREFIX [SEED]\n");
		return 2;
	}
	rng_s = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	while (cap < 2 * n)
		cap <<= 1;
	set.v = xcalloc(cap, sizeof(*set.v));
	set.mask = cap - 1;
	snprintf(path, sizeof(path), "%s.json", argv[2]);
	json = fopen(path, "w");
	snprintf(path, sizeof(path), "%s.names", argv[2]);
	names = fopen(path, "w");
	if (json == NULL || names == NULL) {
		perror(path);
		return 1;
	}
	fprintf(json, "{\"format\": \"veto-list/1\", \"feed\": \"bench/synthetic\", "
	    "\"serial\": \"1\", \"issued\": \"2026-01-01T00:00:00Z\", "
	    "\"expires\": \"2099-01-01T00:00:00Z\",\n \"authority\": {\"name\": "
	    "\"Benchmark\"},\n \"categories\": {\"bench\": {\"label\": "
	    "\"Synthetic\"}},\n \"entries\": [\n");
	for (uint64_t i = 0; i < n; i++) {
		size_t len;

		do
			len = gen_name(name, 2 + rnd(5));
		while (!hset_add(&set, name_hash(name, len)));
		sum += len;
		fprintf(json, "%s{\"id\": \"e%" PRIu64 "\", \"type\": \"domain\", "
		    "\"value\": \"%s\", \"cat\": \"bench\"}", i ? ",\n" : "",
		    i + 1, name);
		fprintf(names, "%s\n", name);
	}
	fprintf(json, "\n]}\n");
	if (fclose(json) != 0 || fclose(names) != 0) {
		perror("write");
		return 1;
	}
	free(set.v);
	printf("generated %" PRIu64 " distinct domain names of 2-6 labels, "
	    "%.1f bytes on average\n", n, (double)sum / (double)n);
	printf("figures: entries=%" PRIu64 " avg_name=%.2f\n", n,
	    (double)sum / (double)n);
	return 0;
}

/* Memory, from /proc/self. */

static size_t
proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key), v = 0;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtoull(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static size_t
rss_bytes(void)
{
	return proc_status_kb(0, "VmRSS") * 1024;
}

static size_t
peak_bytes(void)
{
	return proc_status_kb(0, "VmHWM") * 1024;
}

static void
peak_reset(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "5", 1) != 1)
			fprintf(stderr, "clear_refs: %s\n", strerror(errno));
		close(fd);
	}
}

/* The names file, in memory: one buffer, NUL-separated. */
struct names {
	char *buf;
	size_t len, n;
	uint32_t *off;
};

static int
names_load(const char *prefix, struct names *nm)
{
	char path[4096];
	uint8_t *buf;
	struct verr e;
	size_t k = 0;

	snprintf(path, sizeof(path), "%s.names", prefix);
	if (file_read(path, (size_t)1 << 34, &buf, &nm->len, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	nm->buf = (char *)buf;
	nm->n = 0;
	for (size_t i = 0; i < nm->len; i++)
		nm->n += nm->buf[i] == '\n';
	nm->off = xcalloc(nm->n + 1, sizeof(*nm->off));
	for (size_t i = 0, start = 0; i < nm->len; i++) {
		if (nm->buf[i] != '\n')
			continue;
		nm->buf[i] = '\0';
		nm->off[k++] = (uint32_t)start;
		start = i + 1;
	}
	return 0;
}

/* Loading. */

struct load {
	struct phase read, verify, parse, build;
	bool verified, stand_in;
	struct list *list;
	struct matcher *m;
};

#if HAVE_LIST_PARSE
static int
load_list(const char *prefix, const char *pubkey, struct load *ld)
{
	struct list_limits lim = {(uint64_t)1 << 36, UINT32_MAX - 1};
	struct sig_keyring ring = {.n = 0};
	uint8_t *buf, *sigbuf;
	size_t len, siglen;
	char path[4096];
	struct verr e;

	list_init();
	snprintf(path, sizeof(path), "%s.json", prefix);
	phase_start(&ld->read);
	if (file_read(path, (size_t)1 << 36, &buf, &len, &e) < 0)
		goto fail;
	phase_end(&ld->read);
	if (pubkey != NULL) {
		snprintf(path, sizeof(path), "%s.json.minisig", prefix);
		if (sig_keyring_add_arg(&ring, pubkey, &e) < 0 ||
		    file_read(path, SIG_FILE_MAX, &sigbuf, &siglen, &e) < 0)
			goto fail;
		phase_start(&ld->verify);
		if (sig_verify(&ring, buf, len, sigbuf, siglen, 0, NULL, &e) < 0)
			goto fail;
		phase_end(&ld->verify);
		ld->verified = true;
		free(sigbuf);
	}
	phase_start(&ld->parse);
	ld->list = list_parse(buf, len, &lim, &e);
	phase_end(&ld->parse);
	free(buf);
	if (ld->list == NULL)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "bench_match: %s\n", e.msg);
	return -1;
}

static void
load_done(struct load *ld)
{
	list_drop_entries(ld->list);
}

static void
load_free(struct load *ld)
{
	list_free(ld->list);
}
#else
/* Stand-in until list.c lands: the names file into entries by hand. */
static int
load_list(const char *prefix, const char *pubkey, struct load *ld)
{
	struct names nm;
	struct list *l;

	(void)pubkey;
	ld->stand_in = true;
	phase_start(&ld->read);
	if (names_load(prefix, &nm) < 0)
		return -1;
	phase_end(&ld->read);
	phase_start(&ld->parse);
	l = xcalloc(1, sizeof(*l));
	l->bulk = arena_new(1 << 20);
	l->entries = arena_alloc(l->bulk, nm.n * sizeof(*l->entries));
	for (size_t i = 0; i < nm.n; i++) {
		struct list_entry *le = &l->entries[i];
		char id[24];
		int n = snprintf(id, sizeof(id), "e%zu", i + 1);
		const char *v = nm.buf + nm.off[i];

		memset(le, 0, sizeof(*le));
		le->type = LIST_DOMAIN;
		le->value = arena_strndup(l->bulk, v, strlen(v));
		le->id = arena_strndup(l->bulk, id, (size_t)n);
	}
	l->nentries = l->count[LIST_DOMAIN] = nm.n;
	phase_end(&ld->parse);
	ld->list = l;
	free(nm.buf);
	free(nm.off);
	return 0;
}

static void
load_done(struct load *ld)
{
	arena_free(ld->list->bulk);
	ld->list->bulk = NULL;
	ld->list->entries = NULL;
}

static void
load_free(struct load *ld)
{
	free(ld->list);
}
#endif

/* Queries: names copied into one buffer in the order they are asked. */
struct queries {
	char *buf;
	uint32_t *off;
	uint8_t *len;
	size_t n;
};

static void
queries_add(struct queries *q, size_t *used, const char *s, size_t len)
{
	memcpy(q->buf + *used, s, len);
	q->off[q->n] = (uint32_t)*used;
	q->len[q->n++] = (uint8_t)len;
	*used += len;
}

static unsigned
labels_of(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* A hit: a listed name, or a name below it (still 2-6 labels). */
static size_t
hit_name(const struct names *nm, char *out)
{
	const char *v = nm->buf + nm->off[rnd((unsigned)nm->n)];
	size_t len = 0;

	if (labels_of(v) < 6 && rnd(2)) {
		gen_label(out, &len, 1, 10);
		out[len++] = '.';
	}
	len += str_copy(out + len, v, 256);
	return len;
}

static void
queries_random(const struct names *nm, struct queries *q, size_t n)
{
	char name[300];
	size_t used = 0;

	q->buf = xcalloc(n, 80);
	q->off = xcalloc(n, sizeof(*q->off));
	q->len = xcalloc(n, 1);
	q->n = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = rnd(2) ? hit_name(nm, name) :
		    gen_name(name, 2 + rnd(5));

		queries_add(q, &used, name, len);
	}
}

/* Zipf (s = 1) over npop names, half of them hits, ranks shuffled. */
static void
queries_zipf(const struct names *nm, struct queries *pop, uint32_t **seq,
    size_t n)
{
	double *cdf = xcalloc(NPOPULAR, sizeof(*cdf)), sum = 0;
	char name[300];
	size_t used = 0;

	pop->buf = xcalloc(NPOPULAR, 80);
	pop->off = xcalloc(NPOPULAR, sizeof(*pop->off));
	pop->len = xcalloc(NPOPULAR, 1);
	pop->n = 0;
	for (size_t i = 0; i < NPOPULAR; i++) {
		size_t len = rnd(2) ? hit_name(nm, name) :
		    gen_name(name, 2 + rnd(5));

		queries_add(pop, &used, name, len);
	}
	for (size_t k = 0; k < NPOPULAR; k++)
		cdf[k] = (sum += 1.0 / (double)(k + 1));
	*seq = xcalloc(n, sizeof(**seq));
	for (size_t i = 0; i < n; i++) {
		double u = (double)(rng() >> 11) / 9007199254740992.0 * sum;
		size_t lo = 0, hi = NPOPULAR - 1;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		(*seq)[i] = (uint32_t)lo;	/* rank lo is popular name lo */
	}
	free(cdf);
}

/* The latency of one random memory access here (a pointer chase over 256
 * MiB in huge pages), for reading the random-lookup figure: a miss costs
 * about one, a hit two (slot, then record). */
static double
memory_latency_ns(void)
{
	size_t n = ((size_t)256 << 20) / sizeof(uint64_t), steps = 2000000;
	uint64_t *a = mmap(NULL, n * sizeof(*a), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p = 0;
	double t;

	if (a == MAP_FAILED)
		return 0;
	madvise(a, n * sizeof(*a), MADV_HUGEPAGE);
	/* one random cycle through every element (Sattolo) */
	for (size_t i = 0; i < n; i++)
		a[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng() % i;
		uint64_t tmp = a[i];

		a[i] = a[j];
		a[j] = tmp;
	}
	t = cpu_s();
	for (size_t i = 0; i < steps; i++)
		p = a[p];
	t = cpu_s() - t;
	munmap(a, n * sizeof(*a));
	return p == n ? 0 : t / (double)steps * 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Names per second of CPU time (and of wall time): the median of ROUNDS
 * runs over all queries. */
static double
run_lookups(const struct matcher *m, struct match_cache *cache,
    const struct queries *q, const uint32_t *seq, size_t n, double *hitrate,
    double *wall)
{
	double rate[ROUNDS], wrate[ROUNDS];
	size_t hits = 0;

	for (unsigned round = 0; round < ROUNDS; round++) {
		struct match_result r;
		double t = now_s(), c = cpu_s();

		hits = 0;
		for (size_t i = 0; i < n; i++) {
			size_t k = seq ? seq[i] : i;

			hits += cache != NULL ?
			    match_name_cached(m, cache, q->buf + q->off[k],
			    q->len[k], &r) :
			    match_name(m, q->buf + q->off[k], q->len[k], &r);
		}
		rate[round] = (double)n / (cpu_s() - c);
		wrate[round] = (double)n / (now_s() - t);
	}
	qsort(rate, ROUNDS, sizeof(rate[0]), cmp_double);
	qsort(wrate, ROUNDS, sizeof(wrate[0]), cmp_double);
	*hitrate = (double)hits / (double)n;
	*wall = wrate[ROUNDS / 2];
	return rate[ROUNDS / 2];
}

struct figures {
	size_t n, rss0, rss1, peak;
	double random_rate, random_wall, random_hits;
	double zipf_rate, zipf_wall, zipf_hits;
	double cached_rate, cached_wall, cached_hits, cache_hitrate;
	double rcached_rate, rcached_wall, rcached_hits;
};

static void
report_load(const struct load *ld, const struct figures *f)
{
	struct matcher_info mi;
	double n = (double)f->n;
	char verify[64];

	matcher_info(ld->m, &mi);
	if (ld->verified)
		snprintf(verify, sizeof(verify), "%.0f ms (%.0f)",
		    ld->verify.cpu * 1e3, ld->verify.wall * 1e3);
	else
		snprintf(verify, sizeof(verify), "n/a");
	printf("load %zu entries, CPU time (wall clock): read %.0f ms (%.0f), "
	    "verify %s, parse %.0f ms (%.0f)%s, build %.0f ms (%.0f); "
	    "verify+parse+build %.0f ms (%.0f)\n", f->n, ld->read.cpu * 1e3,
	    ld->read.wall * 1e3, verify, ld->parse.cpu * 1e3,
	    ld->parse.wall * 1e3, ld->stand_in ? " [stand-in: names file to "
	    "entries; list_parse not merged yet]" : "", ld->build.cpu * 1e3,
	    ld->build.wall * 1e3,
	    (ld->verify.cpu + ld->parse.cpu + ld->build.cpu) * 1e3,
	    (ld->verify.wall + ld->parse.wall + ld->build.wall) * 1e3);
	printf("memory: matcher %.1f bytes/entry = slots %.1f (%zu at "
	    "%.0f%% load, max probe %u) + rank %.2f + records %.1f + extra "
	    "%.1f; RSS delta %.1f bytes/entry; peak RSS while loading "
	    "%.0f MB (%.0f bytes/entry)\n", (double)matcher_bytes(ld->m) / n,
	    (double)mi.slot_bytes / n, mi.slots,
	    100.0 * (double)mi.keys / (double)mi.slots, mi.max_dist,
	    (double)mi.rank_bytes / n, (double)mi.arena_bytes / n,
	    (double)mi.extra_bytes / n, (double)(f->rss1 - f->rss0) / n,
	    (double)(f->peak - f->rss0) / 1e6, (double)(f->peak - f->rss0) / n);
}

/* Both query mixes; BENCH_ONLY=random|zipf and BENCH_POPULAR=N are for
 * profiling. */
static int
lookups(const struct matcher *m, const char *prefix, struct figures *f)
{
	const char *only = getenv("BENCH_ONLY");
	struct names nm;
	struct queries q, pop;
	uint32_t *seq;

	if (names_load(prefix, &nm) < 0)
		return -1;
	rng_s = 0x5eed;
	if (getenv("BENCH_POPULAR") != NULL)
		NPOPULAR = (unsigned)strtoul(getenv("BENCH_POPULAR"), NULL, 10);
	queries_random(&nm, &q, NQUERIES);
	queries_zipf(&nm, &pop, &seq, NQUERIES);
	if (only == NULL || strcmp(only, "random") == 0)
		f->random_rate = run_lookups(m, NULL, &q, NULL, q.n,
		    &f->random_hits, &f->random_wall);
	if (only == NULL || strcmp(only, "zipf") == 0)
		f->zipf_rate = run_lookups(m, NULL, &pop, seq, NQUERIES,
		    &f->zipf_hits, &f->zipf_wall);
	if (only == NULL || strcmp(only, "cached") == 0) {
		/* the packet path's per-thread cache (match_name_cached) */
		struct match_cache *c = match_cache_new();
		uint64_t ch, cm;
		f->cached_rate = run_lookups(m, c, &pop, seq, NQUERIES,
		    &f->cached_hits, &f->cached_wall);
		match_cache_stats(c, &ch, &cm);
		f->cache_hitrate = (double)ch / (double)(ch + cm);
		match_cache_free(c);
		c = match_cache_new();
		f->rcached_rate = run_lookups(m, c, &q, NULL, q.n,
		    &f->rcached_hits, &f->rcached_wall);
		match_cache_free(c);
	}
	printf("memory latency here: %.0f ns per dependent random access\n",
	    memory_latency_ns());
	printf("lookups, one thread, median of %d runs of %u names, per "
	    "second of CPU time (wall clock):\n"
	    "  random (uniform over all names, 2-6 labels): %.2f M names/s "
	    "(%.2f), %.1f%% hits\n"
	    "  skewed (Zipf s=1 over %d popular names): %.2f M names/s "
	    "(%.2f), %.1f%% hits\n", ROUNDS, NQUERIES, f->random_rate / 1e6,
	    f->random_wall / 1e6, f->random_hits * 100, NPOPULAR,
	    f->zipf_rate / 1e6, f->zipf_wall / 1e6, f->zipf_hits * 100);
	printf("  with the per-thread cache of the packet path "
	    "(match_name_cached, %u lines):\n"
	    "    skewed: %.2f M names/s (%.2f), cache answered %.1f%%\n"
	    "    random: %.2f M names/s (%.2f) (the cache's cost when it "
	    "cannot help)\n", MATCH_CACHE_LINES, f->cached_rate / 1e6,
	    f->cached_wall / 1e6, f->cache_hitrate * 100, f->rcached_rate / 1e6,
	    f->rcached_wall / 1e6);
	return 0;
}

static int
cmd_load(int argc, char **argv)
{
	struct load ld = {0};
	struct figures f = {0};
	struct verr e;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_match load PREFIX [PUBKEY]\n");
		return 2;
	}
	peak_reset();
	f.rss0 = rss_bytes();
	if (load_list(argv[1], argc > 2 ? argv[2] : NULL, &ld) < 0)
		return 1;
	phase_start(&ld.build);
	ld.m = matcher_build(&ld.list, 1, &e);
	phase_end(&ld.build);
	if (ld.m == NULL) {
		fprintf(stderr, "bench_match: %s\n", e.msg);
		return 1;
	}
	load_done(&ld);
	malloc_trim(0);		/* freed heap pages back, so RSS is what lives */
	f.rss1 = rss_bytes();
	f.peak = peak_bytes();
	f.n = matcher_entries(ld.m);
	report_load(&ld, &f);
	if (lookups(ld.m, argv[1], &f) < 0)
		return 1;
	printf("figures: entries=%zu verify_ms=%.1f parse_ms=%.1f "
	    "build_ms=%.1f load_ms=%.1f load_wall_ms=%.1f matcher_bpe=%.1f "
	    "rss_bpe=%.1f peak_mb=%.1f random_mps=%.2f zipf_mps=%.2f "
	    "zipf_cached_mps=%.2f "
	    "stand_in=%d\n", f.n, ld.verify.cpu * 1e3, ld.parse.cpu * 1e3,
	    ld.build.cpu * 1e3,
	    (ld.verify.cpu + ld.parse.cpu + ld.build.cpu) * 1e3,
	    (ld.verify.wall + ld.parse.wall + ld.build.wall) * 1e3,
	    (double)matcher_bytes(ld.m) / (double)f.n,
	    (double)(f.rss1 - f.rss0) / (double)f.n,
	    (double)(f.peak - f.rss0) / 1e6, f.random_rate / 1e6,
	    f.zipf_rate / 1e6, f.cached_rate / 1e6, ld.stand_in);
	matcher_free(ld.m);
	load_free(&ld);
	return 0;
}

/* unbound: a DNS query over UDP until an answer comes. */

static size_t
dns_query(uint8_t *out, uint16_t id, const char *name)
{
	size_t n = 12;

	memset(out, 0, 12);
	out[0] = id >> 8;
	out[1] = id & 0xff;
	out[2] = 0x01;			/* RD */
	out[5] = 1;			/* QDCOUNT */
	while (*name) {
		size_t l = strcspn(name, ".");

		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 1;			/* A */
	out[n++] = 0;
	out[n++] = 1;			/* IN */
	return n;
}

/* The rcode of the first answer, or -1 if none within timeout_ms. */
static int
dns_wait_answer(int port, const char *name, unsigned timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port)};
	uint8_t q[300], a[512];
	uint64_t end = now_mono_ms() + timeout_ms;
	uint16_t id = 0x4242;
	size_t qlen = dns_query(q, id, name);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (fd >= 0 && now_mono_ms() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		sendto(fd, q, qlen, 0, (struct sockaddr *)&sa, sizeof(sa));
		if (poll(&p, 1, 10) <= 0)
			continue;
		n = recv(fd, a, sizeof(a), 0);
		if (n >= 12 && a[0] == q[0] && a[1] == q[1]) {
			rc = a[3] & 0x0f;
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
free_udp_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int
unbound_conf(const char *path, int port, const struct names *nm)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "server:\n\tinterface: 127.0.0.1\n\tport: %d\n"
	    "\tdo-daemonize: no\n\tchroot: \"\"\n\tusername: \"\"\n"
	    "\tdirectory: \"\"\n\tpidfile: \"\"\n\tuse-syslog: no\n"
	    "\tlogfile: \"\"\n\tverbosity: 0\n\tnum-threads: 1\n"
	    "\tdo-ip6: no\n\tdo-tcp: no\n\taccess-control: 127.0.0.0/8 allow\n"
	    "\tmodule-config: \"iterator\"\n\tlocal-zone: \".\" refuse\n", port);
	for (size_t i = 0; nm != NULL && i < nm->n; i++)
		fprintf(f, "\tlocal-zone: \"%s\" always_nxdomain\n",
		    nm->buf + nm->off[i]);
	fprintf(f, "remote-control:\n\tcontrol-enable: no\n");
	return fclose(f);
}

/* CPU time (user + system) of a process so far, in seconds. */
static double
proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	/* after "pid (comm)": state is field 3, utime 14, stime 15 */
	for (int field = 2; field < 13 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return 0;
	ut = strtoull(p + 1, &p, 10);
	st = strtoull(p, NULL, 10);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Start unbound on conf, wait for an answer about `name`; report the
 * time (wall and unbound's CPU time), the rcode, the RSS and peak RSS. */
static int
unbound_run(const char *conf, int port, const char *name, double *secs,
    double *cpu, size_t *rss, size_t *peak)
{
	double t = now_s();
	pid_t pid = fork();
	int rc, status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("unbound", "unbound", "-d", "-c", conf, (char *)NULL);
		_exit(127);
	}
	rc = dns_wait_answer(port, name, 600000);
	*secs = now_s() - t;
	*cpu = proc_cpu_s(pid);
	*rss = proc_status_kb(pid, "VmRSS") * 1024;
	*peak = proc_status_kb(pid, "VmHWM") * 1024;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return rc;
}

static int
cmd_unbound(int argc, char **argv)
{
	struct names nm;
	char conf[4096];
	double t0, t1, c0, c1;
	size_t rss0, rss1, peak0, peak1;
	int port, rc0, rc1;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_match unbound PREFIX\n");
		return 2;
	}
	if (names_load(argv[1], &nm) < 0 || nm.n == 0)
		return 1;
	snprintf(conf, sizeof(conf), "%s.unbound.conf", argv[1]);
	if ((port = free_udp_port()) < 0 || unbound_conf(conf, port, NULL) < 0) {
		perror("unbound configuration");
		return 1;
	}
	rc0 = unbound_run(conf, port, nm.buf, &t0, &c0, &rss0, &peak0);
	if ((port = free_udp_port()) < 0 || unbound_conf(conf, port, &nm) < 0) {
		perror("unbound configuration");
		return 1;
	}
	rc1 = unbound_run(conf, port, nm.buf + nm.off[nm.n / 2], &t1, &c1,
	    &rss1, &peak1);
	unlink(conf);
	if (rc0 < 0 || rc1 < 0) {
		fprintf(stderr, "unbound did not answer (rcode %d, %d)\n", rc0,
		    rc1);
		return 1;
	}
	printf("unbound: no zones: answered (rcode %d) after %.0f ms (CPU %.0f "
	    "ms), RSS %.1f MB\n"
	    "unbound: %zu local-zones: answered (rcode %d, 3 = NXDOMAIN) after "
	    "%.0f ms (CPU %.0f ms), RSS %.1f MB, peak %.1f MB, %.0f bytes/entry "
	    "over the empty server\n", rc0, t0 * 1e3, c0 * 1e3,
	    (double)rss0 / 1e6, nm.n, rc1, t1 * 1e3, c1 * 1e3,
	    (double)rss1 / 1e6, (double)peak1 / 1e6,
	    (double)(rss1 - rss0) / (double)nm.n);
	printf("figures: entries=%zu unbound_load_ms=%.1f "
	    "unbound_load_wall_ms=%.1f unbound_rss_bpe=%.1f unbound_rss_mb=%.1f "
	    "unbound_peak_mb=%.1f\n", nm.n, c1 * 1e3, t1 * 1e3,
	    (double)(rss1 - rss0) / (double)nm.n, (double)rss1 / 1e6,
	    (double)peak1 / 1e6);
	return rc1 == 3 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "load") == 0)
		return cmd_load(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "unbound") == 0)
		return cmd_unbound(argc - 1, argv + 1);
	fprintf(stderr, "usage: bench_match gen N PREFIX [SEED] | "
	    "load PREFIX [PUBKEY] | unbound PREFIX\n");
	return 2;
}
