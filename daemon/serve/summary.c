/* summary.c - the periodic summary log line; see summary.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "policy/policy.h"
#include "serve/summary.h"
#include "core/util.h"

struct line {
	char *buf;
	size_t size, len;
};

static void add(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len = MIN(l->len + (size_t)n, l->size - 1);
}

static uint64_t
d(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

void
summary_counts_get(struct summary_counts *c, const struct daemon_status *st)
{
	c->id_gaps = c->enobufs = c->kernel_dropped = c->user_dropped = 0;
	for (unsigned i = 0; i < st->nqueues; i++) {
		c->id_gaps += st->queues[i].id_gaps;
		c->enobufs += st->queues[i].enobufs;
		c->kernel_dropped += st->queues[i].proc_dropped;
		c->user_dropped += st->queues[i].proc_user_dropped;
	}
}

static void
add_blocked(struct line *l, const struct summary_counts *p,
    const struct summary_counts *c)
{
	uint64_t v[VPROTO_COUNT], sum = 0;

	for (int pr = 0; pr < VPROTO_COUNT; pr++) {
		v[pr] = d(c->t.decision[pr][VACT_BLOCKED],
		    p->t.decision[pr][VACT_BLOCKED]);
		sum += v[pr];
	}
	add(l, "blocked %" PRIu64 " (", sum);
	for (int pr = 0; pr < VPROTO_COUNT; pr++)
		add(l, "%s%s=%" PRIu64, pr ? " " : "", veto_proto_name(pr), v[pr]);
	add(l, ")");
}

struct catd {
	unsigned cat;
	uint64_t n;
};

static int
catd_cmp(const void *a, const void *b)
{
	const struct catd *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->cat < y->cat ? -1 : x->cat > y->cat;
}

static void
add_categories(struct line *l, const struct summary_counts *p,
    const struct summary_counts *c, const struct daemon_status *st)
{
	struct catd v[STATS_MAX_CATS];
	unsigned n = 0, ncats = MIN(stats_categories(), STATS_MAX_CATS);

	for (unsigned k = 0; k < ncats; k++) {
		uint64_t sum = 0;
		for (int pr = 0; pr < VPROTO_COUNT; pr++)
			sum += d(c->t.cat_blocked[k][pr], p->t.cat_blocked[k][pr]);
		if (sum > 0)
			v[n++] = (struct catd){k, sum};
	}
	add(l, "; by category");
	if (n == 0) {
		add(l, " none");
		return;
	}
	qsort(v, n, sizeof(v[0]), catd_cmp);
	for (unsigned i = 0; i < n && i < SUMMARY_MAX_CATS; i++) {
		const char *feed, *cat;
		int f;
		stats_category_name((uint16_t)v[i].cat, &feed, &cat);
		f = status_feed_by_id(st, feed);
		add(l, " %s/%s=%" PRIu64, f >= 0 ? st->feeds[f].name :
		    (*feed ? feed : "-"), cat, v[i].n);
	}
	if (n > SUMMARY_MAX_CATS)
		add(l, " +%u more", n - SUMMARY_MAX_CATS);
}

static void
add_malformed(struct line *l, const struct summary_counts *p,
    const struct summary_counts *c)
{
	uint64_t v[VPROTO_COUNT], pk, sum;

	pk = d(c->t.pkt[SP_MALFORMED], p->t.pkt[SP_MALFORMED]);
	sum = pk;
	for (int pr = 0; pr < VPROTO_COUNT; pr++) {
		v[pr] = d(c->t.decision[pr][VACT_MALFORMED],
		    p->t.decision[pr][VACT_MALFORMED]);
		sum += v[pr];
	}
	add(l, "; malformed %" PRIu64 " (packets=%" PRIu64, sum, pk);
	for (int pr = 0; pr < VPROTO_COUNT; pr++)
		add(l, " %s=%" PRIu64, veto_proto_name(pr), v[pr]);
	add(l, ")");
}

size_t
summary_format(char *buf, size_t size, uint64_t seconds,
    const struct summary_counts *p, const struct summary_counts *c,
    const struct daemon_status *st)
{
	struct line l = {buf, size, 0};

	if (size == 0)
		return 0;
	buf[0] = '\0';
	add(&l, "stats %" PRIu64 "s: ", seconds);
	add_blocked(&l, p, c);
	add_categories(&l, p, c, st);
	add_malformed(&l, p, c);
	add(&l, "; fail-open id_gaps=%" PRIu64 " overruns=%" PRIu64
	    " kernel_dropped=%" PRIu64, d(c->id_gaps, p->id_gaps),
	    d(c->enobufs, p->enobufs), d(c->kernel_dropped + c->user_dropped,
	    p->kernel_dropped + p->user_dropped));
	add(&l, "; lists");
	if (st->nfeeds == 0)
		add(&l, " none");
	for (unsigned i = 0; i < st->nfeeds; i++)
		add(&l, " %s=%s:%s", st->feeds[i].name,
		    status_health_name(st->feeds[i].health),
		    st->feeds[i].have_list ? st->feeds[i].serial : "-");
	if (st->mode == MODE_MONITOR)
		add(&l, "; mode monitor (nothing enforced, would-block=%" PRIu64
		    ")", d(c->t.detail[SD_MONITOR_WOULD_BLOCK],
		    p->t.detail[SD_MONITOR_WOULD_BLOCK]));
	else
		add(&l, "; mode enforce");
	return l.len;
}

struct summary {
	struct status_source src;
	uint64_t interval;
	time_t last;
	struct summary_counts prev;
};

static void
collect(struct summary *s, struct summary_counts *c, struct daemon_status *st)
{
	status_collect(&s->src, st);
	stats_sum(&c->t);
	summary_counts_get(c, st);
}

struct summary *
summary_new(const struct status_source *src, uint64_t interval, time_t now)
{
	struct summary *s = xcalloc(1, sizeof(*s));
	struct daemon_status *st = xcalloc(1, sizeof(*st));

	s->src = *src;
	s->interval = interval ? interval : 300;
	s->last = now;
	collect(s, &s->prev, st);
	free(st);
	return s;
}

void
summary_free(struct summary *s)
{
	free(s);
}

void
summary_set_interval(struct summary *s, uint64_t interval)
{
	s->interval = interval ? interval : 300;
}

int
summary_tick(struct summary *s, time_t now, char *line, size_t size)
{
	struct daemon_status *st;
	struct summary_counts *cur;
	char buf[SUMMARY_LINE_MAX];

	if (now >= s->last && (uint64_t)(now - s->last) < s->interval)
		return 0;
	st = xcalloc(1, sizeof(*st));
	cur = xcalloc(1, sizeof(*cur));
	collect(s, cur, st);
	summary_format(buf, sizeof(buf), now >= s->last ?
	    (uint64_t)(now - s->last) : 0, &s->prev, cur, st);
	log_info("%s", buf);
	if (line != NULL)
		str_copy(line, buf, size);
	s->prev = *cur;
	s->last = now;
	free(st);
	free(cur);
	return 1;
}
