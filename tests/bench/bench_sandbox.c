/*
 * bench_sandbox.c - what vetod's sandbox costs a system call (issue 14):
 * the packet threads make one recvmsg per batch and one sendmsg per
 * batch of verdicts; with the seccomp filter loaded every call runs it.
 * Times a sendmsg + recvmsg pair of 64 bytes on a UNIX datagram socketpair,
 * and getppid (the cheapest call), before and after sandbox_enter() (the
 * same Landlock and seccomp set-up as vetod, default configuration).
 * Figures are printed, never asserted; compare within one run.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/util.h"
#include "vetod/sandbox.h"

#define ROUNDS 5
#define N 200000

static double
pair_ns(int a, int b)
{
	char buf[64] = {0};
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	uint64_t t0 = now_mono_ns();

	for (int i = 0; i < N; i++) {
		if (sendmsg(a, &m, 0) < 0 || recvmsg(b, &m, 0) < 0)
			return -1;
	}
	return (double)(now_mono_ns() - t0) / N;
}

static double
getppid_ns(void)
{
	uint64_t t0 = now_mono_ns();
	volatile pid_t p = 0;

	for (int i = 0; i < N; i++)
		p += getppid();
	(void)p;
	return (double)(now_mono_ns() - t0) / N;
}

static void
measure(const char *when, int a, int b)
{
	double best_pair = 1e18, best_pid = 1e18;

	for (int r = 0; r < ROUNDS; r++) {
		double x = pair_ns(a, b), y = getppid_ns();

		if (x >= 0 && x < best_pair)
			best_pair = x;
		if (y < best_pid)
			best_pid = y;
	}
	printf("%-16s sendmsg+recvmsg %7.1f ns   getppid %6.1f ns\n", when,
	    best_pair, best_pid);
}

int
main(void)
{
	struct conf *c = conf_default();
	char what[128];
	struct verr e;
	int sv[2];

	if (c == NULL || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1) {
		fprintf(stderr, "bench_sandbox: set-up failed\n");
		return 1;
	}
	printf("best of %d rounds of %d calls\n", ROUNDS, N);
	measure("no sandbox", sv[0], sv[1]);
	if (sandbox_enter(c, what, sizeof(what), &e) == -1) {
		fprintf(stderr, "bench_sandbox: %s\n", e.msg);
		return 1;
	}
	measure("sandboxed", sv[0], sv[1]);
	printf("(%s)\n", what);
	conf_free(c);
	return 0;
}
