/*
 * fuzz_pkt.c - pkt_parse() and pkt_l4_csum_ok() on arbitrary bytes; every
 * packet that parses is also answered with respond.c (UDP reply, TCP data +
 * FIN, both resets), and each forged packet must parse back with a valid
 * checksum and the expected payload.
 */
#include "../../daemon/engine/pkt.c"

#include "engine/respond.h"

static void
check_forged(const uint8_t *out, int len, size_t payload_len)
{
	struct pkt f;

	if (len < 0)
		__builtin_trap();
	if (pkt_parse(out, (size_t)len, &f) != PKT_OK || !pkt_l4_csum_ok(&f) ||
	    f.payload_len != payload_len || f.ttl != 64)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536 + 64];
	struct pkt p;
	int len;

	if (pkt_parse(data, size, &p) != PKT_OK) {
		(void)pkt_l4_csum_ok(&p);
		return 0;
	}
	(void)pkt_l4_csum_ok(&p);
	if (p.len > size || p.l4off >= p.len || p.payload < data + p.l4off ||
	    p.payload + p.payload_len > data + p.len)
		__builtin_trap();
	if (p.l4proto == IPPROTO_UDP) {
		len = respond_udp(&p, p.payload, p.payload_len, out,
		    sizeof(out));
		check_forged(out, len, p.payload_len);
		return 0;
	}
	len = respond_tcp_data_fin_client(&p, p.payload, p.payload_len, out,
	    sizeof(out));
	check_forged(out, len, p.payload_len);
	check_forged(out, respond_tcp_rst_client(&p, out, sizeof(out)), 0);
	check_forged(out, respond_tcp_rst_server(&p, out, sizeof(out)), 0);
	return 0;
}
