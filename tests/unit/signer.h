/*
 * signer.h - a minisign signer for the tests, so they can sign the many
 * list variants they need without running a process per case. It reads a
 * secret key made by `minisign -G -W` (unencrypted) and writes what
 * `minisign -S` writes. Ed25519 is deterministic, so test_sig checks that
 * its output equals the committed output of the real minisign byte for
 * byte: that is what makes it trustworthy as a fixture maker.
 *
 * Secret key layout (base64 on the second line): "Ed" | kdf "\0\0" | "B2" |
 * salt[32] | opslimit[8] | memlimit[8] | key id[8] | seed[32] pk[32] |
 * checksum[32].
 */
#ifndef VETO_TEST_SIGNER_H
#define VETO_TEST_SIGNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "trust/sig.h"
#include "core/util.h"

struct signer {
	uint8_t id[8];
	uint8_t seed[32];
	uint8_t pk[32];
};

static inline int
signer_load(const char *path, struct signer *s)
{
	uint8_t *buf, raw[200];
	size_t len;
	char *line;
	long n;
	struct verr e;

	if (file_read(path, 4096, &buf, &len, &e) == -1)
		return -1;
	line = strchr((char *)buf, '\n');
	if (line == NULL) {
		free(buf);
		return -1;
	}
	line++;
	line[strcspn(line, "\r\n")] = '\0';
	n = sig_base64_decode(line, strlen(line), raw, sizeof(raw));
	free(buf);
	if (n != 158 || memcmp(raw, "Ed", 2) != 0 || raw[2] != 0 || raw[3] != 0)
		return -1;
	memcpy(s->id, raw + 54, 8);
	memcpy(s->seed, raw + 62, 32);
	memcpy(s->pk, raw + 94, 32);
	return 0;
}

static inline int
signer_ed25519(const struct signer *s, const uint8_t *m, size_t n, uint8_t sig[64])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, s->seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = 64;
	int rc = -1;

	if (k != NULL && ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &slen, m, n) == 1 && slen == 64)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

/* Sign msg as `minisign -S [-l] -t tcomment` would; returns a malloc'ed
 * signature file and its length, or NULL. */
static inline char *
signer_sign(const struct signer *s, const uint8_t *msg, size_t len,
    const char *tcomment, bool legacy, size_t *outlen)
{
	uint8_t hash[64], line1[74], sig[64], global[64], *joined;
	char b1[120], b2[100], *out;
	size_t tn = strlen(tcomment), cap;
	unsigned hl = 64;

	memcpy(line1, legacy ? "Ed" : "ED", 2);
	memcpy(line1 + 2, s->id, 8);
	if (legacy) {
		if (signer_ed25519(s, msg, len, sig) == -1)
			return NULL;
	} else if (EVP_Digest(msg, len, hash, &hl, EVP_blake2b512(), NULL) != 1 ||
	    signer_ed25519(s, hash, 64, sig) == -1) {
		return NULL;
	}
	memcpy(line1 + 10, sig, 64);
	joined = malloc(64 + tn);
	memcpy(joined, sig, 64);
	memcpy(joined + 64, tcomment, tn);
	if (signer_ed25519(s, joined, 64 + tn, global) == -1) {
		free(joined);
		return NULL;
	}
	free(joined);
	EVP_EncodeBlock((unsigned char *)b1, line1, 74);
	EVP_EncodeBlock((unsigned char *)b2, global, 64);
	cap = tn + 400;
	out = malloc(cap);
	*outlen = (size_t)snprintf(out, cap, "untrusted comment: signature from "
	    "minisign secret key\n%s\ntrusted comment: %s\n%s\n", b1, tcomment, b2);
	return out;
}

/* The public key line of the signer (base64 of "Ed" | id | pk). */
static inline void
signer_pubkey(const struct signer *s, char out[64])
{
	uint8_t raw[42];

	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, s->id, 8);
	memcpy(raw + 10, s->pk, 32);
	EVP_EncodeBlock((unsigned char *)out, raw, 42);
}

#endif
