/*
 * fuzz_sig.c - minisign parsing and verification on hostile bytes.
 *
 * The first byte picks what the rest is:
 *   0  a public key (file or bare line)
 *   1  a signature file, verified over a fixed message with a fixed key
 *      (the test key tests/data/lists/a.pub), legacy allowed or not
 *   2  two bytes of signature length, the signature file, then the message
 *   3  base64 text
 */
#include "../../daemon/trust/sig.c"

#include <stdint.h>

static const char pubkey[] =
    "untrusted comment: minisign public key E43643D84F00D6A8\n"
    "RWSo1gBP2EM25N3/S8nxrGdf7gPjewA9TETRxL/7bTSwTYBJAxx1Lb3h\n";
static const char message[] = "hello, veto\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sig_keyring ring;
	struct sig_info info;
	struct sig_key k;
	struct verr e;
	uint8_t out[256];
	size_t n;

	if (ring.n == 0) {
		if (sig_key_parse(pubkey, strlen(pubkey), &k, &e) == -1 ||
		    sig_keyring_add(&ring, &k, &e) == -1)
			abort();
	}
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		if (sig_key_parse((const char *)data + 1, size - 1, &k, &e) == 0) {
			char hex[17];
			sig_keyid_hex(k.id, hex);
		}
		break;
	case 1:
		sig_verify(&ring, (const uint8_t *)message, strlen(message),
		    data + 1, size - 1, data[0] & 4 ? SIG_ALLOW_LEGACY : 0, &info, &e);
		break;
	case 2:
		if (size < 3)
			break;
		n = (size_t)data[1] << 8 | data[2];
		if (n > size - 3)
			n = size - 3;
		sig_verify(&ring, data + 3 + n, size - 3 - n, data + 3, n,
		    SIG_ALLOW_LEGACY, &info, &e);
		break;
	case 3:
		sig_base64_decode((const char *)data + 1, size - 1, out, sizeof(out));
		break;
	}
	return 0;
}
