/*
 * nfq_accept - the baseline of the DNS benchmark: an NFQUEUE reader that
 * accepts everything and does nothing else. It is written directly on
 * libmnl + libnetfilter_queue (not on queue.c), so the benchmark measures
 * vetod against the cheapest possible reader, not against itself.
 *
 *   nfq_accept [-1] [-m MARK] QUEUE_NUM
 *
 * By default it reads like queue.c: up to 32 packets per recvmmsg() and all
 * their verdicts in one sendmsg() (a batch of NFQNL_MSG_VERDICT messages),
 * copy mode packet (65535 bytes), fail-open, GSO, a 16 MiB receive buffer.
 * -1: one recv() and one verdict sendto() per packet (the classic loop).
 * -m MARK: answer NF_REPEAT with that mark instead of NF_ACCEPT (the path
 * vetod's "pass" takes through the rule set).
 * SIGTERM/SIGINT: print "packets N" and exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "core/util.h"

#define BATCH 32
#define SLOT (65536 + 4096)

static volatile sig_atomic_t stop;
static unsigned qnum;
static int64_t repeat_mark = -1;	/* -1: accept */
static unsigned long long npackets;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
die(const char *what)
{
	fprintf(stderr, "nfq_accept: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
config(struct mnl_socket *nl, struct nlmsghdr *nlh, uint32_t seq)
{
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n;
	int rc;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("config send");
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die("config ack");
		rc = mnl_cb_run(buf, (size_t)n, seq, 0, NULL, NULL);
	} while (rc == MNL_CB_OK);
	if (rc < 0)
		die("config");
}

static struct mnl_socket *
open_queue(void)
{
	char buf[512] __attribute__((aligned(8)));
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nlmsghdr *nlh;
	int one = 1, rcvbuf = 16 << 20;
	struct timeval tv = {0, 200000};

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_NO_ENOBUFS,
	    &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcvbuf, sizeof(rcvbuf)) == -1)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof(rcvbuf));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv));
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qnum);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	config(nl, nlh, 1);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qnum);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS,
	    htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK,
	    htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	config(nl, nlh, 2);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qnum);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 8192);
	config(nl, nlh, 3);
	return nl;
}

/* Append a verdict for every packet message in one datagram. */
static void
verdicts(const void *buf, size_t len, struct mnl_nlmsg_batch *b)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nlattr *attr[NFQA_MAX + 1] = {0};
		const struct nfqnl_msg_packet_hdr *ph;
		struct nlmsghdr *v;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) |
		    NFQNL_MSG_PACKET) || nfq_nlmsg_parse(nlh, attr) < 0 ||
		    attr[NFQA_PACKET_HDR] == NULL)
			continue;
		ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
		v = nfq_nlmsg_put(mnl_nlmsg_batch_current(b),
		    NFQNL_MSG_VERDICT, qnum);
		if (repeat_mark >= 0) {
			nfq_nlmsg_verdict_put(v, (int)ntohl(ph->packet_id),
			    NF_REPEAT);
			nfq_nlmsg_verdict_put_mark(v, (uint32_t)repeat_mark);
		} else {
			nfq_nlmsg_verdict_put(v, (int)ntohl(ph->packet_id),
			    NF_ACCEPT);
		}
		mnl_nlmsg_batch_next(b);
		npackets++;
	}
}

static void
flush(struct mnl_socket *nl, struct mnl_nlmsg_batch *b)
{
	if (mnl_nlmsg_batch_is_empty(b))
		return;
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
	    mnl_nlmsg_batch_size(b)) < 0 && errno != EINTR)
		perror("nfq_accept: verdict");
	mnl_nlmsg_batch_reset(b);
}

int
main(int argc, char **argv)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	static char vbuf[2 * 4096];
	struct mnl_nlmsg_batch *b;
	struct mnl_socket *nl;
	struct sigaction sa;
	unsigned batch = BATCH;
	char *slots;
	uint64_t v;
	int ch, fd, n;

	while ((ch = getopt(argc, argv, "1m:")) != -1) {
		switch (ch) {
		case '1':
			batch = 1;
			break;
		case 'm':
			if (!parse_u64(optarg, 0, UINT32_MAX, &v))
				goto usage;
			repeat_mark = (int64_t)v;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	if (!parse_u64(argv[optind], 0, 65535, &v))
		goto usage;
	qnum = (unsigned)v;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	slots = calloc(batch, SLOT);
	b = mnl_nlmsg_batch_start(vbuf, sizeof(vbuf) / 2);
	if (slots == NULL || b == NULL)
		die("memory");
	for (unsigned i = 0; i < batch; i++) {
		iov[i].iov_base = slots + (size_t)i * SLOT;
		iov[i].iov_len = SLOT;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	nl = open_queue();
	fd = mnl_socket_get_fd(nl);
	while (!stop) {
		if (batch == 1) {
			ssize_t r = recv(fd, slots, SLOT, 0);
			n = r < 0 ? -1 : 1;
			msgs[0].msg_len = r < 0 ? 0 : (unsigned)r;
		} else {
			n = recvmmsg(fd, msgs, batch, MSG_WAITFORONE, NULL);
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
				continue;
			die("recv");
		}
		for (int i = 0; i < n; i++)
			verdicts(iov[i].iov_base, msgs[i].msg_len, b);
		flush(nl, b);
	}
	printf("packets %llu\n", npackets);
	mnl_nlmsg_batch_stop(b);
	mnl_socket_close(nl);
	free(slots);
	return 0;
usage:
	fprintf(stderr, "usage: nfq_accept [-1] [-m MARK] QUEUE_NUM\n");
	return 2;
}
