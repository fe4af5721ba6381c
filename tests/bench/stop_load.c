/* stop_load.c - a small closed-loop HTTP load generator for the stop page
 * benchmark (tests/bench/stoppage.sh): THREADS clients, each opening a new
 * connection per request (as blocked users do), sending one GET and reading
 * the response to the end. Bounded in both count and time.
 *
 *   stop_load -p PORT [-a 127.0.0.1] [-t 2] [-n 200000] [-d 5]
 *             [-H HOST] [-u /path?query] [-s 451]
 *
 * Prints: requests=N errors=N seconds=S rps=R
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

static struct sockaddr_in addr;
static char request[1024];
static size_t request_len;
static char want[32];
static uint64_t max_requests, deadline_ms;
static _Atomic uint64_t done, errors;

static bool
one_request(void)
{
	char buf[16384], first[32];
	size_t nfirst = 0, wl = strlen(want);
	ssize_t n = -1;
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    write(fd, request, request_len) == (ssize_t)request_len) {
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			size_t k = MIN((size_t)n, sizeof(first) - nfirst);

			memcpy(first + nfirst, buf, k);
			nfirst += k;
		}
	}
	close(fd);
	return n == 0 && nfirst >= wl && memcmp(first, want, wl) == 0;
}

static void *
client(void *arg)
{
	(void)arg;
	while (now_mono_ms() < deadline_ms) {
		if (atomic_fetch_add(&done, 1) >= max_requests) {
			atomic_fetch_sub(&done, 1);
			break;
		}
		if (!one_request())
			atomic_fetch_add(&errors, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *a = "127.0.0.1", *host = "stop.example", *path = "/";
	uint64_t port = 0, threads = 2, seconds = 5, status = 451, start, end;
	pthread_t tid[64];
	int ch;

	max_requests = 200000;
	while ((ch = getopt(argc, argv, "a:d:H:n:p:s:t:u:")) != -1) {
		switch (ch) {
		case 'a': a = optarg; break;
		case 'd': if (!parse_u64(optarg, 1, 60, &seconds)) goto usage; break;
		case 'H': host = optarg; break;
		case 'n': if (!parse_u64(optarg, 1, 10000000, &max_requests)) goto usage; break;
		case 'p': if (!parse_u64(optarg, 1, 65535, &port)) goto usage; break;
		case 's': if (!parse_u64(optarg, 100, 599, &status)) goto usage; break;
		case 't': if (!parse_u64(optarg, 1, 64, &threads)) goto usage; break;
		case 'u': path = optarg; break;
		default: goto usage;
		}
	}
	if (port == 0 || inet_pton(AF_INET, a, &addr.sin_addr) != 1)
		goto usage;
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	request_len = (size_t)snprintf(request, sizeof(request),
	    "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: stop_load\r\n"
	    "Accept-Language: nl-BE,nl;q=0.9,en;q=0.8\r\nConnection: close\r\n\r\n",
	    path, host);
	snprintf(want, sizeof(want), "HTTP/1.1 %u ", (unsigned)status);
	start = now_mono_ms();
	deadline_ms = start + seconds * 1000;
	for (uint64_t i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, client, NULL);
	for (uint64_t i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	end = now_mono_ms();
	printf("requests=%llu errors=%llu seconds=%.2f rps=%.0f\n",
	    (unsigned long long)done, (unsigned long long)errors,
	    (double)(end - start) / 1000, (double)(done - errors) * 1000 /
	    (double)(end - start ? end - start : 1));
	return errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: stop_load -p PORT [-a ADDR] [-t THREADS] "
	    "[-n REQUESTS] [-d SECONDS] [-H HOST] [-u PATH] [-s STATUS]\n");
	return 2;
}
