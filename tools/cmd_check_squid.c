/*
 * cmd_check_squid.c - `veto check --squid`: Squid's external ACL helper
 * protocol over the lists in force (issue 17), so an enterprise's Squid
 * enforces the same verified list.
 *
 *   external_acl_type veto concurrency=50 ttl=60 %>rm %>ru \
 *       /usr/bin/veto check --squid -l /etc/veto/list.json -k /etc/veto/list.pub
 *   acl veto_blocked external veto
 *   http_access deny veto_blocked
 *
 * Requests, one a line: [CHANNEL] METHOD URL, each value %-escaped by Squid
 * (its default `quote=url`; decoded once here). CHANNEL is present when
 * concurrency > 0 (a number: a method never is) and is echoed first in the
 * reply. A CONNECT request's URL is host:port: the host is checked as a
 * name, as TLS SNI would be (domain and host entries); any other request's
 * URL is checked as a plain HTTP request (domain, host and url entries).
 * Replies:
 *
 *   [CHANNEL] OK message="veto: ID (CATEGORY)" tag=veto-CATEGORY
 *                          blocked: the ACL matches, `http_access deny`
 *                          denies it with Squid's error page (%o shows the
 *                          message) or `deny_info URL` redirects
 *   [CHANNEL] ERR          not on the list
 *   [CHANNEL] ERR message="veto: not a usable URL"   cannot be read
 *   [CHANNEL] BH message="..."                       not a request line
 *
 * Input is read in blocks; every complete line of a block is answered, and
 * the answers are written at once when the block is done, so Squid's
 * concurrent requests cost one read and one write per batch. Nothing is
 * logged: not the URL, not the answer. The lists are loaded once; Squid
 * restarts its helpers on `squid -k reconfigure`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "core/bytes.h"
#include "policy/match.h"
#include "policy/norm.h"
#include "trust/listset.h"

#define SQUID_LINE_MAX 65536	/* a longer request line is answered BH */
#define SQUID_OUT_MAX (1 << 16)

struct squid {
	struct policy *pol;
	struct norm_url url;
	char out[SQUID_OUT_MAX + 1024];
	size_t outlen;
};

static int
squid_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto check --squid (-c CONF | -l LIST [-l LIST ...] "
	    "[-k KEY ...])\n\n"
	    "A Squid external ACL helper: reads `[CHANNEL] METHOD URL' lines (the\n"
	    "format `%%>rm %%>ru', values %%-escaped as Squid sends them) and answers\n"
	    "`[CHANNEL] OK message=\"veto: ID (CATEGORY)\" tag=veto-CATEGORY' for a\n"
	    "blocked request, `[CHANNEL] ERR' otherwise. CONNECT is checked by host\n"
	    "(as TLS would be), other methods by URL (as plain HTTP would be).\n\n"
	    "  -c, --config CONF  the lists vetod would enforce (state_dir must be\n"
	    "                     readable by Squid's user)\n"
	    "  -l, --list LIST    a signed list (repeatable)\n"
	    "  -k, --key KEY      a trusted minisign public key (repeatable)\n"
	    "  -h, --help         this text\n\n"
	    "squid.conf:\n"
	    "  external_acl_type veto concurrency=50 ttl=60 %%>rm %%>ru \\\n"
	    "      /usr/bin/veto check --squid -l LIST -k KEY\n"
	    "  acl veto_blocked external veto\n"
	    "  http_access deny veto_blocked\n");
	return rc;
}

/* %XX decoded in place (Squid's quote=url); returns the new length. */
static size_t
pct_decode(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/* Append to the reply buffer (sized so one reply always fits). */
static void
put(struct squid *q, const char *s, size_t n)
{
	if (q->outlen + n <= sizeof(q->out)) {
		memcpy(q->out + q->outlen, s, n);
		q->outlen += n;
	}
}

static void
puts_q(struct squid *q, const char *s)
{
	put(q, s, strlen(s));
}

/* A value inside message="...": quotes and backslashes escaped. */
static void
put_quoted(struct squid *q, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			put(q, "\\", 1);
		put(q, s, 1);
	}
}

static int
squid_flush(struct squid *q)
{
	size_t off = 0;

	while (off < q->outlen) {
		ssize_t w = write(STDOUT_FILENO, q->out + off, q->outlen - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	q->outlen = 0;
	return 0;
}

static const char *
cat_of(const struct policy *p, const struct match_result *r)
{
	const struct list *l = r->feed < p->nfeeds ? p->feeds[r->feed].list : NULL;

	return l != NULL && r->cat < l->ncats ? l->cats[r->cat].id : "-";
}

/* METHOD and URL (decoded) -> the matcher's answer. -1: not usable. */
static int
squid_match(struct squid *q, const char *method, char *url, size_t len,
    struct match_result *r)
{
	const struct matcher *m = q->pol->matcher;

	if (strcmp(method, "CONNECT") == 0) {
		/* host:port; an IPv6 literal ([..]:443) is no name: -1 */
		char name[NORM_NAME_MAX + 1];
		char *colon = memrchr(url, ':', len);
		size_t hlen = colon != NULL ? (size_t)(colon - url) : len;
		int n = norm_name(url, hlen, name);

		if (n < 0)
			return -1;
		return match_name(m, name, (size_t)n, r) ? 1 : 0;
	}
	if (norm_url(url, len, &q->url) < 0)
		return -1;
	return match_url(m, &q->url, r) ? 1 : 0;
}

/* One request line (NUL-terminated, no newline): its reply appended. */
static void
squid_line(struct squid *q, char *line)
{
	char *tok[4], *save = line;
	unsigned n = 0;
	struct match_result r;
	int hit;

	while (n < 4 && (tok[n] = strsep(&save, " \t")) != NULL)
		if (*tok[n] != '\0')
			n++;
	if (n > 0 && tok[0][0] >= '0' && tok[0][0] <= '9' &&
	    strspn(tok[0], "0123456789") == strlen(tok[0])) {
		puts_q(q, tok[0]);	/* the channel id */
		put(q, " ", 1);
		memmove(tok, tok + 1, sizeof(tok[0]) * 3);
		n--;
	}
	if (n < 2) {
		puts_q(q, "BH message=\"veto: expected METHOD URL (%>rm %>ru)\"\n");
		return;
	}
	pct_decode(tok[0], strlen(tok[0]));
	hit = squid_match(q, tok[0], tok[1], pct_decode(tok[1], strlen(tok[1])), &r);
	if (hit < 0) {
		puts_q(q, "ERR message=\"veto: not a usable URL\"\n");
	} else if (hit == 0) {
		puts_q(q, "ERR\n");
	} else {
		puts_q(q, "OK message=\"veto: ");
		put_quoted(q, r.id);
		puts_q(q, " (");
		put_quoted(q, cat_of(q->pol, &r));
		puts_q(q, ")\" tag=veto-");
		puts_q(q, cat_of(q->pol, &r));	/* printable, no spaces */
		put(q, "\n", 1);
	}
}

/* Read blocks, answer every complete line, write the answers per block. */
static int
squid_serve(struct squid *q)
{
	char *buf = xcalloc(1, SQUID_LINE_MAX + 1);
	size_t have = 0;
	bool skipping = false;	/* inside an over-long line */
	int rc = 0;

	for (;;) {
		ssize_t got = read(STDIN_FILENO, buf + have, SQUID_LINE_MAX - have);
		char *p = buf, *nl;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf))) != NULL) {
			*nl = '\0';
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
			if (skipping)
				puts_q(q, "BH message=\"veto: line too long\"\n");
			else if (*p != '\0')
				squid_line(q, p);
			skipping = false;
			p = nl + 1;
			if (q->outlen >= SQUID_OUT_MAX && squid_flush(q) < 0)
				goto fail;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == SQUID_LINE_MAX) {	/* no newline in a whole buffer */
			skipping = true;
			have = 0;
		}
		if (q->outlen > 0 && squid_flush(q) < 0)
			goto fail;
	}
	free(buf);
	return rc;
fail:
	free(buf);
	return 2;
}

static int
squid_args(int argc, char **argv, const char **conf, char **lists,
    unsigned *nlists, char **keys, unsigned *nkeys)
{
	static const struct option opts[] = {
		{"squid", no_argument, NULL, 'S'},
		{"config", required_argument, NULL, 'c'},
		{"list", required_argument, NULL, 'l'},
		{"key", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:l:k:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			break;
		case 'c':
			*conf = optarg;
			break;
		case 'l':
			if (*nlists == CONF_MAX_FEEDS)
				return -1;
			lists[(*nlists)++] = optarg;
			break;
		case 'k':
			if (*nkeys == LISTSET_MAX_KEYS)
				return -1;
			keys[(*nkeys)++] = optarg;
			break;
		case 'h':
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc || (*conf == NULL) == (*nlists == 0) ||
	    (*conf != NULL && *nkeys > 0))
		return -1;
	return 0;
}

int
check_squid(int argc, char **argv)
{
	const char *conf = NULL;
	char *lists[CONF_MAX_FEEDS], *keys[LISTSET_MAX_KEYS];
	unsigned nlists = 0, nkeys = 0;
	struct listset ls;
	struct squid *q;
	struct verr e;
	int rc;

	if ((rc = squid_args(argc, argv, &conf, lists, &nlists, keys, &nkeys)) != 0)
		return rc > 0 ? squid_usage(stdout, 0) : squid_usage(stderr, 2);
	rc = conf ? listset_from_conf(&ls, conf, time(NULL), &e) :
	    listset_from_files(&ls, lists, nlists, keys, nkeys, &e);
	if (rc == -1) {
		fprintf(stderr, "veto check --squid: %s\n", e.msg);
		return 2;
	}
	if (listset_entries(&ls) == 0)
		fprintf(stderr, "veto check --squid: warning: no list in force: "
		    "every request is answered ERR (not blocked)\n");
	q = xcalloc(1, sizeof(*q));
	if ((q->pol = listset_policy(&ls, &e)) == NULL) {
		fprintf(stderr, "veto check --squid: %s\n", e.msg);
		rc = 2;
	} else {
		rc = squid_serve(q);
		policy_discard(q->pol);
	}
	listset_free(&ls);
	free(q);
	return rc;
}
