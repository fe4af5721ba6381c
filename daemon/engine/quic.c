/*
 * quic.c - client Initial packets of QUIC v1 and v2 (see quic.h).
 *
 * One datagram: lh_parse() reads each long header, open_initial() removes
 * header and packet protection into the caller's plaintext buffer, and
 * frames_walk() runs twice over the plaintext: in the first pass over the
 * datagram each Initial is opened and its frames checked; only when every
 * packet passed does the second pass deliver the CRYPTO frames. Key derivation is HKDF-SHA256 written
 * out over one HMAC context per salt (keyed once, in quic_ctx_new) and one
 * for the expansions: no OpenSSL context is created per packet (OpenSSL
 * itself allocates when an HMAC is re-keyed, see quic.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "core/bytes.h"
#include "engine/quic.h"

static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};

/* Long header packet types, as numbered by each version. */
enum lh_type { LH_INITIAL, LH_0RTT, LH_HANDSHAKE, LH_RETRY };

#define FRAME_PADDING 0x00
#define FRAME_PING 0x01
#define FRAME_ACK 0x02
#define FRAME_ACK_ECN 0x03
#define FRAME_CRYPTO 0x06
#define FRAME_CLOSE 0x1c
#define VARINT_MAX ((1ull << 62) - 1)
#define TAG_LEN 16
#define SAMPLE_LEN 16

struct quic_ctx {
	EVP_MAC *mac;
	EVP_MAC_CTX *salt[2];	/* HMAC-SHA256 keyed with the v1, v2 salt */
	EVP_MAC_CTX *hmac;	/* HMAC-SHA256 keyed per expansion */
	EVP_CIPHER_CTX *gcm;	/* AES-128-GCM, decrypt */
	EVP_CIPHER_CTX *ecb;	/* AES-128-ECB, header protection */
};

/* One long-header packet of a known version, located in the datagram. */
struct lh {
	uint32_t version;
	enum lh_type type;
	const uint8_t *dcid;
	uint8_t dcid_len;
	size_t token_len;
	size_t pn_off;		/* from the packet start */
	size_t end;		/* packet length: pn_off + Length */
};

/* --- key derivation ------------------------------------------------ */

static int
hmac_run(EVP_MAC_CTX *m, const uint8_t *key, size_t keylen,
    const uint8_t *data, size_t n, uint8_t out[32])
{
	size_t outl;

	if (!EVP_MAC_init(m, key, keylen, NULL) ||
	    !EVP_MAC_update(m, data, n) ||
	    !EVP_MAC_final(m, out, &outl, 32) || outl != 32)
		return -1;
	return 0;
}

/* HKDF-Expand-Label(secret, label, "", len) for len <= 32: one HMAC block.
 * With secret NULL the context keeps its previous key. */
static int
expand_label(EVP_MAC_CTX *m, const uint8_t *secret, const char *label,
    uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + 1], t[32];
	size_t ll = strlen(label), n = 0;

	info[n++] = 0;
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;		/* empty context */
	info[n++] = 1;		/* block counter */
	if (hmac_run(m, secret, secret != NULL ? 32 : 0, info, n, t) < 0)
		return -1;
	memcpy(out, t, len);
	return 0;
}

int
quic_keys_derive(struct quic_ctx *ctx, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, struct quic_keys *out)
{
	uint8_t initial[32], client[32];
	bool v2 = version == QUIC_V2;
	int rc = -1;

	if ((version != QUIC_V1 && !v2) || dcid_len > QUIC_CID_MAX)
		return -1;
	if (hmac_run(ctx->salt[v2], NULL, 0, dcid, dcid_len, initial) < 0 ||
	    expand_label(ctx->hmac, initial, "client in", client, 32) < 0 ||
	    expand_label(ctx->hmac, client, v2 ? "quicv2 key" : "quic key",
	    out->key, 16) < 0 ||
	    expand_label(ctx->hmac, NULL, v2 ? "quicv2 iv" : "quic iv",
	    out->iv, 12) < 0 ||
	    expand_label(ctx->hmac, NULL, v2 ? "quicv2 hp" : "quic hp",
	    out->hp, 16) < 0)
		goto out;
	out->set = true;
	out->version = version;
	out->dcid_len = (uint8_t)dcid_len;
	memcpy(out->dcid, dcid, dcid_len);
	rc = 0;
out:
	OPENSSL_cleanse(initial, sizeof(initial));
	OPENSSL_cleanse(client, sizeof(client));
	return rc;
}

/* --- context ------------------------------------------------------- */

static EVP_MAC_CTX *
hmac_new(EVP_MAC *mac, const uint8_t *key, size_t keylen)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *m;

	if ((m = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(m, params) ||
	    (key != NULL && !EVP_MAC_init(m, key, keylen, NULL))) {
		EVP_MAC_CTX_free(m);
		return NULL;
	}
	return m;
}

struct quic_ctx *
quic_ctx_new(struct verr *e)
{
	struct quic_ctx *ctx;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		verr_set(e, "quic: out of memory");
		return NULL;
	}
	if ((ctx->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx->salt[0] = hmac_new(ctx->mac, salt_v1, 20)) == NULL ||
	    (ctx->salt[1] = hmac_new(ctx->mac, salt_v2, 20)) == NULL ||
	    (ctx->hmac = hmac_new(ctx->mac, NULL, 0)) == NULL ||
	    (ctx->gcm = EVP_CIPHER_CTX_new()) == NULL ||
	    (ctx->ecb = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_DecryptInit_ex(ctx->gcm, EVP_aes_128_gcm(), NULL, NULL,
	    NULL) ||
	    !EVP_EncryptInit_ex(ctx->ecb, EVP_aes_128_ecb(), NULL, NULL,
	    NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx->ecb, 0)) {
		verr_set(e, "quic: OpenSSL HMAC-SHA256/AES-128 setup failed");
		quic_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void
quic_ctx_free(struct quic_ctx *ctx)
{
	if (ctx == NULL)
		return;
	EVP_CIPHER_CTX_free(ctx->ecb);
	EVP_CIPHER_CTX_free(ctx->gcm);
	EVP_MAC_CTX_free(ctx->hmac);
	EVP_MAC_CTX_free(ctx->salt[1]);
	EVP_MAC_CTX_free(ctx->salt[0]);
	EVP_MAC_free(ctx->mac);
	free(ctx);
}

/* --- headers ------------------------------------------------------- */


/* A variable-length integer (RFC 9000 16) at *off; false if truncated. */
static inline bool
varint(const uint8_t *p, size_t n, size_t *off, uint64_t *v)
{
	size_t len, i;
	uint64_t x;

	if (*off >= n)
		return false;
	if (p[*off] < 0x40) {
		*v = p[(*off)++];
		return true;
	}
	len = (size_t)1 << (p[*off] >> 6);
	if (len > n - *off)
		return false;
	x = p[*off] & 0x3f;
	for (i = 1; i < len; i++)
		x = x << 8 | p[*off + i];
	*off += len;
	*v = x;
	return true;
}

static bool
known_version(uint32_t v)
{
	return v == QUIC_V1 || v == QUIC_V2;
}

static enum lh_type
lh_type_of(uint32_t version, uint8_t b0)
{
	unsigned t = (b0 >> 4) & 3;

	if (version == QUIC_V2)		/* RFC 9369 3.2 */
		return t == 1 ? LH_INITIAL : t == 2 ? LH_0RTT :
		    t == 3 ? LH_HANDSHAKE : LH_RETRY;
	return (enum lh_type)t;
}

bool
quic_is_initial(const uint8_t *p, size_t len)
{
	uint32_t v;

	if (len < 7 || !(p[0] & 0x80))
		return false;
	v = rd32(p + 1);
	return known_version(v) && lh_type_of(v, p[0]) == LH_INITIAL &&
	    p[5] <= QUIC_CID_MAX;
}

/* The long header at p (n bytes to the end of the datagram).
 * QUIC_NOT_INITIAL: not a long header of a known version (or a Retry, which
 * has no Length); QUIC_MALFORMED: a known version that does not parse. */
static enum quic_status
lh_parse(const uint8_t *p, size_t n, struct lh *h)
{
	size_t off = 6;
	uint64_t v, len;

	h->dcid_len = 0;
	if (n < 5 || !(p[0] & 0x80))
		return QUIC_NOT_INITIAL;
	h->dcid = p + 5;
	h->version = rd32(p + 1);
	if (!known_version(h->version))
		return QUIC_NOT_INITIAL;
	h->type = lh_type_of(h->version, p[0]);
	if (h->type == LH_RETRY)
		return QUIC_NOT_INITIAL;
	if (n < 6 || p[5] > QUIC_CID_MAX || p[5] > n - off)
		return QUIC_MALFORMED;
	h->dcid = p + off;
	h->dcid_len = p[5];
	off += h->dcid_len;
	if (off >= n || p[off] > QUIC_CID_MAX || p[off] >= n - off)
		return QUIC_MALFORMED;
	off += 1 + p[off];
	h->token_len = 0;
	if (h->type == LH_INITIAL) {
		if (!varint(p, n, &off, &v) || v > n - off)
			return QUIC_MALFORMED;
		h->token_len = (size_t)v;
		off += h->token_len;
	}
	if (!varint(p, n, &off, &len) || len > n - off)
		return QUIC_MALFORMED;
	h->pn_off = off;
	h->end = off + (size_t)len;
	return QUIC_OK;
}

/* --- packet protection --------------------------------------------- */

/* Remove the protection of the Initial at p with keys k into plain (room
 * bytes). *ptlen gets the plaintext length, *pn the packet number. */
static enum quic_status
open_with(struct quic_ctx *ctx, const uint8_t *p, const struct lh *h,
    const struct quic_keys *k, uint8_t *plain, size_t room, size_t *ptlen,
    uint32_t *pn)
{
	uint8_t mask[32], b0, pnb[4], nonce[12], tag[TAG_LEN];
	size_t pnlen, ctlen, i;
	int outl, fl;

	if (h->end - h->pn_off < 4 + SAMPLE_LEN)
		return QUIC_MALFORMED;
	if (!EVP_EncryptInit_ex(ctx->ecb, NULL, NULL, k->hp, NULL) ||
	    !EVP_EncryptUpdate(ctx->ecb, mask, &outl, p + h->pn_off + 4,
	    SAMPLE_LEN))
		return QUIC_ERROR;
	b0 = p[0] ^ (mask[0] & 0x0f);
	pnlen = (b0 & 3) + 1;
	*pn = 0;
	for (i = 0; i < pnlen; i++) {
		pnb[i] = p[h->pn_off + i] ^ mask[1 + i];
		*pn = *pn << 8 | pnb[i];
	}
	ctlen = h->end - h->pn_off - pnlen;
	if (ctlen < TAG_LEN + 1)
		return QUIC_MALFORMED;
	ctlen -= TAG_LEN;
	if (ctlen > room)
		return QUIC_ERROR;
	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 4; i++)
		nonce[8 + i] ^= (uint8_t)(*pn >> (24 - 8 * i));
	memcpy(tag, p + h->end - TAG_LEN, TAG_LEN);
	if (!EVP_DecryptInit_ex(ctx->gcm, NULL, NULL, k->key, nonce) ||
	    !EVP_DecryptUpdate(ctx->gcm, NULL, &outl, &b0, 1) ||
	    !EVP_DecryptUpdate(ctx->gcm, NULL, &outl, p + 1, (int)h->pn_off - 1) ||
	    !EVP_DecryptUpdate(ctx->gcm, NULL, &outl, pnb, (int)pnlen) ||
	    !EVP_DecryptUpdate(ctx->gcm, plain, &outl, p + h->pn_off + pnlen,
	    (int)ctlen) ||
	    !EVP_CIPHER_CTX_ctrl(ctx->gcm, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag))
		return QUIC_ERROR;
	if (EVP_DecryptFinal_ex(ctx->gcm, plain + outl, &fl) <= 0)
		return QUIC_UNDECRYPTABLE;
	if (b0 & 0x0c)		/* reserved bits, RFC 9000 17.2 */
		return QUIC_MALFORMED;
	*ptlen = ctlen;
	return QUIC_OK;
}

/* Open with the flow's cached keys, or keys from the packet's DCID (see
 * quic.h); a fresh key set that works is stored in the cache. */
static enum quic_status
open_initial(struct quic_ctx *ctx, const uint8_t *p, const struct lh *h,
    struct quic_keys *cache, uint8_t *plain, size_t room, size_t *ptlen,
    uint32_t *pn, uint8_t *flags)
{
	struct quic_keys fresh;
	enum quic_status s;
	bool cached = cache != NULL && cache->set &&
	    cache->version == h->version;

	if (cached) {
		s = open_with(ctx, p, h, cache, plain, room, ptlen, pn);
		if (s != QUIC_UNDECRYPTABLE || (cache->dcid_len == h->dcid_len &&
		    memcmp(cache->dcid, h->dcid, h->dcid_len) == 0))
			return s;
	}
	if (quic_keys_derive(ctx, h->version, h->dcid, h->dcid_len,
	    &fresh) < 0)
		return QUIC_ERROR;
	s = open_with(ctx, p, h, &fresh, plain, room, ptlen, pn);
	if (s == QUIC_OK && cache != NULL) {
		if (cached)
			*flags |= QUIC_F_REKEYED;
		*cache = fresh;
	}
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	return s;
}

/* --- frames -------------------------------------------------------- */

static bool
skip_ack(const uint8_t *p, size_t n, size_t *off, bool ecn)
{
	uint64_t largest, delay, count, first, gap, len, i;

	if (!varint(p, n, off, &largest) || !varint(p, n, off, &delay) ||
	    !varint(p, n, off, &count) || !varint(p, n, off, &first))
		return false;
	for (i = 0; i < count; i++)
		if (!varint(p, n, off, &gap) || !varint(p, n, off, &len))
			return false;
	if (ecn)
		for (i = 0; i < 3; i++)
			if (!varint(p, n, off, &len))
				return false;
	return true;
}

static bool
skip_close(const uint8_t *p, size_t n, size_t *off)
{
	uint64_t code, ftype, rlen;

	if (!varint(p, n, off, &code) || !varint(p, n, off, &ftype) ||
	    !varint(p, n, off, &rlen) || rlen > n - *off)
		return false;
	*off += (size_t)rlen;
	return true;
}

/* The end of a run of PADDING (zero bytes) from off, a word at a time. */
static size_t
skip_zeros(const uint8_t *p, size_t n, size_t off)
{
	uint64_t w;

	while (n - off >= 8) {
		memcpy(&w, p + off, 8);
		if (w != 0)
			break;
		off += 8;
	}
	while (off < n && p[off] == 0)
		off++;
	return off;
}

/* What the frame walk does: check only, or deliver to cb (if any) and
 * count; stop is set when cb asks to stop. */
struct walk {
	bool deliver;
	bool stop;
	quic_crypto_fn cb;
	void *arg;
	struct quic_info *info;
};

/* The frames of one Initial's plaintext: QUIC_OK or QUIC_MALFORMED. */
static enum quic_status
frames_walk(const uint8_t *p, size_t n, struct walk *w)
{
	size_t off = 0;
	uint64_t type, coff, clen;

	if (n == 0)
		return QUIC_MALFORMED;
	while (off < n && !w->stop) {
		if (!varint(p, n, &off, &type))
			return QUIC_MALFORMED;
		switch (type) {
		case FRAME_PADDING:
			off = skip_zeros(p, n, off);
			break;
		case FRAME_PING:
			break;
		case FRAME_ACK:
		case FRAME_ACK_ECN:
			if (!skip_ack(p, n, &off, type == FRAME_ACK_ECN))
				return QUIC_MALFORMED;
			break;
		case FRAME_CRYPTO:
			if (!varint(p, n, &off, &coff) ||
			    !varint(p, n, &off, &clen) || clen > n - off ||
			    coff + clen > VARINT_MAX)
				return QUIC_MALFORMED;
			if (w->deliver) {
				w->info->crypto_frames++;
				if (w->cb != NULL &&
				    w->cb(w->arg, coff, p + off, (size_t)clen))
					w->stop = true;
			}
			off += (size_t)clen;
			break;
		case FRAME_CLOSE:
			if (!skip_close(p, n, &off))
				return QUIC_MALFORMED;
			if (w->deliver)
				w->info->flags |= QUIC_F_CLOSE;
			break;
		default:
			return QUIC_MALFORMED;
		}
	}
	return QUIC_OK;
}

/* --- datagrams ----------------------------------------------------- */

/* An Initial that opened and whose frames check: where its plaintext is. */
struct opened {
	size_t off, len;
};

/* The state of one datagram walk (first pass: open and check). */
struct dwalk {
	struct quic_ctx *ctx;
	struct quic_keys *keys;
	uint8_t *plain;
	size_t plain_size, pos;
	struct walk w;
	enum quic_status bad;		/* QUIC_OK, or the first failure */
	unsigned nopened;
	struct opened op[QUIC_PKTS_MAX];
};

static void
dw_fail(struct dwalk *d, enum quic_status s)
{
	if (d->bad == QUIC_OK)
		d->bad = s;
}

/* One Initial at p: open it and check its frames (nothing delivered). */
static void
dw_initial(struct dwalk *d, const uint8_t *p, const struct lh *h)
{
	struct quic_info *info = d->w.info;
	enum quic_status s;
	size_t ptlen = 0;
	uint32_t pn = 0;

	if (d->nopened == QUIC_PKTS_MAX) {
		dw_fail(d, QUIC_MALFORMED);
		return;
	}
	s = open_initial(d->ctx, p, h, d->keys, d->plain + d->pos,
	    d->plain_size - d->pos, &ptlen, &pn, &info->flags);
	d->w.deliver = false;
	if (s == QUIC_OK)
		s = frames_walk(d->plain + d->pos, ptlen, &d->w);
	if (s != QUIC_OK) {
		if (d->nopened > 0)
			info->flags |= QUIC_F_TRAILING_BAD;
		dw_fail(d, s);
		return;
	}
	if (info->initials++ == 0)
		info->pn = pn;
	if (h->token_len > 0)
		info->flags |= QUIC_F_TOKEN;
	d->op[d->nopened].off = d->pos;
	d->op[d->nopened++].len = ptlen;
	d->pos += ptlen;
}

/* The next packet of the datagram: false to stop the walk. A packet of
 * another version or DCID ends it (RFC 9000 12.2: ignored by receivers);
 * one of ours whose header does not parse makes the datagram malformed. */
static bool
next_packet(struct dwalk *d, const uint8_t *p, size_t n, struct lh *h)
{
	struct quic_info *info = d->w.info;
	enum quic_status s;

	s = lh_parse(p, n, h);
	if (s == QUIC_MALFORMED && h->version == info->version &&
	    h->dcid_len == info->dcid_len &&
	    memcmp(h->dcid, info->dcid, h->dcid_len) == 0) {
		info->flags |= QUIC_F_TRAILING_BAD;
		dw_fail(d, QUIC_MALFORMED);
		return false;
	}
	if (s != QUIC_OK || h->version != info->version ||
	    h->dcid_len != info->dcid_len ||
	    memcmp(h->dcid, info->dcid, h->dcid_len) != 0) {
		info->flags |= QUIC_F_TRAILING;
		return false;
	}
	return true;
}

enum quic_status
quic_parse(struct quic_ctx *ctx, const uint8_t *dgram, size_t len,
    struct quic_keys *keys, uint8_t *plain, size_t plain_size,
    quic_crypto_fn cb, void *arg, struct quic_info *info)
{
	struct quic_info dummy;
	struct dwalk d = { .ctx = ctx, .keys = keys, .plain = plain,
	    .plain_size = plain_size, .bad = QUIC_OK };
	struct lh h = { .type = LH_RETRY };
	enum quic_status s;
	size_t off = 0;

	d.w.cb = cb;
	d.w.arg = arg;
	d.w.info = info != NULL ? info : &dummy;
	memset(d.w.info, 0, sizeof(*d.w.info));
	s = lh_parse(dgram, len, &h);
	if (s != QUIC_OK)
		return s == QUIC_MALFORMED && h.type == LH_INITIAL ?
		    QUIC_MALFORMED : QUIC_NOT_INITIAL;
	d.w.info->version = h.version;
	d.w.info->dcid = h.dcid;
	d.w.info->dcid_len = h.dcid_len;
	/* First pass: every packet (RFC 9000 12.2: a receiver processes each
	 * coalesced packet, whatever became of the ones before it). */
	for (;;) {
		if (h.type == LH_INITIAL)
			dw_initial(&d, dgram + off, &h);
		else
			d.w.info->flags |= QUIC_F_SKIPPED;
		off += h.end;
		if (off >= len || !next_packet(&d, dgram + off, len - off, &h))
			break;
	}
	if (d.bad != QUIC_OK)
		return d.bad;
	if (d.nopened == 0)
		return QUIC_NOT_INITIAL;
	/* Second pass: the whole datagram is good; deliver. */
	d.w.deliver = true;
	for (unsigned i = 0; i < d.nopened && !d.w.stop; i++)
		(void)frames_walk(plain + d.op[i].off, d.op[i].len, &d.w);
	return QUIC_OK;
}

unsigned
quic_scan(const uint8_t *dgram, size_t len)
{
	struct lh h = { .type = LH_RETRY }, first;
	unsigned flags = 0;
	size_t off = 0;

	if (len >= 5 && (dgram[0] & 0x80) && !known_version(rd32(dgram + 1)))
		return QUIC_SCAN_UNKNOWN_VERSION;
	if (lh_parse(dgram, len, &h) != QUIC_OK)
		return 0;
	first = h;
	for (;;) {
		if (h.type == LH_INITIAL)
			flags |= QUIC_SCAN_INITIAL;
		off += h.end;
		if (off >= len || lh_parse(dgram + off, len - off, &h) !=
		    QUIC_OK || h.version != first.version ||
		    h.dcid_len != first.dcid_len ||
		    memcmp(h.dcid, first.dcid, h.dcid_len) != 0)
			return flags;
	}
}

/* --- convenience --------------------------------------------------- */

#define SNI_RANGES 64

struct sni_join {
	uint8_t *hs;
	size_t cap;
	size_t nranges;
	uint64_t lo[SNI_RANGES], hi[SNI_RANGES];
};

static int
sni_join_frame(void *arg, uint64_t offset, const uint8_t *data, size_t len)
{
	struct sni_join *j = arg;
	size_t n;

	if (offset >= j->cap)
		return 0;
	n = MIN(len, j->cap - (size_t)offset);
	memcpy(j->hs + offset, data, n);
	if (j->nranges < SNI_RANGES) {
		j->lo[j->nranges] = offset;
		j->hi[j->nranges++] = offset + n;
	}
	return 0;
}

/* Length of the contiguous prefix from offset 0. */
static size_t
sni_prefix(const struct sni_join *j)
{
	uint64_t have = 0;
	bool grew = true;
	size_t i;

	while (grew) {
		grew = false;
		for (i = 0; i < j->nranges; i++)
			if (j->lo[i] <= have && j->hi[i] > have) {
				have = j->hi[i];
				grew = true;
			}
	}
	return (size_t)have;
}

enum quic_status
quic_sni(struct quic_ctx *ctx, const uint8_t *dgram, size_t len, uint8_t *buf,
    size_t bufsize, enum tls_status *ts, struct tls_hello *hello)
{
	struct sni_join j;
	enum quic_status s;

	memset(hello, 0, sizeof(*hello));
	*ts = TLS_NEED_MORE;
	if (bufsize < len + TLS_SCRATCH_MAX)
		return QUIC_ERROR;
	j.hs = buf + len;
	j.cap = bufsize - len;
	j.nranges = 0;
	s = quic_parse(ctx, dgram, len, NULL, buf, len, sni_join_frame, &j,
	    NULL);
	if (s == QUIC_OK)
		*ts = tls_parse_handshake(j.hs, sni_prefix(&j), hello);
	return s;
}

const char *
quic_status_name(enum quic_status s)
{
	switch (s) {
	case QUIC_OK:
		return "ok";
	case QUIC_NOT_INITIAL:
		return "not-initial";
	case QUIC_MALFORMED:
		return "malformed";
	case QUIC_UNDECRYPTABLE:
		return "undecryptable";
	case QUIC_ERROR:
		return "error";
	}
	return "?";
}
