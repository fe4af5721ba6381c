/* test_pkt.c - the packet decoder on captured packets (checked against
 * tcpdump's own decoding of the same bytes), IPv6 extension header chains,
 * a table of malformed headers, truncation at every length, checksums. */
#include "unit.h"

#include <netinet/in.h>

#include "hexpkt.h"
#include "engine/pkt.h"
#include "core/util.h"
#include "tcpdump_note.h"

static const char *const fixtures[] = {
	"dns/udp4_a_edns.hex", "dns/udp4_a_noedns.hex", "dns/udp4_a_dnssec.hex",
	"dns/udp6_aaaa.hex", "dns/udp4_txt.hex", "dns/udp6_https.hex",
	"dns/udp4_refused.hex", "dns/tcp4_a.hex", "dns/tcp6_aaaa_noedns.hex",
};

static struct hexpkt pk[HEXPKT_MAX];

static void
check_against_note(const struct hexpkt *h, const struct pkt *p,
    uint32_t isn_src)
{
	struct note n;
	size_t alen;

	note_parse(h->note, &n);
	alen = n.family == 4 ? 4 : 16;
	assert_int_equal(p->family, n.family);
	assert_memory_equal(p->src, n.src, alen);
	assert_memory_equal(p->dst, n.dst, alen);
	assert_int_equal(p->sport, n.sport);
	assert_int_equal(p->dport, n.dport);
	assert_int_equal(p->l4proto, n.tcp ? IPPROTO_TCP : IPPROTO_UDP);
	if (n.tcp) {
		assert_int_equal(p->tcp_flags, n.tcp_flags);
		assert_int_equal(p->payload_len, n.length);
		/* tcpdump prints absolute numbers on SYNs, relative after. */
		if (n.has_seq)
			assert_int_equal((p->tcp_flags & PKT_TCP_SYN) ?
			    p->seq : p->seq - isn_src, n.seq);
	} else {
		assert_int_equal(p->payload_len, n.dns_len);
	}
	if (n.has_dns) {
		/* over TCP, after the 2-byte length */
		alen = n.tcp ? 2 : 0;
		assert_int_equal(p->payload[alen] << 8 | p->payload[alen + 1],
		    n.dns_id);
	}
}

/* Every captured packet: status, every field tcpdump printed, TTL 64 (the
 * Linux default), the checksum, and the IP length. */
static void
test_captured(void **state)
{
	struct pkt p;
	uint32_t isn[2] = { 0, 0 };	/* client, server */
	size_t f;
	int i, cnt, side;

	(void)state;
	for (f = 0; f < ARRAY_LEN(fixtures); f++) {
		cnt = hexpkt_load(fixtures[f], pk, HEXPKT_MAX);
		assert_true(cnt >= 2);
		for (i = 0; i < cnt; i++) {
			assert_int_equal(pkt_parse(pk[i].data, pk[i].len, &p),
			    PKT_OK);
			assert_ptr_equal(p.data, pk[i].data);
			assert_int_equal(p.len, pk[i].len);
			assert_int_equal(p.ttl, 64);
			assert_true(pkt_l4_csum_ok(&p));
			side = p.dport == 53 ? 0 : 1;
			if (p.tcp_flags & PKT_TCP_SYN)
				isn[side] = p.seq;
			check_against_note(&pk[i], &p, isn[side]);
		}
	}
}

/* The TCP handshake of tcp4_a: options skipped, numbers consistent. */
static void
test_tcp_fields(void **state)
{
	struct pkt syn, synack, data;
	int cnt;

	(void)state;
	cnt = hexpkt_load("dns/tcp4_a.hex", pk, HEXPKT_MAX);
	assert_int_equal(cnt, 10);
	assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &syn), PKT_OK);
	assert_int_equal(pkt_parse(pk[1].data, pk[1].len, &synack), PKT_OK);
	assert_int_equal(pkt_parse(pk[3].data, pk[3].len, &data), PKT_OK);
	/* The SYN carries 20 bytes of options (mss, sack, ts, wscale). */
	assert_int_equal(syn.l4off, 20);
	assert_int_equal(syn.payload - syn.data, 20 + 40);
	assert_int_equal(syn.payload_len, 0);
	assert_int_equal(syn.tcp_flags, PKT_TCP_SYN);
	assert_int_equal(syn.window, 64660);
	assert_int_equal(synack.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	assert_int_equal(synack.ack, syn.seq + 1);
	/* The query: 12 bytes of timestamps, then length prefix + 52 bytes. */
	assert_int_equal(data.payload - data.data, 20 + 32);
	assert_int_equal(data.payload_len, 54);
	assert_int_equal(data.payload[0] << 8 | data.payload[1], 52);
	assert_int_equal(data.seq, syn.seq + 1);
	assert_int_equal(data.ack, synack.seq + 1);
	assert_int_equal(data.tcp_flags, PKT_TCP_ACK | PKT_TCP_PSH);
	/* Options a receiver acts on (issue 12: PAWS, signatures). */
	assert_int_equal(syn.tcp_opts, PKT_OPT_TS | PKT_OPT_WSCALE);
	assert_int_equal(syn.tsval, (uint32_t)pk[0].data[20 + 28] << 24 |
	    (uint32_t)pk[0].data[20 + 29] << 16 |
	    (uint32_t)pk[0].data[20 + 30] << 8 | pk[0].data[20 + 31]);
	assert_int_equal(data.tcp_opts, PKT_OPT_TS);
	assert_true(data.tsval - syn.tsval < 10000);
}

/* A TCP MD5 option is seen; options that run past the header are
 * malformed (the receiver cannot read the segment as sent). */
static void
test_tcp_options(void **state)
{
	uint8_t buf[HEXPKT_MAX_LEN];
	struct pkt p;
	size_t len;

	(void)state;
	hexpkt_load("dns/tcp4_a.hex", pk, HEXPKT_MAX);
	len = pk[3].len;	/* 12 bytes of options: NOP NOP TS */
	memcpy(buf, pk[3].data, len);
	buf[20 + 22] = 19;	/* TS -> MD5 of length 10 */
	assert_int_equal(pkt_parse(buf, len, &p), PKT_OK);
	assert_int_equal(p.tcp_opts, PKT_OPT_SIG);
	buf[20 + 23] = 11;	/* one past the header */
	assert_int_equal(pkt_parse(buf, len, &p), PKT_MALFORMED);
	buf[20 + 23] = 1;	/* a length below 2 */
	assert_int_equal(pkt_parse(buf, len, &p), PKT_MALFORMED);
}

/* Ethernet padding after the IP packet is not payload. */
static void
test_trailing_padding(void **state)
{
	struct pkt p;
	uint8_t buf[HEXPKT_MAX_LEN + 32];
	size_t plen;

	(void)state;
	hexpkt_load("dns/udp4_a_noedns.hex", pk, HEXPKT_MAX);
	memcpy(buf, pk[0].data, pk[0].len);
	memset(buf + pk[0].len, 0xee, 18);
	assert_int_equal(pkt_parse(buf, pk[0].len + 18, &p), PKT_OK);
	assert_int_equal(p.len, pk[0].len);
	plen = p.payload_len;
	assert_int_equal(plen, pk[0].len - 28);
	assert_true(pkt_l4_csum_ok(&p));
}

/* Every proper prefix of every captured packet is malformed, never read
 * past (ASan build) and never OK. */
static void
test_truncated_everywhere(void **state)
{
	struct pkt p;
	uint8_t *copy;
	size_t f, l;
	int i, cnt;

	(void)state;
	for (f = 0; f < ARRAY_LEN(fixtures); f++) {
		cnt = hexpkt_load(fixtures[f], pk, HEXPKT_MAX);
		for (i = 0; i < cnt; i++) {
			for (l = 0; l < pk[i].len; l++) {
				/* An exact-size heap copy, so ASan sees any
				 * read past the end. */
				copy = malloc(l ? l : 1);
				memcpy(copy, pk[i].data, l);
				assert_int_equal(pkt_parse(copy, l, &p),
				    PKT_MALFORMED);
				free(copy);
			}
		}
	}
	assert_int_equal(pkt_parse(NULL, 10, &p), PKT_MALFORMED);
}

/* A changed payload bit, address or port breaks the checksum. */
static void
test_checksum_detects_change(void **state)
{
	struct pkt p;
	size_t f, off;
	int i, cnt;

	(void)state;
	for (f = 0; f < ARRAY_LEN(fixtures); f++) {
		cnt = hexpkt_load(fixtures[f], pk, HEXPKT_MAX);
		for (i = 0; i < cnt; i++) {
			assert_int_equal(pkt_parse(pk[i].data, pk[i].len, &p),
			    PKT_OK);
			/* the source address (pseudo-header) */
			off = p.family == 4 ? 12 : 8;
			pk[i].data[off + 3] ^= 0x01;
			assert_false(pkt_l4_csum_ok(&p));
			pk[i].data[off + 3] ^= 0x01;
			assert_true(pkt_l4_csum_ok(&p));
			/* the last byte of the segment */
			pk[i].data[p.len - 1] ^= 0x80;
			assert_false(pkt_l4_csum_ok(&p));
			pk[i].data[p.len - 1] ^= 0x80;
		}
	}
}

/* RFC 1071 section 3's example: the sum of 00 01 f2 03 f4 f5 f6 f7 is
 * ddf2, so the checksum is 220d. Odd chunks pad with zero at the end. */
static void
test_csum_rfc1071(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };
	static const uint8_t odd[] = { 0xab, 0xcd, 0xef };
	uint32_t s;

	(void)state;
	assert_int_equal(pkt_csum_add(0, b, sizeof(b)), 0x2ddf0);
	assert_int_equal(pkt_csum_fold(pkt_csum_add(0, b, sizeof(b))), 0x220d);
	s = pkt_csum_add(pkt_csum_add(0, b, 4), b + 4, 4);
	assert_int_equal(pkt_csum_fold(s), 0x220d);
	assert_int_equal(pkt_csum_add(0, odd, 3), 0xabcd + 0xef00);
	assert_int_equal(pkt_csum_fold(0), 0xffff);
	assert_int_equal(pkt_csum_fold(0xffff), 0);
}

/* UDP checksum 0: "none" over IPv4, invalid over IPv6 (RFC 8200). */
static void
test_udp_zero_checksum(void **state)
{
	struct pkt p;

	(void)state;
	hexpkt_load("dns/udp4_a_noedns.hex", pk, HEXPKT_MAX);
	pk[0].data[26] = pk[0].data[27] = 0;
	assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &p), PKT_OK);
	assert_true(pkt_l4_csum_ok(&p));
	hexpkt_load("dns/udp6_aaaa.hex", pk, HEXPKT_MAX);
	pk[0].data[46] = pk[0].data[47] = 0;
	assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &p), PKT_OK);
	assert_false(pkt_l4_csum_ok(&p));
}

static void
set16(uint8_t *b, size_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/*
 * Put extension headers (ext, elen bytes, their next-header bytes already
 * chained, the last one's to be set to UDP) between the IPv6 header and the
 * UDP header of the captured AAAA query. Returns the new length.
 */
static size_t
with_ext(uint8_t *out, const uint8_t *ext, size_t elen, uint8_t first,
    size_t last_nh_off)
{
	size_t l4 = pk[0].len - 40;

	memcpy(out, pk[0].data, 40);
	memcpy(out + 40, ext, elen);
	memcpy(out + 40 + elen, pk[0].data + 40, l4);
	out[6] = first;
	if (last_nh_off != (size_t)-1)
		out[40 + last_nh_off] = IPPROTO_UDP;
	set16(out + 4, elen + l4);
	return 40 + elen + l4;
}

static void
test_ipv6_ext_chain(void **state)
{
	/* hop-by-hop (8, PadN), routing (type 0, 0 segments left, 8),
	 * destination options (16), fragment (offset 0, M 0, 8), AH (24:
	 * payload length 4 -> (4 + 2) * 4 bytes). */
	static const uint8_t ext[] = {
		IPPROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0,
		IPPROTO_DSTOPTS, 0, 0, 0, 0, 0, 0, 0,
		IPPROTO_FRAGMENT, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		IPPROTO_AH, 0, 0, 0, 0x12, 0x34, 0x56, 0x78,
		0xff, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,	/* SPI 256, seq 1 */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,	/* ICV */
	};
	uint8_t buf[HEXPKT_MAX_LEN];
	struct pkt p, ref;
	size_t n;

	(void)state;
	hexpkt_load("dns/udp6_aaaa.hex", pk, HEXPKT_MAX);
	assert_int_equal(pkt_parse(pk[0].data, pk[0].len, &ref), PKT_OK);
	n = with_ext(buf, ext, sizeof(ext), IPPROTO_HOPOPTS, 40);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_OK);
	assert_int_equal(p.l4off, 40 + sizeof(ext));
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.sport, ref.sport);
	assert_int_equal(p.payload_len, ref.payload_len);
	assert_memory_equal(p.payload, ref.payload, ref.payload_len);
	/* The pseudo-header does not cover extension headers. */
	assert_true(pkt_l4_csum_ok(&p));

	/* An extension header longer than the packet. */
	n = with_ext(buf, ext, 8, IPPROTO_HOPOPTS, (size_t)-1);
	buf[40] = IPPROTO_UDP;
	buf[41] = 200;
	assert_int_equal(pkt_parse(buf, n, &p), PKT_MALFORMED);
	/* An AH whose length runs past the end. */
	n = with_ext(buf, ext + 40, 24, IPPROTO_AH, (size_t)-1);
	buf[40] = IPPROTO_UDP;
	buf[41] = 255;
	assert_int_equal(pkt_parse(buf, n, &p), PKT_MALFORMED);
	/* A hop-by-hop header anywhere but first: dropped by receivers
	 * (RFC 8200 4.1), so malformed here (zapret's hopbyhop2 decoy). */
	{
		static const uint8_t two[] = {
			IPPROTO_HOPOPTS, 0, 1, 4, 0, 0, 0, 0,
			IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0,
		};
		n = with_ext(buf, two, sizeof(two), IPPROTO_HOPOPTS,
		    (size_t)-1);
		assert_int_equal(pkt_parse(buf, n, &p), PKT_MALFORMED);
		n = with_ext(buf, two + 8, 8, IPPROTO_HOPOPTS, (size_t)-1);
		assert_int_equal(pkt_parse(buf, n, &p), PKT_OK);
	}
	/* A chain cut short: the IPv6 payload ends inside the header. */
	n = with_ext(buf, ext, 8, IPPROTO_HOPOPTS, 0);
	set16(buf + 4, 5);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_MALFORMED);
}

static void
test_ipv6_unsupported(void **state)
{
	uint8_t frag[8] = { IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 7 };
	uint8_t esp[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };
	uint8_t buf[HEXPKT_MAX_LEN];
	struct pkt p;
	size_t n;

	(void)state;
	hexpkt_load("dns/udp6_aaaa.hex", pk, HEXPKT_MAX);
	/* First fragment with more to come. */
	frag[3] = 0x01;
	n = with_ext(buf, frag, 8, IPPROTO_FRAGMENT, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_UNSUPPORTED);
	/* A later fragment (offset 8 bytes), no more. */
	frag[2] = 0x00, frag[3] = 0x08;
	n = with_ext(buf, frag, 8, IPPROTO_FRAGMENT, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_UNSUPPORTED);
	/* Atomic fragment (RFC 6946): offset 0, M 0 -> decoded. */
	frag[3] = 0x00;
	n = with_ext(buf, frag, 8, IPPROTO_FRAGMENT, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_OK);
	assert_int_equal(p.l4off, 48);
	n = with_ext(buf, esp, 8, IPPROTO_ESP, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_UNSUPPORTED);
	n = with_ext(buf, esp, 8, IPPROTO_NONE, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_UNSUPPORTED);
	n = with_ext(buf, esp, 8, IPPROTO_ICMPV6, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_UNSUPPORTED);
	/* Hop-by-hop then ESP. */
	frag[0] = IPPROTO_ESP;
	n = with_ext(buf, frag, 8, IPPROTO_HOPOPTS, (size_t)-1);
	assert_int_equal(pkt_parse(buf, n, &p), PKT_UNSUPPORTED);
	/* Payload length beyond the buffer. */
	memcpy(buf, pk[0].data, pk[0].len);
	set16(buf + 4, pk[0].len - 40 + 1);
	assert_int_equal(pkt_parse(buf, pk[0].len, &p), PKT_MALFORMED);
}

/* IPv4 header variants, built from the captured A query. */
struct v4case {
	const char *what;
	size_t off;		/* byte to change */
	uint8_t val;
	enum pkt_status want;
};

static const struct v4case v4cases[] = {
	{ "version 5", 0, 0x55, PKT_MALFORMED },
	{ "version 0", 0, 0x05, PKT_MALFORMED },
	{ "IHL 4", 0, 0x44, PKT_MALFORMED },
	{ "IHL 0", 0, 0x40, PKT_MALFORMED },
	{ "IHL 15 beyond total length", 0, 0x4f, PKT_MALFORMED },
	{ "total length 19", 3, 19, PKT_MALFORMED },
	{ "total length > buffer", 3, 0xff, PKT_MALFORMED },
	{ "more fragments", 6, 0x20, PKT_UNSUPPORTED },
	{ "fragment offset 8", 7, 0x01, PKT_UNSUPPORTED },
	{ "large fragment offset", 6, 0x1f, PKT_UNSUPPORTED },
	{ "DF is fine", 6, 0x40, PKT_OK },
	{ "ICMP", 9, IPPROTO_ICMP, PKT_UNSUPPORTED },
	{ "ESP", 9, IPPROTO_ESP, PKT_UNSUPPORTED },
	{ "UDP length 7", 25, 7, PKT_MALFORMED },
	{ "UDP length > IP payload", 25, 0xff, PKT_MALFORMED },
	{ "UDP length 0 (jumbo)", 24, 0, PKT_MALFORMED },
};

static void
test_ipv4_table(void **state)
{
	uint8_t buf[HEXPKT_MAX_LEN];
	struct pkt p;
	size_t i, len;

	(void)state;
	hexpkt_load("dns/udp4_a_noedns.hex", pk, HEXPKT_MAX);
	len = pk[0].len;
	for (i = 0; i < ARRAY_LEN(v4cases); i++) {
		memcpy(buf, pk[0].data, len);
		buf[v4cases[i].off] = v4cases[i].val;
		if (v4cases[i].off == 24)
			buf[25] = 0;
		if (pkt_parse(buf, len, &p) != v4cases[i].want)
			fail_msg("%s: got %d, want %d", v4cases[i].what,
			    pkt_parse(buf, len, &p), v4cases[i].want);
	}
}

/* IPv4 options are skipped (IHL 6 + 4 bytes of NOP/EOL); a shorter UDP
 * length than the IP payload bounds the payload. */
static void
test_ipv4_options_and_udp_len(void **state)
{
	uint8_t buf[HEXPKT_MAX_LEN];
	struct pkt p, ref;
	size_t len;

	(void)state;
	hexpkt_load("dns/udp4_a_noedns.hex", pk, HEXPKT_MAX);
	len = pk[0].len;
	assert_int_equal(pkt_parse(pk[0].data, len, &ref), PKT_OK);
	memcpy(buf, pk[0].data, 20);
	buf[0] = 0x46;
	buf[20] = 1, buf[21] = 1, buf[22] = 1, buf[23] = 0;
	memcpy(buf + 24, pk[0].data + 20, len - 20);
	set16(buf + 2, len + 4);
	assert_int_equal(pkt_parse(buf, len + 4, &p), PKT_OK);
	assert_int_equal(p.l4off, 24);
	assert_int_equal(p.payload_len, ref.payload_len);
	assert_true(pkt_l4_csum_ok(&p));

	memcpy(buf, pk[0].data, len);
	set16(buf + 24, 8 + 10);
	assert_int_equal(pkt_parse(buf, len, &p), PKT_OK);
	assert_int_equal(p.payload_len, 10);
	assert_false(pkt_l4_csum_ok(&p));
}

static void
test_tcp_bad_offset(void **state)
{
	uint8_t buf[HEXPKT_MAX_LEN];
	struct pkt p;
	size_t len;

	(void)state;
	hexpkt_load("dns/tcp4_a.hex", pk, HEXPKT_MAX);
	len = pk[3].len;	/* the query segment: 20 + 32 + 54 */
	memcpy(buf, pk[3].data, len);
	buf[32] = 0x40;		/* data offset 4 */
	assert_int_equal(pkt_parse(buf, len, &p), PKT_MALFORMED);
	buf[32] = 0xf0;		/* 60 bytes: fits (86 left) */
	assert_int_equal(pkt_parse(buf, len, &p), PKT_OK);
	assert_int_equal(p.payload_len, len - 20 - 60);
	memcpy(buf, pk[3].data, 40);	/* IP + TCP header, no options */
	set16(buf + 2, 40);
	buf[32] = 0x60;		/* 24 bytes, only 20 there */
	assert_int_equal(pkt_parse(buf, 40, &p), PKT_MALFORMED);
	buf[32] = 0x50;
	assert_int_equal(pkt_parse(buf, 40, &p), PKT_OK);
	assert_int_equal(p.payload_len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured),
		cmocka_unit_test(test_tcp_fields),
		cmocka_unit_test(test_trailing_padding),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_checksum_detects_change),
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_udp_zero_checksum),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_unsupported),
		cmocka_unit_test(test_ipv4_table),
		cmocka_unit_test(test_ipv4_options_and_udp_len),
		cmocka_unit_test(test_tcp_bad_offset),
		cmocka_unit_test(test_tcp_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
