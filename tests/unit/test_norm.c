/* test_norm.c - the canonical form of names and URLs, table-driven. The same
 * functions serve list values and traffic, so each row is a promise that a
 * list entry written one way matches traffic written another way. */
#include "unit.h"

#include <idn2.h>

#include "policy/idna.h"
#include "policy/norm.h"

struct name_case {
	const char *in;
	const char *want;	/* NULL: must be refused */
};

static const struct name_case names[] = {
	{"Example.COM", "example.com"},
	{"example.com.", "example.com"},
	{"EXAMPLE.com.", "example.com"},
	{"_dmarc.Example.com", "_dmarc.example.com"},
	{"a-b.example", "a-b.example"},
	{"x", "x"},
	{"192.0.2.1", "192.0.2.1"},
	/* IDN: the Unicode form and the punycode form meet */
	{"b\xc3\xbc" "cher.example", "xn--bcher-kva.example"},
	{"B\xc3\x9c" "CHER.example", "xn--bcher-kva.example"},
	{"XN--BCHER-KVA.example", "xn--bcher-kva.example"},
	{"\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
	    "xn--r8jz45g.xn--zckzah"},
	/* non-transitional: sharp s stays (as browsers do now) */
	{"fa\xc3\x9f.example", "xn--fa-hia.example"},
	/* refused */
	{"", NULL},
	{".", NULL},
	{"..", NULL},
	{"a..b", NULL},
	{".a", NULL},
	{"a.b..", NULL},
	{"exa mple.com", NULL},
	{"exa/mple.com", NULL},
	{"exa*mple.com", NULL},
	{"\xff\xfe.example", NULL},
	{"a.b\x01", NULL},
};

static void
test_names(void **state)
{
	char out[NORM_NAME_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n = norm_name(names[i].in, strlen(names[i].in), out);
		if (names[i].want == NULL) {
			if (n >= 0)
				fail_msg("row %zu: `%s' accepted as `%s'", i,
				    names[i].in, out);
			continue;
		}
		if (n < 0)
			fail_msg("row %zu: `%s' refused", i, names[i].in);
		assert_string_equal(out, names[i].want);
		assert_int_equal(n, strlen(names[i].want));
	}
}

static void
test_name_lengths(void **state)
{
	char in[600], out[NORM_NAME_MAX + 1];
	size_t n;

	(void)state;
	/* a 63-byte label is fine, 64 is not */
	memset(in, 'a', 63);
	memcpy(in + 63, ".example", 9);
	assert_int_equal(norm_name(in, strlen(in), out), 63 + 8);
	memset(in, 'a', 64);
	memcpy(in + 64, ".example", 9);
	assert_int_equal(norm_name(in, strlen(in), out), -1);
	/* 253 bytes total is fine (with or without the trailing dot), 254 not */
	for (n = 0; n < 253; n++)
		in[n] = (n % 50 == 49) ? '.' : 'b';
	assert_int_equal(norm_name(in, 253, out), 253);
	in[253] = '.';
	assert_int_equal(norm_name(in, 254, out), 253);
	in[253] = 'c';
	assert_int_equal(norm_name(in, 254, out), -1);
}

static void
test_name_raw(void **state)
{
	char out[NORM_NAME_MAX + 1], in[400];

	(void)state;
	assert_int_equal(norm_name_raw("Ex*Mple.COM.", 12, out), 11);
	assert_string_equal(out, "ex*mple.com");
	memset(in, 'A', sizeof(in));
	assert_int_equal(norm_name_raw(in, sizeof(in), out), NORM_NAME_MAX);
	assert_int_equal(out[0], 'a');
	assert_int_equal(out[NORM_NAME_MAX], '\0');
}

/* A name over 253 bytes keeps its end, from a label boundary: the listed
 * parent domain is there (issue 12: cutting the end lost it). Twin: a
 * name of 253 bytes is kept whole. */
static void
test_name_raw_long(void **state)
{
	char out[NORM_NAME_MAX + 1], in[400];
	size_t n = 0, got;

	(void)state;
	while (n < 300) {
		memcpy(in + n, "Abc.", 4);
		n += 4;
	}
	memcpy(in + n, "Bad.Example.", 12);
	n += 12;
	assert_int_equal(norm_name(in, n, out), -1);
	got = norm_name_raw(in, n, out);
	assert_true(got <= NORM_NAME_MAX);
	assert_true(got > NORM_NAME_MAX - 4);
	assert_string_equal(out + got - 11, "bad.example");
	assert_memory_equal(out, "abc.", 4);	/* a whole first label */
	/* exactly 253: unchanged */
	memset(in, 'a', 253);
	in[3] = '.';
	assert_int_equal(norm_name_raw(in, 253, out), 253);
	assert_memory_equal(out, "aaa.aaa", 7);
}

static void
test_ip_literal(void **state)
{
	(void)state;
	assert_true(norm_is_ip_literal("192.0.2.1", 9));
	assert_true(norm_is_ip_literal("2001:db8::1", 11));
	assert_true(norm_is_ip_literal("[2001:db8::1]", 13));
	assert_false(norm_is_ip_literal("example.com", 11));
	assert_false(norm_is_ip_literal("192.0.2", 7));
}

struct url_case {
	const char *in;
	const char *host;	/* NULL: refused */
	const char *rest;
	int has_query;
};

static const struct url_case urls[] = {
	{"http://share.example/u/123/", "share.example", "/u/123/", 0},
	{"https://share.example/u/123/", "share.example", "/u/123/", 0},
	{"share.example/u/123/", "share.example", "/u/123/", 0},
	{"HTTP://Share.EXAMPLE/U/123", "share.example", "/U/123", 0},
	{"share.example", "share.example", "/", 0},
	{"share.example?", "share.example", "/", 0},
	{"http://share.example:80/a", "share.example", "/a", 0},
	{"https://share.example:443/a", "share.example", "/a", 0},
	{"http://share.example:8080/a", "share.example", ":8080/a", 0},
	{"http://share.example:/a", "share.example", "/a", 0},
	{"http://share.example./a", "share.example", "/a", 0},
	{"http://user:pw@share.example/a", "share.example", "/a", 0},
	{"http://share.example/a#frag", "share.example", "/a", 0},
	{"http://share.example/a?x=1#frag", "share.example", "/a?x=1", 1},
	/* percent-encoding: unreserved decoded, others uppercased */
	{"http://h.example/%7euser/%41%2f%2a", "h.example", "/~user/A%2F%2A", 0},
	{"http://h.example/a%2fb", "h.example", "/a%2Fb", 0},
	{"http://h.example/a b\"<>", "h.example", "/a%20b%22%3C%3E", 0},
	{"http://h.example/caf\xc3\xa9", "h.example", "/caf%C3%A9", 0},
	{"http://h.example/100%", "h.example", "/100%25", 0},
	{"http://h.example/%zz", "h.example", "/%25zz", 0},
	{"http://h.example/?q=%41%20b&c=d/e?f", "h.example", "/?q=A%20b&c=d/e?f", 1},
	/* dot segments (RFC 3986 5.2.4) and repeated slashes */
	{"http://h.example/a/b/c/./../../g", "h.example", "/a/g", 0},
	{"http://h.example/a/./b/", "h.example", "/a/b/", 0},
	{"http://h.example/a/..", "h.example", "/", 0},
	{"http://h.example/a/b/..", "h.example", "/a/", 0},
	{"http://h.example/../../x", "h.example", "/x", 0},
	{"http://h.example/%2e%2E/x", "h.example", "/x", 0},
	{"http://h.example//a///b//", "h.example", "/a/b/", 0},
	{"http://h.example/a/.hidden/..b", "h.example", "/a/.hidden/..b", 0},
	/* IP literals */
	{"http://192.0.2.7/x", "192.0.2.7", "/x", 0},
	{"http://[2001:DB8:0:0::1]:8080/x", "[2001:db8::1]", ":8080/x", 0},
	{"http://[2001:db8::1]/x", "[2001:db8::1]", "/x", 0},
	/* IDN host */
	{"http://b\xc3\xbc" "cher.example/x", "xn--bcher-kva.example", "/x", 0},
	/* refused */
	{"ftp://h.example/x", NULL, NULL, 0},
	{"http:///x", NULL, NULL, 0},
	{"http://h.example:99999/x", NULL, NULL, 0},
	{"http://h.example:8o/x", NULL, NULL, 0},
	{"http://[2001:db8::zz]/x", NULL, NULL, 0},
	{"http://[2001:db8::1/x", NULL, NULL, 0},
	{"http://a..b/x", NULL, NULL, 0},
	{"", NULL, NULL, 0},
};

static void
test_urls(void **state)
{
	struct norm_url u;

	(void)state;
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		int rc = norm_url(urls[i].in, strlen(urls[i].in), &u);
		if (urls[i].host == NULL) {
			if (rc == 0)
				fail_msg("row %zu: `%s' accepted as %s %s", i,
				    urls[i].in, u.host, u.rest);
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu: `%s' refused", i, urls[i].in);
		assert_string_equal(u.host, urls[i].host);
		assert_int_equal(u.hostlen, strlen(urls[i].host));
		assert_string_equal(u.rest, urls[i].rest);
		assert_int_equal(u.restlen, strlen(urls[i].rest));
		assert_int_equal(u.has_query, urls[i].has_query);
		if (u.has_query)
			assert_int_equal(u.rest[u.pathend], '?');
		else
			assert_int_equal(u.pathend, u.restlen);
	}
}

struct http_case {
	const char *host;	/* Host header value, NULL if absent */
	const char *target;
	const char *want_host;	/* NULL: refused */
	const char *want_rest;
};

static const struct http_case reqs[] = {
	{"share.example", "/u/123/", "share.example", "/u/123/"},
	{"  Share.Example\t", "/u/123/", "share.example", "/u/123/"},
	{"SHARE.example.:80", "/u/123/x", "share.example", "/u/123/x"},
	{"share.example:8080", "/a", "share.example", ":8080/a"},
	{"share.example", "/a/../u/%31%323/", "share.example", "/u/123/"},
	/* absolute form: its authority wins over Host (RFC 9112 3.2.2) */
	{"other.example", "http://Share.Example/u/123/", "share.example", "/u/123/"},
	{NULL, "http://share.example/u/123/", "share.example", "/u/123/"},
	{"share.example", "*", "share.example", "/"},
	{"[2001:db8::2]", "/x", "[2001:db8::2]", "/x"},
	{NULL, "/u/123/", NULL, NULL},
	{"", "/u/123/", NULL, NULL},
	{"share.example", "share.example:443", NULL, NULL},
	{"bad host", "/", NULL, NULL},
};

static void
test_http(void **state)
{
	struct norm_url u;

	(void)state;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		const struct http_case *c = &reqs[i];
		int rc = norm_http(c->host, c->host ? strlen(c->host) : 0,
		    c->target, strlen(c->target), &u);
		if (c->want_host == NULL) {
			if (rc == 0)
				fail_msg("row %zu accepted as %s %s", i, u.host, u.rest);
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu refused", i);
		assert_string_equal(u.host, c->want_host);
		assert_string_equal(u.rest, c->want_rest);
	}
}

/* A URL written in a list and the same URL as traffic sends it canonicalise
 * to the same bytes. */
static void
test_list_meets_traffic(void **state)
{
	struct norm_url a, b;

	(void)state;
	assert_int_equal(norm_url("https://Share.example:443/u/%7E123/./x/", 39, &a), 0);
	assert_int_equal(norm_http("share.EXAMPLE", 13, "/u//~123/x/", 11, &b), 0);
	assert_string_equal(a.host, b.host);
	assert_string_equal(a.rest, b.rest);
}

/* --- bounded IDNA (idna.h, issue 13) ----------------------------------- */

/* The reference: what norm_name() did before idna.h, libidn2 on every
 * non-ASCII name (non-transitional, then transitional), then the ASCII
 * rules (norm_name() of the pure-ASCII result). */
static int
ref_name(const char *in, char out[NORM_NAME_MAX + 1])
{
	size_t len = strlen(in);
	char *ace = NULL;
	int rc, n;

	if (len > 0 && in[len - 1] == '.')
		len--;
	for (size_t i = 0; i <= len; i++)
		if (i == len)
			return norm_name(in, strlen(in), out);	/* ASCII */
		else if ((uint8_t)in[i] >= 0x80)
			break;
	{
		char buf[2048];
		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, in, len);
		buf[len] = '\0';
		rc = idn2_lookup_u8((const uint8_t *)buf, (uint8_t **)&ace,
		    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK)
			rc = idn2_lookup_u8((const uint8_t *)buf,
			    (uint8_t **)&ace, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	}
	if (rc != IDN2_OK)
		return -1;
	/* a trailing dot made by the mapping (a last label of ignored
	 * characters) is an empty label: refused */
	n = ace[0] != '\0' && ace[strlen(ace) - 1] == '.' ? -1 :
	    norm_name(ace, strlen(ace), out);
	idn2_free(ace);
	return n;
}

static size_t
utf8_put(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | (c >> 6));
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	p[0] = (char)(0xe0 | (c >> 12));
	p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

static void
same_as_ref(const char *in)
{
	char a[NORM_NAME_MAX + 1], b[NORM_NAME_MAX + 1];
	int na = norm_name(in, strlen(in), a), nb = ref_name(in, b);

	if (na != nb || (na >= 0 && strcmp(a, b) != 0))
		fail_msg("%s: norm_name %d %s, libidn2 %d %s (step %d)", in, na,
		    na >= 0 ? a : "-", nb, nb >= 0 ? b : "-", idna_last_step());
}

/* Every character U+00A0..U+04FF, alone, among ASCII, twice, capitalised:
 * the fast path or the library, the result is libidn2's. */
static void
test_idna_each_char(void **state)
{
	unsigned fast = 0;

	(void)state;
	for (uint32_t c = 0xa0; c < 0x500; c++) {
		char ch[4] = {0};
		utf8_put(ch, c);
		char in[5][64];
		snprintf(in[0], sizeof(in[0]), "%s.example", ch);
		snprintf(in[1], sizeof(in[1]), "ab%sc.example", ch);
		snprintf(in[2], sizeof(in[2]), "%s%s.example", ch, ch);
		snprintf(in[3], sizeof(in[3]), "x.%s", ch);
		snprintf(in[4], sizeof(in[4]), "%sz", ch);
		for (size_t f = 0; f < 5; f++) {
			same_as_ref(in[f]);
			fast += idna_last_step() == 2;
		}
	}
	/* the fast set is used: Latin-1, Greek, Cyrillic letters */
	assert_true(fast > 5 * 200);
}

/* Random names from an alphabet of ASCII, hyphens, dots, fast-path
 * letters and characters that need the library (combining marks, CJK,
 * soft hyphen, the ideographic full stop, final sigma). */
static void
test_idna_random(void **state)
{
	static const uint32_t alpha[] = {'a', 'Z', '0', '-', '-', '_', '.',
	    0xe9, 0xc9, 0xdf, 0xfc, 0xdc, 0x3c2, 0x3a3, 0x3b1, 0x430, 0x410,
	    0x401, 0x451, 0x301, 0x4e2d, 0xad, 0x3002, 0x130, 0x131, 0x17f,
	    0xb5, 0xd7};
	uint32_t seed = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		char in[256];
		size_t n = 0;
		seed = seed * 1103515245u + 12345u;
		unsigned len = 1 + (seed >> 16) % 14;
		for (unsigned k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			n += utf8_put(in + n, alpha[(seed >> 16) % (sizeof(alpha) / sizeof(alpha[0]))]);
		}
		in[n] = '\0';
		same_as_ref(in);
	}
}

/* The bounds: refused before any library call; the legitimate twins. */
static void
test_idna_bounds(void **state)
{
	char in[512], out[NORM_NAME_MAX + 1];
	size_t n = 0;

	(void)state;
	/* 64 characters in a label: refused at once, whatever they are */
	for (int i = 0; i < 64; i++)
		n += utf8_put(in + n, 0x4e2d);
	memcpy(in + n, ".example", 9);
	assert_int_equal(norm_name(in, strlen(in), out), -1);
	assert_int_equal(idna_last_step(), 1);
	/* 40 Cyrillic letters: 80 bytes of UTF-8, a valid 47-byte A-label */
	n = 0;
	for (int i = 0; i < 40; i++)
		n += utf8_put(in + n, 0x430 + (uint32_t)(i % 32));
	memcpy(in + n, ".example", 9);
	assert_true(norm_name(in, strlen(in), out) > 0);
	assert_int_equal(idna_last_step(), 2);
	same_as_ref(in);
	/* broken UTF-8: refused without the library */
	assert_int_equal(norm_name("b\xc3(cher.example", 14, out), -1);
	assert_int_equal(idna_last_step(), 1);
	assert_int_equal(norm_name("b\xc0\xbc.example", 11, out), -1);
	assert_int_equal(idna_last_step(), 1);
	/* IDNA2008 hyphen rules on a U-label, refused at once */
	assert_int_equal(norm_name("-\xc3\xbc.example", 11, out), -1);
	assert_int_equal(idna_last_step(), 1);
	assert_int_equal(norm_name("ab--\xc3\xbc.example", 14, out), -1);
	assert_int_equal(idna_last_step(), 1);
	/* outside the fast set: the library once, then the thread's cache */
	assert_true(norm_name("\xe4\xb8\xad.example", 11, out) > 0);
	assert_int_equal(idna_last_step(), 4);
	assert_true(norm_name("\xe4\xb8\xad.example", 11, out) > 0);
	assert_int_equal(idna_last_step(), 3);
	assert_string_equal(out, "xn--fiq.example");
}

/* HTTP Host from traffic: the library within a per-thread allowance;
 * past it a new exotic name is refused (raw match, counted by the
 * engine), while fast-path and cached names still convert. */
static void
test_idna_http_allowance(void **state)
{
	struct norm_url u;
	unsigned lib = 0, refused = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		char host[32];
		/* a new CJK name each time: no cache hit, no fast path */
		int n = snprintf(host, sizeof(host), "\xe4%c%c.example",
		    0xb9 + i / 64, 0x80 + i % 64);
		int rc = norm_http(host, (size_t)n, "/", 1, &u);
		lib += idna_last_step() == 4;
		refused += idna_last_step() == 5;
		assert_true(rc == 0 || idna_last_step() == 5);
	}
	/* at most two seconds' allowance, whatever the clock did */
	assert_true(lib <= 2 * IDNA_LIB_PER_SEC);
	assert_true(refused >= 100 - 2 * IDNA_LIB_PER_SEC);
	/* the legitimate twin: the fast path still answers (the cache too,
	 * test_idna_bounds) */
	assert_int_equal(norm_http("B\xc3\xbc" "cher.example", 15, "/", 1, &u), 0);
	assert_string_equal(u.host, "xn--bcher-kva.example");
	assert_int_equal(idna_last_step(), 2);
	/* lists are not bounded: the library answers */
	assert_int_equal(norm_url("\xe4\xb8\x80.example/x", 13, &u), 0);
	assert_int_equal(idna_last_step(), 4);
}

/* DNS, SNI and QUIC names are A-labels: a byte >= 0x80 is never
 * converted (norm_name_wire), the ASCII twin is. */
static void
test_name_wire(void **state)
{
	char out[NORM_NAME_MAX + 1];

	(void)state;
	assert_int_equal(norm_name_wire("b\xc3\xbc" "cher.example", 15, out), -1);
	assert_int_equal(norm_name_wire("XN--BCHER-KVA.example.", 22, out), 21);
	assert_string_equal(out, "xn--bcher-kva.example");
	assert_int_equal(norm_name_wire("a..b", 4, out), -1);
	assert_int_equal(norm_name_wire("", 0, out), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_lengths),
		cmocka_unit_test(test_name_raw),
		cmocka_unit_test(test_name_raw_long),
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_list_meets_traffic),
		cmocka_unit_test(test_idna_each_char),
		cmocka_unit_test(test_idna_random),
		cmocka_unit_test(test_idna_bounds),
		cmocka_unit_test(test_name_wire),
		cmocka_unit_test(test_idna_http_allowance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
