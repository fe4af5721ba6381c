/*
 * ctl.h - the control socket: `veto stats`, `veto status`, `veto reload`,
 * `veto fetch`, `veto list confirm` talk to a running vetod through it.
 *
 * Transport: a unix stream socket at control_socket (default
 * /run/veto/control.sock). Its directory is created 0750 root:GROUP when
 * missing (an existing directory is left alone); the socket is 0660
 * root:GROUP, GROUP being the daemon's group. Each connection's peer is
 * checked with SO_PEERCRED (and SO_PEERGROUPS): root, the daemon's uid,
 * or a process whose primary or supplementary group is GROUP; anyone else
 * gets an error reply and is logged by uid.
 *
 * Protocol: one request line, one JSON reply, then the server closes.
 *
 *   request = command *( SP argument ) [CR] LF    at most CTL_REQ_MAX bytes
 *     ping                 {"ok":true,"command":"ping","version":"..."}
 *     stats                every counter (status_json_stats)
 *     status               lists, health, queues, verdict (status_json_status)
 *     reload               reload the configuration and lists; the reply
 *                          comes when the reload is done, with its result
 *     fetch [FEED]         run one fetch cycle now (all feeds, or FEED);
 *                          the reply comes when it finished
 *     confirm SERIAL [FEED]  install a held list
 *   FEED is a feed's name in veto.conf (letters, digits, `-', `_', `.';
 *   at most 64), SERIAL a decimal serial (at most 128 digits). Commands are
 *   lower case; words are separated by spaces or tabs. Anything else is
 *   refused with {"ok":false,"error":"..."}.
 *
 *   A reply is one JSON object followed by a newline: "ok" (true/false),
 *   "command", and "error" (a sentence) when ok is false. reload, fetch
 *   and confirm add "message" (what happened, one line) and, when the
 *   daemon gives one, "detail" (any JSON value).
 *
 * Bounds: at most CTL_MAX_CLIENTS connections at once (others wait in the
 * listen backlog); a request must arrive within the read timeout (default
 * CTL_READ_TIMEOUT_MS) or the client is dropped; a reply must be taken
 * within the same time; reload/fetch/confirm wait at most the job timeout
 * (CTL_JOB_TIMEOUT_MS) and then answer "still running" (the job goes on).
 *
 * Threads: the server is its own thread (ctl_start); it never touches a
 * packet thread. stats/status call the status source (status_collect,
 * stats_sum) on that thread. reload/fetch/confirm call the daemon's
 * callbacks on that thread; a callback must not block: it records the job
 * (e.g. in a list under the daemon's mutex), wakes the main loop and
 * returns 0 (or returns -1 with a reason to refuse at once). The daemon
 * later calls ctl_job_done(job, ...) exactly once, from any thread: the
 * job belongs to the daemon from the callback's return until then. Several
 * jobs of one kind may be answered by one reload or fetch.
 *
 * vetod:
 *   before the privilege drop (root, single-threaded):
 *       fd = ctl_listen(conf->control_socket, daemon_gid, &e);
 *   after the drop:
 *       ctl = ctl_start(fd, &ops, daemon_gid, &e);
 *   at exit: ctl_stop(ctl); answer every job still held with
 *       ctl_job_done(job, false, "vetod is stopping", NULL); ctl_free(ctl).
 * The socket file is left behind (its directory is root's); the next
 * ctl_listen() replaces it after checking nobody listens on it.
 *
 * Client side (the tools): ctl_call().
 */
#ifndef VETO_CTL_H
#define VETO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "serve/status.h"
#include "core/util.h"

struct cJSON;

#define CTL_REQ_MAX 512
#define CTL_MAX_CLIENTS 16
#define CTL_READ_TIMEOUT_MS 2000
#define CTL_JOB_TIMEOUT_MS 600000
#define CTL_REPLY_MAX (16u << 20)	/* what a client accepts */
#define CTL_TREND_EVERY_MS 10000	/* status trend samples */

enum ctl_cmd {
	CTL_PING,
	CTL_STATS,
	CTL_STATUS,
	CTL_RELOAD,
	CTL_FETCH,
	CTL_CONFIRM,
	CTL_NCMDS
};

struct ctl_request {
	enum ctl_cmd cmd;
	char feed[STATUS_NAME_MAX];	/* "" for none / all feeds */
	char serial[STATUS_SERIAL_MAX];	/* confirm only */
};

/* Parse one request line (without its LF; a trailing CR is allowed).
 * 0, or -1 with a reason in e. Never reads past len. */
int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req,
    struct verr *e);
const char *ctl_cmd_name(enum ctl_cmd c);

struct ctl_job;

struct ctl_ops {
	struct status_source src;	/* stats and status */
	/* Optional; NULL answers "not supported by this vetod". */
	int (*reload)(void *arg, struct ctl_job *job, struct verr *e);
	int (*fetch)(void *arg, struct ctl_job *job, const char *feed,
	    struct verr *e);		/* feed "" = every feed */
	int (*confirm)(void *arg, struct ctl_job *job, const char *serial,
	    const char *feed, struct verr *e);	/* feed "" = the one holding it */
	void *arg;
};

/* Create the socket (see above). Returns the listening fd, or -1. */
int ctl_listen(const char *path, gid_t gid, struct verr *e);

struct ctl;
/* Serve on fd (taken over) in a new thread. Peers allowed: root, our
 * euid, group gid. NULL on error (fd closed). */
struct ctl *ctl_start(int fd, const struct ctl_ops *ops, gid_t gid,
    struct verr *e);
/* For tests: shorter bounds (0 keeps the current value). */
void ctl_set_timeouts(struct ctl *c, int read_ms, int job_ms);
/* Stop the thread, close every connection (their jobs are orphaned: the
 * daemon still completes them). */
void ctl_stop(struct ctl *c);
/* Free after ctl_stop(); leaks rather than frees while a job is not done. */
void ctl_free(struct ctl *c);

/* The daemon's answer to a job: ok, a one-line message, optional detail
 * (ownership taken; NULL for none). Any thread, exactly once per job. */
void ctl_job_done(struct ctl_job *job, bool ok, const char *message,
    struct cJSON *detail);
enum ctl_cmd ctl_job_cmd(const struct ctl_job *job);

/* Client: send one request, wait at most timeout_ms for the whole reply.
 * Returns 0 with *reply (malloc'ed, NUL-terminated), CTL_UNREACHABLE when
 * nothing could be connected to (no socket, nobody listening, permission
 * denied; e says which), -1 on any other error. */
#define CTL_UNREACHABLE (-2)
int ctl_call(const char *path, const char *request, int timeout_ms,
    char **reply, struct verr *e);

#endif
