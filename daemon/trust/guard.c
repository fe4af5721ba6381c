/* guard.c - guardrails: public suffixes (libpsl) and never-block names.
 * See guard.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>

#include "core/strset.h"
#include "trust/guard.h"
#include "policy/norm.h"

struct guard {
	psl_ctx_t *psl;
	bool psl_owned;
	bool prefilter;		/* rules/wild/slow_tld are complete */
	struct strset rules;	/* bodies of every rule ("co.uk", "ck" of "*.ck") */
	struct strset wild;	/* parents of wildcard rules ("ck") */
	struct strset slow_tld;	/* TLDs with non-ASCII rules: always ask libpsl */
	struct strset never;	/* never-block names */
	struct strset parents;	/* proper parents of never-block names -> name */
	struct arena *mem;
};

/* --- the public suffix list ----------------------------------------------- */

static bool
ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Add a rule body (ASCII) to the prefilter sets. */
static bool
prefilter_add(struct guard *g, const char *body, bool wild)
{
	if (!strset_add(&g->rules, g->mem, body, strlen(body), NULL, NULL))
		return false;
	return !wild || strset_add(&g->wild, g->mem, body, strlen(body), NULL, NULL);
}

/* A rule with non-ASCII labels: add its punycode form under every IDNA
 * flavour libpsl may have used (a superset is harmless: the prefilter
 * only decides what to ask libpsl). If none converts, names under its TLD
 * always go to libpsl. */
static bool
prefilter_idn(struct guard *g, const char *body, bool wild)
{
	static const int flavours[] = {IDN2_NFC_INPUT,
		IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL,
		IDN2_NFC_INPUT | IDN2_TRANSITIONAL};
	const char *dot = strrchr(body, '.'), *tld = dot ? dot + 1 : body;
	bool any = false;
	char *out;

	for (size_t i = 0; i < ARRAY_LEN(flavours); i++) {
		out = NULL;
		if (idn2_lookup_u8((const uint8_t *)body, (uint8_t **)&out,
		    flavours[i]) != IDN2_OK)
			continue;
		any = true;
		for (char *p = out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!prefilter_add(g, out, wild)) {
			idn2_free(out);
			return false;
		}
		idn2_free(out);
	}
	if (any)
		return true;
	if (ascii(tld, strlen(tld)))
		return strset_add(&g->slow_tld, g->mem, tld, strlen(tld), NULL, NULL);
	out = NULL;
	if (idn2_lookup_u8((const uint8_t *)tld, (uint8_t **)&out,
	    IDN2_NFC_INPUT) != IDN2_OK)
		return false;	/* disables the prefilter */
	any = strset_add(&g->slow_tld, g->mem, out, strlen(out), NULL, NULL);
	idn2_free(out);
	return any;
}

/* One rule of the .dat file into the prefilter sets. */
static bool
prefilter_rule(struct guard *g, char *rule)
{
	char *body = rule;
	bool wild = false;

	if (*body == '!')
		body++;
	else if (strncmp(body, "*.", 2) == 0) {
		body += 2;
		wild = true;
	}
	if (*body == '\0' || strchr(body, '*') != NULL)
		return false;	/* a rule shape libpsl may know and we do not */
	for (char *p = body; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!ascii(body, strlen(body)))
		return prefilter_idn(g, body, wild);
	return prefilter_add(g, body, wild);
}

/* Read the .dat file for the prefilter. Any surprise disables the
 * prefilter (every name then goes to libpsl), never the check itself. */
static void
prefilter_load(struct guard *g, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (f == NULL)
		return;
	g->prefilter = true;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *end;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			g->prefilter = false;	/* a line longer than we read */
			break;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '\n' || *s == '\r' || strncmp(s, "//", 2) == 0)
			continue;
		for (end = s; *end && !isspace((unsigned char)*end); end++)
			;
		*end = '\0';
		if (!prefilter_rule(g, s)) {
			g->prefilter = false;
			break;
		}
	}
	if (ferror(f))
		g->prefilter = false;
	fclose(f);
}

static int
psl_open(struct guard *g, struct verr *e)
{
	if ((g->psl = psl_load_file(GUARD_PSL_FILE)) != NULL) {
		g->psl_owned = true;
		prefilter_load(g, GUARD_PSL_FILE);
		return 0;
	}
	if ((g->psl = psl_latest(NULL)) != NULL) {
		g->psl_owned = true;
		return 0;
	}
	if ((g->psl = (psl_ctx_t *)psl_builtin()) != NULL)
		return 0;
	verr_set(e, "no public suffix list: install the publicsuffix package "
	    "(%s)", GUARD_PSL_FILE);
	return -1;
}

/* --- the never-block file ------------------------------------------------- */

static bool
never_add(struct guard *g, const char *name, size_t n)
{
	const char *stored;

	if (!strset_add(&g->never, g->mem, name, n, NULL, NULL))
		return false;
	stored = strset_find(&g->never, name, n)->key;
	for (const char *p = memchr(name, '.', n); p != NULL;
	    p = memchr(p + 1, '.', n - (size_t)(p + 1 - name)))
		if (!strset_add(&g->parents, g->mem, p + 1,
		    n - (size_t)(p + 1 - name), stored, NULL))
			return false;
	return true;
}

static int
never_parse(struct guard *g, const char *text, size_t len, const char *fname,
    struct verr *e)
{
	const char *p = text, *end = text + len;
	char name[NORM_NAME_MAX + 1], q[128];
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *s, *t;
		const char *le = nl ? nl : end;
		int r;

		lineno++;
		s = p;
		p = nl ? nl + 1 : end;
		t = memchr(s, '#', (size_t)(le - s));
		if (t != NULL)
			le = t;
		while (s < le && isspace((unsigned char)*s))
			s++;
		while (le > s && isspace((unsigned char)le[-1]))
			le--;
		if (s == le)
			continue;
		if ((r = norm_name(s, (size_t)(le - s), name)) < 0) {
			str_quote(q, sizeof(q), s, MIN((size_t)(le - s), (size_t)100));
			verr_set(e, "%s:%d: `%s' is not a valid name", fname, lineno, q);
			return -1;
		}
		if (!never_add(g, name, (size_t)r)) {
			verr_set(e, "%s: out of memory", fname);
			return -1;
		}
	}
	return 0;
}

struct guard *
guard_new_text(const char *text, size_t len, const char *name, struct verr *e)
{
	struct guard *g = calloc(1, sizeof(*g));

	if (g == NULL || (g->mem = arena_new(65536)) == NULL) {
		free(g);
		verr_set(e, "out of memory");
		return NULL;
	}
	if (psl_open(g, e) == -1 ||
	    (text != NULL && never_parse(g, text, len, name, e) == -1)) {
		guard_free(g);
		return NULL;
	}
	return g;
}

struct guard *
guard_new(const char *never_block_file, struct verr *e)
{
	struct guard *g;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (never_block_file != NULL &&
	    file_read(never_block_file, GUARD_NEVER_BLOCK_MAX, &buf, &len, e) == -1) {
		verr_prefix(e, "never-block file");
		return NULL;
	}
	g = guard_new_text((const char *)buf, len, never_block_file, e);
	free(buf);
	return g;
}

void
guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	if (g->psl_owned)
		psl_free(g->psl);
	strset_free(&g->rules);
	strset_free(&g->wild);
	strset_free(&g->slow_tld);
	strset_free(&g->never);
	strset_free(&g->parents);
	arena_free(g->mem);
	free(g);
}

size_t
guard_never_block_count(const struct guard *g)
{
	return g->never.n;
}

/* --- checks ----------------------------------------------------------------- */

static bool
maybe_suffix(const struct guard *g, const char *name, size_t n)
{
	const char *dot = memchr(name, '.', n), *tld;

	if (!g->prefilter)
		return true;
	if (strset_find(&g->rules, name, n) != NULL)
		return true;
	if (dot != NULL && strset_find(&g->wild, dot + 1, n - (size_t)(dot + 1 - name)))
		return true;
	tld = name + n;
	while (tld > name && tld[-1] != '.')
		tld--;
	return g->slow_tld.n > 0 &&
	    strset_find(&g->slow_tld, tld, n - (size_t)(tld - name)) != NULL;
}

enum guard_hit
guard_name(const struct guard *g, const char *name, bool parent_too,
    const char **protected)
{
	size_t n = strlen(name);
	const struct strset_slot *s;

	if (norm_is_ip_literal(name, n))
		parent_too = false;	/* an address has no parents */
	else if (n == 0 || memchr(name, '.', n) == NULL)
		return GUARD_TLD;
	else if (maybe_suffix(g, name, n) &&
	    psl_is_public_suffix2(g->psl, name, PSL_TYPE_ANY) == 1)
		return GUARD_PUBLIC_SUFFIX;
	if ((s = strset_find(&g->never, name, n)) != NULL ||
	    (parent_too && (s = strset_find(&g->parents, name, n)) != NULL)) {
		if (protected != NULL)
			*protected = s->val;
		return GUARD_NEVER_BLOCK;
	}
	return GUARD_OK;
}

/* A url entry blocks its whole host when its rest is "/" or ":port/". */
static bool
url_whole_site(const char *rest)
{
	if (*rest == ':') {
		rest++;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	return strcmp(rest, "/") == 0;
}

struct report {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void
report_add(struct report *r, const char *line)
{
	size_t n = strlen(line);

	if (r->oom)
		return;
	if (r->len + n + 2 > r->cap) {
		size_t cap = MAX(r->cap * 2, r->len + n + 4096);
		char *nb = realloc(r->buf, cap);
		if (nb == NULL) {
			r->oom = true;
			return;
		}
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, line, n);
	r->len += n;
	r->buf[r->len++] = '\n';
	r->buf[r->len] = '\0';
}

static void
describe(char *buf, size_t size, size_t i, const struct list_entry *le,
    const char *name, enum guard_hit hit, const char *prot)
{
	char id[LIST_ID_MAX * 4 + 1], v[160], why[NORM_NAME_MAX + 64];

	str_quote(id, sizeof(id), le->id, strlen(le->id));
	str_quote(v, sizeof(v), le->value, MIN(strlen(le->value), (size_t)150));
	if (hit == GUARD_NEVER_BLOCK)
		snprintf(why, sizeof(why), "would block never-block name \"%s\"",
		    prot);
	else if (le->type == LIST_URL)
		snprintf(why, sizeof(why), "covers the whole site of %s, %s", name,
		    hit == GUARD_TLD ? "a top-level domain" : "a public suffix");
	else
		snprintf(why, sizeof(why), "is %s", hit == GUARD_TLD ?
		    "a top-level domain" : "a public suffix");
	snprintf(buf, size, "entry %zu (id \"%s\"): %s \"%s\" %s", i, id,
	    list_type_name(le->type), v, why);
}

long
guard_check(const struct guard *g, const struct list *l, char **report,
    struct verr *e)
{
	struct report r = {NULL, 0, 0, false};
	char host[NORM_NAME_MAX + 3], line[LIST_ID_MAX * 4 + 600];
	size_t bad = 0, shown = 0, elen = 0;
	char summary[VERR_MAX];

	if (report != NULL)
		*report = NULL;
	summary[0] = '\0';
	for (size_t i = 0; i < l->nentries; i++) {
		const struct list_entry *le = &l->entries[i];
		const char *name = le->value, *prot = NULL;
		enum guard_hit hit;

		if (le->type == LIST_URL) {
			if (!url_whole_site(le->value + le->url_host_len))
				continue;
			str_ncopy(host, sizeof(host), le->value, le->url_host_len);
			name = host;
		}
		hit = guard_name(g, name, le->type == LIST_DOMAIN, &prot);
		if (hit == GUARD_OK)
			continue;
		bad++;
		describe(line, sizeof(line), i, le, name, hit, prot);
		if (report != NULL)
			report_add(&r, line);
		if (elen + strlen(line) + 120 < sizeof(summary)) {
			elen += (size_t)snprintf(summary + elen, sizeof(summary) - elen,
			    "%s%s", shown ? "; " : "", line);
			shown++;
		}
	}
	if (r.oom) {
		free(r.buf);
		verr_set(e, "out of memory");
		return -1;
	}
	if (bad > 0) {
		char more[48] = "";
		if (shown < bad)
			snprintf(more, sizeof(more), "; and %zu more", bad - shown);
		verr_set(e, "guardrail: %zu %s would over-block: %s%s", bad,
		    bad == 1 ? "entry" : "entries", summary, more);
		if (report != NULL)
			*report = r.buf;
		else
			free(r.buf);
	}
	return (long)bad;
}
