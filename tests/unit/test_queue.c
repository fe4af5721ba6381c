/* test_queue.c - the parts of queue.c that need no kernel: decoding packet
 * messages as nfnetlink_queue encodes them, the /proc reader, the mark
 * helper. (The kernel side is tests/integ/test_kernel.sh.) */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "kernel/queue.h"

/* An IPv4 UDP DNS query for a.example (dig, captured in the test topology). */
static const uint8_t query[] = {
	0x45, 0x00, 0x00, 0x3e, 0x1c, 0x46, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x02, 0xcb, 0x00, 0x71, 0x02, 0xd6, 0x8c, 0x00, 0x35,
	0x00, 0x2a, 0x00, 0x00, 0x5b, 0x1d, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x61, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0,
	0x00, 0x00,
};

static uint8_t msgbuf[8192] __attribute__((aligned(8)));

/* A packet message as the kernel builds it (nfqnl_build_packet_message):
 * all integers big-endian. */
static struct nlmsghdr *
build_packet(uint32_t id, bool with_optional)
{
	struct nfqnl_msg_packet_hdr ph;
	struct nlmsghdr *nlh;

	memset(msgbuf, 0, sizeof(msgbuf));
	nlh = nfq_nlmsg_put((char *)msgbuf, NFQNL_MSG_PACKET, 5);
	ph.packet_id = htonl(id);
	ph.hw_protocol = htons(0x0800);
	ph.hook = NF_INET_FORWARD;
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(ph), &ph);
	if (with_optional) {
		mnl_attr_put_u32(nlh, NFQA_MARK, htonl(0x00300001));
		mnl_attr_put_u32(nlh, NFQA_IFINDEX_INDEV, htonl(2));
		mnl_attr_put_u32(nlh, NFQA_IFINDEX_OUTDEV, htonl(3));
		mnl_attr_put_u32(nlh, NFQA_SKB_INFO,
		    htonl(NFQA_SKB_CSUMNOTREADY | NFQA_SKB_GSO));
		mnl_attr_put_u32(nlh, NFQA_CAP_LEN, htonl(9000));
	}
	mnl_attr_put(nlh, NFQA_PAYLOAD, sizeof(query), query);
	return nlh;
}

static void
test_parse_full(void **state)
{
	struct nlmsghdr *nlh = build_packet(4242, true);
	struct queue_pkt p;

	(void)state;
	assert_int_equal(queue_parse_packet(nlh, nlh->nlmsg_len, &p), 0);
	assert_int_equal(p.id, 4242);
	assert_int_equal(p.hw_proto, 0x0800);
	assert_int_equal(p.hook, NF_INET_FORWARD);
	assert_int_equal(p.mark, 0x00300001);
	assert_int_equal(p.ifin, 2);
	assert_int_equal(p.ifout, 3);
	assert_int_equal(p.skb_info, QUEUE_SKB_CSUMNOTREADY | QUEUE_SKB_GSO);
	assert_int_equal(p.len, sizeof(query));
	assert_int_equal(p.orig_len, 9000);
	assert_memory_equal(p.data, query, sizeof(query));
}

static void
test_parse_minimal(void **state)
{
	struct nlmsghdr *nlh = build_packet(1, false);
	struct queue_pkt p;

	(void)state;
	assert_int_equal(queue_parse_packet(nlh, nlh->nlmsg_len, &p), 0);
	assert_int_equal(p.id, 1);
	assert_int_equal(p.mark, 0);
	assert_int_equal(p.skb_info, 0);
	assert_int_equal(p.ifin, 0);
	assert_int_equal(p.orig_len, sizeof(query));	/* no CAP_LEN */
}

static void
test_parse_rejects(void **state)
{
	struct nlmsghdr *nlh = build_packet(7, true);
	struct queue_pkt p;
	uint32_t len = nlh->nlmsg_len;
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *v;

	(void)state;
	/* shorter than the message says */
	assert_int_equal(queue_parse_packet(nlh, len - 1, &p), -1);
	assert_int_equal(queue_parse_packet(nlh, 10, &p), -1);
	/* not a packet message */
	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT;
	assert_int_equal(queue_parse_packet(nlh, len, &p), -1);
	/* no NFQA_PACKET_HDR */
	v = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 0);
	mnl_attr_put(v, NFQA_PAYLOAD, 8, query);
	assert_int_equal(queue_parse_packet(v, v->nlmsg_len, &p), -1);
	/* a packet header attribute that is too short */
	v = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 0);
	mnl_attr_put_u16(v, NFQA_PACKET_HDR, 1);
	assert_int_equal(queue_parse_packet(v, v->nlmsg_len, &p), -1);
	/* a mark attribute of the wrong size */
	v = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 0);
	{
		struct nfqnl_msg_packet_hdr ph = {htonl(1), htons(0x86dd), 2};
		mnl_attr_put(v, NFQA_PACKET_HDR, sizeof(ph), &ph);
	}
	mnl_attr_put_u16(v, NFQA_MARK, 1);
	assert_int_equal(queue_parse_packet(v, v->nlmsg_len, &p), -1);
}

static void
test_proc(void **state)
{
	struct queue_proc qp[4];
	struct verr e;
	size_t n;

	(void)state;
	assert_int_equal(queue_proc_read(unit_data("nfnetlink_queue.txt"), qp,
	    4, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(qp[0].num, 7);
	assert_int_equal(qp[0].portid, 860);
	assert_int_equal(qp[0].copy_mode, 2);
	assert_int_equal(qp[0].copy_range, 65531);
	assert_int_equal(qp[0].id_sequence, 0);
	assert_int_equal(qp[1].num, 300);
	assert_int_equal(qp[1].total, 4);
	assert_int_equal(qp[1].dropped, 17);
	assert_int_equal(qp[1].user_dropped, 5);
	assert_int_equal(qp[1].id_sequence, 4000000000u);
	/* max bounds what is filled */
	assert_int_equal(queue_proc_read(unit_data("nfnetlink_queue.txt"), qp,
	    1, &n, &e), 0);
	assert_int_equal(n, 1);
}

static void
test_proc_errors(void **state)
{
	char path[] = "/tmp/veto-nfq-XXXXXX";
	struct queue_proc qp[4];
	struct verr e;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(queue_proc_read("/nonexistent/nfq", qp, 4, &n, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/nfq"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "    0    860 zero\n", 18), 18);
	close(fd);
	assert_int_equal(queue_proc_read(path, qp, 4, &n, &e), -1);
	assert_non_null(strstr(e.msg, "zero"));
	unlink(path);
	/* an empty file: no queue bound */
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	close(fd);
	assert_int_equal(queue_proc_read(path, qp, 4, &n, &e), 0);
	assert_int_equal(n, 0);
	unlink(path);
}

static void
test_mark(void **state)
{
	(void)state;
	/* the operator's bits survive, ours are replaced */
	assert_int_equal(queue_mark(0x80200001, 0x00300000, 0x00100000),
	    0x80100001);
	assert_int_equal(queue_mark(0, 0x00300000, 0x00300000), 0x00300000);
	/* a value outside the mask cannot leak into other bits */
	assert_int_equal(queue_mark(0, 0x00300000, 0xffffffff), 0x00300000);
}

static void
test_opts_conf(void **state)
{
	struct conf *c = conf_default();
	struct queue_opts o;

	(void)state;
	c->fail_open = false;
	c->queue_maxlen = 1234;
	queue_opts_conf(&o, c);
	assert_false(o.fail_open);
	assert_int_equal(o.maxlen, 1234);
	assert_true(o.gso);
	assert_int_equal(o.copy_range, QUEUE_COPY_DEFAULT);
	conf_free(c);
}

static void
test_open_bad_number(void **state)
{
	struct verr e;

	(void)state;
	assert_null(queue_open(70000, NULL, &e));
	assert_non_null(strstr(e.msg, "70000"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_proc_errors),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_opts_conf),
		cmocka_unit_test(test_open_bad_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
