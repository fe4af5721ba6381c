/* fuzz_norm.c - canonical names and URLs on arbitrary bytes: never crash,
 * and the canonical form is a fixed point (canonicalising it again gives the
 * same bytes). */
#include "../../daemon/policy/norm.c"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[NORM_NAME_MAX + 1], again[NORM_NAME_MAX + 1];
	struct norm_url u, v;
	size_t split;
	int n;

	n = norm_name((const char *)data, size, out);
	if (n >= 0) {
		assert(norm_name(out, (size_t)n, again) == n);
		assert(memcmp(out, again, (size_t)n) == 0);
	}
	norm_name_raw((const char *)data, size, out);
	if (norm_url((const char *)data, size, &u) == 0) {
		char buf[NORM_NAME_MAX + 3 + NORM_URL_MAX + 1];
		int len = snprintf(buf, sizeof(buf), "%s%s", u.host, u.rest);
		assert(len > 0 && (size_t)len < sizeof(buf));
		if (len > NORM_URL_MAX)	/* escaping grew it past the cap */
			return 0;
		assert(norm_url(buf, (size_t)len, &v) == 0);
		assert(strcmp(u.host, v.host) == 0);
		assert(strcmp(u.rest, v.rest) == 0);
	}
	split = size ? data[0] % (size + 1) : 0;
	(void)norm_http((const char *)data, split, (const char *)data + split,
	    size - split, &u);
	return 0;
}
