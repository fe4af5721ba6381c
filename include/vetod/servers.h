/*
 * servers.h - vetod's counts and controls to the outside (metrics page,
 * control socket and its jobs, periodic reports, summary lines), wired
 * into the daemon's life cycle; see servers.c.
 *
 *   servers_open()        before the privilege drop: the control socket,
 *                        the metrics listener
 *   servers_prepare()     after it, before the sandbox (vetod/sandbox.h):
 *                        the report directory (made by `user`,
 *                        kernel/priv.h)
 *   servers_start()       the servers' threads, report, summary
 *   servers_tick()        once a second from the main loop
 *   servers_jobs()        when the self-pipe says control jobs wait
 *   servers_reconfigure() after a reload
 *   servers_quiesce()     at exit, first: the control socket takes no new
 *                        jobs (the fetcher then answers the ones it holds),
 *                        the metrics page stops (no thread reads the
 *                        daemon's state any more)
 *   servers_stop()        at exit: pending jobs answered, last report
 */
#ifndef VETO_SERVERS_H
#define VETO_SERVERS_H

#define SERVERS_OVERFLOW_LOG_EVERY 60	/* s between queue overflow lines */
#define SERVERS_OVERFLOW_SAMPLE_MS 100	/* queue fill level sampled this often */
#define SERVERS_TRIM_DELAY 3		/* s after a swap: malloc_trim() */

#include <time.h>

#include "core/util.h"

struct daemon;

int servers_open(struct daemon *d, struct verr *e);
void servers_prepare(struct daemon *d);
int servers_start(struct daemon *d, struct verr *e);
void servers_tick(struct daemon *d, time_t now);
void servers_jobs(struct daemon *d);
void servers_reconfigure(struct daemon *d);
void servers_quiesce(struct daemon *d);
void servers_stop(struct daemon *d);

#endif
