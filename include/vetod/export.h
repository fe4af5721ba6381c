/*
 * export.h - vetod's counts and controls to the outside (metrics page,
 * control socket and its jobs, periodic reports, summary lines), wired
 * into the daemon's life cycle; see export.c.
 *
 *   export_open()        before the privilege drop: the control socket,
 *                        the metrics listener, the report directory
 *   export_start()       after it: the servers' threads, report, summary
 *   export_tick()        once a second from the main loop
 *   export_jobs()        when the self-pipe says control jobs wait
 *   export_reconfigure() after a reload
 *   export_quiesce()     at exit, first: the control socket takes no new
 *                        jobs (the fetcher then answers the ones it holds),
 *                        the metrics page stops (no thread reads the
 *                        daemon's state any more)
 *   export_stop()        at exit: pending jobs answered, last report
 */
#ifndef VETO_EXPORT_H
#define VETO_EXPORT_H

#define EXPORT_OVERFLOW_LOG_EVERY 60	/* s between queue overflow lines */

#include <time.h>

#include "core/util.h"

struct daemon;

int export_open(struct daemon *d, struct verr *e);
int export_start(struct daemon *d, struct verr *e);
void export_tick(struct daemon *d, time_t now);
void export_jobs(struct daemon *d);
void export_reconfigure(struct daemon *d);
void export_quiesce(struct daemon *d);
void export_stop(struct daemon *d);

#endif
