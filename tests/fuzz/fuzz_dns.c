/*
 * fuzz_dns.c - dns_query_parse() on arbitrary bytes, the same bytes as a
 * TCP stream (dns_tcp_next / dns_tcp_need), and for every question of
 * every query that parses (dns_question_read), the forged answers of each action (UDP and TCP, with and without
 * the stop-page addresses). Each answer must fit what the client accepts
 * and, with its QR bit cleared, parse back as the same question with the
 * same EDNS presence.
 */
#include "../../daemon/engine/dns.c"

static const uint8_t stop4[4] = { 192, 0, 2, 1 };
static const uint8_t stop6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 1 };

static void
check_answer(const struct dns_query *q, const struct dns_answer *a)
{
	static uint8_t out[DNS_ANSWER_MAX];
	struct dns_query back;
	const uint8_t *m = out;
	size_t limit;
	int len;

	len = dns_answer_build(q, a, out, sizeof(out));
	if (len <= 0)
		__builtin_trap();
	if (a->tcp) {
		if ((size_t)(out[0] << 8 | out[1]) != (size_t)len - 2)
			__builtin_trap();
		m += 2, len -= 2;
	} else {
		limit = q->edns ? MAX(512, q->edns_udp_size) : 512;
		if ((size_t)len > limit)
			__builtin_trap();
	}
	out[m - out + 2] &= 0x7f;	/* QR = 0: read it as a query */
	if (dns_query_parse(m, (size_t)len, &back) != DNS_OK ||
	    back.qtype != q->qtype || back.qclass != q->qclass ||
	    back.qname_wire_len != q->qname_wire_len ||
	    memcmp(back.qname_wire, q->qname_wire, q->qname_wire_len) != 0 ||
	    back.edns != q->edns || back.bad_records)
		__builtin_trap();
}

static void
answer_all(const struct dns_query *q)
{
	struct dns_answer a;
	int act, v;

	for (act = 0; act < 3; act++) {
		for (v = 0; v < 4; v++) {
			memset(&a, 0, sizeof(a));
			a.action = (enum dns_action)act;
			a.ttl = 60;
			a.stop4 = (v & 1) ? stop4 : NULL;
			a.stop6 = (v & 1) ? stop6 : NULL;
			a.ede = (v & 2) ? DNS_EDE_CENSORED : 0;
			a.extra_text = "example-hotline/csam e1 \xc3\xa9";
			a.tcp = (v & 2) != 0;
			check_answer(q, &a);
		}
	}
}

static void
check_question(const struct dns_query *q, size_t size)
{
	if (q->qend > size || q->qsend > size || q->qend > q->qsend ||
	    q->name_len > DNS_NAME_TEXT_MAX ||
	    q->qname_wire_len > DNS_NAME_WIRE_MAX ||
	    q->name[q->name_len] != '\0')
		__builtin_trap();
}

/* Every question of a query that parsed reads back (as inspect() reads
 * them), ends where the question section ends, and can be answered. */
static void
parse_one(const uint8_t *data, size_t size)
{
	struct dns_query q;
	size_t off;

	if (dns_query_parse(data, size, &q) != DNS_OK)
		return;
	if (q.qdcount > DNS_QUESTIONS_MAX)
		__builtin_trap();
	if (q.qdcount == 0)
		return;
	check_question(&q, size);
	answer_all(&q);
	off = q.qend;
	for (unsigned i = 1; i < q.qdcount; i++) {
		if (dns_question_read(data, size, &off, &q) != 0)
			__builtin_trap();
		check_question(&q, size);
		answer_all(&q);
	}
	if (off != q.qsend)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_tcp_iter it;
	const uint8_t *m;
	size_t ml, used = 0;

	parse_one(data, size);
	dns_tcp_iter_init(&it, data, size);
	while (dns_tcp_next(&it, &m, &ml)) {
		used += 2 + ml;
		parse_one(m, ml);
	}
	/* something is missing exactly when bytes are left over */
	if (used != dns_tcp_consumed(&it) ||
	    (dns_tcp_need(&it) == 0) != (used == size))
		__builtin_trap();
	return 0;
}
