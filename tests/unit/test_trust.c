/* test_trust.c - the acceptance pipeline and the feed state directory:
 * install, unchanged, rollback, wrong feed, future issued, expired,
 * guardrails, the change guardrail (held, confirmed), locking, the
 * fetcher's fields, reloading the last good list and noticing tampering. */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signer.h"
#include "trust/trust.h"

#define NOW 1800000000	/* 2027-01-15 */
#define ISSUED "2027-01-01T00:00:00Z"
#define EXPIRES "2036-01-01T00:00:00Z"
#define FEED "test/trust"

struct fx {
	char dir[64];
	struct signer sg;
	struct guard *guard;
	struct trust_params p;
};

/* A list with n generated entries plus `extra` (JSON objects, may be ""). */
static char *
make_list(const char *feed, const char *serial, const char *issued,
    const char *expires, int n, const char *extra, size_t *len)
{
	size_t cap = 4096 + (size_t)n * 96 + strlen(extra), o = 0;
	char *b = malloc(cap);

	o += (size_t)snprintf(b + o, cap - o, "{\"format\": \"veto-list/1\", "
	    "\"feed\": \"%s\", \"serial\": \"%s\", \"issued\": \"%s\", "
	    "\"expires\": \"%s\", \"authority\": {\"name\": \"T\"}, "
	    "\"categories\": {\"c\": {\"label\": \"C\"}, \"test\": {\"label\": "
	    "\"Canary\"}}, \"entries\": [", feed, serial, issued, expires);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(b + o, cap - o, "%s{\"id\": \"e%d\", \"type\": "
		    "\"domain\", \"value\": \"bad%d.example\", \"cat\": \"c\"}",
		    i ? "," : "", i, i);
	o += (size_t)snprintf(b + o, cap - o, "%s%s]}\n", n && *extra ? "," : "",
	    extra);
	*len = o;
	return b;
}

struct signed_list {
	char *list, *sig;
	size_t len, siglen;
};

static struct signed_list
signed_list(struct fx *f, const char *feed, const char *serial, const char *issued,
    const char *expires, int n, const char *extra)
{
	struct signed_list s;

	s.list = make_list(feed, serial, issued, expires, n, extra, &s.len);
	s.sig = signer_sign(&f->sg, (uint8_t *)s.list, s.len, "trust test", false,
	    &s.siglen);
	assert_non_null(s.sig);
	return s;
}

static void
sl_free(struct signed_list *s)
{
	free(s->list);
	free(s->sig);
}

static enum trust_verdict
eval(struct trust_feed *t, const struct signed_list *s, time_t now,
    struct trust_candidate *c)
{
	return trust_evaluate(t, (uint8_t *)s->list, s->len, (uint8_t *)s->sig,
	    s->siglen, now, 0, c);
}

/* Evaluate and commit under the lock; returns the verdict. */
static enum trust_verdict
accept_list(struct trust_feed *t, const struct signed_list *s, time_t now)
{
	struct trust_candidate c;
	struct verr e;
	enum trust_verdict v;

	assert_int_equal(trust_lock(t, true, &e), 0);
	v = eval(t, s, now, &c);
	if (v != TRUST_REFUSED && trust_commit(t, &c, now, &e) == -1)
		fail_msg("commit: %s", e.msg);
	trust_candidate_free(&c);
	trust_unlock(t);
	return v;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct verr e;
	struct sig_key k;

	str_copy(f->dir, "/tmp/veto-trust-XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(signer_load(unit_data("lists/a.key"), &f->sg), 0);
	f->guard = guard_new_text("www.protected.example\n", 22, "nb", &e);
	assert_non_null(f->guard);
	f->p.name = "main";
	f->p.feed = FEED;
	assert_int_equal(sig_key_load(unit_data("lists/a.pub"), &k, &e), 0);
	assert_int_equal(sig_keyring_add(&f->p.keys, &k, &e), 0);
	f->p.limits.max_bytes = 1 << 24;
	f->p.limits.max_entries = 100000;
	f->p.max_change = 50;
	f->p.guard = f->guard;
	f->p.state_dir = f->dir;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	guard_free(f->guard);
	free(f);
	return 0;
}

static struct trust_feed *
open_feed(struct fx *f)
{
	struct verr e;
	struct trust_feed *t = trust_open(&f->p, &e);

	if (t == NULL)
		fail_msg("%s", e.msg);
	return t;
}

static bool
exists(struct fx *f, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/feeds/main/%s", f->dir, rel);
	return access(path, F_OK) == 0;
}

static void
test_install_and_reload(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	struct trust_candidate c;
	struct list *l;
	struct sig_info info;
	struct verr e;
	struct stat st;
	char path[512];

	/* the directories are made 0700 */
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/feeds/main", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_false(trust_state(t)->have);

	assert_int_equal(eval(t, &s, NOW, &c), TRUST_INSTALL);
	assert_non_null(strstr(c.reason, "no list of this feed accepted before"));
	assert_string_equal(c.sig.comment, "trust test");
	/* committing needs the lock */
	assert_int_equal(trust_commit(t, &c, NOW, &e), -1);
	assert_non_null(strstr(e.msg, "without the state lock"));
	assert_int_equal(trust_lock(t, false, &e), 0);
	assert_int_equal(trust_commit(t, &c, NOW, &e), 0);
	trust_candidate_free(&c);
	trust_unlock(t);
	assert_true(exists(f, "list-10.json"));
	assert_true(exists(f, "list-10.json.minisig"));
	snprintf(path, sizeof(path), "%s/feeds/main/list-10.json", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(trust_state(t)->have);
	assert_string_equal(trust_state(t)->serial, "10");
	assert_int_equal(trust_state(t)->entries, 5);
	assert_int_equal(trust_state(t)->installed, NOW);
	trust_close(t);

	/* a new process: the state is read back, the list verified again */
	t = open_feed(f);
	assert_string_equal(trust_state(t)->feed, FEED);
	assert_int_equal(trust_state(t)->size, s.len);
	assert_int_equal(trust_load_good(t, &l, &info, &e), 0);
	assert_non_null(l);
	assert_string_equal(l->serial, "10");
	assert_int_equal(l->nentries, 5);
	assert_string_equal(info.comment, "trust test");
	list_free(l);
	/* the same bytes again: unchanged, nothing parsed */
	assert_int_equal(eval(t, &s, NOW, &c), TRUST_UNCHANGED);
	assert_true(c.same_as_last);
	assert_null(c.list);
	trust_candidate_free(&c);
	trust_close(t);
	sl_free(&s);
}

static void
test_rollback_and_same_serial(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s10 = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	struct signed_list s9 = signed_list(f, FEED, "9", ISSUED, EXPIRES, 5, "");
	struct signed_list s10b = signed_list(f, FEED, "10", ISSUED, EXPIRES, 6, "");
	struct signed_list s11 = signed_list(f, FEED, "0011", ISSUED, EXPIRES, 6, "");
	struct trust_candidate c;

	assert_int_equal(accept_list(t, &s10, NOW), TRUST_INSTALL);
	assert_int_equal(eval(t, &s9, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "serial 9 is lower than the last accepted "
	    "serial 10: rollback refused"));
	trust_candidate_free(&c);
	assert_int_equal(eval(t, &s10b, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "the bytes differ"));
	trust_candidate_free(&c);
	/* compared as numbers: 0011 > 10 */
	assert_int_equal(accept_list(t, &s11, NOW), TRUST_INSTALL);
	assert_string_equal(trust_state(t)->serial, "0011");
	/* the previous list files are gone */
	assert_false(exists(f, "list-10.json"));
	assert_true(exists(f, "list-0011.json"));
	assert_int_equal(eval(t, &s10, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "rollback refused"));
	trust_candidate_free(&c);
	trust_close(t);
	sl_free(&s10);
	sl_free(&s9);
	sl_free(&s10b);
	sl_free(&s11);
}

static void
test_identity(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list other = signed_list(f, "test/other", "10", ISSUED, EXPIRES, 5, "");
	struct signed_list future = signed_list(f, FEED, "10", "2027-01-15T08:06:41Z", EXPIRES, 5, "");
	struct signed_list skew = signed_list(f, FEED, "10", "2027-01-15T08:04:00Z", EXPIRES, 5, "");
	struct signed_list expired = signed_list(f, FEED, "10", "2026-01-01T00:00:00Z",
	    "2027-01-01T00:00:00Z", 5, "");
	struct trust_candidate c;

	assert_int_equal(eval(t, &other, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "feed \"test/other\" is not the configured "
	    "feed \"test/trust\""));
	trust_candidate_free(&c);
	/* NOW is 2027-01-15T08:00:00Z: 401 s ahead is refused, 240 s is skew */
	assert_int_equal(eval(t, &future, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "is in the future (more than 300 seconds"));
	trust_candidate_free(&c);
	assert_int_equal(eval(t, &skew, NOW, &c), TRUST_INSTALL);
	trust_candidate_free(&c);
	assert_int_equal(eval(t, &expired, NOW, &c), TRUST_EXPIRED);
	assert_non_null(strstr(c.reason, "expired: serial 10 expired at 2027-01-01T00:00:00Z"));
	assert_non_null(c.list);	/* authentic: the caller may still use it */
	trust_candidate_free(&c);
	trust_close(t);
	sl_free(&other);
	sl_free(&future);
	sl_free(&skew);
	sl_free(&expired);
}

static void
test_signature_refusals(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	struct signer b;
	struct trust_candidate c;
	char *sigb;
	size_t nb;

	/* one byte changed */
	s.list[40] ^= 1;
	assert_int_equal(eval(t, &s, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "signature does not match the list"));
	assert_null(c.list);
	trust_candidate_free(&c);
	s.list[40] ^= 1;
	/* another key */
	assert_int_equal(signer_load(unit_data("lists/b.key"), &b), 0);
	sigb = signer_sign(&b, (uint8_t *)s.list, s.len, "x", false, &nb);
	assert_int_equal(trust_evaluate(t, (uint8_t *)s.list, s.len, (uint8_t *)sigb,
	    nb, NOW, 0, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "not among the trusted keys"));
	trust_candidate_free(&c);
	free(sigb);
	/* legacy, unless the feed allows it */
	sigb = signer_sign(&f->sg, (uint8_t *)s.list, s.len, "x", true, &nb);
	assert_int_equal(trust_evaluate(t, (uint8_t *)s.list, s.len, (uint8_t *)sigb,
	    nb, NOW, 0, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "legacy"));
	trust_candidate_free(&c);
	trust_close(t);
	f->p.sig_flags = SIG_ALLOW_LEGACY;
	t = open_feed(f);
	assert_int_equal(trust_evaluate(t, (uint8_t *)s.list, s.len, (uint8_t *)sigb,
	    nb, NOW, 0, &c), TRUST_INSTALL);
	trust_candidate_free(&c);
	free(sigb);
	/* over list_max_bytes */
	trust_close(t);
	f->p.limits.max_bytes = s.len - 1;
	t = open_feed(f);
	assert_int_equal(eval(t, &s, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "more than list_max_bytes"));
	trust_candidate_free(&c);
	trust_close(t);
	sl_free(&s);
}

static void
test_guardrails(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list good = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	struct signed_list bad = signed_list(f, FEED, "11", ISSUED, EXPIRES, 5,
	    "{\"id\": \"tld\", \"type\": \"domain\", \"value\": \"com\", \"cat\": \"c\"},"
	    "{\"id\": \"psl\", \"type\": \"domain\", \"value\": \"co.uk\", \"cat\": \"c\"},"
	    "{\"id\": \"nbp\", \"type\": \"domain\", \"value\": \"protected.example\", \"cat\": \"c\"},"
	    "{\"id\": \"nbe\", \"type\": \"host\", \"value\": \"www.protected.example\", \"cat\": \"c\"}");
	struct trust_candidate c;

	assert_int_equal(accept_list(t, &good, NOW), TRUST_INSTALL);
	assert_int_equal(eval(t, &bad, NOW, &c), TRUST_REFUSED);
	assert_non_null(strstr(c.reason, "guardrail: 4 entries would over-block"));
	assert_non_null(strstr(c.report, "(id \"tld\"): domain \"com\" is a top-level domain"));
	assert_non_null(strstr(c.report, "(id \"psl\"): domain \"co.uk\" is a public suffix"));
	assert_non_null(strstr(c.report, "(id \"nbp\"): domain \"protected.example\" would "
	    "block never-block name \"www.protected.example\""));
	assert_non_null(strstr(c.report, "(id \"nbe\"): host \"www.protected.example\" would "
	    "block"));
	trust_candidate_free(&c);
	/* the last good list stays */
	assert_string_equal(trust_state(t)->serial, "10");
	trust_close(t);
	sl_free(&good);
	sl_free(&bad);
}

static void
test_held_and_confirm(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s10 = signed_list(f, FEED, "10", ISSUED, EXPIRES, 100, "");
	struct signed_list s11 = signed_list(f, FEED, "11", ISSUED, EXPIRES, 150, "");
	struct signed_list s12 = signed_list(f, FEED, "12", ISSUED, EXPIRES, 226, "");
	struct signed_list s13 = signed_list(f, FEED, "13", ISSUED, EXPIRES, 40, "");
	struct trust_candidate c;
	struct verr e;
	char **held;
	size_t n;

	assert_int_equal(accept_list(t, &s10, NOW), TRUST_INSTALL);
	/* +50%: at the limit, installed */
	assert_int_equal(accept_list(t, &s11, NOW), TRUST_INSTALL);
	/* 150 -> 226: +51%, held */
	assert_int_equal(eval(t, &s12, NOW, &c), TRUST_HELD);
	assert_non_null(strstr(c.reason, "held: the entry count changed by 51% (from 150 "
	    "to 226), more than list_max_change (50%)"));
	assert_non_null(strstr(c.reason, "veto list confirm -c CONF 12"));
	trust_candidate_free(&c);
	assert_int_equal(accept_list(t, &s12, NOW), TRUST_HELD);
	assert_true(exists(f, "held/12.json"));
	assert_true(exists(f, "held/12.json.minisig"));
	assert_string_equal(trust_state(t)->serial, "11");	/* not enforced */
	assert_int_equal(accept_list(t, &s13, NOW), TRUST_HELD);
	assert_int_equal(trust_held_list(t, &held, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(held[0], "13");
	assert_string_equal(held[1], "12");
	trust_held_free(held, n);
	/* confirming needs the lock, and an existing held list */
	assert_int_equal(trust_lock(t, false, &e), 0);
	assert_int_equal(trust_confirm(t, "99", NOW, &c, &e), -1);
	assert_non_null(strstr(e.msg, "holds no list with serial 99"));
	trust_candidate_free(&c);
	assert_int_equal(trust_confirm(t, "../x", NOW, &c, &e), -1);
	trust_candidate_free(&c);
	assert_int_equal(trust_confirm(t, "12", NOW, &c, &e), 0);
	assert_int_equal(c.verdict, TRUST_INSTALL);
	trust_candidate_free(&c);
	assert_string_equal(trust_state(t)->serial, "12");
	assert_int_equal(trust_state(t)->entries, 226);
	assert_false(exists(f, "held/12.json"));
	assert_true(exists(f, "held/13.json"));
	assert_true(exists(f, "list-12.json"));
	/* 13 is still held (226 -> 40); confirm it too */
	assert_int_equal(trust_confirm(t, "13", NOW, &c, &e), 0);
	trust_candidate_free(&c);
	assert_string_equal(trust_state(t)->serial, "13");
	assert_false(exists(f, "held/13.json"));
	trust_unlock(t);
	trust_close(t);
	sl_free(&s10);
	sl_free(&s11);
	sl_free(&s12);
	sl_free(&s13);
}

/* A held list overtaken by a newer installed list cannot be confirmed. */
static void
test_confirm_overtaken(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s10 = signed_list(f, FEED, "10", ISSUED, EXPIRES, 100, "");
	struct signed_list s11 = signed_list(f, FEED, "11", ISSUED, EXPIRES, 300, "");
	struct signed_list s12 = signed_list(f, FEED, "12", ISSUED, EXPIRES, 110, "");
	struct signed_list s13 = signed_list(f, FEED, "13", ISSUED, EXPIRES, 1000, "");
	struct trust_candidate c;
	struct verr e;

	assert_int_equal(accept_list(t, &s10, NOW), TRUST_INSTALL);
	assert_int_equal(accept_list(t, &s11, NOW), TRUST_HELD);
	assert_int_equal(accept_list(t, &s12, NOW), TRUST_INSTALL);
	/* installing 12 dropped the held 11 */
	assert_false(exists(f, "held/11.json"));
	assert_int_equal(accept_list(t, &s11, NOW), TRUST_REFUSED);
	/* held, then a newer list installed: confirming the held one is a
	 * rollback */
	assert_int_equal(accept_list(t, &s13, NOW), TRUST_HELD);
	trust_close(t);
	f->p.max_change = TRUST_NO_HOLD;	/* the change guardrail off */
	t = open_feed(f);
	assert_int_equal(eval(t, &s13, NOW, &c), TRUST_INSTALL);
	trust_candidate_free(&c);
	trust_close(t);
	f->p.max_change = 50;
	t = open_feed(f);
	{
		struct signed_list s14 = signed_list(f, FEED, "14", ISSUED, EXPIRES, 111, "");
		assert_int_equal(accept_list(t, &s14, NOW), TRUST_INSTALL);
		sl_free(&s14);
	}
	/* installing 14 removed held 13 (its serial is lower) */
	assert_false(exists(f, "held/13.json"));
	assert_int_equal(trust_lock(t, false, &e), 0);
	assert_int_equal(trust_confirm(t, "13", NOW, &c, &e), -1);
	trust_candidate_free(&c);
	trust_unlock(t);
	trust_close(t);
	sl_free(&s13);
	sl_free(&s10);
	sl_free(&s11);
	sl_free(&s12);
}

static void
test_lock(void **state)
{
	struct fx *f = *state;
	struct trust_feed *a = open_feed(f), *b = open_feed(f);
	struct verr e;

	assert_int_equal(trust_lock(a, false, &e), 0);
	assert_int_equal(trust_lock(b, false, &e), -1);
	assert_non_null(strstr(e.msg, "locked by another process"));
	trust_unlock(a);
	assert_int_equal(trust_lock(b, false, &e), 0);
	trust_close(b);		/* closing releases */
	assert_int_equal(trust_lock(a, false, &e), 0);
	trust_close(a);
	/* read-only: no lock, no writing */
	f->p.read_only = true;
	a = open_feed(f);
	assert_int_equal(trust_lock(a, false, &e), -1);
	trust_close(a);
}

static void
test_fetch_fields(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	struct verr e;

	assert_int_equal(trust_note_fetch(t, "\"abc\"", NULL, NOW, "200", &e), -1);
	assert_int_equal(trust_lock(t, false, &e), 0);
	assert_int_equal(trust_note_fetch(t, "\"abc\"", "Wed, 13 Jan 2027 10:00:00 GMT",
	    NOW, "error: line\nbreak", &e), 0);
	trust_unlock(t);
	assert_int_equal(accept_list(t, &s, NOW + 5), TRUST_INSTALL);
	trust_close(t);
	t = open_feed(f);
	assert_string_equal(trust_state(t)->etag, "\"abc\"");
	assert_string_equal(trust_state(t)->last_modified, "Wed, 13 Jan 2027 10:00:00 GMT");
	assert_string_equal(trust_state(t)->fetch_result, "error: line?break");
	assert_int_equal(trust_state(t)->fetched, NOW);
	assert_string_equal(trust_state(t)->serial, "10");	/* kept together */
	trust_close(t);
	sl_free(&s);
}

static void
test_tampering(void **state)
{
	struct fx *f = *state;
	struct trust_feed *t = open_feed(f);
	struct signed_list s = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	struct list *l;
	struct verr e;
	char path[512];
	FILE *fp;

	assert_int_equal(trust_load_good(t, &l, NULL, &e), 0);
	assert_null(l);		/* nothing yet */
	assert_int_equal(accept_list(t, &s, NOW), TRUST_INSTALL);
	/* a changed byte in the stored list */
	snprintf(path, sizeof(path), "%s/feeds/main/list-10.json", f->dir);
	s.list[50] ^= 1;
	assert_int_equal(file_write_atomic(path, s.list, s.len, 0600, &e), 0);
	assert_int_equal(trust_load_good(t, &l, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "last good list 10"));
	assert_non_null(strstr(e.msg, "signature does not match"));
	s.list[50] ^= 1;
	assert_int_equal(file_write_atomic(path, s.list, s.len, 0600, &e), 0);
	assert_int_equal(trust_load_good(t, &l, NULL, &e), 0);
	list_free(l);
	trust_close(t);
	/* keys rotated away: the stored list no longer verifies */
	{
		struct trust_params p = f->p;
		struct sig_key kb;
		assert_int_equal(sig_key_load(unit_data("lists/b.pub"), &kb, &e), 0);
		p.keys.n = 0;
		assert_int_equal(sig_keyring_add(&p.keys, &kb, &e), 0);
		t = trust_open(&p, &e);
		assert_non_null(t);
		assert_int_equal(trust_load_good(t, &l, NULL, &e), -1);
		assert_non_null(strstr(e.msg, "not among the trusted keys"));
		trust_close(t);
	}
	/* a corrupt state file */
	snprintf(path, sizeof(path), "%s/feeds/main/state", f->dir);
	fp = fopen(path, "a");
	fputs("entries lots\n", fp);
	fclose(fp);
	assert_null(trust_open(&f->p, &e));
	assert_non_null(strstr(e.msg, "corrupt state line"));
	sl_free(&s);
}

static void
test_params_from_conf(void **state)
{
	struct fx *f = *state;
	char text[8192], name[64];
	struct blob { uint8_t *p; size_t n; } pub;
	struct trust_params p;
	struct trust_feed *t;
	struct conf *c;
	struct verr e;
	struct signed_list s = signed_list(f, FEED, "10", ISSUED, EXPIRES, 5, "");
	char *line;

	assert_int_equal(file_read(unit_data("lists/b.pub"), 4096, &pub.p, &pub.n, &e), 0);
	line = strchr((char *)pub.p, '\n') + 1;
	line[strcspn(line, "\n")] = '\0';
	snprintf(text, sizeof(text), "state_dir = %s\nstop_page_ipv4 = 192.0.2.1\n"
	    "[feed hot]\nlist_file = /x.json\nlist_feed = %s\nlist_key = %s\n"
	    "list_key_file = %s\nlist_max_change = 10\n", f->dir, FEED, line,
	    unit_data("lists/a.pub"));
	free(pub.p);
	c = conf_parse(text, strlen(text), "t.conf", &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(trust_params_from_conf(c, conf_feed(c, "hot"), f->guard, &p, &e), 0);
	assert_int_equal(p.keys.n, 2);
	assert_int_equal(p.max_change, 10);
	t = trust_open(&p, &e);
	assert_non_null(t);
	assert_int_equal(accept_list(t, &s, NOW), TRUST_INSTALL);
	assert_string_equal(trust_dir(t) + strlen(f->dir), "/feeds/hot");
	trust_close(t);
	assert_int_equal(trust_find_name(f->dir, FEED, name, sizeof(name), &e), 0);
	assert_string_equal(name, "hot");
	assert_int_equal(trust_find_name(f->dir, "no/such", name, sizeof(name), &e), -1);
	conf_free(c);
	/* a bad key in the configuration */
	snprintf(text, sizeof(text), "stop_page_ipv4 = 192.0.2.1\nlist_file = /x\n"
	    "list_feed = a/b\nlist_key = RWQnotakey\n");
	c = conf_parse(text, strlen(text), "t.conf", &e);
	assert_non_null(c);
	assert_int_equal(trust_params_from_conf(c, &c->feeds[0], f->guard, &p, &e), -1);
	assert_non_null(strstr(e.msg, "feed default: list_key 1"));
	conf_free(c);
	sl_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_and_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_and_same_serial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signature_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guardrails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_and_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_overtaken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_from_conf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
