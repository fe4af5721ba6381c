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
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "ctl.h"
#include "feeds.h"
#include "fetcher.h"
#include "util.h"
#include "worker.h"

#define DAEMON_MAX_PFDS 16

struct daemon {
	struct conf *conf;		/* in force */
	uid_t uid;
	gid_t gid;
	struct feeds *feeds;
	struct fetcher *fetcher;	/* the list fetcher (fetcher.h) */
	struct ctl *ctl;		/* control socket (minimal wiring) */
	struct worker *workers[CONF_MAX_QUEUES];
	unsigned nworkers;
	struct pollfd pfds[DAEMON_MAX_PFDS];
	nfds_t npfds;
	time_t started;
	time_t last_summary;
	time_t last_unprotected_warning;
	void *ext;			/* servers (stop page, metrics, control) */
};

/* -n: check the configuration at path and its lists; prints a summary.
 * 0 when vetod would start with every feed acceptable, -1 otherwise. */
int daemon_check(const char *path);
int daemon_start(struct daemon *d, struct verr *e);
void daemon_reload(struct daemon *d, const char *path);
void daemon_tick(struct daemon *d, time_t now);
void daemon_poll(struct daemon *d);
void daemon_stop(struct daemon *d);

#endif
