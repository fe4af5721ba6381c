/*
 * check.c - `veto check`: would these names or URLs be blocked?
 *
 * Loads one or more lists (in feed order, as the configuration would list
 * them), verifying each against the -k keys first when keys are given,
 * builds the same matcher the daemon uses and prints one line per input:
 *
 *   block ID CATEGORY INPUT      the winning entry's id and category id
 *   allow INPUT
 *   invalid INPUT                a URL that cannot be canonicalised
 *
 * An input with a scheme ("://") or a '/' is a URL and is checked as an
 * HTTP request would be (domain, host and url entries: match_url on
 * norm_url); anything else is a name as DNS, TLS SNI or QUIC carry it
 * (domain and host entries: match_name on norm_name, falling back to the
 * raw lowercase form exactly as the daemon does for names it cannot
 * canonicalise). Without INPUT arguments the inputs are read from standard
 * input, one a line, and the output is fully buffered.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "policy/list.h"
#include "policy/match.h"
#include "policy/norm.h"
#include "core/util.h"

#include "trust/sig.h"
#include "trust/trust.h"

#define CHECK_MAX_LISTS 64
#define CHECK_LIST_MAX_BYTES TRUST_DEFAULT_MAX_BYTES	/* the table's */
#define CHECK_LIST_MAX_ENTRIES TRUST_DEFAULT_MAX_ENTRIES

struct check {
	const char *paths[CHECK_MAX_LISTS];
	struct list *lists[CHECK_MAX_LISTS];
	unsigned nlists;
	const char *keys[CHECK_MAX_LISTS];
	unsigned nkeys;
	struct matcher *m;
	struct norm_url url;
	unsigned long ninvalid;
};

static int
usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: veto check -l LIST.json [-l LIST.json ...] [-k KEY ...] "
	    "[INPUT ...]\n\n"
	    "Check names and URLs against signed lists with the daemon's "
	    "matcher.\n\n"
	    "  -l, --list FILE  a list (veto-list/1 JSON); repeat for several "
	    "feeds,\n"
	    "                   in the order of the configuration (the first "
	    "wins ties)\n"
	    "  -k, --key KEY    a trusted minisign public key (the base64 line "
	    "or a\n"
	    "                   minisign.pub file); repeatable. With -k every "
	    "list must\n"
	    "                   carry a valid signature in FILE.minisig by one "
	    "of the keys\n"
	    "                   before it is parsed. Without -k the lists are "
	    "not verified.\n"
	    "  -h, --help       this text\n\n"
	    "INPUT is a name (bad.example) or a URL: an input with a scheme or "
	    "a '/'\n"
	    "(http://share.example/u/1, share.example/u/1) is checked as a "
	    "plain HTTP\n"
	    "request (domain, host and url entries); a name as DNS, TLS or QUIC "
	    "would\n"
	    "carry it (domain and host entries only). Without INPUT, inputs are "
	    "read\n"
	    "from standard input, one a line.\n\n"
	    "Output, one line per input, INPUT as given:\n"
	    "  block ID CATEGORY INPUT   blocked by entry ID of category "
	    "CATEGORY\n"
	    "  allow INPUT\n"
	    "  invalid INPUT             not a usable URL\n\n"
	    "Exit status: 0 every input was checked (blocked or not), 1 some "
	    "input was\n"
	    "invalid, 2 usage error or a list that could not be read, verified "
	    "or parsed.\n");
	return rc;
}

static struct list *
check_load(const char *path, const struct sig_keyring *ring, struct verr *e)
{
	struct list_limits lim = {CHECK_LIST_MAX_BYTES, CHECK_LIST_MAX_ENTRIES};
	char sigpath[4096];
	uint8_t *buf, *sigbuf;
	size_t len, siglen;
	struct list *l;

	if (file_read(path, CHECK_LIST_MAX_BYTES, &buf, &len, e) < 0)
		return NULL;
	if (ring->n > 0) {
		snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
		if (file_read(sigpath, SIG_FILE_MAX, &sigbuf, &siglen, e) < 0) {
			free(buf);
			return NULL;
		}
		if (sig_verify(ring, buf, len, sigbuf, siglen, 0, NULL, e) < 0) {
			verr_prefix(e, "%s", sigpath);
			free(sigbuf);
			free(buf);
			return NULL;
		}
		free(sigbuf);
	}
	l = list_parse(buf, len, &lim, e);
	free(buf);
	if (l == NULL)
		verr_prefix(e, "%s", path);
	return l;
}

static int
check_load_all(struct check *c)
{
	struct sig_keyring ring = {.n = 0};
	struct verr e;

	for (unsigned i = 0; i < c->nkeys; i++) {
		if (sig_keyring_add_arg(&ring, c->keys[i], &e) < 0) {
			fprintf(stderr, "veto check: -k %s: %s\n", c->keys[i],
			    e.msg);
			return -1;
		}
	}
	for (unsigned i = 0; i < c->nlists; i++) {
		c->lists[i] = check_load(c->paths[i], &ring, &e);
		if (c->lists[i] == NULL) {
			fprintf(stderr, "veto check: %s\n", e.msg);
			return -1;
		}
	}
	return 0;
}

static void
check_drop_entries(struct check *c)
{
	for (unsigned i = 0; i < c->nlists; i++)
		list_drop_entries(c->lists[i]);
}

static void
check_free_lists(struct check *c)
{
	for (unsigned i = 0; i < c->nlists; i++)
		list_free(c->lists[i]);
}

static bool
is_url(const char *in, size_t len)
{
	return memchr(in, '/', len) != NULL;	/* "://" has one too */
}

static const char *
cat_id(const struct check *c, const struct match_result *r)
{
	const struct list *l = r->feed < c->nlists ? c->lists[r->feed] : NULL;

	if (l == NULL || r->cat >= l->ncats || l->cats[r->cat].id == NULL)
		return "-";
	return l->cats[r->cat].id;
}

/* Check one input (len bytes, NUL-terminated) and print its line. */
static void
check_one(struct check *c, const char *in, size_t len, FILE *out)
{
	struct match_result r;
	bool hit;

	if (is_url(in, len)) {
		if (norm_url(in, len, &c->url) < 0) {
			fprintf(out, "invalid %s\n", in);
			c->ninvalid++;
			return;
		}
		hit = match_url(c->m, &c->url, &r);
	} else {
		char name[NORM_NAME_MAX + 1];
		int n = norm_name(in, len, name);
		size_t nlen = n >= 0 ? (size_t)n : norm_name_raw(in, len, name);

		hit = match_name(c->m, name, nlen, &r);
	}
	if (hit)
		fprintf(out, "block %s %s %s\n", r.id, cat_id(c, &r), in);
	else
		fprintf(out, "allow %s\n", in);
}

/* One input line (without its newline): trimmed, checked unless empty. */
static void
check_line(struct check *c, char *s, size_t len, FILE *out)
{
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t'))
		len--;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0)
		return;
	s[len] = '\0';
	check_one(c, s, len, out);
}

/* Lines from stdin, each answered as soon as it is read: the answers of
 * the lines at hand are written, then flushed before the next read()
 * could wait, so a program that writes one line and waits gets its
 * answer, and a million lines piped in are still written in large
 * blocks. A line longer than the buffer grows it. */
static void
check_stdin(struct check *c, FILE *out)
{
	size_t cap = 1 << 16, have = 0;
	char *buf = xrealloc(NULL, cap);
	ssize_t n;

	for (;;) {
		char *nl, *p = buf;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf))) != NULL) {
			check_line(c, p, (size_t)(nl - p), out);
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		if (fflush(out) != 0)
			break;
		n = read(STDIN_FILENO, buf + have, cap - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have > 0)		/* a last line without a newline */
		check_line(c, buf, have, out);
	free(buf);
}

/* Options into c; returns 0, or the exit code to stop with. */
static int
check_args(struct check *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"list", required_argument, NULL, 'l'},
		{"key", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "l:k:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (c->nlists == CHECK_MAX_LISTS) {
				fprintf(stderr, "veto check: more than %d lists\n",
				    CHECK_MAX_LISTS);
				return 2;
			}
			c->paths[c->nlists++] = optarg;
			break;
		case 'k':
			if (c->nkeys == CHECK_MAX_LISTS) {
				fprintf(stderr, "veto check: more than %d keys\n",
				    CHECK_MAX_LISTS);
				return 2;
			}
			c->keys[c->nkeys++] = optarg;
			break;
		default:
			return usage(stderr, 2);
		}
	}
	if (c->nlists == 0) {
		fprintf(stderr, "veto check: no list given (-l LIST.json)\n");
		return usage(stderr, 2);
	}
	return 0;
}

/* Lists loaded and verified, matcher built; returns 0 or an exit code. */
static int
check_prepare(struct check *c)
{
	struct verr e;

	if (check_load_all(c) < 0)
		return 2;
	c->m = matcher_build(c->lists, c->nlists, &e);
	if (c->m == NULL) {
		fprintf(stderr, "veto check: %s\n", e.msg);
		return 2;
	}
	check_drop_entries(c);		/* the matcher has its own copy */
	return 0;
}

int
cmd_check(int argc, char **argv)
{
	struct check *c;
	int rc;

	if (cmd_has_opt(argc, argv, "--squid"))	/* cmd_check_squid.c */
		return check_squid(argc, argv);
	if (cmd_wants_help(argc, argv))
		return usage(stdout, 0);
	c = xcalloc(1, sizeof(*c));
	if ((rc = check_args(c, argc, argv)) != 0 ||
	    (rc = check_prepare(c)) != 0)
		goto done;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			check_one(c, argv[i], strlen(argv[i]), stdout);
	} else {
		check_stdin(c, stdout);
	}
	if (fflush(stdout) != 0) {
		perror("veto check: stdout");
		rc = 2;
	} else if (c->ninvalid > 0) {
		rc = 1;
	}
done:
	matcher_free(c->m);
	check_free_lists(c);
	free(c);
	return rc;
}
