/*
 * tls.h - the server name of a TLS ClientHello, from the first bytes of a
 * client's stream.
 *
 * Two entry points, both stateless (call again with a longer prefix):
 *
 *   tls_parse_stream()     the bytes a client sent on TCP, from byte 0: TLS
 *                          records (content type 22, version 3.x, length at
 *                          most TLS_RECORD_MAX) carrying the ClientHello.
 *                          The handshake message may be fragmented over
 *                          several records and a record may end in the middle
 *                          of it; the fragments are joined in a caller-owned
 *                          scratch buffer (only when the message really spans
 *                          records; a ClientHello in one record is read in
 *                          place). The scratch bounds how much of the
 *                          handshake is looked at: TLS_SCRATCH_MAX (16 KiB)
 *                          is the recommended size, the same bound as the
 *                          flow reassembly.
 *   tls_parse_handshake()  a bare handshake byte stream from offset 0 (QUIC
 *                          CRYPTO data, which has no record layer).
 *
 * Streaming: the input may stop anywhere. The parser reports TLS_NEED_MORE
 * until the server_name extension is complete, then TLS_NAME (or
 * TLS_NO_NAME) at once, so the caller decides on the segment that completes
 * the name, whatever the extension order. The rest of the bytes already given
 * is still parsed (an ECH extension after the name is noticed, a malformed
 * tail is malformed). Without a server_name extension the answer is known
 * only when the whole ClientHello is there.
 *
 * Names: reported as sent (pointer + length into the caller's bytes or the
 * scratch, valid as long as both are), not NUL-terminated, not lowercased:
 * the caller canonicalises. A name is "valid" when it is 1-253 bytes (254
 * with one trailing dot) of labels of 1-63 letters, digits, '-' or '_'; a
 * name made of digits and dots, or with a ':' (an IP literal, which RFC 6066
 * forbids) gets TLS_F_IP_LITERAL. Both give TLS_NO_NAME with the name still
 * set, so the caller may look at it.
 *
 * ECH: an encrypted_client_hello extension (0xfe0d) sets TLS_F_ECH and the
 * name is the outer (public) name. Chrome sends GREASE ECH in every
 * ClientHello, indistinguishable on the wire from real ECH: TLS_F_ECH alone
 * does not mean the name is not the real one. The old ESNI extension
 * (0xffce) sets it too.
 *
 * Not TLS: a stream whose first record header is not a handshake record of
 * version 3.x (SSLv2-compatible hellos included) is TLS_NOT_TLS after 1-3
 * bytes, so the caller can stop looking.
 *
 * Pure code: no allocation, no I/O, every length checked against both the
 * bytes available and the enclosing length. Fuzzed by tests/fuzz/fuzz_tls.c.
 */
#ifndef VETO_TLS_H
#define VETO_TLS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_RECORD_MAX (16384 + 2048)	/* 2^14 + slack, as TLS 1.2 ciphertext */
#define TLS_SCRATCH_MAX 16384		/* recommended scratch size */

enum tls_status {
	TLS_NEED_MORE,	/* the name is not complete in these bytes yet */
	TLS_NAME,	/* done: hello->name is a valid host name (see flags) */
	TLS_NO_NAME,	/* done: no usable name (flags say why) */
	TLS_NOT_TLS,	/* the stream does not start with a handshake record */
	TLS_MALFORMED,	/* TLS that breaks the format */
};

/* Flags in struct tls_hello. */
#define TLS_F_NO_SNI	0x0001	/* complete ClientHello, no server_name */
#define TLS_F_BAD_NAME	0x0002	/* server_name present, name not valid */
#define TLS_F_IP_LITERAL 0x0004	/* the name is an IPv4/IPv6 literal */
#define TLS_F_ECH	0x0008	/* encrypted_client_hello (or ESNI) present */
#define TLS_F_MULTI_NAME 0x0010	/* several host names or server_name
				   extensions; the first is reported */
#define TLS_F_COMPLETE	0x0020	/* the whole ClientHello was parsed */
#define TLS_F_TOO_BIG	0x0040	/* gave up at the scratch bound */
#define TLS_F_QUIC_TP	0x0080	/* quic_transport_parameters present */

struct tls_hello {
	const uint8_t *name;	/* first host_name, as sent; NULL if none */
	size_t name_len;
	uint32_t flags;		/* TLS_F_* */
	uint16_t version;	/* ClientHello.legacy_version (0 if not seen) */
	uint32_t hello_len;	/* handshake message length (0 if not seen) */
	uint16_t nexts;		/* extensions parsed so far */
};

/* A TLS client stream prefix. scratch (scratch_size bytes, caller-owned,
 * TLS_SCRATCH_MAX recommended) is used only when the ClientHello spans
 * records. Fills *out in every case (name NULL unless found). */
enum tls_status tls_parse_stream(const uint8_t *buf, size_t len,
    uint8_t *scratch, size_t scratch_size, struct tls_hello *out);

/* A bare handshake stream prefix (QUIC CRYPTO data from offset 0). */
enum tls_status tls_parse_handshake(const uint8_t *buf, size_t len,
    struct tls_hello *out);

const char *tls_status_name(enum tls_status s);

#endif
