/*
 * daemon.h - vetod's state and life cycle, called from main.c.
 *
 * daemon_start() opens everything privileged, drops privileges and starts
 * the threads; daemon_reload() re-reads the configuration and the lists
 * (a new configuration that does not validate is refused and the running
 * one stays, as does one whose lists fail: the old feeds stay in force);
 * daemon_tick() runs the clock once a second (expiry, list_file changes,
 * summary lines, reports); daemon_poll() serves the control socket;
 * daemon_stop() ends the threads and closes everything.
 *
 * Settings that need the privileges given up at start (queues, user,
 * fail_open, mark_mask, listen addresses, control socket) are not changed
 * by a reload: the log says a restart is needed.
 */
#ifndef VETO_DAEMON_H
#define VETO_DAEMON_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "core/conf.h"
#include "vetod/feeds.h"
#include "vetod/fetcher.h"
#include "core/util.h"
#include "vetod/worker.h"

struct stop_server;
struct ctl;
struct ctl_job;
struct metrics;
struct report;
struct summary;

#define DAEMON_MAX_PFDS 16
#define DAEMON_MAX_JOBS 32

/* A control-socket request the main loop carries out. */
struct daemon_job {
	struct ctl_job *job;
	int kind;			/* CTL_RELOAD, CTL_FETCH, CTL_CONFIRM */
	char feed[65];
	char serial[129];
};

struct daemon {
	const char *conf_path;
	struct conf *conf;		/* in force */
	uid_t uid;
	gid_t gid;
	struct feeds *feeds;
	struct fetcher *fetcher;	/* the list fetcher (fetcher.h) */
	struct worker *workers[CONF_MAX_QUEUES];
	unsigned nworkers;
	bool failed_logged[CONF_MAX_QUEUES];
	struct pollfd pfds[DAEMON_MAX_PFDS];
	nfds_t npfds;
	time_t started;
	time_t last_unprotected_warning;
	struct stop_server *stop;	/* the stop page */
	struct metrics *metrics;	/* Prometheus page */
	struct ctl *ctl;		/* control socket */
	bool ctl_stopped;
	struct report *report;		/* periodic k-anonymous reports */
	struct summary *summary;	/* periodic summary line */
	int ctl_fd, metrics_fd;		/* opened before the privilege drop */
	pthread_mutex_t mtx;		/* conf and feeds pointers (reload) */
	pthread_mutex_t jobs_mtx;
	struct daemon_job jobs[DAEMON_MAX_JOBS];
	unsigned njobs;
	int wake[2];			/* self-pipe: jobs are waiting */
	uint64_t last_gen;		/* policy generation last noted */
	/* queue overflow (export.c): seconds each queue was found full,
	 * and what the last rate-limited log line reported */
	_Atomic uint64_t q_full_seconds[CONF_MAX_QUEUES];
	time_t q_full_last[CONF_MAX_QUEUES];	/* last second counted */
	uint64_t overflow_sampled;		/* ms, monotonic */
	time_t trim_at;				/* malloc_trim() due (0: none) */
	time_t overflow_logged;
	uint64_t overflow_at_log, unfiltered_at_log, full_at_log;
	uint64_t queue_maxlen;		/* of the queues as opened */
};

/* -n: check the configuration at path and its lists; prints a summary.
 * 0 when vetod would start with every feed acceptable, -1 otherwise. */
int daemon_check(const char *path);
int daemon_start(struct daemon *d, struct verr *e);
/* 0 when the new configuration and its lists are in force. */
int daemon_reload(struct daemon *d, const char *path);

void daemon_tick(struct daemon *d, time_t now);
void daemon_poll(struct daemon *d);
void daemon_stop(struct daemon *d);

#endif
