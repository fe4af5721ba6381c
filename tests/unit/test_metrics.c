/* test_metrics.c - the Prometheus page from synthetic counters, checked
 * line by line against the text format 0.0.4; label escaping; no
 * per-entry or per-client series; the HTTP endpoint. */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/match.h"
#include "serve/metrics.h"
#include "policy/policy.h"

/* --- a tiny parser of the exposition format */

#define MAX_FAM 128
#define MAX_SERIES 4096

struct series {
	char name[96];
	char labels[512];	/* as written, between the braces */
	char value[32];
};

struct page {
	char fam[MAX_FAM][96];
	char type[MAX_FAM][16];
	bool help[MAX_FAM];
	int nfam;
	struct series s[MAX_SERIES];
	int ns;
};

static bool
name_ok(const char *s, size_t n)
{
	if (n == 0 || !(s[0] == '_' || s[0] == ':' || (s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || s[i] == ':' || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int
fam_index(struct page *p, const char *name)
{
	for (int i = 0; i < p->nfam; i++)
		if (strcmp(p->fam[i], name) == 0)
			return i;
	return -1;
}

/* Labels: name="value" pairs, values with \\ \" \n escapes only. Checks
 * every key against the allowed set. */
static void
check_labels(const char *l, size_t n)
{
	static const char *const keys[] = {"outcome", "protocol", "action",
	    "detail", "feed", "category", "queue", "verdict", "state", "type",
	    "list_feed", "serial", "authority", "version", "mode"};
	size_t i = 0;

	while (i < n) {
		size_t k = i;
		bool found = false;
		while (i < n && l[i] != '=')
			i++;
		assert_true(i < n);
		assert_true(name_ok(l + k, i - k));
		for (size_t j = 0; j < ARRAY_LEN(keys); j++)
			if (strlen(keys[j]) == i - k && memcmp(keys[j], l + k, i - k) == 0)
				found = true;
		if (!found)
			fail_msg("label key `%.*s' is not allowed", (int)(i - k), l + k);
		assert_int_equal(l[++i], '"');
		for (i++; i < n && l[i] != '"'; i++) {
			assert_true(l[i] != '\n');
			if (l[i] == '\\') {
				i++;
				assert_true(l[i] == '\\' || l[i] == '"' || l[i] == 'n');
			}
		}
		assert_int_equal(l[i], '"');
		i++;
		if (i < n) {
			assert_int_equal(l[i], ',');
			i++;
		}
	}
}

static void
parse_page(const char *text, struct page *p)
{
	int cur = -1;

	memset(p, 0, sizeof(*p));
	while (*text) {
		const char *nl = strchr(text, '\n'), *sp, *br;
		size_t len;
		char line[1024];
		assert_non_null(nl);	/* every line ends with LF */
		len = (size_t)(nl - text);
		assert_true(len < sizeof(line));
		memcpy(line, text, len);
		line[len] = '\0';
		text = nl + 1;
		if (strncmp(line, "# HELP ", 7) == 0) {
			char *name = line + 7, *e = strchr(name, ' ');
			assert_non_null(e);
			*e = '\0';
			assert_true(name_ok(name, strlen(name)));
			assert_int_equal(fam_index(p, name), -1);	/* once */
			assert_true(p->nfam < MAX_FAM);
			str_copy(p->fam[p->nfam], name, sizeof(p->fam[0]));
			p->help[p->nfam] = true;
			cur = p->nfam++;
			assert_true(strlen(e + 1) > 0);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char *name = line + 7, *t = strchr(name, ' ');
			assert_non_null(t);
			*t++ = '\0';
			assert_true(cur >= 0);
			assert_string_equal(name, p->fam[cur]);	/* right after HELP */
			assert_true(strcmp(t, "counter") == 0 || strcmp(t, "gauge") == 0);
			str_copy(p->type[cur], t, sizeof(p->type[0]));
			continue;
		}
		assert_true(line[0] != '#');
		assert_true(p->ns < MAX_SERIES);
		br = strchr(line, '{');
		sp = strrchr(line, ' ');
		assert_non_null(sp);
		if (br != NULL && br < sp) {
			const char *close = strrchr(line, '}');
			assert_non_null(close);
			assert_true(close + 1 == sp);
			check_labels(br + 1, (size_t)(close - br - 1));
			str_ncopy(p->s[p->ns].labels, sizeof(p->s[0].labels), br + 1,
			    (size_t)(close - br - 1));
		} else {
			br = sp;
		}
		assert_true(name_ok(line, (size_t)(br - line)));
		str_ncopy(p->s[p->ns].name, sizeof(p->s[0].name), line,
		    (size_t)(br - line));
		/* the sample belongs to the family just announced */
		assert_true(cur >= 0);
		assert_string_equal(p->s[p->ns].name, p->fam[cur]);
		assert_true(p->type[cur][0] != '\0');
		str_copy(p->s[p->ns].value, sp + 1, sizeof(p->s[0].value));
		for (const char *v = sp + 1 + (sp[1] == '-'); *v; v++)
			assert_true(*v >= '0' && *v <= '9');
		p->ns++;
	}
}

static const char *
value_of(const struct page *p, const char *name, const char *labels)
{
	for (int i = 0; i < p->ns; i++)
		if (strcmp(p->s[i].name, name) == 0 &&
		    strcmp(p->s[i].labels, labels) == 0)
			return p->s[i].value;
	return NULL;
}

/* --- synthetic counters */

static struct stats_total tot;
static struct daemon_status st;
static uint16_t cat_csam, cat_test, cat_weird;

static void
fill_synthetic(void)
{
	memset(&tot, 0, sizeof(tot));
	memset(&st, 0, sizeof(st));
	cat_csam = stats_category("example-hotline/csam", "csam");
	cat_test = stats_category("example-hotline/csam", "test");
	cat_weird = stats_category("gone\"feed\\x", "cat\nnl");
	tot.pkt[SP_SEEN] = 1000;
	tot.pkt[SP_OFFLOADED] = 400;
	tot.decision[VPROTO_DNS][VACT_ALLOWED] = 500;
	tot.decision[VPROTO_DNS][VACT_BLOCKED] = 12;
	tot.decision[VPROTO_TLS][VACT_BLOCKED] = 4;
	tot.decision[VPROTO_TLS][VACT_UNKNOWN_NAME] = 3;
	tot.detail[SD_TLS_NO_SNI] = 2;
	tot.detail[SD_TLS_ECH] = 1;
	tot.detail[SD_CANARY_BLOCKED] = 2;
	tot.cat_blocked[cat_csam][VPROTO_DNS] = 10;
	tot.cat_blocked[cat_csam][VPROTO_TLS] = 4;
	tot.cat_blocked[cat_test][VPROTO_DNS] = 2;
	tot.cat_blocked[cat_weird][VPROTO_HTTP] = 7;

	st.now = 1764583200;		/* 2025-12-01T10:00:00Z */
	st.start_time = st.now - 3600;
	st.have_policy = true;
	st.mode = MODE_ENFORCE;
	st.nfeeds = 2;
	str_copy(st.feeds[0].name, "default", sizeof(st.feeds[0].name));
	str_copy(st.feeds[0].list_feed, "example-hotline/csam",
	    sizeof(st.feeds[0].list_feed));
	st.feeds[0].have_list = true;
	st.feeds[0].health = FEED_OK;
	st.feeds[0].enforced = true;
	str_copy(st.feeds[0].serial, "2026112801", sizeof(st.feeds[0].serial));
	str_copy(st.feeds[0].authority, "Example \"Hotline\"",
	    sizeof(st.feeds[0].authority));
	st.feeds[0].issued = st.now - 7200;
	st.feeds[0].expires = st.now + 86400;
	st.feeds[0].entries_type[0] = 3;
	st.feeds[0].entries_type[2] = 1;
	st.feeds[0].last_fetch = st.now - 60;
	st.feeds[0].last_fetch_ok = true;
	st.feeds[0].last_success = st.now - 60;
	str_copy(st.feeds[1].name, "police", sizeof(st.feeds[1].name));
	str_copy(st.feeds[1].list_feed, "police/court", sizeof(st.feeds[1].list_feed));
	st.feeds[1].health = FEED_NONE;
	st.feeds[1].fetch_failures = 3;
	st.nqueues = 2;
	st.queues[0] = (struct status_queue){.num = 0, .running = true,
	    .packets = 600, .id_gaps = 5, .have_proc = true, .proc_waiting = 2};
	st.queues[1] = (struct status_queue){.num = 1, .running = true,
	    .packets = 400, .proc_dropped = 4, .full_seconds = 2};
	st.fail_open = true;
	st.have_rules = true;
	st.rules_queued = 1010;
	st.rules_cap_hits = 9;
	st.reasm_flows = 3;
	st.reasm_memory = 64u << 20;
	st.stop_hits[cat_csam] = 6;
	st.stop_hits_total = 6;
}

static struct page pg;

static void
render(void)
{
	size_t len;
	char *text = metrics_render(&tot, &st, &len);

	assert_int_equal(strlen(text), len);
	parse_page(text, &pg);
	free(text);
}

static void
test_format(void **state)
{
	(void)state;
	fill_synthetic();
	render();
	assert_true(pg.nfam > 30);
	for (int i = 0; i < pg.nfam; i++) {
		assert_true(pg.help[i]);
		assert_true(strncmp(pg.fam[i], "veto_", 5) == 0);
		/* counters end in _total, gauges never do */
		bool total = strlen(pg.fam[i]) > 6 &&
		    strcmp(pg.fam[i] + strlen(pg.fam[i]) - 6, "_total") == 0;
		assert_int_equal(total, strcmp(pg.type[i], "counter") == 0);
	}
	/* no series twice */
	for (int i = 0; i < pg.ns; i++)
		for (int j = i + 1; j < pg.ns; j++)
			assert_false(strcmp(pg.s[i].name, pg.s[j].name) == 0 &&
			    strcmp(pg.s[i].labels, pg.s[j].labels) == 0);
}

static void
test_values(void **state)
{
	(void)state;
	fill_synthetic();
	render();
	assert_string_equal(value_of(&pg, "veto_up", ""), "1");
	assert_string_equal(value_of(&pg, "veto_decisions_total",
	    "protocol=\"dns\",action=\"blocked\""), "12");
	assert_string_equal(value_of(&pg, "veto_decisions_total",
	    "protocol=\"tls\",action=\"unknown-name\""), "3");
	assert_string_equal(value_of(&pg, "veto_blocked_total",
	    "feed=\"default\",category=\"csam\",protocol=\"tls\""), "4");
	assert_string_equal(value_of(&pg, "veto_blocked_total",
	    "feed=\"default\",category=\"test\",protocol=\"dns\""), "2");
	assert_string_equal(value_of(&pg, "veto_details_total",
	    "detail=\"tls_ech\""), "1");
	assert_string_equal(value_of(&pg, "veto_details_total",
	    "detail=\"canary_blocked\""), "2");
	assert_string_equal(value_of(&pg, "veto_packets_total",
	    "outcome=\"offloaded\""), "400");
	assert_string_equal(value_of(&pg, "veto_queue_id_gaps_total",
	    "queue=\"0\""), "5");
	assert_string_equal(value_of(&pg, "veto_queue_kernel_waiting",
	    "queue=\"0\""), "2");
	assert_null(value_of(&pg, "veto_queue_kernel_waiting", "queue=\"1\""));
	assert_string_equal(value_of(&pg, "veto_rules_unseen_packets", ""), "10");
	/* overflow: ids skipped + kernel drops; unfiltered: the ids skipped
	 * with fail_open; seconds found full */
	assert_string_equal(value_of(&pg, "veto_queue_overflow_total",
	    "queue=\"0\""), "5");
	assert_string_equal(value_of(&pg, "veto_queue_overflow_total",
	    "queue=\"1\""), "4");
	assert_string_equal(value_of(&pg, "veto_unfiltered_packets_total",
	    "queue=\"0\""), "5");
	assert_string_equal(value_of(&pg, "veto_unfiltered_packets_total",
	    "queue=\"1\""), "0");
	assert_string_equal(value_of(&pg, "veto_queue_full_seconds_total",
	    "queue=\"1\""), "2");
	assert_string_equal(value_of(&pg, "veto_rules_cap_hits_total", ""), "9");
	assert_string_equal(value_of(&pg, "veto_list_info",
	    "feed=\"default\",list_feed=\"example-hotline/csam\","
	    "serial=\"2026112801\",authority=\"Example \\\"Hotline\\\"\""), "1");
	assert_string_equal(value_of(&pg, "veto_list_age_seconds",
	    "feed=\"default\""), "7200");
	assert_string_equal(value_of(&pg, "veto_list_expires_timestamp_seconds",
	    "feed=\"default\""), "1764669600");
	assert_string_equal(value_of(&pg, "veto_list_fetch_failures",
	    "feed=\"police\""), "3");
	assert_string_equal(value_of(&pg, "veto_stop_page_hits_total",
	    "feed=\"default\",category=\"csam\""), "6");
	assert_string_equal(value_of(&pg, "veto_uptime_seconds", ""), "3600");
	/* no list: no info series, but a health state */
	assert_null(value_of(&pg, "veto_list_info", "feed=\"police\""));
}

static void
test_health_state_set(void **state)
{
	static const char *const states[] = {"ok", "expired", "stale",
	    "disabled", "none"};

	(void)state;
	fill_synthetic();
	st.feeds[0].health = FEED_EXPIRED;
	render();
	for (unsigned f = 0; f < 2; f++) {
		int ones = 0;
		for (size_t i = 0; i < ARRAY_LEN(states); i++) {
			char l[128];
			const char *v;
			snprintf(l, sizeof(l), "feed=\"%s\",state=\"%s\"",
			    st.feeds[f].name, states[i]);
			v = value_of(&pg, "veto_list_health", l);
			assert_non_null(v);
			ones += strcmp(v, "1") == 0;
			if (strcmp(v, "1") == 0)
				assert_string_equal(states[i], f == 0 ?
				    "expired" : "none");
		}
		assert_int_equal(ones, 1);
	}
}

static void
test_label_escaping(void **state)
{
	char out[64];

	(void)state;
	metrics_escape_label("a\"b\\c\nd", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	/* truncation never cuts an escape in half */
	metrics_escape_label("ab\"cd", out, 4);
	assert_string_equal(out, "ab");
	metrics_escape_label("", out, sizeof(out));
	assert_string_equal(out, "");
	/* a category and a feed id with every special character */
	fill_synthetic();
	render();
	assert_string_equal(value_of(&pg, "veto_blocked_total",
	    "feed=\"gone\\\"feed\\\\x\",category=\"cat\\nnl\",protocol=\"http\""),
	    "7");
}

/* Whatever the per-entry map holds, the page never names an entry, and
 * the page is the same with or without entry counts. */
static void
test_no_entries(void **state)
{
	size_t l1, l2;
	char *a, *b;

	(void)state;
	fill_synthetic();
	a = metrics_render(&tot, &st, &l1);
	tot.ring_dropped = 0;
	b = metrics_render(&tot, &st, &l2);
	assert_string_equal(a, b);
	assert_null(strstr(a, "entry="));
	assert_null(strstr(a, "id=\""));
	/* no client-ish data: nothing looks like an address */
	assert_null(strstr(a, "198.51.100."));
	free(a);
	free(b);
	for (int i = 0; i < pg.ns; i++)
		assert_null(strstr(pg.s[i].labels, "entry"));
}

/* --- the endpoint */

static void
fill_cb(void *arg, struct daemon_status *out)
{
	(void)arg;
	*out = st;
}

static int
open_port(int *port)
{
	char addr[32];
	struct verr e;
	int fd = -1;

	for (int p = 40000 + getpid() % 20000, n = 0; fd < 0 && n < 50; p++, n++) {
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", p);
		fd = metrics_listen_open(addr, &e);
		*port = p;
	}
	return fd;
}

static char *
http_get(int port, const char *req)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port)};
	static char buf[1 << 18];
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

static void
test_http(void **state)
{
	struct status_source src = {.fill = fill_cb};
	struct metrics *m;
	struct verr e;
	int port, fd;
	char *r, *body;

	(void)state;
	fill_synthetic();
	fd = open_port(&port);
	assert_true(fd >= 0);
	m = metrics_start(fd, &src, &e);
	assert_non_null(m);
	r = http_get(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.0 200", 12) == 0 ||
	    strncmp(r, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(r, "Content-Type: " METRICS_CONTENT_TYPE "\r\n"));
	body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	parse_page(body + 4, &pg);
	assert_string_equal(value_of(&pg, "veto_queue_packets_total",
	    "queue=\"1\""), "400");
	r = http_get(port, "GET /other HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 404 "));
	r = http_get(port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
	assert_non_null(strstr(r, " 405 "));
	metrics_stop(m);
}

static void
test_listen_errors(void **state)
{
	struct verr e;

	(void)state;
	assert_int_equal(metrics_listen_open("localhost:9153", &e), -1);
	assert_non_null(strstr(e.msg, "localhost:9153"));
	assert_int_equal(metrics_listen_open("127.0.0.1", &e), -1);
	assert_int_equal(metrics_listen_open("[::1]9153", &e), -1);
	assert_int_equal(metrics_listen_open("127.0.0.1:65536", &e), -1);
	assert_int_equal(metrics_listen_open("192.0.2.77:9153", &e), -1);
	assert_non_null(strstr(e.msg, "192.0.2.77:9153"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_health_state_set),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_no_entries),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_listen_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
