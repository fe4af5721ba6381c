/* test_guard.c - guardrails: TLDs, public suffixes (Debian's list through
 * libpsl), never-block names; the prefilter never hides a public suffix. */
#include "unit.h"

#include <ctype.h>

#include <idn2.h>
#include <libpsl.h>

#include "trust/guard.h"

static struct guard *
guard_text(const char *text)
{
	struct verr e;
	struct guard *g = guard_new_text(text, text ? strlen(text) : 0, "nb", &e);

	if (g == NULL)
		fail_msg("%s", e.msg);
	return g;
}

static void
test_suffixes(void **state)
{
	struct guard *g = guard_text(NULL);
	static const struct {
		const char *name;
		enum guard_hit hit;
	} cases[] = {
		{"com", GUARD_TLD},
		{"uk", GUARD_TLD},
		{"example", GUARD_TLD},
		{"co.uk", GUARD_PUBLIC_SUFFIX},
		{"github.io", GUARD_PUBLIC_SUFFIX},		/* private section */
		{"s3.amazonaws.com", GUARD_PUBLIC_SUFFIX},
		{"foo.ck", GUARD_PUBLIC_SUFFIX},		/* *.ck */
		{"www.ck", GUARD_OK},				/* !www.ck */
		{"xn--p1ai", GUARD_TLD},
		{"xn--80aswg.xn--p1ai", GUARD_OK},		/* сайт.рф */
		{"bad.example", GUARD_OK},
		{"bbc.co.uk", GUARD_OK},
		{"evil.github.io", GUARD_OK},
		{"192.0.2.1", GUARD_OK},
		{"[2001:db8::1]", GUARD_OK},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		enum guard_hit h = guard_name(g, cases[i].name, true, NULL);
		if (h != cases[i].hit)
			fail_msg("%s: %d, expected %d", cases[i].name, h, cases[i].hit);
	}
	guard_free(g);
}

/* Every rule of the .dat file, its children and (for wildcards) a child
 * below: the guard (prefilter + libpsl) agrees with libpsl alone. */
static void
test_prefilter_agrees(void **state)
{
	struct guard *g = guard_text(NULL);
	psl_ctx_t *psl = psl_load_file(GUARD_PSL_FILE);
	FILE *f = fopen(GUARD_PSL_FILE, "r");
	char line[512], name[600];
	unsigned checked = 0;

	(void)state;
	assert_non_null(psl);
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *r = line, *out = NULL;
		line[strcspn(line, " \t\r\n")] = '\0';
		if (*r == '\0' || strncmp(r, "//", 2) == 0)
			continue;
		if (*r == '!')
			r++;
		if (strncmp(r, "*.", 2) == 0)
			r += 2;
		/* the punycode form, as list values are */
		if (idn2_lookup_u8((uint8_t *)r, (uint8_t **)&out, IDN2_NFC_INPUT) != IDN2_OK)
			continue;
		for (int k = 0; k < 3; k++) {
			const char *pfx = k == 0 ? "" : k == 1 ? "zz." : "a.zz.";
			int want;
			bool multi;
			snprintf(name, sizeof(name), "%s%s", pfx, out);
			multi = strchr(name, '.') != NULL;
			want = psl_is_public_suffix2(psl, name, PSL_TYPE_ANY);
			enum guard_hit h = guard_name(g, name, false, NULL);
			if (!multi)
				assert_int_equal(h, GUARD_TLD);
			else if ((h == GUARD_PUBLIC_SUFFIX) != (want == 1))
				fail_msg("%s: guard %d, libpsl %d", name, h, want);
			checked++;
		}
		idn2_free(out);
	}
	fclose(f);
	psl_free(psl);
	guard_free(g);
	assert_true(checked > 20000);
}

static void
test_never_block(void **state)
{
	struct guard *g = guard_text("# operator's names\n"
	    "www.google.com\n  Facebook.COM.  # IDN and case do not matter\n"
	    "\n\t\nbücher.example\n");
	const char *p = NULL;

	(void)state;
	assert_int_equal(guard_never_block_count(g), 3);
	/* equal */
	assert_int_equal(guard_name(g, "www.google.com", true, &p), GUARD_NEVER_BLOCK);
	assert_string_equal(p, "www.google.com");
	assert_int_equal(guard_name(g, "www.google.com", false, &p), GUARD_NEVER_BLOCK);
	/* a parent, as a domain entry */
	assert_int_equal(guard_name(g, "google.com", true, &p), GUARD_NEVER_BLOCK);
	assert_string_equal(p, "www.google.com");
	/* a parent, as a host entry: blocks only itself */
	assert_int_equal(guard_name(g, "google.com", false, &p), GUARD_OK);
	/* a child is fine (it does not block the never-block name) */
	assert_int_equal(guard_name(g, "x.www.google.com", true, &p), GUARD_OK);
	assert_int_equal(guard_name(g, "facebook.com", true, &p), GUARD_NEVER_BLOCK);
	assert_string_equal(p, "facebook.com");
	assert_int_equal(guard_name(g, "xn--bcher-kva.example", true, &p), GUARD_NEVER_BLOCK);
	assert_int_equal(guard_name(g, "notfacebook.com", true, &p), GUARD_OK);
	guard_free(g);
}

static void
test_never_block_errors(void **state)
{
	struct verr e;
	struct guard *g;

	(void)state;
	g = guard_new_text("ok.example\nnot a name\n", 22, "nb.txt", &e);
	assert_null(g);
	assert_non_null(strstr(e.msg, "nb.txt:2: `not a name' is not a valid name"));
	g = guard_new("/nonexistent/never-block", &e);
	assert_null(g);
	assert_non_null(strstr(e.msg, "never-block file"));
	g = guard_new(NULL, &e);
	assert_non_null(g);
	assert_int_equal(guard_never_block_count(g), 0);
	guard_free(g);
	guard_free(NULL);
}

static struct list *
parse(const char *entries)
{
	static const struct list_limits lim = {1 << 20, 1000};
	static char buf[65536];
	struct verr e;
	struct list *l;

	snprintf(buf, sizeof(buf), "{\"format\": \"veto-list/1\", \"feed\": \"t/g\", "
	    "\"serial\": \"1\", \"issued\": \"2026-01-01T00:00:00Z\", \"expires\": "
	    "\"2036-01-01T00:00:00Z\", \"authority\": {\"name\": \"G\"}, "
	    "\"categories\": {\"c\": {\"label\": \"C\"}}, \"entries\": [%s]}", entries);
	l = list_parse((uint8_t *)buf, strlen(buf), &lim, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	return l;
}

#define E(id, type, value) "{\"id\": \"" id "\", \"type\": \"" type "\", " \
	"\"value\": \"" value "\", \"cat\": \"c\"}"

static void
test_check_list(void **state)
{
	struct guard *g = guard_text("www.google.com\nfacebook.com\n");
	struct verr e;
	struct list *l;
	char *report;
	long bad;

	(void)state;
	l = parse(E("ok1", "domain", "bad.example") "," E("ok2", "host", "google.com") ","
	    E("ok3", "url", "http://facebook.com/some/page") ","
	    E("ok4", "url", "http://co.uk/x") "," E("ok5", "url", "http://[2001:db8::1]/") ","
	    E("ok6", "host", "192.0.2.7"));
	assert_int_equal(guard_check(g, l, &report, &e), 0);
	assert_null(report);
	list_free(l);

	l = parse(E("a", "domain", "com") "," E("b", "domain", "co.uk") ","
	    E("c", "domain", "google.com") "," E("d", "host", "facebook.com") ","
	    E("ok", "domain", "bad.example") "," E("f", "url", "http://facebook.com/") ","
	    E("g", "url", "github.io:8080/"));
	bad = guard_check(g, l, &report, &e);
	assert_int_equal(bad, 6);
	assert_non_null(strstr(e.msg, "guardrail: 6 entries would over-block"));
	assert_non_null(strstr(report, "entry 0 (id \"a\"): domain \"com\" is a top-level domain\n"));
	assert_non_null(strstr(report, "entry 1 (id \"b\"): domain \"co.uk\" is a public suffix\n"));
	assert_non_null(strstr(report, "entry 2 (id \"c\"): domain \"google.com\" would block "
	    "never-block name \"www.google.com\"\n"));
	assert_non_null(strstr(report, "entry 3 (id \"d\"): host \"facebook.com\" would block "
	    "never-block name \"facebook.com\"\n"));
	assert_non_null(strstr(report, "entry 5 (id \"f\"): url \"facebook.com/\" would block"));
	assert_non_null(strstr(report, "entry 6 (id \"g\"): url \"github.io:8080/\" covers the "
	    "whole site of github.io, a public suffix\n"));
	assert_null(strstr(report, "\"ok\""));
	free(report);
	list_free(l);
	guard_free(g);
}

/* The message stays one bounded line; the report names every bad entry. */
static void
test_many_bad(void **state)
{
	struct guard *g = guard_text(NULL);
	char entries[300 * 80], *report;
	size_t n = 0;
	struct verr e;
	struct list *l;

	(void)state;
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(entries + n, sizeof(entries) - n,
		    "%s{\"id\": \"x%d\", \"type\": \"host\", \"value\": \"tld%d\", "
		    "\"cat\": \"c\"}", i ? "," : "", i, i);
	l = parse(entries);
	assert_int_equal(guard_check(g, l, &report, &e), 300);
	assert_non_null(strstr(e.msg, "more"));
	assert_true(strlen(e.msg) < VERR_MAX);
	n = 0;
	for (char *p = report; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	assert_int_equal(n, 300);
	assert_non_null(strstr(report, "entry 299 (id \"x299\")"));
	free(report);
	assert_int_equal(guard_check(g, l, NULL, &e), 300);
	list_free(l);
	guard_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_prefilter_agrees),
		cmocka_unit_test(test_never_block),
		cmocka_unit_test(test_never_block_errors),
		cmocka_unit_test(test_check_list),
		cmocka_unit_test(test_many_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
