/* daemon.c - vetod's life cycle; see daemon.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "fetcher.h"
#include "guard.h"
#include "log.h"
#include "policy.h"
#include "priv.h"
#include "stats.h"
#include "trust.h"

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

/* --- control socket ------------------------------------------------------
 * MINIMAL WIRING by the fetch helper so that `veto fetch` reaches a running
 * vetod: `ping`, `stats`, `status` (lists from the policy, the fetcher's
 * part of each feed) and `fetch [FEED]`. reload and confirm are not wired
 * (they answer "not supported by this vetod"), nor are the queues' figures
 * in status. The lead's full wiring replaces this block. */

static void
ctl_fill(void *arg, struct daemon_status *out)
{
	struct daemon *d = arg;
	struct policy *p = policy_get();

	status_from_policy(out, p, time(NULL));
	policy_put(p);
	out->start_time = d->started;
	for (unsigned i = 0; i < out->nfeeds; i++)
		fetcher_status(d->fetcher, out->feeds[i].name, &out->feeds[i]);
}

static int
ctl_begin(struct daemon *d, int fd, struct verr *e)
{
	struct ctl_ops ops = {
		.src = {.fill = ctl_fill, .arg = d},
		.fetch = fetcher_ctl_fetch,
		.arg = d->fetcher,
	};

	d->ctl = ctl_start(fd, &ops, d->gid, e);
	return d->ctl == NULL ? -1 : 0;
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
	struct verr ce;
	int ctl_fd;

	d->started = time(NULL);
	d->last_summary = d->started;
	if (open_feeds(d, e) == -1)
		return -1;
	/* fetch: libcurl is initialised while we are single-threaded */
	if ((d->fetcher = fetcher_new(e)) == NULL)
		return -1;
	list_init();	/* cJSON hooks before any thread uses cJSON */
	/* control socket (minimal wiring, see above): bound while root; vetod
	 * still filters without it */
	if ((ctl_fd = ctl_listen(d->conf->control_socket, d->gid, &ce)) == -1)
		log_warnx("control socket: %s; veto fetch, status and stats "
		    "cannot reach this vetod", ce.msg);
	for (unsigned i = 0; i < d->conf->queue_count; i++) {
		d->workers[i] = worker_new(d->conf->queue_first + i, d->conf, e);
		if (d->workers[i] == NULL)
			return -1;
		d->nworkers++;
	}
	if (priv_drop(d->conf->user, e) == -1)
		return -1;
	for (unsigned i = 0; i < d->nworkers; i++)
		if (worker_start(d->workers[i], e) == -1)
			return -1;
	/* fetch: after the drop, so the fetcher threads hold only
	 * CAP_NET_ADMIN (SO_MARK needs it); the last good lists are already
	 * in force, and the first fetch happens now */
	if (fetcher_start(d->fetcher, d->feeds, d->conf, e) == -1)
		return -1;
	if (ctl_fd != -1 && ctl_begin(d, ctl_fd, &ce) == -1)	/* control socket */
		log_warnx("control socket: %s", ce.msg);
	return 0;
}

/* --- reload -------------------------------------------------------------- */

static void
warn_restart_needed(const struct conf *o, const struct conf *n)
{
	const char *what = NULL;

	if (o->queue_first != n->queue_first || o->queue_count != n->queue_count)
		what = "queues";
	else if (strcmp(o->user, n->user) != 0)
		what = "user";
	else if (o->fail_open != n->fail_open)
		what = "fail_open";
	else if (o->mark_mask != n->mark_mask)
		what = "mark_mask";
	else if (strcmp(o->control_socket, n->control_socket) != 0)
		what = "control_socket";
	if (what != NULL)
		log_warnx("reload: `%s' changed; it takes effect only after "
		    "a restart of vetod", what);
}

void
daemon_reload(struct daemon *d, const char *path)
{
	struct verr e;
	struct conf *nc = conf_load(path, &e);
	struct conf *oc;
	struct feeds *nf, *of;

	if (nc == NULL) {
		log_warnx("reload failed: %s; the running configuration stays "
		    "in force", e.msg);
		return;
	}
	warn_restart_needed(d->conf, nc);
	nf = feeds_new(nc, d->uid, d->gid, &e);
	if (nf == NULL) {
		log_warnx("reload failed: %s; the running configuration stays "
		    "in force", e.msg);
		conf_free(nc);
		return;
	}
	feeds_load(nf, time(NULL));
	if (feeds_publish(nf, &e) == -1) {
		log_warnx("reload failed: %s; the running configuration stays "
		    "in force", e.msg);
		feeds_free(nf);
		conf_free(nc);
		return;
	}
	fetcher_stop(d->fetcher);	/* fetch: off the old feeds */
	of = d->feeds;
	oc = d->conf;
	d->feeds = nf;
	d->conf = nc;
	feeds_free(of);
	conf_free(oc);
	/* fetch: the new feeds are fetched at once */
	if (fetcher_start(d->fetcher, nf, nc, &e) == -1)
		log_warnx("reload: the list fetcher did not restart: %s; "
		    "restart vetod", e.msg);
	log_info("reloaded %s: %u feed(s)%s", path, nc->nfeeds,
	    feeds_unprotected(nf) ? "; UNPROTECTED: no list in force" : "");
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
		if (worker_failed(d->workers[i]))
			log_warnx("queue %u is not read any more: restart vetod",
			    worker_queue_num(d->workers[i]));
	}
}

void
daemon_poll(struct daemon *d)
{
	(void)d;
}

void
daemon_stop(struct daemon *d)
{
	ctl_stop(d->ctl);		/* control socket: no new jobs */
	fetcher_free(d->fetcher);	/* fetch: before the feeds go */
	d->fetcher = NULL;
	ctl_free(d->ctl);		/* after its jobs were answered */
	d->ctl = NULL;
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_stop(d->workers[i]);
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_free(d->workers[i]);
	d->nworkers = 0;
	feeds_free(d->feeds);
	d->feeds = NULL;
	conf_free(d->conf);
	d->conf = NULL;
}
