/*
 * dns.h - parse one DNS query message, split a client's TCP stream into
 * messages, and build the forged answer for a blocked query.
 *
 * Parsing: dns_query_parse() reads a message (a UDP payload, or one message
 * of a TCP stream without its length prefix) into a struct dns_query the
 * caller owns (no allocation; the struct copies the question name, both as
 * wire bytes and as dotted text, so it stays valid after the packet goes).
 * It accepts only what a resolver would answer as a query: QR = 0, opcode
 * QUERY, at most DNS_QUESTIONS_MAX questions, each of them whole. The
 * first question is read into the struct; the others are checked for form
 * only, and read one by one with dns_question_read() (from q->qend): a
 * filter must check every question, since some resolvers answer a query of
 * several (a listed name in any of them blocks it). QDCOUNT 0 (a DNS
 * cookie refresh, RFC 7873 section 5.4) parses, with no name. The name keeps the letter case it was sent in
 * (0x20 randomisation); lowercasing is norm.c's job. Labels are copied byte
 * for byte; a label holding a byte that is not a letter, digit, hyphen or
 * underscore (a '.', a space, a NUL, a control byte, UTF-8) sets `odd_name`,
 * and such a name's text is not a faithful rendering (a '.' inside a label
 * reads like a label break, a NUL ends the C string early): policy decides
 * what to do with those. Compression pointers are followed only backwards,
 * each jump before the previous one, so loops cannot happen.
 *
 * After the question, the answer, authority and additional records are
 * walked to find EDNS (an OPT record: root owner, type 41, RFC 6891). A
 * broken record section does not hide the question from the filter (a
 * resolver might still answer it): the parse succeeds, `edns` stays false
 * and `bad_records` is set. Two OPT records count as broken records.
 *
 * Building: dns_answer_build() writes the forged response to a parsed query:
 * same ID, QR = 1, opcode, RD and CD copied, RA = 1, AA = 0, AD = 0, the
 * question written back as it came (the wire bytes, letter case included;
 * identical to the query's bytes unless the query compressed its own name),
 * answers and the SOA owner as a compression pointer to that name.
 *
 *   DNS_ACT_STOPPAGE  A -> the IPv4 stop page, AAAA -> the IPv6 one (class
 *                     IN or ANY); every other QTYPE (HTTPS 65 and SVCB 64
 *                     included, so no ECH configuration leaks), other
 *                     classes, and A/AAAA when that address is not
 *                     configured get NODATA (NOERROR, no answer, SOA).
 *   DNS_ACT_NXDOMAIN  NXDOMAIN with the SOA.
 *   DNS_ACT_REFUSED   REFUSED, no records.
 *
 * The SOA (owner: the question name; MNAME the question name, RNAME the
 * root; TTL and MINIMUM = the given TTL) lets resolvers cache the negative
 * answer for that TTL (RFC 2308 section 5). If and only if the query had
 * EDNS, an OPT record (UDP size 1232, DO clear, version 0) is added, holding
 * the Extended DNS Error option (RFC 8914) when an EDE code is given, with
 * the caller's EXTRA-TEXT (UTF-8). Over UDP, the EXTRA-TEXT is shortened
 * (at a UTF-8 character boundary) so the whole answer fits the size the
 * client can receive (512, or its EDNS UDP size); the rest of the answer
 * always fits 512 bytes.
 *
 * TCP framing: a client's TCP stream is a sequence of messages, each after
 * a 2-byte big-endian length (RFC 1035 section 4.2.2, RFC 7766). Give
 * dns_tcp_next() the contiguous stream bytes seen so far; it returns the
 * complete messages one by one, then says how many more bytes the trailing
 * partial message needs.
 */
#ifndef VETO_DNS_H
#define VETO_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN 12
#define DNS_NAME_WIRE_MAX 255	/* RFC 1035 section 2.3.4 */
#define DNS_NAME_TEXT_MAX 253	/* characters, without the NUL */
#define DNS_LABEL_MAX 63
#define DNS_QUESTIONS_MAX 16	/* more in one query: malformed (clients send 1) */

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_PTR 12
#define DNS_TYPE_MX 15
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_TYPE_SVCB 64
#define DNS_TYPE_HTTPS 65
#define DNS_TYPE_ANY 255
#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

#define DNS_EDNS_OPT_EDE 15	/* RFC 8914 */
#define DNS_EDE_BLOCKED 15
#define DNS_EDE_CENSORED 16
#define DNS_EDE_FILTERED 17
#define DNS_EDE_PROHIBITED 18

#define DNS_ANSWER_UDP_SIZE 1232	/* our OPT's UDP payload size */
#define DNS_EXTRA_TEXT_MAX 400		/* bytes of EXTRA-TEXT we ever send */
/* A buffer this large holds any answer dns_answer_build() makes: TCP
 * length prefix, header, question, the largest record we add (the SOA, 35
 * bytes), the OPT record (11) and the EDE option (6 + text). */
#define DNS_ANSWER_MAX (2 + DNS_HDR_LEN + DNS_NAME_WIRE_MAX + 4 + 35 + 11 + \
	6 + DNS_EXTRA_TEXT_MAX)

enum dns_status {
	DNS_OK = 0,
	DNS_MALFORMED = -1,	/* truncated, bad name, QDCOUNT too big */
	DNS_NOT_QUERY = -2,	/* well formed header but QR = 1 or opcode
				 * other than QUERY: not ours to judge */
};

struct dns_query {
	uint16_t id;
	uint16_t flags;		/* header bits 16-31 as sent (QR, opcode,
				 * AA, TC, RD, RA, Z, AD, CD, RCODE) */
	uint8_t opcode;
	uint16_t qdcount;	/* questions in the message */
	/* The question (the first, or the one dns_question_read() read). */
	uint16_t qtype, qclass;
	/* The question name: wire form (uncompressed, letter case as sent)
	 * and dotted text without a trailing dot ("." for the root). */
	uint8_t qname_wire[DNS_NAME_WIRE_MAX];
	size_t qname_wire_len;
	char name[DNS_NAME_TEXT_MAX + 1];
	size_t name_len;	/* strlen(name) unless a label holds a NUL */
	uint8_t labels;		/* label count, root = 0 */
	bool odd_name;		/* a label byte outside [A-Za-z0-9_-] */
	bool qname_compressed;	/* the question used a compression pointer */
	size_t qend;		/* offset just past the first question */
	size_t qsend;		/* offset just past the last question */
	/* EDNS (RFC 6891), from the OPT record if there is exactly one. */
	bool edns;
	uint16_t edns_udp_size;	/* as sent (values < 512 mean 512) */
	uint8_t edns_version;
	bool edns_do;
	bool bad_records;	/* records after the question do not parse */
};

enum dns_status dns_query_parse(const uint8_t *msg, size_t len,
    struct dns_query *q);

/* Read the question at *off (a message dns_query_parse() accepted; the
 * second one is at q->qend) into q's question fields (name, wire form,
 * labels, odd_name, qname_compressed, qtype, qclass; the header and EDNS
 * fields stay) and advance *off past it. 0, or -1 if it does not parse. */
int dns_question_read(const uint8_t *msg, size_t len, size_t *off,
    struct dns_query *q);

/* What to answer with; the values equal conf.h's enum conf_dns_action. */
enum dns_action {
	DNS_ACT_STOPPAGE = 0,
	DNS_ACT_NXDOMAIN = 1,
	DNS_ACT_REFUSED = 2,
};

struct dns_answer {
	enum dns_action action;
	uint32_t ttl;		/* answer TTL, SOA TTL and SOA MINIMUM */
	const uint8_t *stop4;	/* 4 bytes, network order; NULL: none */
	const uint8_t *stop6;	/* 16 bytes; NULL: none */
	uint16_t ede;		/* RFC 8914 INFO-CODE; 0: no EDE option */
	const char *extra_text;	/* EXTRA-TEXT, NULL or "" for none; at most
				 * DNS_EXTRA_TEXT_MAX bytes are used */
	bool tcp;		/* prefix the 2-byte length; no size cap */
};

/* Write the answer to q into out (at most cap bytes). Returns its length
 * (length prefix included for TCP) or -1 if it does not fit or the
 * arguments are invalid. */
int dns_answer_build(const struct dns_query *q, const struct dns_answer *a,
    uint8_t *out, size_t cap);

/* The RCODE the answer to q will carry (for counters and debug lines). */
uint8_t dns_answer_rcode(const struct dns_query *q, const struct dns_answer *a);

/* TCP framing over a contiguous buffer of one direction of a stream. */
struct dns_tcp_iter {
	const uint8_t *buf;
	size_t len;
	size_t off;		/* start of the next length prefix */
};

void dns_tcp_iter_init(struct dns_tcp_iter *it, const uint8_t *buf,
    size_t len);
/* The next complete message (without its prefix): true with *msg and *msglen
 * set; false when no complete message is left. */
bool dns_tcp_next(struct dns_tcp_iter *it, const uint8_t **msg,
    size_t *msglen);
/* After dns_tcp_next() returned false: how many more bytes the trailing
 * partial message needs (while only one byte of its length prefix is there,
 * the lower bound 1); 0 when the buffer ends exactly on a message boundary. */
size_t dns_tcp_need(const struct dns_tcp_iter *it);
/* Bytes of the buffer taken by the complete messages returned so far. */
size_t dns_tcp_consumed(const struct dns_tcp_iter *it);

#endif
