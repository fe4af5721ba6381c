/* feeds.c - the feeds at run time; see feeds.h. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vetod/feeds.h"
#include "core/log.h"
#include "kernel/priv.h"
#include "engine/stats.h"
#include "serve/rpz.h"

struct feed_rt {
	const struct feed_conf *fc;
	struct trust_feed *tf;
	struct list *list;		/* in force; NULL if none */
	int health;
	time_t installed;
	time_t last_offer;
	char last_result[256];
	int last_verdict;		/* -1: none yet */
	time_t last_good;
	struct stat file_st;		/* list_file as last read */
	bool file_seen;
};

struct feeds {
	pthread_mutex_t mtx;
	struct conf *conf;
	struct guard *guard;
	struct feed_rt *f;
	unsigned n;
	struct policy *last;		/* our reference to what we published */
	bool dirty;			/* lists changed since that */
	uid_t uid;
	gid_t gid;
};

/* --- opening ------------------------------------------------------------ */

struct feeds *
feeds_new(struct conf *c, uid_t uid, gid_t gid, struct verr *e)
{
	struct feeds *fs = xcalloc(1, sizeof(*fs));

	pthread_mutex_init(&fs->mtx, NULL);
	fs->conf = conf_ref(c);
	fs->uid = uid;
	fs->gid = gid;
	fs->n = c->nfeeds;
	fs->f = xcalloc(fs->n ? fs->n : 1, sizeof(*fs->f));
	for (unsigned i = 0; i < fs->n; i++)
		fs->f[i].last_verdict = -1;
	fs->guard = guard_new(c->never_block_file, e);
	if (fs->guard == NULL)
		goto fail;
	/* made by root before the drop (priv_own_dir), found here by
	 * `user`: everything below is created by `user`, and nothing walks
	 * the tree as root (kernel/priv.h) */
	if (fs->n > 0 && priv_own_dir(c->state_dir, 0700, uid, gid, e) == -1)
		goto fail;
	for (unsigned i = 0; i < fs->n; i++) {
		struct trust_params tp;
		fs->f[i].fc = &c->feeds[i];
		if (trust_params_from_conf(c, &c->feeds[i], fs->guard, &tp, e) == -1 ||
		    (fs->f[i].tf = trust_open(&tp, e)) == NULL) {
			verr_prefix(e, "feed %s", c->feeds[i].name);
			goto fail;
		}
	}
	return fs;
fail:
	feeds_free(fs);
	return NULL;
}

void
feeds_free(struct feeds *fs)
{
	if (fs == NULL)
		return;
	for (unsigned i = 0; i < fs->n; i++) {
		trust_close(fs->f[i].tf);
		list_unref(fs->f[i].list);
	}
	policy_put(fs->last);
	guard_free(fs->guard);
	conf_free(fs->conf);
	pthread_mutex_destroy(&fs->mtx);
	free(fs->f);
	free(fs);
}

unsigned
feeds_count(const struct feeds *fs)
{
	return fs->n;
}

int
feeds_index(const struct feeds *fs, const char *name)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].fc->name, name) == 0)
			return (int)i;
	return -1;
}

/* --- publishing --------------------------------------------------------- */

/* rpz_file: the zone of what was just published (rpz.h); a failure is
 * logged and leaves the previous zone in place. */
static void
write_rpz(const struct policy *p)
{
	struct rpz_opts o;
	struct rpz_stats st;
	struct verr e;
	uint64_t t0 = now_mono_ms();

	if (p->conf->rpz_file == NULL)
		return;
	if (rpz_opts_from_conf(p->conf, &o, &e) == -1 ||
	    rpz_write_file(p->conf->rpz_file, p, &o, time(NULL), &st, &e) == -1) {
		log_warnx("RPZ zone not written: %s", e.msg);
		return;
	}
	log_info("RPZ zone %s written: serial %lu, %zu names, %zu wildcards, "
	    "%zu bytes in %llu ms", p->conf->rpz_file, (unsigned long)st.serial,
	    st.names, st.wildcards, st.bytes,
	    (unsigned long long)(now_mono_ms() - t0));
}

static int
publish_locked(struct feeds *fs, struct verr *e)
{
	struct list *lists[CONF_MAX_FEEDS];
	int health[CONF_MAX_FEEDS];
	struct policy *p, *old;
	const struct policy *pair[2];

	for (unsigned i = 0; i < fs->n; i++) {
		lists[i] = fs->f[i].list;
		health[i] = fs->f[i].health;
	}
	p = policy_build(fs->conf, lists, health,
	    fs->last ? fs->last->matcher : NULL, e);
	if (p == NULL)
		return -1;
	old = policy_publish(p);
	/* the packet threads are past the old snapshot: resolve its events */
	pair[0] = old;
	pair[1] = p;
	stats_drain(pair, 2);
	policy_put(old);
	policy_put(fs->last);
	atomic_fetch_add(&p->refs, 1);
	fs->last = p;
	fs->dirty = false;
	write_rpz(p);
	return 0;
}

int
feeds_publish(struct feeds *fs, struct verr *e)
{
	int rc = 0;

	pthread_mutex_lock(&fs->mtx);
	if (fs->dirty || fs->last == NULL)
		rc = publish_locked(fs, e);
	pthread_mutex_unlock(&fs->mtx);
	return rc;
}

/* --- installing ------------------------------------------------------- */

static void
note(struct feed_rt *f, time_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct feed_rt *f, time_t now, const char *fmt, ...)
{
	va_list ap;

	f->last_offer = now;
	va_start(ap, fmt);
	vsnprintf(f->last_result, sizeof(f->last_result), fmt, ap);
	va_end(ap);
}

static void
log_in_force(const struct feed_rt *f, const char *how)
{
	char exp[32];
	const struct list *l = f->list;

	time_format_rfc3339(l->expires, exp);
	log_info("feed %s: %s list %s of %s (%zu entries: %zu domain, %zu "
	    "host, %zu url; expires %s)", f->fc->name, how, l->serial, l->feed,
	    l->nentries, l->count[LIST_DOMAIN], l->count[LIST_HOST],
	    l->count[LIST_URL], exp);
}

/* Put a candidate's list in force: publish, then commit. Lock held. */
static enum trust_verdict
install_locked(struct feeds *fs, unsigned idx, struct trust_candidate *cand,
    time_t now, char *msg, size_t msglen)
{
	struct feed_rt *f = &fs->f[idx];
	struct list *old = f->list;
	int old_health = f->health;
	struct verr e;

	/* the candidate keeps pointing at the list until it is committed
	 * (trust_commit reads it); ownership passes to the feed after that */
	f->list = cand->list;
	f->health = feed_health(f->fc, f->list, now);
	if (publish_locked(fs, &e) == -1) {
		f->list = old;
		f->health = old_health;
		snprintf(msg, msglen, "list %s not installed: %s",
		    cand->reason, e.msg);
		return TRUST_REFUSED;
	}
	list_unref(old);
	f->installed = now;
	if (trust_commit(f->tf, cand, now, &e) == -1)
		log_warnx("feed %s: list %s is in force but could not be "
		    "recorded in the state directory: %s (it will be "
		    "fetched or read again after a restart)", f->fc->name,
		    f->list->serial, e.msg);
	cand->list = NULL;
	log_in_force(f, cand->verdict == TRUST_EXPIRED ?
	    "installed (already EXPIRED)" : "installed");
	snprintf(msg, msglen, "installed list %s (%zu entries)",
	    f->list->serial, f->list->nentries);
	return cand->verdict;
}

static enum trust_verdict
offer_locked(struct feeds *fs, unsigned idx, const uint8_t *buf, size_t len,
    const uint8_t *sig, size_t siglen, time_t now, unsigned flags,
    char *msg, size_t msglen)
{
	struct feed_rt *f = &fs->f[idx];
	struct trust_candidate cand;
	enum trust_verdict v;
	struct verr e;

	if (trust_lock(f->tf, true, &e) == -1) {
		snprintf(msg, msglen, "cannot lock the feed state: %s", e.msg);
		return TRUST_REFUSED;
	}
	/* with no list in force, the recorded list was refused at start-up:
	 * the same bytes from the server are judged anew */
	if (f->list == NULL)
		flags |= TRUST_REINSTALL;
	v = trust_evaluate(f->tf, buf, len, sig, siglen, now, flags, &cand);
	switch (v) {
	case TRUST_EXPIRED:
		if (cand.same_as_last || cand.list == NULL) {
			/* the list in force, byte for byte, now expired: the
			 * clock (feeds_tick) handles its grace period */
			snprintf(msg, msglen, "unchanged and %s", cand.reason);
			break;
		}
		/* FALLTHROUGH */
	case TRUST_INSTALL:
		v = install_locked(fs, idx, &cand, now, msg, msglen);
		break;
	case TRUST_HELD:
		/* the reason says how to confirm it */
		if (trust_commit(f->tf, &cand, now, &e) == -1)
			snprintf(msg, msglen, "held, but not recorded: %s", e.msg);
		else
			snprintf(msg, msglen, "%s (configuration %s)", cand.reason,
			    fs->conf->path);
		log_warnx("feed %s: list HELD, not enforced: %s; the last good "
		    "list stays in force", f->fc->name, msg);
		break;
	case TRUST_UNCHANGED:
		snprintf(msg, msglen, "unchanged (serial %s)",
		    f->list ? f->list->serial : "?");
		break;
	case TRUST_REFUSED:
		snprintf(msg, msglen, "refused: %s", cand.reason);
		log_warnx("feed %s: list REFUSED: %s%s%s; the last good list "
		    "%s stays in force", f->fc->name, cand.reason,
		    cand.report ? "\n" : "", cand.report ? cand.report : "",
		    f->list ? f->list->serial : "(none)");
		break;
	}
	trust_candidate_free(&cand);
	trust_unlock(f->tf);
	note(f, now, "%s", msg);
	f->last_verdict = (int)v;
	if (v == TRUST_INSTALL || v == TRUST_UNCHANGED || v == TRUST_EXPIRED)
		f->last_good = now;
	return v;
}

enum trust_verdict
feeds_offer(struct feeds *fs, unsigned idx, const uint8_t *buf, size_t len,
    const uint8_t *sig, size_t siglen, time_t now, unsigned flags, char *msg,
    size_t msglen)
{
	enum trust_verdict v;

	if (idx >= fs->n) {
		snprintf(msg, msglen, "no such feed");
		return TRUST_REFUSED;
	}
	pthread_mutex_lock(&fs->mtx);
	v = offer_locked(fs, idx, buf, len, sig, siglen, now, flags, msg, msglen);
	pthread_mutex_unlock(&fs->mtx);
	return v;
}

/* A held list, confirmed: its bytes go through the same pipeline as any
 * offer (publish, then commit), with the change guardrail waived. */
static enum trust_verdict
confirm_one(struct feeds *fs, unsigned idx, const char *serial, time_t now,
    char *msg, size_t msglen)
{
	struct feed_rt *f = &fs->f[idx];
	char path[4096], sigpath[4096 + 8];
	uint8_t *buf = NULL, *sig = NULL;
	size_t len, siglen;
	enum trust_verdict v;
	struct verr e;

	snprintf(path, sizeof(path), "%s/held/%s.json", trust_dir(f->tf), serial);
	snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
	if (file_read(path, f->fc->max_bytes, &buf, &len, &e) == -1 ||
	    file_read(sigpath, SIG_FILE_MAX, &sig, &siglen, &e) == -1) {
		snprintf(msg, msglen, "held list %s: %s", serial, e.msg);
		free(buf);
		return TRUST_REFUSED;
	}
	v = offer_locked(fs, idx, buf, len, sig, siglen, now, TRUST_CONFIRMED,
	    msg, msglen);
	free(buf);
	free(sig);
	return v;
}

enum trust_verdict
feeds_confirm(struct feeds *fs, int idx, const char *serial, time_t now,
    char *msg, size_t msglen)
{
	enum trust_verdict v = TRUST_REFUSED;

	snprintf(msg, msglen, "no feed holds a list with serial %s", serial);
	pthread_mutex_lock(&fs->mtx);
	for (unsigned i = 0; i < fs->n; i++) {
		char **held;
		size_t n;
		struct verr e;
		bool found = false;

		if (idx >= 0 && (unsigned)idx != i)
			continue;
		if (trust_held_list(fs->f[i].tf, &held, &n, &e) == -1)
			continue;
		for (size_t j = 0; j < n; j++)
			if (strcmp(held[j], serial) == 0)
				found = true;
		trust_held_free(held, n);
		if (found) {
			v = confirm_one(fs, i, serial, now, msg, msglen);
			break;
		}
	}
	pthread_mutex_unlock(&fs->mtx);
	return v;
}

/* --- list_file ---------------------------------------------------------- */

/* Read a local list and its signature and offer them. Lock held. */
static void
offer_file_locked(struct feeds *fs, unsigned idx, time_t now)
{
	struct feed_rt *f = &fs->f[idx];
	const char *path = f->fc->file;
	char sigpath[4096], msg[VERR_MAX];
	uint8_t *buf = NULL, *sig = NULL;
	size_t len, siglen;
	struct verr e;

	if (stat(path, &f->file_st) == -1) {
		log_warn("feed %s: list_file %s", f->fc->name, path);
		note(f, now, "cannot read %s: %s", path, strerror(errno));
		return;
	}
	f->file_seen = true;
	snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
	if (file_read(path, f->fc->max_bytes, &buf, &len, &e) == -1 ||
	    file_read(sigpath, SIG_FILE_MAX, &sig, &siglen, &e) == -1) {
		log_warnx("feed %s: %s; the last good list stays in force",
		    f->fc->name, e.msg);
		note(f, now, "%s", e.msg);
		free(buf);
		return;
	}
	offer_locked(fs, idx, buf, len, sig, siglen, now, 0, msg, sizeof(msg));
	free(buf);
	free(sig);
}

static bool
file_changed(const struct feed_rt *f)
{
	struct stat st;

	if (stat(f->fc->file, &st) == -1)
		return false;
	return !f->file_seen || st.st_mtim.tv_sec != f->file_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != f->file_st.st_mtim.tv_nsec ||
	    st.st_size != f->file_st.st_size || st.st_ino != f->file_st.st_ino;
}

/* --- start-up and the clock ------------------------------------------- */

unsigned
feeds_load(struct feeds *fs, time_t now)
{
	unsigned n = 0;

	pthread_mutex_lock(&fs->mtx);
	for (unsigned i = 0; i < fs->n; i++) {
		struct feed_rt *f = &fs->f[i];
		struct sig_info si;
		struct verr e;
		struct list *l = NULL;

		if (trust_load_good(f->tf, &l, &si, &e) == -1) {
			log_warnx("feed %s: the last good list in the state "
			    "directory was REFUSED: %s; it is not enforced",
			    f->fc->name, e.msg);
			note(f, now, "state refused: %s", e.msg);
		}
		f->list = l;
		f->health = feed_health(f->fc, l, now);
		if (l != NULL) {
			fs->dirty = true;
			f->installed = trust_state(f->tf)->installed;
			log_in_force(f, "loaded last good");
		}
	}
	/* list_file feeds: offer the file (publishes when it installs) */
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].fc->file != NULL)
			offer_file_locked(fs, i, now);
	for (unsigned i = 0; i < fs->n; i++) {
		struct feed_rt *f = &fs->f[i];
		if (feed_health_enforced(f->health))
			n++;
		else
			log_warnx("feed %s: no list in force (%s): this feed "
			    "is NOT enforced", f->fc->name,
			    feed_health_name(f->health));
	}
	pthread_mutex_unlock(&fs->mtx);
	return n;
}

static void
log_health_change(const struct feed_rt *f, int from)
{
	char exp[32];

	if (f->list == NULL)
		return;
	time_format_rfc3339(f->list->expires, exp);
	switch (f->health) {
	case FEED_EXPIRED:
		log_warnx("feed %s: list %s EXPIRED at %s; still enforced for "
		    "the grace period (list_grace = %llus); check the "
		    "fetcher and the publisher", f->fc->name, f->list->serial,
		    exp, (unsigned long long)f->fc->grace);
		break;
	case FEED_STALE:
		log_warnx("feed %s: list %s expired at %s and the grace period "
		    "is over: STALE, still enforced (on_expired = enforce)",
		    f->fc->name, f->list->serial, exp);
		break;
	case FEED_DISABLED:
		log_warnx("feed %s: list %s expired at %s and the grace period "
		    "is over: DISABLED, no longer enforced (on_expired = "
		    "disable)", f->fc->name, f->list->serial, exp);
		break;
	default:
		log_info("feed %s: health %s -> %s", f->fc->name,
		    feed_health_name(from), feed_health_name(f->health));
	}
}

bool
feeds_tick(struct feeds *fs, time_t now)
{
	bool republish = false, published = false;
	uint64_t before;

	pthread_mutex_lock(&fs->mtx);
	/* under the lock: the fetcher thread publishes (and frees the
	 * previous fs->last) concurrently */
	before = fs->last ? fs->last->gen : 0;
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].fc->file != NULL && file_changed(&fs->f[i]))
			offer_file_locked(fs, i, now);
	for (unsigned i = 0; i < fs->n; i++) {
		struct feed_rt *f = &fs->f[i];
		int h = feed_health(f->fc, f->list, now);
		if (h == f->health)
			continue;
		if (feed_health_enforced(h) != feed_health_enforced(f->health))
			republish = true;
		int from = f->health;
		f->health = h;
		log_health_change(f, from);
	}
	if (republish) {
		struct verr e;
		if (publish_locked(fs, &e) == -1)
			log_warnx("rebuilding the rules after an expiry failed: "
			    "%s", e.msg);
	}
	published = fs->last != NULL && fs->last->gen != before;
	pthread_mutex_unlock(&fs->mtx);
	return published;
}

/* --- status ------------------------------------------------------------- */

void
feeds_status(struct feeds *fs, unsigned idx, struct feed_status *out)
{
	struct feed_rt *f;
	char **held;
	size_t n;
	struct verr e;

	memset(out, 0, sizeof(*out));
	if (idx >= fs->n)
		return;
	pthread_mutex_lock(&fs->mtx);
	f = &fs->f[idx];
	out->name = f->fc->name;
	out->feed = f->fc->feed;
	out->health = f->health;
	out->enforced = feed_health_enforced(f->health);
	if (f->list != NULL) {
		str_copy(out->serial, f->list->serial, sizeof(out->serial));
		out->issued = f->list->issued;
		out->expires = f->list->expires;
		out->entries = f->list->nentries;
		out->url_entries = f->list->count[LIST_URL];
	}
	out->installed = f->installed;
	out->last_offer = f->last_offer;
	out->last_verdict = f->last_verdict;
	out->last_good = f->last_good;
	str_copy(out->last_result, f->last_result, sizeof(out->last_result));
	if (trust_held_list(f->tf, &held, &n, &e) == 0) {
		out->held = n;
		for (size_t i = 0; i < n && i < ARRAY_LEN(out->held_serials); i++)
			str_copy(out->held_serials[i], held[i],
			    sizeof(out->held_serials[i]));
		trust_held_free(held, n);
	}
	pthread_mutex_unlock(&fs->mtx);
}

bool
feeds_unprotected(struct feeds *fs)
{
	bool none = true;

	pthread_mutex_lock(&fs->mtx);
	for (unsigned i = 0; i < fs->n; i++)
		if (feed_health_enforced(fs->f[i].health))
			none = false;
	pthread_mutex_unlock(&fs->mtx);
	return none;
}

void
feeds_fetch_validators(struct feeds *fs, unsigned idx, char *etag,
    size_t etaglen, char *lastmod, size_t lastmodlen)
{
	const struct trust_state *ts;

	etag[0] = lastmod[0] = '\0';
	if (idx >= fs->n)
		return;
	pthread_mutex_lock(&fs->mtx);
	ts = trust_state(fs->f[idx].tf);
	if (ts->have && fs->f[idx].list != NULL) {
		str_copy(etag, ts->etag, etaglen);
		str_copy(lastmod, ts->last_modified, lastmodlen);
	}
	pthread_mutex_unlock(&fs->mtx);
}

int
feeds_note_fetch(struct feeds *fs, unsigned idx, const char *etag,
    const char *lastmod, time_t when, const char *result, struct verr *e)
{
	struct feed_rt *f;
	int rc = -1;

	if (idx >= fs->n) {
		verr_set(e, "no such feed");
		return -1;
	}
	pthread_mutex_lock(&fs->mtx);
	f = &fs->f[idx];
	if (trust_lock(f->tf, true, e) == 0) {
		rc = trust_note_fetch(f->tf, etag, lastmod, when, result, e);
		trust_unlock(f->tf);
	}
	if (result != NULL)
		note(f, when, "%s", result);
	pthread_mutex_unlock(&fs->mtx);
	return rc;
}
