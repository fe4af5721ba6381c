/* test_status.c - the daemon status: filled from a policy snapshot, judged
 * (healthy / degraded / unprotected with reasons), its JSON, the rule
 * counters read from real `iptables -L -v -x` output, and the summary
 * log line. */
#include "unit.h"

#include <cjson/cJSON.h>

#include "policy/match.h"
#include "policy/policy.h"
#include "serve/status.h"
#include "serve/summary.h"

static const time_t NOW = 1764583200;	/* 2025-12-01T10:00:00Z */

static void
healthy(struct daemon_status *s)
{
	memset(s, 0, sizeof(*s));
	s->now = NOW;
	s->start_time = NOW - 600;
	s->have_policy = true;
	s->fail_open = true;
	s->nfeeds = 2;
	for (int i = 0; i < 2; i++) {
		struct status_feed *f = &s->feeds[i];
		str_copy(f->name, i ? "police" : "default", sizeof(f->name));
		str_copy(f->list_feed, i ? "police/court" : "hl/csam",
		    sizeof(f->list_feed));
		str_copy(f->serial, i ? "5" : "2025120101", sizeof(f->serial));
		f->have_list = f->enforced = true;
		f->health = FEED_OK;
		f->issued = NOW - 3600;
		f->expires = NOW + 86400;
		f->grace = 259200;
		f->fetch_configured = true;
		f->last_fetch = f->last_success = NOW - 60;
		f->last_fetch_ok = true;
	}
	s->nqueues = 2;
	s->queues[0] = (struct status_queue){.num = 0, .running = true,
	    .packets = 100};
	s->queues[1] = (struct status_queue){.num = 1, .running = true,
	    .packets = 50};
}

static bool
has_reason(const struct status_assessment *a, const char *needle)
{
	for (unsigned i = 0; i < a->nreasons; i++)
		if (strstr(a->reasons[i], needle) != NULL)
			return true;
	return false;
}

static void
test_assess(void **state)
{
	struct daemon_status s;
	struct status_assessment a;

	(void)state;
	healthy(&s);
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_HEALTHY);
	assert_int_equal(a.nreasons, 0);

	s.feeds[1].health = FEED_EXPIRED;
	s.feeds[1].expires = NOW - 3600;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "feed police: list 5 expired at "
	    "2025-12-01T09:00:00Z; still enforced until 2025-12-04T09:00:00Z"));

	healthy(&s);
	s.feeds[0].last_fetch_ok = false;
	s.feeds[0].fetch_failures = 3;
	str_copy(s.feeds[0].last_fetch_result, "HTTP 503",
	    sizeof(s.feeds[0].last_fetch_result));
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "(3 in a row): HTTP 503"));

	healthy(&s);
	str_copy(s.feeds[0].held[0], "2025120201", sizeof(s.feeds[0].held[0]));
	s.feeds[0].nheld = 1;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "veto list confirm"));

	healthy(&s);
	s.mode = MODE_MONITOR;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "monitor"));

	healthy(&s);
	s.queues[1].running = false;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	s.queues[0].running = false;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_UNPROTECTED);
	assert_true(has_reason(&a, "unfiltered (fail-open)"));
}

static void
test_unprotected(void **state)
{
	struct daemon_status s;
	struct status_assessment a;

	(void)state;
	healthy(&s);
	s.have_policy = false;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_UNPROTECTED);

	/* one feed without a list: degraded; both: unprotected */
	healthy(&s);
	s.feeds[1].have_list = s.feeds[1].enforced = false;
	s.feeds[1].health = FEED_NONE;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "feed police: no valid list"));
	s.feeds[0].health = FEED_DISABLED;
	s.feeds[0].enforced = false;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_UNPROTECTED);
	assert_true(has_reason(&a, "no list is in force"));
	assert_true(has_reason(&a, "on_expired = disable"));

	/* stale lists are still enforced: degraded, not unprotected */
	healthy(&s);
	s.feeds[0].health = s.feeds[1].health = FEED_STALE;
	status_assess(&s, NULL, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
}

static void
test_trend(void **state)
{
	struct status_trend tr = {0};
	struct daemon_status s;
	struct status_assessment a;
	uint64_t lost, enobufs;

	(void)state;
	healthy(&s);
	for (int i = 0; i < 40; i++) {		/* 400 s of samples */
		s.now = NOW + i * 10;
		status_trend_note(&tr, &s);
	}
	assert_int_equal(tr.n, STATUS_TREND_SAMPLES);
	status_assess(&s, &tr, &a);
	assert_int_equal(a.verdict, STATUS_HEALTHY);
	/* gaps appear */
	s.now += 10;
	s.queues[1].id_gaps = 7;
	s.queues[0].proc_dropped = 3;
	/* socket full without fail-open: the kernel counts it and skips an
	 * id, so it is in id_gaps already and not counted twice */
	s.queues[1].proc_user_dropped = 2;
	s.queues[0].enobufs = 2;
	status_trend_growth(&tr, &s, &lost, &enobufs);
	assert_int_equal(lost, 10);
	assert_int_equal(enobufs, 2);
	status_assess(&s, &tr, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "10 packets passed the queue unfiltered"));
	/* and stop: once the window has moved past them, healthy again */
	for (int i = 0; i < 40; i++) {
		s.now += 10;
		status_trend_note(&tr, &s);
	}
	status_assess(&s, &tr, &a);
	assert_int_equal(a.verdict, STATUS_HEALTHY);
	/* a sample taken too soon after the last is not kept */
	{
		unsigned head = tr.head;
		status_trend_note(&tr, &s);
		assert_int_equal(tr.head, head);
	}
}

/* Queue overflow (issue 13): the countable part, what passed unfiltered,
 * and a full queue, whose fail-open packets the kernel does not count. */
static void
test_overflow(void **state)
{
	struct status_trend tr = {0};
	struct daemon_status s;
	struct status_assessment a;

	(void)state;
	healthy(&s);
	s.queues[0].have_proc = true;
	s.queues[0].maxlen = 8192;
	s.queues[0].proc_waiting = 8191;	/* busy, not full */
	for (int i = 0; i < 4; i++) {
		s.now = NOW + i * 10;
		status_trend_note(&tr, &s);
	}
	status_assess(&s, &tr, &a);
	assert_int_equal(a.verdict, STATUS_HEALTHY);
	assert_false(status_queue_full(&s.queues[0]));
	assert_int_equal(status_queue_overflow(&s.queues[0]), 0);

	s.queues[0].proc_waiting = 8192;
	assert_true(status_queue_full(&s.queues[0]));
	status_assess(&s, &tr, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "queue 0 is full (8192 packets wait for "
	    "vetod): more packets pass unfiltered (fail_open)"));
	/* it emptied again, but vetod found it full for 3 s: still said */
	s.queues[0].proc_waiting = 0;
	s.queues[0].full_seconds = 3;
	s.now += 10;
	status_assess(&s, &tr, &a);
	assert_int_equal(a.verdict, STATUS_DEGRADED);
	assert_true(has_reason(&a, "the queue was full for 3 s of the last"));

	s.queues[1].id_gaps = 5;
	s.queues[1].proc_dropped = 2;
	assert_int_equal(status_queue_overflow(&s.queues[1]), 7);
	assert_int_equal(status_queue_unfiltered(&s.queues[1], true), 5);
	assert_int_equal(status_queue_unfiltered(&s.queues[1], false), 0);
	s.fail_open = false;
	s.queues[0].proc_waiting = 8192;
	status_assess(&s, &tr, &a);
	assert_true(has_reason(&a, "are dropped (fail_open = no)"));
}

static void
test_from_policy(void **state)
{
	static char n0[] = "default", n1[] = "police", url[] = "https://x/";
	struct feed_conf fc[2] = {{.name = n0, .url = url, .refresh = 900,
	    .grace = 100}, {.name = n1}};
	struct conf conf = {.feeds = fc, .nfeeds = 2, .mode = MODE_MONITOR,
	    .fail_open = true};
	struct list_text_item auth[2] = {{"nl", "Meldpunt"}, {"en", "Hotline"}};
	struct list l = {.feed = "hl/csam", .serial = "2025120101",
	    .issued = NOW - 10, .expires = NOW + 10, .nentries = 6,
	    .count = {3, 2, 1}, .ncanaries = 1,
	    .authority_name = {auth, 2}};
	struct policy_feed pf[2] = {{.fc = &fc[0], .list = &l, .health = FEED_OK,
	    .enforced = true}, {.fc = &fc[1], .health = FEED_NONE}};
	struct policy p = {.conf = &conf, .feeds = pf, .nfeeds = 2};
	struct daemon_status s;

	(void)state;
	memset(&s, 0, sizeof(s));
	status_from_policy(&s, &p, NOW);
	assert_true(s.have_policy);
	assert_int_equal(s.mode, MODE_MONITOR);
	assert_int_equal(s.nfeeds, 2);
	assert_string_equal(s.feeds[0].name, "default");
	assert_string_equal(s.feeds[0].list_feed, "hl/csam");
	assert_string_equal(s.feeds[0].serial, "2025120101");
	assert_string_equal(s.feeds[0].authority, "Hotline");
	assert_int_equal(s.feeds[0].entries, 6);
	assert_int_equal(s.feeds[0].entries_type[2], 1);
	assert_int_equal(s.feeds[0].canaries, 1);
	assert_true(s.feeds[0].fetch_configured);
	assert_int_equal(s.feeds[0].grace, 100);
	assert_false(s.feeds[1].have_list);
	assert_int_equal(s.feeds[1].health, FEED_NONE);
	assert_false(s.feeds[1].fetch_configured);
	assert_int_equal(status_feed_by_id(&s, "hl/csam"), 0);
	assert_int_equal(status_feed_by_id(&s, "nope"), -1);
	memset(&s, 0, sizeof(s));
	status_from_policy(&s, NULL, NOW);
	assert_false(s.have_policy);
}

static void
test_json(void **state)
{
	struct daemon_status s;
	struct status_assessment a;
	struct stats_total t = {0};
	uint16_t c;
	cJSON *j, *f;
	char *text;

	(void)state;
	healthy(&s);
	s.feeds[1].health = FEED_EXPIRED;
	s.feeds[1].issued = 0;
	status_assess(&s, NULL, &a);
	j = status_json_status(&s, &a);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	j = cJSON_Parse(text);	/* raw numbers print as valid JSON */
	free(text);
	assert_non_null(j);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "verdict")), "degraded");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "reasons")), 1);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "feeds"), 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f,
	    "health")), "expired");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(f, "issued")));
	assert_int_equal(cJSON_GetObjectItem(j, "uptime")->valuedouble, 600);
	cJSON_Delete(j);

	c = stats_category("hl/csam", "csam");
	t.cat_blocked[c][VPROTO_DNS] = 18446744073709551615ULL;	/* max */
	t.decision[VPROTO_QUIC][VACT_BLOCKED] = 3;
	j = status_json_stats(&t, &s);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	assert_non_null(strstr(text, "\"dns\":18446744073709551615"));
	j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "blocked"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f, "feed")),
	    "default");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f,
	    "category")), "csam");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    j, "decisions"), "quic"), "blocked")->valuedouble, 3);
	cJSON_Delete(j);
}

static void
test_rules(void **state)
{
	struct status_rules r;
	uint8_t *buf;
	size_t len;
	struct verr e;

	(void)state;
	assert_int_equal(file_read(unit_data("stats/iptables-veto.txt"), 1 << 20,
	    &buf, &len, &e), 0);
	assert_int_equal(status_parse_rules((char *)buf, &r), 14);
	assert_int_equal(r.queued, 1100);
	assert_int_equal(r.cap_hits, 7);
	assert_int_equal(r.allowed, 33);
	assert_int_equal(r.blocked, 4);
	free(buf);
	assert_int_equal(status_parse_rules("", &r), 0);
	assert_int_equal(status_parse_rules("iptables: No chain/target/match by "
	    "that name.\n", &r), 0);
	/* a counter that does not fit in 64 bits is not a rule line */
	assert_int_equal(status_parse_rules("99999999999999999999999 1 RETURN "
	    "/* veto-cap */\n", &r), 0);
	assert_int_equal(status_parse_rules("  5 1 RETURN /* veto-cap */", &r), 1);
	assert_int_equal(r.cap_hits, 5);
	assert_int_equal(status_parse_rules("5 1 RETURN /* veto-cap", &r), 0);
	/* the drops before the queue (rate limits, TCP/53 byte cap) */
	assert_int_equal(status_parse_rules(
	    "  70  4200 DROP 17 -- * * 0.0.0.0/0 0.0.0.0/0 udp dpt:53 limit: "
	    "above 200/sec burst 400 mode srcip /* veto-rate-dns */\n"
	    "   3   180 DROP 6 -- * * 0.0.0.0/0 0.0.0.0/0 tcp dpt:53 limit: "
	    "above 200/sec burst 400 mode srcip /* veto-rate-dns */\n"
	    "   9   540 DROP 6 -- * * 0.0.0.0/0 0.0.0.0/0 multiport dports "
	    "80,443 ctstate NEW /* veto-rate-flows */\n"
	    "   2  2900 DROP 6 -- * * 0.0.0.0/0 0.0.0.0/0 tcp dpt:53 connbytes "
	    "1048577 /* veto-dns-cap */\n", &r), 4);
	assert_int_equal(r.rate_dns, 73);
	assert_int_equal(r.rate_flows, 9);
	assert_int_equal(r.dns_cap, 2);
	assert_int_equal(r.queued, 0);
}

static void
test_summary(void **state)
{
	struct summary_counts p, c;
	struct daemon_status s;
	char line[SUMMARY_LINE_MAX];
	uint16_t csam, test;

	(void)state;
	healthy(&s);
	memset(&p, 0, sizeof(p));
	csam = stats_category("hl/csam", "csam");
	test = stats_category("hl/csam", "test");
	p.t.decision[VPROTO_DNS][VACT_BLOCKED] = 100;	/* before the interval */
	p.t.cat_blocked[csam][VPROTO_DNS] = 100;
	c = p;
	c.t.decision[VPROTO_DNS][VACT_BLOCKED] += 12;
	c.t.decision[VPROTO_HTTP][VACT_BLOCKED] += 1;
	c.t.decision[VPROTO_TLS][VACT_BLOCKED] += 4;
	c.t.cat_blocked[csam][VPROTO_DNS] += 10;
	c.t.cat_blocked[csam][VPROTO_TLS] += 5;
	c.t.cat_blocked[test][VPROTO_DNS] += 2;
	c.t.decision[VPROTO_HTTP][VACT_MALFORMED] = 1;
	c.id_gaps = 3;
	s.feeds[1].health = FEED_EXPIRED;
	summary_format(line, sizeof(line), 300, &p, &c, &s);
	assert_string_equal(line, "stats 300s: blocked 17 (dns=12 http=1 tls=4 "
	    "quic=0); by category default/csam=15 default/test=2; malformed 1 "
	    "(packets=0 dns=0 http=1 tls=0 quic=0); fail-open id_gaps=3 "
	    "overruns=0 kernel_dropped=0; lists default=ok:2025120101 "
	    "police=expired:5; mode enforce");
	assert_null(strchr(line, '\n'));

	/* nothing happened; monitor mode; no list */
	s.mode = MODE_MONITOR;
	s.feeds[1].have_list = false;
	s.feeds[1].health = FEED_NONE;
	summary_format(line, sizeof(line), 300, &c, &c, &s);
	assert_non_null(strstr(line, "blocked 0 ("));
	assert_non_null(strstr(line, "by category none;"));
	assert_non_null(strstr(line, "police=none:-"));
	assert_non_null(strstr(line, "mode monitor (nothing enforced, "
	    "would-block=0)"));

	/* a short buffer is cut, never overrun */
	assert_true(summary_format(line, 20, 300, &p, &c, &s) == 19);
	assert_int_equal(strlen(line), 19);
}

static void
test_summary_many_cats(void **state)
{
	struct summary_counts p = {0}, c = {0};
	struct daemon_status s;
	char line[SUMMARY_LINE_MAX], id[16];

	(void)state;
	healthy(&s);
	for (int i = 0; i < SUMMARY_MAX_CATS + 4; i++) {
		snprintf(id, sizeof(id), "k%02d", i);
		c.t.cat_blocked[stats_category("hl/csam", id)][VPROTO_TLS] =
		    (uint64_t)(i + 1);
	}
	summary_format(line, sizeof(line), 60, &p, &c, &s);
	/* most blocked first, then "+4 more" */
	assert_non_null(strstr(line, "by category default/k19=20 default/k18=19"));
	assert_non_null(strstr(line, " +4 more;"));
	assert_null(strstr(line, "k00="));
}

static struct daemon_status tick_st;

static void
tick_fill(void *arg, struct daemon_status *out)
{
	(void)arg;
	*out = tick_st;
}

static void
test_summary_tick(void **state)
{
	struct status_source src = {.fill = tick_fill};
	struct summary *sm;
	char line[SUMMARY_LINE_MAX];

	(void)state;
	healthy(&tick_st);
	sm = summary_new(&src, 300, NOW);
	assert_int_equal(summary_tick(sm, NOW + 299, line, sizeof(line)), 0);
	tick_st.queues[0].id_gaps = 4;
	assert_int_equal(summary_tick(sm, NOW + 300, line, sizeof(line)), 1);
	assert_true(strncmp(line, "stats 300s: ", 12) == 0);
	assert_non_null(strstr(line, "id_gaps=4"));
	/* deltas: the next line starts from the last */
	assert_int_equal(summary_tick(sm, NOW + 600, line, sizeof(line)), 1);
	assert_non_null(strstr(line, "id_gaps=0"));
	summary_set_interval(sm, 60);
	assert_int_equal(summary_tick(sm, NOW + 660, line, sizeof(line)), 1);
	assert_true(strncmp(line, "stats 60s: ", 11) == 0);
	summary_free(sm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assess),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_unprotected),
		cmocka_unit_test(test_trend),
		cmocka_unit_test(test_from_policy),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_many_cats),
		cmocka_unit_test(test_summary_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
