/*
 * fuzz_quic.c - libFuzzer target for quic.c. Random bytes almost never
 * pass the AEAD tag, so each input is used three ways:
 *   1. as a UDP datagram (headers, coalescing, the key cache);
 *   2. as the plaintext of an Initial, through the frame walk directly;
 *   3. as that plaintext protected by the harness into a real Initial (v1
 *      or v2 by the input's parity), through quic_parse() and quic_sni(),
 *      so frames and the ClientHello in CRYPTO data are reached for real;
 *   4. that Initial coalesced before the input's own bytes (a second
 *      packet that is most often broken): every packet is walked, and a
 *      datagram is read whole or not at all.
 * Delivered CRYPTO frames must lie inside the plaintext buffer; a datagram
 * that is not QUIC_OK delivers nothing; quic_scan() agrees with the walk.
 */
#include <stdlib.h>
#include <string.h>

#include "../../daemon/engine/quic.c"

static struct quic_ctx *ctx;
static EVP_CIPHER_CTX *enc;
static uint8_t plain[4096];
static uint8_t work[4096 + TLS_SCRATCH_MAX];
static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 8 };

static unsigned delivered;

static int
check_frame(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	(void)arg;
	delivered++;
	if (data < plain || data + len > plain + sizeof(plain) ||
	    off + len > VARINT_MAX)
		abort();
	return 0;
}

/* An Initial to dcid, packet number 0 in one byte, payload p (>= 3). */
static size_t
protect(uint32_t version, const uint8_t *p, size_t n, uint8_t *out)
{
	struct quic_keys k;
	uint8_t mask[32];
	size_t h = 0, len = 1 + n + 16;
	int outl;

	if (quic_keys_derive(ctx, version, dcid, 8, &k) < 0)
		abort();
	out[h++] = version == QUIC_V2 ? 0xd0 : 0xc0;
	out[h++] = (uint8_t)(version >> 24);
	out[h++] = (uint8_t)(version >> 16);
	out[h++] = (uint8_t)(version >> 8);
	out[h++] = (uint8_t)version;
	out[h++] = 8;
	memcpy(out + h, dcid, 8);
	h += 8;
	out[h++] = 0;			/* SCID */
	out[h++] = 0;			/* token */
	out[h++] = (uint8_t)(0x40 | len >> 8);
	out[h++] = (uint8_t)len;
	out[h++] = 0;			/* packet number 0 */
	if (!EVP_EncryptInit_ex(enc, EVP_aes_128_gcm(), NULL, k.key, k.iv) ||
	    !EVP_EncryptUpdate(enc, NULL, &outl, out, (int)h) ||
	    !EVP_EncryptUpdate(enc, out + h, &outl, p, (int)n) ||
	    !EVP_EncryptFinal_ex(enc, out + h + outl, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_GCM_GET_TAG, 16, out + h + n) ||
	    !EVP_EncryptInit_ex(enc, EVP_aes_128_ecb(), NULL, k.hp, NULL) ||
	    !EVP_EncryptUpdate(enc, mask, &outl, out + h - 1 + 4, 16))
		abort();
	out[0] ^= mask[0] & 0x0f;
	out[h - 1] ^= mask[1];
	return h + n + 16;
}

/* quic_parse() on d with the all-or-nothing and scan properties. */
static enum quic_status
parse_checked(const uint8_t *d, size_t n, struct quic_keys *keys,
    struct quic_info *info)
{
	enum quic_status s;
	unsigned scan = quic_scan(d, n);

	delivered = 0;
	s = quic_parse(ctx, d, n, keys, plain, sizeof(plain), check_frame,
	    NULL, info);
	if ((s != QUIC_OK && delivered != 0) ||
	    (s == QUIC_OK && !(scan & QUIC_SCAN_INITIAL)) ||
	    ((scan & QUIC_SCAN_UNKNOWN_VERSION) && s != QUIC_NOT_INITIAL))
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quic_keys keys;
	static uint8_t pkt[2048], payload[1500];
	struct quic_info info;
	struct walk w = { .info = &info };
	struct tls_hello hello;
	enum tls_status ts;
	size_t n;

	if (ctx == NULL) {
		struct verr e;

		if ((ctx = quic_ctx_new(&e)) == NULL ||
		    (enc = EVP_CIPHER_CTX_new()) == NULL)
			abort();
	}
	if (size > 1400)
		return 0;
	/* 1. A datagram. */
	quic_is_initial(data, size);
	parse_checked(data, size, &keys, &info);
	quic_sni(ctx, data, size, work, sizeof(work), &ts, &hello);
	/* 2. Frames. */
	memset(&info, 0, sizeof(info));
	if (frames_walk(data, size, &w) == QUIC_OK) {
		memcpy(plain, data, size);
		w.deliver = true;
		w.cb = check_frame;
		frames_walk(plain, size, &w);
	}
	/* 3. Frames in a real Initial. */
	n = size < 3 ? 3 : size;
	memset(payload, 0, n);
	memcpy(payload, data, size);
	n = protect(size % 2 ? QUIC_V2 : QUIC_V1, payload, n, pkt);
	if (quic_parse(ctx, pkt, n, NULL, plain, sizeof(plain), check_frame,
	    NULL, &info) != (frames_walk(payload, size < 3 ? 3 : size,
	    &(struct walk){ .info = &info }) == QUIC_OK ? QUIC_OK :
	    QUIC_MALFORMED))
		abort();
	quic_sni(ctx, pkt, n, work, sizeof(work), &ts, &hello);
	/* 4. That Initial, then the input's bytes in the same datagram. */
	if (n + size <= sizeof(pkt)) {
		memcpy(pkt + n, data, size);
		if (parse_checked(pkt, n + size, NULL, &info) == QUIC_OK &&
		    info.initials == 0)
			abort();
	}
	return 0;
}
