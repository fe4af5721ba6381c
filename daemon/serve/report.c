/* report.c - the periodic k-anonymous report; see report.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "policy/policy.h"
#include "serve/report.h"
#include "core/veto.h"

/* --- counts as the report shows them */

enum cform { CF_EXACT, CF_BELOW, CF_ATLEAST };

struct cnt {
	uint64_t v;		/* the true value */
	uint64_t lb;		/* CF_ATLEAST: the bound shown */
	enum cform f;
};

static struct cnt
cnt_leaf(uint64_t v, uint64_t k)
{
	struct cnt c = {.v = v, .f = (v == 0 || v >= k) ? CF_EXACT : CF_BELOW};

	return c;
}

/* Given one split of a total into parts, may the total be shown exactly?
 * *known gets the sum of the parts shown as numbers (or bounds). */
static bool
split_safe(const struct cnt *parts, size_t n, uint64_t k, uint64_t *known)
{
	uint64_t r = 0, lo, hi;
	size_t m = 0;
	bool atleast = false;

	*known = 0;
	for (size_t i = 0; i < n; i++) {
		switch (parts[i].f) {
		case CF_EXACT:
			*known += parts[i].v;
			break;
		case CF_ATLEAST:
			*known += parts[i].lb;
			atleast = true;
			break;
		case CF_BELOW:
			r += parts[i].v;
			m++;
			break;
		}
	}
	if (atleast)
		return false;
	if (m == 0)
		return true;
	if (m == 1)
		return false;
	/* m hidden parts in [1, k-1] summing to r: the range of each */
	lo = r > (m - 1) * (k - 1) ? r - (m - 1) * (k - 1) : 1;
	hi = MIN(k - 1, r - (m - 1));
	return lo < hi;
}

/* A total with nsplits ways of splitting it into parts. */
struct split {
	const struct cnt *parts;
	size_t n;
};

static struct cnt
cnt_total(uint64_t v, uint64_t k, const struct split *splits, size_t nsplits)
{
	struct cnt c = cnt_leaf(v, k);
	uint64_t known, lb = k;
	bool safe = true;

	if (c.f != CF_EXACT || v == 0)
		return c;
	for (size_t i = 0; i < nsplits; i++) {
		if (!split_safe(splits[i].parts, splits[i].n, k, &known))
			safe = false;
		lb = MAX(lb, known);
	}
	if (!safe) {
		c.f = CF_ATLEAST;
		c.lb = MIN(lb, v);
	}
	return c;
}

static void
jcnt(cJSON *o, const char *name, struct cnt c, uint64_t k)
{
	char buf[48];

	switch (c.f) {
	case CF_EXACT:
		snprintf(buf, sizeof(buf), "%" PRIu64, c.v);
		cJSON_AddRawToObject(o, name, buf);
		return;
	case CF_BELOW:
		snprintf(buf, sizeof(buf), "<%" PRIu64, k);
		break;
	case CF_ATLEAST:
		snprintf(buf, sizeof(buf), ">=%" PRIu64, c.lb);
		break;
	}
	cJSON_AddStringToObject(o, name, buf);
}

/* Protocol cells and their total. */
struct row {
	struct cnt p[VPROTO_COUNT];
	struct cnt total;
};

static void
jrow(cJSON *o, const struct row *r, uint64_t k)
{
	for (int p = 0; p < VPROTO_COUNT; p++)
		jcnt(o, veto_proto_name(p), r->p[p], k);
	jcnt(o, "total", r->total, k);
}

/* --- grouping the entries by feed and category */

static int
entry_cmp(const void *a, const void *b)
{
	const struct stats_entry_count *x = *(const struct stats_entry_count *const *)a;
	const struct stats_entry_count *y = *(const struct stats_entry_count *const *)b;
	int c = strcmp(x->cat, y->cat);

	return c ? c : strcmp(x->id, y->id);
}

static uint64_t
row_sum(const uint64_t *v)
{
	uint64_t s = 0;

	for (int p = 0; p < VPROTO_COUNT; p++)
		s += v[p];
	return s;
}

/* Rows of n entries (sorted), then of their category. */
static cJSON *
render_category(const struct stats_entry_count *const *ents, size_t n,
    uint64_t k, struct row *cat)
{
	struct row *er = xcalloc(n, sizeof(*er));
	struct cnt *col = xcalloc(n, sizeof(*col)), *tots = xcalloc(n, sizeof(*tots));
	cJSON *o = cJSON_CreateObject(), *a, *eo;
	uint64_t v[VPROTO_COUNT] = {0}, all = 0;
	struct split sp[2];

	for (size_t i = 0; i < n; i++) {
		struct split s = {er[i].p, VPROTO_COUNT};
		for (int p = 0; p < VPROTO_COUNT; p++) {
			er[i].p[p] = cnt_leaf(ents[i]->count[p], k);
			v[p] += ents[i]->count[p];
		}
		er[i].total = cnt_total(row_sum(ents[i]->count), k, &s, 1);
		tots[i] = er[i].total;
	}
	for (int p = 0; p < VPROTO_COUNT; p++) {
		struct split s = {col, n};
		for (size_t i = 0; i < n; i++)
			col[i] = er[i].p[p];
		cat->p[p] = cnt_total(v[p], k, &s, 1);
		all += v[p];
	}
	sp[0] = (struct split){cat->p, VPROTO_COUNT};
	sp[1] = (struct split){tots, n};
	cat->total = cnt_total(all, k, sp, 2);

	cJSON_AddStringToObject(o, "id", n ? ents[0]->cat : "");
	jrow(cJSON_AddObjectToObject(o, "blocked"), cat, k);
	a = cJSON_AddArrayToObject(o, "entries");
	for (size_t i = 0; i < n; i++) {
		eo = cJSON_CreateObject();
		cJSON_AddStringToObject(eo, "id", ents[i]->id);
		jrow(eo, &er[i], k);
		cJSON_AddItemToArray(a, eo);
	}
	free(er);
	free(col);
	free(tots);
	return o;
}

static cJSON *
render_feed(const struct report_feed *f, const char *list_feed,
    const struct stats_entry_count *all, size_t nall, uint64_t k)
{
	const struct stats_entry_count **ents = xcalloc(nall ? nall : 1, sizeof(*ents));
	struct row *cats = xcalloc(nall ? nall : 1, sizeof(*cats));
	struct cnt *col = xcalloc(nall ? nall : 1, sizeof(*col));
	struct cnt *tots = xcalloc(nall ? nall : 1, sizeof(*tots));
	uint64_t v[VPROTO_COUNT] = {0}, sum = 0;
	cJSON *o = cJSON_CreateObject(), *ca, *s;
	size_t n = 0, ncats = 0;
	struct row feed;
	struct split sp[2];

	for (size_t i = 0; i < nall; i++)
		if (strcmp(all[i].feed, list_feed) == 0)
			ents[n++] = &all[i];
	qsort(ents, n, sizeof(*ents), entry_cmp);

	cJSON_AddStringToObject(o, "name", f ? f->name : "");
	cJSON_AddStringToObject(o, "list_feed", list_feed);
	s = cJSON_AddArrayToObject(o, "serials");
	for (unsigned i = 0; f && i < f->nserials; i++)
		cJSON_AddItemToArray(s, cJSON_CreateString(f->serials[i]));
	if (f && f->serials_truncated)
		cJSON_AddBoolToObject(o, "serials_truncated", 1);
	cJSON_AddStringToObject(o, "health_at_end",
	    f ? status_health_name(f->health_end) : "none");
	if (f != NULL)
		cJSON_AddNumberToObject(o, "list_entries", (double)f->list_entries);

	ca = cJSON_CreateArray();
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && strcmp(ents[j]->cat, ents[i]->cat) == 0)
			j++;
		cJSON_AddItemToArray(ca, render_category(ents + i, j - i, k,
		    &cats[ncats]));
		for (size_t x = i; x < j; x++)
			for (int p = 0; p < VPROTO_COUNT; p++)
				v[p] += ents[x]->count[p];
		ncats++;
		i = j;
	}
	for (int p = 0; p < VPROTO_COUNT; p++) {
		struct split sc = {col, ncats};
		for (size_t c = 0; c < ncats; c++)
			col[c] = cats[c].p[p];
		feed.p[p] = cnt_total(v[p], k, &sc, 1);
		sum += v[p];
	}
	for (size_t c = 0; c < ncats; c++)
		tots[c] = cats[c].total;
	sp[0] = (struct split){feed.p, VPROTO_COUNT};
	sp[1] = (struct split){tots, ncats};
	feed.total = cnt_total(sum, k, sp, 2);
	jrow(cJSON_AddObjectToObject(o, "blocked"), &feed, k);
	cJSON_AddItemToObject(o, "categories", ca);
	free(ents);
	free(cats);
	free(col);
	free(tots);
	return o;
}

static bool
feed_listed(const struct report_period *p, const char *list_feed, size_t upto)
{
	for (unsigned i = 0; i < p->nfeeds; i++)
		if (strcmp(p->feeds[i].list_feed, list_feed) == 0)
			return true;
	for (size_t i = 0; i < upto; i++)
		if (strcmp(p->entries[i].feed, list_feed) == 0)
			return true;
	return false;
}

static cJSON *
render_feeds(const struct report_period *p, uint64_t k)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; i < p->nfeeds; i++)
		cJSON_AddItemToArray(a, render_feed(&p->feeds[i],
		    p->feeds[i].list_feed, p->entries, p->nentries, k));
	/* entries of feeds no longer configured (a reload removed them) */
	for (size_t i = 0; i < p->nentries; i++)
		if (!feed_listed(p, p->entries[i].feed, i))
			cJSON_AddItemToArray(a, render_feed(NULL,
			    p->entries[i].feed, p->entries, p->nentries, k));
	return a;
}

static void
render_traffic(cJSON *o, const struct report_period *p, uint64_t k)
{
	const struct stats_total *d = p->delta;
	cJSON *r, *m, *c, *x;

	r = cJSON_AddObjectToObject(o, "requests");
	m = cJSON_AddObjectToObject(o, "malformed");
	jcnt(m, "packets", cnt_leaf(d->pkt[SP_MALFORMED], k), k);
	for (int pr = 0; pr < VPROTO_COUNT; pr++) {
		x = cJSON_AddObjectToObject(r, veto_proto_name(pr));
		jcnt(x, "allowed", cnt_leaf(d->decision[pr][VACT_ALLOWED], k), k);
		jcnt(x, "unknown_name",
		    cnt_leaf(d->decision[pr][VACT_UNKNOWN_NAME], k), k);
		jcnt(m, veto_proto_name(pr),
		    cnt_leaf(d->decision[pr][VACT_MALFORMED], k), k);
	}
	c = cJSON_AddObjectToObject(o, "coverage");
	jcnt(c, "packets_queued", cnt_leaf(p->q_packets, k), k);
	jcnt(c, "packets_inspected", cnt_leaf(d->pkt[SP_SEEN], k), k);
	jcnt(c, "packets_offloaded", cnt_leaf(d->pkt[SP_OFFLOADED], k), k);
	jcnt(c, "packets_no_payload", cnt_leaf(d->pkt[SP_NO_PAYLOAD], k), k);
	jcnt(c, "packets_unsupported", cnt_leaf(d->pkt[SP_UNSUPPORTED], k), k);
	jcnt(c, "reassembly_over_cap", cnt_leaf(d->pkt[SP_REASM_OVER], k), k);
	jcnt(c, "id_gaps", cnt_leaf(p->q_id_gaps, k), k);
	jcnt(c, "overruns", cnt_leaf(p->q_enobufs, k), k);
	jcnt(c, "kernel_dropped", cnt_leaf(p->q_kernel_dropped, k), k);
	jcnt(c, "kernel_user_dropped", cnt_leaf(p->q_user_dropped, k), k);
	if (p->have_rules) {
		jcnt(c, "rules_queued", cnt_leaf(p->rules_queued, k), k);
		jcnt(c, "rules_unseen", cnt_leaf(p->rules_queued > p->q_packets ?
		    p->rules_queued - p->q_packets : 0, k), k);
		jcnt(c, "connbytes_cap_hits", cnt_leaf(p->rules_cap_hits, k), k);
	}
	jcnt(c, "entry_events_lost", cnt_leaf(p->entry_events_lost, k), k);
}

char *
report_render(const struct report_period *p, size_t *len)
{
	uint64_t k = p->min_count ? p->min_count : 1;
	cJSON *o = cJSON_CreateObject(), *x;
	char t[32], *text;

	cJSON_AddStringToObject(o, "format", REPORT_FORMAT);
	cJSON_AddStringToObject(o, "generator", "veto " VETO_VERSION);
	x = cJSON_AddObjectToObject(o, "period");
	time_format_rfc3339(p->start, t);
	cJSON_AddStringToObject(x, "start", t);
	time_format_rfc3339(p->end, t);
	cJSON_AddStringToObject(x, "end", t);
	if (p->operator_name != NULL)
		cJSON_AddStringToObject(o, "operator", p->operator_name);
	else
		cJSON_AddNullToObject(o, "operator");
	cJSON_AddNumberToObject(o, "min_count", (double)k);
	x = cJSON_AddArrayToObject(o, "modes");
	if (p->mode_enforce)
		cJSON_AddItemToArray(x, cJSON_CreateString("enforce"));
	if (p->mode_monitor)
		cJSON_AddItemToArray(x, cJSON_CreateString("monitor"));
	cJSON_AddItemToObject(o, "feeds", render_feeds(p, k));
	render_traffic(o, p, k);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text == NULL)
		abort();	/* out of memory, like xcalloc */
	*len = strlen(text);
	text = xrealloc(text, *len + 2);
	text[(*len)++] = '\n';
	text[*len] = '\0';
	return text;
}

/* --- files */

void
report_file_name(time_t start, char *buf, size_t size)
{
	struct tm tm;
	char t[32];

	gmtime_r(&start, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, size, "report-%s.json", t);
}

int
report_write(const char *dir, uid_t uid, gid_t gid, time_t start,
    const char *text, size_t len, char *path, size_t pathsize,
    struct verr *e)
{
	char name[64], p[PATH_MAX];
	int n;

	if (dir_ensure(dir, 0750, uid, gid, e) == -1)
		return -1;
	report_file_name(start, name, sizeof(name));
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			n = snprintf(p, sizeof(p), "%s/%s", dir, name);
		else
			n = snprintf(p, sizeof(p), "%s/%.*s-%d.json", dir,
			    (int)(strlen(name) - 5), name, i);
		if (n < 0 || (size_t)n >= sizeof(p)) {
			verr_set(e, "%s: path too long", dir);
			return -1;
		}
		if (access(p, F_OK) == -1 && errno == ENOENT)
			break;
	}
	if (file_write_atomic(p, text, len, 0640, e) == -1)
		return -1;
	if (path != NULL)
		str_copy(path, p, pathsize);
	return 0;
}

/* --- the schedule */

struct pending {
	char *text;
	size_t len;
	time_t start;
};

struct report {
	char *dir, *operator_name;
	uint64_t interval, min_count;
	uid_t uid;
	gid_t gid;
	struct status_source src;

	time_t start, next, last_note, last_retry;
	struct stats_total base;
	uint64_t base_q[5], base_rules[2], base_lost;

	struct report_feed *feeds;
	unsigned nfeeds;
	bool mode_enforce, mode_monitor;

	struct pending pending[REPORT_MAX_PENDING];
	unsigned npending;
	char last_path[PATH_MAX];
};

static time_t
next_boundary(time_t t, uint64_t interval)
{
	uint64_t iv = interval ? interval : 1;

	return (time_t)(((uint64_t)t / iv + 1) * iv);
}

static void
feeds_free(struct report_feed *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < f[i].nserials; j++)
			free(f[i].serials[j]);
		free(f[i].serials);
	}
	free(f);
}

static struct report_feed *
feed_find(struct report *r, const struct status_feed *sf)
{
	struct report_feed *f;

	for (unsigned i = 0; i < r->nfeeds; i++)
		if (strcmp(r->feeds[i].name, sf->name) == 0 &&
		    strcmp(r->feeds[i].list_feed, sf->list_feed) == 0)
			return &r->feeds[i];
	r->feeds = xrealloc(r->feeds, (r->nfeeds + 1) * sizeof(*r->feeds));
	f = &r->feeds[r->nfeeds++];
	memset(f, 0, sizeof(*f));
	str_copy(f->name, sf->name, sizeof(f->name));
	str_copy(f->list_feed, sf->list_feed, sizeof(f->list_feed));
	f->serials = xcalloc(REPORT_MAX_SERIALS, sizeof(char *));
	return f;
}

static void
note_status(struct report *r, const struct daemon_status *st)
{
	if (st->have_policy) {
		if (st->mode == MODE_MONITOR)
			r->mode_monitor = true;
		else
			r->mode_enforce = true;
	}
	for (unsigned i = 0; i < st->nfeeds; i++) {
		const struct status_feed *sf = &st->feeds[i];
		struct report_feed *f = feed_find(r, sf);
		bool seen = false;
		f->health_end = sf->health;
		f->list_entries = sf->entries;
		if (!sf->have_list)
			continue;
		for (unsigned j = 0; j < f->nserials && !seen; j++)
			seen = strcmp(f->serials[j], sf->serial) == 0;
		if (seen)
			continue;
		if (f->nserials == REPORT_MAX_SERIALS)
			f->serials_truncated = true;
		else
			f->serials[f->nserials++] = xstrdup(sf->serial);
	}
}

/* Queue counters summed: packets, id gaps, enobufs, kernel drops. */
static void
queue_sums(const struct daemon_status *st, uint64_t q[5], uint64_t rules[2])
{
	memset(q, 0, 5 * sizeof(*q));
	for (unsigned i = 0; i < st->nqueues; i++) {
		q[0] += st->queues[i].packets;
		q[1] += st->queues[i].id_gaps;
		q[2] += st->queues[i].enobufs;
		q[3] += st->queues[i].proc_dropped;
		q[4] += st->queues[i].proc_user_dropped;
	}
	rules[0] = st->have_rules ? st->rules_queued : 0;
	rules[1] = st->have_rules ? st->rules_cap_hits : 0;
}

static uint64_t
delta(uint64_t cur, uint64_t base)
{
	return cur >= base ? cur - base : cur;	/* a counter that restarted */
}

static void
total_delta(struct stats_total *d, const struct stats_total *cur,
    const struct stats_total *base)
{
	for (int i = 0; i < SP_COUNT; i++)
		d->pkt[i] = delta(cur->pkt[i], base->pkt[i]);
	for (int p = 0; p < VPROTO_COUNT; p++)
		for (int a = 0; a < VACT_COUNT; a++)
			d->decision[p][a] = delta(cur->decision[p][a],
			    base->decision[p][a]);
	for (int i = 0; i < SD_COUNT; i++)
		d->detail[i] = delta(cur->detail[i], base->detail[i]);
	for (int c = 0; c < STATS_MAX_CATS; c++)
		for (int p = 0; p < VPROTO_COUNT; p++)
			d->cat_blocked[c][p] = delta(cur->cat_blocked[c][p],
			    base->cat_blocked[c][p]);
	d->ring_dropped = delta(cur->ring_dropped, base->ring_dropped);
}

/* Start a period at t with st as the baseline. */
static void
period_begin(struct report *r, time_t t, const struct daemon_status *st,
    const struct stats_total *cur)
{
	r->start = t;
	r->next = next_boundary(t, r->interval);
	r->base = *cur;
	queue_sums(st, r->base_q, r->base_rules);
	r->base_lost = cur->ring_dropped + stats_entries_unresolved();
	feeds_free(r->feeds, r->nfeeds);
	r->feeds = NULL;
	r->nfeeds = 0;
	r->mode_enforce = r->mode_monitor = false;
	note_status(r, st);
}

static void
set_conf(struct report *r, const struct report_conf *c)
{
	free(r->dir);
	free(r->operator_name);
	r->dir = xstrdup(c->dir ? c->dir : "");
	r->operator_name = c->operator_name ? xstrdup(c->operator_name) : NULL;
	r->interval = c->interval ? c->interval : 86400;
	r->min_count = c->min_count ? c->min_count : 10;
	r->uid = c->uid;
	r->gid = c->gid;
}

int
report_prepare(const struct report_conf *c, struct verr *e)
{
	if (c->dir == NULL || *c->dir == '\0')
		return 0;
	return dir_ensure(c->dir, 0750, c->uid, c->gid, e);
}

struct report *
report_new(const struct report_conf *c, const struct status_source *src,
    time_t now)
{
	struct report *r = xcalloc(1, sizeof(*r));
	struct daemon_status *st = xcalloc(1, sizeof(*st));
	struct stats_total *cur = xcalloc(1, sizeof(*cur));

	set_conf(r, c);
	r->src = *src;
	status_collect(&r->src, st);
	stats_sum(cur);
	period_begin(r, now, st, cur);
	r->last_note = now;
	free(st);
	free(cur);
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->npending; i++)
		free(r->pending[i].text);
	feeds_free(r->feeds, r->nfeeds);
	free(r->dir);
	free(r->operator_name);
	free(r);
}

void
report_configure(struct report *r, const struct report_conf *c)
{
	uint64_t old = r->interval;

	set_conf(r, c);
	if (r->interval != old)
		r->next = next_boundary(r->start, r->interval);
}

void
report_note(struct report *r)
{
	struct daemon_status *st = xcalloc(1, sizeof(*st));

	status_collect(&r->src, st);
	note_status(r, st);
	free(st);
}

static int
write_pending(struct report *r, struct verr *e)
{
	if (*r->dir == '\0') {		/* reports were turned off */
		for (unsigned i = 0; i < r->npending; i++)
			free(r->pending[i].text);
		r->npending = 0;
	}
	while (r->npending > 0) {
		struct pending *pd = &r->pending[0];
		if (report_write(r->dir, r->uid, r->gid, pd->start, pd->text,
		    pd->len, r->last_path, sizeof(r->last_path), e) == -1)
			return -1;
		free(pd->text);
		memmove(&r->pending[0], &r->pending[1],
		    (r->npending - 1) * sizeof(r->pending[0]));
		r->npending--;
	}
	return 0;
}

/* Build the report of [start, end), queue it, start the next period. */
static int
period_close(struct report *r, time_t end, struct verr *e)
{
	struct daemon_status *st = xcalloc(1, sizeof(*st));
	struct stats_total *cur = xcalloc(1, sizeof(*cur));
	struct stats_total *d = xcalloc(1, sizeof(*d));
	struct stats_entry_count *ents;
	struct report_period p = {0};
	uint64_t q[5], rules[2];
	size_t n;
	int rc = 1;

	status_collect(&r->src, st);
	note_status(r, st);
	if (r->src.drain != NULL)
		r->src.drain(r->src.arg);
	stats_sum(cur);
	n = stats_entries_take(&ents);
	total_delta(d, cur, &r->base);
	queue_sums(st, q, rules);

	p.start = r->start;
	p.end = end;
	p.operator_name = r->operator_name;
	p.min_count = r->min_count;
	p.mode_enforce = r->mode_enforce;
	p.mode_monitor = r->mode_monitor;
	p.feeds = r->feeds;
	p.nfeeds = r->nfeeds;
	p.entries = ents;
	p.nentries = n;
	p.delta = d;
	p.q_packets = delta(q[0], r->base_q[0]);
	p.q_id_gaps = delta(q[1], r->base_q[1]);
	p.q_enobufs = delta(q[2], r->base_q[2]);
	p.q_kernel_dropped = delta(q[3], r->base_q[3]);
	p.q_user_dropped = delta(q[4], r->base_q[4]);
	p.have_rules = st->have_rules;
	p.rules_queued = delta(rules[0], r->base_rules[0]);
	p.rules_cap_hits = delta(rules[1], r->base_rules[1]);
	p.entry_events_lost = delta(cur->ring_dropped + stats_entries_unresolved(),
	    r->base_lost);

	if (*r->dir != '\0') {
		if (r->npending == REPORT_MAX_PENDING) {	/* drop the oldest */
			free(r->pending[0].text);
			memmove(&r->pending[0], &r->pending[1],
			    (REPORT_MAX_PENDING - 1) * sizeof(r->pending[0]));
			r->npending--;
		}
		r->pending[r->npending].start = r->start;
		r->pending[r->npending].text = report_render(&p,
		    &r->pending[r->npending].len);
		r->npending++;
		if (write_pending(r, e) == -1)
			rc = -1;
	} else {
		rc = 0;
	}
	stats_entries_free(ents, n);
	period_begin(r, end, st, cur);
	free(st);
	free(cur);
	free(d);
	return rc;
}

int
report_tick(struct report *r, time_t now, struct verr *e)
{
	time_t end;

	if (now - r->last_note >= REPORT_NOTE_EVERY || now < r->last_note) {
		report_note(r);
		r->last_note = now;
	}
	if (now < r->next) {
		if (r->npending == 0 || now - r->last_retry < REPORT_RETRY_EVERY)
			return 0;
		r->last_retry = now;
		return write_pending(r, e) == 0 ? 1 : -1;
	}
	end = r->next;
	if ((uint64_t)(now - r->next) >= r->interval)	/* ticks were missed */
		end = now - (time_t)((uint64_t)now % r->interval);
	r->last_retry = now;
	return period_close(r, end, e);
}

int
report_flush(struct report *r, time_t now, struct verr *e)
{
	return period_close(r, now > r->start ? now : r->start, e);
}

const char *
report_last_path(const struct report *r)
{
	return r->last_path;
}

time_t
report_period_start(const struct report *r)
{
	return r->start;
}

time_t
report_period_end(const struct report *r)
{
	return r->next;
}
