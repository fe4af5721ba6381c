/* test_feeds.c - the daemon's feeds at run time (feeds.c): install,
 * unchanged, rollback, tampering, the change guardrail and its
 * confirmation, expiry and grace with both on_expired policies, restart
 * from the state directory, a tampered state directory, and two feeds where
 * one changes while the other keeps its entries. Lists are signed with the
 * demo key by tests/unit/signer.h (byte-identical to minisign). */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include "vetod/feeds.h"
#include "policy/match.h"
#include "policy/policy.h"
#include "signer.h"

static char dir[64];
static struct signer demo;
static char pub[64];
static time_t t0;

struct signed_list {
	char *json, *sig;
	size_t len, siglen;
};

/* A list of feed `feed` with `n` extra domain entries (x0.many.example ...)
 * besides bad.example, expiring at `expires`. */
static void
make_list(struct signed_list *sl, const char *feed, const char *serial,
    time_t expires, unsigned n, const char *extra_value)
{
	char exp[32], iss[32];
	size_t cap = 4096 + (size_t)n * 96, len;
	char *j = malloc(cap);

	time_format_rfc3339(expires, exp);
	time_format_rfc3339(t0 - 3600, iss);
	len = (size_t)snprintf(j, cap, "{\"format\":\"veto-list/1\",\"feed\":\"%s\","
	    "\"serial\":\"%s\",\"issued\":\"%s\",\"expires\":\"%s\","
	    "\"authority\":{\"name\":\"A\"},\"categories\":{\"c\":{\"label\":\"c\"}},"
	    "\"entries\":[{\"id\":\"bad\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"c\"}",
	    feed, serial, iss, exp);
	if (extra_value != NULL)
		len += (size_t)snprintf(j + len, cap - len, ",{\"id\":\"extra\","
		    "\"type\":\"host\",\"value\":\"%s\",\"cat\":\"c\"}", extra_value);
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(j + len, cap - len, ",{\"id\":\"x%u\","
		    "\"type\":\"domain\",\"value\":\"x%u.many.example\",\"cat\":\"c\"}",
		    i, i);
	len += (size_t)snprintf(j + len, cap - len, "]}\n");
	sl->json = j;
	sl->len = len;
	sl->sig = signer_sign(&demo, (const uint8_t *)j, len, "test", false,
	    &sl->siglen);
	assert_non_null(sl->sig);
}

static void
free_list(struct signed_list *sl)
{
	free(sl->json);
	free(sl->sig);
}

static struct conf *
make_conf(const char *extra)
{
	char path[128];
	struct verr e;
	struct conf *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/veto.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "stop_page_ipv4 = 192.0.2.1\nstate_dir = %s/state\n"
	    "list_file = %s/none.json\nlist_key = %s\nlist_feed = t/one\n%s",
	    dir, dir, pub, extra);
	fclose(f);
	c = conf_load(path, &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	return c;
}

static bool
blocks(const char *name)
{
	struct policy *p = policy_get();
	struct match_result r;
	bool b;

	assert_non_null(p);
	b = match_name(p->matcher, name, strlen(name), &r);
	policy_put(p);
	return b;
}

static enum trust_verdict
offer(struct feeds *fs, unsigned idx, const struct signed_list *sl, time_t now,
    unsigned flags)
{
	char msg[VERR_MAX];

	return feeds_offer(fs, idx, (const uint8_t *)sl->json, sl->len,
	    (const uint8_t *)sl->sig, sl->siglen, now, flags, msg, sizeof(msg));
}

static int
setup(void **state)
{
	(void)state;
	t0 = time(NULL);
	str_copy(dir, "/tmp/veto-feeds-XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(signer_load("conf/demo/demo.key", &demo), 0);
	signer_pubkey(&demo, pub);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
test_lifecycle(void **state)
{
	struct conf *c = make_conf("");
	struct verr e;
	struct feeds *fs;
	struct signed_list v1, v1b, v0, v3, bad;
	struct feed_status st;

	(void)state;
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	assert_non_null(fs);
	assert_int_equal(feeds_load(fs, t0), 0);
	assert_int_equal(feeds_publish(fs, &e), 0);
	assert_true(feeds_unprotected(fs));
	assert_false(blocks("bad.example"));

	make_list(&v1, "t/one", "10", t0 + 86400, 10, NULL);
	assert_int_equal(offer(fs, 0, &v1, t0, 0), TRUST_INSTALL);
	assert_true(blocks("bad.example"));
	assert_true(blocks("www.x3.many.example"));
	assert_false(feeds_unprotected(fs));
	feeds_status(fs, 0, &st);
	assert_string_equal(st.serial, "10");
	assert_int_equal(st.health, FEED_OK);

	/* the same bytes: unchanged */
	assert_int_equal(offer(fs, 0, &v1, t0, 0), TRUST_UNCHANGED);
	/* an older serial: refused, the last good list stays */
	make_list(&v0, "t/one", "9", t0 + 86400, 10, "older.example");
	assert_int_equal(offer(fs, 0, &v0, t0, 0), TRUST_REFUSED);
	assert_false(blocks("older.example"));
	assert_true(blocks("bad.example"));
	/* a tampered list: refused */
	make_list(&bad, "t/one", "11", t0 + 86400, 10, "tampered.example");
	bad.json[bad.len - 5] ^= 1;
	assert_int_equal(offer(fs, 0, &bad, t0, 0), TRUST_REFUSED);
	assert_false(blocks("tampered.example"));
	/* a small change installs */
	make_list(&v1b, "t/one", "11", t0 + 86400, 10, "new.example");
	assert_int_equal(offer(fs, 0, &v1b, t0, 0), TRUST_INSTALL);
	assert_true(blocks("new.example"));
	/* a big change is held until confirmed */
	make_list(&v3, "t/one", "12", t0 + 86400, 200, "held.example");
	assert_int_equal(offer(fs, 0, &v3, t0, 0), TRUST_HELD);
	assert_false(blocks("held.example"));
	assert_true(blocks("new.example"));
	feeds_status(fs, 0, &st);
	assert_int_equal(st.held, 1);
	{
		char msg[VERR_MAX];
		assert_int_equal(feeds_confirm(fs, -1, "12", t0, msg, sizeof(msg)),
		    TRUST_INSTALL);
	}
	assert_true(blocks("held.example"));
	assert_true(blocks("x150.many.example"));
	feeds_free(fs);

	/* a restart puts the last good list in force again */
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	assert_non_null(fs);
	assert_int_equal(feeds_load(fs, t0), 1);
	assert_int_equal(feeds_publish(fs, &e), 0);
	assert_true(blocks("held.example"));
	feeds_free(fs);
	free_list(&v1);
	free_list(&v1b);
	free_list(&v0);
	free_list(&v3);
	free_list(&bad);
	conf_free(c);
}

static void
test_tampered_state(void **state)
{
	struct conf *c = make_conf("");
	struct verr e;
	struct feeds *fs;
	char path[256], cmd[512];

	(void)state;
	/* the state of test_lifecycle: serial 12 */
	snprintf(path, sizeof(path), "%s/state/feeds/default/list-12.json", dir);
	snprintf(cmd, sizeof(cmd), "sed -i 's/held.example/hold.example/' %s", path);
	assert_int_equal(system(cmd), 0);
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	assert_non_null(fs);
	assert_int_equal(feeds_load(fs, t0), 0);	/* refused: not enforced */
	assert_int_equal(feeds_publish(fs, &e), 0);
	assert_true(feeds_unprotected(fs));
	assert_false(blocks("hold.example"));
	assert_false(blocks("bad.example"));
	/* the publisher still serves the genuine list of that serial: it is
	 * judged anew (not "unchanged") and put in force again */
	{
		struct signed_list v3;
		make_list(&v3, "t/one", "12", t0 + 86400, 200, "held.example");
		assert_int_equal(offer(fs, 0, &v3, t0, 0), TRUST_INSTALL);
		assert_true(blocks("held.example"));
		assert_false(feeds_unprotected(fs));
		/* and now it is the list in force: unchanged */
		assert_int_equal(offer(fs, 0, &v3, t0, 0), TRUST_UNCHANGED);
		free_list(&v3);
	}
	feeds_free(fs);
	conf_free(c);
}

static void
expiry(const char *policy_line, int want_health, bool want_enforced)
{
	char extra[128];
	struct conf *c;
	struct verr e;
	struct feeds *fs;
	struct signed_list l;
	struct feed_status st;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/state", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(extra, sizeof(extra), "list_grace = 1000\n%s\n", policy_line);
	c = make_conf(extra);
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	assert_non_null(fs);
	feeds_load(fs, t0);
	make_list(&l, "t/one", "20", t0 + 100, 0, NULL);
	assert_int_equal(offer(fs, 0, &l, t0, 0), TRUST_INSTALL);
	assert_false(feeds_tick(fs, t0 + 50));
	feeds_status(fs, 0, &st);
	assert_int_equal(st.health, FEED_OK);
	/* past expires, within the grace: still enforced, said so */
	feeds_tick(fs, t0 + 200);
	feeds_status(fs, 0, &st);
	assert_int_equal(st.health, FEED_EXPIRED);
	assert_true(blocks("bad.example"));
	/* the expired list offered again byte for byte: nothing breaks */
	assert_int_equal(offer(fs, 0, &l, t0 + 200, 0), TRUST_EXPIRED);
	assert_true(blocks("bad.example"));
	/* past the grace: on_expired decides */
	feeds_tick(fs, t0 + 2000);
	feeds_status(fs, 0, &st);
	assert_int_equal(st.health, want_health);
	assert_int_equal(st.enforced, want_enforced);
	assert_int_equal(blocks("bad.example"), want_enforced);
	assert_int_equal(feeds_unprotected(fs), !want_enforced);
	feeds_free(fs);
	free_list(&l);
	conf_free(c);
}

static void
test_expiry_enforce(void **state)
{
	(void)state;
	expiry("on_expired = enforce", FEED_STALE, true);
}

static void
test_expiry_disable(void **state)
{
	(void)state;
	expiry("on_expired = disable", FEED_DISABLED, false);
}

/* One feed changes: the other keeps its entries (taken from the previous
 * matcher, since its list's entries were dropped after the first build);
 * one feed's failure never disables the other. */
static void
test_two_feeds(void **state)
{
	struct conf *c;
	struct verr e;
	struct feeds *fs;
	struct signed_list a1, b1, a2, bbad;
	char extra[512], cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s/state", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(extra, sizeof(extra), "[feed two]\nlist_file = %s/none2.json\n"
	    "list_key = %s\nlist_feed = t/two\n", dir, pub);
	c = make_conf(extra);
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	assert_non_null(fs);
	feeds_load(fs, t0);
	make_list(&a1, "t/one", "1", t0 + 86400, 5, "one.example");
	make_list(&b1, "t/two", "1", t0 + 86400, 5, "two.example");
	assert_int_equal(offer(fs, 0, &a1, t0, 0), TRUST_INSTALL);
	assert_int_equal(offer(fs, 1, &b1, t0, 0), TRUST_INSTALL);
	assert_true(blocks("one.example"));
	assert_true(blocks("two.example"));
	/* feed two fails; feed one changes: both keep what they had */
	make_list(&bbad, "t/one", "2", t0 + 86400, 5, "wrongfeed.example");
	assert_int_equal(offer(fs, 1, &bbad, t0, 0), TRUST_REFUSED);
	make_list(&a2, "t/one", "2", t0 + 86400, 5, "one-new.example");
	assert_int_equal(offer(fs, 0, &a2, t0, 0), TRUST_INSTALL);
	assert_true(blocks("one-new.example"));
	assert_false(blocks("one.example"));
	assert_true(blocks("two.example"));
	assert_true(blocks("x4.many.example"));
	assert_false(blocks("wrongfeed.example"));
	feeds_free(fs);
	free_list(&a1);
	free_list(&b1);
	free_list(&a2);
	free_list(&bbad);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_tampered_state),
		cmocka_unit_test(test_expiry_enforce),
		cmocka_unit_test(test_expiry_disable),
		cmocka_unit_test(test_two_feeds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
