/* daemon.c - vetod's life cycle; see daemon.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve/ctl.h"
#include "vetod/daemon.h"
#include "vetod/servers.h"
#include "vetod/fetcher.h"
#include "trust/guard.h"
#include "core/log.h"
#include "policy/policy.h"
#include "kernel/priv.h"
#include "vetod/sandbox.h"
#include "engine/stats.h"
#include "serve/stop.h"
#include "trust/trust.h"

/* --- -n ------------------------------------------------------------------ */

static int
check_feed(const struct conf *c, const struct feed_conf *f,
    const struct guard *g)
{
	struct trust_params tp;
	struct trust_feed *tf;
	struct list *l = NULL;
	struct sig_info si;
	struct verr e;
	int rc = 0;

	if (trust_params_from_conf(c, f, g, &tp, &e) == -1) {
		printf("feed %s: %s\n", f->name, e.msg);
		return -1;
	}
	tp.read_only = true;
	tf = trust_open(&tp, &e);
	if (tf == NULL) {
		printf("feed %s: %s\n", f->name, e.msg);
		return -1;
	}
	if (trust_load_good(tf, &l, &si, &e) == -1) {
		printf("feed %s: last good list REFUSED: %s\n", f->name, e.msg);
		rc = -1;
	} else if (l != NULL) {
		printf("feed %s: last good list %s (%zu entries) verifies\n",
		    f->name, l->serial, l->nentries);
	} else if (f->file == NULL) {
		printf("feed %s: no list yet; it will be fetched from %s\n",
		    f->name, f->url);
	}
	list_free(l);
	if (f->file != NULL) {
		char sigpath[4096];
		uint8_t *buf = NULL, *sig = NULL;
		size_t len, siglen;
		struct trust_candidate cand;

		snprintf(sigpath, sizeof(sigpath), "%s.minisig", f->file);
		if (file_read(f->file, f->max_bytes, &buf, &len, &e) == -1 ||
		    file_read(sigpath, 16384, &sig, &siglen, &e) == -1) {
			printf("feed %s: %s\n", f->name, e.msg);
			rc = -1;
		} else {
			enum trust_verdict v = trust_evaluate(tf, buf, len, sig,
			    siglen, time(NULL), 0, &cand);
			printf("feed %s: %s: %s: %s\n", f->name, f->file,
			    trust_verdict_name(v), cand.reason);
			if (v == TRUST_REFUSED)
				rc = -1;
			trust_candidate_free(&cand);
		}
		free(buf);
		free(sig);
	}
	trust_close(tf);
	return rc;
}

int
daemon_check(const char *path)
{
	struct verr e;
	struct conf *c = conf_load(path, &e);
	struct guard *g;
	int rc = 0;

	if (c == NULL) {
		printf("%s\n", e.msg);
		return -1;
	}
	g = guard_new(c->never_block_file, &e);
	if (g == NULL) {
		printf("%s\n", e.msg);
		conf_free(c);
		return -1;
	}
	printf("%s: configuration OK (%u feed(s), %u queue(s), mode %s)\n",
	    path, c->nfeeds, c->queue_count,
	    c->mode == MODE_MONITOR ? "monitor" : "enforce");
	if (c->nfeeds == 0)
		printf("warning: no feed configured: vetod would block nothing\n");
	for (unsigned i = 0; i < c->nfeeds; i++)
		if (check_feed(c, &c->feeds[i], g) == -1)
			rc = -1;
	guard_free(g);
	conf_free(c);
	return rc;
}

/* --- start --------------------------------------------------------------- */

static int
open_feeds(struct daemon *d, struct verr *e)
{
	d->feeds = feeds_new(d->conf, d->uid, d->gid, e);
	if (d->feeds == NULL)
		return -1;
	feeds_load(d->feeds, time(NULL));
	if (feeds_publish(d->feeds, e) == -1)
		return -1;
	if (feeds_unprotected(d->feeds))
		log_warnx("UNPROTECTED: no list is in force; vetod runs and "
		    "blocks nothing until a valid list is installed");
	return 0;
}

int
daemon_start(struct daemon *d, struct verr *e)
{
	char what[128];

	d->started = time(NULL);
	pthread_mutex_init(&d->mtx, NULL);
	pthread_mutex_init(&d->jobs_mtx, NULL);
	/* root touches the state directory itself, nothing below (priv.h) */
	if (d->conf->nfeeds > 0 && priv_own_dir(d->conf->state_dir, 0700,
	    d->uid, d->gid, e) == -1)
		return -1;
	/* libcurl is initialised while we are single-threaded */
	if ((d->fetcher = fetcher_new(e)) == NULL)
		return -1;
	for (unsigned i = 0; i < d->conf->queue_count; i++) {
		d->queue_maxlen = d->conf->queue_maxlen;
		d->workers[i] = worker_new(d->conf->queue_first + i, d->conf, e);
		if (d->workers[i] == NULL)
			return -1;
		d->nworkers++;
	}
	/* listening sockets too are opened before the drop (port 80) */
	d->stop = stop_new(d->conf, e);
	if (d->stop == NULL || servers_open(d, e) == -1)
		return -1;
	if (priv_drop(d->conf->user, e) == -1)
		return -1;
	/* the feeds' state is created by `user`; the lists are in force
	 * before the first packet is read */
	if (open_feeds(d, e) == -1)
		return -1;
	servers_prepare(d);
	/* still one thread: every thread inherits the sandbox */
	if (sandbox_enter(d->conf, what, sizeof(what), e) == -1)
		return -1;
	log_info("sandbox: %s", what);
	for (unsigned i = 0; i < d->nworkers; i++)
		if (worker_start(d->workers[i], e) == -1)
			return -1;
	if (stop_start(d->stop, sandbox_confine_web_thread, e) == -1 ||
	    servers_start(d, e) == -1)
		return -1;
	/* after the drop, so the fetcher's threads hold only CAP_NET_ADMIN
	 * (SO_MARK needs it); the last good lists are in force already and
	 * the first fetch happens now */
	if (fetcher_start(d->fetcher, d->feeds, d->conf, e) == -1)
		return -1;
	return 0;
}

/* --- reload -------------------------------------------------------------- */

static bool
ports_differ(const uint16_t *a, unsigned na, const uint16_t *b, unsigned nb)
{
	return na != nb || memcmp(a, b, na * sizeof(*a)) != 0;
}

static bool
listen_differs(const struct conf *o, const struct conf *n)
{
	if (o->nstop_page_listen != n->nstop_page_listen)
		return true;
	for (unsigned i = 0; i < o->nstop_page_listen; i++)
		if (strcmp(o->stop_page_listen[i], n->stop_page_listen[i]) != 0)
			return true;
	return strcmp(o->metrics_listen, n->metrics_listen) != 0;
}

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Settings bound at start (privileges, sockets, per-thread tables). */
static void
warn_restart_needed(const struct conf *o, const struct conf *n)
{
	const struct {
		bool changed;
		const char *what;
	} keys[] = {
		{o->queue_first != n->queue_first ||
		    o->queue_count != n->queue_count, "queues"},
		{strcmp(o->user, n->user) != 0, "user"},
		{o->fail_open != n->fail_open, "fail_open"},
		{o->queue_maxlen != n->queue_maxlen, "queue_maxlen"},
		{o->mark_mask != n->mark_mask, "mark_mask"},
		{strcmp(o->control_socket, n->control_socket) != 0, "control_socket"},
		{listen_differs(o, n), "stop_page_listen or metrics_listen"},
		{!same_str(o->state_dir, n->state_dir) ||
		    !same_str(o->report_dir, n->report_dir) ||
		    !same_str(o->rpz_file, n->rpz_file),
		    "state_dir, report_dir or rpz_file (the sandbox allows "
		    "those of the start)"},
		{ports_differ(o->http_ports, o->nhttp_ports, n->http_ports,
		    n->nhttp_ports) || ports_differ(o->tls_ports, o->ntls_ports,
		    n->tls_ports, n->ntls_ports) || ports_differ(o->quic_ports,
		    o->nquic_ports, n->quic_ports, n->nquic_ports),
		    "http_ports, tls_ports or quic_ports"},
		{o->reasm_flow_bytes != n->reasm_flow_bytes ||
		    o->reasm_memory != n->reasm_memory, "reasm_*"},
	};

	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].changed)
			log_warnx("reload: `%s' changed; it takes effect only "
			    "after a restart of vetod (and `veto rules' for "
			    "ports, queues, marks)", keys[i].what);
}

int
daemon_reload(struct daemon *d, const char *path)
{
	struct verr e;
	struct conf *nc = conf_load(path, &e);
	struct conf *oc;
	struct feeds *nf, *of;

	if (nc == NULL) {
		log_warnx("reload failed: %s; the running configuration stays "
		    "in force", e.msg);
		return -1;
	}
	warn_restart_needed(d->conf, nc);
	nf = feeds_new(nc, d->uid, d->gid, &e);
	if (nf == NULL) {
		log_warnx("reload failed: %s; the running configuration stays "
		    "in force", e.msg);
		conf_free(nc);
		return -1;
	}
	feeds_load(nf, time(NULL));
	if (feeds_publish(nf, &e) == -1) {
		log_warnx("reload failed: %s; the running configuration stays "
		    "in force", e.msg);
		feeds_free(nf);
		conf_free(nc);
		return -1;
	}
	if (stop_reload(d->stop, nc, &e) == -1)
		log_warnx("reload: stop page template: %s; the old template "
		    "stays in use", e.msg);
	fetcher_stop(d->fetcher);	/* off the old feeds */
	pthread_mutex_lock(&d->mtx);
	of = d->feeds;
	oc = d->conf;
	d->feeds = nf;
	d->conf = nc;
	pthread_mutex_unlock(&d->mtx);
	feeds_free(of);
	conf_free(oc);
	servers_reconfigure(d);
	/* the new feeds are fetched at once */
	if (fetcher_start(d->fetcher, nf, nc, &e) == -1)
		log_warnx("reload: the list fetcher did not restart: %s; "
		    "restart vetod", e.msg);
	log_info("reloaded %s: %u feed(s)%s", path, nc->nfeeds,
	    feeds_unprotected(nf) ? "; UNPROTECTED: no list in force" : "");
	return 0;
}

/* --- clock --------------------------------------------------------------- */

void
daemon_tick(struct daemon *d, time_t now)
{
	feeds_tick(d->feeds, now);
	if (feeds_unprotected(d->feeds) && d->conf->nfeeds > 0 &&
	    now - d->last_unprotected_warning >= 300) {
		log_warnx("UNPROTECTED: no list is in force; nothing is blocked");
		d->last_unprotected_warning = now;
	}
	for (unsigned i = 0; i < d->nworkers; i++) {
		if (worker_failed(d->workers[i]) && !d->failed_logged[i]) {
			log_warnx("queue %u is not read any more: restart vetod",
			    worker_queue_num(d->workers[i]));
			d->failed_logged[i] = true;
		}
	}
	servers_tick(d, now);
}

void
daemon_poll(struct daemon *d)
{
	servers_jobs(d);
}

void
daemon_stop(struct daemon *d)
{
	servers_quiesce(d);		/* the control socket takes no new jobs */
	fetcher_free(d->fetcher);	/* answers its jobs; before the feeds go */
	d->fetcher = NULL;
	servers_stop(d);
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_stop(d->workers[i]);
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_free(d->workers[i]);
	d->nworkers = 0;
	stop_free(d->stop);
	d->stop = NULL;
	feeds_free(d->feeds);
	d->feeds = NULL;
	conf_free(d->conf);
	d->conf = NULL;
}
