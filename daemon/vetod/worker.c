/* worker.c - a packet thread; see worker.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/flow.h"
#include "engine/inspect.h"
#include "core/log.h"
#include "policy/policy.h"
#include "engine/stats.h"
#include "vetod/sandbox.h"
#include "vetod/worker.h"

struct worker {
	unsigned num;
	struct queue *q;
	struct inject *inj;
	struct inspect_ctx *ctx;
	struct stats_thread *st;
	uint32_t mask;
	pthread_t thread;
	bool started;
	atomic_bool failed;
	atomic_bool stop;
	int slot;			/* policy reader slot */
	/* per batch */
	const struct policy *pol;
	bool online;
	uint64_t now_ms, last_tick;
	_Atomic uint64_t fstats[WORKER_FLOW_NSTATS];	/* worker_flow_stats, in order */
};

struct worker *
worker_new(unsigned num, const struct conf *c, struct verr *e)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	struct queue_opts o;

	w->num = num;
	w->mask = c->mark_mask;
	w->slot = -1;
	w->st = stats_thread_new();
	queue_opts_default(&o);
	o.fail_open = c->fail_open;
	o.maxlen = (uint32_t)c->queue_maxlen;
	w->q = queue_open(num, &o, e);
	if (w->q == NULL)
		goto fail;
	w->inj = inject_open(conf_mark_value(c, MARK_PASS), e);
	if (w->inj == NULL)
		goto fail;
	w->ctx = inspect_ctx_new(c, w->st, false, e);
	if (w->ctx == NULL)
		goto fail;
	w->slot = policy_reader_register();
	if (w->slot < 0) {
		verr_set(e, "too many packet threads");
		goto fail;
	}
	return w;
fail:
	verr_prefix(e, "queue %u", num);
	worker_free(w);
	return NULL;
}

static enum queue_verdict
on_packet(void *arg, const struct queue_pkt *qp, uint32_t *mark)
{
	struct worker *w = arg;
	struct inspect_result r;
	struct inspect_meta m;

	if (!w->online) {
		w->pol = policy_current(w->slot);
		w->online = true;
	}
	if (w->pol == NULL)	/* nothing published yet: let it through */
		return QUEUE_ACCEPT;
	m.now_ms = w->now_ms;
	m.flags = 0;
	if (qp->skb_info & QUEUE_SKB_CSUM_NOTVERIFIED)
		m.flags |= INSPECT_CSUM_UNVERIFIED;
	if (qp->skb_info & (QUEUE_SKB_CSUMNOTREADY | QUEUE_SKB_GSO))
		m.flags |= INSPECT_CSUM_NOTREADY;
	if (qp->orig_len > qp->len)
		m.flags |= INSPECT_TRUNCATED;
	inspect(w->ctx, w->pol, qp->data, qp->len, &m, &r);
	if (r.decided && log_verbose())	/* never an address, port or name */
		log_debug("queue %u: %s %s%s%s%s", w->num,
		    veto_proto_name(r.proto), veto_action_name(r.action),
		    r.action == VACT_BLOCKED && r.match.id ? " entry " : "",
		    r.action == VACT_BLOCKED && r.match.id ? r.match.id : "",
		    r.monitor ? " (monitor: not enforced)" : "");
	for (unsigned i = 0; i < r.nout; i++) {
		if (inject_send(w->inj, r.out[i].data, r.out[i].len) == 0)
			STATS_INC(w->st->pkt[SP_INJECTED]);
		else
			STATS_INC(w->st->pkt[SP_INJECT_ERR]);
	}
	switch (r.verdict) {
	case IV_PASS:
		STATS_INC(w->st->pkt[SP_VERDICT_ACCEPT]);
		return QUEUE_ACCEPT;
	case IV_DROP:
		STATS_INC(w->st->pkt[SP_VERDICT_DROP]);
		return QUEUE_DROP;
	case IV_ALLOW_FLOW:
		*mark = queue_mark(*mark, w->mask, w->pol->mark_allow);
		break;
	case IV_BLOCK_FLOW:
		*mark = queue_mark(*mark, w->mask, w->pol->mark_block);
		break;
	}
	STATS_INC(w->st->pkt[SP_VERDICT_MARK]);
	return QUEUE_REPEAT;
}

static void
publish_flow_stats(struct worker *w)
{
	const struct flow_stats *f = inspect_flow_stats(w->ctx);
	const uint64_t v[WORKER_FLOW_NSTATS] = {f->flows, f->max_flows, f->mem_used, f->mem_cap,
	    f->expired, f->evicted_full, f->evicted_mem, f->over_cap,
	    f->conflicts};

	for (int i = 0; i < WORKER_FLOW_NSTATS; i++)
		atomic_store_explicit(&w->fstats[i], v[i], memory_order_relaxed);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct verr e;
	char name[16];

	snprintf(name, sizeof(name), "veto-q%u", w->num);
	pthread_setname_np(pthread_self(), name);
	/* the packet parsers face the Internet: this thread makes no new
	 * descriptor, process or file (sandbox.h) */
	if (sandbox_confine_thread(&e) == -1)
		log_warnx("queue %u: %s; the thread runs with the process's "
		    "filter only", w->num, e.msg);
	for (;;) {
		int n;

		w->now_ms = now_mono_ms();
		n = queue_run_once(w->q, on_packet, w, &e);
		if (w->online) {
			policy_offline(w->slot);
			w->online = false;
			w->pol = NULL;
		}
		if (n < 0) {
			log_warnx("queue %u: %s; this queue is no longer read "
			    "(its traffic %s)", w->num, e.msg, "bypasses the "
			    "filter if fail_open is on");
			atomic_store(&w->failed, true);
			break;
		}
		if (w->now_ms - w->last_tick >= 1000) {
			inspect_tick(w->ctx, w->now_ms);
			publish_flow_stats(w);
			w->last_tick = w->now_ms;
		}
		if (atomic_load(&w->stop))
			break;
	}
	return NULL;
}

int
worker_start(struct worker *w, struct verr *e)
{
	int rc = pthread_create(&w->thread, NULL, worker_main, w);

	if (rc != 0) {
		verr_set(e, "queue %u: pthread_create: %s", w->num, strerror(rc));
		return -1;
	}
	w->started = true;
	return 0;
}

void
worker_stop(struct worker *w)
{
	if (w == NULL)
		return;
	atomic_store(&w->stop, true);
	if (w->q != NULL)
		queue_stop(w->q);
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		worker_stop(w);
		pthread_join(w->thread, NULL);
	}
	if (w->slot >= 0)
		policy_reader_unregister(w->slot);
	inspect_ctx_free(w->ctx);
	inject_close(w->inj);
	queue_close(w->q);
	stats_thread_free(w->st);
	free(w);
}

void
worker_queue_stats(const struct worker *w, struct queue_stats *s)
{
	queue_stats_get(w->q, s);
}

void
worker_inject_stats(const struct worker *w, struct inject_stats *s)
{
	inject_stats_get(w->inj, s);
}

void
worker_flow_stats(const struct worker *w, struct worker_flow_stats *s)
{
	uint64_t v[WORKER_FLOW_NSTATS];

	for (int i = 0; i < WORKER_FLOW_NSTATS; i++)
		v[i] = atomic_load_explicit(&w->fstats[i], memory_order_relaxed);
	s->flows = v[0];
	s->max_flows = v[1];
	s->mem_used = v[2];
	s->mem_cap = v[3];
	s->expired = v[4];
	s->evicted_full = v[5];
	s->evicted_mem = v[6];
	s->over_cap = v[7];
	s->conflicts = v[8];
}

unsigned
worker_queue_num(const struct worker *w)
{
	return w->num;
}

bool
worker_failed(const struct worker *w)
{
	return atomic_load(&w->failed);
}
