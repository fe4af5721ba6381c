/* fuzz_http.c - the HTTP request parser and the chunked-body walker.
 *
 * Checks, beyond "no crash": every view lies inside the input; a complete
 * head parses the same when given alone, and is NEED_MORE one byte short;
 * the chunked walker fed in two pieces (resuming) ends where it ends in one
 * call. Each authority of a parsed request, with its path, goes through
 * norm_http() as inspect() passes it: a canonical URL is NUL-terminated
 * within its buffer, and the %2F lookup (norm_url_slashes) only shortens
 * it and is done after one pass. */
#include <assert.h>
#include <stdlib.h>

#include "../../daemon/engine/http.c"
#include "policy/norm.h"

static void
inside(struct http_str s, const uint8_t *b, size_t len)
{
	if (s.p == NULL)
		return;
	assert((const uint8_t *)s.p >= b);
	assert((const uint8_t *)s.p + s.len <= b + len);
}

static void
check_req(const struct http_req *r, const uint8_t *b, size_t len)
{
	inside(r->method, b, len);
	inside(r->target, b, len);
	inside(r->scheme, b, len);
	inside(r->target_authority, b, len);
	inside(r->path, b, len);
	inside(r->host_header, b, len);
	inside(r->host_last, b, len);
	inside(r->authority, b, len);
	inside(r->host, b, len);
	inside(r->port, b, len);
}

static void
check_norm(struct http_str a, struct http_str path)
{
	static struct norm_url u;
	size_t before;

	if (a.p == NULL)
		return;
	if (norm_http(a.p, a.len, path.p != NULL ? path.p : "/",
	    path.p != NULL ? path.len : 1, &u) != 0)
		return;
	assert(u.hostlen > 0 && u.hostlen < sizeof(u.host));
	assert(u.restlen < sizeof(u.rest) && u.rest[u.restlen] == '\0');
	assert(u.pathend <= u.restlen);
	before = u.restlen;
	if (norm_url_slashes(&u)) {
		assert(u.restlen <= before && u.rest[u.restlen] == '\0');
		assert(!norm_url_slashes(&u));
	}
}

static void
fuzz_parse(const uint8_t *data, size_t size)
{
	struct http_req r, r2;
	enum http_status st;
	size_t err;

	st = http_parse(data, size, &r, &err);
	if (st == HTTP_MALFORMED || st == HTTP_NOT_HTTP)
		assert(err <= size);
	if (st == HTTP_MALFORMED)
		check_req(&r, data, size);
	if (st != HTTP_OK)
		return;
	check_req(&r, data, size);
	if (r.flags & HTTP_F_UPGRADE_H2C)
		assert(r.flags & HTTP_F_UPGRADE);
	check_norm(r.target_authority, r.path);
	check_norm(r.host_header, r.form == HTTP_FORM_ORIGIN ? r.target : r.path);
	check_norm(r.host_last, r.path);
	assert(r.header_end > r.start && r.header_end <= size);
	assert(http_parse(data, r.header_end, &r2, NULL) == HTTP_OK);
	assert(memcmp(&r, &r2, sizeof(r)) == 0);
	assert(http_parse(data, r.header_end - 1, &r2, NULL) == HTTP_NEED_MORE);
}

static void
fuzz_chunked(const uint8_t *data, size_t size)
{
	struct http_chunked a, b;
	enum http_status sa, sb;
	size_t ua, ub, cut;

	if (size < 1)
		return;
	cut = data[0] % size;
	data++;
	size--;
	memset(&a, 0, sizeof(a));
	sa = http_chunked_walk(&a, data, size, &ua);
	assert(ua <= size);
	memset(&b, 0, sizeof(b));
	cut = MIN(cut, size);
	sb = http_chunked_walk(&b, data, cut, &ub);
	if (sb == HTTP_NEED_MORE) {
		assert(ub == cut);
		sb = http_chunked_walk(&b, data + cut, size - cut, &ub);
		ub += cut;
	}
	assert(sa == sb && ua == ub);
	if (sa == HTTP_NEED_MORE)
		assert(ua == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	/* A copy of exactly size bytes, so reading past it is caught. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	fuzz_parse(copy, size);
	fuzz_chunked(copy, size);
	free(copy);
	return 0;
}
