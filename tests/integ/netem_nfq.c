/*
 * netem_nfq - a userspace stand-in for `tc qdisc ... netem` for the lossy
 * test (tests/integ/test_lossy.sh), for kernels built without sch_netem.
 * It reads one NFQUEUE (queue.c, GSO off so every packet is MTU-sized and
 * checksummed), drops every packet from the kernel's path and sends a copy
 * again through a raw socket, with the packet mark -m so the queueing rule
 * skips it, after a delay:
 *
 *   loss      -l PCT  the packet is not sent again
 *   duplicate -d PCT  it is sent twice (the copy after its own delay)
 *   reorder   -r PCT  it is sent at once, overtaking the delayed ones
 *   delay     -D MS, jitter -j MS (uniform in [D - j, D + j])
 *
 *   netem_nfq -q NUM -m MARK [-l PCT] [-d PCT] [-r PCT] [-D MS] [-j MS]
 *             [-s SEED] [-S FILE]
 *
 * Run it in the namespace whose OUTPUT it impairs (rule: -o eth0 -m mark !
 * --mark MARK -j NFQUEUE --queue-num NUM). Bounded: at most SLOTS packets
 * wait at a time (more are dropped, counted). -S FILE gets the counters on
 * exit. Stops on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "kernel/queue.h"

#define SLOTS 4096
#define PKT_MAX 2048

struct slot {
	uint64_t due_us;	/* 0: free */
	uint16_t len;
	uint8_t v6;
	uint8_t data[PKT_MAX];
};

struct netem {
	unsigned loss, dup, reorder;	/* percent */
	unsigned delay_ms, jitter_ms;
	uint32_t mark;
	int fd4, fd6;
	unsigned seed;
	pthread_mutex_t lock;
	struct slot *slots;
	uint64_t in, lost, duped, reordered, overflow, sent, send_errors;
};

static struct queue *the_queue;
static volatile sig_atomic_t stopping;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static unsigned
roll(struct netem *n, unsigned range)
{
	return range ? (unsigned)rand_r(&n->seed) % range : 0;
}

/* Queue one copy; the lock is held. */
static void
hold(struct netem *n, const struct queue_pkt *p, uint64_t due)
{
	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *s = &n->slots[i];

		if (s->due_us != 0)
			continue;
		s->due_us = due ? due : 1;
		s->len = (uint16_t)p->len;
		s->v6 = (p->data[0] >> 4) == 6;
		memcpy(s->data, p->data, p->len);
		return;
	}
	n->overflow++;
}

static uint64_t
delay_us(struct netem *n)
{
	long d = (long)n->delay_ms * 1000;

	if (n->jitter_ms)
		d += (long)roll(n, 2 * n->jitter_ms * 1000 + 1) -
		    (long)n->jitter_ms * 1000;
	return d > 0 ? (uint64_t)d : 0;
}

static enum queue_verdict
impair(void *arg, const struct queue_pkt *p, uint32_t *mark)
{
	struct netem *n = arg;
	uint64_t t = now_us();

	(void)mark;
	if (p->len == 0 || p->len > PKT_MAX || p->len != p->orig_len)
		return QUEUE_ACCEPT;
	pthread_mutex_lock(&n->lock);
	n->in++;
	if (roll(n, 100) < n->loss) {
		n->lost++;
	} else {
		if (roll(n, 100) < n->reorder) {
			n->reordered++;
			hold(n, p, t);
		} else {
			hold(n, p, t + delay_us(n));
		}
		if (roll(n, 100) < n->dup) {
			n->duped++;
			hold(n, p, t + delay_us(n));
		}
	}
	pthread_mutex_unlock(&n->lock);
	return QUEUE_DROP;
}

static void
send_slot(struct netem *n, struct slot *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	if (s->v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, s->data + 24, 16);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, s->data + 16, 4);
		sl = sizeof(*a);
	}
	if (sendto(s->v6 ? n->fd6 : n->fd4, s->data, s->len, 0,
	    (struct sockaddr *)&ss, sl) == (ssize_t)s->len)
		n->sent++;
	else
		n->send_errors++;
}

/* The release thread: every half millisecond, send what is due, oldest
 * first within one pass (order among the due ones does not matter). */
static void *
releaser(void *arg)
{
	struct netem *n = arg;
	const struct timespec tick = {0, 500000};

	while (!stopping) {
		uint64_t t = now_us();

		pthread_mutex_lock(&n->lock);
		for (size_t i = 0; i < SLOTS; i++) {
			struct slot *s = &n->slots[i];

			if (s->due_us != 0 && s->due_us <= t) {
				send_slot(n, s);
				s->due_us = 0;
			}
		}
		pthread_mutex_unlock(&n->lock);
		nanosleep(&tick, NULL);
	}
	return NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (the_queue != NULL)
		queue_stop(the_queue);
}

static int
raw_socket(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW, IPPROTO_RAW);

	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_MARK, &mark,
	    sizeof(mark)) == -1) {
		perror("netem_nfq: raw socket");
		exit(1);
	}
	return fd;
}

static void
write_stats(const struct netem *n, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fprintf(f, "in %llu\nlost %llu\nduplicated %llu\nreordered %llu\n"
	    "overflow %llu\nsent %llu\nsend_errors %llu\n",
	    (unsigned long long)n->in, (unsigned long long)n->lost,
	    (unsigned long long)n->duped, (unsigned long long)n->reordered,
	    (unsigned long long)n->overflow, (unsigned long long)n->sent,
	    (unsigned long long)n->send_errors);
	fclose(f);
}

static int
opt_u(const char *s, uint64_t max, unsigned *out)
{
	uint64_t v;

	if (!parse_u64(s, 0, max, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
main(int argc, char **argv)
{
	struct netem n = {.seed = 1, .lock = PTHREAD_MUTEX_INITIALIZER};
	struct queue_opts o;
	struct sigaction sa;
	struct verr e;
	const char *stats = NULL;
	unsigned num = 0, mark = 0;
	pthread_t th;
	int ch, bad = 0;

	while ((ch = getopt(argc, argv, "q:m:l:d:r:D:j:s:S:")) != -1) {
		switch (ch) {
		case 'q': bad |= opt_u(optarg, 65535, &num); break;
		case 'm': bad |= opt_u(optarg, UINT32_MAX, &mark); break;
		case 'l': bad |= opt_u(optarg, 100, &n.loss); break;
		case 'd': bad |= opt_u(optarg, 100, &n.dup); break;
		case 'r': bad |= opt_u(optarg, 100, &n.reorder); break;
		case 'D': bad |= opt_u(optarg, 10000, &n.delay_ms); break;
		case 'j': bad |= opt_u(optarg, 10000, &n.jitter_ms); break;
		case 's': bad |= opt_u(optarg, UINT32_MAX, &n.seed); break;
		case 'S': stats = optarg; break;
		default: bad = 1;
		}
	}
	if (bad || mark == 0 || n.jitter_ms > n.delay_ms) {
		fprintf(stderr, "usage: netem_nfq -q NUM -m MARK [-l PCT] [-d PCT] "
		    "[-r PCT] [-D MS] [-j MS<=D] [-s SEED] [-S FILE]\n");
		return 2;
	}
	n.mark = mark;
	n.slots = calloc(SLOTS, sizeof(*n.slots));
	if (n.slots == NULL)
		return 1;
	n.fd4 = raw_socket(AF_INET, mark);
	n.fd6 = raw_socket(AF_INET6, mark);
	queue_opts_default(&o);
	o.gso = false;
	o.fail_open = false;
	the_queue = queue_open(num, &o, &e);
	if (the_queue == NULL) {
		fprintf(stderr, "netem_nfq: %s\n", e.msg);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (pthread_create(&th, NULL, releaser, &n) != 0)
		return 1;
	printf("netem_nfq: queue %u ready\n", num);
	fflush(stdout);
	if (queue_run(the_queue, impair, &n, &e) == -1 && !stopping)
		fprintf(stderr, "netem_nfq: %s\n", e.msg);
	stopping = 1;
	pthread_join(th, NULL);
	if (stats != NULL)
		write_stats(&n, stats);
	queue_close(the_queue);
	free(n.slots);
	return 0;
}
