/*
 * dns.c - DNS query parsing, TCP framing and forged answers (see dns.h).
 *
 * Reading advances an offset that is checked against the message length
 * before each read; writing goes through a bounded cursor that records an
 * overflow instead of writing past its end.
 */
#include <string.h>

#include "core/conf.h"
#include "core/bytes.h"
#include "engine/dns.h"

_Static_assert((int)DNS_ACT_STOPPAGE == (int)DNS_ACTION_STOPPAGE &&
    (int)DNS_ACT_NXDOMAIN == (int)DNS_ACTION_NXDOMAIN &&
    (int)DNS_ACT_REFUSED == (int)DNS_ACTION_REFUSED,
    "enum dns_action must equal enum conf_dns_action");

#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_TC 0x0200
#define FLAG_RD 0x0100
#define FLAG_RA 0x0080
#define FLAG_AD 0x0020
#define FLAG_CD 0x0010
#define OPCODE_SHIFT 11
#define OPCODE_QUERY 0
#define EDNS_DO 0x8000
#define DNS_UDP_MIN 512
#define NAME_PTR_HOPS 64	/* more than enough; the order rule ends loops */

/* SOA timers of the forged negative answers (MINIMUM is the caller's TTL). */
#define SOA_SERIAL 1
#define SOA_REFRESH 3600
#define SOA_RETRY 600
#define SOA_EXPIRE 86400


static inline bool
ldh_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Append one label to the question's wire and text forms. */
static void
name_add_label(struct dns_query *q, const uint8_t *label, size_t n)
{
	size_t i;

	memcpy(q->qname_wire + q->qname_wire_len, label - 1, n + 1);
	q->qname_wire_len += n + 1;
	if (q->labels > 0)
		q->name[q->name_len++] = '.';
	for (i = 0; i < n; i++) {
		if (!ldh_byte(label[i]))
			q->odd_name = true;
		q->name[q->name_len++] = (char)label[i];
	}
	q->labels++;
}

/*
 * Read the name at off. With q, record it as the question name; without,
 * only skip it. *end is the offset just past the name where it started (past
 * the first compression pointer, if any); *root tells whether it was the
 * bare root name. Pointers must jump before everything read so far of this
 * name (RFC 1035 only allows pointers to earlier names), which bounds the
 * walk; the hop limit is a second guard. Returns 0 or -1 (malformed).
 */
static int
name_read(const uint8_t *msg, size_t len, size_t off, struct dns_query *q,
    size_t *end, bool *root)
{
	size_t pos = off, lowest = off, wire = 0, n;
	unsigned hops = 0;
	bool jumped = false;

	*root = msg != NULL && off < len && msg[off] == 0;
	for (;;) {
		if (pos >= len)
			return -1;
		n = msg[pos];
		if (n == 0)
			break;
		if ((n & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > NAME_PTR_HOPS)
				return -1;
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			pos = (n & 0x3f) << 8 | msg[pos + 1];
			if (pos >= lowest)
				return -1;
			lowest = pos;
			continue;
		}
		if (n > DNS_LABEL_MAX || n + 1 > len - pos)
			return -1;	/* 0x40/0x80 label types end up here */
		/* Keep one byte for the root label. */
		if (wire + n + 1 > DNS_NAME_WIRE_MAX - 1)
			return -1;
		wire += n + 1;
		if (q != NULL)
			name_add_label(q, msg + pos + 1, n);
		pos += n + 1;
	}
	if (!jumped)
		*end = pos + 1;
	if (q != NULL) {
		q->qname_wire[q->qname_wire_len++] = 0;
		q->qname_compressed = jumped;
		if (q->labels == 0)
			q->name[q->name_len++] = '.';
		q->name[q->name_len] = '\0';
	}
	return 0;
}

static void
note_opt(struct dns_query *q, const uint8_t *rr)
{
	q->edns = true;
	q->edns_udp_size = rd16(rr + 2);
	q->edns_version = rr[5];
	q->edns_do = (rd16(rr + 6) & EDNS_DO) != 0;
}

/* Walk the answer, authority and additional records after the question,
 * noting the OPT record. Returns 0, or -1 if they do not parse. */
static int
records_walk(const uint8_t *msg, size_t len, struct dns_query *q)
{
	unsigned an = rd16(msg + 6), ns = rd16(msg + 8), ar = rd16(msg + 10);
	unsigned i, total = an + ns + ar;
	size_t off = q->qsend, rdlen;
	bool root;

	for (i = 0; i < total; i++) {
		if (name_read(msg, len, off, NULL, &off, &root) == -1)
			return -1;
		if (len - off < 10)
			return -1;
		rdlen = rd16(msg + off + 8);
		if (len - off - 10 < rdlen)
			return -1;
		if (i >= an + ns && rd16(msg + off) == DNS_TYPE_OPT) {
			if (!root || q->edns)
				return -1;	/* RFC 6891 section 6.1.1 */
			note_opt(q, msg + off);
		}
		off += 10 + rdlen;
	}
	return 0;
}

int
dns_question_read(const uint8_t *msg, size_t len, size_t *off,
    struct dns_query *q)
{
	bool root;
	size_t end;

	q->qname_wire_len = 0;
	q->name_len = 0;
	q->labels = 0;
	q->odd_name = false;
	q->qname_compressed = false;
	if (name_read(msg, len, *off, q, &end, &root) == -1 || len - end < 4)
		return -1;
	q->qtype = rd16(msg + end);
	q->qclass = rd16(msg + end + 2);
	*off = end + 4;
	return 0;
}

/* Skip the questions after the first: each must be whole. */
static int
questions_skip(const uint8_t *msg, size_t len, unsigned n, size_t *off)
{
	bool root;

	while (n-- > 0) {
		if (name_read(msg, len, *off, NULL, off, &root) == -1 ||
		    len - *off < 4)
			return -1;
		*off += 4;
	}
	return 0;
}

enum dns_status
dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t off = DNS_HDR_LEN;

	memset(q, 0, sizeof(*q));
	if (msg == NULL || len < DNS_HDR_LEN)
		return DNS_MALFORMED;
	q->id = rd16(msg);
	q->flags = rd16(msg + 2);
	q->opcode = (q->flags >> OPCODE_SHIFT) & 0x0f;
	if ((q->flags & FLAG_QR) != 0 || q->opcode != OPCODE_QUERY)
		return DNS_NOT_QUERY;
	q->qdcount = rd16(msg + 4);
	if (q->qdcount > DNS_QUESTIONS_MAX)
		return DNS_MALFORMED;
	if (q->qdcount > 0 && dns_question_read(msg, len, &off, q) == -1)
		return DNS_MALFORMED;
	q->qend = off;
	if (q->qdcount > 1 && questions_skip(msg, len, q->qdcount - 1u,
	    &off) == -1)
		return DNS_MALFORMED;
	q->qsend = off;
	if (records_walk(msg, len, q) == -1) {
		q->bad_records = true;
		q->edns = false;
		q->edns_udp_size = 0;
		q->edns_version = 0;
		q->edns_do = false;
	}
	return DNS_OK;
}

/* TCP framing. */

void
dns_tcp_iter_init(struct dns_tcp_iter *it, const uint8_t *buf, size_t len)
{
	it->buf = buf;
	it->len = buf != NULL ? len : 0;
	it->off = 0;
}

bool
dns_tcp_next(struct dns_tcp_iter *it, const uint8_t **msg, size_t *msglen)
{
	size_t left = it->len - it->off, n;

	if (left < 2)
		return false;
	n = rd16(it->buf + it->off);
	if (left - 2 < n)
		return false;
	*msg = it->buf + it->off + 2;
	*msglen = n;
	it->off += 2 + n;
	return true;
}

size_t
dns_tcp_need(const struct dns_tcp_iter *it)
{
	size_t left = it->len - it->off;

	if (left == 0)
		return 0;
	if (left == 1)
		return 1;
	return 2 + (size_t)rd16(it->buf + it->off) - left;
}

size_t
dns_tcp_consumed(const struct dns_tcp_iter *it)
{
	return it->off;
}

/* Answer building. */

struct wbuf {
	uint8_t *b;
	size_t cap, len;
	bool overflow;
};

static void
put(struct wbuf *w, const void *data, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->b + w->len, data, n);
	w->len += n;
}

static void
put16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void
put32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 4);
}

/* Owner name, type, class, TTL: the start of every record we write. */
static void
put_rr_head(struct wbuf *w, uint16_t type, uint16_t class, uint32_t ttl)
{
	put16(w, 0xc000 | DNS_HDR_LEN);	/* pointer to the question name */
	put16(w, type);
	put16(w, class);
	put32(w, ttl);
}

/* What goes into the answer section, if anything: the address for an
 * A/AAAA question under stoppage when that family is configured. */
static const uint8_t *
answer_addr(const struct dns_query *q, const struct dns_answer *a,
    size_t *alen)
{
	if (a->action != DNS_ACT_STOPPAGE ||
	    (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY))
		return NULL;
	if (q->qtype == DNS_TYPE_A && a->stop4 != NULL) {
		*alen = 4;
		return a->stop4;
	}
	if (q->qtype == DNS_TYPE_AAAA && a->stop6 != NULL) {
		*alen = 16;
		return a->stop6;
	}
	return NULL;
}

uint8_t
dns_answer_rcode(const struct dns_query *q, const struct dns_answer *a)
{
	(void)q;
	switch (a->action) {
	case DNS_ACT_NXDOMAIN:
		return DNS_RCODE_NXDOMAIN;
	case DNS_ACT_REFUSED:
		return DNS_RCODE_REFUSED;
	default:
		return DNS_RCODE_NOERROR;
	}
}

/* Bytes of EXTRA-TEXT that fit in room, cut at a UTF-8 character start. */
static size_t
extra_text_len(const char *text, size_t room)
{
	size_t n = text != NULL ? strnlen(text, DNS_EXTRA_TEXT_MAX + 1) : 0;

	if (n > DNS_EXTRA_TEXT_MAX)
		n = DNS_EXTRA_TEXT_MAX;
	if (n <= room)
		return n;
	n = room;
	while (n > 0 && ((uint8_t)text[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void
put_soa(struct wbuf *w, uint16_t class, uint32_t ttl)
{
	put_rr_head(w, DNS_TYPE_SOA, class, ttl);
	put16(w, 2 + 1 + 5 * 4);
	put16(w, 0xc000 | DNS_HDR_LEN);	/* MNAME: the question name */
	put(w, "", 1);			/* RNAME: the root */
	put32(w, SOA_SERIAL);
	put32(w, SOA_REFRESH);
	put32(w, SOA_RETRY);
	put32(w, SOA_EXPIRE);
	put32(w, ttl);			/* MINIMUM: negative caching TTL */
}

/* The OPT record, with the EDE option when a code is given. base is the
 * answer's length before it, limit what the client can receive. */
static void
put_opt(struct wbuf *w, const struct dns_answer *a, size_t base, size_t limit)
{
	size_t fixed = 11 + (a->ede != 0 ? 6 : 0), tlen = 0;

	if (a->ede != 0 && base + fixed < limit)
		tlen = extra_text_len(a->extra_text, limit - base - fixed);
	put(w, "", 1);
	put16(w, DNS_TYPE_OPT);
	put16(w, DNS_ANSWER_UDP_SIZE);
	put32(w, 0);			/* extended RCODE, version 0, DO clear */
	if (a->ede == 0) {
		put16(w, 0);
		return;
	}
	put16(w, (uint16_t)(4 + 2 + tlen));
	put16(w, DNS_EDNS_OPT_EDE);
	put16(w, (uint16_t)(2 + tlen));
	put16(w, a->ede);
	put(w, a->extra_text, tlen);
}

static uint16_t
answer_flags(const struct dns_query *q, uint8_t rcode)
{
	return (uint16_t)(FLAG_QR | (q->flags & (0x0f << OPCODE_SHIFT)) |
	    (q->flags & (FLAG_RD | FLAG_CD)) | FLAG_RA | rcode);
}

int
dns_answer_build(const struct dns_query *q, const struct dns_answer *a,
    uint8_t *out, size_t cap)
{
	struct wbuf w = { out, cap, 0, false };
	const uint8_t *addr;
	size_t alen = 0, start, limit;
	uint8_t rcode;
	uint16_t class;
	bool soa;

	if (q == NULL || a == NULL || out == NULL ||
	    q->qname_wire_len == 0 || q->qname_wire_len > DNS_NAME_WIRE_MAX ||
	    (unsigned)a->action > DNS_ACT_REFUSED)
		return -1;
	rcode = dns_answer_rcode(q, a);
	addr = answer_addr(q, a, &alen);
	soa = addr == NULL && a->action != DNS_ACT_REFUSED;
	class = q->qclass == DNS_CLASS_ANY ? DNS_CLASS_IN : q->qclass;
	if (a->tcp)
		put16(&w, 0);		/* length, filled in below */
	start = w.len;
	put16(&w, q->id);
	put16(&w, answer_flags(q, rcode));
	put16(&w, 1);
	put16(&w, addr != NULL);
	put16(&w, soa);
	put16(&w, q->edns);
	put(&w, q->qname_wire, q->qname_wire_len);
	put16(&w, q->qtype);
	put16(&w, q->qclass);
	if (addr != NULL) {
		put_rr_head(&w, q->qtype, class, a->ttl);
		put16(&w, (uint16_t)alen);
		put(&w, addr, alen);
	}
	if (soa)
		put_soa(&w, class, a->ttl);
	if (q->edns) {
		limit = a->tcp ? UINT16_MAX : MAX(DNS_UDP_MIN, q->edns_udp_size);
		put_opt(&w, a, w.len - start, limit);
	}
	if (w.overflow || w.len - start > UINT16_MAX)
		return -1;
	if (a->tcp) {
		out[0] = (uint8_t)((w.len - 2) >> 8);
		out[1] = (uint8_t)(w.len - 2);
	}
	return (int)w.len;
}
