/*
 * list.c - `veto list verify|show|confirm`: check a signed list the way
 * vetod would, describe a list, install a list held by the change
 * guardrail. The contract (options, exit codes) is issue 2's:
 *
 *   verify   exit 0 and one summary line when the list would be accepted
 *            (new, or unchanged); exit 1 and the reason otherwise (an
 *            expired list says "expired", a held one "held"); 2 on usage.
 *   show     exit 0 after describing the list; 1 if it does not parse.
 *   confirm  exit 0 once the held list is the last good list; 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include <cjson/cJSON.h>

#include "core/conf.h"
#include "serve/ctl.h"
#include "trust/guard.h"
#include "policy/list.h"
#include "trust/sig.h"
#include "trust/trust.h"

static int
list_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto list verify -k KEY [-k KEY ...] [-f FEED] [--state DIR]\n"
	    "                        [--never-block FILE] [-s SIG] LIST.json\n"
	    "       veto list show [-k KEY ...] [-s SIG] LIST.json\n"
	    "       veto list confirm -c CONF [--feed NAME] SERIAL\n"
	    "       veto list import --format hosts|domains|rpz|csv --feed ID --serial N\n"
	    "                        --authority NAME [--category C] FILE...\n"
	    "       veto list diff [-k KEY ...] OLD.json NEW.json\n\n"
	    "verify   check a list as vetod would: signature, format, feed,\n"
	    "         serial, expiry and guardrails\n"
	    "show     describe a list: feed, serial, times, authority, counts\n"
	    "confirm  install a list held because its entry count changed too much\n"
	    "import   make a list from hosts, domains, RPZ or CSV files\n"
	    "diff     compare two lists by entry id\n\n"
	    "`veto list COMMAND --help` describes the options of each.\n");
	return rc;
}

static int
verify_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto list verify -k KEY [-k KEY ...] [-f FEED] [--state DIR]\n"
	    "                        [--never-block FILE] [-s SIG] [--max-change PCT]\n"
	    "                        [--legacy] LIST.json\n\n"
	    "Check LIST.json as vetod would before putting it in force: the minisign\n"
	    "signature (prehashed, by one of the trusted keys, trusted comment\n"
	    "included), the list format, the feed id, issued not in the future,\n"
	    "expiry, and the guardrails (no top-level domain or public suffix, no\n"
	    "never-block name). Exit 0 with a one-line summary when the list would\n"
	    "be accepted, 1 with the reason when not (\"expired\" for an expired\n"
	    "list), 2 on a usage error.\n\n"
	    "  -k, --key KEY         a trusted minisign public key: a key file\n"
	    "                        (minisign.pub) or its base64 line; repeatable,\n"
	    "                        the signature's key id picks the key\n"
	    "  -f, --feed FEED       the feed id the list must carry\n"
	    "  -s, --sig SIG         the signature file (default LIST.json.minisig)\n"
	    "      --state DIR       compare with the last accepted list in a state\n"
	    "                        directory (a state_dir, or one feed's directory\n"
	    "                        in it): a lower serial is a rollback, the same\n"
	    "                        bytes are \"unchanged\", an entry count that\n"
	    "                        changed by more than PCT percent is \"held\".\n"
	    "                        Nothing is written.\n"
	    "      --never-block FILE  names no list may block (one per line, #\n"
	    "                        comments): an entry equal to one, or a parent\n"
	    "                        of one, refuses the list\n"
	    "      --max-change PCT  the change guardrail with --state (default %d)\n"
	    "      --legacy          accept legacy (non-prehashed) signatures\n"
	    "  -h, --help            this text\n", (int)TRUST_DEFAULT_MAX_CHANGE);
	return rc;
}

static int
show_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto list show [-k KEY ...] [-s SIG] LIST.json\n\n"
	    "Describe a list: format, feed, serial, issued, expires, authority,\n"
	    "categories, entry counts per type and category, canaries, and how many\n"
	    "url entries can only be enforced on plain HTTP.\n\n"
	    "With -k, the minisign signature is verified first (over the raw bytes,\n"
	    "before the list is parsed) and a list whose signature does not verify\n"
	    "is not shown (exit 1). WITHOUT -k NOTHING IS VERIFIED: the text shown\n"
	    "may be anyone's. `veto list verify` checks everything vetod checks.\n\n"
	    "  -k, --key KEY   a trusted minisign public key (file or base64 line);\n"
	    "                  repeatable\n"
	    "  -s, --sig SIG   the signature file (default LIST.json.minisig)\n"
	    "  -h, --help      this text\n");
	return rc;
}

static int
confirm_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto list confirm -c CONF [--feed NAME] SERIAL\n\n"
	    "Install the list with serial SERIAL that a feed of CONF holds because\n"
	    "its entry count changed by more than list_max_change. The held list is\n"
	    "verified again (signature, feed, serial above the list in force,\n"
	    "guardrails, expiry) before it becomes the feed's last good list.\n"
	    "vetod puts it in force at its next reload (`veto reload`).\n\n"
	    "  -c, --config CONF   the configuration (its state_dir and feeds)\n"
	    "      --feed NAME     the feed (its name in CONF), when several\n"
	    "                      feeds hold a list with this serial\n"
	    "  -h, --help          this text\n");
	return rc;
}

static int
read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct verr e;

	if (file_read(path, max, buf, len, &e) == -1) {
		fprintf(stderr, "veto list: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static void
print_summary(const char *path, const struct trust_candidate *c)
{
	const struct list *l = c->list;
	char is[32], ex[32], id[2 * SIG_KEYID_LEN + 1];

	sig_keyid_hex(c->sig.id, id);
	if (l == NULL) {
		printf("%s: ok: %s; key %s, trusted comment: %s\n", path,
		    c->reason, id, c->sig.comment);
		return;
	}
	time_format_rfc3339(l->issued, is);
	time_format_rfc3339(l->expires, ex);
	printf("%s: ok: feed %s serial %s, %zu entries (%zu domain, %zu host, "
	    "%zu url; %zu canaries), issued %s, expires %s; key %s, trusted "
	    "comment: %s; %s\n", path, l->feed, l->serial, l->nentries,
	    l->count[LIST_DOMAIN], l->count[LIST_HOST], l->count[LIST_URL],
	    l->ncanaries, is, ex, id, c->sig.comment, c->reason);
}

struct verify_opts {
	struct sig_keyring keys;
	const char *feed, *sig, *state, *never_block;
	uint64_t max_change;
	unsigned sig_flags;
};

/* --state DIR: a feed directory (holds `state`) or a state_dir (holds
 * feeds/NAME/state, found by feed id). */
static void
state_params(const struct verify_opts *o, const char *feed_id,
    struct trust_params *p, char *name, size_t size)
{
	char path[4096];
	struct verr e;
	struct stat st;

	snprintf(path, sizeof(path), "%s/state", o->state);
	if (stat(path, &st) == 0) {
		p->feed_dir = o->state;
		return;
	}
	if (feed_id != NULL &&
	    trust_find_name(o->state, feed_id, name, size, &e) == 0) {
		p->state_dir = o->state;
		p->name = name;
	}
	/* else: no list of this feed accepted there yet */
}

static int
verify_run(const struct verify_opts *o, const char *path, const uint8_t *buf,
    size_t len, const uint8_t *sig, size_t siglen, struct guard *g)
{
	struct trust_params p;
	struct trust_candidate c;
	struct trust_feed *t;
	struct verr e;
	char name[128];
	const char *feed_id = o->feed;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = "verify";
	p.feed = o->feed;
	p.keys = o->keys;
	p.limits.max_bytes = TRUST_DEFAULT_MAX_BYTES;
	p.limits.max_entries = TRUST_DEFAULT_MAX_ENTRIES;
	p.max_change = o->max_change;
	p.sig_flags = o->sig_flags;
	p.guard = g;
	p.read_only = true;
	if (o->state != NULL && feed_id == NULL) {
		/* learn the feed id from the list itself (verified first) */
		if ((t = trust_open(&p, &e)) == NULL)
			goto fail_open;
		trust_evaluate(t, buf, len, sig, siglen, time(NULL), 0, &c);
		if (c.list != NULL)
			feed_id = strdup(c.list->feed);
		trust_candidate_free(&c);
		trust_close(t);
	}
	if (o->state != NULL)
		state_params(o, feed_id, &p, name, sizeof(name));
	if (feed_id != o->feed)
		free((char *)feed_id);
	if ((t = trust_open(&p, &e)) == NULL)
		goto fail_open;
	trust_evaluate(t, buf, len, sig, siglen, time(NULL), 0, &c);
	rc = 1;
	switch (c.verdict) {
	case TRUST_INSTALL:
	case TRUST_UNCHANGED:
		print_summary(path, &c);
		rc = 0;
		break;
	case TRUST_HELD:
	case TRUST_EXPIRED:
		fprintf(stderr, "%s: %s\n", path, c.reason);
		break;
	case TRUST_REFUSED:
		fprintf(stderr, "%s: refused: %s\n", path, c.reason);
		if (c.report != NULL)
			fprintf(stderr, "every bad entry:\n%s", c.report);
		break;
	}
	trust_candidate_free(&c);
	trust_close(t);
	return rc;
fail_open:
	fprintf(stderr, "veto list verify: %s\n", e.msg);
	return 1;
}

static int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"feed", required_argument, NULL, 'f'},
		{"sig", required_argument, NULL, 's'},
		{"state", required_argument, NULL, 'S'},
		{"never-block", required_argument, NULL, 'N'},
		{"max-change", required_argument, NULL, 'M'},
		{"legacy", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct verify_opts o;
	struct verr e;
	struct guard *g;
	uint8_t *buf = NULL, *sig = NULL;
	size_t len, siglen;
	char sigpath[4096];
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.max_change = TRUST_DEFAULT_MAX_CHANGE;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:f:s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (sig_keyring_add_arg(&o.keys, optarg, &e) == -1) {
				fprintf(stderr, "veto list verify: %s\n", e.msg);
				return 2;
			}
			break;
		case 'f':
			o.feed = optarg;
			break;
		case 's':
			o.sig = optarg;
			break;
		case 'S':
			o.state = optarg;
			break;
		case 'N':
			o.never_block = optarg;
			break;
		case 'M':
			if (!parse_u64(optarg, 0, 1000000, &o.max_change)) {
				fprintf(stderr, "veto list verify: --max-change is a "
				    "percentage, not `%s'\n", optarg);
				return 2;
			}
			break;
		case 'L':
			o.sig_flags |= SIG_ALLOW_LEGACY;
			break;
		case 'h':
			return verify_usage(stdout, 0);
		default:
			return verify_usage(stderr, 2);
		}
	}
	if (argc - optind != 1 || o.keys.n == 0) {
		if (o.keys.n == 0)
			fprintf(stderr, "veto list verify: at least one -k KEY is "
			    "needed\n");
		return verify_usage(stderr, 2);
	}
	if (o.sig == NULL) {
		snprintf(sigpath, sizeof(sigpath), "%s.minisig", argv[optind]);
		o.sig = sigpath;
	}
	if (o.state != NULL) {
		struct stat st;
		const char *why = stat(o.state, &st) == -1 ? strerror(errno) :
		    !S_ISDIR(st.st_mode) ? "not a directory" : NULL;
		if (why != NULL) {
			fprintf(stderr, "veto list verify: --state %s: %s\n",
			    o.state, why);
			return 1;
		}
	}
	if ((g = guard_new(o.never_block, &e)) == NULL) {
		fprintf(stderr, "veto list verify: %s\n", e.msg);
		return 1;
	}
	rc = 1;
	if (read_file(argv[optind], TRUST_DEFAULT_MAX_BYTES, &buf, &len) == 0 &&
	    read_file(o.sig, SIG_FILE_MAX, &sig, &siglen) == 0)
		rc = verify_run(&o, argv[optind], buf, len, sig, siglen, g);
	free(buf);
	free(sig);
	guard_free(g);
	return rc;
}

/* --- show ------------------------------------------------------------------- */

static void
print_text(const char *label, const struct list_text *t)
{
	if (t->n == 0)
		return;
	printf("%-12s %s", label, list_text_get(t, "en"));
	for (unsigned i = 0; i < t->n; i++)
		if (t->n > 1 && t->items[i].lang != NULL)
			printf("%s%s", i == 0 ? " [" : ", ", t->items[i].lang);
	printf("%s\n", t->n > 1 ? "]" : "");
}

static void
show_list(const struct list *l, const struct sig_info *si)
{
	char is[32], ex[32], hex[65];
	time_t now = time(NULL);
	size_t *percat = xcalloc(l->ncats ? l->ncats : 1, sizeof(*percat));

	time_format_rfc3339(l->issued, is);
	time_format_rfc3339(l->expires, ex);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", l->digest[i]);
	printf("format       %s\nfeed         %s\nserial       %s\n", l->format,
	    l->feed, l->serial);
	printf("issued       %s\n", is);
	if (l->expires <= now)
		printf("expires      %s (expired)\n", ex);
	else
		printf("expires      %s (in %lld days)\n", ex,
		    (long long)((l->expires - now) / 86400));
	print_text("authority", &l->authority_name);
	if (l->authority_url != NULL)
		printf("  url        %s\n", l->authority_url);
	if (l->appeal_url != NULL)
		printf("  appeal     %s\n", l->appeal_url);
	print_text("  legal basis", &l->legal_basis);
	printf("size         %zu bytes, SHA-256 %s\n", l->size, hex);
	printf("entries      %zu: %zu domain, %zu host, %zu url\n", l->nentries,
	    l->count[LIST_DOMAIN], l->count[LIST_HOST], l->count[LIST_URL]);
	for (size_t i = 0; i < l->nentries; i++)
		percat[l->entries[i].cat]++;
	printf("categories   %u\n", l->ncats);
	for (uint32_t i = 0; i < l->ncats; i++)
		printf("  %-10s %8zu  %s%s\n", l->cats[i].id, percat[i],
		    list_text_get(&l->cats[i].label, "en"),
		    l->cats[i].canary ? " (canaries)" : "");
	printf("canaries     %zu (category \"test\": names anyone may use to "
	    "check the filter)\n", l->ncanaries);
	printf("plain HTTP   %zu url entries can only be enforced on plain HTTP "
	    "(paths are not visible in TLS or QUIC)", l->count[LIST_URL]);
	if (l->nurl_https > 0)
		printf("; of these, %zu %s written https://, whose path%s the "
		    "filter never sees", l->nurl_https,
		    l->nurl_https == 1 ? "is" : "are",
		    l->nurl_https == 1 ? "" : "s");
	if (si != NULL) {
		char id[2 * SIG_KEYID_LEN + 1];

		sig_keyid_hex(si->id, id);
		printf("\nsignature    valid, key %s, trusted comment: %s\n", id,
		    si->comment);
	} else {
		printf("\nsignature    NOT VERIFIED (no -k given; veto list verify "
		    "checks everything)\n");
	}
	free(percat);
}

struct show_opts {
	struct sig_keyring keys;
	const char *sig;
};

static int
show_opts_parse(int argc, char **argv, struct show_opts *o)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"sig", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct verr e;
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (sig_keyring_add_arg(&o->keys, optarg, &e) == -1) {
				fprintf(stderr, "veto list show: %s\n", e.msg);
				return 2;
			}
			break;
		case 's':
			o->sig = optarg;
			break;
		case 'h':
			return show_usage(stdout, 0);
		default:
			return show_usage(stderr, 2);
		}
	}
	if (argc - optind != 1)
		return show_usage(stderr, 2);
	return -1;
}

/* Verify buf against the keys (before any parser sees it). */
static int
show_verify(const struct show_opts *o, const char *path, const uint8_t *buf,
    size_t len, struct sig_info *si)
{
	char sigpath[4096];
	uint8_t *sig;
	size_t siglen;
	struct verr e;
	int rc;

	if (o->sig == NULL)
		snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
	if (read_file(o->sig ? o->sig : sigpath, SIG_FILE_MAX, &sig, &siglen) == -1)
		return -1;
	rc = sig_verify(&o->keys, buf, len, sig, siglen, 0, si, &e);
	free(sig);
	if (rc == -1)
		fprintf(stderr, "veto list show: %s: signature: %s\n", path, e.msg);
	return rc;
}

static int
cmd_show(int argc, char **argv)
{
	struct list_limits lim = {TRUST_DEFAULT_MAX_BYTES, TRUST_DEFAULT_MAX_ENTRIES};
	struct show_opts o;
	struct sig_info si;
	struct list *l;
	struct verr e;
	const char *path;
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = show_opts_parse(argc, argv, &o)) != -1)
		return rc;
	path = argv[optind];
	if (read_file(path, TRUST_DEFAULT_MAX_BYTES, &buf, &len) == -1)
		return 1;
	if (o.keys.n > 0 && show_verify(&o, path, buf, len, &si) == -1) {
		free(buf);
		return 1;
	}
	l = list_parse(buf, len, &lim, &e);
	free(buf);
	if (l == NULL) {
		fprintf(stderr, "veto list show: %s: %s\n", path, e.msg);
		return 1;
	}
	show_list(l, o.keys.n > 0 ? &si : NULL);
	list_free(l);
	return 0;
}

/* --- confirm ---------------------------------------------------------------- */

/* When vetod runs without having confirmed (it was not reachable when the
 * state was changed here), it puts the list in force at its next start or
 * reload. */
static void
notify_vetod_reload(const struct conf *c)
{
	printf("vetod was not reachable (control socket %s): it puts the list "
	    "in force when it starts, or at `veto reload'\n", c->control_socket);
}

/* Ask a running vetod to confirm: it evaluates, publishes and records the
 * list at once, as its own user. Returns the exit code, or -1 when no
 * vetod answers on the control socket. */
static int
confirm_via_daemon(const struct conf *c, const char *serial, const char *feed)
{
	char req[CTL_REQ_MAX], *reply = NULL;
	cJSON *j, *ok, *msg;
	struct verr e;
	int rc;

	snprintf(req, sizeof(req), "confirm %s%s%s", serial, feed ? " " : "",
	    feed ? feed : "");
	rc = ctl_call(c->control_socket, req, CTL_JOB_TIMEOUT_MS + 5000, &reply, &e);
	if (rc == CTL_UNREACHABLE)
		return -1;
	if (rc != 0) {
		fprintf(stderr, "veto list confirm: vetod: %s\n", e.msg);
		return 1;
	}
	j = cJSON_Parse(reply);
	free(reply);
	ok = cJSON_GetObjectItemCaseSensitive(j, "ok");
	msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (msg == NULL)
		msg = cJSON_GetObjectItemCaseSensitive(j, "error");
	rc = cJSON_IsTrue(ok) ? 0 : 1;
	fprintf(rc ? stderr : stdout, "%svetod: %s\n", rc ? "veto list confirm: " : "",
	    cJSON_IsString(msg) ? msg->valuestring : "(no message)");
	cJSON_Delete(j);
	return rc;
}

static bool
feed_holds(struct trust_feed *t, const char *serial)
{
	char **v;
	size_t n;
	struct verr e;
	bool found = false;

	if (trust_held_list(t, &v, &n, &e) == -1)
		return false;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(v[i], serial) == 0;
	trust_held_free(v, n);
	return found;
}

static int
confirm_one(const struct conf *c, const struct feed_conf *f, struct guard *g,
    const char *serial)
{
	struct trust_params p;
	struct trust_candidate cand;
	struct trust_feed *t;
	struct verr e;
	int rc = 1;

	memset(&cand, 0, sizeof(cand));
	if (trust_params_from_conf(c, f, g, &p, &e) == -1 ||
	    (t = trust_open(&p, &e)) == NULL) {
		fprintf(stderr, "veto list confirm: %s\n", e.msg);
		return 1;
	}
	if (trust_lock(t, false, &e) == -1) {
		fprintf(stderr, "veto list confirm: %s\n", e.msg);
	} else if (trust_confirm(t, serial, time(NULL), &cand, &e) == -1) {
		fprintf(stderr, "veto list confirm: feed %s: %s\n", f->name, e.msg);
	} else {
		printf("feed %s: serial %s is now the last good list (%s)\n",
		    f->name, serial, cand.reason);
		notify_vetod_reload(c);
		rc = 0;
	}
	trust_candidate_free(&cand);
	trust_close(t);
	return rc;
}

static int
confirm_search(const struct conf *c, struct guard *g, const char *serial)
{
	const struct feed_conf *hit = NULL;
	unsigned nhit = 0;

	for (unsigned i = 0; i < c->nfeeds; i++) {
		struct trust_params p;
		struct trust_feed *t;
		struct verr e;

		if (trust_params_from_conf(c, &c->feeds[i], g, &p, &e) == -1)
			continue;
		p.read_only = true;
		if ((t = trust_open(&p, &e)) == NULL)
			continue;
		if (feed_holds(t, serial)) {
			hit = &c->feeds[i];
			nhit++;
		}
		trust_close(t);
	}
	if (nhit == 0) {
		fprintf(stderr, "veto list confirm: no feed of %s holds a list "
		    "with serial %s\n", c->path, serial);
		return 1;
	}
	if (nhit > 1) {
		fprintf(stderr, "veto list confirm: %u feeds hold serial %s: "
		    "name one with --feed\n", nhit, serial);
		return 1;
	}
	return confirm_one(c, hit, g, serial);
}

static int
cmd_confirm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"feed", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *feed = NULL;
	const struct feed_conf *f;
	struct conf *c;
	struct guard *g;
	struct verr e;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'F':
			feed = optarg;
			break;
		case 'h':
			return confirm_usage(stdout, 0);
		default:
			return confirm_usage(stderr, 2);
		}
	}
	if (path == NULL || argc - optind != 1)
		return confirm_usage(stderr, 2);
	if ((c = conf_load(path, &e)) == NULL) {
		fprintf(stderr, "veto list confirm: %s\n", e.msg);
		return 1;
	}
	list_confirm_preview(c, argv[optind], feed);
	if ((rc = confirm_via_daemon(c, argv[optind], feed)) >= 0) {
		conf_free(c);
		return rc;
	}
	if ((g = guard_new(c->never_block_file, &e)) == NULL) {
		fprintf(stderr, "veto list confirm: %s\n", e.msg);
		conf_free(c);
		return 1;
	}
	if (feed == NULL) {
		rc = confirm_search(c, g, argv[optind]);
	} else if ((f = conf_feed(c, feed)) == NULL) {
		fprintf(stderr, "veto list confirm: %s has no feed `%s'\n", path, feed);
		rc = 1;
	} else {
		rc = confirm_one(c, f, g, argv[optind]);
	}
	guard_free(g);
	conf_free(c);
	return rc;
}

int
cmd_list(int argc, char **argv)
{
	if (argc < 2)
		return list_usage(stderr, 2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return list_usage(stdout, 0);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "confirm") == 0)
		return cmd_confirm(argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)	/* cmd_list_import.c */
		return list_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "diff") == 0)	/* cmd_list_diff.c */
		return list_diff(argc - 1, argv + 1);
	fprintf(stderr, "veto list: unknown command `%s'\n\n", argv[1]);
	return list_usage(stderr, 2);
}
