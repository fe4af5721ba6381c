/* test_match.c - the matcher: every semantic rule of match.h from tables
 * (including the parents, siblings and paths that must not be blocked),
 * entry numbering, build errors, and a property test against a naive
 * reference written here (a linear scan over the entries). */
#include "unit.h"

#include <inttypes.h>

#include "policy/list.h"
#include "policy/match.h"
#include "policy/norm.h"

/* Lists built by hand, values already canonical. */

struct tentry {
	const char *type;	/* "domain", "host", "url" */
	const char *value;	/* url: host + rest */
	const char *id;
	uint32_t cat;
};

static size_t
url_host_len(const char *v)
{
	const char *p;

	if (v[0] == '[' && (p = strchr(v, ']')) != NULL)
		return (size_t)(p - v) + 1;
	return strcspn(v, ":/");
}

static enum list_entry_type
type_of(const char *t)
{
	if (strcmp(t, "domain") == 0)
		return LIST_DOMAIN;
	if (strcmp(t, "host") == 0)
		return LIST_HOST;
	assert_string_equal(t, "url");
	return LIST_URL;
}

static struct list *
tlist_new(size_t cap)
{
	struct list *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->bulk = arena_new(1 << 16);
	l->entries = arena_alloc(l->bulk, (cap ? cap : 1) * sizeof(*l->entries));
	assert_non_null(l->entries);
	return l;
}

static void
tlist_add(struct list *l, enum list_entry_type type, const char *value,
    const char *id, uint32_t cat)
{
	struct list_entry *le = &l->entries[l->nentries++];

	memset(le, 0, sizeof(*le));
	le->type = (uint8_t)type;
	le->value = arena_strndup(l->bulk, value, strlen(value));
	le->id = arena_strndup(l->bulk, id, strlen(id));
	le->cat = cat;
	if (type == LIST_URL)
		le->url_host_len = (uint16_t)url_host_len(value);
	l->count[type]++;
}

static struct list *
tlist_from(const struct tentry *t, size_t n)
{
	struct list *l = tlist_new(n);

	for (size_t i = 0; i < n; i++)
		tlist_add(l, type_of(t[i].type), t[i].value, t[i].id, t[i].cat);
	return l;
}

static void
tlist_free(struct list *l)
{
	if (l == NULL)
		return;
	arena_free(l->bulk);
	free(l);
}

/* A request in canonical form, built by hand: host and rest. */
static void
mkurl(struct norm_url *u, const char *host, const char *rest)
{
	const char *q = strchr(rest, '?');

	memset(u, 0, sizeof(*u));
	u->hostlen = str_copy(u->host, host, sizeof(u->host));
	u->restlen = str_copy(u->rest, rest, sizeof(u->rest));
	u->pathend = q ? (size_t)(q - rest) : u->restlen;
	u->has_query = q != NULL;
	u->host_is_ip = host[0] == '[' || strspn(host, "0123456789.") ==
	    strlen(host);
}

/* The semantic table. */

static const struct tentry feed0[] = {
	{"domain", "bad.example", "d1", 0},
	{"host", "exact.example", "h1", 0},
	{"url", "share.example/u/123/", "u1", 1},
	{"url", "share.example/u/456", "u2", 1},
	{"url", "share.example/view?id=5", "u3", 1},
	{"url", "share.example/?p=7", "u4", 1},
	{"domain", "deep.sub.bad2.example", "d2", 0},
	{"host", "both.example", "h2", 0},
	{"url", "port.example:8080/x/", "u5", 1},
	{"url", "[2001:db8::1]/a", "u6", 1},
	{"domain", "7", "d7", 0},
	{"url", "192.0.2.7/p", "u10", 1},
	{"host", "192.0.2.8", "h6", 0},
	{"url", "share2.example/only", "u8", 1},
	{"domain", "xn--bcher-kva.example", "idn1", 0},
	{"domain", "canary.hotline.example", "t1", 2},
	{"domain", "hd.example", "d9", 0},
};

static const struct tentry feed2[] = {
	{"domain", "bad.example", "d5", 0},
	{"domain", "both.example", "d3", 0},
	{"domain", "sub.bad.example", "d6", 0},
	{"host", "exact.example", "h3", 0},
	{"url", "share.example/u/123/deep/", "u7", 0},
	{"host", "mixed.example", "h5", 0},
	{"url", "mixed.example/p", "u9", 0},
	{"url", "share.example/u/456", "u11", 0},
	{"domain", "exact.example", "d8", 0},
	{"host", "hd.example", "h7", 0},
};

struct fixture {
	struct list *lists[3];
	struct matcher *m;
};

static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct verr e;

	f->lists[0] = tlist_from(feed0, ARRAY_LEN(feed0));
	f->lists[1] = NULL;		/* a feed with no list in force */
	f->lists[2] = tlist_from(feed2, ARRAY_LEN(feed2));
	f->m = matcher_build(f->lists, 3, &e);
	if (f->m == NULL)
		fail_msg("matcher_build: %s", e.msg);
	*state = f;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;

	matcher_free(f->m);
	for (unsigned i = 0; i < 3; i++)
		tlist_free(f->lists[i]);
	free(f);
	return 0;
}

struct name_case {
	const char *name;
	const char *id;		/* NULL: must not be blocked */
	unsigned feed;
};

static const struct name_case name_cases[] = {
	/* domain: the name and everything below, first feed on a tie */
	{"bad.example", "d1", 0},
	{"x.bad.example", "d1", 0},
	{"a.b.c.bad.example", "d1", 0},
	/* parents and siblings are not blocked */
	{"notbad.example", NULL, 0},
	{"xbad.example", NULL, 0},
	{"example", NULL, 0},
	{"bad.example.com", NULL, 0},
	{"bad.examplex", NULL, 0},
	{"ad.example", NULL, 0},
	{"badexample", NULL, 0},
	{"bad", NULL, 0},
	/* a longer name wins over its parent, whatever the feed order */
	{"sub.bad.example", "d6", 2},
	{"x.sub.bad.example", "d6", 2},
	{"xsub.bad.example", "d1", 0},
	/* a deep domain entry: no parent of it is blocked */
	{"deep.sub.bad2.example", "d2", 0},
	{"x.deep.sub.bad2.example", "d2", 0},
	{"sub.bad2.example", NULL, 0},
	{"bad2.example", NULL, 0},
	{"eep.sub.bad2.example", NULL, 0},
	/* host: that name only; host over domain for the same name */
	{"exact.example", "h1", 0},
	{"x.exact.example", "d8", 2},
	{"exact.example.org", NULL, 0},
	{"both.example", "h2", 0},
	{"x.both.example", "d3", 2},
	/* host over domain comes before feed order */
	{"hd.example", "h7", 2},
	{"x.hd.example", "d9", 0},
	{"192.0.2.8", "h6", 0},
	/* url entries never block their host at DNS, TLS or QUIC level */
	{"share.example", NULL, 0},
	{"share2.example", NULL, 0},
	{"x.share.example", NULL, 0},
	{"port.example", NULL, 0},
	{"mixed.example", "h5", 2},
	/* a single-label domain entry (the list guard refuses real TLDs) */
	{"7", "d7", 0},
	{"a.7", "d7", 0},
	{"17", NULL, 0},
	/* IDN entries are stored as punycode */
	{"xn--bcher-kva.example", "idn1", 0},
	{"www.xn--bcher-kva.example", "idn1", 0},
	{"bcher-kva.example", NULL, 0},
	{"canary.hotline.example", "t1", 0},
	{"hotline.example", NULL, 0},
	/* odd input from the raw fallback: no crash, suffix rules still hold */
	{"", NULL, 0},
	{".", NULL, 0},
	{"..", NULL, 0},
	{".bad.example", "d1", 0},
	{"bad.example.", NULL, 0},
	{"x..bad.example", "d1", 0},
};

static void
check_entry(const struct matcher *m, const struct match_result *r)
{
	struct match_result d;

	/* the dense entry number describes the same entry */
	assert_true(r->entry < matcher_entries(m));
	matcher_entry(m, r->entry, &d);
	assert_int_equal(d.entry, r->entry);
	assert_string_equal(d.id, r->id);
	assert_int_equal(d.feed, r->feed);
	assert_int_equal(d.cat, r->cat);
	assert_int_equal(d.type, r->type);
}

static void
test_names(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < ARRAY_LEN(name_cases); i++) {
		const struct name_case *c = &name_cases[i];
		struct match_result r;
		bool hit = match_name(f->m, c->name, strlen(c->name), &r);

		if (hit != (c->id != NULL))
			fail_msg("match_name(\"%s\"): %s, expected %s", c->name,
			    hit ? r.id : "allow", c->id ? c->id : "allow");
		if (!hit)
			continue;
		if (strcmp(r.id, c->id) != 0 || r.feed != c->feed)
			fail_msg("match_name(\"%s\"): %s (feed %u), expected "
			    "%s (feed %u)", c->name, r.id, r.feed, c->id,
			    c->feed);
		assert_true(r.type == LIST_DOMAIN || r.type == LIST_HOST);
		check_entry(f->m, &r);
	}
}

struct url_case {
	const char *host, *rest;
	const char *id;
	unsigned feed;
};

static const struct url_case url_cases[] = {
	/* path ending in '/': that path and everything below, any query */
	{"share.example", "/u/123/", "u1", 0},
	{"share.example", "/u/123/x", "u1", 0},
	{"share.example", "/u/123/x/y?z=1", "u1", 0},
	{"share.example", "/u/123/?q", "u1", 0},
	{"share.example", "/u/123/deep", "u1", 0},
	/* ... but not the path without the slash, nor siblings, nor parents */
	{"share.example", "/u/123", NULL, 0},
	{"share.example", "/u/123?x=1", NULL, 0},
	{"share.example", "/u/1234", NULL, 0},
	{"share.example", "/u/1234/", NULL, 0},
	{"share.example", "/u/12", NULL, 0},
	{"share.example", "/u/", NULL, 0},
	{"share.example", "/", NULL, 0},
	{"share.example", "/U/123/", NULL, 0},
	/* the longer url entry wins, whatever the feed order */
	{"share.example", "/u/123/deep/", "u7", 2},
	{"share.example", "/u/123/deep/x", "u7", 2},
	/* path without '/': exactly that path, any query; first feed on a tie */
	{"share.example", "/u/456", "u2", 0},
	{"share.example", "/u/456?x=1", "u2", 0},
	{"share.example", "/u/456?", "u2", 0},
	{"share.example", "/u/456/", NULL, 0},
	{"share.example", "/u/456/x", NULL, 0},
	{"share.example", "/u/4567", NULL, 0},
	{"share.example", "/u/45", NULL, 0},
	/* entry with a query: that path and that query only */
	{"share.example", "/view?id=5", "u3", 0},
	{"share.example", "/view?id=6", NULL, 0},
	{"share.example", "/view?id=5&x=1", NULL, 0},
	{"share.example", "/view?id=55", NULL, 0},
	{"share.example", "/view", NULL, 0},
	{"share.example", "/view/?id=5", NULL, 0},
	{"share.example", "/?p=7", "u4", 0},
	{"share.example", "/?p=8", NULL, 0},
	{"share.example", "/x/?p=7", NULL, 0},
	{"share.example", "/x?p=7", NULL, 0},
	/* url entries are per host: not for subdomains, not for parents */
	{"x.share.example", "/u/123/", NULL, 0},
	{"example", "/u/123/", NULL, 0},
	{"share2.example", "/only", "u8", 0},
	{"share2.example", "/other", NULL, 0},
	/* ports are part of the path */
	{"port.example", ":8080/x/", "u5", 0},
	{"port.example", ":8080/x/y", "u5", 0},
	{"port.example", "/x/y", NULL, 0},
	{"port.example", ":8081/x/y", NULL, 0},
	{"port.example", ":80800/x/y", NULL, 0},
	/* IP literal hosts */
	{"[2001:db8::1]", "/a", "u6", 0},
	{"[2001:db8::1]", "/b", NULL, 0},
	{"192.0.2.7", "/p", "u10", 0},
	{"192.0.2.7", "/q", NULL, 0},	/* not blocked by domain entry "7" */
	{"192.0.2.8", "/q", "h6", 0},
	/* domain and host entries apply to HTTP too */
	{"bad.example", "/", "d1", 0},
	{"x.bad.example", "/a?b", "d1", 0},
	{"x.sub.bad.example", "/", "d6", 2},
	{"notbad.example", "/", NULL, 0},
	{"exact.example", "/x", "h1", 0},
	{"both.example", "/", "h2", 0},
	/* a url entry over a host entry on the same host */
	{"mixed.example", "/p", "u9", 2},
	{"mixed.example", "/p?x", "u9", 2},
	{"mixed.example", "/q", "h5", 2},
	{"", "/", NULL, 0},
};

static void
test_urls(void **state)
{
	struct fixture *f = *state;
	struct norm_url *u = malloc(sizeof(*u));

	for (size_t i = 0; i < ARRAY_LEN(url_cases); i++) {
		const struct url_case *c = &url_cases[i];
		struct match_result r;
		bool hit;

		mkurl(u, c->host, c->rest);
		hit = match_url(f->m, u, &r);
		if (hit != (c->id != NULL))
			fail_msg("match_url(%s %s): %s, expected %s", c->host,
			    c->rest, hit ? r.id : "allow",
			    c->id ? c->id : "allow");
		if (!hit)
			continue;
		if (strcmp(r.id, c->id) != 0 || r.feed != c->feed)
			fail_msg("match_url(%s %s): %s (feed %u), expected "
			    "%s (feed %u)", c->host, c->rest, r.id, r.feed,
			    c->id, c->feed);
		check_entry(f->m, &r);
	}
	free(u);
}

static void
test_host_has_urls(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *host;
		bool has;
	} cases[] = {
		{"share.example", true}, {"share2.example", true},
		{"mixed.example", true}, {"port.example", true},
		{"[2001:db8::1]", true}, {"192.0.2.7", true},
		{"x.share.example", false}, {"example", false},
		{"bad.example", false}, {"exact.example", false},
		{"192.0.2.8", false}, {"hare.example", false}, {"", false},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool has = match_host_has_urls(f->m, cases[i].host,
		    strlen(cases[i].host));

		if (has != cases[i].has)
			fail_msg("match_host_has_urls(%s) = %d", cases[i].host,
			    has);
	}
}

/* Entry numbers are dense and each describes one list entry exactly. */
static void
test_entries(void **state)
{
	struct fixture *f = *state;
	size_t n = matcher_entries(f->m);
	bool seen[ARRAY_LEN(feed0) + ARRAY_LEN(feed2)] = {false};
	struct match_result r;

	assert_int_equal(n, ARRAY_LEN(feed0) + ARRAY_LEN(feed2));
	for (uint32_t i = 0; i < n; i++) {
		const struct tentry *t;
		size_t k;

		matcher_entry(f->m, i, &r);
		assert_int_equal(r.entry, i);
		assert_true(r.feed == 0 || r.feed == 2);
		t = r.feed == 0 ? feed0 : feed2;
		for (k = 0; strcmp(t[k].id, r.id) != 0; k++)
			assert_true(k + 1 < (r.feed ? ARRAY_LEN(feed2) :
			    ARRAY_LEN(feed0)));
		assert_int_equal(r.type, type_of(t[k].type));
		assert_int_equal(r.cat, t[k].cat);
		k += r.feed == 0 ? 0 : ARRAY_LEN(feed0);
		assert_false(seen[k]);
		seen[k] = true;
	}
	matcher_entry(f->m, (uint32_t)n, &r);	/* out of range: empty */
	assert_string_equal(r.id, "");
	assert_true(matcher_bytes(f->m) > 0);
}

/* Many entries on one name, feeds beyond the one-byte encoding, large
 * category numbers, empty ids. */
static void
test_encoding_limits(void **state)
{
	enum { NFEEDS = 300 };
	struct list **lists = calloc(NFEEDS, sizeof(*lists));
	struct matcher *m;
	struct match_result r;
	struct norm_url u;
	struct verr e;
	char id[32];

	(void)state;
	for (unsigned f = 0; f < NFEEDS; f++) {
		if (f % 7 == 3)
			continue;
		lists[f] = tlist_new(4);
		snprintf(id, sizeof(id), "f%u", f);
		if (f >= 40) {		/* only later feeds carry these */
			tlist_add(lists[f], LIST_DOMAIN, "many.example", id,
			    f * 1000u);
			tlist_add(lists[f], LIST_URL, "many.example/x", id,
			    UINT32_MAX);
		}
		tlist_add(lists[f], LIST_HOST, "h.many.example", f == 299 ?
		    "" : id, f);
	}
	m = matcher_build(lists, NFEEDS, &e);
	if (m == NULL)
		fail_msg("%s", e.msg);
	assert_true(match_name(m, "a.many.example", 14, &r));
	assert_string_equal(r.id, "f40");
	assert_int_equal(r.feed, 40);
	assert_int_equal(r.cat, 40000);
	check_entry(m, &r);
	assert_true(match_name(m, "h.many.example", 14, &r));
	assert_string_equal(r.id, "f0");	/* host over domain */
	check_entry(m, &r);
	mkurl(&u, "many.example", "/x");
	assert_true(match_url(m, &u, &r));
	assert_int_equal(r.type, LIST_URL);
	assert_int_equal(r.feed, 40);
	assert_int_equal(r.cat, UINT32_MAX);
	check_entry(m, &r);
	for (uint32_t i = 0; i < matcher_entries(m); i++) {
		matcher_entry(m, i, &r);
		assert_int_equal(r.entry, i);
		if (r.feed == 299 && r.type == LIST_HOST)
			assert_string_equal(r.id, "");
		else
			assert_int_equal(strtoul(r.id + 1, NULL, 10), r.feed);
	}
	matcher_free(m);
	for (unsigned f = 0; f < NFEEDS; f++)
		tlist_free(lists[f]);
	free(lists);
}

static void
test_empty(void **state)
{
	struct list *lists[2] = {NULL, tlist_new(0)};
	struct matcher *m;
	struct match_result r;
	struct norm_url u;
	struct verr e;

	(void)state;
	m = matcher_build(lists, 2, &e);
	assert_non_null(m);
	assert_int_equal(matcher_entries(m), 0);
	assert_false(match_name(m, "bad.example", 11, &r));
	mkurl(&u, "bad.example", "/");
	assert_false(match_url(m, &u, &r));
	assert_false(match_host_has_urls(m, "bad.example", 11));
	matcher_free(m);
	m = matcher_build(NULL, 0, &e);
	assert_non_null(m);
	matcher_free(m);
	matcher_free(NULL);
	assert_int_equal(matcher_bytes(NULL), 0);
	tlist_free(lists[1]);
}

static void
expect_build_error(struct list *l, const char *needle)
{
	struct verr e = {{0}};
	struct matcher *m = matcher_build(&l, 1, &e);

	assert_null(m);
	if (strstr(e.msg, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", e.msg, needle);
	tlist_free(l);
}

static void
test_build_errors(void **state)
{
	struct list *l;
	char big[300];

	(void)state;
	l = tlist_new(2);
	tlist_add(l, LIST_DOMAIN, "ok.example", "e1", 0);
	tlist_add(l, LIST_URL, "nopath.example", "e2", 0);
	expect_build_error(l, "entry 1 (id \"e2\")");

	l = tlist_new(1);
	tlist_add(l, LIST_DOMAIN, "", "e1", 0);
	expect_build_error(l, "no usable name");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	l = tlist_new(1);
	tlist_add(l, LIST_HOST, big, "e1", 0);
	expect_build_error(l, "no usable name");

	l = tlist_new(1);
	tlist_add(l, LIST_DOMAIN, "ok.example", "e1", 0);
	l->entries = NULL;		/* as list_drop_entries() leaves it */
	expect_build_error(l, "dropped");
}

/* Names longer than a key: only suffixes that can be keys are probed. */
static void
test_long_names(void **state)
{
	struct fixture *f = *state;
	char name[600];
	struct match_result r;
	size_t n;

	memset(name, 'a', sizeof(name));
	for (size_t i = 1; i < 500; i += 2)
		name[i] = '.';
	n = 500 + (size_t)snprintf(name + 500, 100, ".bad.example");
	assert_true(match_name(f->m, name, n, &r));
	assert_string_equal(r.id, "d1");
	memset(name, '.', sizeof(name));
	assert_false(match_name(f->m, name, sizeof(name), &r));
	assert_false(match_host_has_urls(f->m, name, sizeof(name)));
}

/* End to end with norm.c: list values canonicalised by norm_name() and
 * norm_url(), traffic by norm_name() and norm_http(), so the Unicode and
 * punycode forms of a name, case, trailing dots, percent-encoding, dot
 * segments and default ports all meet in one canonical form. */
static void
add_norm(struct list *l, enum list_entry_type t, const char *value,
    const char *id)
{
	char buf[NORM_URL_MAX + NORM_NAME_MAX + 4];
	struct norm_url u;

	if (t == LIST_URL) {
		if (norm_url(value, strlen(value), &u) < 0)
			fail_msg("norm_url(%s) failed", value);
		snprintf(buf, sizeof(buf), "%s%s", u.host, u.rest);
		tlist_add(l, t, buf, id, 0);
		assert_int_equal(l->entries[l->nentries - 1].url_host_len,
		    u.hostlen);
	} else {
		if (norm_name(value, strlen(value), buf) < 0)
			fail_msg("norm_name(%s) failed", value);
		tlist_add(l, t, buf, id, 0);
	}
}

static void
test_norm_end_to_end(void **state)
{
	static const struct {
		const char *in;
		const char *id;
	} ncases[] = {
		{"b\xc3\xbc" "cher.example", "idn"},
		{"xn--bcher-kva.example", "idn"},
		{"WWW.B\xc3\x9c" "CHER.EXAMPLE.", "idn"},
		{"www.xn--bcher-kva.example", "idn"},
		{"bucher.example", NULL},
		{"\xe4\xbe\x8b\xe3\x81\x88.example", "jp"},
		{"xn--r8jz45g.example", "jp"},
		{"Bad.Example.", "d1"},
		{"x.BAD.example", "d1"},
		{"notbad.example", NULL},
		{"Exact.Example", "h1"},
		{"www.exact.example", NULL},
	};
	static const struct {
		const char *host, *target, *id;
	} ucases[] = {
		{"Share.Example", "/u/123/x", "u1"},
		{"share.example:80", "/u/%31%323/", "u1"},
		{"share.example", "/u/abc/../123/./x", "u1"},
		{"share.example", "//u//123//x", "u1"},
		{"share.example", "/u/123", NULL},
		{"share.example", "/U/123/", NULL},
		{"share.example:8080", "/u/123/", NULL},
		{NULL, "http://SHARE.example/u/123/x#frag", "u1"},
		{"other.example", "http://share.example/u/123/", "u1"},
		{"share.example", "/view?id=5", "u3"},
		{"share.example", "/view?id=5#x", "u3"},
		{"share.example", "/view?id=%35", "u3"},
		{"share.example", "/view?id=6", NULL},
		{"b\xc3\xbc" "cher.example", "/any", "idn"},
		{"xn--bcher-kva.example", "/p/q", "ub"},
		{"B\xc3\x9c" "CHER.example", "/p/q?x", "ub"},
		{"[2001:DB8:0::1]", "/a", "u6"},
		{"[2001:db8::1]:80", "/a?b", "u6"},
		{"[2001:db8::2]", "/a", NULL},
	};
	struct list *l = tlist_new(16);
	struct matcher *m;
	struct match_result r;
	struct norm_url *u = malloc(sizeof(*u));
	struct verr e;
	char out[NORM_NAME_MAX + 1];

	(void)state;
	add_norm(l, LIST_DOMAIN, "B\xc3\xbc" "cher.Example", "idn");
	add_norm(l, LIST_DOMAIN, "xn--r8jz45g.example", "jp");
	add_norm(l, LIST_DOMAIN, "bad.example.", "d1");
	add_norm(l, LIST_HOST, "EXACT.example", "h1");
	add_norm(l, LIST_URL, "http://share.example/u/123/", "u1");
	add_norm(l, LIST_URL, "https://SHARE.example:443/view?id=5", "u3");
	add_norm(l, LIST_URL, "b\xc3\xbc" "cher.example/p/q", "ub");
	add_norm(l, LIST_URL, "http://[2001:db8::1]/a", "u6");
	m = matcher_build(&l, 1, &e);
	if (m == NULL)
		fail_msg("%s", e.msg);
	for (size_t i = 0; i < ARRAY_LEN(ncases); i++) {
		int n;
		bool hit;

		n = norm_name(ncases[i].in, strlen(ncases[i].in), out);
		if (n < 0)
			fail_msg("norm_name(%s) failed", ncases[i].in);
		hit = match_name(m, out, (size_t)n, &r);
		if (hit != (ncases[i].id != NULL) ||
		    (hit && strcmp(r.id, ncases[i].id) != 0))
			fail_msg("%s (%s): %s, expected %s", ncases[i].in, out,
			    hit ? r.id : "allow",
			    ncases[i].id ? ncases[i].id : "allow");
	}
	for (size_t i = 0; i < ARRAY_LEN(ucases); i++) {
		const char *h = ucases[i].host;
		bool hit;

		if (norm_http(h, h ? strlen(h) : 0,
		    ucases[i].target, strlen(ucases[i].target), u) < 0)
			fail_msg("norm_http(%s, %s) failed", ucases[i].host,
			    ucases[i].target);
		hit = match_url(m, u, &r);
		if (hit != (ucases[i].id != NULL) ||
		    (hit && strcmp(r.id, ucases[i].id) != 0))
			fail_msg("%s %s: %s, expected %s", ucases[i].host,
			    ucases[i].target, hit ? r.id : "allow",
			    ucases[i].id ? ucases[i].id : "allow");
	}
	matcher_free(m);
	tlist_free(l);
	free(u);
}

/* matcher_rebuild(): a new list for one feed, the others read back from
 * the previous matcher (their lists' entries dropped), one feed disabled. */
static void
test_rebuild(void **state)
{
	static const struct tentry f0[] = {
		{"domain", "dup.example", "a", 1}, {"domain", "dup.example", "b", 2},
		{"host", "dup.example", "h", 3}, {"url", "dup.example/x/", "u", 4},
		{"url", "dup.example/x/", "u2", 5}, {"domain", "old.example", "o", 6},
	};
	static const struct tentry f1_old[] = {
		{"domain", "one.example", "p1", 0}, {"domain", "dup.example", "p2", 0},
	};
	static const struct tentry f1_new[] = {
		{"domain", "new.example", "n1", 7},
	};
	static const struct tentry f2[] = {
		{"domain", "gone.example", "g1", 0},
	};
	struct list *lists[3], *l1new;
	struct matcher *m, *m2, *m3;
	struct match_result r;
	struct norm_url u;
	struct verr e;
	bool keep[3] = {true, false, false};

	(void)state;
	lists[0] = tlist_from(f0, ARRAY_LEN(f0));
	lists[1] = tlist_from(f1_old, ARRAY_LEN(f1_old));
	lists[2] = tlist_from(f2, ARRAY_LEN(f2));
	m = matcher_build(lists, 3, &e);
	assert_non_null(m);
	/* the daemon drops the entries once a matcher holds them */
	for (unsigned i = 0; i < 3; i++)
		lists[i]->entries = NULL;
	l1new = tlist_from(f1_new, ARRAY_LEN(f1_new));
	{
		struct list *next[3] = {lists[0], l1new, lists[2]};

		m2 = matcher_rebuild(m, next, keep, 3, &e);
	}
	if (m2 == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(matcher_entries(m2), ARRAY_LEN(f0) + ARRAY_LEN(f1_new));
	assert_true(match_name(m2, "x.dup.example", 13, &r));
	assert_string_equal(r.id, "a");		/* still the first in its list */
	assert_int_equal(r.cat, 1);
	check_entry(m2, &r);
	assert_true(match_name(m2, "dup.example", 11, &r));
	assert_string_equal(r.id, "h");
	mkurl(&u, "dup.example", "/x/y");
	assert_true(match_url(m2, &u, &r));
	assert_string_equal(r.id, "u");
	assert_int_equal(r.cat, 4);
	assert_true(match_host_has_urls(m2, "dup.example", 11));
	assert_true(match_name(m2, "a.old.example", 13, &r));
	assert_true(match_name(m2, "new.example", 11, &r));
	assert_string_equal(r.id, "n1");
	assert_int_equal(r.feed, 1);
	assert_int_equal(r.cat, 7);
	assert_false(match_name(m2, "one.example", 11, &r));	/* replaced */
	assert_false(match_name(m2, "gone.example", 12, &r));	/* disabled */
	/* keep everything, from a rebuilt matcher: the same answers */
	keep[1] = true;
	{
		struct list *next[3] = {lists[0], NULL, lists[2]};

		m3 = matcher_rebuild(m2, next, keep, 3, &e);
	}
	assert_non_null(m3);
	assert_int_equal(matcher_entries(m3), matcher_entries(m2));
	assert_true(match_name(m3, "x.dup.example", 13, &r));
	assert_string_equal(r.id, "a");
	assert_true(match_name(m3, "new.example", 11, &r));
	assert_string_equal(r.id, "n1");
	assert_true(match_url(m3, &u, &r));
	assert_string_equal(r.id, "u");
	/* no previous matcher: only lists with entries count */
	matcher_free(m3);
	m3 = matcher_rebuild(NULL, lists, keep, 3, &e);
	assert_non_null(m3);
	assert_int_equal(matcher_entries(m3), 0);
	matcher_free(m3);
	matcher_free(m2);
	matcher_free(m);
	for (unsigned i = 0; i < 3; i++)
		tlist_free(lists[i]);
	tlist_free(l1new);
}

/* Property test: random lists over a small alphabet (so that names share
 * suffixes, prefixes and label boundaries) against a linear scan. */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

static const char *const plabels[] = {"a", "b", "ab", "ba", "x", "xa", "a-b",
    "0", "bb", "aa"};
static const char *const prests[] = {"/", "/a", "/a/", "/a/b", "/a?x",
    "/ab", "/a/?x", ":8080/a/", "/?x", "/a/b/", "/a?y", "/b"};

static void
rand_name(char *out, size_t size)
{
	unsigned n = 1 + rnd(4);
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    i ? "." : "", plabels[rnd(ARRAY_LEN(plabels))]);
}

/* A name near an existing value: a child, a parent, a sibling sharing a
 * suffix without a label boundary, or the value itself. */
static void
near_name(const char *v, size_t vlen, char *out, size_t size)
{
	const char *dot = memchr(v, '.', vlen);

	switch (rnd(5)) {
	case 0:
		snprintf(out, size, "%s.%.*s", plabels[rnd(ARRAY_LEN(plabels))],
		    (int)vlen, v);
		break;
	case 1:
		snprintf(out, size, "%s%.*s", plabels[rnd(ARRAY_LEN(plabels))],
		    (int)vlen, v);
		break;
	case 2:
		if (dot != NULL)
			snprintf(out, size, "%.*s", (int)(vlen - (size_t)(dot + 1 -
			    v)), dot + 1);
		else
			snprintf(out, size, "%.*s", (int)vlen, v);
		break;
	case 3:
		snprintf(out, size, "%.*s", (int)(vlen > 1 ? vlen - 1 : vlen),
		    v + (vlen > 1));
		break;
	default:
		snprintf(out, size, "%.*s", (int)vlen, v);
		break;
	}
}

struct ref_hit {
	bool found;
	unsigned feed;
	size_t idx;
	const struct list_entry *le;
};

/* Is candidate (feed f, entry i, key length klen, rank) better than h? */
static bool
ref_better(const struct ref_hit *h, size_t klen, unsigned rankv, size_t hklen,
    unsigned hrank)
{
	if (!h->found)
		return true;
	if (klen != hklen)
		return klen > hklen;
	return rankv < hrank;	/* feed and index order come from the scan */
}

static void
ref_match_name(struct list **lists, unsigned nlists, const char *name,
    size_t len, bool exact_only, struct ref_hit *h)
{
	size_t hklen = 0;
	unsigned hrank = 0;

	h->found = false;
	for (unsigned f = 0; f < nlists; f++) {
		for (size_t i = 0; lists[f] && i < lists[f]->nentries; i++) {
			const struct list_entry *le = &lists[f]->entries[i];
			size_t vlen = strlen(le->value);
			bool cover;
			unsigned rankv = le->type == LIST_HOST ? 0 : 1;

			if (le->type == LIST_URL)
				continue;
			cover = vlen == len && memcmp(le->value, name, len) == 0;
			if (!cover && le->type == LIST_DOMAIN && !exact_only)
				cover = len > vlen && name[len - vlen - 1] == '.' &&
				    memcmp(name + len - vlen, le->value, vlen) == 0;
			if (!cover || !ref_better(h, vlen, rankv, hklen, hrank))
				continue;
			*h = (struct ref_hit){true, f, i, le};
			hklen = vlen;
			hrank = rankv;
		}
	}
}

static bool
ref_url_covers(const char *rest, const struct norm_url *u)
{
	size_t elen = strlen(rest);

	if (strchr(rest, '?') != NULL)
		return strcmp(rest, u->rest) == 0;
	if (rest[elen - 1] == '/')
		return u->pathend >= elen && strncmp(rest, u->rest, elen) == 0;
	return u->pathend == elen && strncmp(rest, u->rest, elen) == 0;
}

static void
ref_match_url(struct list **lists, unsigned nlists, const struct norm_url *u,
    struct ref_hit *h)
{
	size_t best = 0;

	h->found = false;
	for (unsigned f = 0; f < nlists; f++) {
		for (size_t i = 0; lists[f] && i < lists[f]->nentries; i++) {
			const struct list_entry *le = &lists[f]->entries[i];
			const char *rest = le->value + le->url_host_len;

			if (le->type != LIST_URL ||
			    le->url_host_len != u->hostlen ||
			    memcmp(le->value, u->host, u->hostlen) != 0 ||
			    !ref_url_covers(rest, u))
				continue;
			if (h->found && strlen(rest) <= best)
				continue;
			*h = (struct ref_hit){true, f, i, le};
			best = strlen(rest);
		}
	}
	if (!h->found)
		ref_match_name(lists, nlists, u->host, u->hostlen,
		    u->host_is_ip, h);
}

static void
compare(const char *what, const char *in, bool hit,
    const struct match_result *r, const struct ref_hit *h,
    const struct matcher *m)
{
	if (hit != h->found)
		fail_msg("%s(%s): matcher %s, reference %s", what, in,
		    hit ? r->id : "allow", h->found ? h->le->id : "allow");
	if (!hit)
		return;
	if (r->feed != h->feed || strcmp(r->id, h->le->id) != 0 ||
	    r->type != h->le->type || r->cat != h->le->cat)
		fail_msg("%s(%s): matcher %s feed %u, reference %s feed %u",
		    what, in, r->id, r->feed, h->le->id, h->feed);
	check_entry(m, r);
}

static void
property_round(unsigned nentries, unsigned nlookups)
{
	unsigned nlists = 1 + rnd(3);
	struct list *lists[3] = {NULL, NULL, NULL};
	struct list empty[3], *dropped[3] = {&empty[0], &empty[1], &empty[2]};
	bool keep[3] = {true, true, true};
	struct matcher *m, *m2;
	struct norm_url *u = malloc(sizeof(*u));
	struct verr e;
	char v[128], name[160], id[32];

	memset(empty, 0, sizeof(empty));
	for (unsigned f = 0; f < nlists; f++) {
		unsigned n = rnd(nentries + 1);

		lists[f] = tlist_new(n);
		for (unsigned i = 0; i < n; i++) {
			enum list_entry_type t = rnd(3);

			rand_name(v, sizeof(v));
			if (t == LIST_URL) {
				size_t l = strlen(v);

				snprintf(v + l, sizeof(v) - l, "%s",
				    prests[rnd(ARRAY_LEN(prests))]);
			}
			snprintf(id, sizeof(id), "f%ue%u", f, i);
			tlist_add(lists[f], t, v, id, rnd(300));
		}
	}
	m = matcher_build(lists, nlists, &e);
	if (m == NULL)
		fail_msg("matcher_build: %s", e.msg);
	/* the same feeds read back from m: must answer the same */
	m2 = matcher_rebuild(m, dropped, keep, nlists, &e);
	if (m2 == NULL)
		fail_msg("matcher_rebuild: %s", e.msg);
	assert_int_equal(matcher_entries(m2), matcher_entries(m));
	for (unsigned k = 0; k < nlookups; k++) {
		struct match_result r;
		struct ref_hit h;
		unsigned f = rnd(nlists);
		bool hit;

		if (lists[f]->nentries > 0 && rnd(3) != 0) {
			const struct list_entry *le =
			    &lists[f]->entries[rnd((unsigned)lists[f]->nentries)];
			size_t vlen = le->type == LIST_URL ? le->url_host_len :
			    strlen(le->value);

			near_name(le->value, vlen, name, sizeof(name));
		} else {
			rand_name(name, sizeof(name));
		}
		hit = match_name(m, name, strlen(name), &r);
		ref_match_name(lists, nlists, name, strlen(name), false, &h);
		compare("match_name", name, hit, &r, &h, m);
		hit = match_name(m2, name, strlen(name), &r);
		compare("match_name (rebuilt)", name, hit, &r, &h, m2);
		if (strlen(name) == 0)
			continue;
		mkurl(u, name, prests[rnd(ARRAY_LEN(prests))]);
		if (rnd(4) == 0) {	/* a deeper path or another query */
			size_t l = u->restlen;

			u->restlen += (size_t)snprintf(u->rest + l,
			    sizeof(u->rest) - l, "%s", rnd(2) ? "x" : "/y");
			if (!u->has_query)
				u->pathend = u->restlen;
		}
		hit = match_url(m, u, &r);
		ref_match_url(lists, nlists, u, &h);
		compare("match_url", name, hit, &r, &h, m);
		hit = match_url(m2, u, &r);
		compare("match_url (rebuilt)", name, hit, &r, &h, m2);
		if (match_host_has_urls(m, u->host, u->hostlen)) {
			bool any = false;

			for (unsigned g = 0; g < nlists; g++)
				for (size_t i = 0; i < lists[g]->nentries; i++)
					any |= lists[g]->entries[i].type ==
					    LIST_URL &&
					    lists[g]->entries[i].url_host_len ==
					    u->hostlen &&
					    memcmp(lists[g]->entries[i].value,
					    u->host, u->hostlen) == 0;
			assert_true(any);
		}
	}
	matcher_free(m);
	matcher_free(m2);
	for (unsigned f = 0; f < nlists; f++)
		tlist_free(lists[f]);
	free(u);
}

static void
test_property(void **state)
{
	const char *s = getenv("VETO_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : UINT64_C(0x5eed0fba5e);
	unsigned rounds = 0, lookups = 0;

	(void)state;
	rng_state = seed ? seed : 1;
	printf("property seed 0x%" PRIx64 " (set VETO_SEED to change)\n", seed);
	for (unsigned i = 0; i < 400; i++, rounds++, lookups += 50)
		property_round(1 + rnd(40), 50);
	for (unsigned i = 0; i < 10; i++, rounds++, lookups += 2000)
		property_round(2000, 2000);
	printf("property: %u random lists, %u names and %u URLs agree with "
	    "the reference, built and rebuilt\n", rounds, lookups, lookups);
}

/* Many distinct keys: fingerprint and home collisions happen; every key
 * is found and a near miss of each is not. */
static void
test_many_keys(void **state)
{
	enum { N = 200000 };
	struct list *l = tlist_new(N);
	struct matcher *m;
	struct matcher_info mi;
	struct match_result r;
	struct verr e;
	char v[64], id[16];

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		snprintf(v, sizeof(v), "n%u.k%u.example", i, i % 97);
		snprintf(id, sizeof(id), "e%u", i);
		tlist_add(l, i % 5 ? LIST_DOMAIN : LIST_HOST, v, id, 0);
	}
	m = matcher_build(&l, 1, &e);
	if (m == NULL)
		fail_msg("%s", e.msg);
	matcher_info(m, &mi);
	assert_int_equal(mi.keys, N);
	assert_int_equal(mi.entries, N);
	assert_true(mi.max_dist <= 255);
	for (unsigned i = 0; i < N; i++) {
		size_t n = (size_t)snprintf(v, sizeof(v), "w.n%u.k%u.example",
		    i, i % 97);

		snprintf(id, sizeof(id), "e%u", i);
		assert_true(match_name(m, v + 2, n - 2, &r));
		assert_string_equal(r.id, id);
		assert_int_equal(match_name(m, v, n, &r), i % 5 != 0);
		v[2] = 'm';		/* a sibling */
		assert_false(match_name(m, v + 2, n - 2, &r));
	}
	matcher_free(m);
	tlist_free(l);
}

/* The per-thread cache answers exactly what match_name() answers, for a
 * stream of repeated names much larger than the cache, across matchers
 * that are swapped (a name blocked by one matcher and not by the next must
 * never come back from the cache), for names too long to be cached, and
 * for two matchers alternating (each line remembers its matcher). */
static void
test_cache(void **state)
{
	enum { N = 20000, Q = 200000 };
	struct list *l1 = tlist_new(N), *l2 = tlist_new(N);
	struct matcher *m1, *m2, *cur;
	struct match_cache *c = match_cache_new();
	struct match_result r1, r2;
	struct verr e;
	char v[200], id[16];
	uint64_t hits, misses, seed = 0x1234;

	(void)state;
	assert_non_null(c);
	for (unsigned i = 0; i < N; i++) {
		snprintf(v, sizeof(v), "n%u.c%u.example", i, i % 31);
		snprintf(id, sizeof(id), "e%u", i);
		/* m1 lists the even names, m2 the odd ones */
		tlist_add(i % 2 ? l2 : l1, LIST_DOMAIN, v, id, 0);
	}
	m1 = matcher_build(&l1, 1, &e);
	m2 = matcher_build(&l2, 1, &e);
	assert_non_null(m1);
	assert_non_null(m2);
	cur = m1;
	for (unsigned q = 0; q < Q; q++) {
		unsigned i;
		size_t n;
		bool a, b;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* skewed: most queries on a few hundred names */
		i = (unsigned)(seed >> 33) % (q % 4 ? 300 : N);
		if (q % 19997 == 0)
			cur = cur == m1 ? m2 : m1;	/* a policy swap */
		if (q % 7 == 0)			/* a name too long to cache */
			n = (size_t)snprintf(v, sizeof(v), "%0100u.n%u.c%u.example",
			    q, i, i % 31);
		else
			n = (size_t)snprintf(v, sizeof(v), "x%u.n%u.c%u.example",
			    q % 3, i, i % 31);
		a = match_name(cur, v, n, &r1);
		b = match_name_cached(cur, c, v, n, &r2);
		if (a != b)
			fail_msg("query %u: `%s': match_name %d, cached %d", q, v, a, b);
		if (a) {
			assert_string_equal(r1.id, r2.id);
			assert_int_equal(r1.entry, r2.entry);
		}
	}
	match_cache_stats(c, &hits, &misses);
	if (hits <= Q / 3)
		fail_msg("the cache answered %" PRIu64 " of %u", hits, (unsigned)Q);
	assert_true(misses > 0);
	match_cache_free(c);
	matcher_free(m1);
	matcher_free(m2);
	tlist_free(l1);
	tlist_free(l2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_urls, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_host_has_urls,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_entries, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_long_names, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test(test_encoding_limits),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_norm_end_to_end),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
