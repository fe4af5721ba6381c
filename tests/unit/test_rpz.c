/*
 * test_rpz.c - the RPZ zone (issue 17) from a policy snapshot: what goes
 * in, what is left out and why, the serial, and that nothing in a list
 * can start a record of its own. The resolvers themselves read it in
 * tests/integ/test_rpz.sh.
 */
#include "unit.h"

#include "core/conf.h"
#include "policy/list.h"
#include "policy/policy.h"
#include "serve/rpz.h"

static struct list *
parse(const char *serial, const char *feed, const char *entries)
{
	struct list_limits lim = {1 << 20, 1000};
	char buf[8192];
	struct verr e;
	struct list *l;
	int n = snprintf(buf, sizeof(buf), "{\"format\": \"veto-list/1\", "
	    "\"feed\": \"%s\", \"serial\": \"%s\", \"issued\": "
	    "\"2026-01-01T00:00:00Z\", \"expires\": \"2036-01-01T00:00:00Z\", "
	    "\"authority\": {\"name\": \"A\"}, \"categories\": {\"csam\": "
	    "{\"label\": \"C\"}, \"test\": {\"label\": \"T\"}}, \"entries\": "
	    "[%s]}", feed, serial, entries);

	l = list_parse((const uint8_t *)buf, (size_t)n, &lim, &e);
	if (l == NULL)
		fail_msg("list: %s", e.msg);
	return l;
}

/* The zone of one or two lists (NULL: none), as text. */
static char *
zone(struct list *a, struct list *b, int action, uint32_t *serial,
    struct rpz_stats *st)
{
	static const char text[] = "queues = 0\nstop_page_ipv4 = 192.0.2.1\n"
	    "list_file = /nonexistent\nlist_key_file = tests/data/lists/a.pub\nlist_feed = t/a\n"
	    "[feed two]\nlist_file = /nonexistent2\n"
	    "list_key_file = tests/data/lists/a.pub\nlist_feed = t/b\n";
	struct verr e;
	struct conf *c = conf_parse(text, sizeof(text) - 1, "t.conf", &e);
	struct list *lists[2] = {a, b};
	int health[2] = {a ? FEED_OK : FEED_NONE, b ? FEED_OK : FEED_NONE};
	struct policy *p;
	struct rpz_opts o;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (c == NULL)
		fail_msg("conf: %s", e.msg);
	p = policy_build(c, lists, health, NULL, &e);
	assert_non_null(p);
	assert_int_equal(rpz_opts_from_conf(c, &o, &e), 0);
	o.action = action;
	o.has_stop4 = true;
	o.stop4.s_addr = htonl(0xc0000201);
	f = open_memstream(&out, &len);
	assert_int_equal(rpz_write(f, p, &o, 0, st, &e), 0);
	fclose(f);
	*serial = st->serial;
	policy_discard(p);
	conf_free(c);
	return out;
}

static void
test_entries(void **state)
{
	struct list *l = parse("2026120701", "t/a",
	    "{\"id\": \"d\", \"type\": \"domain\", \"value\": \"bad.example\", \"cat\": \"csam\"},"
	    "{\"id\": \"h\", \"type\": \"host\", \"value\": \"Exact.Example.\", \"cat\": \"test\"},"
	    "{\"id\": \"u\", \"type\": \"url\", \"value\": \"http://page.example/x\", \"cat\": \"csam\"},"
	    "{\"id\": \"ip\", \"type\": \"host\", \"value\": \"192.0.2.7\", \"cat\": \"csam\"}");
	struct rpz_stats st;
	uint32_t serial;
	char *z = zone(l, NULL, RPZ_ACTION_NXDOMAIN, &serial, &st);

	(void)state;
	assert_non_null(strstr(z, "\nbad.example CNAME . ; feed=t/a id=d cat=csam\n"));
	assert_non_null(strstr(z, "\n*.bad.example CNAME . ; feed=t/a id=d cat=csam\n"));
	assert_non_null(strstr(z, "\nexact.example CNAME . ; feed=t/a id=h cat=test\n"));
	/* a host entry: no wildcard; a url entry, an address: left out */
	assert_null(strstr(z, "*.exact.example"));
	assert_null(strstr(z, "page.example"));
	assert_null(strstr(z, "192.0.2.7"));
	assert_int_equal(st.names, 2);
	assert_int_equal(st.wildcards, 1);
	assert_int_equal(st.skipped_url, 1);
	assert_int_equal(st.skipped_ip, 1);
	assert_int_equal(serial, 2026120701u);
	assert_non_null(strstr(z, "\n@ SOA localhost. hostmaster.localhost. 2026120701 "));
	free(z);
	list_unref(l);
}

/* The same name as host in one feed and domain in another: one `name`
 * record (the host entry's, as vetod reports it) and the wildcard. */
static void
test_two_feeds(void **state)
{
	struct list *a = parse("5", "t/a",
	    "{\"id\": \"h\", \"type\": \"host\", \"value\": \"both.example\", \"cat\": \"csam\"}");
	struct list *b = parse("7", "t/b",
	    "{\"id\": \"d\", \"type\": \"domain\", \"value\": \"both.example\", \"cat\": \"csam\"}");
	struct rpz_stats st;
	uint32_t serial;
	char *z = zone(a, b, RPZ_ACTION_NODATA, &serial, &st);
	char *first;

	(void)state;
	first = strstr(z, "\nboth.example CNAME *. ; feed=t/a id=h");
	assert_non_null(first);
	assert_null(strstr(first + 1, "\nboth.example "));
	assert_non_null(strstr(z, "\n*.both.example CNAME *. ; feed=t/b id=d"));
	assert_int_equal(serial, 12);	/* 5 + 7 */
	free(z);
	list_unref(a);
	list_unref(b);
}

/* A name that does not fit under the origin is left out, counted. (Ids,
 * feed ids and categories are printable ASCII without spaces: list.c
 * refuses anything else, so none can start a record of its own.) */
static void
test_limits(void **state)
{
	char entries[2048], name[300];
	struct list *l;
	struct rpz_stats st;
	uint32_t serial;
	char *z;

	(void)state;
	/* 4 labels of 60 + "x.example": 250 bytes, within 253 alone */
	snprintf(name, sizeof(name), "%.60s.%.60s.%.60s.%.60s.x.example",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	snprintf(entries, sizeof(entries),
	    "{\"id\": \"long\", \"type\": \"host\", \"value\": \"%s\", \"cat\": \"csam\"},"
	    "{\"id\": \"x\", \"type\": \"host\", "
	    "\"value\": \"ok.example\", \"cat\": \"csam\"}", name);
	l = parse("1", "t/a", entries);
	z = zone(l, NULL, RPZ_ACTION_STOPPAGE, &serial, &st);
	assert_int_equal(st.skipped_long, 1);
	assert_null(strstr(z, "aaaa"));
	assert_non_null(strstr(z, "\nok.example A 192.0.2.1 ; feed=t/a id=x cat=csam\n"));
	assert_int_equal(st.names, 1);
	free(z);
	list_unref(l);
}

static void
test_opts(void **state)
{
	struct rpz_opts o;
	struct verr e;

	(void)state;
	assert_int_equal(rpz_action_parse("nodata"), RPZ_ACTION_NODATA);
	assert_int_equal(rpz_action_parse("drop"), -1);
	assert_int_equal(rpz_origin_set(&o, "RPZ.Example.", &e), 0);
	assert_string_equal(o.origin, "rpz.example");
	assert_int_equal(rpz_origin_set(&o, "a..b", &e), -1);
	assert_int_equal(rpz_origin_set(&o, "192.0.2.1", &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_two_feeds),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_opts),
	};

	list_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
