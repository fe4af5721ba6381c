/*
 * cmd_list_diff.c - `veto list diff [-k KEY ...] OLD NEW`: what a new list
 * changes (issue 17), for the publisher before signing and the operator
 * before confirming a held list (`veto list confirm` prints the same
 * summary through list_diff_print()).
 *
 * Entries are compared by id: added (an id only in NEW), removed (only in
 * OLD), changed (same id, another type, value or category). Then the
 * counts per type and per category of both, and the change of the entry
 * count in percent, computed as the change guardrail computes it
 * (trust.c: |new - old| * 100 / old, rounded up), which list_max_change
 * is compared with. Exit 0 when the two lists have the same entries, 1
 * when they differ, 2 on a usage error or a list that cannot be read or
 * verified.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "policy/list.h"
#include "core/conf.h"
#include "trust/guard.h"
#include "trust/sig.h"
#include "trust/trust.h"

#define DIFF_MAX_KEYS 32

static int
diff_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto list diff [-k KEY ...] [--summary] OLD.json NEW.json\n\n"
	    "Compare two lists by entry id: entries added, removed and changed\n"
	    "(type, value or category), the counts per type and category, and the\n"
	    "change of the entry count in percent as the change guardrail\n"
	    "(list_max_change) computes it. Exit 0 when the entries are the same,\n"
	    "1 when they differ, 2 on an error.\n\n"
	    "  -k, --key KEY   verify OLD.minisig and NEW.minisig first (repeatable)\n"
	    "      --summary   the counts only, not every changed entry\n"
	    "  -h, --help      this text\n");
	return rc;
}

static int
cmp_id(const void *a, const void *b)
{
	const struct list_entry *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

static const struct list_entry **
by_id(const struct list *l)
{
	const struct list_entry **v = xcalloc(l->nentries ? l->nentries : 1,
	    sizeof(*v));

	for (size_t i = 0; i < l->nentries; i++)
		v[i] = &l->entries[i];
	qsort(v, l->nentries, sizeof(*v), cmp_id);
	return v;
}

static const char *
cat_of(const struct list *l, const struct list_entry *e)
{
	return e->cat < l->ncats ? l->cats[e->cat].id : "-";
}

static bool
same_entry(const struct list *a, const struct list_entry *x,
    const struct list *b, const struct list_entry *y)
{
	return x->type == y->type && strcmp(x->value, y->value) == 0 &&
	    strcmp(cat_of(a, x), cat_of(b, y)) == 0;
}

static void
entry_line(FILE *out, char sign, const struct list *l,
    const struct list_entry *e)
{
	fprintf(out, "%c %s %s %s %s\n", sign, e->id, list_type_name(e->type),
	    e->value, cat_of(l, e));
}

struct diffcount {
	size_t added, removed, changed;
};

/* Walk both lists in id order; print each difference when out != NULL
 * (at most `max' of them). */
static struct diffcount
diff_walk(const struct list *a, const struct list *b, FILE *out, size_t max)
{
	const struct list_entry **x = by_id(a), **y = by_id(b);
	struct diffcount d = {0, 0, 0};
	size_t i = 0, j = 0, shown = 0;

	while (i < a->nentries || j < b->nentries) {
		int c = i == a->nentries ? 1 : j == b->nentries ? -1 :
		    strcmp(x[i]->id, y[j]->id);
		bool show = out != NULL && shown < max;

		if (c < 0) {
			d.removed++;
			if (show && ++shown)
				entry_line(out, '-', a, x[i]);
			i++;
		} else if (c > 0) {
			d.added++;
			if (show && ++shown)
				entry_line(out, '+', b, y[j]);
			j++;
		} else {
			if (!same_entry(a, x[i], b, y[j])) {
				d.changed++;
				if (show && ++shown)
					fprintf(out, "~ %s %s %s %s -> %s %s %s\n",
					    x[i]->id, list_type_name(x[i]->type),
					    x[i]->value, cat_of(a, x[i]),
					    list_type_name(y[j]->type), y[j]->value,
					    cat_of(b, y[j]));
			}
			i++;
			j++;
		}
	}
	free(x);
	free(y);
	return d;
}

static void
head(FILE *out, const char *label, const struct list *l)
{
	fprintf(out, "%-4s feed %s serial %s: %zu entries (%zu domain, %zu "
	    "host, %zu url)\n", label, l->feed, l->serial, l->nentries,
	    l->count[LIST_DOMAIN], l->count[LIST_HOST], l->count[LIST_URL]);
}

static size_t
count_cat(const struct list *l, const char *cat)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nentries; i++)
		n += strcmp(cat_of(l, &l->entries[i]), cat) == 0;
	return n;
}

static void
per_category(FILE *out, const struct list *a, const struct list *b)
{
	fprintf(out, "by category%*s%10s %10s\n", 9, "", "old", "new");
	for (uint32_t i = 0; i < a->ncats; i++)
		fprintf(out, "  %-18s %10zu %10zu\n", a->cats[i].id,
		    count_cat(a, a->cats[i].id), count_cat(b, a->cats[i].id));
	for (uint32_t i = 0; i < b->ncats; i++)
		if (list_cat_find(a, b->cats[i].id) < 0)
			fprintf(out, "  %-18s %10zu %10zu\n", b->cats[i].id,
			    (size_t)0, count_cat(b, b->cats[i].id));
}

size_t
list_diff_print(const struct list *a, const struct list *b, FILE *out,
    size_t max_lines)
{
	struct diffcount d = diff_walk(a, b, NULL, 0);
	size_t old = a->nentries, new = b->nentries;
	size_t delta = new > old ? new - old : old - new;

	head(out, "old", a);
	head(out, "new", b);
	fprintf(out, "by id        %zu added, %zu removed, %zu changed\n",
	    d.added, d.removed, d.changed);
	if (old == 0)
		fprintf(out, "entry count  0 -> %zu (the change guardrail holds any "
		    "list after an empty one, unless list_max_change allows it)\n", new);
	else
		fprintf(out, "entry count  %zu -> %zu: %s%zu%% (compared with "
		    "list_max_change)\n", old, new, new >= old ? "+" : "-",
		    (delta * 100 + old - 1) / old);
	fprintf(out, "by type%*s%10s %10s\n", 13, "", "old", "new");
	for (int t = 0; t < LIST_NTYPES; t++)
		fprintf(out, "  %-18s %10zu %10zu\n", list_type_name(t),
		    a->count[t], b->count[t]);
	per_category(out, a, b);
	if (max_lines > 0 && d.added + d.removed + d.changed > 0)
		diff_walk(a, b, out, max_lines);
	if (d.added + d.removed + d.changed > max_lines && max_lines > 0)
		fprintf(out, "... %zu more (veto list diff shows them all)\n",
		    d.added + d.removed + d.changed - max_lines);
	return d.added + d.removed + d.changed;
}

static struct list *
diff_load(const char *path, const struct sig_keyring *ring)
{
	struct list_limits lim = {TRUST_DEFAULT_MAX_BYTES, TRUST_DEFAULT_MAX_ENTRIES};
	char sigpath[4096];
	uint8_t *buf, *sig;
	size_t len, siglen;
	struct verr e;
	struct list *l = NULL;

	if (file_read(path, lim.max_bytes, &buf, &len, &e) == -1) {
		fprintf(stderr, "veto list diff: %s\n", e.msg);
		return NULL;
	}
	if (ring->n > 0) {
		snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
		if (file_read(sigpath, SIG_FILE_MAX, &sig, &siglen, &e) == -1) {
			fprintf(stderr, "veto list diff: %s\n", e.msg);
			free(buf);
			return NULL;
		}
		if (sig_verify(ring, buf, len, sig, siglen, 0, NULL, &e) == -1) {
			fprintf(stderr, "veto list diff: %s: %s\n", sigpath, e.msg);
			free(sig);
			free(buf);
			return NULL;
		}
		free(sig);
	}
	if ((l = list_parse(buf, len, &lim, &e)) == NULL)
		fprintf(stderr, "veto list diff: %s: %s\n", path, e.msg);
	free(buf);
	return l;
}

int
list_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"summary", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sig_keyring ring = {.n = 0};
	struct list *a = NULL, *b = NULL;
	bool summary = false;
	struct verr e;
	int ch, rc = 2;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (sig_keyring_add_arg(&ring, optarg, &e) == -1) {
				fprintf(stderr, "veto list diff: -k %s: %s\n", optarg, e.msg);
				return 2;
			}
			break;
		case 's':
			summary = true;
			break;
		case 'h':
			return diff_usage(stdout, 0);
		default:
			return diff_usage(stderr, 2);
		}
	}
	if (argc - optind != 2)
		return diff_usage(stderr, 2);
	if ((a = diff_load(argv[optind], &ring)) != NULL &&
	    (b = diff_load(argv[optind + 1], &ring)) != NULL)
		rc = list_diff_print(a, b, stdout, summary ? 0 : SIZE_MAX) ? 1 : 0;
	list_free(a);
	list_free(b);
	if (fflush(stdout) != 0)
		rc = 2;
	return rc;
}

/* --- the summary before `veto list confirm` ----------------------------------- */

static struct list *
held_load(struct trust_feed *t, const struct trust_params *p,
    const char *serial)
{
	char path[4096];
	uint8_t *buf = NULL, *sig = NULL;
	size_t len, siglen;
	struct verr e;
	struct list *l = NULL;

	if (trust_dir(t) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/held/%s.json", trust_dir(t), serial);
	if (file_read(path, p->limits.max_bytes, &buf, &len, &e) == 0) {
		size_t n = strlen(path);

		snprintf(path + n, sizeof(path) - n, ".minisig");
		if (file_read(path, SIG_FILE_MAX, &sig, &siglen, &e) == 0 &&
		    sig_verify(&p->keys, buf, len, sig, siglen, p->sig_flags,
		    NULL, &e) == 0)
			l = list_parse(buf, len, &p->limits, &e);
	}
	free(buf);
	free(sig);
	return l;
}

static void
preview_feed(const struct conf *c, const struct feed_conf *f,
    const struct guard *g, const char *serial)
{
	struct trust_params p;
	struct trust_feed *t;
	struct list *old = NULL, *held;
	struct list empty;
	struct sig_info si;
	struct verr e;

	if (trust_params_from_conf(c, f, g, &p, &e) == -1)
		return;
	p.read_only = true;
	if ((t = trust_open(&p, &e)) == NULL)
		return;
	if ((held = held_load(t, &p, serial)) != NULL) {
		if (trust_load_good(t, &old, &si, &e) == -1)
			old = NULL;
		memset(&empty, 0, sizeof(empty));
		empty.feed = empty.serial = "(none in force)";
		printf("feed %s: held list %s against the list in force:\n",
		    f->name, serial);
		list_diff_print(old ? old : &empty, held, stdout, 20);
		fflush(stdout);
		list_free(old);
		list_free(held);
	}
	trust_close(t);
}

void
list_confirm_preview(const struct conf *c, const char *serial,
    const char *feed)
{
	struct guard *g;
	struct verr e;

	if ((g = guard_new(NULL, &e)) == NULL)
		return;
	for (unsigned i = 0; i < c->nfeeds; i++)
		if (feed == NULL || strcmp(c->feeds[i].name, feed) == 0)
			preview_feed(c, &c->feeds[i], g, serial);
	guard_free(g);
}
