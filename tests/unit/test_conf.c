/* test_conf.c - configuration parsing: defaults, sections, errors quoting
 * the bad value, cross-key validation. */
#include "unit.h"

#include <unistd.h>

#include "core/conf.h"

static char tmpl[] = "/tmp/veto-conf-XXXXXX";

static struct conf *
load_text(const char *text, struct verr *e)
{
	char path[64];
	int fd;
	FILE *f;
	struct conf *c;

	str_copy(path, "/tmp/veto-conf-XXXXXX", sizeof(path));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	c = conf_load(path, e);
	unlink(path);
	return c;
}

#define FEED "list_file = /tmp/x.json\nlist_key = RWQ\nlist_feed = ex/csam\n"
#define STOP "stop_page_ipv4 = 192.0.2.1\n"

static void
test_defaults(void **state)
{
	struct verr e;
	struct conf *c = load_text("# nothing\n\n", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->queue_first, 0);
	assert_int_equal(c->queue_count, 1);
	assert_true(c->fail_open);
	assert_int_equal(c->mode, MODE_ENFORCE);
	assert_string_equal(c->user, "veto");
	assert_int_equal(c->chains, CHAIN_FORWARD);
	assert_int_equal(c->mark_mask, 0x00300000);
	assert_int_equal(c->dns_action, DNS_ACTION_STOPPAGE);
	assert_int_equal(c->dns_ttl, 60);
	assert_int_equal(c->dns_ede, 16);
	assert_int_equal(c->stop_page_status, 451);
	assert_int_equal(c->reasm_flow_bytes, 16384);
	assert_int_equal(c->reasm_memory, 64u << 20);
	assert_string_equal(c->metrics_listen, "127.0.0.1:9153");
	assert_string_equal(c->control_socket, "/run/veto/control.sock");
	assert_int_equal(c->stats_interval, 300);
	assert_int_equal(c->report_min_count, 10);
	assert_string_equal(c->state_dir, "/var/lib/veto");
	assert_int_equal(c->nfeeds, 0);
	assert_int_equal(c->nhttp_ports, 1);
	assert_int_equal(c->http_ports[0], 80);
	conf_free(c);
}

static void
test_feeds(void **state)
{
	struct verr e;
	struct conf *c;
	const struct feed_conf *f;

	(void)state;
	c = load_text(STOP "queues = 2-5  # four threads\nmode = monitor\n"
	    "list_refresh = 600\n" FEED
	    "[feed police]\nlist_url = https://police.example/list.json\n"
	    "list_key = RWA\nlist_key = RWB\nlist_key_file = /etc/k.pub\n"
	    "list_feed = police/court\non_expired = disable\n", &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(c->queue_first, 2);
	assert_int_equal(c->queue_count, 4);
	assert_int_equal(c->mode, MODE_MONITOR);
	assert_int_equal(c->nfeeds, 2);
	f = conf_feed(c, "default");
	assert_non_null(f);
	assert_string_equal(f->file, "/tmp/x.json");
	assert_int_equal(f->refresh, 600);
	f = conf_feed(c, "police");
	assert_non_null(f);
	assert_int_equal(f->nkeys, 2);
	assert_int_equal(f->nkey_files, 1);
	assert_string_equal(f->sig_url, "https://police.example/list.json.minisig");
	assert_int_equal(f->on_expired, ON_EXPIRED_DISABLE);
	/* top-level policy keys are the sections' defaults */
	assert_int_equal(f->refresh, 600);
	assert_int_equal(f->grace, 259200);
	assert_string_equal(c->stop_page_url, "http://192.0.2.1/");
	assert_int_equal(c->nstop_page_listen, 1);
	assert_string_equal(c->stop_page_listen[0], "192.0.2.1:80");
	conf_free(c);
}

static void
test_template_only_top_level(void **state)
{
	struct verr e;
	struct conf *c;

	(void)state;
	c = load_text(STOP "list_grace = 100\n[feed a]\n" FEED, &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(c->nfeeds, 1);
	assert_string_equal(c->feeds[0].name, "a");
	assert_int_equal(c->feeds[0].grace, 100);
	conf_free(c);
}

static void
expect_error(const char *text, const char *needle)
{
	struct verr e;
	struct conf *c = load_text(text, &e);

	if (c != NULL) {
		conf_free(c);
		fail_msg("accepted a bad configuration: %s", text);
	}
	if (strstr(e.msg, needle) == NULL)
		fail_msg("error `%s' does not mention `%s'", e.msg, needle);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("queues = 7-3\n", "`7-3'");
	expect_error("fail_open = maybe\n", "`maybe'");
	expect_error("mode = loud\n", "enforce or monitor");
	expect_error("bogus = 1\n", "unknown key `bogus'");
	expect_error("dns_ttl = -1\n", "`-1'");
	expect_error("mark_mask = 0x00500000\n", "contiguous");
	expect_error("mark_mask = 0x100000\n", "contiguous");
	expect_error("just words\n", "key = value");
	expect_error("[feed]\n", "[feed NAME]");
	expect_error("[feed a/b]\n", "`a/b'");
	/* one feed-name rule (conf_feed_name_ok): the state directory would
	 * refuse these later; the configuration refuses them first */
	expect_error("[feed ..]\n", "`..'");
	expect_error("[feed .hidden]\n", "not starting with");
	assert_true(conf_feed_name_ok("police.court-1_a"));
	assert_false(conf_feed_name_ok(".."));
	assert_false(conf_feed_name_ok(""));
	expect_error(STOP FEED "[feed x]\n" FEED, "both carry list_feed");
	expect_error(STOP "[feed x]\nlist_file = a\nlist_feed = f\n", "list_key");
	expect_error(STOP "[feed x]\nlist_url = http://x/\nlist_key = k\nlist_feed = f\n",
	    "https");
	expect_error(STOP "[feed x]\nlist_key = k\nlist_feed = f\n", "exactly one");
	expect_error(STOP "[feed x]\nmode = monitor\n", "cannot be set inside");
	expect_error(FEED, "stop_page_ipv4");
	expect_error("stop_page_ipv4 = 300.1.1.1\n", "`300.1.1.1'");
	expect_error("stop_page_status = 404\n", "`404'");
	expect_error("metrics_listen = localhost\n", "`localhost'");
	expect_error(STOP "[feed a]\n" FEED "[feed a]\n", "defined twice");
	expect_error("reasm_flow_bytes = 100\n", "at least 2048");
}

static void
test_marks(void **state)
{
	struct verr e;
	struct conf *c = load_text("", &e);

	(void)state;
	assert_int_equal(conf_mark_value(c, MARK_UNDECIDED), 0);
	assert_int_equal(conf_mark_value(c, MARK_ALLOW), 0x00100000);
	assert_int_equal(conf_mark_value(c, MARK_BLOCK), 0x00200000);
	assert_int_equal(conf_mark_value(c, MARK_PASS), 0x00300000);
	conf_free(c);
}

static void
test_print_roundtrip(void **state)
{
	struct verr e;
	struct conf *c, *c2;
	char path[] = "/tmp/veto-conf-rt-XXXXXX";
	int fd;
	FILE *f;

	(void)state;
	c = load_text(STOP "queues = 0-1\nchains = forward,input\n" FEED, &e);
	assert_non_null(c);
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	conf_print(f, c);
	fclose(f);
	c2 = conf_load(path, &e);
	unlink(path);
	if (c2 == NULL)
		fail_msg("printed configuration does not parse: %s", e.msg);
	assert_int_equal(c2->queue_count, 2);
	assert_int_equal(c2->chains, CHAIN_FORWARD | CHAIN_INPUT);
	assert_int_equal(c2->nfeeds, 1);
	assert_string_equal(c2->feeds[0].feed, "ex/csam");
	conf_free(c);
	conf_free(c2);
}

/* A configuration that sets every key, the optional ones too, so that
 * conf_print() names each key of the parser's table. A new optional key
 * belongs here. */
#define ALL_KEYS STOP FEED "stop_page_ipv6 = 2001:db8::1\nca_file = /x.pem\n" \
	"operator_name = X\noperator_url = https://x.example/\n" \
	"operator_contact = a@x.example\nnever_block_file = /x.txt\n" \
	"rpz_file = /x.rpz\n" \
	"[feed b]\nlist_url = https://b.example/l.json\n" \
	"list_sig_url = https://b.example/l.sig\nlist_key_file = /x.pub\n" \
	"list_feed = b/x\nca_file = /y.pem\n"

struct doc_form {
	const char *pre, *post;	/* a key is documented as pre KEY post */
};

/* Every key conf_print() names is documented in DOC in one of FORMS. */
static void
every_key_documented_in(const char *path, const struct doc_form *forms,
    size_t nforms)
{
	struct verr e;
	struct conf *c = load_text(ALL_KEYS, &e);
	char *doc = NULL, line[512], missing[2048] = "";
	size_t doclen = 0;
	unsigned nkeys = 0;
	FILE *mem, *f;

	if (c == NULL)
		fail_msg("%s", e.msg);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s: cannot open (run from the top of the tree)", path);
	mem = open_memstream(&doc, &doclen);
	fputc('\n', mem);
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, mem);
	fclose(f);
	fclose(mem);
	f = tmpfile();
	conf_print(f, c);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char key[128], pat[192];
		char *eq = strstr(line, " = ");
		bool found = false;

		if (eq == NULL)
			continue;
		str_ncopy(key, sizeof(key), line, (size_t)(eq - line));
		nkeys++;
		for (size_t i = 0; i < nforms && !found; i++) {
			snprintf(pat, sizeof(pat), "%s%s%s", forms[i].pre, key,
			    forms[i].post);
			found = strstr(doc, pat) != NULL;
		}
		snprintf(pat, sizeof(pat), " %s ", key);
		if (!found && strstr(missing, pat) == NULL) {
			size_t n = strlen(missing);
			/* " a b " : each key once, feed keys print per feed */
			snprintf(missing + n, sizeof(missing) - n, "%s%s ",
			    n ? "" : " ", key);
		}
	}
	if (missing[0] != '\0')
		fail_msg("keys not documented in %s:%s", path, missing);
	assert_true(nkeys >= 50);	/* the print really names them all */
	fclose(f);
	free(doc);
	conf_free(c);
}

/* Every key the parser knows is documented in conf/veto.conf. */
static void
test_every_key_documented(void **state)
{
	static const struct doc_form forms[] = {{"\n#", " ="}, {"\n", " ="}};

	(void)state;
	every_key_documented_in("conf/veto.conf", forms, ARRAY_LEN(forms));
}

/* ... and in the manual, veto.conf(5): an item `.It Ic KEY`. */
static void
test_every_key_in_man(void **state)
{
	static const struct doc_form forms[] = {{"\n.It Ic ", " "},
		{"\n.It Ic ", "\n"}};

	(void)state;
	every_key_documented_in("man/veto.conf.5", forms, ARRAY_LEN(forms));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_template_only_top_level),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_print_roundtrip),
		cmocka_unit_test(test_every_key_documented),
		cmocka_unit_test(test_every_key_in_man),
	};
	(void)tmpl;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
