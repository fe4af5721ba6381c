/* test_sig.c - minisign verification against files made by the stock
 * minisign tool (tests/data/lists, see make.sh there). */
#include "unit.h"

#include "trust/sig.h"
#include "signer.h"

struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob
load(const char *name)
{
	struct blob b;
	struct verr e;

	if (file_read(unit_data(name), 1 << 20, &b.p, &b.n, &e) == -1)
		fail_msg("%s", e.msg);
	return b;
}

static void
ring_add(struct sig_keyring *r, const char *name)
{
	struct sig_key k;
	struct verr e;

	if (sig_key_load(unit_data(name), &k, &e) == -1)
		fail_msg("%s", e.msg);
	assert_int_equal(sig_keyring_add(r, &k, &e), 0);
}

/* Verify hello.txt with signature `signame` against a ring of `keys`. */
static int
verify(const char *signame, const char *const *keys, unsigned flags,
    struct sig_info *info, struct verr *e)
{
	struct sig_keyring r = {.n = 0};
	struct blob m = load("lists/hello.txt"), s = load(signame);
	int rc;

	for (; *keys; keys++)
		ring_add(&r, *keys);
	rc = sig_verify(&r, m.p, m.n, s.p, s.n, flags, info, e);
	free(m.p);
	free(s.p);
	return rc;
}

static const char *const key_a[] = {"lists/a.pub", NULL};
static const char *const key_b[] = {"lists/b.pub", NULL};
static const char *const key_ab[] = {"lists/b.pub", "lists/a.pub", NULL};

static void
test_base64(void **state)
{
	uint8_t out[16];

	(void)state;
	/* RFC 4648 section 10 */
	assert_int_equal(sig_base64_decode("Zg==", 4, out, sizeof(out)), 1);
	assert_memory_equal(out, "f", 1);
	assert_int_equal(sig_base64_decode("Zm8=", 4, out, sizeof(out)), 2);
	assert_int_equal(sig_base64_decode("Zm9v", 4, out, sizeof(out)), 3);
	assert_int_equal(sig_base64_decode("Zm9vYmFy", 8, out, sizeof(out)), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(sig_base64_decode("", 0, out, sizeof(out)), -1);
	assert_int_equal(sig_base64_decode("Zm9", 3, out, sizeof(out)), -1);
	assert_int_equal(sig_base64_decode("Zh==", 4, out, sizeof(out)), -1);	/* non-canonical */
	assert_int_equal(sig_base64_decode("Zm=v", 4, out, sizeof(out)), -1);
	assert_int_equal(sig_base64_decode("Zm9v Zm9v", 9, out, sizeof(out)), -1);
	assert_int_equal(sig_base64_decode("Zm9vYmFy", 8, out, 5), -1);	/* no room */
	assert_int_equal(sig_base64_decode("Zg==Zg==", 8, out, sizeof(out)), -1);
}

static void
test_key_parse(void **state)
{
	struct blob b = load("lists/a.pub");
	struct sig_key k1, k2;
	struct verr e;
	char hex[17], *line, *comment_id;

	(void)state;
	assert_int_equal(sig_key_parse((char *)b.p, b.n, &k1, &e), 0);
	/* the key id prints as minisign printed it in the comment */
	sig_keyid_hex(k1.id, hex);
	comment_id = strstr((char *)b.p, "public key ");
	assert_non_null(comment_id);
	assert_memory_equal(comment_id + 11, hex, strlen(hex));
	assert_int_equal(comment_id[11 + strlen(hex)], '\n');
	/* leading zeros are dropped, as minisign does */
	memset(k2.id, 0, sizeof(k2.id));
	k2.id[0] = 0xab;
	sig_keyid_hex(k2.id, hex);
	assert_string_equal(hex, "AB");
	/* the bare base64 line gives the same key */
	line = strchr((char *)b.p, '\n') + 1;
	assert_int_equal(sig_key_parse(line, strlen(line), &k2, &e), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	/* CRLF and no final newline */
	assert_int_equal(sig_key_parse(line, strcspn(line, "\n"), &k2, &e), 0);
	assert_int_equal(sig_key_parse("", 0, &k2, &e), -1);
	assert_int_equal(sig_key_parse("untrusted comment: x\n", 21, &k2, &e), -1);
	assert_int_equal(sig_key_parse("RWQAAAA=", 8, &k2, &e), -1);
	assert_non_null(strstr(e.msg, "not a minisign public key"));
	/* a secret key file is not a public key */
	free(b.p);
	b = load("lists/a.key");
	assert_int_equal(sig_key_parse((char *)b.p, b.n, &k2, &e), -1);
	free(b.p);
	/* the wrong algorithm: "Xd" */
	assert_int_equal(sig_key_parse("WGSo1gBP2EM25N3/S8nxrGdf7gPjewA9TETRxL/7bTSwTYBJAxx1Lb3h",
	    56, &k2, &e), -1);
	assert_non_null(strstr(e.msg, "algorithm"));
}

static void
test_good(void **state)
{
	struct sig_info info;
	struct verr e;

	(void)state;
	if (verify("lists/hello.txt.minisig", key_a, 0, &info, &e) == -1)
		fail_msg("%s", e.msg);
	assert_string_equal(info.comment, "hello comment");
	assert_false(info.legacy);
	/* a ring of two keys: the key id picks a */
	if (verify("lists/hello.txt.minisig", key_ab, 0, &info, &e) == -1)
		fail_msg("%s", e.msg);
	if (verify("lists/hello.txt.b.minisig", key_ab, 0, &info, &e) == -1)
		fail_msg("%s", e.msg);
}

static void
test_other_key(void **state)
{
	struct verr e;
	char hex[17];
	struct sig_key kb;

	(void)state;
	assert_int_equal(verify("lists/hello.txt.b.minisig", key_a, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "which is not among the trusted keys"));
	assert_int_equal(sig_key_load(unit_data("lists/b.pub"), &kb, &e), 0);
	sig_keyid_hex(kb.id, hex);
	assert_non_null(strstr(e.msg, hex));
	/* the same key id but another key: the signature does not verify */
	{
		struct sig_keyring r = {.n = 0};
		struct blob m = load("lists/hello.txt"), s = load("lists/hello.txt.b.minisig");
		struct sig_key ka;
		assert_int_equal(sig_key_load(unit_data("lists/a.pub"), &ka, &e), 0);
		memcpy(ka.id, kb.id, 8);
		assert_int_equal(sig_keyring_add(&r, &ka, &e), 0);
		assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), -1);
		assert_non_null(strstr(e.msg, "signature does not match the list"));
		free(m.p);
		free(s.p);
	}
}

static void
test_one_byte_changed(void **state)
{
	struct sig_keyring r = {.n = 0};
	struct blob m = load("lists/hello.txt"), s = load("lists/hello.txt.minisig");
	struct verr e;

	(void)state;
	ring_add(&r, "lists/a.pub");
	for (size_t i = 0; i < m.n; i++) {
		m.p[i] ^= 0x01;
		assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), -1);
		assert_non_null(strstr(e.msg, "signature does not match the list"));
		m.p[i] ^= 0x01;
	}
	/* one byte more or less */
	assert_int_equal(sig_verify(&r, m.p, m.n - 1, s.p, s.n, 0, NULL, &e), -1);
	assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), 0);
	free(m.p);
	free(s.p);
}

static void
test_trusted_comment_altered(void **state)
{
	struct sig_keyring r = {.n = 0};
	struct blob m = load("lists/hello.txt"), s = load("lists/hello.txt.minisig");
	struct verr e;
	char *c;

	(void)state;
	ring_add(&r, "lists/a.pub");
	c = strstr((char *)s.p, "hello comment");
	assert_non_null(c);
	c[0] = 'j';
	assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "trusted comment was altered"));
	/* the untrusted comment is not signed: changing it is fine */
	c[0] = 'h';
	c = strstr((char *)s.p, "minisign secret key");
	c[0] = 'M';
	assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), 0);
	free(m.p);
	free(s.p);
}

static void
test_legacy(void **state)
{
	struct sig_info info;
	struct verr e;

	(void)state;
	assert_int_equal(verify("lists/hello.txt.legacy.minisig", key_a, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "legacy (non-prehashed) signature refused"));
	if (verify("lists/hello.txt.legacy.minisig", key_a, SIG_ALLOW_LEGACY,
	    &info, &e) == -1)
		fail_msg("%s", e.msg);
	assert_true(info.legacy);
	assert_string_equal(info.comment, "legacy");
	/* a legacy signature by an untrusted key still names the key first */
	assert_int_equal(verify("lists/hello.txt.legacy.minisig", key_b, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not among the trusted keys"));
}

static void
test_truncated(void **state)
{
	struct sig_keyring r = {.n = 0};
	struct blob m = load("lists/hello.txt"), s = load("lists/hello.txt.minisig");
	struct verr e;

	(void)state;
	ring_add(&r, "lists/a.pub");
	/* the last byte is the final newline, which minisign does not need */
	assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n - 1, 0, NULL, &e), 0);
	for (size_t n = 0; n < s.n - 1; n++) {
		assert_int_equal(sig_verify(&r, m.p, m.n, s.p, n, 0, NULL, &e), -1);
		if (strstr(e.msg, "truncated signature file") == NULL)
			fail_msg("cut at %zu: %s", n, e.msg);
	}
	free(m.p);
	free(s.p);
}

static void
test_malformed(void **state)
{
	struct sig_keyring r = {.n = 0};
	struct blob m = load("lists/hello.txt"), s = load("lists/hello.txt.minisig");
	struct verr e;
	uint8_t *big;
	char *line2;

	(void)state;
	ring_add(&r, "lists/a.pub");
	/* an unknown algorithm: "EE" ("RUU..." in base64) */
	line2 = strchr((char *)s.p, '\n') + 1;
	assert_memory_equal(line2, "RUS", 3);
	line2[2] = 'U';
	assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "unknown signature algorithm"));
	line2[2] = 'S';
	/* no "untrusted comment:" */
	s.p[0] = 'U';
	assert_int_equal(sig_verify(&r, m.p, m.n, s.p, s.n, 0, NULL, &e), -1);
	s.p[0] = 'u';
	/* data after the global signature */
	big = malloc(s.n + 8);
	memcpy(big, s.p, s.n);
	memcpy(big + s.n, "extra\n", 6);
	assert_int_equal(sig_verify(&r, m.p, m.n, big, s.n + 6, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "data after"));
	/* blank lines after it are fine */
	memcpy(big + s.n, "\n\r\n", 3);
	assert_int_equal(sig_verify(&r, m.p, m.n, big, s.n + 3, 0, NULL, &e), 0);
	free(big);
	/* over the size cap */
	big = calloc(1, SIG_FILE_MAX + 1);
	memcpy(big, s.p, s.n);
	memset(big + s.n, '\n', SIG_FILE_MAX + 1 - s.n);
	assert_int_equal(sig_verify(&r, m.p, m.n, big, SIG_FILE_MAX + 1, 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "cap"));
	/* a NUL byte */
	big[0] = 0;
	assert_int_equal(sig_verify(&r, m.p, m.n, big, s.n, 0, NULL, &e), -1);
	free(big);
	free(m.p);
	free(s.p);
}

/* The test signer makes exactly what minisign made (deterministic
 * Ed25519), so the other tests may use it to sign list variants. */
static void
test_signer_matches_minisign(void **state)
{
	struct signer sg;
	struct blob m = load("lists/hello.txt"), s = load("lists/hello.txt.minisig");
	struct blob l = load("lists/hello.txt.legacy.minisig");
	struct blob pub = load("lists/a.pub");
	char *mine, key[64];
	size_t n;

	(void)state;
	assert_int_equal(signer_load(unit_data("lists/a.key"), &sg), 0);
	mine = signer_sign(&sg, m.p, m.n, "hello comment", false, &n);
	assert_non_null(mine);
	assert_int_equal(n, s.n);
	assert_memory_equal(mine, s.p, n);
	free(mine);
	mine = signer_sign(&sg, m.p, m.n, "legacy", true, &n);
	assert_int_equal(n, l.n);
	assert_memory_equal(mine, l.p, n);
	free(mine);
	signer_pubkey(&sg, key);
	assert_non_null(strstr((char *)pub.p, key));
	free(m.p);
	free(s.p);
	free(l.p);
	free(pub.p);
}

static void
test_comment_limits(void **state)
{
	struct signer sg;
	struct sig_keyring r = {.n = 0};
	struct sig_info info;
	struct verr e;
	char *tc = malloc(SIG_COMMENT_MAX + 2), *sig;
	size_t n;

	(void)state;
	assert_int_equal(signer_load(unit_data("lists/a.key"), &sg), 0);
	ring_add(&r, "lists/a.pub");
	memset(tc, 'x', SIG_COMMENT_MAX);
	tc[SIG_COMMENT_MAX] = '\0';
	sig = signer_sign(&sg, (const uint8_t *)"m", 1, tc, false, &n);
	assert_int_equal(sig_verify(&r, (const uint8_t *)"m", 1, (uint8_t *)sig,
	    n, 0, &info, &e), 0);
	assert_int_equal(strlen(info.comment), SIG_COMMENT_MAX);
	free(sig);
	tc[SIG_COMMENT_MAX] = 'x';
	tc[SIG_COMMENT_MAX + 1] = '\0';
	sig = signer_sign(&sg, (const uint8_t *)"m", 1, tc, false, &n);
	assert_int_equal(sig_verify(&r, (const uint8_t *)"m", 1, (uint8_t *)sig,
	    n, 0, &info, &e), -1);
	assert_non_null(strstr(e.msg, "trusted comment longer"));
	free(sig);
	/* an empty trusted comment is valid */
	sig = signer_sign(&sg, (const uint8_t *)"", 0, "", false, &n);
	assert_int_equal(sig_verify(&r, (const uint8_t *)"", 0, (uint8_t *)sig,
	    n, 0, &info, &e), 0);
	assert_string_equal(info.comment, "");
	free(sig);
	free(tc);
}

static void
test_keyring(void **state)
{
	struct sig_keyring r = {.n = 0};
	struct sig_key k;
	struct verr e;
	struct blob pub = load("lists/a.pub");

	(void)state;
	assert_int_equal(sig_keyring_add_arg(&r, unit_data("lists/a.pub"), &e), 0);
	/* the same key as its base64 line: skipped, not added twice */
	assert_int_equal(sig_keyring_add_arg(&r, strchr((char *)pub.p, '\n') + 1, &e), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(sig_keyring_add_arg(&r, "no such file, no key", &e), -1);
	assert_non_null(strstr(e.msg, "neither a readable file"));
	/* another key under the same id */
	k = r.keys[0];
	k.pk[0] ^= 1;
	assert_int_equal(sig_keyring_add(&r, &k, &e), -1);
	assert_non_null(strstr(e.msg, "two different public keys"));
	for (unsigned i = 1; i < SIG_MAX_KEYS; i++) {
		k.id[0] = (uint8_t)i;
		k.id[1] = 0x5a;
		assert_int_equal(sig_keyring_add(&r, &k, &e), 0);
	}
	k.id[0] = 0xee;
	assert_int_equal(sig_keyring_add(&r, &k, &e), -1);
	assert_non_null(strstr(e.msg, "more than"));
	free(pub.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_one_byte_changed),
		cmocka_unit_test(test_trusted_comment_altered),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_signer_matches_minisign),
		cmocka_unit_test(test_comment_limits),
		cmocka_unit_test(test_keyring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
