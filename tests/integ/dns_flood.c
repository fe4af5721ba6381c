/*
 * dns_flood.c - a client that floods adversarial DNS queries (issue 13's
 * load test): as fast as it can, for at most SECONDS and COUNT queries,
 * from SRC to DST port 53, over UDP. The names cycle through the costly
 * kinds: UTF-8 labels, four 61-byte labels, 127 one-byte labels, and
 * plain new names. Prints "sent N" at the end. Test networks only: the
 * tests give it documentation addresses inside their namespaces.
 *
 *   dns_flood SRC DST SECONDS COUNT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static size_t
put_name(uint8_t *q, const char *name)
{
	size_t n = 0;

	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		q[n++] = (uint8_t)l;
		memcpy(q + n, name, l);
		n += l;
		name += l + (dot != NULL);
	}
	q[n++] = 0;
	return n;
}

/* Query i: a header, one of the four kinds of names, type A, class IN. */
static size_t
query(uint8_t *q, unsigned long i)
{
	char name[400];
	size_t n = 0;

	memset(q, 0, 12);
	q[0] = (uint8_t)(i >> 8);
	q[1] = (uint8_t)i;
	q[2] = 0x01;
	q[5] = 1;
	switch (i % 4) {
	case 0:
		snprintf(name, sizeof(name), "\xd0\xbf\xd1%c\xd0\xb8%lu.\xe4%c%c."
		    "example", 0x80 + (int)(i % 32), i, 0xb8 + (int)(i / 64 % 8),
		    0x80 + (int)(i % 64));
		break;
	case 1:
		for (int l = 0; l < 4; l++) {
			for (int c = 0; c < 61; c++)
				name[n++] = (char)('a' + (i + (unsigned long)(l + c)) % 26);
			name[n++] = '.';
		}
		name[n - 1] = '\0';
		break;
	case 2:
		for (int l = 0; l < 126; l++) {
			name[n++] = (char)('a' + (i + (unsigned long)l) % 26);
			name[n++] = '.';
		}
		memcpy(name + n, "x", 2);
		break;
	default:
		snprintf(name, sizeof(name), "flood%lu.example", i);
	}
	n = 12 + put_name(q + 12, name);
	memcpy(q + n, "\0\1\0\1", 4);
	return n + 4;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[BATCH][512];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in src = {0}, dst = {0};
	unsigned long sent = 0, max;
	double end;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: dns_flood SRC DST SECONDS COUNT\n");
		return 2;
	}
	src.sin_family = dst.sin_family = AF_INET;
	dst.sin_port = htons(53);
	if (inet_pton(AF_INET, argv[1], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "dns_flood: IPv4 addresses please\n");
		return 2;
	}
	end = now() + strtod(argv[3], NULL);
	max = strtoul(argv[4], NULL, 10);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("dns_flood: socket");
		return 1;
	}
	while (sent < max && now() < end) {
		int k = 0, r;
		for (; k < BATCH && sent + (unsigned long)k < max; k++) {
			iov[k].iov_base = buf[k];
			iov[k].iov_len = query(buf[k], sent + (unsigned long)k);
			memset(&msg[k], 0, sizeof(msg[k]));
			msg[k].msg_hdr.msg_iov = &iov[k];
			msg[k].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msg, (unsigned)k, 0);
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN &&
		    errno != ECONNREFUSED && errno != EPERM) {
			perror("dns_flood: sendmmsg");
			break;
		}
		if (r > 0)
			sent += (unsigned long)r;
	}
	printf("sent %lu\n", sent);
	close(fd);
	return 0;
}
