/* fuzz_match.c - the matcher on fuzz-chosen entries and names, against a
 * naive reference (a linear scan) written here.
 *
 * Input: lines. The first byte c of a line picks what the rest is:
 *   c % 8 = 0, 1  a domain entry     2  a host entry
 *           3     a url entry (host up to the first ':' or '/', or up to
 *                 the ']' of a leading '['; the rest after it)
 *           4..7  a lookup: the rest as a name (match_name), and split at
 *                 its first '/' into host and rest (match_url, IP literal
 *                 if c & 0x40), and the host for match_host_has_urls
 *   feed = (c >> 3) % 3, category = c.
 * NUL bytes read as '.'. A list with an entry the matcher refuses (empty or
 * over-long name, url without a path) must be refused, nothing else. The
 * matcher rebuilt from itself (matcher_rebuild, every feed kept) must
 * answer the same. */
#include "../../daemon/policy/match.c"

#include <assert.h>
#include <stdio.h>

#define MAX_LINES 96
#define NFEEDS 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fentry {
	enum list_entry_type type;
	char *value;
	size_t keylen, vlen;
	char id[16];
	uint32_t cat;
};

struct flist {
	struct fentry e[MAX_LINES];
	unsigned n;
};

static size_t
url_host_len(const char *v, size_t len)
{
	const char *p;

	if (len > 0 && v[0] == '[' && (p = memchr(v, ']', len)) != NULL)
		return (size_t)(p - v) + 1;
	for (size_t i = 0; i < len; i++)
		if (v[i] == ':' || v[i] == '/')
			return i;
	return len;
}

/* The reference. */

struct ref {
	bool found;
	unsigned feed;
	const struct fentry *e;
};

static void
ref_name(const struct flist *fl, const char *name, size_t len, bool exact,
    struct ref *h)
{
	size_t best = 0;
	unsigned brank = 0;

	h->found = false;
	for (unsigned f = 0; f < NFEEDS; f++) {
		for (unsigned i = 0; i < fl[f].n; i++) {
			const struct fentry *e = &fl[f].e[i];
			unsigned rank = e->type == LIST_HOST ? 0 : 1;
			bool cover;

			if (e->type == LIST_URL)
				continue;
			cover = e->vlen == len && memcmp(e->value, name, len) == 0;
			if (!cover && e->type == LIST_DOMAIN && !exact)
				cover = len > e->vlen &&
				    name[len - e->vlen - 1] == '.' &&
				    memcmp(name + len - e->vlen, e->value,
				    e->vlen) == 0;
			if (!cover)
				continue;
			if (h->found && (e->vlen < best ||
			    (e->vlen == best && rank >= brank)))
				continue;
			*h = (struct ref){true, f, e};
			best = e->vlen;
			brank = rank;
		}
	}
}

static bool
ref_covers(const char *rest, size_t elen, const struct norm_url *u)
{
	size_t pathend = MIN(u->pathend, u->restlen);

	if (memchr(rest, '?', elen) != NULL)
		return elen == u->restlen && memcmp(rest, u->rest, elen) == 0;
	if (rest[elen - 1] == '/')
		return pathend >= elen && memcmp(rest, u->rest, elen) == 0;
	return pathend == elen && memcmp(rest, u->rest, elen) == 0;
}

static void
ref_url(const struct flist *fl, const struct norm_url *u, struct ref *h)
{
	size_t best = 0;

	h->found = false;
	for (unsigned f = 0; f < NFEEDS; f++) {
		for (unsigned i = 0; i < fl[f].n; i++) {
			const struct fentry *e = &fl[f].e[i];
			size_t elen = e->vlen - e->keylen;

			if (e->type != LIST_URL || e->keylen != u->hostlen ||
			    memcmp(e->value, u->host, u->hostlen) != 0 ||
			    !ref_covers(e->value + e->keylen, elen, u) ||
			    (h->found && elen <= best))
				continue;
			*h = (struct ref){true, f, e};
			best = elen;
		}
	}
	if (!h->found)
		ref_name(fl, u->host, u->hostlen, u->host_is_ip, h);
}

static bool
ref_has_urls(const struct flist *fl, const char *host, size_t len)
{
	for (unsigned f = 0; f < NFEEDS; f++)
		for (unsigned i = 0; i < fl[f].n; i++)
			if (fl[f].e[i].type == LIST_URL &&
			    fl[f].e[i].keylen == len &&
			    memcmp(fl[f].e[i].value, host, len) == 0)
				return true;
	return false;
}

static void
compare(const struct matcher *m, bool hit, const struct match_result *r,
    const struct ref *h)
{
	struct match_result d;

	assert(hit == h->found);
	if (!hit)
		return;
	assert(r->feed == h->feed);
	assert(strcmp(r->id, h->e->id) == 0);
	assert(r->type == h->e->type);
	assert(r->cat == h->e->cat);
	matcher_entry(m, r->entry, &d);
	assert(d.entry == r->entry && d.feed == r->feed && d.cat == r->cat &&
	    d.type == r->type && strcmp(d.id, r->id) == 0);
}

static void
lookup(const struct matcher *m, const struct flist *fl, const char *s,
    size_t len, bool ip)
{
	static struct norm_url u;
	struct match_result r;
	struct ref h;
	const char *slash = memchr(s, '/', len);
	size_t hostlen = slash ? (size_t)(slash - s) : len;
	const char *q;

	compare(m, match_name(m, s, len, &r), &r, (ref_name(fl, s, len,
	    false, &h), &h));
	if (hostlen >= sizeof(u.host) || len - hostlen + 1 >= sizeof(u.rest))
		return;
	memset(&u, 0, sizeof(u));
	memcpy(u.host, s, hostlen);
	u.hostlen = hostlen;
	if (slash != NULL) {
		u.restlen = len - hostlen;
		memcpy(u.rest, slash, u.restlen);
	} else {
		u.rest[0] = '/';
		u.restlen = 1;
	}
	q = memchr(u.rest, '?', u.restlen);
	u.pathend = q ? (size_t)(q - u.rest) : u.restlen;
	u.has_query = q != NULL;
	u.host_is_ip = ip;
	compare(m, match_url(m, &u, &r), &r, (ref_url(fl, &u, &h), &h));
	assert(match_host_has_urls(m, u.host, u.hostlen) ==
	    ref_has_urls(fl, u.host, u.hostlen));
}

/* The input, split: entries per feed and the names to look up. */
struct input {
	struct flist fl[NFEEDS];
	const char *look[MAX_LINES];
	size_t looklen[MAX_LINES];
	bool lookip[MAX_LINES];
	unsigned nlook;
	bool valid;		/* every entry usable by the matcher */
};

static void
input_line(struct input *in, char *s, size_t len, unsigned line)
{
	uint8_t c = (uint8_t)s[0];
	unsigned kind = c % 8;
	struct flist *fl = &in->fl[(c >> 3) % NFEEDS];
	struct fentry *fe;

	if (kind >= 4) {
		in->look[in->nlook] = s + 1;
		in->looklen[in->nlook] = len - 1;
		in->lookip[in->nlook++] = (c & 0x40) != 0;
		return;
	}
	fe = &fl->e[fl->n++];
	fe->type = kind < 2 ? LIST_DOMAIN : kind == 2 ? LIST_HOST : LIST_URL;
	fe->value = s + 1;
	fe->vlen = len - 1;
	fe->keylen = fe->type == LIST_URL ? url_host_len(fe->value, fe->vlen) :
	    fe->vlen;
	fe->cat = c;
	snprintf(fe->id, sizeof(fe->id), "L%u", line);
	if (fe->keylen == 0 || fe->keylen > KEY_MAX ||
	    (fe->type == LIST_URL && fe->keylen == fe->vlen))
		in->valid = false;
}

static void
input_split(struct input *in, char *buf, size_t size)
{
	unsigned lines = 0;

	in->nlook = 0;
	in->valid = true;
	for (unsigned f = 0; f < NFEEDS; f++)
		in->fl[f].n = 0;
	for (char *s = buf, *nl; s < buf + size && lines < MAX_LINES;
	    s = nl + 1, lines++) {
		nl = memchr(s, '\n', (size_t)(buf + size - s));
		if (nl == NULL)
			nl = buf + size;
		*nl = '\0';
		if (nl != s)
			input_line(in, s, (size_t)(nl - s), lines);
	}
}

/* Every lookup against the reference, on m and on m rebuilt from itself. */
static void
check_matcher(struct matcher *m, const struct input *in)
{
	const struct flist *fl = in->fl;
	size_t total = fl[0].n + fl[1].n + fl[2].n;
	struct list dropped[NFEEDS], *dp[NFEEDS];
	bool keep[NFEEDS] = {true, true, true};
	struct matcher *m2;
	struct verr e;

	assert(matcher_entries(m) == total);
	for (unsigned i = 0; i < in->nlook; i++)
		lookup(m, fl, in->look[i], in->looklen[i], in->lookip[i]);
	for (uint32_t i = 0; i < total; i++) {
		struct match_result r;

		matcher_entry(m, i, &r);
		assert(r.entry == i && r.feed < NFEEDS);
	}
	memset(dropped, 0, sizeof(dropped));
	for (unsigned f = 0; f < NFEEDS; f++)
		dp[f] = &dropped[f];
	m2 = matcher_rebuild(m, dp, keep, NFEEDS, &e);
	assert(m2 != NULL && matcher_entries(m2) == total);
	for (unsigned i = 0; i < in->nlook; i++)
		lookup(m2, fl, in->look[i], in->looklen[i], in->lookip[i]);
	matcher_free(m2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct input in;
	static struct list_entry le[NFEEDS][MAX_LINES];
	struct list lists[NFEEDS], *lp[NFEEDS];
	char *buf = malloc(size + 1);
	struct matcher *m;
	struct verr e = {{0}};

	for (size_t i = 0; i < size; i++)
		buf[i] = data[i] ? (char)data[i] : '.';
	buf[size] = '\0';
	input_split(&in, buf, size);
	memset(lists, 0, sizeof(lists));
	for (unsigned f = 0; f < NFEEDS; f++) {
		const struct flist *fl = &in.fl[f];

		for (unsigned i = 0; i < fl->n; i++)
			le[f][i] = (struct list_entry){.id = fl->e[i].id,
			    .value = fl->e[i].value, .cat = fl->e[i].cat,
			    .type = (uint8_t)fl->e[i].type,
			    .url_host_len = (uint16_t)MIN(fl->e[i].keylen,
			    UINT16_MAX)};
		lists[f].entries = le[f];
		lists[f].nentries = fl->n;
		lp[f] = f == 1 && fl->n == 0 ? NULL : &lists[f];
	}
	m = matcher_build(lp, NFEEDS, &e);
	assert((m != NULL) == in.valid);
	if (m == NULL)
		assert(e.msg[0] != '\0');
	else
		check_matcher(m, &in);
	matcher_free(m);
	free(buf);
	return 0;
}
