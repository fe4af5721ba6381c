/* rpz.c - the lists in force as a Response Policy Zone; see rpz.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/rpz.h"
#include "core/veto.h"

static const char *const action_names[] = {"nxdomain", "nodata", "stoppage"};

int
rpz_action_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (int)i;
	return -1;
}

int
rpz_origin_set(struct rpz_opts *o, const char *name, struct verr *e)
{
	int n = norm_name(name, strlen(name), o->origin);

	if (n <= 0 || norm_is_ip_literal(o->origin, (size_t)n)) {
		verr_set(e, "RPZ origin `%s' is not a valid domain name", name);
		return -1;
	}
	return 0;
}

int
rpz_opts_from_conf(const struct conf *c, struct rpz_opts *o, struct verr *e)
{
	memset(o, 0, sizeof(*o));
	o->action = c->rpz_action;
	o->ttl = c->dns_ttl;
	o->has_stop4 = c->has_stop4;
	o->has_stop6 = c->has_stop6;
	o->stop4 = c->stop4;
	o->stop6 = c->stop6;
	if (rpz_origin_set(o, c->rpz_origin, e) == -1)
		return -1;
	if (o->action == RPZ_ACTION_STOPPAGE && !o->has_stop4 && !o->has_stop6) {
		verr_set(e, "rpz_action stoppage needs stop_page_ipv4 or "
		    "stop_page_ipv6 (the stop page's address as local data)");
		return -1;
	}
	return 0;
}

/* A decimal serial modulo 2^32. */
static uint32_t
serial_mod32(const char *s)
{
	uint32_t v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint32_t)(*s - '0');
	return v;
}

uint32_t
rpz_serial(const struct policy *p)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < p->nfeeds; i++)
		if (p->feeds[i].enforced && p->feeds[i].list != NULL)
			sum += serial_mod32(p->feeds[i].list->serial);
	return sum;
}

/* Text from a list (ids, feed ids, categories) inside a comment: printable
 * ASCII only, so a newline in an id can never start a record. */
static void
put_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		putc(*s > 0x20 && *s < 0x7f && *s != ';' ? *s : '?', f);
}

static void
header(FILE *f, const struct policy *p, const struct rpz_opts *o,
    time_t now, uint32_t serial)
{
	char when[32], exp[32];

	time_format_rfc3339(now, when);
	fprintf(f, "; veto %s RPZ zone %s., written %s, action %s\n"
	    "; the lists in force (verified, not disabled by expiry):\n",
	    VETO_VERSION, o->origin, when, action_names[o->action]);
	for (unsigned i = 0; i < p->nfeeds; i++) {
		const struct policy_feed *pf = &p->feeds[i];

		fprintf(f, ";   feed ");
		put_safe(f, pf->fc->name);
		if (pf->list == NULL || !pf->enforced) {
			fprintf(f, ": not in the zone (%s)\n",
			    feed_health_name(pf->health));
			continue;
		}
		time_format_rfc3339(pf->list->expires, exp);
		fprintf(f, ": list feed=");
		put_safe(f, pf->list->feed);
		fprintf(f, " serial=");
		put_safe(f, pf->list->serial);
		fprintf(f, " entries=%zu expires=%s (%s)\n", pf->list->nentries,
		    exp, feed_health_name(pf->health));
	}
	fprintf(f, "$TTL %llu\n$ORIGIN %s.\n"
	    "@ SOA localhost. hostmaster.localhost. %lu 3600 600 864000 %llu\n"
	    "@ NS localhost.\n", (unsigned long long)o->ttl, o->origin,
	    (unsigned long)serial, (unsigned long long)o->ttl);
}

struct walk {
	FILE *f;
	const struct policy *p;
	const struct rpz_opts *o;
	struct rpz_stats *st;
	size_t maxname;		/* longest name that fits with the origin */
	bool name_done, wild_done;
};

static void
comment(struct walk *w, const struct match_result *r)
{
	const struct list *l = w->p->feeds[r->feed].list;

	fputs(" ; feed=", w->f);
	put_safe(w->f, l->feed);
	fputs(" id=", w->f);
	put_safe(w->f, r->id);
	fputs(" cat=", w->f);
	put_safe(w->f, r->cat < l->ncats ? l->cats[r->cat].id : "?");
	putc('\n', w->f);
}

static void
record(struct walk *w, bool wild, const char *key, size_t keylen,
    const struct match_result *r)
{
	char a[INET6_ADDRSTRLEN];
	const char *prefix = wild ? "*." : "";

	switch (w->o->action) {
	case RPZ_ACTION_NXDOMAIN:
	case RPZ_ACTION_NODATA:
		fprintf(w->f, "%s%.*s CNAME %s", prefix, (int)keylen, key,
		    w->o->action == RPZ_ACTION_NXDOMAIN ? "." : "*.");
		comment(w, r);
		break;
	case RPZ_ACTION_STOPPAGE:
		if (w->o->has_stop4) {
			inet_ntop(AF_INET, &w->o->stop4, a, sizeof(a));
			fprintf(w->f, "%s%.*s A %s", prefix, (int)keylen, key, a);
			comment(w, r);
		}
		if (w->o->has_stop6) {
			inet_ntop(AF_INET6, &w->o->stop6, a, sizeof(a));
			fprintf(w->f, "%s%.*s AAAA %s", prefix, (int)keylen, key, a);
			comment(w, r);
		}
		break;
	}
}

/* One entry of the matcher: host entries come first on a key, then
 * domain, then url (match.c), each in feed order, so the first host entry
 * names `name` (host wins over domain for the same name, as in vetod) and
 * the first domain entry `*.name` (and `name` when no host entry did). */
static int
walk_entry(void *arg, const char *key, size_t keylen, bool first,
    const struct match_result *r)
{
	struct walk *w = arg;

	if (first)
		w->name_done = w->wild_done = false;
	if (r->type == LIST_URL) {
		w->st->skipped_url++;
		return 0;
	}
	if (w->name_done && (r->type == LIST_HOST || w->wild_done))
		return 0;
	if (r->type == LIST_HOST && norm_is_ip_literal(key, keylen)) {
		w->st->skipped_ip++;
		w->name_done = true;
		return 0;
	}
	if (keylen > w->maxname || (r->type == LIST_DOMAIN &&
	    keylen + 2 > w->maxname)) {
		w->st->skipped_long++;
		w->name_done = w->wild_done = true;
		return 0;
	}
	if (!w->name_done) {
		record(w, false, key, keylen, r);
		w->st->names++;
		w->name_done = true;
	}
	if (r->type == LIST_DOMAIN) {
		record(w, true, key, keylen, r);
		w->st->wildcards++;
		w->wild_done = true;
	}
	return ferror(w->f) ? -1 : 0;
}

int
rpz_write(FILE *f, const struct policy *p, const struct rpz_opts *o,
    time_t now, struct rpz_stats *st, struct verr *e)
{
	struct walk w = {f, p, o, st, 0, false, false};
	long start = ftell(f);

	memset(st, 0, sizeof(*st));
	st->serial = rpz_serial(p);
	/* name + "." + origin within NORM_NAME_MAX */
	w.maxname = strlen(o->origin) + 1 < NORM_NAME_MAX ?
	    NORM_NAME_MAX - strlen(o->origin) - 1 : 0;
	header(f, p, o, now, st->serial);
	matcher_walk(p->matcher, walk_entry, &w);
	if (fflush(f) == EOF || ferror(f)) {
		verr_set(e, "write: %s", strerror(errno));
		return -1;
	}
	if (start >= 0 && ftell(f) >= start)
		st->bytes = (size_t)(ftell(f) - start);
	return 0;
}

int
rpz_write_file(const char *path, const struct policy *p,
    const struct rpz_opts *o, time_t now, struct rpz_stats *st,
    struct verr *e)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    sizeof(tmp)) {
		verr_set(e, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		verr_set(e, "%s: create temporary file: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) == -1 || (f = fdopen(fd, "w")) == NULL) {
		verr_set(e, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (rpz_write(f, p, o, now, st, e) == -1 ||
	    (fsync(fd) == -1 && (verr_set(e, "fsync: %s", strerror(errno)), 1))) {
		verr_prefix(e, "%s", tmp);
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) == EOF) {
		verr_set(e, "%s: close: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		verr_set(e, "%s: rename: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return file_sync_dir(path, e);	/* the rename made durable */
}
