/*
 * metrics.h - the Prometheus endpoint (text exposition format 0.0.4) on
 * metrics_listen, served by libmicrohttpd.
 *
 * What is exported: totals only, named veto_*, each family with HELP and
 * TYPE lines: packets by outcome, decisions by protocol and action, blocked
 * requests by feed, category and protocol, details (TLS without SNI, ECH,
 * IP literals, monitor would-block, canaries...), per-queue counters (id
 * gaps = packets the kernel let through unseen), the rule set's counters
 * when the daemon has them, reassembly use and evictions, the state of
 * every configured feed's list (an info gauge carrying the serial, issued
 * and expires as unix times, age, health as a state set, last fetch),
 * stop-page hits per category, start time. Never a per-entry series, never
 * anything about a client: the label values are configuration names, list
 * metadata (feed ids, category ids, serials, authority names) and fixed
 * words. Label values are escaped as the format says (\\, \", \n).
 *
 * The `feed` label is always the feed's name in veto.conf ("default" or
 * [feed NAME]); `list_feed` on veto_list_info is the list's own feed id.
 *
 * Threads and privileges (vetod):
 *   1. before the privilege drop, while single-threaded:
 *        fd = metrics_listen_open(conf->metrics_listen, &e);
 *      (skip when metrics_listen is empty). Binding needs no privilege
 *      for ports >= 1024, but opening it here keeps the order of the
 *      other listeners and fails start-up early on a bad address.
 *   2. priv_drop();
 *   3. m = metrics_start(fd, &src, &e);   (takes the fd; starts MHD's
 *      own polling thread, which must be created after the drop so it
 *      does not keep root's capabilities)
 *   4. at exit: metrics_stop(m) (closes the socket).
 * Each request runs status_collect() and stats_sum() on MHD's thread: it
 * never touches a packet thread. At most METRICS_MAX_CONN connections,
 * each dropped after METRICS_TIMEOUT_S of silence. No access log.
 */
#ifndef VETO_METRICS_H
#define VETO_METRICS_H

#include <stddef.h>

#include "engine/stats.h"
#include "serve/status.h"
#include "core/util.h"

#define METRICS_MAX_CONN 16
#define METRICS_TIMEOUT_S 10
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The page for these counters (malloc'ed, NUL-terminated, *len without
 * the NUL). Never NULL (aborts on out-of-memory like xcalloc). */
char *metrics_render(const struct stats_total *t, const struct daemon_status *s,
    size_t *len);

/* Escape a label value: \ -> \\, " -> \", newline -> \n. Truncates to
 * size (never in the middle of an escape). */
void metrics_escape_label(const char *in, char *out, size_t size);

/* Open, bind and listen on "addr:port" or "[v6]:port". -1 on error. */
int metrics_listen_open(const char *addr, struct verr *e);

struct metrics;
/* Serve GET /metrics on fd (taken over, closed by metrics_stop). src is
 * copied. NULL on error (fd closed). */
struct metrics *metrics_start(int fd, const struct status_source *src,
    struct verr *e);
void metrics_stop(struct metrics *m);	/* NULL allowed */

#endif
