/* metrics.c - the Prometheus page and its libmicrohttpd server; see
 * metrics.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/net.h"
#include "serve/metrics.h"
#include "policy/policy.h"
#include "core/veto.h"

/* --- a growing text buffer */

struct mbuf {
	char *p;
	size_t len, cap;
};

static void mb_printf(struct mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
}

void
metrics_escape_label(const char *in, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (; *in != '\0'; in++) {
		const char *rep = NULL;
		size_t n;
		if (*in == '\\')
			rep = "\\\\";
		else if (*in == '"')
			rep = "\\\"";
		else if (*in == '\n')
			rep = "\\n";
		n = rep ? 2 : 1;
		if (o + n >= size)
			break;
		if (rep) {
			out[o++] = rep[0];
			out[o++] = rep[1];
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static void
family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",k2="v2"} value; labels: NULL-terminated key, value pairs. */
static void
sample_v(struct mbuf *b, const char *name, const char *value, va_list ap)
{
	const char *k, *v;
	char esc[1024];
	bool first = true;

	mb_printf(b, "%s", name);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		metrics_escape_label(v, esc, sizeof(esc));
		mb_printf(b, "%s%s=\"%s\"", first ? "{" : ",", k, esc);
		first = false;
	}
	mb_printf(b, "%s %s\n", first ? "" : "}", value);
}

static void
sample(struct mbuf *b, const char *name, uint64_t v, ...)
{
	char num[24];
	va_list ap;

	snprintf(num, sizeof(num), "%" PRIu64, v);
	va_start(ap, v);
	sample_v(b, name, num, ap);
	va_end(ap);
}

static void
sample_i(struct mbuf *b, const char *name, int64_t v, ...)
{
	char num[24];
	va_list ap;

	snprintf(num, sizeof(num), "%" PRId64, v);
	va_start(ap, v);
	sample_v(b, name, num, ap);
	va_end(ap);
}

/* --- the page */

static void
render_process(struct mbuf *b, const struct daemon_status *s)
{
	family(b, "veto_up", "gauge", "1 while vetod serves this page.");
	sample(b, "veto_up", 1, NULL);
	family(b, "veto_info", "gauge", "vetod version and mode (enforce or monitor).");
	sample(b, "veto_info", 1, "version", VETO_VERSION, "mode",
	    s->mode == MODE_MONITOR ? "monitor" : "enforce", NULL);
	family(b, "veto_start_time_seconds", "gauge",
	    "Unix time vetod started.");
	sample_i(b, "veto_start_time_seconds", (int64_t)s->start_time, NULL);
	family(b, "veto_uptime_seconds", "gauge", "Seconds since vetod started.");
	sample_i(b, "veto_uptime_seconds", s->start_time ?
	    (int64_t)(s->now - s->start_time) : 0, NULL);
}

static void
render_counts(struct mbuf *b, const struct stats_total *t)
{
	family(b, "veto_packets_total", "counter",
	    "Packets handed to the filter engine, by outcome.");
	for (int i = 0; i < SP_COUNT; i++)
		sample(b, "veto_packets_total", t->pkt[i], "outcome",
		    stats_pkt_name(i), NULL);
	family(b, "veto_decisions_total", "counter",
	    "Requests (queries, HTTP requests, handshakes) decided, by protocol and action.");
	for (int p = 0; p < VPROTO_COUNT; p++)
		for (int a = 0; a < VACT_COUNT; a++)
			sample(b, "veto_decisions_total", t->decision[p][a],
			    "protocol", veto_proto_name(p), "action",
			    veto_action_name(a), NULL);
	family(b, "veto_details_total", "counter",
	    "Finer reasons: TLS without SNI, ECH, IP literals, monitor would-block, canaries blocked...");
	for (int i = 0; i < SD_COUNT; i++)
		sample(b, "veto_details_total", t->detail[i], "detail",
		    stats_detail_name(i), NULL);
	family(b, "veto_entry_events_dropped_total", "counter",
	    "Blocked-entry events lost to a full per-thread ring (category totals stay exact).");
	sample(b, "veto_entry_events_dropped_total", t->ring_dropped, NULL);
}

static const char *
feed_label(const struct daemon_status *s, const char *list_feed)
{
	int i = status_feed_by_id(s, list_feed);

	return i >= 0 ? s->feeds[i].name : list_feed;
}

static void
render_blocked(struct mbuf *b, const struct stats_total *t,
    const struct daemon_status *s)
{
	unsigned ncats = MIN(stats_categories(), STATS_MAX_CATS);

	family(b, "veto_blocked_total", "counter",
	    "Blocked requests by feed, category and protocol (monitor mode included).");
	for (unsigned c = 0; c < ncats; c++) {
		const char *feed, *cat;
		uint64_t sum = 0;
		for (int p = 0; p < VPROTO_COUNT; p++)
			sum += t->cat_blocked[c][p];
		if (c == STATS_CAT_OTHER && sum == 0)
			continue;
		stats_category_name((uint16_t)c, &feed, &cat);
		for (int p = 0; p < VPROTO_COUNT; p++)
			sample(b, "veto_blocked_total", t->cat_blocked[c][p],
			    "feed", feed_label(s, feed), "category", cat,
			    "protocol", veto_proto_name(p), NULL);
	}
	family(b, "veto_stop_page_hits_total", "counter",
	    "Stop page views by the feed and category they named.");
	for (unsigned c = 0; c < ncats; c++) {
		const char *feed, *cat;
		if (c == STATS_CAT_OTHER && s->stop_hits[c] == 0)
			continue;
		stats_category_name((uint16_t)c, &feed, &cat);
		sample(b, "veto_stop_page_hits_total", s->stop_hits[c], "feed",
		    feed_label(s, feed), "category", cat, NULL);
	}
}

enum qfield {
	QF_RUNNING, QF_PACKETS, QF_BYTES, QF_ID_GAPS, QF_ENOBUFS, QF_TRUNCATED,
	QF_ERRORS, QF_WAITING, QF_KDROPPED, QF_KUSER_DROPPED,
};

static uint64_t
queue_value(const struct status_queue *q, enum qfield f)
{
	switch (f) {
	case QF_RUNNING:
		return q->running;
	case QF_PACKETS:
		return q->packets;
	case QF_BYTES:
		return q->bytes;
	case QF_ID_GAPS:
		return q->id_gaps;
	case QF_ENOBUFS:
		return q->enobufs;
	case QF_TRUNCATED:
		return q->truncated;
	case QF_ERRORS:
		return q->errors;
	case QF_WAITING:
		return q->proc_waiting;
	case QF_KDROPPED:
		return q->proc_dropped;
	case QF_KUSER_DROPPED:
		return q->proc_user_dropped;
	}
	return 0;
}

static const struct {
	const char *name, *type, *help;
	enum qfield field;
} queue_families[] = {
	{"veto_queue_up", "gauge", "1 while the queue's packet thread runs.",
	    QF_RUNNING},
	{"veto_queue_packets_total", "counter", "Packets vetod received.",
	    QF_PACKETS},
	{"veto_queue_bytes_total", "counter",
	    "Bytes of the packets vetod received.", QF_BYTES},
	{"veto_queue_id_gaps_total", "counter", "Packet ids skipped: packets "
	    "the kernel let through unseen (fail-open) or dropped.", QF_ID_GAPS},
	{"veto_queue_enobufs_total", "counter", "Receive overruns (ENOBUFS).",
	    QF_ENOBUFS},
	{"veto_queue_truncated_total", "counter",
	    "Packets longer than the copy range.", QF_TRUNCATED},
	{"veto_queue_errors_total", "counter", "Netlink errors.", QF_ERRORS},
	/* from /proc/net/netfilter/nfnetlink_queue */
	{"veto_queue_kernel_waiting", "gauge",
	    "Packets waiting in the kernel for a verdict.", QF_WAITING},
	{"veto_queue_kernel_dropped_total", "counter",
	    "Packets the kernel dropped because the queue was full.",
	    QF_KDROPPED},
	{"veto_queue_kernel_user_dropped_total", "counter",
	    "Packets the kernel dropped because vetod's socket was full.",
	    QF_KUSER_DROPPED},
};

static void
render_queue_verdicts(struct mbuf *b, const struct daemon_status *s)
{
	static const char *const kinds[3] = {"accept", "drop", "repeat"};
	char q[16];

	family(b, "veto_queue_verdicts_total", "counter", "Verdicts sent, by kind.");
	for (unsigned i = 0; i < s->nqueues; i++) {
		const struct status_queue *sq = &s->queues[i];
		const uint64_t v[3] = {sq->accepted, sq->dropped, sq->repeated};
		snprintf(q, sizeof(q), "%u", sq->num);
		for (int k = 0; k < 3; k++)
			sample(b, "veto_queue_verdicts_total", v[k], "queue", q,
			    "verdict", kinds[k], NULL);
	}
}

static void
render_rules(struct mbuf *b, const struct daemon_status *s)
{
	uint64_t received = 0;

	for (unsigned i = 0; i < s->nqueues; i++)
		received += s->queues[i].packets;
	family(b, "veto_rules_queued_packets_total", "counter",
	    "Packets the NFQUEUE rules matched (rule counters).");
	sample(b, "veto_rules_queued_packets_total", s->rules_queued, NULL);
	family(b, "veto_rules_unseen_packets", "gauge", "Rule-queued packets "
	    "vetod never received (fail-open or bypass), estimated.");
	sample(b, "veto_rules_unseen_packets", s->rules_queued > received ?
	    s->rules_queued - received : 0, NULL);
	family(b, "veto_rules_cap_hits_total", "counter",
	    "Flows that reached connbytes_cap undecided and left the queue.");
	sample(b, "veto_rules_cap_hits_total", s->rules_cap_hits, NULL);
}

/* Overflow (status.h): what the kernel could not hand to vetod, what of
 * it passed unfiltered, and the seconds a queue was found full (whose
 * packets, with fail_open, the kernel neither counts nor numbers). */
static void
render_overflow(struct mbuf *b, const struct daemon_status *s)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{"veto_queue_overflow_total", "counter", "Packets the kernel "
		    "could not queue to vetod (queue or socket full)."},
		{"veto_unfiltered_packets_total", "counter", "Of those, packets "
		    "passed unfiltered (fail_open); a full queue with fail_open "
		    "passes more, uncounted: see veto_queue_full_seconds_total."},
		{"veto_queue_full_seconds_total", "counter",
		    "Seconds in which vetod found the queue full (sampled 10 times a second)."},
	};
	char q[16];

	for (size_t k = 0; k < ARRAY_LEN(fam); k++) {
		family(b, fam[k].name, fam[k].type, fam[k].help);
		for (unsigned i = 0; i < s->nqueues; i++) {
			const struct status_queue *sq = &s->queues[i];
			uint64_t v = k == 0 ? status_queue_overflow(sq) :
			    k == 1 ? status_queue_unfiltered(sq, s->fail_open) :
			    sq->full_seconds;
			snprintf(q, sizeof(q), "%u", sq->num);
			sample(b, fam[k].name, v, "queue", q, NULL);
		}
	}
}

static void
render_queues(struct mbuf *b, const struct daemon_status *s)
{
	char q[16];

	for (size_t k = 0; k < ARRAY_LEN(queue_families); k++) {
		bool proc = queue_families[k].field >= QF_WAITING;
		family(b, queue_families[k].name, queue_families[k].type,
		    queue_families[k].help);
		for (unsigned i = 0; i < s->nqueues; i++) {
			const struct status_queue *sq = &s->queues[i];
			if (proc && !sq->have_proc)
				continue;
			snprintf(q, sizeof(q), "%u", sq->num);
			sample(b, queue_families[k].name,
			    queue_value(sq, queue_families[k].field), "queue", q,
			    NULL);
		}
		if (k == 2)
			render_queue_verdicts(b, s);
	}
	render_overflow(b, s);
	if (s->have_rules)
		render_rules(b, s);
}

static void
render_reasm(struct mbuf *b, const struct daemon_status *s)
{
	family(b, "veto_reasm_flows", "gauge", "Flows held for reassembly.");
	sample(b, "veto_reasm_flows", s->reasm_flows, NULL);
	family(b, "veto_reasm_flows_max", "gauge", "Flow slots for reassembly.");
	sample(b, "veto_reasm_flows_max", s->reasm_max_flows, NULL);
	family(b, "veto_reasm_bytes", "gauge", "Bytes held for reassembly.");
	sample(b, "veto_reasm_bytes", s->reasm_bytes, NULL);
	family(b, "veto_reasm_memory_bytes", "gauge",
	    "Reassembly memory cap (reasm_memory).");
	sample(b, "veto_reasm_memory_bytes", s->reasm_memory, NULL);
	family(b, "veto_reasm_evicted_total", "counter",
	    "Flows evicted from reassembly to make room.");
	sample(b, "veto_reasm_evicted_total", s->reasm_evicted, NULL);
}

static void
render_list_times(struct mbuf *b, const struct daemon_status *s)
{
	family(b, "veto_list_issued_timestamp_seconds", "gauge",
	    "Unix time the list in force was issued.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		if (s->feeds[i].have_list)
			sample_i(b, "veto_list_issued_timestamp_seconds",
			    (int64_t)s->feeds[i].issued, "feed", s->feeds[i].name,
			    NULL);
	family(b, "veto_list_expires_timestamp_seconds", "gauge",
	    "Unix time the list in force expires.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		if (s->feeds[i].have_list)
			sample_i(b, "veto_list_expires_timestamp_seconds",
			    (int64_t)s->feeds[i].expires, "feed",
			    s->feeds[i].name, NULL);
	family(b, "veto_list_age_seconds", "gauge",
	    "Seconds since the list in force was issued.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		if (s->feeds[i].have_list)
			sample_i(b, "veto_list_age_seconds",
			    (int64_t)(s->now - s->feeds[i].issued), "feed",
			    s->feeds[i].name, NULL);
}

static void
render_list_fetch(struct mbuf *b, const struct daemon_status *s)
{
	family(b, "veto_list_last_fetch_timestamp_seconds", "gauge",
	    "Unix time of the last fetch attempt (0: never).");
	for (unsigned i = 0; i < s->nfeeds; i++)
		sample_i(b, "veto_list_last_fetch_timestamp_seconds",
		    (int64_t)s->feeds[i].last_fetch, "feed", s->feeds[i].name,
		    NULL);
	family(b, "veto_list_last_fetch_success", "gauge",
	    "1 if the last fetch attempt succeeded (installed or unchanged).");
	for (unsigned i = 0; i < s->nfeeds; i++)
		sample(b, "veto_list_last_fetch_success",
		    s->feeds[i].last_fetch_ok, "feed", s->feeds[i].name, NULL);
	family(b, "veto_list_last_success_timestamp_seconds", "gauge",
	    "Unix time of the last successful fetch (0: never).");
	for (unsigned i = 0; i < s->nfeeds; i++)
		sample_i(b, "veto_list_last_success_timestamp_seconds",
		    (int64_t)s->feeds[i].last_success, "feed", s->feeds[i].name,
		    NULL);
	family(b, "veto_list_fetch_failures", "gauge",
	    "Fetch attempts that failed in a row.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		sample(b, "veto_list_fetch_failures", s->feeds[i].fetch_failures,
		    "feed", s->feeds[i].name, NULL);
	family(b, "veto_list_held", "gauge",
	    "Lists held for `veto list confirm` (entry count changed too much).");
	for (unsigned i = 0; i < s->nfeeds; i++)
		sample(b, "veto_list_held", s->feeds[i].nheld, "feed",
		    s->feeds[i].name, NULL);
}

static void
render_lists(struct mbuf *b, const struct daemon_status *s)
{
	static const int states[] = {FEED_OK, FEED_EXPIRED, FEED_STALE,
	    FEED_DISABLED, FEED_NONE};
	static const char *const types[3] = {"domain", "host", "url"};

	family(b, "veto_list_info", "gauge",
	    "The list in force per feed; its serial, feed id and authority as labels.");
	for (unsigned i = 0; i < s->nfeeds; i++) {
		const struct status_feed *f = &s->feeds[i];
		if (f->have_list)
			sample(b, "veto_list_info", 1, "feed", f->name,
			    "list_feed", f->list_feed, "serial", f->serial,
			    "authority", f->authority, NULL);
	}
	family(b, "veto_list_health", "gauge",
	    "State of each feed's list: ok, expired (in grace), stale, disabled, none.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		for (size_t k = 0; k < ARRAY_LEN(states); k++)
			sample(b, "veto_list_health",
			    s->feeds[i].health == states[k], "feed",
			    s->feeds[i].name, "state",
			    status_health_name(states[k]), NULL);
	family(b, "veto_list_enforced", "gauge",
	    "1 if the feed's entries are in the matcher.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		sample(b, "veto_list_enforced", s->feeds[i].enforced, "feed",
		    s->feeds[i].name, NULL);
	family(b, "veto_list_entries", "gauge", "Entries of the list in force, by type.");
	for (unsigned i = 0; i < s->nfeeds; i++)
		if (s->feeds[i].have_list)
			for (int k = 0; k < 3; k++)
				sample(b, "veto_list_entries",
				    s->feeds[i].entries_type[k], "feed",
				    s->feeds[i].name, "type", types[k], NULL);
	render_list_times(b, s);
	render_list_fetch(b, s);
}

char *
metrics_render(const struct stats_total *t, const struct daemon_status *s,
    size_t *len)
{
	struct mbuf b = {.cap = 16384};

	b.p = xcalloc(1, b.cap);
	render_process(&b, s);
	render_counts(&b, t);
	render_blocked(&b, t, s);
	render_queues(&b, s);
	render_reasm(&b, s);
	render_lists(&b, s);
	*len = b.len;
	return b.p;
}

/* --- the listener */

int
metrics_listen_open(const char *addr, struct verr *e)
{
	return net_listen("metrics_listen", addr, 16, 0, e);
}

struct metrics {
	struct MHD_Daemon *mhd;
	struct status_source src;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, const char *type, char *body,
    size_t len, bool owned)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, owned ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	static char index[] = "veto metrics: see /metrics\n";
	static char notfound[] = "not found\n";
	static char notallowed[] = "method not allowed\n";
	struct metrics *m = cls;
	struct daemon_status *st;
	struct stats_total *t;
	char *page;
	size_t len;

	(void)version, (void)upload;
	if (*ctx == NULL) {		/* first call: headers only */
		*ctx = m;
		return MHD_YES;
	}
	if (*upload_size != 0) {	/* a body: ignore it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
		    notallowed, sizeof(notallowed) - 1, false);
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "text/plain", index,
		    sizeof(index) - 1, false);
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", notfound,
		    sizeof(notfound) - 1, false);
	st = xcalloc(1, sizeof(*st));
	t = xcalloc(1, sizeof(*t));
	status_collect(&m->src, st);
	stats_sum(t);
	page = metrics_render(t, st, &len);
	free(st);
	free(t);
	return reply(c, MHD_HTTP_OK, METRICS_CONTENT_TYPE, page, len, true);
}

struct metrics *
metrics_start(int fd, const struct status_source *src, struct verr *e)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->src = *src;
	m->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
	    0, NULL, NULL, handle, m,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONN,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_END);
	if (m->mhd == NULL) {
		verr_set(e, "metrics: cannot start the HTTP server");
		close(fd);
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}
