/* fuzz_fetch.c - what the list server sends before the body: response
 * header lines (the header callback keeps ETag, Last-Modified and
 * Retry-After) and Retry-After values. Never crash; what is kept is
 * printable ASCII that fits the state file's fields; a Retry-After is -1
 * or a number of seconds within range. Input: header lines separated by
 * LF (each handed to the callback as curl does, CRLF included). */
#include "../../daemon/trust/fetch.c"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	assert(n < size);
	for (size_t i = 0; i < n; i++)
		assert(s[i] >= 0x20 && s[i] <= 0x7e);
	if (n > 0) {
		assert(s[0] != ' ' && s[0] != '\t');
		assert(s[n - 1] != ' ' && s[n - 1] != '\t');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct headers h;
	const char *p = (const char *)data, *end = p + size;
	char line[1024];
	int64_t ra;

	memset(&h, 0, sizeof(h));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		/* a heap copy of exactly n bytes: reading past it is caught */
		char *copy = malloc(n ? n : 1);
		memcpy(copy, p, n);
		assert(on_header(copy, 1, n, &h) == n);
		free(copy);
		p += n;
	}
	check_field(h.etag, sizeof(h.etag));
	check_field(h.last_modified, sizeof(h.last_modified));
	check_field(h.retry_after, sizeof(h.retry_after));
	ra = fetch_retry_after_parse(h.retry_after, 1700000000);
	assert(ra >= -1);

	/* the bytes as one Retry-After value */
	if (size < sizeof(line)) {
		memcpy(line, data, size);
		line[size] = '\0';
		ra = fetch_retry_after_parse(line, 1700000000);
		assert(ra >= -1);
		if (ra >= 0 && line[0] >= '0' && line[0] <= '9')
			assert(ra <= INT32_MAX);
	}
	return 0;
}
