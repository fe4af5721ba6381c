/* listset.c - lists for the tools, loaded as vetod would; see listset.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust/guard.h"
#include "trust/listset.h"
#include "trust/sig.h"
#include "trust/trust.h"

bool
listset_enforced(const struct listset_feed *f)
{
	return f->list != NULL && feed_health_enforced(f->health);
}

/* Offer a feed's list_file to the trust pipeline, read-only. */
static void
offer_file(struct listset_feed *lf, struct trust_feed *tf,
    const struct feed_conf *fc, time_t now)
{
	char sigpath[4096];
	uint8_t *buf = NULL, *sig = NULL;
	size_t len, siglen;
	struct trust_candidate cand;
	enum trust_verdict v;
	struct verr e;

	snprintf(sigpath, sizeof(sigpath), "%s.minisig", fc->file);
	if (file_read(fc->file, fc->max_bytes, &buf, &len, &e) == -1 ||
	    file_read(sigpath, SIG_FILE_MAX, &sig, &siglen, &e) == -1) {
		snprintf(lf->note, sizeof(lf->note), "list_file: %s", e.msg);
		goto out;
	}
	v = trust_evaluate(tf, buf, len, sig, siglen, now, 0, &cand);
	if ((v == TRUST_INSTALL || v == TRUST_EXPIRED) && cand.list != NULL) {
		list_free(lf->list);
		lf->list = cand.list;
		cand.list = NULL;
		lf->origin = "list_file";
	} else if (v == TRUST_HELD || v == TRUST_REFUSED) {
		snprintf(lf->note, sizeof(lf->note), "list_file %s: %s",
		    trust_verdict_name(v), cand.reason);
	}
	trust_candidate_free(&cand);
out:
	free(buf);
	free(sig);
}

static int
load_feed(struct listset *ls, unsigned i, const struct guard *g, time_t now,
    struct verr *e)
{
	const struct feed_conf *fc = &ls->conf->feeds[i];
	struct listset_feed *lf = &ls->feeds[i];
	struct trust_params tp;
	struct trust_feed *tf;
	struct sig_info si;
	struct verr le;

	lf->name = fc->name;
	lf->origin = "none";
	if (trust_params_from_conf(ls->conf, fc, g, &tp, e) == -1)
		return -1;
	tp.read_only = true;
	if ((tf = trust_open(&tp, e)) == NULL) {
		verr_prefix(e, "feed %s", fc->name);
		return -1;
	}
	if (trust_load_good(tf, &lf->list, &si, &le) == -1) {
		snprintf(lf->note, sizeof(lf->note), "last good list refused: "
		    "%s", le.msg);
		lf->list = NULL;
	} else if (lf->list != NULL) {
		lf->origin = "state";
	} else if (fc->file == NULL) {
		snprintf(lf->note, sizeof(lf->note), "no list fetched yet");
	}
	if (fc->file != NULL)
		offer_file(lf, tf, fc, now);
	trust_close(tf);
	lf->health = feed_health(fc, lf->list, now);
	return 0;
}

int
listset_from_conf(struct listset *ls, const char *path, time_t now,
    struct verr *e)
{
	struct guard *g;

	memset(ls, 0, sizeof(*ls));
	list_init();
	if ((ls->conf = conf_load(path, e)) == NULL)
		return -1;
	if ((g = guard_new(ls->conf->never_block_file, e)) == NULL) {
		listset_free(ls);
		return -1;
	}
	for (unsigned i = 0; i < ls->conf->nfeeds; i++) {
		ls->n = i + 1;
		if (load_feed(ls, i, g, now, e) == -1) {
			guard_free(g);
			listset_free(ls);
			return -1;
		}
	}
	guard_free(g);
	return 0;
}

static struct list *
load_file(const char *path, const struct sig_keyring *ring, struct verr *e)
{
	struct list_limits lim = {TRUST_DEFAULT_MAX_BYTES,
	    TRUST_DEFAULT_MAX_ENTRIES};
	char sigpath[4096];
	uint8_t *buf, *sig;
	size_t len, siglen;
	struct list *l;

	if (file_read(path, lim.max_bytes, &buf, &len, e) == -1)
		return NULL;
	if (ring->n > 0) {
		snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
		if (file_read(sigpath, SIG_FILE_MAX, &sig, &siglen, e) == -1) {
			free(buf);
			return NULL;
		}
		if (sig_verify(ring, buf, len, sig, siglen, 0, NULL, e) == -1) {
			verr_prefix(e, "%s", sigpath);
			free(sig);
			free(buf);
			return NULL;
		}
		free(sig);
	}
	l = list_parse(buf, len, &lim, e);
	free(buf);
	if (l == NULL)
		verr_prefix(e, "%s", path);
	return l;
}

int
listset_from_files(struct listset *ls, char *const *paths, unsigned n,
    char *const *keys, unsigned nkeys, struct verr *e)
{
	struct sig_keyring ring = {.n = 0};
	time_t now = time(NULL);

	memset(ls, 0, sizeof(*ls));
	list_init();
	if (n == 0 || n > CONF_MAX_FEEDS) {
		verr_set(e, "between 1 and %d lists", CONF_MAX_FEEDS);
		return -1;
	}
	for (unsigned i = 0; i < nkeys; i++) {
		if (sig_keyring_add_arg(&ring, keys[i], e) == -1) {
			verr_prefix(e, "-k %s", keys[i]);
			return -1;
		}
	}
	ls->conf = conf_default();
	ls->conf->feeds = xcalloc(n, sizeof(*ls->conf->feeds));
	ls->conf->nfeeds = n;
	for (unsigned i = 0; i < n; i++) {
		struct feed_conf *fc = &ls->conf->feeds[i];
		fc->name = xstrdup(paths[i]);
		fc->file = xstrdup(paths[i]);
		fc->grace = UINT64_MAX;
		ls->n = i + 1;
		ls->feeds[i].name = fc->name;
		ls->feeds[i].origin = "file";
		ls->feeds[i].list = load_file(paths[i], &ring, e);
		if (ls->feeds[i].list == NULL) {
			listset_free(ls);
			return -1;
		}
		ls->feeds[i].health = feed_health(fc, ls->feeds[i].list, now);
	}
	return 0;
}

void
listset_free(struct listset *ls)
{
	for (unsigned i = 0; i < ls->n; i++)
		list_unref(ls->feeds[i].list);
	conf_free(ls->conf);
	memset(ls, 0, sizeof(*ls));
}

size_t
listset_entries(const struct listset *ls)
{
	size_t n = 0;

	for (unsigned i = 0; i < ls->n; i++)
		if (listset_enforced(&ls->feeds[i]))
			n += ls->feeds[i].list->nentries;
	return n;
}

struct policy *
listset_policy(struct listset *ls, struct verr *e)
{
	struct list *lists[CONF_MAX_FEEDS];
	int health[CONF_MAX_FEEDS];

	for (unsigned i = 0; i < ls->n; i++) {
		lists[i] = ls->feeds[i].list;
		health[i] = ls->feeds[i].health;
	}
	return policy_build(ls->conf, lists, health, NULL, e);
}

struct matcher *
listset_matcher(const struct listset *ls, struct verr *e)
{
	struct list *lists[CONF_MAX_FEEDS];

	for (unsigned i = 0; i < ls->n; i++)
		lists[i] = listset_enforced(&ls->feeds[i]) ?
		    ls->feeds[i].list : NULL;
	return matcher_build(lists, ls->n, e);
}
