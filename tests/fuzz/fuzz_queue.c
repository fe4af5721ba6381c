/* fuzz_queue.c - queue.c's decoders on arbitrary bytes: a netlink packet
 * message (queue_parse_packet) and a /proc/net/netfilter/nfnetlink_queue
 * line. The kernel is their only real source, but neither may crash on
 * anything. */
#include "../../daemon/kernel/queue.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[70000] __attribute__((aligned(8)));
	struct queue_pkt p;
	struct queue_proc qp;
	char line[300];
	volatile uint8_t sink = 0;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (queue_parse_packet(buf, size, &p) == 0) {
		for (size_t i = 0; i < p.len; i++)
			sink ^= p.data[i];
	}
	str_ncopy(line, sizeof(line), (const char *)data, size);
	proc_line(line, &qp);
	(void)sink;
	return 0;
}
