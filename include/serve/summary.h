/*
 * summary.h - the periodic summary line in the log, and how vetod's
 * operational log lines are worded.
 *
 * Every stats_interval seconds (default 300) the main loop's
 * summary_tick() logs one line (log_info) with the changes since the last
 * one, e.g.
 *
 *   stats 300s: blocked 17 (dns=12 http=1 tls=4 quic=0); by category
 *   default/csam=15 default/test=2; malformed 1 (packets=0 dns=0 http=1
 *   tls=0 quic=0); fail-open id_gaps=0 overruns=0 kernel_dropped=0;
 *   lists default=ok:2026112801 police=expired:2026110101; mode enforce
 *
 * (one line in the log; wrapped here). Greppable: it starts with "stats ",
 * sections are separated by "; ", values are key=value. At most
 * SUMMARY_MAX_CATS categories (those with blocks in the interval, most
 * blocked first), then "+N more". In monitor mode "blocked" counts would-be
 * blocks and the line says "mode monitor (nothing enforced)". No
 * identities: categories and lists are the lists' own ids.
 *
 * Wording of the other operational lines (for vetod and the fetcher). One
 * line each, starting with its subject, saying what happened, what stays
 * in force, and what to do. Never a client address, port, name or URL;
 * entry ids and list values only where a list itself is refused.
 *
 *   feed NAME: list SERIAL installed (N entries, expires TIME)
 *   feed NAME: list SERIAL refused: REASON; list OLD stays in force;
 *       tell the authority (the list is theirs) if REASON is in the list
 *   feed NAME: list SERIAL held: entry count changed by P% (list_max_change
 *       M%); check it with `veto list show`, then `veto list confirm SERIAL`
 *   feed NAME: fetch failed: REASON (N in a row); list OLD stays in force
 *       until TIME; next attempt in S s
 *   feed NAME: list SERIAL expired at TIME; enforced until TIME
 *       (list_grace), then on_expired = X
 *   feed NAME: list SERIAL past list_grace: no longer enforced
 *       (on_expired = disable); nothing of this feed is blocked
 *   feed NAME: no list in force: nothing of this feed is blocked; run
 *       `veto fetch NAME` to see why
 *   reload: CONF applied (N feeds, mode M)
 *   reload failed: FILE:LINE: REASON; still running on the previous
 *       configuration
 *   queue N: P packets passed unseen since the last summary (id gaps:
 *       the queue overflowed with fail-open); raise queue_maxlen or add
 *       queues
 *   report: PATH written (period START to END)
 *   report: writing PATH failed: REASON; kept in memory, retried every
 *       minute
 *   control: request from uid U refused (not root, not the daemon's
 *       user or group)
 */
#ifndef VETO_SUMMARY_H
#define VETO_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine/stats.h"
#include "serve/status.h"

#define SUMMARY_MAX_CATS 16
#define SUMMARY_LINE_MAX 2048

/* The counters a summary line compares. */
struct summary_counts {
	struct stats_total t;
	uint64_t id_gaps, enobufs, kernel_dropped, user_dropped;
};

void summary_counts_get(struct summary_counts *c, const struct daemon_status *st);

/* Format the line for the change prev -> cur over `seconds`; st gives the
 * feeds (names, health, serials) and the mode. Returns the length. */
size_t summary_format(char *buf, size_t size, uint64_t seconds,
    const struct summary_counts *prev, const struct summary_counts *cur,
    const struct daemon_status *st);

struct summary;
struct summary *summary_new(const struct status_source *src,
    uint64_t interval, time_t now);
void summary_free(struct summary *s);		/* NULL allowed */
void summary_set_interval(struct summary *s, uint64_t interval);
/* When the interval has passed: format the line, log it with log_info(),
 * copy it into line (if not NULL) and return 1; otherwise 0. */
int summary_tick(struct summary *s, time_t now, char *line, size_t size);

#endif
