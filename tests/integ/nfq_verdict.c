/*
 * nfq_verdict - a small NFQUEUE program for the kernel integration test
 * (tests/integ/test_kernel.sh): reads one queue through queue.c and gives
 * every packet a fixed verdict, one for packets that carry payload ("data":
 * a TCP segment with bytes, any UDP datagram) and one for the others (SYN,
 * pure ACK, FIN), so the test can tell "the first data packet decided the
 * flow" from "everything was queued".
 *
 *   nfq_verdict [-q NUM] [-m MASK] [-d ACTION] [-e ACTION] [-s FILE]
 *               [-u USER] [-n] [-r RCVBUF]
 *   ACTION: accept | drop | pass | allow | block
 *           (pass/allow/block: NF_REPEAT with that mark value in MASK)
 *
 * -s FILE gets the counters after every batch ("packets N", "data N",
 * "repeat N", ...). -u USER drops privileges with priv_drop() after the
 * queue is open, then records whether root can be regained. Stops on
 * SIGTERM/SIGINT. -n: no fail-open. -r: socket receive buffer in bytes (a
 * tiny one makes the kernel skip packet ids while the reader is stopped).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/priv.h"
#include "kernel/queue.h"

enum action { A_ACCEPT, A_DROP, A_PASS, A_ALLOW, A_BLOCK };

struct state {
	uint32_t mask;
	enum action data, empty;
	uint64_t data_pkts, v4, v6, gso, csum_notready, max_len;
	int stats_fd;
	char privs[256];
	int regain_root, raw_socket;	/* -1: not checked */
};

static struct queue *the_queue;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse_action(const char *s, enum action *a)
{
	static const char *names[] = {"accept", "drop", "pass", "allow", "block"};

	for (unsigned i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*a = (enum action)i;
			return 0;
		}
	}
	return -1;
}

/* Does the packet carry transport payload? (IPv4/IPv6 without extension
 * headers, TCP or UDP: enough for the test traffic.) */
static int
has_payload(const uint8_t *d, size_t len, uint64_t *v4, uint64_t *v6)
{
	size_t l4, total;
	uint8_t proto;

	if (len >= 20 && d[0] >> 4 == 4) {
		(*v4)++;
		l4 = (size_t)(d[0] & 0xf) * 4;
		total = (size_t)d[2] << 8 | d[3];
		proto = d[9];
	} else if (len >= 40 && d[0] >> 4 == 6) {
		(*v6)++;
		l4 = 40;
		total = 40 + ((size_t)d[4] << 8 | d[5]);
		proto = d[6];
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP)
		return 1;
	if (proto != IPPROTO_TCP || len < l4 + 20)
		return 0;
	return total > l4 + (size_t)(d[l4 + 12] >> 4) * 4;
}

static enum queue_verdict
decide(void *arg, const struct queue_pkt *p, uint32_t *mark)
{
	struct state *st = arg;
	enum action a;

	if (p->skb_info & QUEUE_SKB_GSO)
		st->gso++;
	if (p->skb_info & QUEUE_SKB_CSUMNOTREADY)
		st->csum_notready++;
	st->max_len = MAX(st->max_len, p->orig_len);
	if (has_payload(p->data, p->len, &st->v4, &st->v6)) {
		st->data_pkts++;
		a = st->data;
	} else {
		a = st->empty;
	}
	switch (a) {
	case A_ACCEPT:
		return QUEUE_ACCEPT;
	case A_DROP:
		return QUEUE_DROP;
	case A_PASS:
		*mark = queue_mark(p->mark, st->mask, st->mask);
		return QUEUE_REPEAT;
	case A_ALLOW:
		*mark = queue_mark(p->mark, st->mask,
		    (1u << __builtin_ctz(st->mask)) & st->mask);
		return QUEUE_REPEAT;
	case A_BLOCK:
		*mark = queue_mark(p->mark, st->mask,
		    (2u << __builtin_ctz(st->mask)) & st->mask);
		return QUEUE_REPEAT;
	}
	return QUEUE_ACCEPT;
}

static void
write_stats(struct queue *q, struct state *st)
{
	struct queue_stats s;
	char buf[1024];
	int n;

	if (st->stats_fd == -1)
		return;
	queue_stats_get(q, &s);
	n = snprintf(buf, sizeof(buf),
	    "packets %llu\ndata %llu\nipv4 %llu\nipv6 %llu\naccept %llu\n"
	    "drop %llu\nrepeat %llu\ngaps %llu\nerrors %llu\nlast_errno %d\n"
	    "gso %llu\ncsum_notready %llu\nmax_len %llu\nbytes %llu\n"
	    "regain_root %d\nraw_socket %d\nprivs %s\n",
	    (unsigned long long)s.packets, (unsigned long long)st->data_pkts,
	    (unsigned long long)st->v4, (unsigned long long)st->v6,
	    (unsigned long long)s.verdicts[QUEUE_ACCEPT],
	    (unsigned long long)s.verdicts[QUEUE_DROP],
	    (unsigned long long)s.verdicts[QUEUE_REPEAT],
	    (unsigned long long)s.id_gaps, (unsigned long long)s.errors,
	    s.last_errno, (unsigned long long)st->gso,
	    (unsigned long long)st->csum_notready,
	    (unsigned long long)st->max_len, (unsigned long long)s.bytes,
	    st->regain_root, st->raw_socket, st->privs);
	/* Counters only grow, so the text never gets shorter: overwrite. */
	if (pwrite(st->stats_fd, buf, (size_t)n, 0) != n)
		perror("nfq_verdict: stats");
}

static int
drop_privs(struct state *st, const char *user)
{
	struct verr e;
	int fd;

	if (priv_drop(user, &e) == -1) {
		fprintf(stderr, "nfq_verdict: %s\n", e.msg);
		return -1;
	}
	st->regain_root = setuid(0) == 0 || seteuid(0) == 0;
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	st->raw_socket = fd != -1;
	if (fd != -1)
		close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct state st = {.mask = 0x00300000, .data = A_PASS, .empty = A_PASS,
	    .stats_fd = -1, .regain_root = -1, .raw_socket = -1};
	struct queue_opts o;
	struct verr e;
	struct sigaction sa;
	const char *user = NULL;
	unsigned num = 0;
	uint64_t v;
	int ch;

	queue_opts_default(&o);
	while ((ch = getopt(argc, argv, "q:m:d:e:s:u:nr:")) != -1) {
		switch (ch) {
		case 'q':
			if (!parse_u64(optarg, 0, 65535, &v))
				goto usage;
			num = (unsigned)v;
			break;
		case 'm':
			if (!parse_u64(optarg, 1, UINT32_MAX, &v))
				goto usage;
			st.mask = (uint32_t)v;
			break;
		case 'd':
			if (parse_action(optarg, &st.data) == -1)
				goto usage;
			break;
		case 'e':
			if (parse_action(optarg, &st.empty) == -1)
				goto usage;
			break;
		case 's':
			st.stats_fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0644);
			if (st.stats_fd == -1) {
				perror(optarg);
				return 1;
			}
			break;
		case 'u':
			user = optarg;
			break;
		case 'n':
			o.fail_open = false;
			break;
		case 'r':
			if (!parse_u64(optarg, 1, INT32_MAX, &v))
				goto usage;
			o.rcvbuf = (int)v;
			break;
		default:
			goto usage;
		}
	}
	the_queue = queue_open(num, &o, &e);
	if (the_queue == NULL) {
		fprintf(stderr, "nfq_verdict: %s\n", e.msg);
		return 1;
	}
	if (user != NULL && drop_privs(&st, user) == -1)
		return 1;
	priv_describe(st.privs, sizeof(st.privs));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	write_stats(the_queue, &st);
	while (!stop) {
		if (queue_run_once(the_queue, decide, &st, &e) == -1) {
			fprintf(stderr, "nfq_verdict: %s\n", e.msg);
			break;
		}
		write_stats(the_queue, &st);
	}
	write_stats(the_queue, &st);
	queue_close(the_queue);
	return 0;
usage:
	fprintf(stderr, "usage: nfq_verdict [-q NUM] [-m MASK] [-d ACTION] "
	    "[-e ACTION] [-s FILE] [-u USER] [-n] [-r RCVBUF]\n"
	    "  ACTION: accept | drop | pass | allow | block\n");
	return 2;
}
