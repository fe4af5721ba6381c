/* sig.c - minisign verification with OpenSSL libcrypto. See sig.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "trust/sig.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

static const uint8_t alg_key[2] = {'E', 'd'};		/* public keys */
static const uint8_t alg_prehashed[2] = {'E', 'D'};
static const uint8_t alg_legacy[2] = {'E', 'd'};

void
sig_keyid_hex(const uint8_t id[SIG_KEYID_LEN], char out[2 * SIG_KEYID_LEN + 1])
{
	uint64_t v = 0;

	for (int i = SIG_KEYID_LEN - 1; i >= 0; i--)
		v = v << 8 | id[i];
	snprintf(out, 2 * SIG_KEYID_LEN + 1, "%" PRIX64, v);
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
sig_base64_decode(const char *in, size_t len, uint8_t *out, size_t outcap)
{
	size_t o = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		bool last = i + 4 == len;

		for (int j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)in[i + j];
			if (c == '=' && last && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[j] = b64_value(c)) < 0)
				return -1;
		}
		/* canonical: the bits dropped by padding must be zero */
		if ((pad == 1 && (v[2] & 3) != 0) || (pad == 2 && (v[1] & 15) != 0))
			return -1;
		if (o + 3 - (size_t)pad > outcap)
			return -1;
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	return (long)o;
}

/* Next line of buf[*pos..len): its start and length without "\r\n".
 * Returns false at the end of the buffer. */
static bool
next_line(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *linelen, bool *had_newline)
{
	const char *nl;
	size_t n;

	if (*pos >= len)
		return false;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += n + (nl != NULL);
	*had_newline = nl != NULL;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*linelen = n;
	return true;
}

static bool
has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && memcmp(s, prefix, pl) == 0;
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int
sig_key_parse(const char *text, size_t len, struct sig_key *k, struct verr *e)
{
	uint8_t raw[2 + SIG_KEYID_LEN + SIG_PK_LEN + 3];
	const char *line = NULL;
	size_t pos = 0, n = 0;
	bool nl;
	long got;

	if (len > SIG_KEY_FILE_MAX) {
		verr_set(e, "public key: %zu bytes, more than a key file holds", len);
		return -1;
	}
	if (!next_line(text, len, &pos, &line, &n, &nl)) {
		verr_set(e, "public key: empty");
		return -1;
	}
	if (has_prefix(line, n, UNTRUSTED_PREFIX) &&
	    !next_line(text, len, &pos, &line, &n, &nl)) {
		verr_set(e, "public key: a comment line but no key line");
		return -1;
	}
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	got = sig_base64_decode(line, n, raw, sizeof(raw));
	if (got != 2 + SIG_KEYID_LEN + SIG_PK_LEN) {
		char q[80];
		str_quote(q, sizeof(q), line, MIN(n, (size_t)60));
		verr_set(e, "public key: `%s%s' is not a minisign public key "
		    "(base64 of 42 bytes)", q, n > 60 ? "..." : "");
		return -1;
	}
	if (memcmp(raw, alg_key, 2) != 0) {
		verr_set(e, "public key: algorithm `%c%c' is not Ed25519 (`Ed')",
		    raw[0] >= 32 && raw[0] < 127 ? raw[0] : '?',
		    raw[1] >= 32 && raw[1] < 127 ? raw[1] : '?');
		return -1;
	}
	memcpy(k->id, raw + 2, SIG_KEYID_LEN);
	memcpy(k->pk, raw + 2 + SIG_KEYID_LEN, SIG_PK_LEN);
	return 0;
}

int
sig_key_load(const char *path, struct sig_key *k, struct verr *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(path, SIG_KEY_FILE_MAX, &buf, &len, e) == -1)
		return -1;
	rc = sig_key_parse((const char *)buf, len, k, e);
	if (rc == -1)
		verr_prefix(e, "%s", path);
	free(buf);
	return rc;
}

int
sig_keyring_add(struct sig_keyring *r, const struct sig_key *k, struct verr *e)
{
	char hex[2 * SIG_KEYID_LEN + 1];

	for (unsigned i = 0; i < r->n; i++) {
		if (memcmp(r->keys[i].id, k->id, SIG_KEYID_LEN) != 0)
			continue;
		if (memcmp(r->keys[i].pk, k->pk, SIG_PK_LEN) == 0)
			return 0;
		sig_keyid_hex(k->id, hex);
		verr_set(e, "two different public keys carry key id %s", hex);
		return -1;
	}
	if (r->n == SIG_MAX_KEYS) {
		verr_set(e, "more than %d trusted keys", SIG_MAX_KEYS);
		return -1;
	}
	r->keys[r->n++] = *k;
	return 0;
}

int
sig_keyring_add_arg(struct sig_keyring *r, const char *arg, struct verr *e)
{
	struct sig_key k;
	struct stat st;

	if (stat(arg, &st) == 0) {
		if (sig_key_load(arg, &k, e) == -1)
			return -1;
	} else if (sig_key_parse(arg, strlen(arg), &k, e) == -1) {
		char q[80];
		str_quote(q, sizeof(q), arg, MIN(strlen(arg), (size_t)60));
		verr_set(e, "key `%s' is neither a readable file nor a minisign "
		    "public key line", q);
		return -1;
	}
	return sig_keyring_add(r, &k, e);
}

static int
sig_parse_sigline(const char *line, size_t n, struct sig *s, struct verr *e)
{
	uint8_t raw[2 + SIG_KEYID_LEN + SIG_LEN + 3];
	long got;

	got = sig_base64_decode(line, n, raw, sizeof(raw));
	if (got != 2 + SIG_KEYID_LEN + SIG_LEN) {
		verr_set(e, "signature line is not base64 of 74 bytes");
		return -1;
	}
	if (memcmp(raw, alg_prehashed, 2) == 0) {
		s->legacy = false;
	} else if (memcmp(raw, alg_legacy, 2) == 0) {
		s->legacy = true;
	} else {
		verr_set(e, "unknown signature algorithm 0x%02x%02x (expected "
		    "`ED')", raw[0], raw[1]);
		return -1;
	}
	memcpy(s->id, raw + 2, SIG_KEYID_LEN);
	memcpy(s->sig, raw + 2 + SIG_KEYID_LEN, SIG_LEN);
	return 0;
}

int
sig_parse(const uint8_t *buf, size_t len, struct sig *s, struct verr *e)
{
	const char *text = (const char *)buf, *line;
	uint8_t raw[SIG_LEN + 3];
	size_t pos = 0, n;
	bool nl;

	memset(s, 0, sizeof(*s));
	if (len > SIG_FILE_MAX) {
		verr_set(e, "signature file: %zu bytes, more than the cap of %d",
		    len, SIG_FILE_MAX);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		verr_set(e, "signature file: contains a NUL byte");
		return -1;
	}
	if (!next_line(text, len, &pos, &line, &n, &nl)) {
		verr_set(e, "truncated signature file (empty)");
		return -1;
	}
	if (!has_prefix(line, n, UNTRUSTED_PREFIX)) {
		verr_set(e, "%s: the first line is not `" UNTRUSTED_PREFIX "...'",
		    nl ? "signature file" : "truncated signature file");
		return -1;
	}
	if (!next_line(text, len, &pos, &line, &n, &nl)) {
		verr_set(e, "truncated signature file (no signature line)");
		return -1;
	}
	if (sig_parse_sigline(line, n, s, e) == -1) {
		verr_prefix(e, "%s", nl ? "signature file" :
		    "truncated signature file");
		return -1;
	}
	if (!next_line(text, len, &pos, &line, &n, &nl)) {
		verr_set(e, "truncated signature file (no trusted comment)");
		return -1;
	}
	if (!has_prefix(line, n, TRUSTED_PREFIX)) {
		verr_set(e, "%s: the third line is not `" TRUSTED_PREFIX "...'",
		    nl ? "signature file" : "truncated signature file");
		return -1;
	}
	n -= strlen(TRUSTED_PREFIX);
	if (n > SIG_COMMENT_MAX) {
		verr_set(e, "signature file: trusted comment longer than %d bytes",
		    SIG_COMMENT_MAX);
		return -1;
	}
	memcpy(s->comment, line + strlen(TRUSTED_PREFIX), n);
	s->comment[n] = '\0';
	s->comment_len = n;
	if (!next_line(text, len, &pos, &line, &n, &nl) || n == 0) {
		verr_set(e, "truncated signature file (no global signature)");
		return -1;
	}
	if (sig_base64_decode(line, n, raw, sizeof(raw)) != SIG_LEN) {
		verr_set(e, "%s: the global signature is not base64 of 64 bytes",
		    nl ? "signature file" : "truncated signature file");
		return -1;
	}
	memcpy(s->global, raw, SIG_LEN);
	while (next_line(text, len, &pos, &line, &n, &nl)) {
		if (!blank(line, n)) {
			verr_set(e, "signature file: data after the global signature");
			return -1;
		}
	}
	return 0;
}

/* Ed25519 over (a || b). Returns 1 valid, 0 invalid, -1 library failure. */
static int
ed25519_verify(const uint8_t pk[SIG_PK_LEN], const uint8_t sig[SIG_LEN],
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	EVP_PKEY *key;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *joined = NULL;
	const uint8_t *msg = a;
	int rc = -1;

	key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, SIG_PK_LEN);
	if (key == NULL)
		return -1;
	if (blen > 0) {		/* Ed25519 is one-shot: join the parts */
		joined = malloc(alen + blen);
		if (joined == NULL)
			goto out;
		memcpy(joined, a, alen);
		memcpy(joined + alen, b, blen);
		msg = joined;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1)
		goto out;
	rc = EVP_DigestVerify(ctx, sig, SIG_LEN, msg, alen + blen) == 1 ? 1 : 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	free(joined);
	return rc;
}

static const struct sig_key *
keyring_find(const struct sig_keyring *r, const uint8_t id[SIG_KEYID_LEN])
{
	for (unsigned i = 0; i < r->n; i++)
		if (memcmp(r->keys[i].id, id, SIG_KEYID_LEN) == 0)
			return &r->keys[i];
	return NULL;
}

static void
keyring_ids(const struct sig_keyring *r, char *buf, size_t size)
{
	char hex[2 * SIG_KEYID_LEN + 1];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < r->n && n < size; i++) {
		sig_keyid_hex(r->keys[i].id, hex);
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", hex);
	}
}

int
sig_check(const struct sig_keyring *r, const struct sig *s, const uint8_t *msg,
    size_t msglen, unsigned flags, struct verr *e)
{
	const struct sig_key *k;
	char hex[2 * SIG_KEYID_LEN + 1], ids[SIG_MAX_KEYS * 18 + 1];
	uint8_t hash[64];
	unsigned hlen = sizeof(hash);
	int ok;

	sig_keyid_hex(s->id, hex);
	if ((k = keyring_find(r, s->id)) == NULL) {
		keyring_ids(r, ids, sizeof(ids));
		verr_set(e, "signature by key id %s, which is not among the "
		    "trusted keys (%s)", hex, r->n ? ids : "none configured");
		return -1;
	}
	if (s->legacy && !(flags & SIG_ALLOW_LEGACY)) {
		verr_set(e, "legacy (non-prehashed) signature refused: re-sign "
		    "with minisign 0.11 or later (key id %s)", hex);
		return -1;
	}
	if (s->legacy) {
		ok = ed25519_verify(k->pk, s->sig, msg, msglen, NULL, 0);
	} else {
		if (EVP_Digest(msg, msglen, hash, &hlen, EVP_blake2b512(), NULL) != 1) {
			verr_set(e, "BLAKE2b-512 failed (OpenSSL)");
			return -1;
		}
		ok = ed25519_verify(k->pk, s->sig, hash, sizeof(hash), NULL, 0);
	}
	if (ok == -1) {
		verr_set(e, "Ed25519 verification failed to run (OpenSSL)");
		return -1;
	}
	if (ok == 0) {
		verr_set(e, "signature does not match the list (key id %s)", hex);
		return -1;
	}
	ok = ed25519_verify(k->pk, s->global, s->sig, SIG_LEN,
	    (const uint8_t *)s->comment, s->comment_len);
	if (ok != 1) {
		verr_set(e, ok == 0 ? "trusted comment was altered (the global "
		    "signature does not match it)" :
		    "Ed25519 verification failed to run (OpenSSL)");
		return -1;
	}
	return 0;
}

int
sig_verify(const struct sig_keyring *r, const uint8_t *msg, size_t msglen,
    const uint8_t *sigbuf, size_t siglen, unsigned flags,
    struct sig_info *info, struct verr *e)
{
	struct sig *s;
	int rc = -1;

	s = malloc(sizeof(*s));		/* 8 KiB: keep it off small stacks */
	if (s == NULL) {
		verr_set(e, "out of memory");
		return -1;
	}
	if (sig_parse(sigbuf, siglen, s, e) == 0 &&
	    sig_check(r, s, msg, msglen, flags, e) == 0) {
		if (info != NULL) {
			memcpy(info->id, s->id, SIG_KEYID_LEN);
			info->legacy = s->legacy;
			memcpy(info->comment, s->comment, s->comment_len + 1);
		}
		rc = 0;
	}
	free(s);
	return rc;
}
