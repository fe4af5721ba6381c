/*
 * http_raw.c - a test client that writes raw request bytes in pieces.
 *
 *   printf 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' | http_raw ADDR PORT [CUT ...]
 *
 * Connects (IPv4 or IPv6), sets TCP_NODELAY, writes standard input cut at
 * the given byte offsets into separate segments 50 ms apart (reading what
 * arrives in between), then reads
 * until the connection ends (at most 3 s) and prints every HTTP status
 * line it received, one per line, then how it ended: "closed", "reset" or
 * "timeout". For the namespace tests only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
connect_to(const char *addr, int port)
{
	struct sockaddr_in sa4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sa4.sin_addr) == 1) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd == -1 || connect(fd, (struct sockaddr *)&sa4, sizeof(sa4)) == -1)
			return -1;
	} else if (inet_pton(AF_INET6, addr, &sa6.sin6_addr) == 1) {
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		if (fd == -1 || connect(fd, (struct sockaddr *)&sa6, sizeof(sa6)) == -1)
			return -1;
	} else {
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Read what arrives within ms milliseconds (a reset purges unread data,
 * so a response must be read before the next piece provokes one). */
static size_t
drain(int fd, char *buf, size_t cap, int ms)
{
	size_t got = 0;
	struct pollfd p = {fd, POLLIN, 0};

	while (got < cap && poll(&p, 1, ms) > 0) {
		ssize_t r = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Print the status lines found in what was received. */
static void
status_lines(const char *buf, size_t len)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "HTTP/", 5) == 0) {
			size_t j = i;
			while (j < len && buf[j] != '\r' && buf[j] != '\n')
				j++;
			printf("%.*s\n", (int)(j - i), buf + i);
		}
	}
}

int
main(int argc, char **argv)
{
	static char req[65536], resp[1 << 20];
	size_t len = 0, prev = 0, got = 0;
	const char *end = "timeout";
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: http_raw ADDR PORT [CUT ...] < request\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	while (len < sizeof(req)) {
		ssize_t r = read(0, req + len, sizeof(req) - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	fd = connect_to(argv[1], (int)strtol(argv[2], NULL, 10));
	if (fd == -1) {
		perror("connect");
		return 2;
	}
	for (int i = 3; i <= argc; i++) {
		size_t cut = i < argc ? strtoul(argv[i], NULL, 10) : len;
		if (cut > len)
			cut = len;
		if (cut <= prev)
			continue;
		if (write(fd, req + prev, cut - prev) != (ssize_t)(cut - prev)) {
			end = "reset";
			goto out;
		}
		prev = cut;
		if (i < argc)
			got += drain(fd, resp + got, sizeof(resp) - got - 1, 50);
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;
		if (poll(&p, 1, 3000) == 0)
			break;
		r = read(fd, resp + got, sizeof(resp) - got - 1);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		end = r == 0 ? "closed" : errno == ECONNRESET ? "reset" : "error";
		break;
	}
out:
	status_lines(resp, got);
	printf("%s\n", end);
	close(fd);
	return 0;
}
