/* test_dns.c - DNS query parsing on captured queries (checked against what
 * dig sent and tcpdump decoded), malformed messages, TCP framing, forged
 * answers parsed back field by field, and forged answers fed to dig. */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/dns.h"
#include "hexpkt.h"
#include "engine/pkt.h"
#include "tcpdump_note.h"
#include "core/util.h"

static struct hexpkt pk[HEXPKT_MAX];

/* What dig sent in each capture (see tests/data/dns/capture.sh). */
struct qfix {
	const char *file;
	int idx;		/* the query packet */
	const char *name;
	uint16_t qtype;
	bool edns;
	uint16_t udp_size;
	bool do_bit;
	bool tcp;
};

static const struct qfix qfixes[] = {
	{ "dns/udp4_a_edns.hex", 0, "WwW.eXaMpLe", DNS_TYPE_A, true, 1232,
	    false, false },
	{ "dns/udp4_a_noedns.hex", 0, "www.EXAMPLE", DNS_TYPE_A, false, 0,
	    false, false },
	{ "dns/udp4_a_dnssec.hex", 0, "www.example", DNS_TYPE_A, true, 4096,
	    true, false },
	{ "dns/udp6_aaaa.hex", 0, "wWw.Example", DNS_TYPE_AAAA, true, 1232,
	    false, false },
	{ "dns/udp4_txt.hex", 0, "www.example", DNS_TYPE_TXT, true, 1232,
	    false, false },
	{ "dns/udp6_https.hex", 0, "www.example", DNS_TYPE_HTTPS, false, 0,
	    false, false },
	{ "dns/udp4_refused.hex", 0, "Blocked.Nowhere", DNS_TYPE_A, true,
	    1232, false, false },
	{ "dns/tcp4_a.hex", 3, "www.example", DNS_TYPE_A, true, 1232, false,
	    true },
	{ "dns/tcp6_aaaa_noedns.hex", 3, "WWW.example", DNS_TYPE_AAAA, false,
	    0, false, true },
};

/* The DNS message of a captured packet (over TCP: the one message). */
static void
fixture_msg(const struct qfix *fx, int idx, const uint8_t **msg,
    size_t *len)
{
	struct dns_tcp_iter it;
	struct pkt p;

	assert_true(hexpkt_load(fx->file, pk, HEXPKT_MAX) > idx);
	assert_int_equal(pkt_parse(pk[idx].data, pk[idx].len, &p), PKT_OK);
	if (!fx->tcp) {
		*msg = p.payload;
		*len = p.payload_len;
		return;
	}
	dns_tcp_iter_init(&it, p.payload, p.payload_len);
	assert_true(dns_tcp_next(&it, msg, len));
	assert_false(dns_tcp_next(&it, msg, len));
	assert_int_equal(dns_tcp_need(&it), 0);
	assert_int_equal(dns_tcp_consumed(&it), p.payload_len);
	dns_tcp_iter_init(&it, p.payload, p.payload_len);
	assert_true(dns_tcp_next(&it, msg, len));
}

static void
test_captured_queries(void **state)
{
	struct dns_query q;
	struct note n;
	const uint8_t *msg;
	size_t len, i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(qfixes); i++) {
		const struct qfix *fx = &qfixes[i];

		fixture_msg(fx, fx->idx, &msg, &len);
		assert_int_equal(dns_query_parse(msg, len, &q), DNS_OK);
		note_parse(pk[fx->idx].note, &n);
		assert_true(n.has_dns);
		assert_int_equal(q.id, n.dns_id);
		assert_int_equal(len, n.dns_len);
		/* dig: RD and AD set, nothing else */
		assert_int_equal(q.flags, 0x0120);
		assert_int_equal(q.opcode, 0);
		assert_string_equal(q.name, fx->name);
		assert_int_equal(q.name_len, strlen(fx->name));
		assert_int_equal(q.labels, 2);
		assert_false(q.odd_name);
		assert_false(q.qname_compressed);
		assert_int_equal(q.qtype, fx->qtype);
		assert_int_equal(q.qclass, DNS_CLASS_IN);
		assert_int_equal(q.qname_wire_len, strlen(fx->name) + 2);
		assert_memory_equal(q.qname_wire, msg + 12, q.qname_wire_len);
		assert_int_equal(q.qend, 12 + q.qname_wire_len + 4);
		assert_int_equal(q.edns, fx->edns);
		assert_int_equal(q.edns_udp_size, fx->udp_size);
		assert_int_equal(q.edns_do, fx->do_bit);
		assert_int_equal(q.edns_version, 0);
		assert_false(q.bad_records);
	}
}

/* unbound's replies are not queries; their question ends where ours does. */
static void
test_captured_responses(void **state)
{
	struct dns_query q, r;
	const uint8_t *qm, *rm;
	size_t qlen, rlen, i;
	int ri;

	(void)state;
	for (i = 0; i < ARRAY_LEN(qfixes); i++) {
		const struct qfix *fx = &qfixes[i];

		fixture_msg(fx, fx->idx, &qm, &qlen);
		assert_int_equal(dns_query_parse(qm, qlen, &q), DNS_OK);
		ri = fx->tcp ? 5 : 1;	/* the reply with data */
		fixture_msg(fx, ri, &rm, &rlen);
		assert_int_equal(dns_query_parse(rm, rlen, &r), DNS_NOT_QUERY);
		assert_int_equal(rm[0] << 8 | rm[1], q.id);
		assert_memory_equal(rm + 12, qm + 12, q.qend - 12);
		/* an answer record starts right after: a pointer to 12 */
		if (rm[7] != 0)
			assert_int_equal(rm[q.qend] << 8 | rm[q.qend + 1],
			    0xc00c);
	}
}

/* Every prefix: shorter than the question is malformed, longer parses with
 * the OPT record lost (bad_records) until the message is whole. */
static void
test_truncated_everywhere(void **state)
{
	struct dns_query q;
	const uint8_t *msg;
	uint8_t *copy;
	size_t len, l, i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(qfixes); i++) {
		fixture_msg(&qfixes[i], qfixes[i].idx, &msg, &len);
		for (l = 0; l < len; l++) {
			copy = malloc(l ? l : 1);
			memcpy(copy, msg, l);
			if (l < 12 + strlen(qfixes[i].name) + 2 + 4) {
				assert_int_equal(dns_query_parse(copy, l, &q),
				    DNS_MALFORMED);
			} else {
				assert_int_equal(dns_query_parse(copy, l, &q),
				    DNS_OK);
				assert_true(q.bad_records);
				assert_false(q.edns);
				assert_string_equal(q.name, qfixes[i].name);
			}
			free(copy);
		}
	}
}

/* Build a query: header with qdcount/arcount and flags, then raw bytes. */
static size_t
mkquery(uint8_t *out, uint16_t flags, uint16_t qd, uint16_t ar,
    const void *body, size_t blen)
{
	memset(out, 0, 12);
	out[0] = 0x12, out[1] = 0x34;
	out[2] = (uint8_t)(flags >> 8), out[3] = (uint8_t)flags;
	out[5] = (uint8_t)qd;
	out[4] = (uint8_t)(qd >> 8);
	out[11] = (uint8_t)ar;
	memcpy(out + 12, body, blen);
	return 12 + blen;
}

#define Q_TAIL "\x00\x01\x00\x01"	/* A, IN */

struct mcase {
	const char *what;
	uint16_t flags, qd, ar;
	const char *body;
	size_t blen;
	enum dns_status want;
	bool odd;
	bool bad_records;
};

#define B(s) s, sizeof(s) - 1
static const struct mcase mcases[] = {
	{ "plain", 0x0100, 1, 0, B("\3www\7example\0" Q_TAIL), DNS_OK,
	    false, false },
	/* a cookie refresh has no question (RFC 7873 5.4); the bytes after
	 * the header are then junk records */
	{ "QDCOUNT 0", 0x0100, 0, 0, B("\3www\7example\0" Q_TAIL),
	    DNS_OK, false, false },
	{ "QDCOUNT 2", 0x0100, 2, 0,
	    B("\3www\7example\0" Q_TAIL "\3www\7example\0" Q_TAIL),
	    DNS_OK, false, false },
	{ "QDCOUNT 2, second cut", 0x0100, 2, 0,
	    B("\3www\7example\0" Q_TAIL "\3www\7exam"),
	    DNS_MALFORMED, false, false },
	{ "QDCOUNT 17", 0x0100, 17, 0, B("\3www\7example\0" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "QR=1", 0x8100, 1, 0, B("\3www\7example\0" Q_TAIL),
	    DNS_NOT_QUERY, false, false },
	{ "opcode NOTIFY", 0x2000, 1, 0, B("\3www\7example\0" Q_TAIL),
	    DNS_NOT_QUERY, false, false },
	{ "opcode UPDATE", 0x2800, 1, 0, B("\3www\7example\0" Q_TAIL),
	    DNS_NOT_QUERY, false, false },
	{ "label 0x40 type", 0x0100, 1, 0, B("\x40www\0" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "label 0x80 type", 0x0100, 1, 0, B("\x83www\0" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "label runs past the end", 0x0100, 1, 0, B("\x3fwww\0" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "no root label", 0x0100, 1, 0, B("\3www"), DNS_MALFORMED, false,
	    false },
	{ "no QTYPE/QCLASS", 0x0100, 1, 0, B("\3www\0\0\1\0"),
	    DNS_MALFORMED, false, false },
	{ "pointer to itself", 0x0100, 1, 0, B("\xc0\x0c" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "pointer forward", 0x0100, 1, 0, B("\xc0\x0e\3www\0" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "pointer loop via a label", 0x0100, 1, 0,
	    B("\1a\xc0\x0c" Q_TAIL), DNS_MALFORMED, false, false },
	{ "pointer cut", 0x0100, 1, 0, B("\1a\xc0"), DNS_MALFORMED, false,
	    false },
	{ "pointer far away", 0x0100, 1, 0, B("\xff\xff" Q_TAIL),
	    DNS_MALFORMED, false, false },
	{ "dot in a label", 0x0100, 1, 0, B("\7bad.exa\2mp\0" Q_TAIL),
	    DNS_OK, true, false },
	{ "NUL in a label", 0x0100, 1, 0, B("\3b\0d\7example\0" Q_TAIL),
	    DNS_OK, true, false },
	{ "control byte", 0x0100, 1, 0, B("\3b\x07" "d\7example\0" Q_TAIL),
	    DNS_OK, true, false },
	{ "space", 0x0100, 1, 0, B("\3b d\7example\0" Q_TAIL), DNS_OK, true,
	    false },
	{ "UTF-8", 0x0100, 1, 0, B("\4b\xc3\xa9" "d\7example\0" Q_TAIL),
	    DNS_OK, true, false },
	{ "underscore and hyphen", 0x0100, 1, 0,
	    B("\6_dmarc\4a-b1\7example\0" Q_TAIL), DNS_OK, false, false },
	{ "two OPT records", 0x0100, 1, 2,
	    B("\3www\0" Q_TAIL "\0\0\x29\x04\xd0\0\0\0\0\0\0"
	    "\0\0\x29\x04\xd0\0\0\0\0\0\0"), DNS_OK, false, true },
	{ "OPT with a name", 0x0100, 1, 1,
	    B("\3www\0" Q_TAIL "\3www\0\0\x29\x04\xd0\0\0\0\0\0\0"), DNS_OK,
	    false, true },
	{ "OPT rdlen past the end", 0x0100, 1, 1,
	    B("\3www\0" Q_TAIL "\0\0\x29\x04\xd0\0\0\0\0\0\x09\0\x0a"), DNS_OK,
	    false, true },
	{ "ARCOUNT without records", 0x0100, 1, 3, B("\3www\0" Q_TAIL),
	    DNS_OK, false, true },
	{ "additional record with a loop", 0x0100, 1, 1,
	    B("\3www\0" Q_TAIL "\xc0\x1d\0\1\0\1\0\0\0\0\0\0"), DNS_OK, false,
	    true },
};

static void
test_malformed_table(void **state)
{
	uint8_t buf[600];
	struct dns_query q;
	enum dns_status st;
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(mcases); i++) {
		const struct mcase *c = &mcases[i];

		n = mkquery(buf, c->flags, c->qd, c->ar, c->body, c->blen);
		st = dns_query_parse(buf, n, &q);
		if (st != c->want)
			fail_msg("%s: status %d, want %d", c->what, st, c->want);
		if (st != DNS_OK)
			continue;
		if (q.odd_name != c->odd || q.bad_records != c->bad_records)
			fail_msg("%s: odd %d bad_records %d", c->what,
			    q.odd_name, q.bad_records);
		assert_false(q.edns);
	}
	assert_int_equal(dns_query_parse(buf, 11, &q), DNS_MALFORMED);
	assert_int_equal(dns_query_parse(NULL, 0, &q), DNS_MALFORMED);
}

/* Every question is read: the second one by dns_question_read(), from
 * q.qend, compressed or not; EDNS after the last question is found. */
static void
test_several_questions(void **state)
{
	static const char body[] =
	    "\3www\7example\0" Q_TAIL		/* 12: www.example */
	    "\3bad\xc0\x10" "\0\x1c\0\1"	/* 29: bad.example AAAA */
	    "\0\0\x29\x04\xd0\0\0\0\0\0\0";	/* OPT */
	uint8_t buf[100];
	struct dns_query q;
	size_t n, off;

	(void)state;
	n = mkquery(buf, 0x0100, 2, 1, body, sizeof(body) - 1);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.qdcount, 2);
	assert_string_equal(q.name, "www.example");
	assert_int_equal(q.qend, 29);
	assert_int_equal(q.qsend, 29 + 10);
	assert_true(q.edns);
	assert_false(q.bad_records);
	off = q.qend;
	assert_int_equal(dns_question_read(buf, n, &off, &q), 0);
	assert_string_equal(q.name, "bad.example");
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_true(q.qname_compressed);
	assert_int_equal(off, q.qsend);
	assert_true(q.edns);		/* the header fields stay */
	/* a forward pointer in the first question stays malformed (the
	 * filter drops it: dns_malformed) */
	n = mkquery(buf, 0x0100, 2, 0,
	    "\xc0\x12" Q_TAIL "\3bad\7example\0" Q_TAIL, 6 + 17);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_MALFORMED);
}

/* Odd names keep their bytes; the flag says the text is not faithful. */
static void
test_odd_name_text(void **state)
{
	uint8_t buf[100];
	struct dns_query q;
	size_t n;

	(void)state;
	n = mkquery(buf, 0x0100, 1, 0, B("\7bad.exa\2mp\0" Q_TAIL));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_string_equal(q.name, "bad.exa.mp");
	assert_int_equal(q.labels, 2);
	n = mkquery(buf, 0x0100, 1, 0, B("\3b\0d\7example\0" Q_TAIL));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.name_len, 11);
	assert_memory_equal(q.name, "b\0d.example", 12);
}

/* 255 wire bytes is the limit: 253 characters of text. */
static void
test_name_limits(void **state)
{
	uint8_t body[300], buf[400];
	struct dns_query q;
	size_t n, i, o = 0;
	static const size_t labels[] = { 63, 63, 63, 61 };

	(void)state;
	for (i = 0; i < 4; i++) {
		body[o++] = (uint8_t)labels[i];
		memset(body + o, 'a' + (int)i, labels[i]);
		o += labels[i];
	}
	body[o++] = 0;
	memcpy(body + o, Q_TAIL, 4);
	assert_int_equal(o, 255);
	n = mkquery(buf, 0x0100, 1, 0, body, o + 4);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.name_len, 253);
	assert_int_equal(strlen(q.name), 253);
	assert_int_equal(q.qname_wire_len, 255);
	assert_int_equal(q.labels, 4);
	assert_int_equal(q.qend, 12 + 255 + 4);
	/* one more byte in the last label: 256 */
	body[192] = 62;
	memmove(body + 193 + 62, body + 193 + 61, 1 + 4);
	body[193 + 61] = 'd';
	n = mkquery(buf, 0x0100, 1, 0, body, 256 + 4);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_MALFORMED);
	/* a 64-byte label */
	memset(body, 'x', 70);
	body[0] = 64;
	body[65] = 0;
	memcpy(body + 66, Q_TAIL, 4);
	n = mkquery(buf, 0x0100, 1, 0, body, 70);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_MALFORMED);
	body[0] = 63;
	body[64] = 0;
	memcpy(body + 65, Q_TAIL, 4);
	n = mkquery(buf, 0x0100, 1, 0, body, 69);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.name_len, 63);
	/* 127 labels of one byte: 255 wire bytes */
	for (i = 0, o = 0; i < 127; i++) {
		body[o++] = 1;
		body[o++] = 'z';
	}
	body[o++] = 0;
	memcpy(body + o, Q_TAIL, 4);
	n = mkquery(buf, 0x0100, 1, 0, body, o + 4);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.labels, 127);
	assert_int_equal(q.name_len, 253);
}

/* The root name, and a question name compressed into the header (legal
 * order, nonsense content): decoded the same way, flagged. */
static void
test_root_and_pointer(void **state)
{
	uint8_t buf[100];
	struct dns_query q;
	size_t n;

	(void)state;
	n = mkquery(buf, 0x0100, 1, 0, B("\0\0\2\0\1"));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_string_equal(q.name, ".");
	assert_int_equal(q.labels, 0);
	assert_int_equal(q.qname_wire_len, 1);
	assert_int_equal(q.qtype, DNS_TYPE_NS);
	/* ID 0x1234 reads as a 0x12-byte label running into the question:
	 * pointer to offset 1 = label of 0x34 bytes: too long for the
	 * message. Pointer to offset 6 (ANCOUNT high byte, 0) = root. */
	n = mkquery(buf, 0x0100, 1, 0, B("\1a\xc0\x01" Q_TAIL));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_MALFORMED);
	n = mkquery(buf, 0x0100, 1, 0, B("\1a\xc0\x06" Q_TAIL));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_true(q.qname_compressed);
	assert_string_equal(q.name, "a");
	assert_int_equal(q.qname_wire_len, 3);
	assert_int_equal(q.qend, 12 + 4 + 4);
	assert_int_equal(q.qtype, DNS_TYPE_A);
}

/* TCP framing: two messages and a partial third, split at every length. */
static void
test_tcp_framing(void **state)
{
	uint8_t stream[64];
	struct dns_tcp_iter it;
	const uint8_t *m;
	size_t ml, cut, n, got, total;

	(void)state;
	/* 3 bytes, 0 bytes, then 5 bytes announced */
	memcpy(stream, "\0\3abc\0\0\0\5hello", 14);
	total = 14;
	for (cut = 0; cut <= total; cut++) {
		dns_tcp_iter_init(&it, stream, cut);
		got = 0;
		while (dns_tcp_next(&it, &m, &ml)) {
			if (got == 0) {
				assert_int_equal(ml, 3);
				assert_memory_equal(m, "abc", 3);
			} else if (got == 1) {
				assert_int_equal(ml, 0);
			} else {
				assert_int_equal(ml, 5);
				assert_memory_equal(m, "hello", 5);
			}
			got++;
		}
		n = dns_tcp_need(&it);
		if (cut < 5) {
			assert_int_equal(got, 0);
			assert_int_equal(n, cut == 0 ? 0 : cut == 1 ? 1 :
			    5 - cut);
		} else if (cut < 7) {
			assert_int_equal(got, 1);
			assert_int_equal(n, cut == 5 ? 0 : 1);
		} else if (cut < 14) {
			assert_int_equal(got, 2);
			assert_int_equal(n, cut == 7 ? 0 : cut == 8 ? 1 :
			    14 - cut);
		} else {
			assert_int_equal(got, 3);
			assert_int_equal(n, 0);
		}
		assert_int_equal(dns_tcp_consumed(&it),
		    got == 0 ? 0 : got == 1 ? 5 : got == 2 ? 7 : 14);
	}
	dns_tcp_iter_init(&it, NULL, 10);
	assert_false(dns_tcp_next(&it, &m, &ml));
	assert_int_equal(dns_tcp_need(&it), 0);
}

/*
 * An independent reader of our answers: header, question, then records.
 * Owner names are a pointer to the question (0xc00c) or the root (OPT).
 */
struct rr {
	size_t owner;		/* offset the owner name points to, 0 = root */
	uint16_t type, class, rdlen;
	uint32_t ttl;
	const uint8_t *rdata;
};

struct ans {
	uint16_t id, flags, qd, an, ns, ar;
	struct rr rr[4];
	unsigned nrr;
};

static uint16_t
g16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
g32(const uint8_t *b)
{
	return (uint32_t)g16(b) << 16 | g16(b + 2);
}

static void
read_answer(const uint8_t *m, size_t len, const struct dns_query *q,
    const uint8_t *qmsg, struct ans *a)
{
	size_t off;
	unsigned i;

	assert_true(len >= q->qend);
	a->id = g16(m);
	a->flags = g16(m + 2);
	a->qd = g16(m + 4);
	a->an = g16(m + 6);
	a->ns = g16(m + 8);
	a->ar = g16(m + 10);
	assert_int_equal(a->qd, 1);
	/* the question, byte for byte */
	assert_memory_equal(m + 12, qmsg + 12, q->qend - 12);
	off = q->qend;
	a->nrr = a->an + a->ns + a->ar;
	assert_true(a->nrr <= 4);
	for (i = 0; i < a->nrr; i++) {
		struct rr *r = &a->rr[i];

		if (m[off] == 0) {
			r->owner = 0;
			off += 1;
		} else {
			assert_int_equal(m[off] & 0xc0, 0xc0);
			r->owner = (size_t)(g16(m + off) & 0x3fff);
			off += 2;
		}
		assert_true(off + 10 <= len);
		r->type = g16(m + off);
		r->class = g16(m + off + 2);
		r->ttl = g32(m + off + 4);
		r->rdlen = g16(m + off + 8);
		r->rdata = m + off + 10;
		off += 10 + r->rdlen;
		assert_true(off <= len);
	}
	assert_int_equal(off, len);
}

static const uint8_t stop4[4] = { 192, 0, 2, 1 };
static const uint8_t stop6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 1 };
#define TEXT "example-hotline/csam e1"

static void
check_opt(const struct rr *r, const struct dns_answer *a)
{
	size_t tl = a->extra_text != NULL ? strlen(a->extra_text) : 0;

	assert_int_equal(r->owner, 0);
	assert_int_equal(r->type, DNS_TYPE_OPT);
	assert_int_equal(r->class, 1232);
	assert_int_equal(r->ttl, 0);	/* ext. rcode 0, version 0, DO 0 */
	if (a->ede == 0) {
		assert_int_equal(r->rdlen, 0);
		return;
	}
	assert_int_equal(r->rdlen, 6 + tl);
	assert_int_equal(g16(r->rdata), 15);
	assert_int_equal(g16(r->rdata + 2), 2 + tl);
	assert_int_equal(g16(r->rdata + 4), a->ede);
	assert_memory_equal(r->rdata + 6, a->extra_text, tl);
}

static void
check_soa(const struct rr *r, uint16_t class, uint32_t ttl)
{
	assert_int_equal(r->owner, 12);
	assert_int_equal(r->type, DNS_TYPE_SOA);
	assert_int_equal(r->class, class);
	assert_int_equal(r->ttl, ttl);
	assert_int_equal(r->rdlen, 2 + 1 + 20);
	assert_int_equal(g16(r->rdata), 0xc00c);	/* MNAME */
	assert_int_equal(r->rdata[2], 0);		/* RNAME root */
	assert_int_equal(g32(r->rdata + 3), 1);		/* serial */
	assert_int_equal(g32(r->rdata + 19), ttl);	/* MINIMUM */
}

/* Build the answer for q with a, read it back, check every field. */
static void
check_answer(const struct dns_query *q, const uint8_t *qmsg,
    const struct dns_answer *a)
{
	uint8_t out[DNS_ANSWER_MAX];
	const uint8_t *m = out;
	struct ans r;
	int len;
	size_t ml;
	bool addr4, addr6, soa;
	uint8_t rcode;
	unsigned i = 0;

	len = dns_answer_build(q, a, out, sizeof(out));
	assert_true(len > 0);
	ml = (size_t)len;
	if (a->tcp) {
		assert_int_equal(g16(out), len - 2);
		m += 2, ml -= 2;
	}
	read_answer(m, ml, q, qmsg, &r);
	addr4 = a->action == DNS_ACT_STOPPAGE && q->qtype == DNS_TYPE_A &&
	    a->stop4 != NULL;
	addr6 = a->action == DNS_ACT_STOPPAGE && q->qtype == DNS_TYPE_AAAA &&
	    a->stop6 != NULL;
	soa = !addr4 && !addr6 && a->action != DNS_ACT_REFUSED;
	rcode = a->action == DNS_ACT_NXDOMAIN ? 3 :
	    a->action == DNS_ACT_REFUSED ? 5 : 0;
	assert_int_equal(r.id, q->id);
	/* QR, opcode 0, AA 0, TC 0, RD copied, RA 1, Z 0, AD 0, CD copied */
	assert_int_equal(r.flags, 0x8000 | (q->flags & 0x0110) | 0x0080 |
	    rcode);
	assert_int_equal(dns_answer_rcode(q, a), rcode);
	assert_int_equal(r.an, addr4 || addr6);
	assert_int_equal(r.ns, soa);
	assert_int_equal(r.ar, q->edns);
	if (addr4 || addr6) {
		assert_int_equal(r.rr[i].owner, 12);
		assert_int_equal(r.rr[i].type, q->qtype);
		assert_int_equal(r.rr[i].class, DNS_CLASS_IN);
		assert_int_equal(r.rr[i].ttl, a->ttl);
		assert_int_equal(r.rr[i].rdlen, addr4 ? 4 : 16);
		assert_memory_equal(r.rr[i].rdata, addr4 ? stop4 : stop6,
		    addr4 ? 4 : 16);
		i++;
	}
	if (soa)
		check_soa(&r.rr[i++], DNS_CLASS_IN, a->ttl);
	if (q->edns)
		check_opt(&r.rr[i++], a);
}

/* Every captured query x action x configured addresses x EDE x TCP. */
static void
test_answers_parse_back(void **state)
{
	struct dns_query q;
	struct dns_answer a;
	const uint8_t *msg;
	size_t len, i;
	int act, addrs, ede, tcp;

	(void)state;
	for (i = 0; i < ARRAY_LEN(qfixes); i++) {
		fixture_msg(&qfixes[i], qfixes[i].idx, &msg, &len);
		assert_int_equal(dns_query_parse(msg, len, &q), DNS_OK);
		for (act = 0; act < 3; act++)
		for (addrs = 0; addrs < 4; addrs++)
		for (ede = 0; ede < 2; ede++)
		for (tcp = 0; tcp < 2; tcp++) {
			memset(&a, 0, sizeof(a));
			a.action = (enum dns_action)act;
			a.ttl = 60 + (uint32_t)i;
			a.stop4 = (addrs & 1) ? stop4 : NULL;
			a.stop6 = (addrs & 2) ? stop6 : NULL;
			a.ede = ede ? DNS_EDE_CENSORED : 0;
			a.extra_text = ede ? TEXT : NULL;
			a.tcp = tcp;
			check_answer(&q, msg, &a);
		}
	}
}

/* HTTPS and SVCB of a blocked name: NODATA, never an address. */
static void
test_https_svcb_nodata(void **state)
{
	uint8_t buf[100], out[DNS_ANSWER_MAX];
	struct dns_query q;
	struct dns_answer a = { DNS_ACT_STOPPAGE, 60, stop4, stop6, 16, TEXT,
	    false };
	size_t n;

	(void)state;
	n = mkquery(buf, 0x0100, 1, 0, B("\3bad\7example\0\0\x41\0\1"));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.qtype, DNS_TYPE_HTTPS);
	check_answer(&q, buf, &a);
	assert_true(dns_answer_build(&q, &a, out, sizeof(out)) > 0);
	assert_int_equal(g16(out + 6), 0);	/* ANCOUNT */
	assert_int_equal(g16(out + 8), 1);	/* the SOA */
	n = mkquery(buf, 0x0100, 1, 0, B("\3bad\7example\0\0\x40\0\1"));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	check_answer(&q, buf, &a);
	/* class ANY questions get class IN records */
	n = mkquery(buf, 0x0100, 1, 0, B("\3bad\7example\0\0\1\0\xff"));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	check_answer(&q, buf, &a);
	/* class CH: no address, NODATA with a CH SOA */
	n = mkquery(buf, 0x0100, 1, 0, B("\3bad\7example\0\0\1\0\3"));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_true(dns_answer_build(&q, &a, out, sizeof(out)) > 0);
	assert_int_equal(g16(out + 6), 0);
	assert_int_equal(g16(out + 8), 1);
	assert_int_equal(g16(out + 12 + 13 + 4 + 2 + 2), 3);	/* SOA class */
}

/* CD copied, AD dropped, compressed question written uncompressed. */
static void
test_answer_flags(void **state)
{
	uint8_t buf[100], out[DNS_ANSWER_MAX];
	struct dns_query q;
	struct dns_answer a = { DNS_ACT_STOPPAGE, 60, stop4, NULL, 0, NULL,
	    false };
	size_t n;
	int len;

	(void)state;
	/* RD 0, AD 1, CD 1, TC 1 */
	n = mkquery(buf, 0x0230, 1, 0, B("\3bad\7example\0" Q_TAIL));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(g16(out + 2), 0x8000 | 0x0080 | 0x0010);
	n = mkquery(buf, 0x0100, 1, 0, B("\1a\xc0\x06" Q_TAIL));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_int_equal(len, 12 + 3 + 4 + 16);
	assert_memory_equal(out + 12, "\1a\0" Q_TAIL, 7);
}

/* Too small a buffer is -1 at every size below the answer's; bad input. */
static void
test_answer_cap(void **state)
{
	uint8_t buf[100], out[DNS_ANSWER_MAX];
	struct dns_query q;
	struct dns_answer a = { DNS_ACT_NXDOMAIN, 60, stop4, stop6, 16, TEXT,
	    true };
	size_t n, cap;
	int len;

	(void)state;
	n = mkquery(buf, 0x0100, 1, 1, B("\3bad\7example\0" Q_TAIL
	    "\0\0\x29\x04\xd0\0\0\0\0\0\0"));
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_true(q.edns);
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_true(len > 0);
	for (cap = 0; cap < (size_t)len; cap++) {
		uint8_t *o = malloc(cap ? cap : 1);

		assert_int_equal(dns_answer_build(&q, &a, o, cap), -1);
		free(o);
	}
	assert_int_equal(dns_answer_build(&q, &a, out, (size_t)len), len);
	assert_int_equal(dns_answer_build(NULL, &a, out, sizeof(out)), -1);
	a.action = (enum dns_action)7;
	assert_int_equal(dns_answer_build(&q, &a, out, sizeof(out)), -1);
	memset(&q, 0, sizeof(q));
	a.action = DNS_ACT_NXDOMAIN;
	assert_int_equal(dns_answer_build(&q, &a, out, sizeof(out)), -1);
}

/* Over UDP the EXTRA-TEXT shrinks, at a character boundary, to what the
 * client can receive; over TCP it is only capped at DNS_EXTRA_TEXT_MAX. */
static void
test_extra_text_fits(void **state)
{
	uint8_t body[300], buf[400], out[DNS_ANSWER_MAX];
	char text[DNS_EXTRA_TEXT_MAX + 50];
	struct dns_query q;
	struct dns_answer a = { DNS_ACT_NXDOMAIN, 60, NULL, NULL, 16, text,
	    false };
	size_t n, i, o = 0, tl;
	int len;

	(void)state;
	for (i = 0; i < 4; i++) {
		body[o++] = i < 3 ? 63 : 61;
		memset(body + o, 'a', body[o - 1]);
		o += body[o - 1];
	}
	body[o++] = 0;
	/* A, IN, then OPT with UDP size 512 */
	memcpy(body + o, Q_TAIL "\0\0\x29\x02\x00\0\0\0\0\0\0", 15);
	n = mkquery(buf, 0x0100, 1, 1, body, o + 15);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.edns_udp_size, 512);
	/* "é" is two bytes: an odd cut would split one */
	for (i = 0; i + 2 <= sizeof(text) - 1; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[i] = '\0';
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_true(len > 0 && len <= 512);
	tl = (size_t)len - (12 + 255 + 4 + 35 + 11 + 6);
	assert_true(tl > 100);
	assert_true(len >= 511);
	assert_int_equal(tl % 2, 0);
	assert_memory_equal(out + len - tl, text, tl);
	assert_int_equal(g16(out + len - tl - 4), 2 + tl);
	/* TCP: capped, not cut to 512 */
	a.tcp = true;
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_int_equal(len, 2 + 12 + 255 + 4 + 35 + 11 + 6 +
	    DNS_EXTRA_TEXT_MAX);
	assert_int_equal(len, DNS_ANSWER_MAX);	/* the largest answer */
	/* UDP size 4096: whole (capped) text */
	a.tcp = false;
	buf[n - 8] = 0x10;
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	assert_int_equal(q.edns_udp_size, 4096);
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_int_equal(len, 12 + 255 + 4 + 35 + 11 + 6 + DNS_EXTRA_TEXT_MAX);
	/* Without EDNS nothing is added, and the answer fits 512. */
	n = mkquery(buf, 0x0100, 1, 0, body, o + 4);
	assert_int_equal(dns_query_parse(buf, n, &q), DNS_OK);
	len = dns_answer_build(&q, &a, out, sizeof(out));
	assert_int_equal(len, 12 + 255 + 4 + 35);
}

/*
 * Real-tool check: dig sends a query to a socket on 127.0.0.1, the test
 * parses it and answers with dns_answer_build(), and dig's printout must
 * show what we meant (status, flags, address, SOA, EDE code and text) and
 * no complaint (mismatch, malformed, warning).
 */
struct digcase {
	const char *args;
	bool tcp;
	struct dns_answer a;
	const char *want[8];
	const char *unwanted[4];
};

static const struct digcase digcases[] = {
	{ "Bad.Example A", false,
	    { DNS_ACT_STOPPAGE, 60, stop4, stop6, 16, TEXT, false },
	    { "status: NOERROR", "flags: qr rd ra;", "ANSWER: 1, AUTHORITY: 0",
	      "Bad.Example.\t\t60\tIN\tA\t192.0.2.1",
	      "EDE: 16 (Censored): (" TEXT ")", "udp: 1232" },
	    { "AUTHORITY SECTION", NULL } },
	{ "bAd.example AAAA +noedns", false,
	    { DNS_ACT_STOPPAGE, 300, stop4, stop6, 16, TEXT, false },
	    { "status: NOERROR", "ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0",
	      "bAd.example.\t\t300\tIN\tAAAA\t2001:db8:ff::1" },
	    { "EDE", "OPT PSEUDOSECTION", NULL } },
	{ "bad.example HTTPS", false,
	    { DNS_ACT_STOPPAGE, 60, stop4, stop6, 16, TEXT, false },
	    { "status: NOERROR", "ANSWER: 0, AUTHORITY: 1",
	      "bad.example.\t\t60\tIN\tSOA\tbad.example. . 1 3600 600 86400 60",
	      "EDE: 16 (Censored): (" TEXT ")" },
	    { "ANSWER SECTION", NULL } },
	{ "bad.example AAAA", false,
	    { DNS_ACT_STOPPAGE, 60, stop4, NULL, 16, TEXT, false },
	    { "status: NOERROR", "ANSWER: 0, AUTHORITY: 1", "IN\tSOA" },
	    { "ANSWER SECTION", NULL } },
	{ "www.bad.example TXT +dnssec", false,
	    { DNS_ACT_NXDOMAIN, 120, stop4, stop6, 17, "court order 12", false },
	    { "status: NXDOMAIN", "flags: qr rd ra;",
	      "www.bad.example.\t120\tIN\tSOA",
	      "EDE: 17 (Filtered): (court order 12)" },
	    { "flags: do", NULL } },
	{ "bad.example A", false,
	    { DNS_ACT_REFUSED, 60, stop4, stop6, 18, "x", false },
	    { "status: REFUSED", "ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1",
	      "EDE: 18 (Prohibited): (x)" },
	    { NULL } },
	{ "Bad.Example A +tcp", true,
	    { DNS_ACT_STOPPAGE, 60, stop4, stop6, 16, TEXT, true },
	    { "status: NOERROR", "Bad.Example.\t\t60\tIN\tA\t192.0.2.1",
	      "EDE: 16 (Censored): (" TEXT ")", "(TCP)" },
	    { NULL } },
	{ "bad.example A +tcp +noedns", true,
	    { DNS_ACT_NXDOMAIN, 60, stop4, stop6, 16, TEXT, true },
	    { "status: NXDOMAIN", "(TCP)", "IN\tSOA" },
	    { "EDE", NULL } },
};

static int
wait_readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms);
}

/* Answer one query that arrives on s (UDP) or on a connection to s (TCP). */
static void
dig_serve(int s, const struct digcase *c)
{
	uint8_t in[4096], out[DNS_ANSWER_MAX];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	struct dns_query q;
	struct dns_tcp_iter it;
	const uint8_t *m = in;
	size_t ml = 0, have = 0;
	ssize_t r;
	int fd = s, len;

	assert_int_equal(wait_readable(s, 10000), 1);
	if (c->tcp) {
		fd = accept(s, NULL, NULL);
		assert_true(fd >= 0);
		for (;;) {
			dns_tcp_iter_init(&it, in, have);
			if (dns_tcp_next(&it, &m, &ml))
				break;
			assert_int_equal(wait_readable(fd, 10000), 1);
			r = read(fd, in + have, sizeof(in) - have);
			assert_true(r > 0);
			have += (size_t)r;
		}
	} else {
		r = recvfrom(s, in, sizeof(in), 0, (struct sockaddr *)&from,
		    &fl);
		assert_true(r > 0);
		ml = (size_t)r;
	}
	assert_int_equal(dns_query_parse(m, ml, &q), DNS_OK);
	len = dns_answer_build(&q, &c->a, out, sizeof(out));
	assert_true(len > 0);
	if (c->tcp) {
		assert_int_equal(write(fd, out, (size_t)len), len);
		close(fd);
	} else {
		assert_int_equal(sendto(s, out, (size_t)len, 0,
		    (struct sockaddr *)&from, fl), len);
	}
}

static void
dig_run(const struct digcase *c, char *out, size_t outsz)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char cmd[512];
	FILE *f;
	size_t n = 0, r;
	int s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, c->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	if (c->tcp)
		assert_int_equal(listen(s, 1), 0);
	snprintf(cmd, sizeof(cmd), "dig @127.0.0.1 -p %u +tries=1 +time=5 %s "
	    "2>&1", ntohs(sin.sin_port), c->args);
	f = popen(cmd, "r");
	assert_non_null(f);
	dig_serve(s, c);
	while (n + 1 < outsz && (r = fread(out + n, 1, outsz - n - 1, f)) > 0)
		n += r;
	out[n] = '\0';
	pclose(f);
	close(s);
}

static void
test_dig_reads_answers(void **state)
{
	static char out[16384];
	size_t i, j;

	(void)state;
	if (access("/usr/bin/dig", X_OK) != 0)
		skip();
	for (i = 0; i < ARRAY_LEN(digcases); i++) {
		const struct digcase *c = &digcases[i];

		dig_run(c, out, sizeof(out));
		if (getenv("VETO_TEST_VERBOSE") != NULL)
			print_message("dig %s:\n%s", c->args, out);
		for (j = 0; j < ARRAY_LEN(c->want) && c->want[j]; j++)
			if (strstr(out, c->want[j]) == NULL)
				fail_msg("dig %s: no \"%s\" in:\n%s", c->args,
				    c->want[j], out);
		for (j = 0; j < ARRAY_LEN(c->unwanted) && c->unwanted[j]; j++)
			if (strstr(out, c->unwanted[j]) != NULL)
				fail_msg("dig %s: \"%s\" in:\n%s", c->args,
				    c->unwanted[j], out);
		if (strstr(out, "mismatch") || strstr(out, "WARNING") ||
		    strstr(out, "malformed") || strstr(out, "FORMERR"))
			fail_msg("dig %s complains:\n%s", c->args, out);
	}
}

/*
 * A real resolver caches the forged negative answers for the TTL we gave:
 * unbound on 127.0.0.1 forwards bad.example. to the test's responder (and
 * refuses everything else: local-zone "." refuse); dig asks unbound. The
 * responder counts the queries unbound sends it: one for two digs within
 * the TTL, a second one once the TTL (2 s) has passed.
 */
struct resolver {
	pid_t pid;
	int sock;		/* the responder (upstream) socket */
	unsigned port;		/* unbound's port */
	char dir[64];
	unsigned upstream_queries;
};

static unsigned
free_udp_port(int *keep)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	if (keep != NULL)
		*keep = s;
	else
		close(s);
	return ntohs(sin.sin_port);
}

static void
resolver_start(struct resolver *r)
{
	char conf[1024], path[128];
	unsigned up;
	FILE *f;

	str_copy(r->dir, "/tmp/veto-test-dns-XXXXXX", sizeof(r->dir));
	assert_non_null(mkdtemp(r->dir));
	up = free_udp_port(&r->sock);
	r->port = free_udp_port(NULL);
	snprintf(conf, sizeof(conf),
	    "server:\n interface: 127.0.0.1\n port: %u\n do-ip6: no\n"
	    " do-daemonize: no\n username: \"\"\n chroot: \"\"\n"
	    " directory: \"%s\"\n pidfile: \"\"\n use-syslog: no\n"
	    " logfile: \"\"\n verbosity: 0\n do-not-query-localhost: no\n"
	    " module-config: \"iterator\"\n access-control: 127.0.0.0/8 allow\n"
	    " local-zone: \".\" refuse\n"
	    " local-zone: \"bad.example.\" transparent\n"
	    "remote-control:\n control-enable: no\n"
	    "forward-zone:\n name: \"bad.example.\"\n"
	    " forward-addr: 127.0.0.1@%u\n", r->port, r->dir, up);
	snprintf(path, sizeof(path), "%s/unbound.conf", r->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(conf, f);
	fclose(f);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl("/usr/sbin/unbound", "unbound", "-d", "-c", path,
		    (char *)NULL);
		_exit(127);
	}
}

static struct resolver res;

static void
resolver_stop(struct resolver *r)
{
	char cmd[128];

	if (r->pid <= 0)
		return;
	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
	close(r->sock);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		print_error("could not remove %s\n", r->dir);
}

/* Run dig against unbound, answering every upstream query meanwhile. */
static void
resolver_dig(struct resolver *r, const char *args, char *text, size_t size)
{
	uint8_t in[2048], out[DNS_ANSWER_MAX];
	struct dns_answer a = { DNS_ACT_NXDOMAIN, 2, NULL, NULL, 16, TEXT,
	    false };
	struct sockaddr_storage from;
	struct pollfd pfd[2];
	struct dns_query q;
	socklen_t fl;
	char cmd[256];
	size_t n = 0;
	ssize_t got;
	FILE *f;
	int len;

	snprintf(cmd, sizeof(cmd), "dig @127.0.0.1 -p %u +tries=1 +time=5 %s "
	    "2>&1", r->port, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	pfd[0] = (struct pollfd){ r->sock, POLLIN, 0 };
	pfd[1] = (struct pollfd){ fileno(f), POLLIN, 0 };
	for (;;) {
		assert_true(poll(pfd, 2, 10000) > 0);
		if (pfd[0].revents & POLLIN) {
			fl = sizeof(from);
			got = recvfrom(r->sock, in, sizeof(in), 0,
			    (struct sockaddr *)&from, &fl);
			assert_true(got > 0);
			assert_int_equal(dns_query_parse(in, (size_t)got, &q),
			    DNS_OK);
			len = dns_answer_build(&q, &a, out, sizeof(out));
			assert_true(len > 0);
			sendto(r->sock, out, (size_t)len, 0,
			    (struct sockaddr *)&from, fl);
			r->upstream_queries++;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			got = read(fileno(f), text + n, size - n - 1);
			if (got <= 0)
				break;
			n += (size_t)got;
		}
	}
	text[n] = '\0';
	pclose(f);
}

/* Stops unbound even when the test failed half-way. */
static int
resolver_teardown(void **state)
{
	(void)state;
	resolver_stop(&res);
	return 0;
}

static void
test_resolver_caches_negative(void **state)
{
	static char text[8192];
	struct resolver *r = &res;
	int i;

	(void)state;
	if (access("/usr/bin/dig", X_OK) != 0 ||
	    access("/usr/sbin/unbound", X_OK) != 0)
		skip();
	resolver_start(r);
	/* wait until unbound answers (REFUSED for a name outside the zone) */
	for (i = 0; i < 20; i++) {
		resolver_dig(r, "+time=1 ready.nowhere. A", text, sizeof(text));
		if (strstr(text, "status: REFUSED") != NULL)
			break;
		usleep(200000);
	}
	if (i == 20)
		fail_msg("unbound did not come up:\n%s", text);
	assert_int_equal(r->upstream_queries, 0);
	resolver_dig(r, "www.bad.example A", text, sizeof(text));
	if (strstr(text, "status: NXDOMAIN") == NULL)
		fail_msg("first query:\n%s", text);
	assert_int_equal(r->upstream_queries, 1);
	resolver_dig(r, "www.bad.example A", text, sizeof(text));
	assert_non_null(strstr(text, "status: NXDOMAIN"));
	assert_int_equal(r->upstream_queries, 1);	/* from the cache */
	sleep(3);
	resolver_dig(r, "www.bad.example A", text, sizeof(text));
	assert_non_null(strstr(text, "status: NXDOMAIN"));
	assert_int_equal(r->upstream_queries, 2);	/* TTL 2 s expired */
	resolver_stop(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_queries),
		cmocka_unit_test(test_captured_responses),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_several_questions),
		cmocka_unit_test(test_odd_name_text),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_root_and_pointer),
		cmocka_unit_test(test_tcp_framing),
		cmocka_unit_test(test_answers_parse_back),
		cmocka_unit_test(test_https_svcb_nodata),
		cmocka_unit_test(test_answer_flags),
		cmocka_unit_test(test_answer_cap),
		cmocka_unit_test(test_extra_text_fits),
		cmocka_unit_test(test_dig_reads_answers),
		cmocka_unit_test_teardown(test_resolver_caches_negative,
		    resolver_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
