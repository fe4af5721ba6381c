/*
 * report.h - the periodic k-anonymous report: what an ISP hands to the
 * authority or an auditor (docs/design.md section 5).
 *
 * Every report_interval seconds (periods aligned to multiples of the
 * interval in UTC: daily reports run from midnight to midnight; the first
 * period starts when vetod starts, the last ends when it stops) one JSON
 * file is written atomically into report_dir (created 0750 if missing,
 * files 0640), named report-YYYYMMDDTHHMMSSZ.json after the period's start.
 * It holds:
 *
 *   - the period (start, end; RFC 3339, nothing finer), the operator's
 *     name, the threshold k (report_min_count) and the modes in effect;
 *   - per feed: the serials in force during the period, the blocked
 *     requests per protocol and in total, per category and per entry id
 *     (entry counts come from the per-entry rings, stats_entries_take();
 *     category and feed figures are their sums, so the report adds up);
 *   - requests allowed / without a usable name per protocol, malformed
 *     counts, and enforcement coverage: packets the kernel queued to
 *     vetod vs inspected vs offloaded, id gaps, overruns, kernel drops,
 *     the rule counters when known, entry events lost.
 *
 * Small counts: a count c is written as the number c when c == 0 or
 * c >= k, and as the string "<k" (e.g. "<10") when 0 < c < k. A total is
 * also hidden when it would let a reader compute a hidden part by
 * subtraction: a total is written exactly only if, for each way the report
 * splits it into parts (entry total = its protocols; category per protocol
 * = its entries; category total = its protocols = its entries' totals;
 * feed likewise over categories), every part is exact, or at least two
 * parts are hidden, all of them "<k", and their sum does not pin any one of
 * them (m parts between 1 and k-1 summing to r pin a part when r leaves it
 * one possible value). Otherwise a total >= k is written as the string
 * ">=N" (N: the sum of its exact parts, at least k). Zeros stay 0: a
 * zero says nobody did something, which identifies no one.
 *
 * Nothing else that could single out a user is written: no time finer
 * than the period, no client data, no unmatched names, no URLs (entry ids
 * only, which the authority already knows).
 *
 * Threads: one owner (vetod's main loop). The per-entry counts are taken
 * with stats_entries_take(), which empties the global map: nothing else
 * may call it while a report runs.
 *
 * vetod:
 *   r = report_new(&rc, &src, time(NULL));        after the privilege drop
 *   every second in the main loop: report_tick(r, time(NULL), &e)
 *   after each policy_publish():   report_note(r) (records the new serial)
 *   on reload:                     report_configure(r, &rc)
 *   at exit:                       report_flush(r, time(NULL), &e); report_free(r)
 * report_dir must be writable by the daemon's user: the directory is
 * created with (uid, gid) from report_conf; create it before the drop (as
 * root, report_prepare()) when its parent is root's.
 */
#ifndef VETO_REPORT_H
#define VETO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "engine/stats.h"
#include "serve/status.h"
#include "core/util.h"

#define REPORT_FORMAT "veto-report/1"
#define REPORT_MAX_SERIALS 256	/* serials recorded per feed and period */
#define REPORT_NOTE_EVERY 10	/* seconds between serial samples in ticks */
#define REPORT_MAX_PENDING 8	/* reports kept for retry when writing fails */
#define REPORT_RETRY_EVERY 60	/* seconds */

/* One feed as the report names it. */
struct report_feed {
	char name[STATUS_NAME_MAX];	/* in veto.conf ("" if no longer there) */
	char list_feed[STATUS_FEEDID_MAX];
	char **serials;			/* in force during the period, in order */
	unsigned nserials;
	bool serials_truncated;
	int health_end;			/* enum feed_health at the end */
	uint64_t list_entries;		/* entries of the list at the end */
};

/* Everything one report is made of. Tests fill it with made-up counts. */
struct report_period {
	time_t start, end;
	const char *operator_name;	/* NULL: not configured */
	uint64_t min_count;		/* k */
	bool mode_enforce, mode_monitor;	/* modes seen during the period */

	struct report_feed *feeds;
	unsigned nfeeds;

	const struct stats_entry_count *entries;
	size_t nentries;

	const struct stats_total *delta;	/* counters over the period */
	/* the queues', summed over queues, over the period */
	uint64_t q_packets, q_id_gaps, q_enobufs, q_kernel_dropped,
	    q_user_dropped;
	bool have_rules;
	uint64_t rules_queued, rules_cap_hits;
	uint64_t entry_events_lost;	/* ring drops + unresolved events */
};

/* The JSON text of a report (malloc'ed; *len without the NUL). */
char *report_render(const struct report_period *p, size_t *len);

/* The file name for a period start: "report-20261128T000000Z.json". */
void report_file_name(time_t start, char *buf, size_t size);

/* Write text into dir (created 0750, owned uid:gid unless uid is -1) as
 * report_file_name(start), or with "-N" added if that name exists.
 * path (may be NULL) receives the file's path. 0 or -1. */
int report_write(const char *dir, uid_t uid, gid_t gid, time_t start,
    const char *text, size_t len, char *path, size_t pathsize,
    struct verr *e);

struct report_conf {
	const char *dir;		/* report_dir; NULL or "": no files (the
					 * per-entry counts are still taken and
					 * dropped every period: keep a report
					 * object even then, or the map grows) */
	uint64_t interval;		/* report_interval, seconds (>= 1) */
	uint64_t min_count;		/* report_min_count */
	const char *operator_name;	/* operator_name, may be NULL */
	uid_t uid;			/* owner of a created report_dir, */
	gid_t gid;			/* (uid_t)-1: the daemon's own */
};

/* Create report_dir now (0750, uid:gid): for vetod before the drop. */
int report_prepare(const struct report_conf *c, struct verr *e);

struct report;
/* Starts the first period at now. The strings of c and src are copied. */
struct report *report_new(const struct report_conf *c,
    const struct status_source *src, time_t now);
void report_free(struct report *r);	/* NULL allowed */
/* New settings (reload): the directory, k and the operator apply to the
 * next report written; a new interval moves the end of the current
 * period to the next multiple of it. */
void report_configure(struct report *r, const struct report_conf *c);
/* Record the serials and mode in force now. */
void report_note(struct report *r);
/* Close the period if its end has come and write its report. Returns 1
 * when a report was written, 0 when none was due, -1 when writing failed
 * (e says why; the report is kept and retried). */
int report_tick(struct report *r, time_t now, struct verr *e);
/* End the current period now and write it (shutdown). Same returns. */
int report_flush(struct report *r, time_t now, struct verr *e);
/* Path of the last report written ("" if none). */
const char *report_last_path(const struct report *r);
/* When the current period started / will end. */
time_t report_period_start(const struct report *r);
time_t report_period_end(const struct report *r);

#endif
