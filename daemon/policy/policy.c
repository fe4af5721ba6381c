/* policy.c - snapshots of the rules in force, swapped without blocking
 * readers; see policy.h for the reclamation scheme. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "policy/policy.h"
#include "policy/catreg.h"

struct reader {
	_Atomic uint64_t seen;		/* 0: offline; else a generation */
	atomic_bool used;
	char pad[64 - sizeof(uint64_t) - sizeof(atomic_bool)];
};

static struct reader readers[POLICY_MAX_READERS];
static _Atomic(struct policy *) current;
static _Atomic uint64_t global_gen = 1;
static pthread_mutex_t publish_mtx = PTHREAD_MUTEX_INITIALIZER;

struct list *
list_ref(struct list *l)
{
	if (l != NULL)
		atomic_fetch_add(&l->extra_refs, 1);
	return l;
}

void
list_unref(struct list *l)
{
	if (l == NULL)
		return;
	if (atomic_fetch_sub(&l->extra_refs, 1) > 0)
		return;		/* another owner remains */
	list_free(l);
}

int
policy_reader_register(void)
{
	for (int i = 0; i < POLICY_MAX_READERS; i++) {
		bool expected = false;
		if (atomic_compare_exchange_strong(&readers[i].used, &expected, true)) {
			atomic_store(&readers[i].seen, 0);
			return i;
		}
	}
	return -1;
}

void
policy_reader_unregister(int slot)
{
	atomic_store(&readers[slot].seen, 0);
	atomic_store(&readers[slot].used, false);
}

const struct policy *
policy_current(int slot)
{
	/* seq_cst store then load: see the proof sketch in policy_publish */
	atomic_store(&readers[slot].seen, atomic_load(&global_gen));
	return atomic_load(&current);
}

void
policy_quiescent(int slot)
{
	atomic_store(&readers[slot].seen, atomic_load(&global_gen));
}

void
policy_offline(int slot)
{
	atomic_store_explicit(&readers[slot].seen, 0, memory_order_release);
}

struct policy *
policy_get(void)
{
	struct policy *p;

	pthread_mutex_lock(&publish_mtx);
	p = atomic_load(&current);
	if (p != NULL)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&publish_mtx);
	return p;
}

static void
policy_free(struct policy *p)
{
	matcher_free(p->matcher);
	for (unsigned i = 0; i < p->nfeeds; i++) {
		list_unref(p->feeds[i].list);
		free(p->feeds[i].statcat);
	}
	free(p->feeds);
	conf_free(p->conf);
	free(p);
}

void
policy_put(struct policy *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
		policy_free(p);
}

void
policy_discard(struct policy *p)
{
	if (p != NULL)
		policy_free(p);
}

/* Wait until every online reader has passed a quiescent state at or after
 * generation g. A reader that stored its generation before our increment
 * may hold the old snapshot; one that was offline, or stored after it, will
 * load the new pointer (all seq_cst: our store of `current` precedes the
 * increment, which precedes our read of its slot). */
static void
wait_grace(uint64_t g)
{
	const struct timespec nap = {0, 20000};

	for (int i = 0; i < POLICY_MAX_READERS; i++) {
		if (!atomic_load(&readers[i].used))
			continue;
		for (;;) {
			uint64_t s = atomic_load(&readers[i].seen);
			if (s == 0 || s >= g || !atomic_load(&readers[i].used))
				break;
			nanosleep(&nap, NULL);
		}
	}
}

struct policy *
policy_publish(struct policy *p)
{
	struct policy *old;
	uint64_t g;

	pthread_mutex_lock(&publish_mtx);
	p->gen = atomic_load(&global_gen) + 1;
	atomic_store(&p->refs, 1);	/* the "published" reference */
	old = atomic_exchange(&current, p);
	g = atomic_fetch_add(&global_gen, 1) + 1;
	pthread_mutex_unlock(&publish_mtx);
	wait_grace(g);
	return old;
}

int
feed_health(const struct feed_conf *fc, const struct list *l, time_t now)
{
	if (l == NULL)
		return FEED_NONE;
	if (now < l->expires)
		return FEED_OK;
	if (fc == NULL || (uint64_t)(now - l->expires) < fc->grace)
		return FEED_EXPIRED;
	return fc->on_expired == ON_EXPIRED_DISABLE ? FEED_DISABLED : FEED_STALE;
}

bool
feed_health_enforced(int health)
{
	return health == FEED_OK || health == FEED_EXPIRED || health == FEED_STALE;
}

const char *
feed_health_name(int health)
{
	static const char *const names[] = {"none", "ok", "expired", "stale",
	    "disabled"};

	return (unsigned)health < ARRAY_LEN(names) ? names[health] : "?";
}

static bool
feed_enforced(const struct list *l, int health)
{
	return l != NULL && feed_health_enforced(health);
}

static void
map_categories(struct policy_feed *pf)
{
	const struct list *l = pf->list;

	pf->statcat = xcalloc(l->ncats ? l->ncats : 1, sizeof(uint16_t));
	for (uint32_t c = 0; c < l->ncats; c++)
		pf->statcat[c] = stats_category(l->feed, l->cats[c].id);
}

bool
policy_doh_canary(const struct policy *p, const char *name, size_t len)
{
	size_t n = sizeof(POLICY_DOH_CANARY) - 1;

	if (!p->conf->doh_canary)
		return false;
	if (len == n + 1 && name[n] == '.')
		len--;
	return len == n && strncasecmp(name, POLICY_DOH_CANARY, n) == 0;
}

struct policy *
policy_build(struct conf *conf, struct list **lists, const int *health,
    const struct matcher *prev, struct verr *e)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	struct list *for_matcher[CONF_MAX_FEEDS];
	bool keep[CONF_MAX_FEEDS];

	p->conf = conf_ref(conf);
	p->nfeeds = conf->nfeeds;
	p->feeds = xcalloc(p->nfeeds ? p->nfeeds : 1, sizeof(*p->feeds));
	for (unsigned i = 0; i < p->nfeeds; i++) {
		struct policy_feed *pf = &p->feeds[i];
		pf->fc = &conf->feeds[i];
		pf->list = list_ref(lists[i]);
		pf->health = lists[i] ? health[i] : FEED_NONE;
		pf->enforced = feed_enforced(lists[i], pf->health);
		for_matcher[i] = pf->enforced ? lists[i] : NULL;
		keep[i] = pf->enforced && lists[i]->entries == NULL;
		if (pf->list != NULL)
			map_categories(pf);
	}
	p->matcher = matcher_rebuild(prev, for_matcher, keep, p->nfeeds, e);
	if (p->matcher == NULL) {
		policy_free(p);
		return NULL;
	}
	for (unsigned i = 0; i < p->nfeeds; i++)
		if (lists[i] != NULL)
			list_drop_entries(lists[i]);
	p->mark_allow = conf_mark_value(conf, MARK_ALLOW);
	p->mark_block = conf_mark_value(conf, MARK_BLOCK);
	p->mark_pass = conf_mark_value(conf, MARK_PASS);
	p->built = time(NULL);
	return p;
}
