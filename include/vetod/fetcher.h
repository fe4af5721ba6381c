/*
 * fetcher.h - vetod's list fetcher: every feed with a list_url is fetched
 * on its own schedule by its own thread, and what it downloads goes
 * through feeds_offer() (verify, parse, trust rules, guardrails, build and
 * publish the matcher, commit).
 *
 * One thread per URL feed, so a slow or stalled server delays only its own
 * feed; one feed's failure never touches another's list (feeds.h). Each
 * thread:
 *   - fetches at once when started (vetod starts it after the last good
 *     lists are in force and after the privilege drop), then on the
 *     schedule of fetch.h: list_refresh +-20 %; after a failure,
 *     exponential backoff with full jitter (honouring Retry-After); after
 *     a refused list, once more soon, then the regular refresh;
 *   - records every attempt with feeds_note_fetch() (the state file's
 *     fetched / fetch_result, and the validators when the list is in
 *     force) and logs it (failures as warnings, naming the list that
 *     stays in force and when the next attempt is due);
 *   - marks its sockets with the PASS mark (conf_mark_value), so vetod's
 *     own fetch traffic is not queued by its OUTPUT rules; the threads
 *     inherit CAP_NET_ADMIN, which SO_MARK needs.
 *
 * Requests: fetcher_request() asks for a cycle now (one feed, or every URL
 * feed) and calls `done` once, from a fetcher thread, when every asked
 * feed has finished a cycle that started after the request. The control
 * socket's `fetch [FEED]` plugs in through fetcher_ctl_fetch() (arg: the
 * fetcher). A request still pending when the fetcher stops is answered
 * with ok = false ("interrupted").
 *
 * Life cycle: fetcher_new() once (before the threads: it calls
 * fetch_init()); fetcher_start() on a struct feeds (and its conf, which
 * must outlive the run); fetcher_stop() cancels transfers in progress
 * (within a second), waits for the threads (an install in progress is
 * finished, not interrupted) and answers pending requests; a reload is
 * stop, swap the feeds, start on the new ones. fetcher_free() stops too.
 * The struct fetcher stays the same object across reloads, so the control
 * socket may keep a pointer to it.
 *
 * Threads: every function may be called from any thread; the fetcher's
 * mutex is never held while downloading or offering.
 */
#ifndef VETO_FETCHER_H
#define VETO_FETCHER_H

#include <stdbool.h>
#include <time.h>

#include "core/conf.h"
#include "vetod/feeds.h"
#include "trust/fetch.h"
#include "serve/status.h"
#include "core/util.h"

struct fetcher;
struct ctl_job;

/* What one feed's cycle did, for a request's answer. */
struct fetcher_result {
	char feed[STATUS_NAME_MAX];
	enum fetch_outcome outcome;
	char message[VERR_MAX + 64];
};

/* ok: every asked feed is INSTALLED or UNCHANGED. message: one line per
 * request ("feed NAME: ..."; feeds joined with "; "). res: each feed's. */
typedef void (*fetcher_done_fn)(void *arg, bool ok, const char *message,
    const struct fetcher_result *res, unsigned n);

struct fetcher *fetcher_new(struct verr *e);
void fetcher_free(struct fetcher *f);	/* NULL allowed */

int fetcher_start(struct fetcher *f, struct feeds *fs, struct conf *c,
    struct verr *e);
void fetcher_stop(struct fetcher *f);

/* Run a cycle now for `feed` (a name in veto.conf; NULL or "": every URL
 * feed). -1 with e when refused at once (not running, no such feed, the
 * feed has no list_url, no URL feed at all). */
int fetcher_request(struct fetcher *f, const char *feed, fetcher_done_fn done,
    void *arg, struct verr *e);

/* ctl_ops.fetch (ctl.h): arg is the fetcher. */
int fetcher_ctl_fetch(void *arg, struct ctl_job *job, const char *feed,
    struct verr *e);

/* The fetcher's part of a feed's status (fetch_configured, last_fetch,
 * last_fetch_ok, last_fetch_result, last_success, fetch_failures,
 * next_fetch), for the status source's fill(); feed by name. */
void fetcher_status(struct fetcher *f, const char *feed,
    struct status_feed *out);

#endif
