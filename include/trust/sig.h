/*
 * sig.h - minisign signatures, as made by the stock `minisign` tool
 * (https://jedisct1.github.io/minisign/), verified with OpenSSL libcrypto.
 *
 * Public key: an optional "untrusted comment: ..." line, then the base64 of
 *   "Ed" || key id (8 bytes) || Ed25519 public key (32 bytes).
 * Signature file (four lines):
 *   untrusted comment: <anything>
 *   base64("ED" || key id || Ed25519(BLAKE2b-512(file)))    prehashed
 *       or ("Ed" || key id || Ed25519(file))                legacy
 *   trusted comment: <text>
 *   base64(Ed25519(signature || text))                      global signature
 *
 * The key id picks the key in a key ring (several trusted keys, so an
 * authority can roll its key over). Both signatures are checked: the first
 * proves the bytes, the global one proves the trusted comment (minisign puts
 * a timestamp and the file name there; `veto list verify` prints it).
 * Legacy "Ed" signatures are refused unless SIG_ALLOW_LEGACY is given: they
 * hash the whole file inside Ed25519 and minisign 0.11 no longer makes them
 * by default.
 *
 * Limits: a signature file is at most SIG_FILE_MAX bytes, a trusted comment
 * SIG_COMMENT_MAX; the message is hashed in place (one pass of BLAKE2b over
 * the caller's bytes, no copy), so a 1 GiB list costs one read of memory.
 *
 * Key ids print as minisign prints them: the 8 bytes as a little-endian
 * 64-bit number in upper-case hex without leading zeros ("26C2BE03AE2DBFB5",
 * "482880A6662E269"), so they can be compared with a key file's comment.
 *
 * No allocation survives a call; everything is thread-safe.
 */
#ifndef VETO_SIG_H
#define VETO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define SIG_KEYID_LEN 8
#define SIG_PK_LEN 32
#define SIG_LEN 64
#define SIG_MAX_KEYS 32		/* keys in one ring */
#define SIG_FILE_MAX 16384	/* bytes of a signature file */
#define SIG_COMMENT_MAX 8192	/* bytes of a trusted comment (minisign's cap) */
#define SIG_KEY_FILE_MAX 4096	/* bytes of a public key file */

enum sig_flags {
	SIG_ALLOW_LEGACY = 1u << 0,	/* accept "Ed" (non-prehashed) signatures */
};

struct sig_key {
	uint8_t id[SIG_KEYID_LEN];
	uint8_t pk[SIG_PK_LEN];
};

struct sig_keyring {
	struct sig_key keys[SIG_MAX_KEYS];
	unsigned n;
};

/* A signature file, parsed (not yet verified). */
struct sig {
	bool legacy;			/* "Ed" rather than "ED" */
	uint8_t id[SIG_KEYID_LEN];
	uint8_t sig[SIG_LEN];
	uint8_t global[SIG_LEN];
	char comment[SIG_COMMENT_MAX + 1];	/* trusted comment, NUL-terminated */
	size_t comment_len;
};

/* What a successful verification tells the caller. */
struct sig_info {
	uint8_t id[SIG_KEYID_LEN];
	bool legacy;
	char comment[SIG_COMMENT_MAX + 1];	/* the trusted comment */
};

/* A public key from the text of a key file, or from its bare base64 line. */
int sig_key_parse(const char *text, size_t len, struct sig_key *k,
    struct verr *e);
/* A public key from a file (minisign.pub). */
int sig_key_load(const char *path, struct sig_key *k, struct verr *e);
/* Add a key to a ring; a key already there (same id and key) is skipped,
 * another key under the same id is refused. */
int sig_keyring_add(struct sig_keyring *r, const struct sig_key *k,
    struct verr *e);
/* Parse `text` as sig_key_parse() would, or, if that fails and `text`
 * names a readable file, load that file. For `veto list verify -k KEY`. */
int sig_keyring_add_arg(struct sig_keyring *r, const char *arg, struct verr *e);

/* Parse a signature file. */
int sig_parse(const uint8_t *buf, size_t len, struct sig *s, struct verr *e);
/* Verify a parsed signature over msg with a key from the ring. */
int sig_check(const struct sig_keyring *r, const struct sig *s,
    const uint8_t *msg, size_t msglen, unsigned flags, struct verr *e);
/* Both at once; on success fill `info` (may be NULL). */
int sig_verify(const struct sig_keyring *r, const uint8_t *msg, size_t msglen,
    const uint8_t *sigbuf, size_t siglen, unsigned flags,
    struct sig_info *info, struct verr *e);

/* "26C2BE03AE2DBFB5", as minisign prints it (no leading zeros) */
void sig_keyid_hex(const uint8_t id[SIG_KEYID_LEN], char out[2 * SIG_KEYID_LEN + 1]);

/* Strict base64 (RFC 4648, standard alphabet, padding required, no white
 * space). Returns the decoded length, or -1. */
long sig_base64_decode(const char *in, size_t len, uint8_t *out, size_t outcap);

#endif
