/* status.c - the daemon's status: collected through its callback, judged,
 * and turned into the JSON of the control socket; see status.h. */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/list.h"
#include "policy/policy.h"
#include "serve/status.h"
#include "core/util.h"

static pthread_mutex_t collect_mtx = PTHREAD_MUTEX_INITIALIZER;

void
status_collect(const struct status_source *src, struct daemon_status *out)
{
	memset(out, 0, sizeof(*out));
	if (src != NULL && src->fill != NULL) {
		pthread_mutex_lock(&collect_mtx);
		src->fill(src->arg, out);
		pthread_mutex_unlock(&collect_mtx);
	}
	if (out->now == 0)
		out->now = time(NULL);
	if (out->nfeeds > CONF_MAX_FEEDS)
		out->nfeeds = CONF_MAX_FEEDS;
	if (out->nqueues > CONF_MAX_QUEUES)
		out->nqueues = CONF_MAX_QUEUES;
}

/* A text shown to people: English, else the plain string, else the first. */
static const char *
text_pick(const struct list_text *t)
{
	const char *plain = NULL;

	for (unsigned i = 0; i < t->n; i++) {
		if (t->items[i].lang == NULL)
			plain = t->items[i].text;
		else if (strcmp(t->items[i].lang, "en") == 0)
			return t->items[i].text;
	}
	if (plain != NULL)
		return plain;
	return t->n > 0 ? t->items[0].text : "";
}

static void
feed_from_list(struct status_feed *sf, const struct list *l)
{
	sf->have_list = true;
	str_copy(sf->list_feed, l->feed ? l->feed : "", sizeof(sf->list_feed));
	str_copy(sf->serial, l->serial ? l->serial : "", sizeof(sf->serial));
	sf->issued = l->issued;
	sf->expires = l->expires;
	str_copy(sf->authority, text_pick(&l->authority_name),
	    sizeof(sf->authority));
	sf->entries = l->nentries;
	for (int t = 0; t < LIST_NTYPES && t < 3; t++)
		sf->entries_type[t] = l->count[t];
	sf->canaries = l->ncanaries;
}

void
status_from_policy(struct daemon_status *out, const struct policy *p,
    time_t now)
{
	out->now = now;
	out->have_policy = p != NULL;
	if (p == NULL)
		return;
	out->mode = p->conf->mode;
	out->fail_open = p->conf->fail_open;
	out->nfeeds = MIN(p->nfeeds, CONF_MAX_FEEDS);
	for (unsigned i = 0; i < out->nfeeds; i++) {
		const struct policy_feed *pf = &p->feeds[i];
		struct status_feed *sf = &out->feeds[i];

		str_copy(sf->name, pf->fc->name, sizeof(sf->name));
		if (pf->fc->feed != NULL)
			str_copy(sf->list_feed, pf->fc->feed, sizeof(sf->list_feed));
		sf->health = pf->health;
		sf->enforced = pf->enforced;
		sf->grace = pf->fc->grace;
		sf->refresh = pf->fc->refresh;
		sf->fetch_configured = pf->fc->url != NULL || pf->fc->file != NULL;
		if (pf->list != NULL)
			feed_from_list(sf, pf->list);
	}
}

int
status_feed_by_id(const struct daemon_status *s, const char *list_feed)
{
	for (unsigned i = 0; i < s->nfeeds; i++)
		if (strcmp(s->feeds[i].list_feed, list_feed) == 0)
			return (int)i;
	return -1;
}

const char *
status_verdict_name(enum status_verdict v)
{
	switch (v) {
	case STATUS_HEALTHY:
		return "healthy";
	case STATUS_DEGRADED:
		return "degraded";
	case STATUS_UNPROTECTED:
		return "unprotected";
	}
	return "?";
}

const char *
status_health_name(int health)
{
	switch (health) {
	case FEED_NONE:
		return "none";
	case FEED_OK:
		return "ok";
	case FEED_EXPIRED:
		return "expired";
	case FEED_STALE:
		return "stale";
	case FEED_DISABLED:
		return "disabled";
	}
	return "?";
}

/* --- overflow */

uint64_t
status_queue_overflow(const struct status_queue *q)
{
	return q->id_gaps + q->proc_dropped;
}

uint64_t
status_queue_unfiltered(const struct status_queue *q, bool fail_open)
{
	return fail_open ? q->id_gaps : 0;
}

bool
status_queue_full(const struct status_queue *q)
{
	return q->have_proc && q->maxlen > 0 && q->proc_waiting >= q->maxlen;
}

/* --- trend of fail-open events */

static void
queue_losses(const struct daemon_status *s, uint64_t *lost, uint64_t *enobufs)
{
	*lost = *enobufs = 0;
	for (unsigned i = 0; i < s->nqueues; i++) {
		const struct status_queue *q = &s->queues[i];
		*lost += status_queue_overflow(q);
		*enobufs += q->enobufs;
	}
}

static uint64_t
queue_full_seconds(const struct daemon_status *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->nqueues; i++)
		n += s->queues[i].full_seconds;
	return n;
}

void
status_trend_note(struct status_trend *tr, const struct daemon_status *s)
{
	const time_t step = STATUS_TREND_WINDOW / STATUS_TREND_SAMPLES;
	unsigned last;

	if (tr->n > 0) {
		last = (tr->head + STATUS_TREND_SAMPLES - 1) % STATUS_TREND_SAMPLES;
		if (s->now >= tr->s[last].t && s->now - tr->s[last].t < step)
			return;
	}
	queue_losses(s, &tr->s[tr->head].lost, &tr->s[tr->head].enobufs);
	tr->s[tr->head].full = queue_full_seconds(s);
	tr->s[tr->head].t = s->now;
	tr->head = (tr->head + 1) % STATUS_TREND_SAMPLES;
	if (tr->n < STATUS_TREND_SAMPLES)
		tr->n++;
}

void
status_trend_growth(const struct status_trend *tr,
    const struct daemon_status *s, uint64_t *lost, uint64_t *enobufs)
{
	uint64_t l, b;
	unsigned first, i;

	*lost = *enobufs = 0;
	if (tr == NULL || tr->n == 0)
		return;
	queue_losses(s, &l, &b);
	first = (tr->head + STATUS_TREND_SAMPLES - tr->n) % STATUS_TREND_SAMPLES;
	for (unsigned k = 0; k < tr->n; k++) {
		i = (first + k) % STATUS_TREND_SAMPLES;
		if (s->now - tr->s[i].t > STATUS_TREND_WINDOW)
			continue;	/* too old */
		/* counters restart with the daemon: never report negatives */
		*lost = l >= tr->s[i].lost ? l - tr->s[i].lost : 0;
		*enobufs = b >= tr->s[i].enobufs ? b - tr->s[i].enobufs : 0;
		return;
	}
}

uint64_t
status_trend_full(const struct status_trend *tr, const struct daemon_status *s)
{
	uint64_t f;
	unsigned first, i;

	if (tr == NULL || tr->n == 0)
		return 0;
	f = queue_full_seconds(s);
	first = (tr->head + STATUS_TREND_SAMPLES - tr->n) % STATUS_TREND_SAMPLES;
	for (unsigned k = 0; k < tr->n; k++) {
		i = (first + k) % STATUS_TREND_SAMPLES;
		if (s->now - tr->s[i].t > STATUS_TREND_WINDOW)
			continue;
		return f >= tr->s[i].full ? f - tr->s[i].full : 0;
	}
	return 0;
}

/* --- the verdict */

static void reason(struct status_assessment *a, enum status_verdict v,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
reason(struct status_assessment *a, enum status_verdict v, const char *fmt, ...)
{
	va_list ap;

	if (v > a->verdict)
		a->verdict = v;
	if (a->nreasons == STATUS_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(a->reasons[a->nreasons++], STATUS_REASON_MAX, fmt, ap);
	va_end(ap);
}

static void
assess_feed(const struct status_feed *f, struct status_assessment *a)
{
	char exp[32], until[32], when[32];

	time_format_rfc3339(f->expires, exp);
	time_format_rfc3339(f->expires + (time_t)f->grace, until);
	switch (f->health) {
	case FEED_NONE:
		reason(a, STATUS_DEGRADED, "feed %s: no valid list: nothing of "
		    "this feed is blocked; run `veto fetch %s` and read its "
		    "errors", f->name, f->name);
		break;
	case FEED_EXPIRED:
		reason(a, STATUS_DEGRADED, "feed %s: list %s expired at %s; "
		    "still enforced until %s (list_grace): check why no newer "
		    "list was fetched", f->name, f->serial, exp, until);
		break;
	case FEED_STALE:
		reason(a, STATUS_DEGRADED, "feed %s: list %s expired at %s and "
		    "list_grace ran out; still enforced (on_expired = enforce): "
		    "ask the authority for a current list", f->name, f->serial,
		    exp);
		break;
	case FEED_DISABLED:
		reason(a, STATUS_DEGRADED, "feed %s: list %s expired at %s and "
		    "list_grace ran out; no longer enforced (on_expired = "
		    "disable): ask the authority for a current list", f->name,
		    f->serial, exp);
		break;
	}
	if (f->fetch_configured && f->last_fetch != 0 && !f->last_fetch_ok) {
		time_format_rfc3339(f->last_fetch, when);
		reason(a, STATUS_DEGRADED, "feed %s: fetch failed at %s (%" PRIu64
		    " in a row): %s; the list in force stays", f->name, when,
		    f->fetch_failures, f->last_fetch_result);
	}
	if (f->nheld > 0)
		reason(a, STATUS_DEGRADED, "feed %s: list %s is held (its entry "
		    "count changed more than list_max_change): check it with "
		    "`veto list show`, then `veto list confirm`", f->name,
		    f->held[0]);
}

static void
assess_queues(const struct daemon_status *s, const struct status_trend *tr,
    struct status_assessment *a)
{
	unsigned running = 0;
	uint64_t lost, enobufs, full;

	for (unsigned i = 0; i < s->nqueues; i++)
		running += s->queues[i].running;
	if (s->nqueues > 0 && running == 0)
		reason(a, STATUS_UNPROTECTED, "no queue is being read: traffic "
		    "passes unfiltered%s; restart vetod and read its log",
		    s->fail_open ? " (fail-open)" : " or is dropped (fail_open "
		    "= no)");
	else if (running < s->nqueues)
		reason(a, STATUS_DEGRADED, "%u of %u queues are not being read; "
		    "restart vetod and read its log", s->nqueues - running,
		    s->nqueues);
	status_trend_growth(tr, s, &lost, &enobufs);
	if (lost > 0)
		reason(a, STATUS_DEGRADED, "%" PRIu64 " packets passed the queue "
		    "unfiltered or were dropped in the last %d s (queue full, "
		    "fail-open): raise queue_maxlen or add queues", lost,
		    STATUS_TREND_WINDOW);
	full = status_trend_full(tr, s);
	if (full > 0)
		reason(a, STATUS_DEGRADED, "the queue was full for %" PRIu64
		    " s of the last %d s: packets beyond it %s; add queues, set "
		    "rate_limit_dns and rate_limit_flows", full,
		    STATUS_TREND_WINDOW, s->fail_open ? "passed unfiltered "
		    "(fail_open)" : "were dropped (fail_open = no)");
	for (unsigned i = 0; i < s->nqueues; i++)
		if (status_queue_full(&s->queues[i]))
			reason(a, STATUS_DEGRADED, "queue %u is full (%u packets "
			    "wait for vetod): more packets %s; add queues, set "
			    "rate_limit_dns and rate_limit_flows, see `veto stats`",
			    s->queues[i].num, s->queues[i].proc_waiting,
			    s->fail_open ? "pass unfiltered (fail_open)" :
			    "are dropped (fail_open = no)");
	if (enobufs > 0)
		reason(a, STATUS_DEGRADED, "%" PRIu64 " receive overruns in the "
		    "last %d s: vetod does not keep up; add queues or CPU",
		    enobufs, STATUS_TREND_WINDOW);
}

void
status_assess(const struct daemon_status *s, const struct status_trend *tr,
    struct status_assessment *a)
{
	unsigned enforced = 0;

	memset(a, 0, sizeof(*a));
	if (!s->have_policy) {
		reason(a, STATUS_UNPROTECTED, "no policy in force yet: vetod is "
		    "starting or failed to build one; read its log");
		return;
	}
	for (unsigned i = 0; i < s->nfeeds; i++)
		enforced += s->feeds[i].enforced;
	if (enforced == 0)
		reason(a, STATUS_UNPROTECTED, "no list is in force: nothing is "
		    "blocked; see the feeds below");
	for (unsigned i = 0; i < s->nfeeds; i++)
		assess_feed(&s->feeds[i], a);
	assess_queues(s, tr, a);
	if (s->mode == MODE_MONITOR)
		reason(a, STATUS_DEGRADED, "mode = monitor: blocks are counted, "
		    "not enforced; set mode = enforce when the list is checked");
}

/* --- JSON */

static void
jnum(cJSON *o, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cJSON_AddRawToObject(o, name, buf);
}

static void
jtime(cJSON *o, const char *name, time_t t)
{
	char buf[32];

	if (t == 0) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	time_format_rfc3339(t, buf);
	cJSON_AddStringToObject(o, name, buf);
}

static cJSON *
json_feed(const struct status_feed *f)
{
	static const char *const types[3] = {"domain", "host", "url"};
	cJSON *o = cJSON_CreateObject(), *t, *h;

	cJSON_AddStringToObject(o, "name", f->name);
	cJSON_AddStringToObject(o, "list_feed", f->list_feed);
	cJSON_AddStringToObject(o, "health", status_health_name(f->health));
	cJSON_AddBoolToObject(o, "enforced", f->enforced);
	if (f->have_list) {
		cJSON_AddStringToObject(o, "serial", f->serial);
		cJSON_AddStringToObject(o, "authority", f->authority);
	} else {
		cJSON_AddNullToObject(o, "serial");
		cJSON_AddNullToObject(o, "authority");
	}
	jtime(o, "issued", f->issued);
	jtime(o, "expires", f->expires);
	jtime(o, "installed", f->installed);
	jnum(o, "entries", f->entries);
	t = cJSON_AddObjectToObject(o, "entries_by_type");
	for (int i = 0; i < 3; i++)
		jnum(t, types[i], f->entries_type[i]);
	jnum(o, "canaries", f->canaries);
	cJSON_AddBoolToObject(o, "fetch_configured", f->fetch_configured);
	jtime(o, "last_fetch", f->last_fetch);
	cJSON_AddBoolToObject(o, "last_fetch_ok", f->last_fetch_ok);
	cJSON_AddStringToObject(o, "last_fetch_result", f->last_fetch_result);
	jtime(o, "last_success", f->last_success);
	jnum(o, "fetch_failures", f->fetch_failures);
	jtime(o, "next_fetch", f->next_fetch);
	h = cJSON_AddArrayToObject(o, "held");
	for (unsigned i = 0; i < f->nheld && i < STATUS_MAX_HELD; i++)
		cJSON_AddItemToArray(h, cJSON_CreateString(f->held[i]));
	return o;
}

cJSON *
status_json_feeds(const struct daemon_status *s)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; i < s->nfeeds; i++)
		cJSON_AddItemToArray(a, json_feed(&s->feeds[i]));
	return a;
}

static cJSON *
json_queues(const struct daemon_status *s)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; i < s->nqueues; i++) {
		const struct status_queue *q = &s->queues[i];
		cJSON *o = cJSON_CreateObject();
		jnum(o, "queue", q->num);
		cJSON_AddBoolToObject(o, "running", q->running);
		jnum(o, "packets", q->packets);
		jnum(o, "bytes", q->bytes);
		jnum(o, "accepted", q->accepted);
		jnum(o, "dropped", q->dropped);
		jnum(o, "repeated", q->repeated);
		jnum(o, "id_gaps", q->id_gaps);
		jnum(o, "enobufs", q->enobufs);
		jnum(o, "truncated", q->truncated);
		jnum(o, "errors", q->errors);
		jnum(o, "overflow", status_queue_overflow(q));
		jnum(o, "unfiltered", status_queue_unfiltered(q, s->fail_open));
		jnum(o, "full_seconds", q->full_seconds);
		if (q->have_proc) {
			cJSON *p = cJSON_AddObjectToObject(o, "kernel");
			jnum(p, "waiting", q->proc_waiting);
			jnum(p, "dropped", q->proc_dropped);
			jnum(p, "user_dropped", q->proc_user_dropped);
			jnum(p, "id_sequence", q->proc_id_sequence);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void
json_head(cJSON *o, const struct daemon_status *s, const char *command)
{
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "command", command);
	cJSON_AddStringToObject(o, "version", VETO_VERSION);
	jtime(o, "time", s->now);
	jtime(o, "start_time", s->start_time);
	jnum(o, "uptime", s->start_time && s->now > s->start_time ?
	    (uint64_t)(s->now - s->start_time) : 0);
	cJSON_AddStringToObject(o, "mode", s->mode == MODE_MONITOR ?
	    "monitor" : "enforce");
}

/* The configured name of the feed a registry category belongs to. */
static const char *
cat_feed_name(const struct daemon_status *s, const char *list_feed)
{
	int i = status_feed_by_id(s, list_feed);

	return i >= 0 ? s->feeds[i].name : list_feed;
}

static cJSON *
json_blocked(const struct stats_total *t, const struct daemon_status *s)
{
	cJSON *a = cJSON_CreateArray();
	unsigned ncats = stats_categories();

	for (unsigned c = 0; c < ncats && c < STATS_MAX_CATS; c++) {
		const char *feed, *cat;
		uint64_t sum = 0;
		cJSON *o;
		for (int p = 0; p < VPROTO_COUNT; p++)
			sum += t->cat_blocked[c][p];
		if (sum == 0)
			continue;
		stats_category_name((uint16_t)c, &feed, &cat);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "feed", cat_feed_name(s, feed));
		cJSON_AddStringToObject(o, "list_feed", feed);
		cJSON_AddStringToObject(o, "category", cat);
		for (int p = 0; p < VPROTO_COUNT; p++)
			jnum(o, veto_proto_name(p), t->cat_blocked[c][p]);
		jnum(o, "total", sum);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *
json_stop(const struct daemon_status *s)
{
	cJSON *o = cJSON_CreateObject(), *a;
	unsigned ncats = stats_categories();

	jnum(o, "total", s->stop_hits_total);
	a = cJSON_AddArrayToObject(o, "by_category");
	for (unsigned c = 0; c < ncats && c < STATS_MAX_CATS; c++) {
		const char *feed, *cat;
		cJSON *h;
		if (s->stop_hits[c] == 0)
			continue;
		stats_category_name((uint16_t)c, &feed, &cat);
		h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "feed", cat_feed_name(s, feed));
		cJSON_AddStringToObject(h, "category", cat);
		jnum(h, "hits", s->stop_hits[c]);
		cJSON_AddItemToArray(a, h);
	}
	return o;
}

cJSON *
status_json_stats(const struct stats_total *t, const struct daemon_status *s)
{
	cJSON *o = cJSON_CreateObject(), *x, *y;

	json_head(o, s, "stats");
	x = cJSON_AddObjectToObject(o, "packets");
	for (int i = 0; i < SP_COUNT; i++)
		jnum(x, stats_pkt_name(i), t->pkt[i]);
	x = cJSON_AddObjectToObject(o, "decisions");
	for (int p = 0; p < VPROTO_COUNT; p++) {
		y = cJSON_AddObjectToObject(x, veto_proto_name(p));
		for (int a = 0; a < VACT_COUNT; a++)
			jnum(y, veto_action_name(a), t->decision[p][a]);
	}
	x = cJSON_AddObjectToObject(o, "details");
	for (int i = 0; i < SD_COUNT; i++)
		jnum(x, stats_detail_name(i), t->detail[i]);
	cJSON_AddItemToObject(o, "blocked", json_blocked(t, s));
	jnum(o, "entry_events_dropped", t->ring_dropped);
	cJSON_AddItemToObject(o, "queues", json_queues(s));
	if (s->have_rules) {
		x = cJSON_AddObjectToObject(o, "rules");
		jnum(x, "queued", s->rules_queued);
		jnum(x, "cap_hits", s->rules_cap_hits);
	}
	x = cJSON_AddObjectToObject(o, "reassembly");
	jnum(x, "flows", s->reasm_flows);
	jnum(x, "max_flows", s->reasm_max_flows);
	jnum(x, "bytes", s->reasm_bytes);
	jnum(x, "memory", s->reasm_memory);
	jnum(x, "evicted", s->reasm_evicted);
	cJSON_AddItemToObject(o, "stop_page", json_stop(s));
	cJSON_AddItemToObject(o, "feeds", status_json_feeds(s));
	return o;
}

cJSON *
status_json_status(const struct daemon_status *s,
    const struct status_assessment *a)
{
	cJSON *o = cJSON_CreateObject(), *r;

	json_head(o, s, "status");
	cJSON_AddStringToObject(o, "verdict", status_verdict_name(a->verdict));
	r = cJSON_AddArrayToObject(o, "reasons");
	for (unsigned i = 0; i < a->nreasons; i++)
		cJSON_AddItemToArray(r, cJSON_CreateString(a->reasons[i]));
	cJSON_AddBoolToObject(o, "fail_open", s->fail_open);
	cJSON_AddItemToObject(o, "feeds", status_json_feeds(s));
	cJSON_AddItemToObject(o, "queues", json_queues(s));
	return o;
}
