/*
 * worker.h - a packet thread: one NFQUEUE queue, one inspect() context, one
 * injection handle, one stats block.
 *
 * worker_new() opens everything that needs privileges (the queue, the raw
 * sockets) and must run before priv_drop(); worker_start() starts the thread
 * and must run after it (capabilities are per thread: a thread created before
 * the drop would keep root's). The thread's loop: receive a batch, take the
 * policy snapshot in force for that batch (policy.h), inspect each packet,
 * send the forged packets, answer verdicts (batched by queue.c), go
 * offline before blocking again; once a second expire idle flows and publish
 * the reassembly counters.
 *
 * Verdicts: IV_PASS -> NF_ACCEPT; IV_DROP -> NF_DROP; IV_ALLOW_FLOW and
 * IV_BLOCK_FLOW -> NF_REPEAT with the ALLOW / BLOCK bits of mark_mask in the
 * packet mark (the rule set saves them into the connmark, rules.h).
 */
#ifndef VETO_WORKER_H
#define VETO_WORKER_H

#include <assert.h>

#include <stdint.h>

#include "core/conf.h"
#include "kernel/inject.h"
#include "kernel/queue.h"
#include "core/util.h"

struct worker;

/* Reassembly counters, copied by the worker once a second. */
/* A copy of the flow table's counters that another thread may read: the
 * worker stores them in an array of WORKER_FLOW_NSTATS atomics, in the
 * order of this struct (the assert keeps the two in step). */
#define WORKER_FLOW_NSTATS 9
struct worker_flow_stats {
	uint64_t flows, max_flows, mem_used, mem_cap;
	uint64_t expired, evicted_full, evicted_mem, over_cap, conflicts;
};
static_assert(sizeof(struct worker_flow_stats) ==
    WORKER_FLOW_NSTATS * sizeof(uint64_t),
    "worker_flow_stats and the worker's atomic copy disagree");

struct worker *worker_new(unsigned queue_num, const struct conf *c,
    struct verr *e);
int worker_start(struct worker *w, struct verr *e);
void worker_stop(struct worker *w);	/* async: asks the loop to end */
void worker_free(struct worker *w);	/* joins the thread if started */

void worker_queue_stats(const struct worker *w, struct queue_stats *s);
void worker_inject_stats(const struct worker *w, struct inject_stats *s);
void worker_flow_stats(const struct worker *w, struct worker_flow_stats *s);
unsigned worker_queue_num(const struct worker *w);
/* True once the thread ended on a queue error (the message is logged). */
bool worker_failed(const struct worker *w);

#endif
