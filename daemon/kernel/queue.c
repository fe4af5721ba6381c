/* queue.c - NFQUEUE through libmnl and libnetfilter_queue; see queue.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "kernel/queue.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define QUEUE_PROC "/proc/net/netfilter/nfnetlink_queue"
/* Room for the netlink and NFQA_* headers around the copied bytes. */
#define SLOT_META 4096u
/* One verdict message: nlmsghdr + nfgenmsg + verdict hdr + mark, aligned. */
#define VERDICT_MSG_MAX 64u

struct queue {
	struct mnl_socket *nl;
	int fd;
	unsigned num;
	uint32_t portid;
	uint32_t seq;
	uint32_t last_id;
	int stop;			/* atomic */
	int timeout_ms;

	unsigned batch;
	size_t slot_size;
	uint8_t *slots;			/* batch * slot_size */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_nl *from;

	char *vbuf;			/* verdict batch, 2 * vlimit */
	size_t vlimit;
	struct mnl_nlmsg_batch *vb;

	struct queue_stats st;		/* written by the queue thread only */
	int last_errno;
};

/* Counters have one writer (the queue's thread) and readers elsewhere. */
#define CNT_ADD(q, field, n) \
	__atomic_store_n(&(q)->st.field, (q)->st.field + (n), __ATOMIC_RELAXED)

void
queue_opts_default(struct queue_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->copy_range = QUEUE_COPY_DEFAULT;
	o->maxlen = 8192;
	o->fail_open = true;
	o->gso = true;
	o->batch = QUEUE_BATCH_DEFAULT;
	o->rcvbuf = QUEUE_RCVBUF_DEFAULT;
	o->timeout_ms = QUEUE_TIMEOUT_DEFAULT;
}

void
queue_opts_conf(struct queue_opts *o, const struct conf *c)
{
	queue_opts_default(o);
	o->fail_open = c->fail_open;
	o->maxlen = (uint32_t)c->queue_maxlen;
}

unsigned
queue_num(const struct queue *q)
{
	return q->num;
}

int
queue_fd(const struct queue *q)
{
	return q->fd;
}

int
queue_parse_packet(const void *buf, size_t len, struct queue_pkt *p)
{
	const struct nlmsghdr *nlh = buf;
	struct nlattr *attr[NFQA_MAX + 1];
	const struct nfqnl_msg_packet_hdr *ph;

	if (len < NLMSG_HDRLEN + sizeof(struct nfgenmsg) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg) ||
	    nlh->nlmsg_len > len ||
	    nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
		return -1;
	memset(attr, 0, sizeof(attr));
	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return -1;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	memset(p, 0, sizeof(*p));
	p->id = ntohl(ph->packet_id);
	p->hw_proto = ntohs(ph->hw_protocol);
	p->hook = ph->hook;
	if (attr[NFQA_PAYLOAD] != NULL) {
		p->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		p->len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	p->orig_len = p->len;
	if (attr[NFQA_CAP_LEN] != NULL)
		p->orig_len = MAX(p->len,
		    (size_t)ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])));
	if (attr[NFQA_MARK] != NULL)
		p->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_SKB_INFO] != NULL)
		p->skb_info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));
	if (attr[NFQA_IFINDEX_INDEV] != NULL)
		p->ifin = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
	if (attr[NFQA_IFINDEX_OUTDEV] != NULL)
		p->ifout = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
	return 0;
}

/* Count the packet ids the kernel skipped before this one. */
static void
note_id(struct queue *q, uint32_t id)
{
	uint32_t d = id - q->last_id;

	if (d >= 2 && d < 0x80000000u)
		CNT_ADD(q, id_gaps, d - 1);
	if (d != 0 && d < 0x80000000u)
		q->last_id = id;
}

static int verdict_flush(struct queue *q);

static void
verdict_put(struct queue *q, uint32_t id, enum queue_verdict v,
    bool set_mark, uint32_t mark)
{
	static const int nf[QUEUE_VERDICT_COUNT] = {NF_ACCEPT, NF_DROP, NF_REPEAT};
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(q->vb), NFQNL_MSG_VERDICT,
	    q->num);
	nfq_nlmsg_verdict_put(nlh, (int)id, nf[v]);
	if (set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	CNT_ADD(q, verdicts[v], 1);
	/* Full (only if a datagram held more packets than a batch): send
	 * what came before; the reset keeps this last message. */
	if (!mnl_nlmsg_batch_next(q->vb))
		verdict_flush(q);
}

static int
verdict_flush(struct queue *q)
{
	ssize_t n;

	if (mnl_nlmsg_batch_is_empty(q->vb))
		return 0;
	do
		n = send(q->fd, mnl_nlmsg_batch_head(q->vb),
		    mnl_nlmsg_batch_size(q->vb), 0);
	while (n == -1 && errno == EINTR);
	mnl_nlmsg_batch_reset(q->vb);
	if (n == -1) {
		__atomic_store_n(&q->last_errno, errno, __ATOMIC_RELAXED);
		CNT_ADD(q, errors, 1);
		return -1;
	}
	return 0;
}

/* Handle every netlink message in one datagram. Packet messages get the
 * callback's verdict (cb NULL: accept, used while configuring). Returns the
 * number of packets; *acked is set when an ack/error for seq arrived, with
 * its errno in *ackerr. */
static int
handle_datagram(struct queue *q, uint8_t *buf, size_t len, queue_cb cb,
    void *arg, uint32_t seq, bool *acked, int *ackerr)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int left = (int)MIN(len, (size_t)INT_MAX), npkt = 0;
	struct queue_pkt p;
	enum queue_verdict v;
	uint32_t mark;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
				continue;
			if (seq != 0 && nlh->nlmsg_seq == seq && acked != NULL) {
				*acked = true;
				*ackerr = -err->error;
			} else if (err->error != 0) {
				__atomic_store_n(&q->last_errno, -err->error,
				    __ATOMIC_RELAXED);
				CNT_ADD(q, errors, 1);
			}
			continue;
		}
		if (queue_parse_packet(nlh, nlh->nlmsg_len, &p) == -1)
			continue;
		note_id(q, p.id);
		CNT_ADD(q, packets, 1);
		CNT_ADD(q, bytes, p.orig_len);
		if (p.orig_len > p.len)
			CNT_ADD(q, truncated, 1);
		mark = p.mark;
		v = cb != NULL ? cb(arg, &p, &mark) : QUEUE_ACCEPT;
		if ((unsigned)v >= QUEUE_VERDICT_COUNT)
			v = QUEUE_ACCEPT;
		verdict_put(q, p.id, v, mark != p.mark, mark);
		npkt++;
	}
	return npkt;
}

/* Send one configuration message and wait for its ack. */
static int
cfg_send(struct queue *q, struct nlmsghdr *nlh, const char *what,
    struct verr *e)
{
	uint8_t *buf = q->slots;
	bool acked = false;
	int ackerr = 0;
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++q->seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0) {
		verr_set(e, "queue %u: %s: %s", q->num, what, strerror(errno));
		return -1;
	}
	while (!acked) {
		n = recv(q->fd, buf, q->slot_size, 0);
		if (n == -1 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (n == -1) {
			verr_set(e, "queue %u: %s: no answer from the kernel: %s",
			    q->num, what, strerror(errno));
			return -1;
		}
		handle_datagram(q, buf, (size_t)n, NULL, NULL, q->seq, &acked,
		    &ackerr);
		verdict_flush(q);
	}
	if (ackerr != 0) {
		/* The kernel answers EPERM both without CAP_NET_ADMIN and
		 * when another socket holds the queue. */
		verr_set(e, "queue %u: %s: %s%s", q->num, what, strerror(ackerr),
		    ackerr == EPERM ? " (is another program bound to this "
		    "queue? binding also needs CAP_NET_ADMIN)" : "");
		return -1;
	}
	return 0;
}

static int
configure(struct queue *q, const struct queue_opts *o, struct verr *e)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	uint32_t flags = 0, mask = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (cfg_send(q, nlh, "bind", e) == -1)
		return -1;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)o->copy_range);
	if (cfg_send(q, nlh, "copy mode", e) == -1)
		return -1;
	if (o->fail_open)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	if (o->gso)
		flags |= NFQA_CFG_F_GSO;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(mask));
	if (cfg_send(q, nlh, "flags (fail-open, gso)", e) == -1)
		return -1;
	if (o->maxlen != 0) {
		nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
		nfq_nlmsg_cfg_put_qmaxlen(nlh, o->maxlen);
		if (cfg_send(q, nlh, "queue length", e) == -1)
			return -1;
	}
	return 0;
}

static void
socket_options(struct queue *q, int rcvbuf)
{
	struct timeval tv;
	int one = 1;

	/* Overruns show up as gaps in the packet ids; we never want ENOBUFS. */
	setsockopt(q->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	if (setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	tv.tv_sec = q->timeout_ms / 1000;
	tv.tv_usec = (q->timeout_ms % 1000) * 1000;
	setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void
alloc_buffers(struct queue *q, uint32_t copy_range)
{
	q->slot_size = ((size_t)copy_range + SLOT_META + 63) & ~(size_t)63;
	q->slots = xcalloc(q->batch, q->slot_size);
	q->msgs = xcalloc(q->batch, sizeof(*q->msgs));
	q->iov = xcalloc(q->batch, sizeof(*q->iov));
	q->from = xcalloc(q->batch, sizeof(*q->from));
	for (unsigned i = 0; i < q->batch; i++) {
		q->iov[i].iov_base = q->slots + (size_t)i * q->slot_size;
		q->iov[i].iov_len = q->slot_size;
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
		q->msgs[i].msg_hdr.msg_name = &q->from[i];
		q->msgs[i].msg_hdr.msg_namelen = sizeof(q->from[i]);
	}
	q->vlimit = (size_t)(q->batch + 1) * VERDICT_MSG_MAX;
	q->vbuf = xcalloc(2, q->vlimit);
	q->vb = mnl_nlmsg_batch_start(q->vbuf, q->vlimit);
}

struct queue *
queue_open(unsigned num, const struct queue_opts *opts, struct verr *e)
{
	struct queue_opts o;
	struct queue *q;

	queue_opts_default(&o);
	if (opts != NULL) {
		o = *opts;
		if (o.copy_range == 0 || o.copy_range > QUEUE_COPY_DEFAULT)
			o.copy_range = QUEUE_COPY_DEFAULT;
		if (o.batch == 0)
			o.batch = QUEUE_BATCH_DEFAULT;
		if (o.rcvbuf <= 0)
			o.rcvbuf = QUEUE_RCVBUF_DEFAULT;
		if (o.timeout_ms <= 0)
			o.timeout_ms = QUEUE_TIMEOUT_DEFAULT;
	}
	if (num > 65535) {
		verr_set(e, "queue number %u is out of range 0-65535", num);
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->num = num;
	q->batch = MIN(o.batch, QUEUE_BATCH_MAX);
	q->timeout_ms = o.timeout_ms;
	alloc_buffers(q, o.copy_range);
	if (q->vb == NULL) {
		verr_set(e, "queue %u: out of memory", num);
		goto fail;
	}
	q->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (q->nl == NULL) {
		verr_set(e, "queue %u: netlink socket: %s", num, strerror(errno));
		goto fail;
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		verr_set(e, "queue %u: netlink bind: %s", num, strerror(errno));
		goto fail;
	}
	q->fd = mnl_socket_get_fd(q->nl);
	q->portid = mnl_socket_get_portid(q->nl);
	socket_options(q, o.rcvbuf);
	if (configure(q, &o, e) == -1)
		goto fail;
	return q;
fail:
	queue_close(q);
	return NULL;
}

void
queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	if (q->nl != NULL)
		mnl_socket_close(q->nl);
	if (q->vb != NULL)
		mnl_nlmsg_batch_stop(q->vb);
	free(q->vbuf);
	free(q->from);
	free(q->iov);
	free(q->msgs);
	free(q->slots);
	free(q);
}

int
queue_run_once(struct queue *q, queue_cb cb, void *arg, struct verr *e)
{
	int n, npkt = 0;

	for (unsigned i = 0; i < q->batch; i++)
		q->msgs[i].msg_hdr.msg_namelen = sizeof(q->from[i]);
	n = recvmmsg(q->fd, q->msgs, q->batch, MSG_WAITFORONE, NULL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			CNT_ADD(q, enobufs, 1);
			return 0;
		}
		__atomic_store_n(&q->last_errno, errno, __ATOMIC_RELAXED);
		verr_set(e, "queue %u: receive: %s", q->num, strerror(errno));
		return -1;
	}
	CNT_ADD(q, batches, 1);
	for (int i = 0; i < n; i++) {
		struct msghdr *m = &q->msgs[i].msg_hdr;
		if (m->msg_namelen < sizeof(struct sockaddr_nl) ||
		    q->from[i].nl_pid != 0)
			continue;	/* not from the kernel */
		if (m->msg_flags & MSG_TRUNC) {
			CNT_ADD(q, errors, 1);
			continue;
		}
		npkt += handle_datagram(q, q->iov[i].iov_base,
		    q->msgs[i].msg_len, cb, arg, 0, NULL, NULL);
	}
	verdict_flush(q);
	return npkt;
}

int
queue_run(struct queue *q, queue_cb cb, void *arg, struct verr *e)
{
	while (!__atomic_load_n(&q->stop, __ATOMIC_RELAXED))
		if (queue_run_once(q, cb, arg, e) == -1)
			return -1;
	return 0;
}

void
queue_stop(struct queue *q)
{
	__atomic_store_n(&q->stop, 1, __ATOMIC_RELAXED);
}

void
queue_stats_get(const struct queue *q, struct queue_stats *s)
{
#define LD(f) s->f = __atomic_load_n(&q->st.f, __ATOMIC_RELAXED)
	LD(packets);
	LD(bytes);
	for (unsigned i = 0; i < QUEUE_VERDICT_COUNT; i++)
		LD(verdicts[i]);
	LD(id_gaps);
	LD(enobufs);
	LD(truncated);
	LD(errors);
	LD(batches);
#undef LD
	s->last_errno = __atomic_load_n(&q->last_errno, __ATOMIC_RELAXED);
}

/* One line: "num portid total copy_mode copy_range dropped user_dropped
 * id_sequence 1" (the kernel's nfnetlink_queue seq_show). */
static int
proc_line(const char *line, struct queue_proc *qp)
{
	uint64_t v[8];
	char buf[256], *save = NULL, *tok;
	unsigned i = 0;

	if (str_copy(buf, line, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, " \t", &save); tok != NULL && i < 8;
	    tok = strtok_r(NULL, " \t", &save))
		if (!parse_u64(tok, 0, UINT32_MAX, &v[i++]))
			return -1;
	if (i < 8)
		return -1;
	qp->num = (unsigned)v[0];
	qp->portid = (uint32_t)v[1];
	qp->total = (uint32_t)v[2];
	qp->copy_mode = (unsigned)v[3];
	qp->copy_range = (unsigned)v[4];
	qp->dropped = v[5];
	qp->user_dropped = v[6];
	qp->id_sequence = (uint32_t)v[7];
	return 0;
}

int
queue_proc_read(const char *path, struct queue_proc *out, size_t max,
    size_t *n, struct verr *e)
{
	uint8_t *buf;
	size_t len;
	char *line, *next;
	int lineno = 0;

	*n = 0;
	if (path == NULL)
		path = QUEUE_PROC;
	if (file_read(path, 1 << 20, &buf, &len, e) == -1)
		return -1;
	for (line = (char *)buf; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (*n >= max)
			break;
		if (proc_line(line, &out[*n]) == -1) {
			char q[64];
			str_quote(q, sizeof(q), line, strlen(line));
			verr_set(e, "%s:%d: not a queue line: `%s'", path,
			    lineno, q);
			free(buf);
			return -1;
		}
		(*n)++;
	}
	free(buf);
	return 0;
}
