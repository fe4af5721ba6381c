/*
 * probe.h - what `veto audit` sends through a filter and how it reads the
 * answers: DNS queries, HTTP requests, TLS ClientHellos and protected QUIC
 * Initials carrying a chosen name, and classifiers for the replies.
 *
 * Builders write into caller buffers and return the length, or -1 when the
 * name is not a usable DNS name or the buffer is too small. They allocate
 * nothing except inside OpenSSL (probe_quic_initial encrypts with EVP).
 * Randomness (DNS ids, TLS randoms and key shares, QUIC connection IDs) is
 * the caller's: pass bytes from RAND_bytes().
 *
 * The ClientHello is a plausible modern one: TLS 1.3 (and 1.2 over TCP)
 * cipher suites, an X25519 key share (32 random bytes are a valid X25519
 * public value, so a server answers with a ServerHello; the handshake is
 * never finished), SNI, ALPN, and for QUIC the quic_transport_parameters
 * extension naming the client's source connection ID (RFC 9000 7.3). The
 * QUIC Initial (v1, RFC 9001 section 5) holds it in one CRYPTO frame and
 * is padded to 1200 bytes, as RFC 9000 14.1 requires of a client.
 *
 * Classifiers read untrusted bytes from the network (fuzzed by
 * tests/fuzz/fuzz_probe.c) and never read past len:
 *   probe_dns_reply_parse  header, question, answers (A/AAAA addresses),
 *                          and the Extended DNS Error option (RFC 8914) of
 *                          the OPT record;
 *   probe_http_classify    the status line and the Location header;
 *   probe_tls_classify     the first record of a server's reply.
 * What counts as "blocked" is described at each function.
 */
#ifndef VETO_PROBE_H
#define VETO_PROBE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/quic.h"

#define PROBE_DNS_MAX 512		/* a query we build */
#define PROBE_HELLO_MAX 1024		/* a ClientHello we build */
#define PROBE_INITIAL_LEN 1200		/* a QUIC Initial datagram */
#define PROBE_HTTP_MAX 2400		/* an HTTP request we build */
#define PROBE_ADDRS 8			/* addresses kept from an answer */
#define PROBE_EDE_TEXT 128

/* --- DNS ---------------------------------------------------------------- */

/* A query for name (dotted, no trailing dot needed) with RD set and, when
 * edns, an OPT record (UDP size 1232). tcp: the 2-byte length first. */
int probe_dns_query(const char *name, uint16_t qtype, uint16_t id, bool edns,
    bool tcp, uint8_t *out, size_t cap);

struct probe_dns_reply {
	uint16_t id;
	uint8_t rcode;
	uint16_t ancount;
	unsigned naddr;			/* A/AAAA records kept (<= PROBE_ADDRS) */
	struct {
		uint8_t family;		/* 4 or 6 */
		uint8_t a[16];
	} addr[PROBE_ADDRS];
	bool edns;
	bool has_ede;
	uint16_t ede;			/* INFO-CODE of the first EDE option */
	char ede_text[PROBE_EDE_TEXT];	/* its EXTRA-TEXT, printable only */
};

/* Parse a response (no TCP length prefix). 0, or -1 when it is not a
 * well-formed response (QR clear, truncated, bad names). */
int probe_dns_reply_parse(const uint8_t *msg, size_t len,
    struct probe_dns_reply *r);

/* The addresses a filter's forged answers point at (the stop page). */
struct probe_stop {
	bool has4, has6;
	struct in_addr a4;
	struct in6_addr a6;
};

/* Blocked: an EDE option with INFO-CODE 15 Blocked, 16 Censored, 17
 * Filtered or 18 Prohibited, or an address that is a stop page's. */
bool probe_dns_blocked(const struct probe_dns_reply *r,
    const struct probe_stop *stop);

/* --- HTTP --------------------------------------------------------------- */

/* "GET path HTTP/1.1" with Host, a User-Agent naming veto-audit,
 * Connection: close. path must start with '/' and hold no CR, LF, space. */
int probe_http_request(const char *host, const char *path, char *out,
    size_t cap);

enum probe_http {
	PROBE_HTTP_NEED_MORE,	/* the header is not complete yet */
	PROBE_HTTP_BLOCKED,	/* 451, or a redirect to a stop page */
	PROBE_HTTP_PASSED,	/* any other response */
	PROBE_HTTP_GARBAGE,	/* not an HTTP response */
};

/* A redirect (301, 302, 303, 307, 308) is a stop page's when its Location
 * carries both `feed=` and `entry=` in its query (stoppage.h) or starts
 * with stop_url (may be NULL). *status gets the code when one was read. */
enum probe_http probe_http_classify(const uint8_t *buf, size_t len,
    const char *stop_url, int *status);

/* --- TLS and QUIC ------------------------------------------------------- */

struct probe_hello {
	const char *sni;		/* NULL: no server_name extension */
	const char *alpn;		/* e.g. "http/1.1" or "h3"; NULL: none */
	uint8_t random[32];
	uint8_t session_id[32];		/* TCP only (middlebox compatibility) */
	uint8_t key_share[32];		/* X25519 public value */
	bool quic;			/* TLS 1.3 only, transport parameters,
					 * no record header */
	const uint8_t *scid;		/* QUIC: the client's source CID */
	size_t scid_len;
};

/* A ClientHello: a TLS record for TCP, the bare handshake message for
 * QUIC. */
int probe_client_hello(const struct probe_hello *h, uint8_t *out, size_t cap);

enum probe_tls {
	PROBE_TLS_NEED_MORE,
	PROBE_TLS_SERVER_HELLO,	/* a handshake record starting a ServerHello */
	PROBE_TLS_ALERT,	/* the server refused, but it answered */
	PROBE_TLS_OTHER,	/* something else answered */
};

enum probe_tls probe_tls_classify(const uint8_t *buf, size_t len);

/* A protected client Initial (QUIC v1) carrying crypto (a ClientHello
 * from probe_client_hello with quic set) in one CRYPTO frame, packet
 * number 0, padded to PROBE_INITIAL_LEN bytes. */
int probe_quic_initial(struct quic_ctx *qc, const uint8_t *dcid,
    size_t dcid_len, const uint8_t *scid, size_t scid_len,
    const uint8_t *crypto, size_t crypto_len, uint8_t *out, size_t cap);

#endif
