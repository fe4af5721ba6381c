/*
 * tls_split.c - a test client that sends a real ClientHello in pieces.
 *
 *   tls_split grab PORT FILE
 *       listen on 127.0.0.1:PORT, take one connection (e.g. from
 *       `openssl s_client -servername NAME`), save its ClientHello (the
 *       whole handshake message, as TLS records) to FILE.
 *   tls_split sni FILE
 *       print the offset and length of the host name in FILE's server_name
 *       extension ("OFFSET LEN").
 *   tls_split send [-r RECLEN] ADDR PORT FILE [CUT ...]
 *       connect (IPv4 or IPv6), TCP_NODELAY, write FILE cut at the given
 *       byte offsets into separate segments (50 ms apart); with -r, first
 *       re-frame the handshake message into TLS records of RECLEN bytes.
 *       Then wait up to 3 s and print what came back: "reset" (the
 *       connection was reset), "data" (the server answered: a ServerHello),
 *       "closed" or "timeout". Always exits 0 once connected.
 *
 * Only for the namespace tests: addresses are the test's own.
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
#include <time.h>
#include <unistd.h>

#define MAXHELLO 65536

static unsigned char hello[MAXHELLO + 4096];
static size_t hello_len;

static void
die(const char *what)
{
	perror(what);
	exit(2);
}

static int
read_full(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Read records until the handshake message they carry is complete. */
static int
grab(int port, const char *file)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, ls, fd;
	size_t hs_have = 0, hs_need = 0;
	FILE *f;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(ls, 1) == -1)
		die("bind");
	printf("listening\n");
	fflush(stdout);
	fd = accept(ls, NULL, NULL);
	if (fd == -1)
		die("accept");
	while (hs_need == 0 || hs_have < hs_need) {
		unsigned char *rec = hello + hello_len;
		size_t rlen;
		if (hello_len + 5 > MAXHELLO || read_full(fd, rec, 5) == -1)
			die("read record header");
		rlen = (size_t)rec[3] << 8 | rec[4];
		if (rec[0] != 22 || hello_len + 5 + rlen > MAXHELLO ||
		    read_full(fd, rec + 5, rlen) == -1)
			die("read record");
		if (hs_need == 0 && rlen >= 4)
			hs_need = 4 + ((size_t)rec[6] << 16 | (size_t)rec[7] << 8 | rec[8]);
		hs_have += rlen;
		hello_len += 5 + rlen;
	}
	f = fopen(file, "wb");
	if (f == NULL || fwrite(hello, 1, hello_len, f) != hello_len || fclose(f))
		die(file);
	close(fd);
	close(ls);
	return 0;
}

static void
load(const char *file)
{
	FILE *f = fopen(file, "rb");

	if (f == NULL)
		die(file);
	hello_len = fread(hello, 1, MAXHELLO, f);
	fclose(f);
	if (hello_len < 9 || hello[0] != 22)
		die("not a TLS record");
}

/* The handshake message without record headers (assumes grab's format). */
static size_t
unframe(unsigned char *out)
{
	size_t o = 0, i = 0;

	while (i + 5 <= hello_len) {
		size_t rlen = (size_t)hello[i + 3] << 8 | hello[i + 4];
		memcpy(out + o, hello + i + 5, rlen);
		o += rlen;
		i += 5 + rlen;
	}
	return o;
}

static int
sni(void)
{
	static unsigned char hs[MAXHELLO];
	size_t n = unframe(hs), p, end;

	/* type(1) len(3) version(2) random(32) */
	p = 4 + 2 + 32;
	p += 1 + hs[p];				/* session id */
	p += 2 + ((size_t)hs[p] << 8 | hs[p + 1]);	/* cipher suites */
	p += 1 + hs[p];				/* compression */
	end = p + 2 + ((size_t)hs[p] << 8 | hs[p + 1]);
	p += 2;
	while (p + 4 <= end && end <= n) {
		unsigned type = (unsigned)hs[p] << 8 | hs[p + 1];
		size_t len = (size_t)hs[p + 2] << 8 | hs[p + 3];
		if (type == 0) {
			size_t name = p + 4 + 2 + 1 + 2;
			size_t nlen = (size_t)hs[p + 7] << 8 | hs[p + 8];
			/* one record from grab: offset in the file is +5 */
			printf("%zu %zu\n", name + 5, nlen);
			return 0;
		}
		p += 4 + len;
	}
	fprintf(stderr, "no server_name\n");
	return 1;
}

static void
reframe(size_t reclen)
{
	static unsigned char hs[MAXHELLO];
	size_t n = unframe(hs), o = 0;

	for (size_t i = 0; i < n; i += reclen) {
		size_t c = n - i < reclen ? n - i : reclen;
		hello[o] = 22;
		hello[o + 1] = 3;
		hello[o + 2] = 1;
		hello[o + 3] = (unsigned char)(c >> 8);
		hello[o + 4] = (unsigned char)c;
		memcpy(hello + o + 5, hs + i, c);
		o += 5 + c;
	}
	hello_len = o;
}

static int
connect_to(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "bad address %s\n", addr);
		exit(2);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&ss, sl) == -1)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static const char *
outcome(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	unsigned char buf[4096];
	ssize_t r;

	if (poll(&p, 1, 3000) == 0)
		return "timeout";
	r = read(fd, buf, sizeof(buf));
	if (r > 0)
		return "data";
	if (r == 0)
		return "closed";
	return errno == ECONNRESET ? "reset" : "error";
}

static int
send_pieces(int argc, char **argv)
{
	const struct timespec gap = {0, 50 * 1000 * 1000};
	size_t reclen = 0, prev = 0;
	int fd, i = 0;

	if (argc > 1 && strcmp(argv[0], "-r") == 0) {
		reclen = strtoul(argv[1], NULL, 10);
		argc -= 2;
		argv += 2;
	}
	if (argc < 3)
		return 2;
	load(argv[2]);
	if (reclen > 0)
		reframe(reclen);
	signal(SIGPIPE, SIG_IGN);
	fd = connect_to(argv[0], (int)strtol(argv[1], NULL, 10));
	for (i = 3; i <= argc; i++) {
		size_t cut = i < argc ? strtoul(argv[i], NULL, 10) : hello_len;
		if (cut > hello_len)
			cut = hello_len;
		if (cut <= prev)
			continue;
		if (write(fd, hello + prev, cut - prev) != (ssize_t)(cut - prev)) {
			if (errno == ECONNRESET || errno == EPIPE) {
				printf("reset\n");	/* reset before the last piece */
				return 0;
			}
			die("write");
		}
		prev = cut;
		if (i < argc)
			nanosleep(&gap, NULL);
	}
	printf("%s\n", outcome(fd));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "grab") == 0)
		return grab((int)strtol(argv[2], NULL, 10), argv[3]);
	if (argc == 3 && strcmp(argv[1], "sni") == 0) {
		load(argv[2]);
		return sni();
	}
	if (argc >= 5 && strcmp(argv[1], "send") == 0)
		return send_pieces(argc - 2, argv + 2);
	fprintf(stderr, "usage: tls_split grab PORT FILE | sni FILE | "
	    "send [-r RECLEN] ADDR PORT FILE [CUT ...]\n");
	return 2;
}
