/*
 * cmd_list_import.c - `veto list import`: a publisher's blocklist in a
 * common format turned into a `veto-list/1` JSON ready for `minisign -S`
 * (issue 17).
 *
 *   veto list import --format hosts|domains|rpz|csv --feed ID --serial N
 *       --authority NAME [--category C] [--expires TIME|Nd]
 *       [--never-block FILE] [--skip-bad] [-o FILE] FILE...
 *
 * Every entry goes through the canonical form the filter uses (norm.c:
 * norm_name, norm_url) and the guardrails vetod applies before it accepts
 * a list (guard.c: no top-level domain, no public suffix, no never-block
 * name), entry by entry, so each refusal names its file and line:
 *
 *   lists.txt:12: `co.uk': a public suffix (it would block every name under it)
 *
 * Any refused line: nothing is written and the exit status is 1, unless
 * --skip-bad (the list is written without them, still exit 0). The list
 * written is parsed and guard-checked again as a whole, as vetod would,
 * before it is written.
 *
 * Formats (`#` comments; rpz: `;`):
 *   hosts    "ADDRESS NAME [NAME ...]": host entries (the address is
 *            ignored; localhost-style names of a hosts file are skipped)
 *   domains  one name per line: domain entries (a leading "*." or "." is
 *            dropped: it means the same)
 *   rpz      a Response Policy Zone: `name` -> host entry, `*.name` (with or
 *            without `name`) -> domain entry, for any blocking action
 *            (CNAME ., CNAME *., local data, rpz-drop.); rpz-passthru. (an
 *            allow rule) and rpz-ip/nsdname/nsip/client-ip triggers are
 *            refused; SOA and NS are skipped
 *   csv      a header row naming the columns, any order, case ignored:
 *            value (or name, domain, host, url): required; type (domain,
 *            host or url; default: url when the value has a '/', else
 *            domain); category (or cat; default --category); id (default
 *            derived from type and value). Fields may be "quoted" with ""
 *            for a quote inside.
 *
 * Ids: a csv id column is kept (an id used twice is refused); any other
 * entry gets "v" + 16 hex digits of SHA-256(type ":" value), so the same
 * entry keeps its id from one import to the next and `veto list diff`
 * compares like with like. A duplicate (same type and value) is dropped,
 * and so is a host entry whose name a domain entry covers exactly.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "cmd.h"
#include "policy/list.h"
#include "policy/norm.h"
#include "trust/guard.h"
#include "trust/trust.h"

#define IMP_DEFAULT_DAYS 30

enum imp_format { F_HOSTS, F_DOMAINS, F_RPZ, F_CSV };
static const char *const format_names[] = {"hosts", "domains", "rpz", "csv"};

struct imp_entry {
	char *id;		/* NULL: derived */
	char *value;		/* canonical */
	uint32_t cat;
	uint8_t type;
	bool dropped;
	size_t order;
};

struct imp {
	int format;
	const char *feed, *serial, *authority, *category, *expires, *output;
	const char *never_block;
	bool skip_bad;
	struct guard *g;
	struct imp_entry *e;
	size_t n, cap;
	char *cats[LIST_MAX_CATS];
	uint32_t ncats;
	size_t refused, duplicates, covered, lines;
	/* rpz */
	char origin[NORM_NAME_MAX + 2];
	char prev_owner[2 * NORM_NAME_MAX + 4];
	/* csv */
	int col_value, col_type, col_cat, col_id;
	bool have_header;
};

static int
import_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto list import --format hosts|domains|rpz|csv --feed ID --serial N\n"
	    "           --authority NAME [--category C] [--expires TIME|Nd]\n"
	    "           [--never-block FILE] [--skip-bad] [-o FILE] FILE...\n\n"
	    "Turn a blocklist into a veto-list/1 JSON ready for `minisign -S`. Every\n"
	    "entry is put in the canonical form the filter uses and checked by the\n"
	    "guardrails vetod applies (no top-level domain, no public suffix, no\n"
	    "never-block name); each refused line is named with its file and line\n"
	    "number, and then nothing is written (exit 1) unless --skip-bad.\n\n"
	    "  --format F        hosts (host entries), domains (domain entries), rpz\n"
	    "                    (name: host, *.name: domain), csv (header row with\n"
	    "                    columns value|name|domain|host|url, type, category|cat,\n"
	    "                    id; value required)\n"
	    "  --feed ID         the list's feed id (list_feed of the subscribers)\n"
	    "  --serial N        the serial (digits; higher than the last published)\n"
	    "  --authority NAME  the authority's name, shown on the stop page\n"
	    "  --category C      the category of entries that name none (default\n"
	    "                    \"blocked\")\n"
	    "  --expires T       an RFC 3339 time, or Nd days from now (default %dd)\n"
	    "  --never-block F   names no entry may block (as never_block_file)\n"
	    "  --skip-bad        write the list without the refused lines\n"
	    "  -o, --output F    write F (atomically) instead of standard output\n"
	    "  -h, --help        this text\n", IMP_DEFAULT_DAYS);
	return rc;
}

/* --- collecting entries ----------------------------------------------------- */

static void
refuse(struct imp *im, const char *file, size_t line, const char *raw,
    size_t len, const char *why)
{
	char q[200];

	str_quote(q, sizeof(q), raw, len);
	fprintf(stderr, "%s:%zu: `%s': %s\n", file, line, q, why);
	im->refused++;
}

static int
cat_index(struct imp *im, const char *name, size_t len)
{
	for (uint32_t i = 0; i < im->ncats; i++)
		if (strlen(im->cats[i]) == len && memcmp(im->cats[i], name, len) == 0)
			return (int)i;
	if (im->ncats == LIST_MAX_CATS)
		return -1;
	im->cats[im->ncats] = xcalloc(1, len + 1);
	memcpy(im->cats[im->ncats], name, len);
	return (int)im->ncats++;
}

static bool
url_whole_site(const char *rest)
{
	if (*rest == ':')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			;
	return strcmp(rest, "/") == 0;
}

/* The guardrail's verdict on one canonical entry, NULL if it passes. */
static const char *
guard_why(struct imp *im, int type, const char *name, char *buf, size_t size)
{
	const char *prot = NULL;

	switch (guard_name(im->g, name, type == LIST_DOMAIN, &prot)) {
	case GUARD_OK:
		return NULL;
	case GUARD_TLD:
		return "a top-level domain (it would block every name under it)";
	case GUARD_PUBLIC_SUFFIX:
		return "a public suffix (it would block every name under it)";
	case GUARD_NEVER_BLOCK:
		snprintf(buf, size, "it would block never-block name %s",
		    prot ? prot : "?");
		return buf;
	}
	return "refused by the guardrails";
}

/* Canonicalise, check, append. raw is len bytes. */
static void
add(struct imp *im, const char *file, size_t line, int type, const char *raw,
    size_t len, const char *cat, size_t catlen, const char *id, size_t idlen)
{
	char name[NORM_NAME_MAX + 1], why[NORM_NAME_MAX + 64], *value;
	const char *bad = NULL, *host = name;
	struct norm_url u;
	int n, c;

	if (type == LIST_URL) {
		if (norm_url(raw, len, &u) < 0)
			{ refuse(im, file, line, raw, len, "not a valid URL"); return; }
		/* the scheme kept as written: https:// says the path is never
		 * visible to the filter (`veto list show` counts those) */
		const char *scheme = len >= 8 && !strncasecmp(raw, "https://", 8) ?
		    "https://" : "http://";
		size_t sl = strlen(scheme);

		value = xcalloc(1, sl + u.hostlen + u.restlen + 1);
		memcpy(value, scheme, sl);
		memcpy(value + sl, u.host, u.hostlen);
		memcpy(value + sl + u.hostlen, u.rest, u.restlen);
		str_ncopy(name, sizeof(name), u.host, u.hostlen);
		if (url_whole_site(u.rest))
			bad = guard_why(im, LIST_HOST, host, why, sizeof(why));
	} else {
		if ((n = norm_name(raw, len, name)) < 0)
			{ refuse(im, file, line, raw, len, "not a valid name"); return; }
		if (type == LIST_DOMAIN && norm_is_ip_literal(name, (size_t)n))
			{ refuse(im, file, line, raw, len, "an IP address: "
			    "a domain entry needs a name (use a host entry)"); return; }
		value = xstrdup(name);
		bad = guard_why(im, type, name, why, sizeof(why));
	}
	if (bad != NULL) {
		free(value);
		{ refuse(im, file, line, raw, len, bad); return; }
	}
	if ((c = cat_index(im, cat, catlen)) < 0) {
		free(value);
		{ refuse(im, file, line, raw, len, "too many categories"); return; }
	}
	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 4096;
		im->e = xrealloc(im->e, im->cap * sizeof(*im->e));
	}
	im->e[im->n] = (struct imp_entry){NULL, value, (uint32_t)c,
	    (uint8_t)type, false, im->n};
	if (id != NULL && idlen > 0) {
		im->e[im->n].id = xcalloc(1, idlen + 1);
		memcpy(im->e[im->n].id, id, idlen);
	}
	im->n++;
}

static void
add_default(struct imp *im, const char *file, size_t line, int type,
    const char *raw, size_t len)
{
	add(im, file, line, type, raw, len, im->category, strlen(im->category),
	    NULL, 0);
}

/* --- formats ---------------------------------------------------------------- */

static const char *const hosts_skip[] = {"localhost", "localhost.localdomain",
    "local", "broadcasthost", "ip6-localhost", "ip6-loopback", "ip6-localnet",
    "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts",
    "0.0.0.0", NULL};

/* The next whitespace-separated token of *p (advanced); NULL at the end. */
static char *
token(char **p, size_t *len)
{
	char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	*p = s;
	while (**p != '\0' && **p != ' ' && **p != '\t')
		(*p)++;
	*len = (size_t)(*p - s);
	return s;
}

static void
cut_comment(char *line, char c)
{
	char *h = strchr(line, c);

	if (h != NULL)
		*h = '\0';
}

static void
line_hosts(struct imp *im, const char *file, size_t ln, char *line)
{
	char *p = line, *t;
	size_t len;
	bool first = true;

	cut_comment(line, '#');
	while ((t = token(&p, &len)) != NULL) {
		bool skip = false;

		if (first) {	/* the address */
			first = false;
			continue;
		}
		for (int i = 0; hosts_skip[i] != NULL; i++)
			skip |= strlen(hosts_skip[i]) == len &&
			    strncasecmp(hosts_skip[i], t, len) == 0;
		if (!skip)
			add_default(im, file, ln, LIST_HOST, t, len);
	}
}

static void
line_domains(struct imp *im, const char *file, size_t ln, char *line)
{
	char *p = line, *t, *extra;
	size_t len, elen;

	cut_comment(line, '#');
	if ((t = token(&p, &len)) == NULL)
		return;
	if ((extra = token(&p, &elen)) != NULL) {
		refuse(im, file, ln, extra, elen, "a second name on the line "
		    "(domains: one name per line)");
		return;
	}
	if (len > 2 && t[0] == '*' && t[1] == '.') {	/* the same entry */
		t += 2;
		len -= 2;
	} else if (len > 1 && t[0] == '.') {
		t++;
		len--;
	}
	add_default(im, file, ln, LIST_DOMAIN, t, len);
}

static bool
tok_is(const char *t, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(t, w, len) == 0;
}

/* An RPZ record: OWNER [TTL] [CLASS] TYPE RDATA. */
static void
line_rpz(struct imp *im, const char *file, size_t ln, char *line)
{
	char *p = line, *own, *t, *rd = NULL, trig[2 * NORM_NAME_MAX + 4];
	size_t olen, len, rdlen = 0, ol = strlen(im->origin);
	const char *type = NULL;

	cut_comment(line, ';');
	if (*line == ' ' || *line == '\t') {	/* the previous owner */
		own = im->prev_owner;
		olen = strlen(own);
		if (olen == 0)
			return;
	} else if ((own = token(&p, &olen)) == NULL) {
		return;
	} else {
		str_ncopy(im->prev_owner, sizeof(im->prev_owner), own, olen);
		own = im->prev_owner;
	}
	if (*own == '$') {
		if (tok_is(own, olen, "$ORIGIN") && (t = token(&p, &len)) != NULL)
			str_ncopy(im->origin, sizeof(im->origin), t,
			    len > 0 && t[len - 1] == '.' ? len - 1 : len);
		return;
	}
	while ((t = token(&p, &len)) != NULL) {
		if (isdigit((unsigned char)*t) || tok_is(t, len, "IN"))
			continue;	/* TTL, class */
		type = xcalloc(1, len + 1);
		memcpy((char *)type, t, len);
		rd = token(&p, &rdlen);
		break;
	}
	if (type == NULL) {
		refuse(im, file, ln, own, olen, "not a record (OWNER [TTL] [IN] TYPE DATA)");
		return;
	}
	if (!strcasecmp(type, "SOA") || !strcasecmp(type, "NS") ||
	    !strcasecmp(type, "TXT") || own[0] == '@') {
		free((char *)type);
		return;
	}
	/* the trigger: OWNER relative to the origin, or absolute under it */
	if (olen > 0 && own[olen - 1] == '.') {
		olen--;
		if (olen <= ol + 1 || strncasecmp(own + olen - ol, im->origin, ol) != 0 ||
		    own[olen - ol - 1] != '.') {
			refuse(im, file, ln, own, olen + 1, "outside the zone's origin");
			free((char *)type);
			return;
		}
		olen -= ol + 1;
	}
	str_ncopy(trig, sizeof(trig), own, olen);
	if (strstr(trig, ".rpz-") != NULL || strncmp(trig, "rpz-", 4) == 0) {
		refuse(im, file, ln, own, olen, "not a name trigger (rpz-ip, "
		    "rpz-nsdname, rpz-nsip, rpz-client-ip cannot be expressed)");
	} else if (!strcasecmp(type, "CNAME") && rd != NULL &&
	    tok_is(rd, rdlen, "rpz-passthru.")) {
		refuse(im, file, ln, own, olen, "rpz-passthru. is an allow rule: "
		    "a veto list only blocks");
	} else if (olen > 2 && own[0] == '*' && own[1] == '.') {
		add_default(im, file, ln, LIST_DOMAIN, own + 2, olen - 2);
	} else {
		add_default(im, file, ln, LIST_HOST, own, olen);
	}
	free((char *)type);
}

/* CSV: the fields of a line, in place (quotes removed). */
static int
csv_split(char *line, char **f, size_t *flen, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *o;

		if (n == max)
			return -1;
		f[n] = o = p;
		if (*p == '"') {
			for (p++;; p++) {
				if (*p == '\0')
					return -1;	/* unterminated */
				if (*p == '"' && p[1] == '"') {
					*o++ = '"';
					p++;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*o++ = *p;
				}
			}
			if (*p != ',' && *p != '\0')
				return -1;
		} else {
			while (*p != ',' && *p != '\0')
				*o++ = *p++;
		}
		flen[n] = (size_t)(o - f[n]);
		while (flen[n] > 0 && (f[n][flen[n] - 1] == ' ' || f[n][flen[n] - 1] == '\t'))
			flen[n]--;
		while (flen[n] > 0 && (*f[n] == ' ' || *f[n] == '\t')) {
			f[n]++;
			flen[n]--;
		}
		n++;
		if (*p == '\0')
			return n;
		p++;
	}
}

static int
csv_header(struct imp *im, const char *file, char **f, size_t *fl, int n)
{
	static const char *const vals[] = {"value", "name", "domain", "host", "url", NULL};

	im->col_value = im->col_type = im->col_cat = im->col_id = -1;
	for (int i = 0; i < n; i++) {
		for (int k = 0; vals[k] != NULL; k++)
			if (tok_is(f[i], fl[i], vals[k]) && im->col_value < 0)
				im->col_value = i;
		if (tok_is(f[i], fl[i], "type"))
			im->col_type = i;
		if (tok_is(f[i], fl[i], "category") || tok_is(f[i], fl[i], "cat"))
			im->col_cat = i;
		if (tok_is(f[i], fl[i], "id"))
			im->col_id = i;
	}
	if (im->col_value < 0) {
		fprintf(stderr, "%s:1: the header row names no value column "
		    "(value, name, domain, host or url)\n", file);
		return -1;
	}
	im->have_header = true;
	return 0;
}

static void
line_csv(struct imp *im, const char *file, size_t ln, char *line)
{
	char *f[32];
	size_t fl[32];
	int n = csv_split(line, f, fl, 32), type = -1;

	if (n < 0) {
		refuse(im, file, ln, line, strlen(line), "not a CSV row (an "
		    "unterminated quote, or more than 32 fields)");
		return;
	}
	if (!im->have_header) {
		if (csv_header(im, file, f, fl, n) == -1)
			im->refused++;
		return;
	}
	if (im->col_value >= n || fl[im->col_value] == 0) {
		refuse(im, file, ln, line, strlen(line), "no value");
		return;
	}
	if (im->col_type >= 0 && im->col_type < n && fl[im->col_type] > 0) {
		for (int t = 0; t < LIST_NTYPES; t++)
			if (tok_is(f[im->col_type], fl[im->col_type], list_type_name(t)))
				type = t;
		if (type < 0) {
			refuse(im, file, ln, f[im->col_type], fl[im->col_type],
			    "type is domain, host or url");
			return;
		}
	} else {
		type = memchr(f[im->col_value], '/', fl[im->col_value]) ?
		    LIST_URL : LIST_DOMAIN;
	}
	add(im, file, ln, type, f[im->col_value], fl[im->col_value],
	    im->col_cat >= 0 && im->col_cat < n && fl[im->col_cat] > 0 ?
	    f[im->col_cat] : im->category,
	    im->col_cat >= 0 && im->col_cat < n && fl[im->col_cat] > 0 ?
	    fl[im->col_cat] : strlen(im->category),
	    im->col_id >= 0 && im->col_id < n ? f[im->col_id] : NULL,
	    im->col_id >= 0 && im->col_id < n ? fl[im->col_id] : 0);
}

static int
read_input(struct imp *im, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *line = NULL;
	size_t cap = 0, ln = 0;
	ssize_t len;

	if (f == NULL) {
		fprintf(stderr, "veto list import: %s: %s\n", file, strerror(errno));
		return -1;
	}
	im->have_header = false;
	im->origin[0] = '\0';
	while ((len = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		im->lines++;
		switch (im->format) {
		case F_HOSTS: line_hosts(im, file, ln, line); break;
		case F_DOMAINS: line_domains(im, file, ln, line); break;
		case F_RPZ: line_rpz(im, file, ln, line); break;
		case F_CSV: line_csv(im, file, ln, line); break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

/* --- duplicates, ids ---------------------------------------------------------- */

static int
cmp_entry(const void *a, const void *b)
{
	const struct imp_entry *x = a, *y = b;
	int c = strcmp(x->value, y->value);

	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type == LIST_DOMAIN ? -1 : y->type == LIST_DOMAIN ? 1 :
		    (int)x->type - (int)y->type;
	return x->order < y->order ? -1 : 1;
}

static int
cmp_order(const void *a, const void *b)
{
	const struct imp_entry *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

static int
cmp_id(const void *a, const void *b)
{
	const struct imp_entry *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

static void
derive_id(struct imp_entry *e)
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	char in[NORM_NAME_MAX + NORM_URL_MAX + 16];
	int n = snprintf(in, sizeof(in), "%s:%s", list_type_name(e->type),
	    e->value);
	char *id = xcalloc(1, 18);

	SHA256((const unsigned char *)in, (size_t)n < sizeof(in) ?
	    (size_t)n : sizeof(in) - 1, md);
	id[0] = 'v';
	for (int i = 0; i < 8; i++)
		snprintf(id + 1 + 2 * i, 3, "%02x", md[i]);
	e->id = id;
}

/* Same type and value: keep the first. A host entry equal to a domain
 * entry's name: covered. Sorting puts a name's domain entry first. */
static void
dedupe(struct imp *im)
{
	qsort(im->e, im->n, sizeof(*im->e), cmp_entry);
	for (size_t i = 0; i < im->n;) {
		size_t j = i;
		unsigned seen = 0;

		for (; j < im->n && !strcmp(im->e[j].value, im->e[i].value); j++) {
			struct imp_entry *x = &im->e[j];

			if (seen & (1u << x->type)) {
				x->dropped = true;
				im->duplicates++;
			} else if (x->type == LIST_HOST && (seen & (1u << LIST_DOMAIN))) {
				x->dropped = true;
				im->covered++;
			}
			seen |= 1u << x->type;
		}
		i = j;
	}
	qsort(im->e, im->n, sizeof(*im->e), cmp_order);
	for (size_t i = 0; i < im->n; i++)
		if (!im->e[i].dropped && im->e[i].id == NULL)
			derive_id(&im->e[i]);
}

/* Ids must be unique (a csv may repeat one): refused, with the id. */
static void
check_ids(struct imp *im)
{
	struct imp_entry **v = xcalloc(im->n ? im->n : 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < im->n; i++)
		if (!im->e[i].dropped)
			v[k++] = &im->e[i];
	qsort(v, k, sizeof(*v), cmp_id);
	for (size_t i = 1; i < k; i++) {
		if (strcmp(v[i - 1]->id, v[i]->id) == 0) {
			fprintf(stderr, "veto list import: id `%s' is used by "
			    "`%s' and `%s'\n", v[i]->id, v[i - 1]->value, v[i]->value);
			v[i]->dropped = true;
			im->refused++;
		}
	}
	free(v);
}

/* --- the JSON ------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap * 2 > b->len + n + 4096 ? b->cap * 2 : b->len + n + 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void
buf_json(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		char esc[8];

		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			buf_add(b, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
			buf_str(b, esc);
		} else {
			buf_add(b, s, 1);
		}
	}
	buf_add(b, "\"", 1);
}

static int
expires_at(const char *s, time_t now, time_t *out)
{
	uint64_t days;
	size_t n = s ? strlen(s) : 0;
	char d[32];

	if (s == NULL) {
		*out = now + IMP_DEFAULT_DAYS * 86400;
		return 0;
	}
	if (n > 1 && n < sizeof(d) && s[n - 1] == 'd') {
		str_ncopy(d, sizeof(d), s, n - 1);
		if (parse_u64(d, 1, 3650, &days)) {
			*out = now + (time_t)days * 86400;
			return 0;
		}
	}
	return time_parse_rfc3339(s, out) ? 0 : -1;
}

static void
write_json(struct imp *im, struct buf *b, time_t issued, time_t expires)
{
	char is[32], ex[32];

	time_format_rfc3339(issued, is);
	time_format_rfc3339(expires, ex);
	buf_str(b, "{\n  \"format\": \"" LIST_FORMAT "\",\n  \"feed\": ");
	buf_json(b, im->feed);
	buf_str(b, ",\n  \"serial\": ");
	buf_json(b, im->serial);
	buf_str(b, ",\n  \"issued\": ");
	buf_json(b, is);
	buf_str(b, ",\n  \"expires\": ");
	buf_json(b, ex);
	buf_str(b, ",\n  \"authority\": {\"name\": ");
	buf_json(b, im->authority);
	buf_str(b, "},\n  \"categories\": {");
	for (uint32_t i = 0; i < im->ncats; i++) {
		buf_str(b, i ? ",\n    " : "\n    ");
		buf_json(b, im->cats[i]);
		buf_str(b, ": {\"label\": ");
		buf_json(b, im->cats[i]);
		buf_str(b, "}");
	}
	buf_str(b, "\n  },\n  \"entries\": [");
	for (size_t i = 0, k = 0; i < im->n; i++) {
		const struct imp_entry *e = &im->e[i];

		if (e->dropped)
			continue;
		buf_str(b, k++ ? ",\n    {\"id\": " : "\n    {\"id\": ");
		buf_json(b, e->id);
		buf_str(b, ", \"type\": \"");
		buf_str(b, list_type_name(e->type));
		buf_str(b, "\", \"value\": ");
		buf_json(b, e->value);
		buf_str(b, ", \"cat\": ");
		buf_json(b, im->cats[e->cat]);
		buf_str(b, "}");
	}
	buf_str(b, "\n  ]\n}\n");
}

/* The list as vetod would read it: parsed, every entry guard-checked. */
static int
verify_output(struct imp *im, const struct buf *b, struct list_limits *lim)
{
	struct verr e;
	struct list *l = list_parse((const uint8_t *)b->p, b->len, lim, &e);
	long bad;

	if (l == NULL) {
		fprintf(stderr, "veto list import: the list would be refused: %s\n",
		    e.msg);
		return -1;
	}
	bad = guard_check(im->g, l, NULL, &e);
	if (bad != 0) {
		fprintf(stderr, "veto list import: the list would be refused: %s\n",
		    e.msg);
		list_free(l);
		return -1;
	}
	fprintf(stderr, "veto list import: feed %s serial %s: %zu entries (%zu "
	    "domain, %zu host, %zu url) in %u categories from %zu lines; %zu "
	    "refused, %zu duplicates and %zu host entries covered by a domain "
	    "entry dropped\n", l->feed, l->serial, l->nentries,
	    l->count[LIST_DOMAIN], l->count[LIST_HOST], l->count[LIST_URL],
	    l->ncats, im->lines, im->refused, im->duplicates, im->covered);
	list_free(l);
	return 0;
}

/* --- the command ------------------------------------------------------------- */

static int
import_args(struct imp *im, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'F'},
		{"feed", required_argument, NULL, 'f'},
		{"serial", required_argument, NULL, 'S'},
		{"authority", required_argument, NULL, 'A'},
		{"category", required_argument, NULL, 'C'},
		{"expires", required_argument, NULL, 'E'},
		{"never-block", required_argument, NULL, 'N'},
		{"skip-bad", no_argument, NULL, 'B'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	im->format = -1;
	im->category = "blocked";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			for (int i = 0; i < (int)ARRAY_LEN(format_names); i++)
				if (strcmp(optarg, format_names[i]) == 0)
					im->format = i;
			if (im->format < 0) {
				fprintf(stderr, "veto list import: --format is "
				    "hosts, domains, rpz or csv, not `%s'\n", optarg);
				return 2;
			}
			break;
		case 'f': im->feed = optarg; break;
		case 'S': im->serial = optarg; break;
		case 'A': im->authority = optarg; break;
		case 'C': im->category = optarg; break;
		case 'E': im->expires = optarg; break;
		case 'N': im->never_block = optarg; break;
		case 'B': im->skip_bad = true; break;
		case 'o': im->output = optarg; break;
		case 'h': return import_usage(stdout, 0) - 1;
		default: return 2;
		}
	}
	if (im->format < 0 || im->feed == NULL || im->serial == NULL ||
	    im->authority == NULL || optind == argc) {
		fprintf(stderr, "veto list import: --format, --feed, --serial, "
		    "--authority and at least one FILE are needed\n");
		return 2;
	}
	if (!is_decimal(im->serial)) {
		fprintf(stderr, "veto list import: --serial is digits, not `%s'\n",
		    im->serial);
		return 2;
	}
	return 0;
}

static void
imp_free(struct imp *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->e[i].id);
		free(im->e[i].value);
	}
	free(im->e);
	for (uint32_t i = 0; i < im->ncats; i++)
		free(im->cats[i]);
	guard_free(im->g);
}

static int
import_write(struct imp *im)
{
	struct list_limits lim = {TRUST_DEFAULT_MAX_BYTES, TRUST_DEFAULT_MAX_ENTRIES};
	struct buf b = {NULL, 0, 0};
	time_t now = time(NULL), exp;
	struct verr e;
	int rc = 1;

	if (expires_at(im->expires, now, &exp) == -1 || exp <= now) {
		fprintf(stderr, "veto list import: --expires is a future RFC 3339 "
		    "time or Nd (days), not `%s'\n", im->expires);
		return 2;
	}
	write_json(im, &b, now, exp);
	if (verify_output(im, &b, &lim) == 0) {
		if (im->output == NULL) {
			rc = fwrite(b.p, 1, b.len, stdout) == b.len &&
			    fflush(stdout) == 0 ? 0 : 1;
			if (rc)
				perror("veto list import: stdout");
		} else if (file_write_atomic(im->output, b.p, b.len, 0644, &e) == -1) {
			fprintf(stderr, "veto list import: %s\n", e.msg);
		} else {
			fprintf(stderr, "veto list import: wrote %s; sign it with "
			    "`minisign -S -s KEY -m %s'\n", im->output, im->output);
			rc = 0;
		}
	}
	free(b.p);
	return rc;
}

int
list_import(int argc, char **argv)
{
	struct imp im;
	struct verr e;
	int rc;

	memset(&im, 0, sizeof(im));
	if ((rc = import_args(&im, argc, argv)) != 0)
		return rc < 0 ? 0 : (import_usage(stderr, 2), 2);
	if ((im.g = guard_new(im.never_block, &e)) == NULL) {
		fprintf(stderr, "veto list import: %s\n", e.msg);
		return 1;
	}
	rc = 1;
	for (int i = optind; i < argc; i++)
		if (read_input(&im, argv[i]) == -1)
			goto done;
	dedupe(&im);
	check_ids(&im);
	if (im.refused > 0 && !im.skip_bad) {
		fprintf(stderr, "veto list import: %zu line%s refused: nothing "
		    "written (--skip-bad writes the list without them)\n",
		    im.refused, im.refused == 1 ? "" : "s");
		goto done;
	}
	if (im.n - im.duplicates - im.covered == 0) {
		fprintf(stderr, "veto list import: no entries\n");
		goto done;
	}
	rc = import_write(&im);
done:
	imp_free(&im);
	return rc;
}
