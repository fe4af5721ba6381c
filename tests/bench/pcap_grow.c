/*
 * pcap_grow.c - make a large capture from a small one for the replay
 * benchmark: COPIES copies of IN, one after the other in time, each with
 * the client's address (198.51.100.2 / 2001:db8:1::2) and ports rewritten
 * so every copy's connections are new ones. Only bytes in a file: nothing
 * is sent. Checksums are left as they are (replay does not verify them).
 *   pcap_grow IN OUT COPIES
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/replay.h"
#include "core/util.h"

static const uint8_t C4[4] = {198, 51, 100, 2};
static const uint8_t C6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 2};

/* Rewrite the client's address and port in an IP packet for copy k. */
static void
rewrite(uint8_t *ip, size_t len, unsigned k)
{
	size_t alen, l4;
	uint8_t *src, *dst;
	bool v4 = (ip[0] >> 4) == 4;

	if (v4 ? len < 20 : len < 40)
		return;
	alen = v4 ? 4 : 16;
	src = ip + (v4 ? 12 : 8);
	dst = src + alen;
	l4 = v4 ? (size_t)(ip[0] & 15) * 4 : 40;
	if (len < l4 + 4 || (ip[v4 ? 9 : 6] != 6 && ip[v4 ? 9 : 6] != 17))
		return;
	for (int side = 0; side < 2; side++) {
		uint8_t *a = side ? dst : src;
		uint8_t *port = ip + l4 + (side ? 2 : 0);
		if (memcmp(a, v4 ? C4 : C6, alen) != 0)
			continue;
		a[alen - 1] = (uint8_t)(2 + k % 250);
		a[alen - 2] ^= (uint8_t)(k / 250);
		port[0] ^= (uint8_t)((k * 7) >> 8);
	}
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t copies, span;
	pcap_t *in;
	pcap_dumper_t *out = NULL;
	struct timeval first = {0, 0}, last = {0, 0};

	if (argc != 4 || !parse_u64(argv[3], 1, 100000, &copies)) {
		fprintf(stderr, "usage: pcap_grow IN OUT COPIES\n");
		return 2;
	}
	for (uint64_t k = 0; k < copies; k++) {
		if ((in = pcap_open_offline(argv[1], err)) == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (k == 0 && (out = pcap_dump_open(in, argv[2])) == NULL) {
			fprintf(stderr, "%s\n", pcap_geterr(in));
			return 1;
		}
		while (pcap_next_ex(in, &h, &data) == 1) {
			struct pcap_pkthdr nh = *h;
			uint8_t buf[65536];
			long off = replay_link_offset(pcap_datalink(in), data,
			    h->caplen);
			if (k == 0 && first.tv_sec == 0)
				first = h->ts;
			if (k == 0)
				last = h->ts;
			span = (uint64_t)(last.tv_sec - first.tv_sec) + 1;
			nh.ts.tv_sec += (time_t)(k * span);
			memcpy(buf, data, MIN(h->caplen, sizeof(buf)));
			if (off >= 0)
				rewrite(buf + off, h->caplen - (size_t)off,
				    (unsigned)k);
			pcap_dump((u_char *)out, &nh, buf);
		}
		pcap_close(in);
	}
	pcap_dump_close(out);
	return 0;
}
