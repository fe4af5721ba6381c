/*
 * bench_tls_quic.c - nanoseconds per ClientHello parse and per QUIC Initial
 * decrypt + parse, on the captured bytes in tests/data. Prints figures, one
 * line each; asserts nothing about time. Time is the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), so other work on a shared machine inflates it
 * less than wall-clock time; the wall-clock figure is printed beside it.
 *
 *   build/tests/bench/bench_tls_quic [DATADIR]    (default tests/data)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/quic.h"
#include "engine/tls.h"
#include "core/util.h"

#define FILE_MAX 65536
#define RUN_NS 300000000ull	/* about 0.3 s per figure */

struct blob {
	uint8_t b[FILE_MAX];
	size_t n;
};

static const char *datadir = "tests/data";
static uint8_t scratch[TLS_SCRATCH_MAX];
static uint8_t plain[FILE_MAX];
static uint8_t work[FILE_MAX + TLS_SCRATCH_MAX];
static struct quic_ctx *qc;
static volatile size_t sink;

static void
load(const char *name, struct blob *out)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", datadir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	out->n = fread(out->b, 1, sizeof(out->b), f);
	fclose(f);
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Run fn until RUN_NS of CPU time have passed (in batches of 100), print
 * CPU ns per call, calls per CPU second, and wall-clock ns per call. */
static void
bench(const char *what, size_t bytes, size_t (*fn)(const void *),
    const void *arg)
{
	uint64_t start, now, wall, n = 0;
	size_t i;

	for (i = 0; i < 1000; i++)	/* warm up */
		sink += fn(arg);
	wall = now_mono_ns();
	start = cpu_ns();
	do {
		for (i = 0; i < 100; i++)
			sink += fn(arg);
		n += 100;
		now = cpu_ns();
	} while (now - start < RUN_NS);
	wall = now_mono_ns() - wall;
	printf("%-46s %5zu B %8.0f ns/op %7.3f M/s  (wall %.0f ns)\n", what,
	    bytes, (double)(now - start) / (double)n,
	    (double)n * 1e3 / (double)(now - start), (double)wall / (double)n);
}

static size_t
tls_stream(const void *arg)
{
	const struct blob *b = arg;
	struct tls_hello h;

	if (tls_parse_stream(b->b, b->n, scratch, sizeof(scratch), &h) !=
	    TLS_NAME)
		abort();
	return h.name_len;
}

static size_t
tls_hs(const void *arg)
{
	const struct blob *b = arg;
	struct tls_hello h;

	if (tls_parse_handshake(b->b, b->n, &h) != TLS_NAME)
		abort();
	return h.name_len;
}

static size_t
keys_derive(const void *arg)
{
	const struct blob *b = arg;
	struct quic_keys k;

	if (quic_keys_derive(qc, QUIC_V1, b->b + 6, b->b[5], &k) < 0)
		abort();
	return k.key[0];
}

static int
count_frame(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	(void)off;
	(void)data;
	*(size_t *)arg += len;
	return 0;
}

/* Decrypt and walk, keys derived from the packet. */
static size_t
quic_nocache(const void *arg)
{
	const struct blob *b = arg;
	size_t got = 0;

	if (quic_parse(qc, b->b, b->n, NULL, plain, sizeof(plain),
	    count_frame, &got, NULL) != QUIC_OK)
		abort();
	return got;
}

/* The same with the flow's cached keys. */
static size_t
quic_cached(const void *arg)
{
	static struct quic_keys keys;
	const struct blob *b = arg;
	size_t got = 0;

	if (quic_parse(qc, b->b, b->n, &keys, plain, sizeof(plain),
	    count_frame, &got, NULL) != QUIC_OK)
		abort();
	return got;
}

static size_t
quic_name(const void *arg)
{
	const struct blob *b = arg;
	struct tls_hello h;
	enum tls_status ts;

	if (quic_sni(qc, b->b, b->n, work, sizeof(work), &ts, &h) !=
	    QUIC_OK || ts != TLS_NAME)
		abort();
	return h.name_len;
}

static size_t
is_initial(const void *arg)
{
	const struct blob *b = arg;

	return quic_is_initial(b->b, b->n);
}

/* The ClientHello of b in records of frag bytes. */
static void
reframe(const struct blob *b, size_t frag, struct blob *out)
{
	size_t off = 5, l;

	out->n = 0;
	while (off < b->n) {
		l = MIN(frag, b->n - off);
		memcpy(out->b + out->n, "\x16\x03\x01", 3);
		out->b[out->n + 3] = (uint8_t)(l >> 8);
		out->b[out->n + 4] = (uint8_t)l;
		memcpy(out->b + out->n + 5, b->b + off, l);
		out->n += 5 + l;
		off += l;
	}
}

int
main(int argc, char **argv)
{
	static struct blob small, chrome, framed, hs, q1, q2, ng;
	struct verr e;

	if (argc > 1)
		datadir = argv[1];
	if ((qc = quic_ctx_new(&e)) == NULL) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	load("tls/openssl_tls13.bin", &small);
	load("tls/chromium_1.bin", &chrome);
	reframe(&chrome, 512, &framed);
	hs.n = chrome.n - 5;
	memcpy(hs.b, chrome.b + 5, hs.n);
	load("quic/chrome_quic1_1.bin", &q1);
	load("quic/chrome_quic1_2.bin", &q2);
	load("quic/ngtcp2_v1_1.bin", &ng);

	bench("tls_parse_stream openssl (1 record)", small.n, tls_stream,
	    &small);
	bench("tls_parse_stream chromium PQ (1 record)", chrome.n, tls_stream,
	    &chrome);
	bench("tls_parse_stream chromium PQ (512 B records)", framed.n,
	    tls_stream, &framed);
	bench("tls_parse_handshake chromium PQ", hs.n, tls_hs, &hs);
	bench("quic_is_initial", q1.n, is_initial, &q1);
	bench("quic_keys_derive (HKDF, 5 HMAC-SHA256)", q1.b[5], keys_derive,
	    &q1);
	bench("quic_parse chrome Initial, keys per packet", q1.n,
	    quic_nocache, &q1);
	bench("quic_parse chrome Initial, cached keys", q1.n, quic_cached,
	    &q1);
	bench("quic_parse chrome Initial 2, cached keys", q2.n, quic_cached,
	    &q2);
	bench("quic_sni ngtcp2 Initial (decrypt+join+parse)", ng.n, quic_name,
	    &ng);
	quic_ctx_free(qc);
	return 0;
}
