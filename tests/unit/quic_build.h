/*
 * quic_build.h - protect QUIC long-header packets for tests (RFC 9001
 * section 5), independently of quic.c except for the key derivation
 * (checked against the RFC vectors in test_quic.c). Used by test_quic.c
 * and test_inspect.c to build v1/v2 Initials, ClientHellos spread over
 * several Initials, coalesced packets. Include after unit.h; the includer
 * sets qc (a struct quic_ctx) before building.
 */
#ifndef VETO_QUIC_BUILD_H
#define VETO_QUIC_BUILD_H

#include <openssl/evp.h>

#include "engine/quic.h"

static struct quic_ctx *qc;

static const uint8_t rfc_dcid[8] = {
	0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08,
};

/* --- building packets ---------------------------------------------- */

enum ptype { P_INITIAL, P_0RTT, P_HANDSHAKE };

struct spec {
	uint32_t version;
	enum ptype type;
	const uint8_t *dcid;
	size_t dcid_len;
	size_t scid_len;		/* filled with 0x5c */
	size_t token_len;		/* filled with 0x70 */
	uint32_t pn;
	size_t pnlen;
	const uint8_t *payload;		/* frames */
	size_t payload_len;
	unsigned reserved;		/* reserved bits, normally 0 */
	const uint8_t *key_dcid;	/* keys from this DCID (else dcid) */
	size_t key_dcid_len;
};

static void
evp(int ok)
{
	if (ok <= 0)
		fail_msg("OpenSSL call failed in the test helper");
}

/* Protect a long-header packet (RFC 9001 5), independently of quic.c
 * except for the key derivation (checked against the RFCs). */
static size_t
protect(const struct spec *s, uint8_t *out)
{
	static const unsigned v1t[] = { 0, 1, 2 }, v2t[] = { 1, 2, 3 };
	struct quic_keys k;
	EVP_CIPHER_CTX *c;
	uint8_t nonce[12], mask[32];
	size_t n = 0, pn_off, i, len;
	int outl;

	assert_int_equal(quic_keys_derive(qc, s->version, s->key_dcid ?
	    s->key_dcid : s->dcid, s->key_dcid ? s->key_dcid_len :
	    s->dcid_len, &k), 0);
	out[n++] = (uint8_t)(0xc0 | (s->version == QUIC_V2 ? v2t[s->type] :
	    v1t[s->type]) << 4 | s->reserved << 2 | (s->pnlen - 1));
	out[n++] = (uint8_t)(s->version >> 24);
	out[n++] = (uint8_t)(s->version >> 16);
	out[n++] = (uint8_t)(s->version >> 8);
	out[n++] = (uint8_t)s->version;
	out[n++] = (uint8_t)s->dcid_len;
	memcpy(out + n, s->dcid, s->dcid_len);
	n += s->dcid_len;
	out[n++] = (uint8_t)s->scid_len;
	memset(out + n, 0x5c, s->scid_len);
	n += s->scid_len;
	if (s->type == P_INITIAL) {
		assert_true(s->token_len < 64);
		out[n++] = (uint8_t)s->token_len;
		memset(out + n, 0x70, s->token_len);
		n += s->token_len;
	}
	len = s->pnlen + s->payload_len + 16;
	out[n++] = (uint8_t)(0x40 | len >> 8);
	out[n++] = (uint8_t)len;
	pn_off = n;
	for (i = 0; i < s->pnlen; i++)
		out[n++] = (uint8_t)(s->pn >> (8 * (s->pnlen - 1 - i)));
	memcpy(nonce, k.iv, 12);
	for (i = 0; i < 4; i++)
		nonce[8 + i] ^= (uint8_t)(s->pn >> (24 - 8 * i));
	c = EVP_CIPHER_CTX_new();
	assert_non_null(c);
	evp(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce));
	evp(EVP_EncryptUpdate(c, NULL, &outl, out, (int)n));
	evp(EVP_EncryptUpdate(c, out + n, &outl, s->payload,
	    (int)s->payload_len));
	evp(EVP_EncryptFinal_ex(c, out + n + outl, &outl));
	evp(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
	    out + n + s->payload_len));
	n += s->payload_len + 16;
	evp(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL));
	evp(EVP_EncryptUpdate(c, mask, &outl, out + pn_off + 4, 16));
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < s->pnlen; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

/* Frames. */
struct fb {
	uint8_t b[4096];
	size_t n;
};

static void
fb_put(struct fb *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
fb_varint(struct fb *f, uint64_t v)
{
	uint8_t b[8];

	if (v < 64) {
		b[0] = (uint8_t)v;
		fb_put(f, b, 1);
	} else if (v < 16384) {
		b[0] = (uint8_t)(0x40 | v >> 8);
		b[1] = (uint8_t)v;
		fb_put(f, b, 2);
	} else {
		assert_true(v < (1u << 30));
		b[0] = (uint8_t)(0x80 | v >> 24);
		b[1] = (uint8_t)(v >> 16);
		b[2] = (uint8_t)(v >> 8);
		b[3] = (uint8_t)v;
		fb_put(f, b, 4);
	}
}

static void
fb_crypto(struct fb *f, uint64_t off, const uint8_t *data, size_t len)
{
	fb_varint(f, 0x06);
	fb_varint(f, off);
	fb_varint(f, len);
	fb_put(f, data, len);
}

static void
fb_pad(struct fb *f, size_t to)
{
	while (f->n < to)
		fb_put(f, "", 1);
}

/* A datagram of one Initial carrying payload (v1, RFC DCID, pn). */
static size_t
initial(uint32_t version, const struct fb *f, uint32_t pn, uint8_t *out)
{
	struct spec s = { .version = version, .type = P_INITIAL,
	    .dcid = rfc_dcid, .dcid_len = 8, .scid_len = 4, .pn = pn,
	    .pnlen = 2, .payload = f->b, .payload_len = f->n };

	return protect(&s, out);
}

#endif
