/*
 * servers.c - vetod's counts and controls to the outside: the status every
 * exporter reads (status.h), the Prometheus page (metrics.c), the control
 * socket (ctl.c) and its jobs, the periodic report (report.c) and the
 * summary line (summary.c). daemon.c calls these at the points of its life
 * cycle; see daemon.h.
 *
 * Threads: the fill callback runs on the metrics, control and main
 * threads; it takes the daemon's mutex only to copy the configuration and
 * feeds pointers' data (a reload swaps them under it). Control jobs (reload,
 * fetch, confirm) are queued by the control thread and carried out by the
 * main loop, woken through a self-pipe.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve/ctl.h"
#include "vetod/daemon.h"
#include "vetod/servers.h"
#include "vetod/feeds.h"
#include "vetod/fetcher.h"
#include "core/log.h"
#include "serve/metrics.h"
#include "policy/policy.h"
#include "serve/report.h"
#include "serve/stop.h"
#include "serve/summary.h"
#include "vetod/worker.h"

/* --- the status of the daemon ------------------------------------------ */

static void
fill_queues(struct daemon *d, struct daemon_status *out)
{
	struct queue_proc proc[CONF_MAX_QUEUES];
	size_t nproc = 0;
	struct verr e;

	if (queue_proc_read(NULL, proc, ARRAY_LEN(proc), &nproc, &e) == -1)
		nproc = 0;
	out->nqueues = d->nworkers;
	for (unsigned i = 0; i < d->nworkers; i++) {
		struct status_queue *q = &out->queues[i];
		struct queue_stats qs;
		struct worker_flow_stats fs;

		worker_queue_stats(d->workers[i], &qs);
		q->num = worker_queue_num(d->workers[i]);
		q->running = !worker_failed(d->workers[i]);
		q->packets = qs.packets;
		q->bytes = qs.bytes;
		q->accepted = qs.verdicts[QUEUE_ACCEPT];
		q->dropped = qs.verdicts[QUEUE_DROP];
		q->repeated = qs.verdicts[QUEUE_REPEAT];
		q->id_gaps = qs.id_gaps;
		q->enobufs = qs.enobufs;
		q->truncated = qs.truncated;
		q->errors = qs.errors;
		q->maxlen = (uint32_t)d->queue_maxlen;
		q->full_seconds = atomic_load_explicit(&d->q_full_seconds[i],
		    memory_order_relaxed);
		for (size_t k = 0; k < nproc; k++) {
			if (proc[k].num != q->num)
				continue;
			q->have_proc = true;
			q->proc_waiting = proc[k].total;
			q->proc_dropped = proc[k].dropped;
			q->proc_user_dropped = proc[k].user_dropped;
			q->proc_id_sequence = proc[k].id_sequence;
		}
		worker_flow_stats(d->workers[i], &fs);
		out->reasm_flows += fs.flows;
		out->reasm_max_flows += fs.max_flows;
		out->reasm_bytes += fs.mem_used;
		out->reasm_memory += fs.mem_cap;
		out->reasm_evicted += fs.evicted_full + fs.evicted_mem;
	}
}

static void
fill_feed(struct feeds *fs, unsigned i, struct status_feed *sf)
{
	struct feed_status st;

	feeds_status(fs, i, &st);
	sf->installed = st.installed;
	sf->fetch_configured = true;
	sf->last_fetch = st.last_offer;
	sf->last_fetch_ok = st.last_verdict == TRUST_INSTALL ||
	    st.last_verdict == TRUST_UNCHANGED || st.last_verdict == TRUST_EXPIRED;
	sf->last_success = st.last_good;
	str_copy(sf->last_fetch_result, st.last_result, sizeof(sf->last_fetch_result));
	sf->nheld = (unsigned)MIN(st.held, STATUS_MAX_HELD);
	for (unsigned k = 0; k < sf->nheld && k < ARRAY_LEN(st.held_serials); k++)
		str_copy(sf->held[k], st.held_serials[k], sizeof(sf->held[k]));
}

static void
servers_fill(void *arg, struct daemon_status *out)
{
	struct daemon *d = arg;
	struct policy *p = policy_get();
	struct stop_counts sc;

	out->start_time = d->started;
	status_from_policy(out, p, time(NULL));
	policy_put(p);
	pthread_mutex_lock(&d->mtx);
	out->mode = d->conf->mode;
	out->fail_open = d->conf->fail_open;
	for (unsigned i = 0; i < out->nfeeds && i < feeds_count(d->feeds); i++) {
		fill_feed(d->feeds, i, &out->feeds[i]);
		/* URL feeds: the fetcher knows the schedule and failures */
		if (d->fetcher != NULL)
			fetcher_status(d->fetcher, out->feeds[i].name,
			    &out->feeds[i]);
	}
	pthread_mutex_unlock(&d->mtx);
	fill_queues(d, out);
	stop_counts_get(&sc);
	memcpy(out->stop_hits, sc.cat, sizeof(out->stop_hits));
	out->stop_hits_total = sc.pages;
}

static void
servers_drain(void *arg)
{
	struct policy *p = policy_get();
	const struct policy *pp = p;

	(void)arg;
	stats_drain(&pp, 1);
	policy_put(p);
}

static struct status_source
source(struct daemon *d)
{
	struct status_source src = {servers_fill, servers_drain, d};

	return src;
}

/* --- control jobs ------------------------------------------------------- */

static int
queue_job(struct daemon *d, struct ctl_job *job, int kind, const char *feed,
    const char *serial, struct verr *e)
{
	struct daemon_job *j;
	char b = 'j';

	pthread_mutex_lock(&d->jobs_mtx);
	if (d->njobs == DAEMON_MAX_JOBS) {
		pthread_mutex_unlock(&d->jobs_mtx);
		verr_set(e, "too many control requests waiting");
		return -1;
	}
	j = &d->jobs[d->njobs++];
	memset(j, 0, sizeof(*j));
	j->job = job;
	j->kind = kind;
	if (feed != NULL)
		str_copy(j->feed, feed, sizeof(j->feed));
	if (serial != NULL)
		str_copy(j->serial, serial, sizeof(j->serial));
	pthread_mutex_unlock(&d->jobs_mtx);
	/* a full pipe means a wake-up is pending anyway */
	(void)!write(d->wake[1], &b, 1);
	return 0;
}

static int
on_reload(void *arg, struct ctl_job *job, struct verr *e)
{
	return queue_job(arg, job, CTL_RELOAD, NULL, NULL, e);
}

/* The fetcher runs the cycle on its own thread and answers the job. */
static int
on_fetch(void *arg, struct ctl_job *job, const char *feed, struct verr *e)
{
	struct daemon *d = arg;

	return fetcher_ctl_fetch(d->fetcher, job, feed, e);
}

static int
on_confirm(void *arg, struct ctl_job *job, const char *serial,
    const char *feed, struct verr *e)
{
	return queue_job(arg, job, CTL_CONFIRM, feed, serial, e);
}

static void
run_job(struct daemon *d, struct daemon_job *j)
{
	char msg[VERR_MAX];
	enum trust_verdict v;
	int idx = -1;

	switch (j->kind) {
	case CTL_RELOAD:
		if (daemon_reload(d, d->conf_path) == 0)
			ctl_job_done(j->job, true, "reloaded", NULL);
		else
			ctl_job_done(j->job, false, "reload failed: the running "
			    "configuration stays in force (see the log)", NULL);
		break;
	case CTL_CONFIRM:
		if (j->feed[0] != '\0' && (idx = feeds_index(d->feeds, j->feed)) < 0) {
			ctl_job_done(j->job, false, "no such feed", NULL);
			break;
		}
		v = feeds_confirm(d->feeds, idx, j->serial, time(NULL), msg, sizeof(msg));
		ctl_job_done(j->job, v == TRUST_INSTALL || v == TRUST_EXPIRED, msg, NULL);
		break;
	}
}

void
servers_jobs(struct daemon *d)
{
	struct daemon_job jobs[DAEMON_MAX_JOBS];
	unsigned n;
	char buf[64];

	while (read(d->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&d->jobs_mtx);
	n = d->njobs;
	memcpy(jobs, d->jobs, n * sizeof(jobs[0]));
	d->njobs = 0;
	pthread_mutex_unlock(&d->jobs_mtx);
	for (unsigned i = 0; i < n; i++)
		run_job(d, &jobs[i]);
}

/* --- life cycle -------------------------------------------------------- */

static struct report_conf
report_conf_of(const struct daemon *d)
{
	struct report_conf rc = {
		.dir = d->conf->report_dir,
		.interval = d->conf->report_interval,
		.min_count = d->conf->report_min_count,
		.operator_name = d->conf->operator_name,
		.uid = d->uid,
		.gid = d->gid,
	};

	return rc;
}

int
servers_open(struct daemon *d, struct verr *e)
{
	gid_t gid = d->gid == (gid_t)-1 ? 0 : d->gid;

	d->ctl_fd = d->metrics_fd = -1;
	if (pipe2(d->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		verr_set(e, "pipe: %s", strerror(errno));
		return -1;
	}
	d->pfds[d->npfds].fd = d->wake[0];
	d->pfds[d->npfds++].events = POLLIN;
	d->ctl_fd = ctl_listen(d->conf->control_socket, gid, e);
	if (d->ctl_fd == -1)
		return -1;
	if (d->conf->metrics_listen != NULL && *d->conf->metrics_listen != '\0') {
		d->metrics_fd = metrics_listen_open(d->conf->metrics_listen, e);
		if (d->metrics_fd == -1)
			return -1;
	}
	return 0;
}

void
servers_prepare(struct daemon *d)
{
	struct report_conf rc = report_conf_of(d);
	struct verr re;

	/* made by `user`, after the drop: it is usually inside state_dir,
	 * which `user` owns (priv.h). A report directory that cannot be made
	 * costs the reports, not the filter: report_tick() says so again
	 * when a report is due */
	if (rc.dir != NULL && *rc.dir != '\0' && report_prepare(&rc, &re) == -1)
		log_warnx("report_dir: %s; periodic reports cannot be written "
		    "until it exists", re.msg);
}

int
servers_start(struct daemon *d, struct verr *e)
{
	struct status_source src = source(d);
	struct ctl_ops ops = {src, on_reload, on_fetch, on_confirm, d};
	struct report_conf rc = report_conf_of(d);
	gid_t gid = d->gid == (gid_t)-1 ? 0 : d->gid;
	time_t now = time(NULL);

	if (d->metrics_fd != -1) {
		d->metrics = metrics_start(d->metrics_fd, &src, e);
		d->metrics_fd = -1;	/* taken over */
		if (d->metrics == NULL)
			return -1;
	}
	d->ctl = ctl_start(d->ctl_fd, &ops, gid, e);
	d->ctl_fd = -1;
	if (d->ctl == NULL)
		return -1;
	d->report = report_new(&rc, &src, now);
	d->summary = summary_new(&src, d->conf->stats_interval, now);
	if (d->report == NULL || d->summary == NULL) {
		verr_set(e, "cannot set up the report and summary");
		return -1;
	}
	return 0;
}

void
servers_reconfigure(struct daemon *d)
{
	struct report_conf rc = report_conf_of(d);

	report_configure(d->report, &rc);
	summary_set_interval(d->summary, d->conf->stats_interval);
}

/* Every SERVERS_OVERFLOW_SAMPLE_MS (the main loop wakes that often):
 * sample the queues' fill level (a full queue with fail_open passes
 * packets the kernel neither counts nor numbers, see status.h; a second
 * in which some sample found it full counts once), and say in the log,
 * at most once a minute, when packets overflowed since the last line. */
static void
overflow_tick(struct daemon *d, time_t now)
{
	struct daemon_status st;
	struct status_source src = source(d);
	uint64_t over = 0, unfiltered = 0, full = 0;

	uint64_t ms = now_mono_ns() / 1000000;

	if (ms - d->overflow_sampled < SERVERS_OVERFLOW_SAMPLE_MS)
		return;
	d->overflow_sampled = ms;
	status_collect(&src, &st);
	for (unsigned i = 0; i < st.nqueues; i++) {
		const struct status_queue *q = &st.queues[i];
		/* a second counts once, however many samples found it full */
		if (status_queue_full(q) && d->q_full_last[i] != now) {
			d->q_full_last[i] = now;
			atomic_fetch_add_explicit(&d->q_full_seconds[i], 1,
			    memory_order_relaxed);
		}
		over += status_queue_overflow(q);
		unfiltered += status_queue_unfiltered(q, st.fail_open);
		full += q->full_seconds + status_queue_full(q);
	}
	if ((over == d->overflow_at_log && full == d->full_at_log) ||
	    now - d->overflow_logged < SERVERS_OVERFLOW_LOG_EVERY)
		return;
	log_warnx("queue overflow: %" PRIu64 " packets not queued to vetod "
	    "(%" PRIu64 " passed unfiltered), queue full for %" PRIu64 " s, "
	    "since the last such line; %s; add queues, set rate_limit_dns and "
	    "rate_limit_flows (README, \"Under load\")",
	    over - d->overflow_at_log, unfiltered >= d->unfiltered_at_log ?
	    unfiltered - d->unfiltered_at_log : 0, full - d->full_at_log,
	    st.fail_open ? "with fail_open they passed unfiltered" :
	    "fail_open = no: they were dropped");
	d->overflow_logged = now;
	d->overflow_at_log = over;
	d->unfiltered_at_log = unfiltered;
	d->full_at_log = full;
}

void
servers_tick(struct daemon *d, time_t now)
{
	struct policy *p = policy_get();
	struct verr e;

	if (p != NULL) {
		const struct policy *pp = p;
		stats_drain(&pp, 1);
		if (p->gen != d->last_gen) {
			report_note(d->report);
			d->last_gen = p->gen;
			d->trim_at = now + SERVERS_TRIM_DELAY;
		}
	}
	policy_put(p);
	if (report_tick(d->report, now, &e) == -1)
		log_warnx("report not written: %s; it is kept and retried", e.msg);
	summary_tick(d->summary, now, NULL, 0);
	overflow_tick(d, now);
	/* a swap freed the old snapshot and the parse's memory by now: give
	 * the pages back (glibc keeps freed memory in its arenas, which made
	 * vetod's resident size grow by the size of a list at each swap) */
	if (d->trim_at != 0 && now >= d->trim_at) {
		malloc_trim(0);
		d->trim_at = 0;
	}
}

void
servers_quiesce(struct daemon *d)
{
	if (d->ctl != NULL && !d->ctl_stopped) {
		ctl_stop(d->ctl);
		d->ctl_stopped = true;
	}
	/* no other thread calls the fill callback after this */
	metrics_stop(d->metrics);
	d->metrics = NULL;
}

void
servers_stop(struct daemon *d)
{
	struct verr e;

	if (d->ctl != NULL) {
		servers_quiesce(d);
		pthread_mutex_lock(&d->jobs_mtx);
		for (unsigned i = 0; i < d->njobs; i++)
			ctl_job_done(d->jobs[i].job, false, "vetod is stopping", NULL);
		d->njobs = 0;
		pthread_mutex_unlock(&d->jobs_mtx);
		ctl_free(d->ctl);
		d->ctl = NULL;
	}
	metrics_stop(d->metrics);
	d->metrics = NULL;
	if (d->report != NULL) {
		servers_drain(d);
		if (report_flush(d->report, time(NULL), &e) == -1)
			log_warnx("last report not written: %s", e.msg);
		report_free(d->report);
		d->report = NULL;
	}
	summary_free(d->summary);
	d->summary = NULL;
}
