/*
 * dns_pause.c - how long do DNS answers stall while something happens
 * (tests/bench/fetch.sh: while vetod swaps in a new list)?
 *
 *   dns_pause SERVER NAME[,NAME...] SECONDS [INTERVAL_US] [READY_FILE]
 *
 * Sends one UDP query for an A record at a time (names in turn), waits up
 * to a second for its answer, then waits INTERVAL_US (default 1000) and
 * sends the next, for SECONDS. Touches READY_FILE after the first answer.
 * Prints: queries, answers, losses, latency percentiles and maximum, and
 * the longest time between two consecutive answers (the pause a user
 * would see). A figure, nothing asserted. Only for addresses inside the
 * test namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

#define MAX_NAMES 8
#define MAX_SAMPLES 2000000

static size_t
make_query(uint8_t *q, size_t size, uint16_t id, const char *name)
{
	size_t n = 12;
	const char *p = name;

	memset(q, 0, 12);
	q[0] = id >> 8;
	q[1] = id & 0xff;
	q[2] = 0x01;		/* RD */
	q[5] = 1;		/* one question */
	while (*p != '\0' && n + 70 < size) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			break;
		q[n++] = (uint8_t)l;
		memcpy(q + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 1;		/* A */
	q[n++] = 0;
	q[n++] = 1;		/* IN */
	return n;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Wait for the answer to id; its latency in ns, or 0 on timeout. */
static uint64_t
await(int fd, uint16_t id, uint64_t sent)
{
	uint8_t buf[1500];

	for (;;) {
		uint64_t now = now_mono_ns();
		int left = (int)(1000 - (now - sent) / 1000000);
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return 0;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r >= 12 && buf[0] == (id >> 8) && buf[1] == (id & 0xff))
			return now_mono_ns() - sent;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
	char *names[MAX_NAMES], *list, *save = NULL;
	unsigned nnames = 0;
	uint64_t seconds, interval = 1000, *lat, n = 0, sent = 0, lost = 0;
	uint64_t end, last_answer = 0, gap = 0;
	const char *ready = argc > 5 ? argv[5] : NULL;
	int fd;

	if (argc < 4 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
	    !parse_u64(argv[3], 1, 3600, &seconds) ||
	    (argc > 4 && !parse_u64(argv[4], 0, 1000000, &interval))) {
		fprintf(stderr, "usage: dns_pause SERVER NAME[,NAME...] SECONDS "
		    "[INTERVAL_US] [READY_FILE]\n");
		return 2;
	}
	list = xstrdup(argv[2]);
	for (char *t = strtok_r(list, ",", &save); t && nnames < MAX_NAMES;
	    t = strtok_r(NULL, ",", &save))
		names[nnames++] = t;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("dns_pause: socket");
		return 1;
	}
	lat = xcalloc(MAX_SAMPLES, sizeof(*lat));
	end = now_mono_ns() + seconds * 1000000000ULL;
	for (uint16_t id = 1; now_mono_ns() < end; id++) {
		uint8_t q[512];
		size_t ql = make_query(q, sizeof(q), id, names[sent % nnames]);
		uint64_t t0 = now_mono_ns(), l;

		if (send(fd, q, ql, 0) != (ssize_t)ql) {
			perror("dns_pause: send");
			return 1;
		}
		sent++;
		l = await(fd, id, t0);
		if (l == 0) {
			lost++;
			continue;
		}
		if (last_answer != 0 && t0 + l - last_answer > gap)
			gap = t0 + l - last_answer;
		last_answer = t0 + l;
		if (n < MAX_SAMPLES)
			lat[n++] = l;
		if (n == 1 && ready != NULL)
			close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		if (interval > 0) {
			struct timespec ts = {0, (long)interval * 1000};
			nanosleep(&ts, NULL);
		}
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("queries %llu answered %llu lost %llu; latency p50 %.0f us, "
	    "p99 %.0f us, p99.9 %.0f us, max %.1f ms; longest time between "
	    "two answers %.1f ms (interval %llu us)\n",
	    (unsigned long long)sent, (unsigned long long)n,
	    (unsigned long long)lost, n ? lat[n / 2] / 1e3 : 0.0,
	    n ? lat[n * 99 / 100] / 1e3 : 0.0,
	    n ? lat[n * 999 / 1000] / 1e3 : 0.0,
	    n ? lat[n - 1] / 1e6 : 0.0, gap / 1e6,
	    (unsigned long long)interval);
	free(lat);
	free(list);
	close(fd);
	return 0;
}
