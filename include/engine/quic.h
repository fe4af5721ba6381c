/*
 * quic.h - client Initial packets of QUIC v1 (RFC 9000/9001) and v2
 * (RFC 9369): recognise, remove the protection, hand out the CRYPTO data.
 *
 * quic_parse() walks one UDP datagram. Each coalesced long-header packet is
 * found by its Length field, and every one is processed, as RFC 9000
 * section 12.2 asks of a receiver: Initials are decrypted, 0-RTT and
 * Handshake packets are skipped (whichever comes first), and the walk stops
 * at a short header, a Retry, a Version Negotiation packet, or a packet of
 * another version or Destination Connection ID than the first one (which
 * receivers ignore). For an Initial: the keys come from the DCID (HKDF-SHA256
 * with the version's salt and labels, "quic key"/"quic iv"/"quic hp" or
 * "quicv2 ..."), header protection is removed (AES-128-ECB over the
 * sample), the payload is decrypted with AES-128-GCM (nonce = iv xor packet
 * number, header as AAD) and the tag verified. The frames are then checked
 * (PADDING, PING, ACK with or without ECN counts, CRYPTO and
 * CONNECTION_CLOSE are all an Initial may carry; anything else is
 * QUIC_MALFORMED). A datagram is read whole or not at all: only when every
 * packet of it passed (at most QUIC_PKTS_MAX Initials) is each CRYPTO frame
 * given to the caller's callback as (offset, pointer, length); a filter
 * drops the others (invariant 1 of the engine: no byte reaches the server
 * unless veto read it). The pointer is into the caller's plaintext buffer
 * and stays valid until the caller reuses it. Frames come in packet order,
 * which need not be offset order (Chrome shuffles them and spreads its
 * ~1.8 KB ClientHello over two Initials in two datagrams): the caller
 * reassembles by offset, then calls tls_parse_handshake() on the contiguous
 * prefix from offset 0.
 *
 * Keys: an Initial's keys are those of the client's *first* Destination
 * Connection ID, even after the client has switched to the server's chosen
 * ID; only a Retry changes them. So the caller may keep a struct quic_keys
 * per flow: pass it (zeroed at first) and quic_parse() fills it from the
 * first Initial that authenticates, uses it for the later ones (which also
 * spares the key derivation), and re-derives from the packet's own DCID when
 * the cached keys fail and the DCID differs (after a Retry). With keys NULL
 * every packet is keyed from its own DCID.
 *
 * Packet numbers: the truncated packet number is used as the full one; a
 * client's Initial packet numbers start at 0 and stay small.
 *
 * Statuses: a datagram without a client Initial of a known version (short
 * header, 0-RTT or Handshake only, Retry, Version Negotiation, unknown
 * versions) is QUIC_NOT_INITIAL. An Initial whose tag does not verify (not
 * a client packet, corrupted, garbage shaped like an Initial) makes the
 * datagram QUIC_UNDECRYPTABLE; one that breaks the format, or a later long
 * header of the same connection that does not parse, QUIC_MALFORMED (the
 * first failure in the datagram names the status, and QUIC_F_TRAILING_BAD
 * says it came after a good Initial).
 *
 * quic_scan() reads only the headers: whether the datagram holds an Initial
 * (a flow is worth creating) or starts with a long header of a version
 * veto cannot read (a policy drops it: clients fall back to TCP).
 *
 * Threads: a struct quic_ctx holds the OpenSSL cipher and MAC contexts,
 * created once (quic_ctx_new) and reused for every packet. One per thread;
 * no state is kept across calls. Opening an Initial with known keys
 * allocates nothing (test_quic checks it through CRYPTO_set_mem_functions);
 * deriving keys does, inside OpenSSL 3.0: re-keying an HMAC context
 * re-creates its digest contexts (about 16 transient allocations, freed
 * before the call returns). With a per-flow struct quic_keys that happens
 * once per flow. Costs (bench_tls_quic, CPU time): key derivation ~2.4 us,
 * decrypting and walking a 1250-byte Initial with cached keys ~1.3 us.
 */
#ifndef VETO_QUIC_H
#define VETO_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/tls.h"
#include "core/util.h"

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_CID_MAX 20
#define QUIC_DGRAM_MAX 65527	/* largest UDP payload */
#define QUIC_PKTS_MAX 32	/* Initials read in one datagram, at most */
#define QUIC_INITIAL_MIN 1200	/* smaller Initial datagrams: servers drop
				 * them (RFC 9000 14.1) */

enum quic_status {
	QUIC_OK,		/* at least one Initial decrypted and parsed */
	QUIC_NOT_INITIAL,	/* not a client Initial of a known version */
	QUIC_MALFORMED,		/* an Initial that breaks the format */
	QUIC_UNDECRYPTABLE,	/* an Initial whose AEAD tag fails */
	QUIC_ERROR,		/* OpenSSL failed, or plaintext buffer too small */
};

/* Flags in struct quic_info. */
#define QUIC_F_TOKEN		0x01	/* an Initial carried a token */
#define QUIC_F_SKIPPED		0x02	/* 0-RTT/Handshake packets skipped */
#define QUIC_F_TRAILING		0x04	/* stopped at bytes not walked (short
					   header, other DCID, padding) */
#define QUIC_F_TRAILING_BAD	0x08	/* a later packet failed */
#define QUIC_F_CLOSE		0x10	/* CONNECTION_CLOSE seen */
#define QUIC_F_REKEYED		0x20	/* cached keys replaced (Retry) */

struct quic_info {
	uint32_t version;
	const uint8_t *dcid;	/* first packet's DCID, into the datagram */
	uint8_t dcid_len;
	uint8_t flags;		/* QUIC_F_* */
	uint16_t initials;	/* Initial packets decrypted */
	uint16_t crypto_frames;	/* CRYPTO frames delivered */
	uint32_t pn;		/* packet number of the first Initial */
};

/* Client Initial keys of one flow, derived from its first DCID. */
struct quic_keys {
	bool set;
	uint32_t version;
	uint8_t dcid_len;
	uint8_t dcid[QUIC_CID_MAX];
	uint8_t key[16], iv[12], hp[16];
};

struct quic_ctx;

/* A CRYPTO frame: return 0 to go on, non-zero to stop (quic_parse then
 * returns QUIC_OK with what was delivered so far). */
typedef int (*quic_crypto_fn)(void *arg, uint64_t offset,
    const uint8_t *data, size_t len);

struct quic_ctx *quic_ctx_new(struct verr *e);
void quic_ctx_free(struct quic_ctx *ctx);

/* Does this UDP payload look like a long-header Initial of QUIC v1 or v2
 * (header form, version, packet type, DCID length <= 20)? No decryption. */
bool quic_is_initial(const uint8_t *p, size_t len);

/* Headers only (quic_scan()). */
#define QUIC_SCAN_INITIAL		0x1	/* an Initial is coalesced in it */
#define QUIC_SCAN_UNKNOWN_VERSION	0x2	/* a long header, unknown version */
unsigned quic_scan(const uint8_t *dgram, size_t len);

/* Derive the client Initial keys of version for dcid (<= 20 bytes). */
int quic_keys_derive(struct quic_ctx *ctx, uint32_t version,
    const uint8_t *dcid, size_t dcid_len, struct quic_keys *out);

/* Walk one datagram (see above). plain must hold plain_size >= len bytes;
 * keys may be NULL; cb may be NULL (check only); info may be NULL. */
enum quic_status quic_parse(struct quic_ctx *ctx, const uint8_t *dgram,
    size_t len, struct quic_keys *keys, uint8_t *plain, size_t plain_size,
    quic_crypto_fn cb, void *arg, struct quic_info *info);

/* Convenience for tests and `veto replay`: decrypt one datagram whose CRYPTO
 * data holds the ClientHello from offset 0 and parse it. buf (bufsize >=
 * len + TLS_SCRATCH_MAX) holds the plaintext and the joined CRYPTO data;
 * *ts gets the TLS status (TLS_NEED_MORE when the data from offset 0 does
 * not reach the end of the name) and *hello points into buf. */
enum quic_status quic_sni(struct quic_ctx *ctx, const uint8_t *dgram,
    size_t len, uint8_t *buf, size_t bufsize, enum tls_status *ts,
    struct tls_hello *hello);

const char *quic_status_name(enum quic_status s);

#endif
