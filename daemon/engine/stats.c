/* stats.c - per-thread counters, the category registry and per-entry
 * counts; see stats.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "core/hash.h"
#include "engine/stats.h"
#include "core/util.h"

#define MAX_THREADS 128

static pthread_mutex_t threads_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct stats_thread *threads[MAX_THREADS];
static struct stats_total retired;	/* counts of freed thread blocks */


static const char *const pkt_names[SP_COUNT] = {
	"seen", "malformed", "unsupported", "bad_checksum", "no_payload",
	"offloaded", "decided_late", "reasm_over_cap", "reasm_conflict",
	"injected", "inject_errors", "verdict_accept", "verdict_drop",
	"verdict_mark", "tcp_drop_ahead", "tcp_drop_conflict",
	"tcp_drop_window", "tcp_drop_ttl", "tcp_drop_signature",
	"tcp_drop_paws", "tcp_drop_noack", "tcp_drop_urgent",
	"tcp_drop_syn_data", "tcp_drop_syn_isn", "tcp_drop_rst",
	"tcp_drop_old_ack", "truncated",
	"tcp_midstream_blocked", "reasm_over_cap_policy",
	"undecided_last_packet",
};

static const char *const detail_names[SD_COUNT] = {
	"tls_no_sni", "tls_ech", "tls_ip_literal", "tls_bad_name",
	"tls_not_tls", "quic_not_initial", "quic_undecryptable",
	"http_not_http", "http_no_host", "http_keepalive_block", "dns_tcp",
	"name_uncanonical", "monitor_would_block", "canary_blocked",
	"dns_malformed_dropped", "dns_tcp_over_cap", "quic_malformed_dropped",
	"quic_unknown_version", "quic_short_initial", "quic_crypto_conflict",
	"http_url_uncanonical", "http_h2c",
	"http_malformed_reset", "doh_canary", "quic_ttl_decoy",
};

const char *
stats_pkt_name(enum stats_pkt p)
{
	return (unsigned)p < SP_COUNT ? pkt_names[p] : "?";
}

const char *
stats_detail_name(enum stats_detail d)
{
	return (unsigned)d < SD_COUNT ? detail_names[d] : "?";
}

struct stats_thread *
stats_thread_new(void)
{
	struct stats_thread *t = xcalloc(1, sizeof(*t));

	pthread_mutex_lock(&threads_mtx);
	for (int i = 0; i < MAX_THREADS; i++) {
		if (threads[i] == NULL) {
			threads[i] = t;
			break;
		}
	}
	pthread_mutex_unlock(&threads_mtx);
	return t;
}

static void
add_thread(struct stats_total *o, const struct stats_thread *t)
{
	for (int i = 0; i < SP_COUNT; i++)
		o->pkt[i] += STATS_GET(t->pkt[i]);
	for (int p = 0; p < VPROTO_COUNT; p++)
		for (int a = 0; a < VACT_COUNT; a++)
			o->decision[p][a] += STATS_GET(t->decision[p][a]);
	for (int i = 0; i < SD_COUNT; i++)
		o->detail[i] += STATS_GET(t->detail[i]);
	for (int c = 0; c < STATS_MAX_CATS; c++)
		for (int p = 0; p < VPROTO_COUNT; p++)
			o->cat_blocked[c][p] += STATS_GET(t->cat_blocked[c][p]);
	o->ring_dropped += STATS_GET(t->ring_dropped);
}

static void
add_total(struct stats_total *o, const struct stats_total *t)
{
	for (int i = 0; i < SP_COUNT; i++)
		o->pkt[i] += t->pkt[i];
	for (int p = 0; p < VPROTO_COUNT; p++)
		for (int a = 0; a < VACT_COUNT; a++)
			o->decision[p][a] += t->decision[p][a];
	for (int i = 0; i < SD_COUNT; i++)
		o->detail[i] += t->detail[i];
	for (int c = 0; c < STATS_MAX_CATS; c++)
		for (int p = 0; p < VPROTO_COUNT; p++)
			o->cat_blocked[c][p] += t->cat_blocked[c][p];
	o->ring_dropped += t->ring_dropped;
}

void
stats_thread_free(struct stats_thread *t)
{
	if (t == NULL)
		return;
	stats_drain(NULL, 0);	/* its ring: unresolved from now on */
	pthread_mutex_lock(&threads_mtx);
	for (int i = 0; i < MAX_THREADS; i++)
		if (threads[i] == t)
			threads[i] = NULL;
	add_thread(&retired, t);
	pthread_mutex_unlock(&threads_mtx);
	free(t);
}

void
stats_sum(struct stats_total *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&threads_mtx);
	add_total(out, &retired);
	for (int i = 0; i < MAX_THREADS; i++)
		if (threads[i] != NULL)
			add_thread(out, threads[i]);
	pthread_mutex_unlock(&threads_mtx);
}

void
stats_entry_blocked(struct stats_thread *t, uint64_t gen, uint32_t entry,
    enum veto_proto proto)
{
	uint32_t head = atomic_load_explicit(&t->ring_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&t->ring_tail, memory_order_acquire);
	struct stats_entry_event *ev;

	if (head - tail >= STATS_RING) {
		STATS_INC(t->ring_dropped);
		return;
	}
	ev = &t->ring[head % STATS_RING];
	ev->gen = (uint32_t)gen;
	ev->entry = entry;
	ev->proto = (uint8_t)proto;
	atomic_store_explicit(&t->ring_head, head + 1, memory_order_release);
}

/* --- per-entry counts: a small open-addressing map on the aggregator side */

static pthread_mutex_t entries_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct stats_entry_count *emap;
static size_t emap_cap, emap_n;
static uint64_t unresolved;

static uint64_t
str_hash(const char *a, const char *b)
{
	return hash_str(hash_bytes(hash_str(HASH_INIT, a), "\xff", 1), b);
}

static void emap_grow(void);

static struct stats_entry_count *
emap_slot(const char *feed, const char *id, const char *cat)
{
	size_t i;

	if ((emap_n + 1) * 4 >= emap_cap * 3)
		emap_grow();
	i = (size_t)str_hash(feed, id) & (emap_cap - 1);
	for (;; i = (i + 1) & (emap_cap - 1)) {
		struct stats_entry_count *s = &emap[i];
		if (s->id == NULL) {
			s->feed = xstrdup(feed);
			s->id = xstrdup(id);
			s->cat = xstrdup(cat);
			emap_n++;
			return s;
		}
		if (strcmp(s->id, id) == 0 && strcmp(s->feed, feed) == 0)
			return s;
	}
}

static void
emap_grow(void)
{
	struct stats_entry_count *old = emap;
	size_t oldcap = emap_cap;

	emap_cap = emap_cap ? emap_cap * 2 : 256;
	emap = xcalloc(emap_cap, sizeof(*emap));
	emap_n = 0;
	for (size_t i = 0; i < oldcap; i++) {
		struct stats_entry_count *s;
		size_t j;
		if (old[i].id == NULL)
			continue;
		j = (size_t)str_hash(old[i].feed, old[i].id) & (emap_cap - 1);
		while (emap[j].id != NULL)
			j = (j + 1) & (emap_cap - 1);
		s = &emap[j];
		*s = old[i];
		emap_n++;
	}
	free(old);
}

static void
resolve(const struct policy *const *pols, unsigned npols,
    const struct stats_entry_event *ev)
{
	for (unsigned i = 0; i < npols; i++) {
		const struct policy *p = pols[i];
		struct match_result r;
		const struct list *l;
		if (p == NULL || (uint32_t)p->gen != ev->gen ||
		    ev->entry >= matcher_entries(p->matcher))
			continue;
		matcher_entry(p->matcher, ev->entry, &r);
		if (r.feed >= p->nfeeds || (l = p->feeds[r.feed].list) == NULL)
			break;
		emap_slot(l->feed, r.id, r.cat < l->ncats ?
		    l->cats[r.cat].id : "")->count[ev->proto % VPROTO_COUNT]++;
		return;
	}
	unresolved++;
}

void
stats_drain(const struct policy *const *pols, unsigned npols)
{
	pthread_mutex_lock(&entries_mtx);
	pthread_mutex_lock(&threads_mtx);
	for (int i = 0; i < MAX_THREADS; i++) {
		struct stats_thread *t = threads[i];
		uint32_t head, tail;
		if (t == NULL)
			continue;
		head = atomic_load_explicit(&t->ring_head, memory_order_acquire);
		tail = atomic_load_explicit(&t->ring_tail, memory_order_relaxed);
		for (; tail != head; tail++)
			resolve(pols, npols, &t->ring[tail % STATS_RING]);
		atomic_store_explicit(&t->ring_tail, tail, memory_order_release);
	}
	pthread_mutex_unlock(&threads_mtx);
	pthread_mutex_unlock(&entries_mtx);
}

size_t
stats_entries_take(struct stats_entry_count **out)
{
	size_t n = 0;

	pthread_mutex_lock(&entries_mtx);
	*out = xcalloc(emap_n ? emap_n : 1, sizeof(**out));
	for (size_t i = 0; i < emap_cap; i++)
		if (emap[i].id != NULL)
			(*out)[n++] = emap[i];
	free(emap);
	emap = NULL;
	emap_cap = emap_n = 0;
	pthread_mutex_unlock(&entries_mtx);
	return n;
}

void
stats_entries_free(struct stats_entry_count *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].feed);
		free(v[i].id);
		free(v[i].cat);
	}
	free(v);
}

uint64_t
stats_entries_unresolved(void)
{
	uint64_t n;

	pthread_mutex_lock(&entries_mtx);
	n = unresolved;
	pthread_mutex_unlock(&entries_mtx);
	return n;
}
