/* test_report.c - the k-anonymous report: counts around the threshold,
 * totals that would give a hidden count away, a random property check,
 * the JSON read back with cJSON, and the schedule end to end (per-thread
 * ring -> drain -> report file) with a fake policy. */
#include "unit.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "policy/match.h"
#include "policy/policy.h"
#include "serve/report.h"

/* A fake matcher for stats_drain(): entry n is "e<n>" of feed 0, category
 * n % 2. Strong definitions: linking the real match.c too would fail
 * loudly instead of silently mixing the two. */
#define FAKE_ENTRIES 64
static char fake_ids[FAKE_ENTRIES][8];

size_t
matcher_entries(const struct matcher *m)
{
	(void)m;
	return FAKE_ENTRIES;
}

void
matcher_entry(const struct matcher *m, uint32_t entry, struct match_result *r)
{
	(void)m;
	memset(r, 0, sizeof(*r));
	snprintf(fake_ids[entry], sizeof(fake_ids[0]), "e%u", entry);
	r->entry = entry;
	r->cat = entry % 2;
	r->feed = 0;
	r->id = fake_ids[entry];
}

/* --- helpers */

static struct stats_total zero;

static struct stats_entry_count
ent(const char *feed, const char *cat, const char *id, uint64_t dns,
    uint64_t http, uint64_t tls, uint64_t quic)
{
	struct stats_entry_count e = {(char *)feed, (char *)id, (char *)cat,
	    {dns, http, tls, quic}};

	return e;
}

static cJSON *
render_json(const struct report_period *p)
{
	size_t len;
	char *text = report_render(p, &len);
	cJSON *j;

	assert_int_equal(strlen(text), len);
	assert_int_equal(text[len - 1], '\n');
	j = cJSON_Parse(text);
	assert_non_null(j);
	free(text);
	return j;
}

static void
period_init(struct report_period *p, struct report_feed *f, unsigned nf,
    const struct stats_entry_count *e, size_t ne, uint64_t k)
{
	memset(p, 0, sizeof(*p));
	p->start = 1764547200;	/* 2025-12-01T00:00:00Z */
	p->end = p->start + 86400;
	p->operator_name = "Example ISP";
	p->min_count = k;
	p->mode_enforce = true;
	p->feeds = f;
	p->nfeeds = nf;
	p->entries = e;
	p->nentries = ne;
	p->delta = &zero;
}

static const cJSON *
get_path(const cJSON *j, const char *path)
{
	char buf[256], *save, *tok;

	str_copy(buf, path, sizeof(buf));
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
		if (cJSON_IsArray(j)) {
			uint64_t i;
			if (!parse_u64(tok, 0, 1000000, &i))
				return NULL;
			j = cJSON_GetArrayItem(j, (int)i);
		} else {
			j = cJSON_GetObjectItem(j, tok);
		}
	}
	return j;
}

/* "12" for a number, the string itself for "<10" or ">=N" */
static const char *
shown(const cJSON *j, const char *path)
{
	static char buf[64];
	const cJSON *v = get_path(j, path);

	if (v == NULL)
		return "(missing)";
	if (cJSON_IsString(v))
		return v->valuestring;
	assert_true(cJSON_IsNumber(v));
	snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
	return buf;
}

static struct report_feed *
one_feed(const char *name, const char *list_feed)
{
	static struct report_feed f;
	static char s0[] = "2025113001", s1[] = "2025120101";
	static char *serials[2] = {s0, s1};

	memset(&f, 0, sizeof(f));
	str_copy(f.name, name, sizeof(f.name));
	str_copy(f.list_feed, list_feed, sizeof(f.list_feed));
	f.serials = serials;
	f.nserials = 2;
	f.health_end = FEED_OK;
	f.list_entries = 1234;
	return &f;
}

/* --- thresholds */

static void
test_threshold(void **state)
{
	struct stats_entry_count e[] = {
		ent("hl/csam", "nine", "a9", 9, 0, 0, 0),
		ent("hl/csam", "ten", "a10", 10, 0, 0, 0),
		ent("hl/csam", "zero", "z", 0, 0, 0, 0),
	};
	struct report_period p;
	cJSON *j;

	(void)state;
	period_init(&p, one_feed("default", "hl/csam"), 1, e, ARRAY_LEN(e), 10);
	j = render_json(&p);
	/* categories sorted by id: nine, ten, zero */
	assert_string_equal(shown(j, "feeds.0.categories.0.id"), "nine");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.dns"), "<10");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.total"), "<10");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.http"), "0");
	assert_string_equal(shown(j, "feeds.0.categories.0.blocked.dns"), "<10");
	assert_string_equal(shown(j, "feeds.0.categories.0.blocked.total"), "<10");
	assert_string_equal(shown(j, "feeds.0.categories.1.entries.0.dns"), "10");
	assert_string_equal(shown(j, "feeds.0.categories.1.entries.0.total"), "10");
	assert_string_equal(shown(j, "feeds.0.categories.1.blocked.dns"), "10");
	assert_string_equal(shown(j, "feeds.0.categories.1.blocked.total"), "10");
	assert_string_equal(shown(j, "feeds.0.categories.2.blocked.total"), "0");
	/* the feed: 19 = 9 (hidden) + 10: exact would reveal the 9 */
	assert_string_equal(shown(j, "feeds.0.blocked.dns"), ">=10");
	assert_string_equal(shown(j, "feeds.0.blocked.total"), ">=10");
	cJSON_Delete(j);

	/* k = 1: everything exact */
	p.min_count = 1;
	j = render_json(&p);
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.dns"), "9");
	assert_string_equal(shown(j, "feeds.0.blocked.total"), "19");
	assert_string_equal(shown(j, "min_count"), "1");
	cJSON_Delete(j);
}

/* Totals over parts: exact only when no hidden part can be computed. */
static void
test_totals(void **state)
{
	struct stats_entry_count e[] = {
		/* one entry over protocols: 15 exact + 3 hidden */
		ent("f", "a", "x1", 15, 0, 3, 0),
		/* two hidden parts that pin each other: 9 + 9 with k = 10 */
		ent("f", "b", "y1", 9, 0, 0, 0),
		ent("f", "b", "y2", 9, 0, 0, 0),
		/* two hidden parts that do not: 5 + 6 */
		ent("f", "c", "z1", 5, 0, 0, 0),
		ent("f", "c", "z2", 6, 0, 0, 0),
		/* all ones pin too: 1 + 1 */
		ent("f", "d", "w1", 0, 1, 0, 0),
		ent("f", "d", "w2", 0, 1, 0, 0),
	};
	struct report_period p;
	cJSON *j;

	(void)state;
	period_init(&p, one_feed("default", "f"), 1, e, ARRAY_LEN(e), 10);
	j = render_json(&p);
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.dns"), "15");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.tls"), "<10");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.total"), ">=15");
	assert_string_equal(shown(j, "feeds.0.categories.0.blocked.total"), ">=15");
	assert_string_equal(shown(j, "feeds.0.categories.1.blocked.dns"), ">=10");
	assert_string_equal(shown(j, "feeds.0.categories.2.blocked.dns"), "11");
	assert_string_equal(shown(j, "feeds.0.categories.2.blocked.total"), "11");
	assert_string_equal(shown(j, "feeds.0.categories.3.blocked.http"), "<10");
	cJSON_Delete(j);
}

/* Every number is 0 or >= k, every string "<k" or ">=N" with N >= k, and
 * no exact total has exactly one hidden part in any split. */
static void
check_counts(const cJSON *o, uint64_t k, bool *hidden)
{
	char below[32];

	snprintf(below, sizeof(below), "<%llu", (unsigned long long)k);
	*hidden = false;
	if (cJSON_IsNumber(o)) {
		assert_true(o->valuedouble == 0 || o->valuedouble >= (double)k);
		return;
	}
	assert_true(cJSON_IsString(o));
	*hidden = true;
	if (strcmp(o->valuestring, below) == 0)
		return;
	assert_true(strncmp(o->valuestring, ">=", 2) == 0);
	assert_true(strtoull(o->valuestring + 2, NULL, 10) >= k);
}

static void
check_row(const cJSON *row, uint64_t k, int *nhidden_parts, bool *total_hidden)
{
	static const char *const pr[] = {"dns", "http", "tls", "quic"};
	bool h;

	*nhidden_parts = 0;
	for (int i = 0; i < 4; i++) {
		check_counts(cJSON_GetObjectItem(row, pr[i]), k, &h);
		*nhidden_parts += h;
	}
	check_counts(cJSON_GetObjectItem(row, "total"), k, total_hidden);
	if (!*total_hidden)
		assert_true(*nhidden_parts != 1);
}

static void
test_property(void **state)
{
	struct stats_entry_count e[200];
	char ids[200][24];
	static const char *const cats[] = {"c0", "c1", "c2", "c3"};
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(rand_r(&seed) % 40) + 1;
		uint64_t k = (uint64_t)(rand_r(&seed) % 12) + 2;
		struct report_period p;
		const cJSON *f, *c, *x;
		int hp, ncat_hidden = 0;
		bool th, fh;
		cJSON *j;

		for (size_t i = 0; i < n; i++) {
			snprintf(ids[i], sizeof(ids[0]), "e%zu", i);
			e[i] = ent("f", cats[rand_r(&seed) % 4], ids[i], 0, 0, 0, 0);
			for (int q = 0; q < 4; q++)
				if (rand_r(&seed) % 2)
					e[i].count[q] = (uint64_t)(rand_r(&seed) % 25);
		}
		period_init(&p, one_feed("default", "f"), 1, e, n, k);
		j = render_json(&p);
		f = get_path(j, "feeds.0");
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(f, "categories")) {
			int ent_hidden = 0;
			check_row(cJSON_GetObjectItem(c, "blocked"), k, &hp, &th);
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "entries")) {
				bool eh;
				check_row(x, k, &hp, &eh);
				ent_hidden += eh;
			}
			/* the category total over its entries' totals */
			if (!th)
				assert_true(ent_hidden != 1);
			ncat_hidden += th;
		}
		check_row(cJSON_GetObjectItem(f, "blocked"), k, &hp, &fh);
		if (!fh)
			assert_true(ncat_hidden != 1);
		cJSON_Delete(j);
	}
}

static void
test_document(void **state)
{
	struct stats_entry_count e[] = {
		ent("hl/csam", "csam", "e2", 40, 2, 11, 0),
		ent("hl/csam", "csam", "e1", 12, 0, 0, 0),
		ent("gone/feed", "x", "g1", 30, 0, 0, 0),
	};
	struct stats_total d = {0};
	struct report_period p;
	cJSON *j;

	(void)state;
	d.pkt[SP_SEEN] = 5000;
	d.pkt[SP_OFFLOADED] = 3000;
	d.pkt[SP_MALFORMED] = 4;
	d.decision[VPROTO_DNS][VACT_ALLOWED] = 4000;
	d.decision[VPROTO_HTTP][VACT_MALFORMED] = 12;
	period_init(&p, one_feed("default", "hl/csam"), 1, e, ARRAY_LEN(e), 10);
	p.delta = &d;
	p.q_packets = 5100;
	p.q_id_gaps = 100;
	p.have_rules = true;
	p.rules_queued = 5150;
	j = render_json(&p);
	assert_string_equal(shown(j, "format"), REPORT_FORMAT);
	assert_string_equal(shown(j, "period.start"), "2025-12-01T00:00:00Z");
	assert_string_equal(shown(j, "period.end"), "2025-12-02T00:00:00Z");
	assert_string_equal(shown(j, "operator"), "Example ISP");
	assert_string_equal(shown(j, "modes.0"), "enforce");
	assert_string_equal(shown(j, "feeds.0.name"), "default");
	assert_string_equal(shown(j, "feeds.0.serials.1"), "2025120101");
	assert_string_equal(shown(j, "feeds.0.health_at_end"), "ok");
	/* entries sorted by id */
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.id"), "e1");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.1.total"), ">=51");
	/* a feed removed during the period still reports its counts */
	assert_string_equal(shown(j, "feeds.1.list_feed"), "gone/feed");
	assert_string_equal(shown(j, "feeds.1.name"), "");
	assert_string_equal(shown(j, "feeds.1.blocked.dns"), "30");
	assert_string_equal(shown(j, "requests.dns.allowed"), "4000");
	assert_string_equal(shown(j, "malformed.packets"), "<10");
	assert_string_equal(shown(j, "malformed.http"), "12");
	assert_string_equal(shown(j, "coverage.packets_queued"), "5100");
	assert_string_equal(shown(j, "coverage.id_gaps"), "100");
	assert_string_equal(shown(j, "coverage.rules_unseen"), "50");
	assert_string_equal(shown(j, "coverage.packets_offloaded"), "3000");
	/* nothing finer than the period: the only times are start and end */
	{
		char *text = cJSON_PrintUnformatted(j);
		assert_null(strstr(text, "T00:00:01"));
		assert_int_equal(strstr(text, "2025-12-01T") != NULL, 1);
		free(text);
	}
	cJSON_Delete(j);
}

static void
test_file_name(void **state)
{
	char buf[64];

	(void)state;
	report_file_name(1764547200 + 3661, buf, sizeof(buf));
	assert_string_equal(buf, "report-20251201T010101Z.json");
}

/* --- the schedule, end to end */

static char dir[64];
static struct daemon_status fake_st;
static struct policy fake_pol;
static struct policy_feed fake_pf;
static struct list fake_list;
static struct list_category fake_cats[2] = {{.id = "csam"}, {.id = "test"}};
static char fake_name[] = "default";
static struct feed_conf fake_fc = {.name = fake_name};
static struct stats_thread *fake_thr;

static void
fake_fill(void *arg, struct daemon_status *out)
{
	(void)arg;
	*out = fake_st;
}

static void
fake_drain(void *arg)
{
	const struct policy *pp = &fake_pol;

	(void)arg;
	stats_drain(&pp, 1);
}

static int
setup_sched(void **state)
{
	struct stats_entry_count *v;

	(void)state;
	str_copy(dir, "/tmp/veto-report-XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	memset(&fake_st, 0, sizeof(fake_st));
	fake_st.have_policy = true;
	fake_st.nfeeds = 1;
	str_copy(fake_st.feeds[0].name, "default", sizeof(fake_st.feeds[0].name));
	str_copy(fake_st.feeds[0].list_feed, "hl/csam",
	    sizeof(fake_st.feeds[0].list_feed));
	fake_st.feeds[0].have_list = true;
	fake_st.feeds[0].health = FEED_OK;
	str_copy(fake_st.feeds[0].serial, "100", sizeof(fake_st.feeds[0].serial));
	fake_st.nqueues = 1;
	fake_st.queues[0].packets = 1000;
	fake_list.feed = "hl/csam";
	fake_list.cats = fake_cats;
	fake_list.ncats = 2;
	fake_pf.fc = &fake_fc;
	fake_pf.list = &fake_list;
	fake_pol.gen = 77;
	fake_pol.feeds = &fake_pf;
	fake_pol.nfeeds = 1;
	fake_pol.matcher = (struct matcher *)&fake_list;	/* never read */
	if (fake_thr == NULL)
		fake_thr = stats_thread_new();
	stats_drain(NULL, 0);				/* forget older events */
	stats_entries_free(v, stats_entries_take(&v));
	return 0;
}

static int
teardown_sched(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
block(uint32_t entry, enum veto_proto p, int times)
{
	for (int i = 0; i < times; i++) {
		stats_entry_blocked(fake_thr, fake_pol.gen, entry, p);
		STATS_INC(fake_thr->decision[p][VACT_BLOCKED]);
	}
}

static cJSON *
read_report(const char *path)
{
	uint8_t *buf;
	size_t len;
	struct verr e;
	cJSON *j;

	assert_int_equal(file_read(path, 1 << 20, &buf, &len, &e), 0);
	j = cJSON_Parse((char *)buf);
	free(buf);
	assert_non_null(j);
	return j;
}

static void
test_schedule(void **state)
{
	struct status_source src = {fake_fill, fake_drain, NULL};
	char sub[96], path[160];
	struct report_conf rc;
	struct report *r;
	struct verr e;
	struct stat sb;
	time_t t0 = 1764547200 + 3600;	/* 01:00, a daily period */
	cJSON *j;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/reports", dir);
	rc = (struct report_conf){sub, 86400, 10, "Example ISP", (uid_t)-1, (gid_t)-1};
	r = report_new(&rc, &src, t0);
	assert_int_equal(report_period_end(r), 1764547200 + 86400);
	block(2, VPROTO_DNS, 12);	/* e2, category csam */
	block(2, VPROTO_TLS, 3);
	block(1, VPROTO_DNS, 4);	/* e1, category test */
	assert_int_equal(report_tick(r, t0 + 60, &e), 0);
	/* a new list comes into force during the period */
	str_copy(fake_st.feeds[0].serial, "101", sizeof(fake_st.feeds[0].serial));
	report_note(r);
	fake_st.queues[0].packets = 5000;
	fake_st.queues[0].id_gaps = 20;
	assert_int_equal(report_tick(r, 1764547200 + 86400, &e), 1);
	snprintf(path, sizeof(path), "%s/report-20251201T010000Z.json", sub);
	assert_string_equal(report_last_path(r), path);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	j = read_report(path);
	assert_string_equal(shown(j, "period.start"), "2025-12-01T01:00:00Z");
	assert_string_equal(shown(j, "period.end"), "2025-12-02T00:00:00Z");
	assert_string_equal(shown(j, "feeds.0.serials.0"), "100");
	assert_string_equal(shown(j, "feeds.0.serials.1"), "101");
	assert_string_equal(shown(j, "feeds.0.categories.0.id"), "csam");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.id"), "e2");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.dns"), "12");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.tls"), "<10");
	assert_string_equal(shown(j, "feeds.0.categories.1.id"), "test");
	assert_string_equal(shown(j, "feeds.0.categories.1.entries.0.dns"), "<10");
	assert_string_equal(shown(j, "coverage.packets_queued"), "4000");
	assert_string_equal(shown(j, "coverage.id_gaps"), "20");
	cJSON_Delete(j);
	assert_int_equal(report_period_start(r), 1764547200 + 86400);

	/* the next period starts with the list in force, counts from zero */
	block(3, VPROTO_QUIC, 10);
	assert_int_equal(report_flush(r, 1764547200 + 86400 + 7200, &e), 1);
	j = read_report(report_last_path(r));
	assert_string_equal(shown(j, "period.start"), "2025-12-02T00:00:00Z");
	assert_string_equal(shown(j, "period.end"), "2025-12-02T02:00:00Z");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(get_path(j,
	    "feeds.0"), "serials")), 1);
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.id"), "e3");
	assert_string_equal(shown(j, "feeds.0.categories.0.entries.0.quic"), "10");
	assert_string_equal(shown(j, "coverage.packets_queued"), "0");
	cJSON_Delete(j);
	report_free(r);
}

/* Writing fails (the directory's place is taken by a file): the report is
 * kept and written once the way is clear. */
static void
test_retry(void **state)
{
	struct status_source src = {fake_fill, fake_drain, NULL};
	char sub[96];
	struct report_conf rc;
	struct report *r;
	struct verr e;
	FILE *f;
	time_t t0 = 1764547200;
	DIR *d;
	struct dirent *de;
	int n = 0;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/blocked", dir);
	f = fopen(sub, "w");
	assert_non_null(f);
	fclose(f);
	rc = (struct report_conf){sub, 3600, 10, NULL, (uid_t)-1, (gid_t)-1};
	r = report_new(&rc, &src, t0);
	block(5, VPROTO_HTTP, 11);
	assert_int_equal(report_tick(r, t0 + 3600, &e), -1);
	assert_non_null(strstr(e.msg, sub));
	assert_int_equal(unlink(sub), 0);
	assert_int_equal(report_tick(r, t0 + 3610, &e), 0);	/* not yet */
	assert_int_equal(report_tick(r, t0 + 3600 + REPORT_RETRY_EVERY, &e), 1);
	d = opendir(sub);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "report-", 7) == 0;
	closedir(d);
	assert_int_equal(n, 1);
	report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_file_name),
		cmocka_unit_test_setup_teardown(test_schedule, setup_sched,
		    teardown_sched),
		cmocka_unit_test_setup_teardown(test_retry, setup_sched,
		    teardown_sched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
