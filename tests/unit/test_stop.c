/* test_stop.c - the stop page: the injected 302/451 byte for byte, the
 * request-side parsers (query, Host, Accept-Language), the template engine
 * with hostile list texts, and the server itself on loopback (any Host, any
 * path, HEAD, favicon, 403, nothing reflected, counters). */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/conf.h"
#include "policy/list.h"
#include "policy/match.h"
#include "policy/policy.h"
#include "serve/stop.h"
#include "serve/stoppage.h"

/* A list in the demo list's shape, with hostile texts in a second feed. */
static const char list_demo[] =
    "{\"format\": \"veto-list/1\", \"feed\": \"demo-hotline/demo\","
    " \"serial\": \"1\", \"issued\": \"2026-01-01T00:00:00Z\","
    " \"expires\": \"2036-01-01T00:00:00Z\","
    " \"authority\": {\"name\": {\"en\": \"Demo Hotline\", \"nl\": \"Demo Meldpunt\"},"
    "   \"url\": \"https://hotline.example/\","
    "   \"appeal_url\": \"https://hotline.example/appeal\","
    "   \"legal_basis\": {\"en\": \"Art. 0 Example Code\", \"nl\": \"Art. 0 Voorbeeldwet\"}},"
    " \"categories\": {"
    "   \"csam\": {\"label\": {\"en\": \"Child sexual abuse material\","
    "                       \"nl\": \"Seksueel kindermisbruikmateriaal\"}},"
    "   \"test\": {\"label\": {\"en\": \"Filter test (canary)\", \"nl\": \"Filtertest\"}}},"
    " \"entries\": ["
    "   {\"id\": \"d1\", \"type\": \"domain\", \"value\": \"bad.example\", \"cat\": \"csam\"},"
    "   {\"id\": \"h1\", \"type\": \"host\", \"value\": \"exact.example\", \"cat\": \"csam\"},"
    "   {\"id\": \"u1\", \"type\": \"url\", \"value\": \"http://share.example/u/123/\", \"cat\": \"csam\"},"
    "   {\"id\": \"t1\", \"type\": \"domain\", \"value\": \"canary.hotline.example\", \"cat\": \"test\"}"
    " ]}";

static const char list_evil[] =
    "{\"format\": \"veto-list/1\", \"feed\": \"evil/<b>&\\\"feed\","
    " \"serial\": \"1\", \"issued\": \"2026-01-01T00:00:00Z\","
    " \"expires\": \"2036-01-01T00:00:00Z\","
    " \"authority\": {\"name\": \"<script>alert(1)</script> & \\\"Co\\\" 'x'\","
    "   \"url\": \"javascript:alert(1)\","
    "   \"appeal_url\": \"https://a.example/?x=\\\"><script>\","
    "   \"legal_basis\": \"</dd><img src=x onerror=alert(2)>\"},"
    " \"categories\": {"
    "   \"x.y\": {\"label\": \"<i>label</i>\"}},"
    " \"entries\": ["
    "   {\"id\": \"e<1>&\\\"\", \"type\": \"domain\", \"value\": \"evil.example\", \"cat\": \"x.y\"}"
    " ]}";

static const char conf_globals[] =
    "list_file = /nonexistent/a.json\nlist_key = RWQ\nlist_feed = demo-hotline/demo\n"
    "stop_page_ipv4 = 192.0.2.1\n"
    "operator_name = Example ISP\noperator_url = https://isp.example/\n"
    "operator_contact = help@isp.example\n";
static const char conf_feeds[] =
    "[feed evil]\nlist_file = /nonexistent/b.json\nlist_key = RWQ\n"
    "list_feed = evil/feed\n"
    "[feed empty]\nlist_file = /nonexistent/c.json\nlist_key = RWQ\n"
    "list_feed = none/none\n";

static struct list *
parse_list(const char *json)
{
	struct list_limits lim = {1 << 22, 100000};
	struct verr e = {{0}};
	struct list *l = list_parse((const uint8_t *)json, strlen(json), &lim, &e);

	if (l == NULL)
		fail_msg("list: %s", e.msg);
	return l;
}

static struct conf *
make_conf(const char *extra)
{
	char text[4096];
	struct verr e = {{0}};
	struct conf *c;

	snprintf(text, sizeof(text), "%s%s%s", conf_globals, extra, conf_feeds);
	c = conf_parse(text, strlen(text), "test.conf", &e);
	if (c == NULL)
		fail_msg("conf: %s", e.msg);
	return c;
}

/* A policy from the two lists and a configuration with `extra` keys. */
static struct policy *
make_policy(const char *extra)
{
	struct conf *c = make_conf(extra);
	struct list *lists[3] = {parse_list(list_demo), parse_list(list_evil), NULL};
	int health[3] = {FEED_OK, FEED_OK, FEED_NONE};
	struct verr e = {{0}};
	struct policy *p = policy_build(c, lists, health, NULL, &e);

	if (p == NULL)
		fail_msg("policy: %s", e.msg);
	list_unref(lists[0]);
	list_unref(lists[1]);
	conf_free(c);
	return p;
}

static struct match_result
must_match(const struct policy *p, const char *name)
{
	struct match_result r;

	assert_true(match_name(p->matcher, name, strlen(name), &r));
	return r;
}

/* Split a response: the header block and the body; checks Content-Length. */
static void
check_length(const char *resp, size_t len)
{
	const char *end = strstr(resp, "\r\n\r\n");
	const char *cl = strstr(resp, "\r\nContent-Length: ");
	unsigned long n;

	assert_non_null(end);
	assert_non_null(cl);
	assert_true(cl < end);
	n = strtoul(cl + 18, NULL, 10);
	assert_int_equal(n, len - (size_t)(end + 4 - resp));
}

/* ---- the injected response ---- */

static void
test_block_302(void **state)
{
	struct policy *p = make_policy("");
	struct match_result r = must_match(p, "x.bad.example");
	char buf[2048];
	int n;
	static const char body[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Blocked</title></head>\n<body><p>This address is blocked. "
	    "Your browser is being sent to a page that says why.</p></body></html>\n";
	char want[2048];

	(void)state;
	snprintf(want, sizeof(want), "HTTP/1.1 302 Found\r\n"
	    "Location: http://192.0.2.1/?feed=demo-hotline%%2Fdemo&entry=d1&cat=csam\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Connection: close\r\n\r\n%s", strlen(body), body);
	n = stop_block_response(p, &r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
	buf[n] = '\0';
	check_length(buf, (size_t)n);
	policy_discard(p);
}

static void
test_block_302_encoding(void **state)
{
	struct policy *p = make_policy("stop_page_url = http://stop.example/why?x=1\n");
	struct match_result r = must_match(p, "evil.example");
	char buf[2048];
	int n;

	(void)state;
	n = stop_block_url(p, &r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "http://stop.example/why?x=1&feed=evil%2F%3Cb%3E%26%22feed"
	    "&entry=e%3C1%3E%26%22&cat=x.y");
	n = stop_block_response(p, &r, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\r\nLocation: http://stop.example/why?x=1&feed=evil%2F"));
	/* nothing in the header block needs escaping */
	assert_true(strchr(buf, '<') > strstr(buf, "\r\n\r\n"));
	assert_true(strchr(buf, '"') > strstr(buf, "\r\n\r\n"));
	policy_discard(p);
}

static void
test_block_451(void **state)
{
	struct policy *p = make_policy("http_action = 451\n");
	struct match_result r = must_match(p, "bad.example");
	char buf[2048], want[2048];
	static const char body[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>451 Unavailable For Legal Reasons</title></head>\n<body>"
	    "<h1>Unavailable for legal reasons</h1>\n<p>Access to this address is "
	    "blocked by decision of Demo Hotline (Child sexual abuse material). "
	    "It was not your provider's decision.</p>\n<p><a href=\"http://192.0.2.1/"
	    "?feed=demo-hotline%2Fdemo&amp;entry=d1&amp;cat=csam\">Why it is blocked, "
	    "and how to appeal</a></p>\n</body></html>\n";
	int n;

	(void)state;
	snprintf(want, sizeof(want), "HTTP/1.1 451 Unavailable For Legal Reasons\r\n"
	    "Link: <https://isp.example/>; rel=\"blocked-by\"\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Connection: close\r\n\r\n%s", strlen(body), body);
	n = stop_block_response(p, &r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
	policy_discard(p);
}

static void
test_block_451_hostile(void **state)
{
	struct policy *p = make_policy("http_action = 451\n"
	    "operator_url = https://isp.example/a b>\"c\n");
	struct match_result r = must_match(p, "evil.example");
	char buf[2048];
	const char *body;
	int n;

	(void)state;
	n = stop_block_response(p, &r, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	check_length(buf, (size_t)n);
	assert_non_null(strstr(buf, "Link: <https://isp.example/a%20b%3E%22c>; rel=\"blocked-by\"\r\n"));
	body = strstr(buf, "\r\n\r\n") + 4;
	assert_null(strstr(body, "<script"));
	assert_null(strstr(body, "<i>"));
	assert_non_null(strstr(body, "by decision of &lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; &quot;Co&quot; &#39;x&#39; (&lt;i&gt;label&lt;/i&gt;)"));
	assert_non_null(strstr(body, "href=\"http://192.0.2.1/?feed=evil%2F%3Cb%3E%26%22feed&amp;"
	    "entry=e%3C1%3E%26%22&amp;cat=x.y\""));
	policy_discard(p);
}

/* Every cap: never a byte past it, and either -1 or a whole response. */
static void
test_block_cap(void **state)
{
	const char *actions[] = {"", "http_action = 451\n"};

	(void)state;
	for (size_t a = 0; a < ARRAY_LEN(actions); a++) {
		struct policy *p = make_policy(actions[a]);
		struct match_result r = must_match(p, "bad.example");
		char full[2048], buf[2048 + 64];
		int nfull = stop_block_response(p, &r, full, sizeof(full));
		int shortest = nfull;

		assert_true(nfull > 0);
		for (size_t cap = 0; cap <= (size_t)nfull; cap++) {
			int n;

			memset(buf, 0x5a, sizeof(buf));
			n = stop_block_response(p, &r, buf, cap);
			for (size_t i = cap; i < sizeof(buf); i++)
				assert_int_equal((unsigned char)buf[i], 0x5a);
			if (n < 0)
				continue;
			assert_true((size_t)n <= cap);
			buf[n] = '\0';
			check_length(buf, (size_t)n);
			if (n < shortest)
				shortest = n;
			if ((size_t)n < (size_t)nfull)	/* the bare stop page URL */
				assert_null(strstr(buf, "feed="));
		}
		assert_true(stop_block_response(p, &r, buf, 100) < 0);
		assert_true(shortest < nfull);	/* the fallback was used */
		policy_discard(p);
	}
}

static void
test_block_no_url(void **state)
{
	struct policy *p = make_policy("");
	struct match_result r = must_match(p, "bad.example");
	char buf[2048];
	int n;

	(void)state;
	/* no stop page address at all: a 451 without a link */
	free(p->conf->stop_page_url);
	p->conf->stop_page_url = NULL;
	p->conf->has_stop4 = false;
	n = stop_block_response(p, &r, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_true(strncmp(buf, "HTTP/1.1 451 ", 13) == 0);
	assert_null(strstr(buf, "href="));
	assert_int_equal(stop_block_url(p, &r, buf, sizeof(buf)), -1);
	/* only IPv6: the URL is made from it */
	p->conf->has_stop6 = true;
	inet_pton(AF_INET6, "2001:db8:ff::1", &p->conf->stop6);
	n = stop_block_response(p, &r, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "HTTP/1.1 302 Found\r\nLocation: http://[2001:db8:ff::1]/"
	    "?feed=demo-hotline%2Fdemo&entry=d1&cat=csam\r\n"));
	policy_discard(p);
}

static void
test_link_header(void **state)
{
	struct conf *c = make_conf("");
	char buf[256];

	(void)state;
	assert_int_equal(stop_link_header(c, buf, sizeof(buf)),
	    (int)strlen("<https://isp.example/>; rel=\"blocked-by\""));
	assert_string_equal(buf, "<https://isp.example/>; rel=\"blocked-by\"");
	assert_int_equal(stop_link_header(c, buf, 10), -1);
	free(c->operator_url);
	c->operator_url = xstrdup("javascript:x");
	assert_int_equal(stop_link_header(c, buf, sizeof(buf)), -1);
	conf_free(c);
}

/* ---- request side ---- */

static void
test_query_parse(void **state)
{
	struct stop_query q;
	char big[STOP_QUERY_MAX + 10];

	(void)state;
#define QP(str) stop_query_parse(str, strlen(str), &q)
	QP("feed=demo-hotline%2Fdemo&entry=d1&cat=csam");
	assert_true(q.has_feed && q.has_entry && q.has_cat);
	assert_string_equal(q.feed, "demo-hotline/demo");
	assert_string_equal(q.entry, "d1");
	assert_string_equal(q.cat, "csam");

	QP("x=1;cat=a+b%2b&feed=&utm=%zz");
	assert_true(q.has_cat && q.has_feed && !q.has_entry);
	assert_string_equal(q.cat, "a b+");
	assert_string_equal(q.feed, "");

	/* repeated, malformed, NUL, truncated escape: not set */
	QP("cat=a&cat=b&entry=%4&feed=a%00b");
	assert_false(q.has_cat || q.has_entry || q.has_feed);
	QP("entry=%");
	assert_false(q.has_entry);
	QP("entry");
	assert_false(q.has_entry);

	/* a value longer than STOP_QVAL_MAX; a query longer than the cap */
	memset(big, 'a', sizeof(big));
	memcpy(big, "cat=", 4);
	stop_query_parse(big, STOP_QVAL_MAX + 4, &q);
	assert_true(q.has_cat);
	assert_int_equal(strlen(q.cat), STOP_QVAL_MAX);
	stop_query_parse(big, STOP_QVAL_MAX + 5, &q);
	assert_false(q.has_cat);
	stop_query_parse(big, sizeof(big), &q);
	assert_false(q.has_cat);
	stop_query_parse(NULL, 0, &q);
	assert_false(q.has_cat);
}

static void
test_host_name(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{"bad.example", "bad.example"},
		{"Bad.EXAMPLE.:80", "bad.example"},
		{" \tx.bad.example:8080 ", "x.bad.example"},
		{"b\xc3\xbc" "cher.example", "xn--bcher-kva.example"},
		{"", NULL},
		{"   ", NULL},
		{"192.0.2.1", NULL},
		{"192.0.2.1:80", NULL},
		{"[2001:db8::1]:80", NULL},
		{"[::1]", NULL},
		{"bad.example:", "bad.example"},
		{"bad.example:123456", NULL},
		{"bad.example:8o", NULL},
		{"bad.example:80:80", NULL},
		{"<script>alert(1)</script>", NULL},
		{"a b.example", NULL},
		{"bad..example", NULL},
	};
	char out[NORM_NAME_MAX + 1];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		int n = stop_host_name(t[i].in, strlen(t[i].in), out);

		if (t[i].out == NULL) {
			if (n >= 0)
				fail_msg("host %zu \"%s\": got \"%s\"", i, t[i].in, out);
			continue;
		}
		if (n < 0)
			fail_msg("host %zu \"%s\": refused", i, t[i].in);
		assert_string_equal(out, t[i].out);
		assert_int_equal(n, (int)strlen(t[i].out));
	}
	assert_int_equal(stop_host_name(NULL, 0, out), -1);
}

static void
test_lang_pick(void **state)
{
	static const char *const en_nl[] = {"en", "nl"};
	static const char *const en_nl_de[] = {"en", "nl", "de"};
	static const char *const pt[] = {"en", "pt-BR"};
	static const char *const zh[] = {"en", "zh-Hant", "zh"};
	static const struct {
		const char *accept;
		const char *const *cands;
		unsigned n;
		const char *want;	/* NULL: none (fallback) */
	} t[] = {
		{"nl", en_nl, 2, "nl"},
		{"NL", en_nl, 2, "nl"},
		{"nl-BE", en_nl, 2, "nl"},
		{"nl-BE,nl;q=0.9,en;q=0.8", en_nl, 2, "nl"},
		{"en-US,en;q=0.9,nl;q=0.8", en_nl, 2, "en"},
		{"de;q=0.5, nl;q=0.9", en_nl, 2, "nl"},
		{"de;q=0.5, nl;q=0.9", en_nl_de, 3, "nl"},
		{"de, nl;q=0.9", en_nl_de, 3, "de"},
		{"en;q=0.5, nl;q=0.5", en_nl, 2, "en"},
		{"nl;q=0.5, en;q=0.5", en_nl, 2, "nl"},
		{"fr-CH, fr;q=0.9, *;q=0.5", en_nl, 2, NULL},
		{"fr-CH, fr;q=0.9, nl;q=0.1", en_nl, 2, "nl"},
		{"*", en_nl, 2, NULL},
		{"", en_nl, 2, NULL},
		{NULL, en_nl, 2, NULL},
		{"nl;q=0", en_nl, 2, NULL},
		{"nl;q=0.000, en;q=0.001", en_nl, 2, "en"},
		{"nl;q=1.5", en_nl, 2, NULL},
		{"nl;q=0.12345", en_nl, 2, NULL},
		{"nl;q=", en_nl, 2, NULL},
		{"nl ; q=0.8 ,\ten;q=0.2", en_nl, 2, "nl"},
		{"nl;Q=0.3;level=1, en;q=0.2", en_nl, 2, "nl"},
		{"pt", pt, 2, "pt-BR"},
		{"pt-PT", pt, 2, "pt-BR"},
		{"zh-Hant-CN", zh, 3, "zh-Hant"},
		{"zh-x-private", zh, 3, "zh"},
		{"<script>, nl;q=0.2", en_nl, 2, "nl"},
		{"n\"l, -nl, nl-, ,,, nl;q=0.1", en_nl, 2, "nl"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		int k = stop_lang_pick(t[i].accept, t[i].cands, t[i].n);
		const char *got = k >= 0 ? t[i].cands[k] : NULL;

		if ((got == NULL) != (t[i].want == NULL) ||
		    (got != NULL && strcmp(got, t[i].want) != 0))
			fail_msg("accept %zu \"%s\": got %s, want %s", i,
			    t[i].accept ? t[i].accept : "(null)",
			    got ? got : "(none)", t[i].want ? t[i].want : "(none)");
	}
}

/* ---- template engine ---- */

static void
test_tmpl_errors(void **state)
{
	static const struct { const char *text, *msg; } t[] = {
		{"a {{nope}} b", "line 1: unknown placeholder {{nope}}"},
		{"\n\n{{t.nope}}", "line 3: unknown placeholder {{t.nope}}"},
		{"{{authority", "line 1: {{ without a closing }}"},
		{"{{#matched}}x", "line 1: section {{#matched}} is never closed"},
		{"{{^t.title}}x", "line 1: section {{^t.title}} is never closed"},
		{"x\n{{/matched}}", "line 2: {{/matched}} closes no open section"},
		{"{{#matched}}{{/canary}}", "line 1: {{/canary}} closes no open section"},
		{"{{#a}}", "line 1: unknown placeholder {{a}}"},
		{"{{t.decision_noop}}", "line 1: unknown placeholder {{t.decision_noop}}"},
		{"{{\x01}}", "line 1: unknown placeholder {{\\x01}}"},
	};
	char deep[512] = "";
	struct verr e;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		memset(&e, 0, sizeof(e));
		assert_null(stop_tmpl_parse(t[i].text, strlen(t[i].text), &e));
		assert_string_equal(e.msg, t[i].msg);
	}
	for (int i = 0; i < 17; i++)
		memcpy(deep + i * 12, "{{#matched}}", 13);
	assert_null(stop_tmpl_parse(deep, strlen(deep), &e));
	assert_non_null(strstr(e.msg, "nested deeper"));
	assert_null(stop_tmpl_parse("a\0b", 3, &e));
	assert_string_equal(e.msg, "template holds a NUL byte");
	assert_null(stop_tmpl_load("/nonexistent/stoppage.html", &e));
	assert_non_null(strstr(e.msg, "stop page template /nonexistent/stoppage.html"));
}

static char *
render(const char *tmpl, const struct conf *c, const struct stop_subject *s,
    const char *accept, char lang[STOP_LANG_MAX + 1])
{
	struct verr e = {{0}};
	struct stop_tmpl *t = stop_tmpl_parse(tmpl, strlen(tmpl), &e);
	char *page;
	size_t len;

	if (t == NULL)
		fail_msg("template: %s", e.msg);
	page = stop_page(t, c, s, accept, &len, lang);
	assert_non_null(page);
	assert_int_equal(len, strlen(page));
	stop_tmpl_free(t);
	return page;
}

static void
test_render_sections(void **state)
{
	struct policy *p = make_policy("");
	struct stop_subject s = {p->feeds[0].list, 0, "d1"};
	const char *tmpl = "{{! a comment, with { and } braces }}[{{ authority }}|{{category}}|"
	    "{{#reference}}R={{reference}}{{/reference}}|{{^matched}}N{{/matched}}"
	    "{{#matched}}M{{#canary}}C{{/canary}}{{/matched}}|{{feed}}|{{category_id}}|"
	    "{{status}}|{{lang}}]";
	char lang[STOP_LANG_MAX + 1], *page;

	(void)state;
	page = render(tmpl, p->conf, &s, NULL, lang);
	assert_string_equal(page, "[Demo Hotline|Child sexual abuse material|R=d1|M|"
	    "demo-hotline/demo|csam|451|en]");
	free(page);
	s.cat = 1;		/* test: a canary */
	s.entry_id = NULL;
	page = render(tmpl, p->conf, &s, "nl", lang);
	assert_string_equal(page, "[Demo Meldpunt|Filtertest||MC|demo-hotline/demo|test|451|nl]");
	assert_string_equal(lang, "nl");
	free(page);
	s.list = NULL;		/* neutral */
	page = render(tmpl, p->conf, &s, "nl", lang);
	assert_string_equal(page, "[|||N|||451|nl]");
	free(page);
	policy_discard(p);
}

static void
test_render_hostile(void **state)
{
	struct policy *p = make_policy("");
	struct stop_subject s = {p->feeds[1].list, 0, "e<1>&\""};
	const char *tmpl = "<a href=\"{{authority_url}}\">{{authority}}</a>"
	    "<a href=\"{{appeal_url}}\">{{legal_basis}}</a>{{category}}"
	    "{{reference}}{{feed}}{{category_id}}<p>{{t.decision}}</p>";
	char *page;

	(void)state;
	page = render(tmpl, p->conf, &s, "<script>", NULL);
	assert_string_equal(page,
	    "<a href=\"\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;</a>"
	    "<a href=\"https://a.example/?x=&quot;&gt;&lt;script&gt;\">"
	    "&lt;/dd&gt;&lt;img src=x onerror=alert(2)&gt;</a>&lt;i&gt;label&lt;/i&gt;"
	    "e&lt;1&gt;&amp;&quot;evil/&lt;b&gt;&amp;&quot;feedx.y"
	    "<p>This decision was made by <strong>&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; &quot;Co&quot; &#39;x&#39;</strong>, not by your provider "
	    "<strong>Example ISP</strong>.</p>");
	free(page);
	policy_discard(p);
}

static void
test_render_operator(void **state)
{
	struct conf *c = make_conf("");
	struct stop_subject s = {NULL, 0, NULL};
	const char *tmpl = "{{t.neutral}}|{{operator_contact_url}}|{{operator_url}}";
	char *page;

	(void)state;
	page = render(tmpl, c, &s, "en", NULL);
	assert_non_null(strstr(page, "operated by <strong>Example ISP</strong>. It has"));
	assert_non_null(strstr(page, "|mailto:help@isp.example|https://isp.example/"));
	free(page);
	free(c->operator_name);
	c->operator_name = xstrdup("<Bad & Co>");
	free(c->operator_contact);
	c->operator_contact = xstrdup("+31 20 555 0100");
	page = render(tmpl, c, &s, "en", NULL);
	assert_non_null(strstr(page, "by <strong>&lt;Bad &amp; Co&gt;</strong>."));
	assert_non_null(strstr(page, "||https://isp.example/"));
	free(page);
	free(c->operator_name);
	c->operator_name = NULL;
	free(c->operator_contact);
	c->operator_contact = xstrdup("https://isp.example/contact");
	page = render(tmpl, c, &s, "de", NULL);
	assert_true(strncmp(page, "Dies ist die Hinweisseite eines Netzfilters. Zu",
	    47) == 0);
	assert_non_null(strstr(page, "|https://isp.example/contact|"));
	free(page);
	conf_free(c);
}

static void
test_render_language(void **state)
{
	struct policy *p = make_policy("");
	struct stop_subject s = {p->feeds[0].list, 0, "d1"};
	const char *tmpl = "{{lang}}|{{t.heading}}|{{category}}|{{authority}}|{{legal_basis}}";
	char lang[STOP_LANG_MAX + 1], *page;

	(void)state;
	page = render(tmpl, p->conf, &s, "nl-BE,nl;q=0.9,en;q=0.8", lang);
	assert_string_equal(page, "nl|Deze website is geblokkeerd|Seksueel "
	    "kindermisbruikmateriaal|Demo Meldpunt|Art. 0 Voorbeeldwet");
	free(page);
	/* German is in the page's table but not in the list: English */
	page = render(tmpl, p->conf, &s, "de-DE,de;q=0.9", lang);
	assert_string_equal(page, "en|This website has been blocked|Child sexual "
	    "abuse material|Demo Hotline|Art. 0 Example Code");
	free(page);
	page = render(tmpl, p->conf, &s, "fr, nl;q=0.1", lang);
	assert_true(strncmp(page, "nl|", 3) == 0);
	free(page);
	/* a list of plain strings: the page's own languages */
	s.list = p->feeds[1].list;
	page = render(tmpl, p->conf, &s, "de", lang);
	assert_true(strncmp(page, "de|Diese Website wurde gesperrt|&lt;i&gt;", 40) == 0);
	free(page);
	s.list = NULL;
	page = render("{{lang}}|{{t.neutral_heading}}", p->conf, &s, "fr-CA", lang);
	assert_string_equal(page, "fr|Page d&#39;information du filtre");
	free(page);
	policy_discard(p);
}

static void
test_default_template(void **state)
{
	struct policy *p = make_policy("");
	struct verr e = {{0}};
	struct stop_tmpl *t = stop_tmpl_load("conf/stoppage.html", &e);
	struct stop_subject s = {p->feeds[0].list, 0, "d1"};
	char *page;
	size_t len;

	(void)state;
	if (t == NULL)
		fail_msg("%s", e.msg);
	page = stop_page(t, p->conf, &s, "en", &len, NULL);
	assert_non_null(page);
	assert_null(strstr(page, "{{"));
	assert_null(strstr(page, "<script"));
	assert_true(strncmp(page, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
	assert_non_null(strstr(page, "<dd>Child sexual abuse material</dd>"));
	assert_non_null(strstr(page, "<a href=\"https://hotline.example/\">Demo Hotline</a>"));
	assert_non_null(strstr(page, "<dd>Art. 0 Example Code</dd>"));
	assert_non_null(strstr(page, "<code>d1</code>"));
	assert_non_null(strstr(page, "This decision was made by <strong>Demo Hotline</strong>, "
	    "not by your provider <strong>Example ISP</strong>."));
	assert_non_null(strstr(page, "href=\"https://hotline.example/appeal\">Request a review"));
	assert_non_null(strstr(page, "<a href=\"mailto:help@isp.example\">help@isp.example</a>"));
	assert_non_null(strstr(page, "Your visit to this page was not recorded."));
	assert_null(strstr(page, "Filter notice page"));
	free(page);
	s.list = NULL;
	page = stop_page(t, p->conf, &s, "nl", &len, NULL);
	assert_non_null(page);
	assert_non_null(strstr(page, "<html lang=\"nl\">"));
	assert_non_null(strstr(page, "Meldingspagina van het filter"));
	assert_non_null(strstr(page, "netwerkfilter van <strong>Example ISP</strong>"));
	assert_non_null(strstr(page, "Uw bezoek aan deze pagina is niet vastgelegd."));
	assert_null(strstr(page, "Deze website is geblokkeerd"));
	free(page);
	stop_tmpl_free(t);
	policy_discard(p);
}

static void
test_html_escape(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(stop_html_escape(buf, sizeof(buf), "a<b>\x01\"&'", 8), 26);
	assert_string_equal(buf, "a&lt;b&gt;");	/* whole entities only */
	assert_int_equal(stop_html_escape(buf, 6, "<<", 2), 8);
	assert_string_equal(buf, "&lt;");
	assert_int_equal(stop_html_escape(buf, 0, "x", 1), 1);
	assert_int_equal(stop_html_escape(buf, sizeof(buf), "tab\there\n", 9), 9);
	assert_string_equal(buf, "tab\there\n");
}

/* ---- the server on loopback ---- */

static int
server_port(const struct stop_server *s)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	assert_int_equal(getsockname(stop_listener_fd(s, 0),
	    (struct sockaddr *)&a, &al), 0);
	return ntohs(a.sin_port);
}

/* Send a raw request, read the whole response (the server closes). */
static char *
http(int port, const char *req)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {5, 0};
	static char resp[256 * 1024];
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len < sizeof(resp) - 1 &&
	    (n = read(fd, resp + len, sizeof(resp) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	resp[len] = '\0';
	return resp;
}

static struct stop_server *
server_start(struct conf *c)
{
	struct verr e = {{0}};
	struct stop_server *s;

	for (unsigned i = 0; i < c->nstop_page_listen; i++)
		free(c->stop_page_listen[i]);
	c->stop_page_listen[0] = xstrdup("127.0.0.1:0");
	c->nstop_page_listen = 1;
	s = stop_new(c, &e);
	if (s == NULL || stop_start(s, NULL, &e) < 0)
		fail_msg("%s", e.msg);
	return s;
}

static void
publish(struct policy *p)
{
	policy_put(policy_publish(p));
}

static void
test_server(void **state)
{
	struct policy *p = make_policy("");
	struct stop_server *s = server_start(p->conf);
	struct stop_counts c0, c1;
	int port = server_port(s);
	char *r;
	uint16_t csam = p->feeds[0].statcat[0];

	(void)state;
	publish(p);
	stop_counts_get(&c0);

	/* a redirect: authority, category, reference, headers */
	r = http(port, "GET /?feed=demo-hotline%2Fdemo&entry=d1&cat=csam HTTP/1.1\r\n"
	    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.1 451 Unavailable For Legal Reasons\r\n", 44) == 0);
	assert_non_null(strstr(r, "\r\nLink: <https://isp.example/>; rel=\"blocked-by\"\r\n"));
	assert_non_null(strstr(r, "\r\nReferrer-Policy: no-referrer\r\n"));
	assert_non_null(strstr(r, "\r\nCache-Control: no-store\r\n"));
	assert_non_null(strstr(r, "\r\nContent-Security-Policy: default-src 'none'; "
	    "style-src 'unsafe-inline'\r\n"));
	assert_non_null(strstr(r, "\r\nX-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(r, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
	assert_null(strstr(r, "Set-Cookie"));
	assert_non_null(strstr(r, "<dd>Child sexual abuse material</dd>"));
	assert_non_null(strstr(r, "<code>d1</code>"));
	check_length(r, strlen(r));

	/* an entry id that is not in that category: no reference */
	r = http(port, "GET /?feed=demo-hotline%2Fdemo&entry=t1&cat=csam HTTP/1.1\r\n"
	    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<dd>Child sexual abuse material</dd>"));
	assert_null(strstr(r, "<code>"));

	/* a Host the DNS answer sent here, any path, in Dutch */
	r = http(port, "GET /some/path?q=1 HTTP/1.1\r\nHost: Sub.Bad.Example.\r\n"
	    "Accept-Language: nl-BE,nl;q=0.9\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "\r\nContent-Language: nl\r\n"));
	assert_non_null(strstr(r, "<dd>Seksueel kindermisbruikmateriaal</dd>"));
	assert_non_null(strstr(r, "Demo Meldpunt"));
	assert_null(strstr(r, "bad.example"));
	assert_null(strstr(r, "some/path"));

	/* a canary */
	r = http(port, "GET / HTTP/1.1\r\nHost: canary.hotline.example\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<dd>Filter test (canary)</dd>"));
	assert_non_null(strstr(r, "seeing this page shows that the filter works"));

	/* nothing matches: the neutral page, still naming the operator */
	r = http(port, "GET /bad.example HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.1 451 ", 13) == 0);
	assert_non_null(strstr(r, "Filter notice page"));
	assert_non_null(strstr(r, "operated by <strong>Example ISP</strong>"));
	assert_null(strstr(r, "good.example"));

	stop_counts_get(&c1);
	assert_int_equal(c1.pages - c0.pages, 5);
	assert_int_equal(c1.by_query - c0.by_query, 2);
	assert_int_equal(c1.no_reference - c0.no_reference, 1);
	assert_int_equal(c1.by_host - c0.by_host, 2);
	assert_int_equal(c1.unmatched - c0.unmatched, 1);
	assert_int_equal(c1.cat[csam] - c0.cat[csam], 3);
	stop_free(s);
}

static void
test_server_not_reflected(void **state)
{
	struct policy *p = make_policy("");
	struct stop_server *s = server_start(p->conf);
	int port = server_port(s);
	static const char *const reqs[] = {
		"GET /<script>alert(1)</script>?feed=%3Cscript%3E&entry=%22%3E%3Cimg&cat=<svg/onload=x> "
		    "HTTP/1.1\r\nHost: <script>x</script>\r\nConnection: close\r\n\r\n",
		"GET /?feed=demo-hotline%2Fdemo&entry=%3Cscript%3E&cat=csam HTTP/1.1\r\n"
		    "Host: \"><script>x</script>.bad.example\r\nConnection: close\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: bad.example\r\nAccept-Language: <script>, "
		    "\"><img src=x>;q=0.9\r\nConnection: close\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: javascript.bad.example:80\r\nReferer: "
		    "http://<script>/\r\nConnection: close\r\n\r\n",
	};

	(void)state;
	publish(p);
	for (size_t i = 0; i < ARRAY_LEN(reqs); i++) {
		char *r = http(port, reqs[i]);

		assert_true(strncmp(r, "HTTP/1.1 451 ", 13) == 0);
		assert_null(strstr(r, "<script"));
		assert_null(strstr(r, "&lt;script"));
		assert_null(strstr(r, "<img"));
		assert_null(strstr(r, "<svg/"));
		assert_null(strstr(r, "onload"));
		assert_null(strstr(r, "javascript"));
		assert_null(strstr(r, "bad.example"));
	}
	stop_free(s);
}

static void
test_server_methods(void **state)
{
	struct policy *p = make_policy("stop_page_status = 403\n");
	struct stop_server *s = server_start(p->conf);
	int port = server_port(s);
	char *r, head[8192];
	size_t get_len;
	const char *cl;

	(void)state;
	publish(p);
	r = http(port, "GET / HTTP/1.1\r\nHost: bad.example\r\nConnection: close\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
	assert_null(strstr(r, "\r\nLink:"));
	get_len = strlen(strstr(r, "\r\n\r\n") + 4);

	/* HEAD: the same headers, no body */
	r = http(port, "HEAD / HTTP/1.1\r\nHost: bad.example\r\nConnection: close\r\n\r\n");
	str_copy(head, r, sizeof(head));
	assert_true(strncmp(head, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
	cl = strstr(head, "\r\nContent-Length: ");
	assert_non_null(cl);
	assert_int_equal(strtoul(cl + 18, NULL, 10), get_len);
	assert_string_equal(strstr(head, "\r\n\r\n"), "\r\n\r\n");

	/* favicon: 404 */
	r = http(port, "GET /favicon.ico HTTP/1.1\r\nHost: bad.example\r\nConnection: close\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24) == 0);

	/* a POST with a body: the page, the body unread */
	r = http(port, "POST /login HTTP/1.1\r\nHost: bad.example\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\nhello");
	assert_true(strncmp(r, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
	assert_null(strstr(r, "hello"));

	/* HTTP/1.0 without Host: the neutral page */
	r = http(port, "GET / HTTP/1.0\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.0 403 Forbidden\r\n", 24) == 0 ||
	    strncmp(r, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
	assert_non_null(strstr(r, "Filter notice page"));
	stop_free(s);

	/* the listening socket is closed: the port can be bound again */
	{
		struct sockaddr_in a = {.sin_family = AF_INET,
		    .sin_port = htons((uint16_t)port)};
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(listen(fd, 1), 0);
		close(fd);
	}
}

static void
test_server_reload(void **state)
{
	struct policy *p = make_policy("");
	struct conf *c2 = make_conf("");
	struct stop_server *s = server_start(p->conf);
	int port = server_port(s);
	char path[] = "/tmp/veto-stop-XXXXXX";
	struct verr e = {{0}};
	int fd;
	char *r;

	(void)state;
	publish(p);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "<p>{{t.heading}} / {{category}}</p>\n", 36), 36);
	close(fd);
	free(c2->stop_page_template);
	c2->stop_page_template = xstrdup(path);
	assert_int_equal(stop_reload(s, c2, &e), 0);
	r = http(port, "GET / HTTP/1.1\r\nHost: exact.example\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "\r\n\r\n<p>This website has been blocked / Child sexual "
	    "abuse material</p>\n"));
	/* a broken template: refused, the last one stays */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{{oops}}", 8), 8);
	close(fd);
	assert_int_equal(stop_reload(s, c2, &e), -1);
	assert_non_null(strstr(e.msg, "unknown placeholder {{oops}}"));
	r = http(port, "GET / HTTP/1.1\r\nHost: exact.example\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<p>This website has been blocked"));
	unlink(path);
	conf_free(c2);
	stop_free(s);
}

/* A bigger list in the second feed: every entry id of a redirect is found
 * through the index, in its own category only; a new policy generation
 * rebuilds the index. */
static char *
big_list(unsigned n, unsigned shift)
{
	size_t cap = 512 + (size_t)n * 96, len;
	char *j = xcalloc(1, cap);

	len = (size_t)snprintf(j, cap, "{\"format\": \"veto-list/1\", \"feed\": \"big/one\","
	    " \"serial\": \"1\", \"issued\": \"2026-01-01T00:00:00Z\","
	    " \"expires\": \"2036-01-01T00:00:00Z\", \"authority\": {\"name\": \"Big\"},"
	    " \"categories\": {\"a\": {\"label\": \"Cat A\"}, \"b\": {\"label\": \"Cat B\"}},"
	    " \"entries\": [");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(j + len, cap - len, "%s{\"id\": \"id-%u\", \"type\": "
		    "\"domain\", \"value\": \"n%u.example\", \"cat\": \"%s\"}",
		    i ? "," : "", i + shift, i, (i + shift) % 2 ? "b" : "a");
	snprintf(j + len, cap - len, "]}");
	return j;
}

static struct policy *
big_policy(unsigned n, unsigned shift)
{
	struct conf *c = make_conf("");
	char *json = big_list(n, shift);
	struct list *lists[3] = {parse_list(list_demo), parse_list(json), NULL};
	int health[3] = {FEED_OK, FEED_OK, FEED_NONE};
	struct verr e = {{0}};
	struct policy *p = policy_build(c, lists, health, NULL, &e);

	if (p == NULL)
		fail_msg("policy: %s", e.msg);
	free(json);
	list_unref(lists[0]);
	list_unref(lists[1]);
	conf_free(c);
	return p;
}

static void
test_server_entry_index(void **state)
{
	struct policy *p = big_policy(5000, 0);
	struct stop_server *s = server_start(p->conf);
	int port = server_port(s);
	char req[512], want[64], *r;

	(void)state;
	publish(p);
	for (unsigned i = 0; i < 5000; i += 97) {
		snprintf(req, sizeof(req), "GET /?feed=big%%2Fone&entry=id-%u&cat=%s HTTP/1.1\r\n"
		    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n", i, i % 2 ? "b" : "a");
		r = http(port, req);
		snprintf(want, sizeof(want), "<code>id-%u</code>", i);
		if (strstr(r, want) == NULL)
			fail_msg("entry id-%u not found", i);
		assert_non_null(strstr(r, i % 2 ? "<dd>Cat B</dd>" : "<dd>Cat A</dd>"));
		/* the other category: shown, without the reference */
		snprintf(req, sizeof(req), "GET /?feed=big%%2Fone&entry=id-%u&cat=%s HTTP/1.1\r\n"
		    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n", i, i % 2 ? "a" : "b");
		r = http(port, req);
		assert_null(strstr(r, "<code>"));
	}
	/* the first feed is still there */
	r = http(port, "GET /?feed=demo-hotline%2Fdemo&entry=h1&cat=csam HTTP/1.1\r\n"
	    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<code>h1</code>"));
	/* a new list: ids moved by one; the index follows the new policy */
	publish(big_policy(5000, 1));
	r = http(port, "GET /?feed=big%2Fone&entry=id-0&cat=a HTTP/1.1\r\n"
	    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<dd>Cat A</dd>"));
	assert_null(strstr(r, "<code>"));
	r = http(port, "GET /?feed=big%2Fone&entry=id-5000&cat=a HTTP/1.1\r\n"
	    "Host: 192.0.2.1\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<code>id-5000</code>"));
	/* a Host in the big list: its category, never its entry id (the
	 * ids must not be enumerable name by name) */
	r = http(port, "GET / HTTP/1.1\r\nHost: www.n4321.example\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<dd>Cat A</dd>") ? r : strstr(r, "<dd>Cat B</dd>"));
	assert_null(strstr(r, "<code>"));
	stop_free(s);
}

static void
test_server_listen_errors(void **state)
{
	struct conf *c = make_conf("");
	struct verr e = {{0}};

	(void)state;
	for (unsigned i = 0; i < c->nstop_page_listen; i++)
		free(c->stop_page_listen[i]);
	c->stop_page_listen[0] = xstrdup("192.0.2.254:80");	/* not ours */
	c->nstop_page_listen = 1;
	assert_null(stop_new(c, &e));
	assert_non_null(strstr(e.msg, "stop_page_listen: cannot listen on 192.0.2.254:80: "));
	free(c->stop_page_listen[0]);
	c->stop_page_listen[0] = xstrdup("localhost:80");
	assert_null(stop_new(c, &e));
	assert_non_null(strstr(e.msg, "`localhost:80' is not"));
	free(c->stop_page_listen[0]);
	c->stop_page_listen[0] = xstrdup("[::1]:0");
	{
		struct stop_server *s = stop_new(c, &e);

		if (s != NULL) {	/* no IPv6 on loopback is not an error here */
			assert_int_equal(stop_listeners(s), 1);
			stop_free(s);
		}
	}
	conf_free(c);
}

/* The default template loads from anywhere: the built-in copy is
 * conf/stoppage.html, byte for byte. */
static void
test_builtin_template(void **state)
{
	uint8_t *file;
	size_t len, blen;
	const char *b = stop_builtin(&blen);
	struct verr e;
	struct stop_tmpl *t;

	(void)state;
	assert_int_equal(file_read("conf/stoppage.html", 1 << 20, &file, &len, &e), 0);
	assert_int_equal(blen, len);
	assert_memory_equal(b, file, len);
	assert_int_equal(b[blen], '\0');
	free(file);
	assert_int_equal(chdir("/"), 0);	/* no conf/ here */
	t = stop_tmpl_load(STOP_TMPL_DEFAULT, &e);
	assert_non_null(t);
	stop_tmpl_free(t);
	assert_null(stop_tmpl_load("/nonexistent/page.html", &e));
	assert_non_null(strstr(e.msg, "/nonexistent/page.html"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_302),
		cmocka_unit_test(test_block_302_encoding),
		cmocka_unit_test(test_block_451),
		cmocka_unit_test(test_block_451_hostile),
		cmocka_unit_test(test_block_cap),
		cmocka_unit_test(test_block_no_url),
		cmocka_unit_test(test_link_header),
		cmocka_unit_test(test_query_parse),
		cmocka_unit_test(test_host_name),
		cmocka_unit_test(test_lang_pick),
		cmocka_unit_test(test_tmpl_errors),
		cmocka_unit_test(test_render_sections),
		cmocka_unit_test(test_render_hostile),
		cmocka_unit_test(test_render_operator),
		cmocka_unit_test(test_render_language),
		cmocka_unit_test(test_default_template),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_server_not_reflected),
		cmocka_unit_test(test_server_methods),
		cmocka_unit_test(test_server_reload),
		cmocka_unit_test(test_server_entry_index),
		cmocka_unit_test(test_server_listen_errors),
		cmocka_unit_test(test_builtin_template),
	};

	list_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
