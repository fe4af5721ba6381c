/*
 * bench_list.c - how long a big list takes from bytes to a parsed, checked
 * struct list: read, minisign verification, parse (UTF-8 check, SHA-256,
 * cJSON, canonical values, duplicate ids), guardrails; and the peak RSS.
 *
 *   bench_list [N ...]       N entries each (default 1000000)
 *
 * For each N a child process generates a list (80% domain, 10% host, 10%
 * url entries with realistic names), writes it to a temporary directory
 * and signs it with the stock `minisign` binary (prehashed, a fresh key);
 * a second, fresh child then measures each step once (CPU time, and the
 * wall clock over all of them), printing one line. Peak RSS is that
 * child's (getrusage): the file bytes, cJSON's per-entry trees and the
 * parsed list together. Figures are printed, never asserted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trust/guard.h"
#include "policy/list.h"
#include "trust/sig.h"
#include "core/util.h"

/* CPU seconds of this process: the machine is shared, so wall-clock
 * times depend on the neighbours; CPU time much less. */
static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double
secs(uint64_t t0)
{
	return (double)(cpu_ns() - t0) / 1e9;
}

static long
peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static const char *const words[] = {"share", "files", "img", "cdn", "pics",
	"upload", "host", "free", "dl", "box", "drop", "video", "cloud", "zone"};
static const char *const tlds[] = {"com", "net", "org", "info", "ru", "nl",
	"de", "xyz", "top", "example"};

static char *
generate(size_t n, size_t *len)
{
	size_t cap = 512 + n * 120, o = 0;
	char *b = malloc(cap);
	unsigned seed = 12345;

	if (b == NULL)
		return NULL;
	o += (size_t)snprintf(b, cap, "{\n\"format\": \"veto-list/1\",\n\"feed\": "
	    "\"bench/list\",\n\"serial\": \"2026112801\",\n\"issued\": "
	    "\"2026-01-01T00:00:00Z\",\n\"expires\": \"2036-01-01T00:00:00Z\",\n"
	    "\"authority\": {\"name\": \"Bench\"},\n\"categories\": {\"csam\": "
	    "{\"label\": \"CSAM\"}, \"test\": {\"label\": \"Canary\"}},\n"
	    "\"entries\": [\n");
	for (size_t i = 0; i < n; i++) {
		const char *w = words[rand_r(&seed) % ARRAY_LEN(words)];
		const char *t = tlds[rand_r(&seed) % ARRAY_LEN(tlds)];
		unsigned r = (unsigned)rand_r(&seed) % 10;
		const char *type = r < 8 ? "domain" : r == 8 ? "host" : "url";
		char val[128];

		if (r < 8)
			snprintf(val, sizeof(val), "%s%zu.%s", w, i, t);
		else if (r == 8)
			snprintf(val, sizeof(val), "www.%s%zu.%s", w, i, t);
		else
			snprintf(val, sizeof(val), "http://%s.%s/u/%zu/", w, t, i);
		o += (size_t)snprintf(b + o, cap - o, "%s{\"id\": \"e%zu\", \"type\": "
		    "\"%s\", \"value\": \"%s\", \"cat\": \"%s\"}", i ? ",\n" : "",
		    i, type, val, i % 100000 == 7 ? "test" : "csam");
	}
	o += (size_t)snprintf(b + o, cap - o, "\n]\n}\n");
	*len = o;
	return b;
}

/* Write a list of n entries and sign it with minisign. */
static int
make_signed(const char *dir, size_t n)
{
	char path[512], cmd[2048];
	struct verr e;
	size_t len;
	char *gen;

	gen = generate(n, &len);
	snprintf(path, sizeof(path), "%s/list.json", dir);
	if (gen == NULL || file_write_atomic(path, gen, len, 0600, &e) == -1) {
		fprintf(stderr, "bench_list: %s\n", gen ? e.msg : "out of memory");
		return 1;
	}
	free(gen);
	snprintf(cmd, sizeof(cmd), "minisign -S -s %s/k.key -m %s >/dev/null", dir, path);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_list: minisign -S failed\n");
		return 1;
	}
	return 0;
}

/* In a fresh process (so the peak RSS is this work's alone). */
static int
measure(const char *dir, size_t n)
{
	char path[512], cmd[2048];
	struct list_limits lim = {1ULL << 31, 1ULL << 31};
	struct sig_keyring ring = {.n = 0};
	struct sig_info info;
	struct guard *g;
	struct list *l;
	struct verr e;
	uint8_t *buf, *sig;
	size_t len, siglen;
	double t_read, t_verify, t_parse, t_guard, wall;
	uint64_t t0, w0;

	snprintf(path, sizeof(path), "%s/list.json", dir);
	snprintf(cmd, sizeof(cmd), "%s/k.pub", dir);
	if (sig_keyring_add_arg(&ring, cmd, &e) == -1 ||
	    (g = guard_new(NULL, &e)) == NULL) {
		fprintf(stderr, "bench_list: %s\n", e.msg);
		return 1;
	}
	w0 = now_mono_ns();
	t0 = cpu_ns();
	if (file_read(path, 1ULL << 31, &buf, &len, &e) == -1)
		return fprintf(stderr, "bench_list: %s\n", e.msg), 1;
	snprintf(cmd, sizeof(cmd), "%s.minisig", path);
	if (file_read(cmd, SIG_FILE_MAX, &sig, &siglen, &e) == -1)
		return fprintf(stderr, "bench_list: %s\n", e.msg), 1;
	t_read = secs(t0);
	t0 = cpu_ns();
	if (sig_verify(&ring, buf, len, sig, siglen, 0, &info, &e) == -1)
		return fprintf(stderr, "bench_list: %s\n", e.msg), 1;
	t_verify = secs(t0);
	t0 = cpu_ns();
	if ((l = list_parse(buf, len, &lim, &e)) == NULL)
		return fprintf(stderr, "bench_list: %s\n", e.msg), 1;
	t_parse = secs(t0);
	t0 = cpu_ns();
	if (guard_check(g, l, NULL, &e) != 0)
		return fprintf(stderr, "bench_list: %s\n", e.msg), 1;
	t_guard = secs(t0);
	wall = (double)(now_mono_ns() - w0) / 1e9;
	printf("%10zu %8.1f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %8ld %9.1f\n", n,
	    (double)len / 1e6, t_read, t_verify, t_parse, t_guard,
	    t_verify + t_parse + t_guard, wall, peak_rss_mb(),
	    (double)(arena_used(l->bulk) + arena_used(l->meta) +
	    l->nentries * sizeof(*l->entries)) / 1e6);
	list_free(l);
	guard_free(g);
	free(buf);
	free(sig);
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/veto-bench-list-XXXXXX", cmd[512];
	int rc = 0;

	if (mkdtemp(dir) == NULL) {
		perror("bench_list: mkdtemp");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "minisign -G -W -p %s/k.pub -s %s/k.key >/dev/null", dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_list: minisign -G failed (apt-get install minisign)\n");
		rc = 1;
		goto out;
	}
	printf("bench_list: list bytes -> verified, parsed, checked struct list\n"
	    "(CPU seconds per step; wall = read..guard on the wall clock; peak RSS "
	    "in MiB;\n listMB = memory the parsed list keeps until the matcher "
	    "is built)\n");
	printf("%10s %8s %7s %7s %7s %7s %7s %7s %8s %9s\n", "entries", "MB", "read",
	    "verify", "parse", "guard", "total", "wall", "peakRSS", "listMB");
	for (int i = argc > 1 ? 1 : 0; i < (argc > 1 ? argc : 1); i++) {
		uint64_t n = 1000000;
		pid_t pid;
		int st;

		if (argc > 1 && !parse_u64(argv[i], 1, 100000000, &n)) {
			fprintf(stderr, "bench_list: `%s' is not a count\n", argv[i]);
			rc = 2;
			break;
		}
		fflush(stdout);
		for (int step = 0; step < 2 && rc == 0; step++) {
			if ((pid = fork()) == 0)
				_exit((step == 0 ? make_signed(dir, (size_t)n) :
				    measure(dir, (size_t)n)) | (fflush(stdout) != 0));
			if (pid == -1 || waitpid(pid, &st, 0) == -1 ||
			    !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				rc = 1;
		}
	}
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
