/* fetcher.c - vetod's list fetcher: a thread per URL feed, its schedule,
 * and requests from the control socket; see fetcher.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "serve/ctl.h"
#include "vetod/fetcher.h"
#include "core/log.h"

struct request {
	struct request *next;
	bool want[CONF_MAX_FEEDS];	/* a cycle is still owed */
	bool taken[CONF_MAX_FEEDS];	/* the cycle that answers it runs */
	int slot[CONF_MAX_FEEDS];	/* feed index -> res index */
	struct fetcher_result res[CONF_MAX_FEEDS];
	unsigned n, pending;
	fetcher_done_fn done;
	void *arg;
};

struct worker {
	struct fetcher *f;
	unsigned idx;
	const struct feed_conf *fc;
	pthread_t th;
	bool started;
	/* under f->mtx */
	uint64_t next_ms;		/* monotonic: next scheduled cycle */
	time_t next_wall;
	unsigned failures;		/* consecutive download failures */
	unsigned bad;			/* consecutive failed or refused */
	bool refetching;		/* a refused list: the one refetch */
	time_t last_fetch, last_success;
	bool last_ok;
	char last_result[STATUS_TEXT_MAX];
};

struct fetcher {
	pthread_mutex_t mtx;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	atomic_bool stop;
	bool running;
	struct feeds *fs;
	struct conf *conf;		/* our reference while running */
	struct worker w[CONF_MAX_FEEDS];
	unsigned nw;
	struct request *reqs;
};

static uint64_t
rnd64(void)
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = now_mono_ns() * 0x9e3779b97f4a7c15ULL;
	return r;
}

/* --- the fetch_cycle() callbacks ------------------------------------- */

/* The bytes of the list in force of this feed? Then there is nothing to
 * offer (and feeds_offer() is spared a list it would only call unchanged
 * or, once that list expired, "expired" without a parsed list). */
static bool
same_as_in_force(const struct worker *w, const uint8_t *buf, size_t len,
    char *serial, size_t size)
{
	struct policy *p = policy_get();
	const struct list *l;
	uint8_t d[32];
	bool same = false;

	if (p != NULL && w->idx < p->nfeeds &&
	    (l = p->feeds[w->idx].list) != NULL && l->size == len &&
	    EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL) == 1 &&
	    memcmp(d, l->digest, sizeof(d)) == 0) {
		same = true;
		str_copy(serial, l->serial, size);
	}
	policy_put(p);
	return same;
}

static enum trust_verdict
offer_cb(void *arg, const uint8_t *buf, size_t len, const uint8_t *sig,
    size_t siglen, char *msg, size_t msglen)
{
	struct worker *w = arg;
	char serial[LIST_SERIAL_MAX + 1];
	struct feed_status st;
	enum trust_verdict v;

	if (same_as_in_force(w, buf, len, serial, sizeof(serial))) {
		snprintf(msg, msglen, "unchanged (serial %s, the same bytes as "
		    "the list in force)", serial);
		return TRUST_UNCHANGED;
	}
	v = feeds_offer(w->f->fs, w->idx, buf, len, sig, siglen, time(NULL),
	    0, msg, msglen);
	if (v != TRUST_UNCHANGED)
		return v;
	feeds_status(w->f->fs, w->idx, &st);
	if (st.serial[0] != '\0')
		return v;
	/* The bytes of the last good list recorded in the state directory,
	 * whose copy there was refused at start-up: not in force. */
	snprintf(msg, msglen, "refused: the server's list is the last good "
	    "list recorded in the state directory, whose copy there was "
	    "refused; it cannot be put in force again under the same serial "
	    "(publish a new serial, or remove %s/feeds/%s)",
	    w->f->conf->state_dir, w->fc->name);
	log_warnx("feed %s: %s", w->fc->name, msg);
	return TRUST_REFUSED;
}

static void
note_cb(void *arg, const char *etag, const char *lastmod, const char *result)
{
	struct worker *w = arg;
	struct verr e;

	if (feeds_note_fetch(w->f->fs, w->idx, etag, lastmod, time(NULL),
	    result, &e) == -1)
		log_warnx("feed %s: cannot record the fetch in the state "
		    "directory: %s", w->fc->name, e.msg);
}

static void
run_cycle(struct worker *w, struct fetch_report *rep)
{
	struct fetcher *f = w->f;
	char etag[FETCH_ETAG_MAX], lastmod[FETCH_LASTMOD_MAX];
	struct fetch_params p = {
		.name = w->fc->name,
		.url = w->fc->url,
		.sig_url = w->fc->sig_url,
		.ca_file = w->fc->ca_file,
		.tmp_dir = f->conf->state_dir,
		.max_bytes = w->fc->max_bytes,
		.mark = conf_mark_value(f->conf, MARK_PASS),
		.etag = etag,
		.last_modified = lastmod,
		.cancel = &f->stop,
	};
	struct fetch_ops ops = {offer_cb, note_cb, w};

	feeds_fetch_validators(f->fs, w->idx, etag, sizeof(etag), lastmod,
	    sizeof(lastmod));
	fetch_cycle(&p, &ops, rep);
}

/* --- the schedule ---------------------------------------------------- */

/* Seconds until the next cycle after this one (lock held). */
static uint64_t
schedule(struct worker *w, const struct fetch_report *rep)
{
	uint64_t refresh = w->fc->refresh, d;

	w->last_fetch = time(NULL);
	w->last_ok = fetch_outcome_ok(rep->outcome);
	str_copy(w->last_result, rep->message, sizeof(w->last_result));
	switch (rep->outcome) {
	case FETCH_ERROR:
		w->failures++;
		w->bad++;
		w->refetching = false;
		d = fetch_retry_delay(w->failures, refresh, rep->retry_after,
		    rnd64());
		break;
	case FETCH_REFUSED:
		w->failures = 0;
		w->bad++;
		w->refetching = !w->refetching;
		d = w->refetching ? fetch_refused_delay(rnd64()) :
		    fetch_jitter(refresh, rnd64());
		break;
	default:
		w->failures = 0;
		w->bad = 0;
		w->refetching = false;
		w->last_success = w->last_fetch;
		d = fetch_jitter(refresh, rnd64());
		break;
	}
	w->next_ms = now_mono_ms() + d * 1000;
	w->next_wall = time(NULL) + (time_t)d;
	return d;
}

/* A failure's message ends saying which list stays in force. */
static void
say_in_force(const struct worker *w, struct fetch_report *rep)
{
	struct feed_status st;
	size_t n = strlen(rep->message);

	feeds_status(w->f->fs, w->idx, &st);
	snprintf(rep->message + n, sizeof(rep->message) - n, "; %s",
	    st.serial[0] ? "the last good list stays in force" :
	    "this feed has no list in force");
	if (st.serial[0]) {
		n = strlen(rep->message);
		snprintf(rep->message + n, sizeof(rep->message) - n,
		    " (serial %s)", st.serial);
	}
}

static void
log_cycle(const struct worker *w, const struct fetch_report *rep,
    uint64_t next)
{
	const char *name = w->fc->name;

	switch (rep->outcome) {
	case FETCH_INSTALLED:
		log_info("feed %s: fetched %llu bytes in %llu ms, verified and "
		    "installed in %llu ms; next fetch in %llus", name,
		    (unsigned long long)rep->list_bytes,
		    (unsigned long long)rep->fetch_ms,
		    (unsigned long long)rep->offer_ms, (unsigned long long)next);
		break;
	case FETCH_UNCHANGED:
		log_info("feed %s: %s; next fetch in %llus", name, rep->message,
		    (unsigned long long)next);
		break;
	case FETCH_HELD:
		log_info("feed %s: next fetch in %llus", name,
		    (unsigned long long)next);
		break;
	case FETCH_REFUSED:
		log_warnx("feed %s: the downloaded list was %s; %s in %llus",
		    name, rep->message, w->refetching ? "fetching it once more "
		    "(a publication may be in progress)" : "next regular fetch",
		    (unsigned long long)next);
		break;
	case FETCH_ERROR:
		log_warnx("feed %s: %s; next attempt in %llus (failure %u)",
		    name, rep->message, (unsigned long long)next, w->failures);
		break;
	}
}

/* --- requests -------------------------------------------------------- */

static bool
take_requests(struct fetcher *f, unsigned idx)
{
	bool any = false;

	for (struct request *r = f->reqs; r != NULL; r = r->next) {
		if (r->want[idx] && !r->taken[idx]) {
			r->taken[idx] = true;
			any = true;
		}
	}
	return any;
}

/* Record the cycle in the requests it answers; move the finished ones to
 * *done. Lock held. */
static void
finish_requests(struct fetcher *f, unsigned idx, const struct fetch_report *rep,
    struct request **done)
{
	struct request **pp = &f->reqs, *r;

	while ((r = *pp) != NULL) {
		if (r->taken[idx]) {
			struct fetcher_result *res = &r->res[r->slot[idx]];
			r->taken[idx] = r->want[idx] = false;
			res->outcome = rep->outcome;
			str_copy(res->message, rep->message, sizeof(res->message));
			if (--r->pending == 0) {
				*pp = r->next;
				r->next = *done;
				*done = r;
				continue;
			}
		}
		pp = &r->next;
	}
}

/* Answer and free requests (lock not held). */
static void
complete(struct request *r)
{
	while (r != NULL) {
		struct request *next = r->next;
		char msg[4096];
		size_t off = 0;
		bool ok = true;

		msg[0] = '\0';
		for (unsigned i = 0; i < r->n; i++) {
			const struct fetcher_result *res = &r->res[i];
			if (!fetch_outcome_ok(res->outcome))
				ok = false;
			if (off < sizeof(msg))
				off += (size_t)snprintf(msg + off, sizeof(msg) - off,
				    "%sfeed %s: %s", i ? "; " : "", res->feed,
				    res->message);
		}
		r->done(r->arg, ok, msg, r->res, r->n);
		free(r);
		r = next;
	}
}

/* --- the threads ----------------------------------------------------- */

static void
wait_until(struct fetcher *f, uint64_t when_ms)
{
	struct timespec ts = {(time_t)(when_ms / 1000),
	    (long)(when_ms % 1000) * 1000000L};

	pthread_cond_timedwait(&f->cond, &f->mtx, &ts);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct fetcher *f = w->f;

	pthread_mutex_lock(&f->mtx);
	while (!atomic_load(&f->stop)) {
		struct fetch_report rep;
		struct request *done = NULL;
		uint64_t next;
		bool asked = take_requests(f, w->idx);

		if (!asked && now_mono_ms() < w->next_ms) {
			wait_until(f, w->next_ms);
			continue;
		}
		pthread_mutex_unlock(&f->mtx);
		run_cycle(w, &rep);
		if (!fetch_outcome_ok(rep.outcome) && !rep.cancelled)
			say_in_force(w, &rep);
		pthread_mutex_lock(&f->mtx);
		if (rep.cancelled)
			break;	/* stopping: pending requests are answered there */
		next = schedule(w, &rep);
		finish_requests(f, w->idx, &rep, &done);
		pthread_mutex_unlock(&f->mtx);
		log_cycle(w, &rep, next);
		complete(done);
		pthread_mutex_lock(&f->mtx);
	}
	pthread_mutex_unlock(&f->mtx);
	return NULL;
}

struct fetcher *
fetcher_new(struct verr *e)
{
	struct fetcher *f;
	pthread_condattr_t ca;

	if (fetch_init(e) == -1)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	pthread_mutex_init(&f->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	return f;
}

int
fetcher_start(struct fetcher *f, struct feeds *fs, struct conf *c,
    struct verr *e)
{
	int rc = 0;

	pthread_mutex_lock(&f->mtx);
	if (f->running) {
		pthread_mutex_unlock(&f->mtx);
		verr_set(e, "the fetcher is already running");
		return -1;
	}
	atomic_store(&f->stop, false);
	f->fs = fs;
	f->conf = conf_ref(c);
	f->nw = c->nfeeds;
	f->running = true;
	for (unsigned i = 0; i < f->nw; i++) {
		struct worker *w = &f->w[i];
		memset(w, 0, sizeof(*w));
		w->f = f;
		w->idx = i;
		w->fc = &c->feeds[i];
		w->next_ms = now_mono_ms();	/* first fetch at once */
		w->next_wall = time(NULL);
		if (w->fc->url == NULL)
			continue;
		if ((rc = pthread_create(&w->th, NULL, worker_main, w)) != 0) {
			verr_set(e, "feed %s: cannot start the fetcher thread: "
			    "%s", w->fc->name, strerror(rc));
			break;
		}
		w->started = true;
	}
	pthread_mutex_unlock(&f->mtx);
	if (rc != 0) {
		fetcher_stop(f);
		return -1;
	}
	return 0;
}

void
fetcher_stop(struct fetcher *f)
{
	struct request *pending;

	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mtx);
	if (!f->running) {
		pthread_mutex_unlock(&f->mtx);
		return;
	}
	atomic_store(&f->stop, true);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mtx);
	for (unsigned i = 0; i < f->nw; i++) {
		if (f->w[i].started)
			pthread_join(f->w[i].th, NULL);
		f->w[i].started = false;
	}
	pthread_mutex_lock(&f->mtx);
	f->running = false;
	pending = f->reqs;
	f->reqs = NULL;
	for (struct request *r = pending; r != NULL; r = r->next)
		for (unsigned i = 0; i < f->nw; i++)
			if (r->want[i]) {
				struct fetcher_result *res = &r->res[r->slot[i]];
				res->outcome = FETCH_ERROR;
				str_copy(res->message, "interrupted: vetod is "
				    "reloading or stopping; run it again",
				    sizeof(res->message));
			}
	conf_free(f->conf);
	f->conf = NULL;
	f->fs = NULL;
	pthread_mutex_unlock(&f->mtx);
	complete(pending);
}

void
fetcher_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	fetcher_stop(f);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mtx);
	free(f);
}

/* --- requests from outside ------------------------------------------- */

/* Which feeds a request names; lock held. */
static int
select_feeds(struct fetcher *f, const char *feed, struct request *r,
    struct verr *e)
{
	for (unsigned i = 0; i < f->nw; i++) {
		const struct feed_conf *fc = f->w[i].fc;
		if (feed != NULL && *feed != '\0' && strcmp(fc->name, feed) != 0)
			continue;
		if (fc->url == NULL) {
			if (feed != NULL && *feed != '\0') {
				verr_set(e, "feed %s reads list_file %s: there "
				    "is nothing to fetch (vetod re-reads the "
				    "file when it changes)", fc->name, fc->file);
				return -1;
			}
			continue;
		}
		r->want[i] = true;
		r->slot[i] = (int)r->n;
		str_copy(r->res[r->n].feed, fc->name, sizeof(r->res[r->n].feed));
		r->n++;
	}
	if (r->n == 0) {
		if (feed != NULL && *feed != '\0')
			verr_set(e, "no feed named `%s' in %s", feed,
			    f->conf->path);
		else
			verr_set(e, "no feed of %s has a list_url: there is "
			    "nothing to fetch", f->conf->path);
		return -1;
	}
	return 0;
}

int
fetcher_request(struct fetcher *f, const char *feed, fetcher_done_fn done,
    void *arg, struct verr *e)
{
	struct request *r = xcalloc(1, sizeof(*r));

	r->done = done;
	r->arg = arg;
	pthread_mutex_lock(&f->mtx);
	if (!f->running) {
		pthread_mutex_unlock(&f->mtx);
		free(r);
		verr_set(e, "the fetcher is not running (vetod is reloading); "
		    "try again");
		return -1;
	}
	if (select_feeds(f, feed, r, e) == -1) {
		pthread_mutex_unlock(&f->mtx);
		free(r);
		return -1;
	}
	r->pending = r->n;
	r->next = f->reqs;
	f->reqs = r;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mtx);
	return 0;
}

static void
ctl_done(void *arg, bool ok, const char *message,
    const struct fetcher_result *res, unsigned n)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; a != NULL && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			break;
		cJSON_AddStringToObject(o, "feed", res[i].feed);
		cJSON_AddStringToObject(o, "outcome",
		    fetch_outcome_name(res[i].outcome));
		cJSON_AddStringToObject(o, "message", res[i].message);
		cJSON_AddItemToArray(a, o);
	}
	ctl_job_done(arg, ok, message, a);
}

int
fetcher_ctl_fetch(void *arg, struct ctl_job *job, const char *feed,
    struct verr *e)
{
	return fetcher_request(arg, feed, ctl_done, job, e);
}

void
fetcher_status(struct fetcher *f, const char *feed, struct status_feed *out)
{
	pthread_mutex_lock(&f->mtx);
	for (unsigned i = 0; f->running && i < f->nw; i++) {
		const struct worker *w = &f->w[i];
		if (strcmp(w->fc->name, feed) != 0)
			continue;
		out->fetch_configured = w->fc->url != NULL || w->fc->file != NULL;
		if (w->fc->url == NULL)
			break;
		out->last_fetch = w->last_fetch;
		out->last_fetch_ok = w->last_ok;
		str_copy(out->last_fetch_result, w->last_result,
		    sizeof(out->last_fetch_result));
		out->last_success = w->last_success;
		out->fetch_failures = w->bad;
		out->next_fetch = w->next_wall;
		break;
	}
	pthread_mutex_unlock(&f->mtx);
}
