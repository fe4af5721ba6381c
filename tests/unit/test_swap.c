/*
 * test_swap.c - the hot swap (issue 4): while lookups run in several
 * threads, the policy is swapped many times; every lookup must answer from
 * either the old or the new list, never a mix or a freed one. Run it under
 * ASan and TSan too (make unit SANITIZER=address,undefined / thread).
 *
 * Two lists alternate by serial: odd serials block a.example, even ones
 * b.example; both block common.example and a few thousand filler names.
 * A reader takes a snapshot per batch (policy_current), and checks within
 * it that what is blocked agrees with the serial of the list the snapshot
 * names. The swaps come through policy_build + policy_publish directly,
 * then through feeds_offer() with signed lists and a state directory, the
 * daemon's own path (verify, parse, trust rules, publish, commit).
 *
 * The longest pause between two lookups of one reader is printed (a
 * figure, never asserted: timing is for benchmarks).
 */
#include <ftw.h>
#include <pthread.h>
#include <unistd.h>

#include "unit.h"

#include "vetod/feeds.h"
#include "policy/list.h"
#include "policy/match.h"
#include "policy/policy.h"
#include "signer.h"

#define READERS 4
#define FILLER 2000
#define BATCH 32

struct shared {
	atomic_bool stop;
	atomic_ulong lookups, wrong, gens;
	atomic_ullong max_gap_ns;
	atomic_int ready;
};

static struct shared sh;

static char *
make_list(unsigned serial, size_t *len)
{
	size_t cap = 200 + FILLER * 90 + 1024, n = 0;
	char *b = xcalloc(1, cap);

	n += (size_t)snprintf(b + n, cap - n, "{\"format\": \"veto-list/1\", "
	    "\"feed\": \"test/swap\", \"serial\": \"%u\", \"issued\": "
	    "\"2026-01-01T00:00:00Z\", \"expires\": \"2036-01-01T00:00:00Z\", "
	    "\"authority\": {\"name\": \"Swap Hotline\"}, \"categories\": "
	    "{\"csam\": {\"label\": \"CSAM\"}}, \"entries\": [\n"
	    "{\"id\": \"c1\", \"type\": \"domain\", \"value\": "
	    "\"common.example\", \"cat\": \"csam\"},\n"
	    "{\"id\": \"%s\", \"type\": \"domain\", \"value\": \"%s\", "
	    "\"cat\": \"csam\"}", serial, serial % 2 ? "a1" : "b1",
	    serial % 2 ? "a.example" : "b.example");
	for (unsigned i = 0; i < FILLER; i++)
		n += (size_t)snprintf(b + n, cap - n, ",\n{\"id\": \"f%u\", "
		    "\"type\": \"host\", \"value\": \"filler%u-%u.example\", "
		    "\"cat\": \"csam\"}", i, i, serial % 2);
	n += (size_t)snprintf(b + n, cap - n, "\n]}\n");
	*len = n;
	return b;
}

/* --- readers ------------------------------------------------------------- */

static bool
blocked(const struct matcher *m, const char *name, const char *id)
{
	struct match_result r;

	if (!match_name(m, name, strlen(name), &r))
		return false;
	return strcmp(r.id, id) == 0;
}

/* One lookup round in snapshot p: true when consistent. */
static bool
consistent(const struct policy *p)
{
	const struct list *l = p->feeds[0].list;
	bool odd;

	if (l == NULL)		/* before the first list: nothing blocked */
		return !blocked(p->matcher, "common.example", "c1");
	odd = (l->serial[strlen(l->serial) - 1] - '0') % 2 == 1;
	return blocked(p->matcher, "common.example", "c1") &&
	    blocked(p->matcher, "www.common.example", "c1") &&
	    blocked(p->matcher, "a.example", "a1") == odd &&
	    blocked(p->matcher, "x.a.example", "a1") == odd &&
	    blocked(p->matcher, "b.example", "b1") == !odd &&
	    !blocked(p->matcher, "example", "c1") &&
	    !blocked(p->matcher, "notcommon.example", "c1");
}

static void *
reader(void *arg)
{
	int slot = policy_reader_register();
	uint64_t last = 0, gen = 0, gap = 0;
	unsigned long n = 0, wrong = 0, gens = 0;

	(void)arg;
	assert_true(slot >= 0);
	atomic_fetch_add(&sh.ready, 1);
	while (!atomic_load(&sh.stop)) {
		const struct policy *p = policy_current(slot);
		if (p == NULL) {
			policy_quiescent(slot);
			continue;
		}
		if (p->gen != gen) {
			gen = p->gen;
			gens++;
		}
		for (int i = 0; i < BATCH; i++) {
			uint64_t t = now_mono_ns();
			if (last != 0 && t - last > gap)
				gap = t - last;
			last = t;
			if (!consistent(p))
				wrong++;
			n++;
		}
		policy_quiescent(slot);
	}
	policy_offline(slot);
	policy_reader_unregister(slot);
	atomic_fetch_add(&sh.lookups, n);
	atomic_fetch_add(&sh.wrong, wrong);
	atomic_fetch_add(&sh.gens, gens);
	if (gap > atomic_load(&sh.max_gap_ns))
		atomic_store(&sh.max_gap_ns, gap);
	return NULL;
}

static void
readers_start(pthread_t *th)
{
	memset(&sh, 0, sizeof(sh));
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, NULL), 0);
	while (atomic_load(&sh.ready) < READERS)
		usleep(1000);
}

static void
readers_stop(pthread_t *th, const char *what, unsigned swaps)
{
	atomic_store(&sh.stop, true);
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	printf("# %s: %u swaps, %lu lookups in %d threads, %lu snapshots "
	    "seen, %lu inconsistent; longest pause between lookups %.1f ms\n",
	    what, swaps, atomic_load(&sh.lookups), READERS,
	    atomic_load(&sh.gens), atomic_load(&sh.wrong),
	    (double)atomic_load(&sh.max_gap_ns) / 1e6);
	assert_int_equal(atomic_load(&sh.wrong), 0);
	/* the readers did run across swaps */
	assert_true(atomic_load(&sh.gens) > READERS);
	assert_true(atomic_load(&sh.lookups) > 0);
}

/* --- configuration --------------------------------------------------- */

static char state_dir[64];

static struct conf *
swap_conf(void)
{
	char text[1024];
	struct verr e;
	struct conf *c;
	int n;

	n = snprintf(text, sizeof(text), "user = root\n"
	    "list_url = https://lists.example/swap.json\n"
	    "list_key_file = %s\n"
	    "list_feed = test/swap\n"
	    "state_dir = %s\n"
	    "dns_action = nxdomain\n"
	    "metrics_listen =\n", unit_data("lists/a.pub"), state_dir);
	c = conf_parse(text, (size_t)n, "swap.conf", &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	return c;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	list_init();
	str_copy(state_dir, "/tmp/veto-test-swap.XXXXXX", sizeof(state_dir));
	assert_non_null(mkdtemp(state_dir));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nftw(state_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* --- the tests ---------------------------------------------------------- */

static void
test_swap_policy(void **state)
{
	struct conf *c = swap_conf();
	pthread_t th[READERS];
	const unsigned swaps = 120;
	struct verr e;

	(void)state;
	readers_start(th);
	for (unsigned i = 1; i <= swaps; i++) {
		size_t len;
		char *text = make_list(i, &len);
		struct list_limits lim = {1 << 20, 100000};
		struct list *l = list_parse((const uint8_t *)text, len, &lim, &e);
		int health = FEED_OK;
		struct policy *p, *old;

		if (l == NULL)
			fail_msg("%s", e.msg);
		p = policy_build(c, &l, &health, NULL, &e);
		if (p == NULL)
			fail_msg("%s", e.msg);
		old = policy_publish(p);
		policy_put(old);	/* freed once no reader can hold it */
		list_unref(l);		/* the policy keeps its own reference */
		free(text);
	}
	readers_stop(th, "policy_build + policy_publish", swaps);
	conf_free(c);
}

static void
test_swap_feeds_offer(void **state)
{
	struct conf *c = swap_conf();
	pthread_t th[READERS];
	struct signer sg;
	struct feeds *fs;
	struct verr e;
	const unsigned swaps = 40;
	char msg[VERR_MAX];

	(void)state;
	assert_int_equal(signer_load(unit_data("lists/a.key"), &sg), 0);
	fs = feeds_new(c, (uid_t)-1, (gid_t)-1, &e);
	if (fs == NULL)
		fail_msg("%s", e.msg);
	feeds_load(fs, time(NULL));
	assert_int_equal(feeds_publish(fs, &e), 0);
	readers_start(th);
	/* serials go on from the previous test's: any number above the state */
	for (unsigned i = 1001; i <= 1000 + swaps; i++) {
		size_t len, siglen;
		char *text = make_list(i, &len);
		char *sig = signer_sign(&sg, (const uint8_t *)text, len,
		    "test_swap", false, &siglen);
		enum trust_verdict v;

		v = feeds_offer(fs, 0, (const uint8_t *)text, len,
		    (const uint8_t *)sig, siglen, time(NULL), 0, msg, sizeof(msg));
		if (v != TRUST_INSTALL)
			fail_msg("serial %u: %s: %s", i, trust_verdict_name(v), msg);
		free(text);
		free(sig);
	}
	/* an older serial and a forged signature: refused, nothing swapped */
	{
		size_t len, siglen;
		char *text = make_list(1001, &len);
		char *sig = signer_sign(&sg, (const uint8_t *)text, len,
		    "test_swap", false, &siglen);
		assert_int_equal(feeds_offer(fs, 0, (const uint8_t *)text, len,
		    (const uint8_t *)sig, siglen, time(NULL), 0, msg,
		    sizeof(msg)), TRUST_REFUSED);
		free(text);
		text = make_list(2001, &len);
		text[len - 3] = ' ';	/* not what was signed */
		assert_int_equal(feeds_offer(fs, 0, (const uint8_t *)text, len,
		    (const uint8_t *)sig, siglen, time(NULL), 0, msg,
		    sizeof(msg)), TRUST_REFUSED);
		free(text);
		free(sig);
	}
	readers_stop(th, "feeds_offer (verify, parse, build, publish, commit)",
	    swaps);
	{
		struct feed_status st;
		char want[16];
		feeds_status(fs, 0, &st);
		snprintf(want, sizeof(want), "%u", 1000 + swaps);
		assert_string_equal(st.serial, want);
	}
	feeds_free(fs);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_policy),
		cmocka_unit_test(test_swap_feeds_offer),
	};

	return cmocka_run_group_tests_name("swap", tests, setup, teardown);
}
