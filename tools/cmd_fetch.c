/*
 * fetch.c - `veto fetch -c CONF [FEED]`: one fetch-and-install cycle for
 * every feed with a list_url (or for FEED), then exit.
 *
 * With vetod running (something listens on control_socket), the daemon
 * does the work (`fetch [FEED]` on the control socket) and a new list is
 * in force when the answer comes. Otherwise veto fetch works on the state
 * directory itself, under each feed's lock, with the same download and the
 * same trust pipeline (fetch.h, trust.h); nothing is enforced until vetod
 * starts or reloads, and it builds no matcher.
 *
 * Files must stay vetod's: run as root with `user` not root, veto fetch
 * makes sure the state directory belongs to that user, then becomes it
 * (priv_drop: CAP_NET_ADMIN kept for SO_MARK, nothing else); run as the
 * daemon's user it just works; run as anyone else it refuses, since what
 * it wrote could not be read by vetod (or would not be writable at all).
 *
 * Exit: 0 when every feed got a new list or still has its current one
 * (the output says which), 1 when a fetch failed or a list was refused or
 * held (the output says why; the last good list stays in force), 2 on a
 * usage or configuration error.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "core/conf.h"
#include "serve/ctl.h"
#include "trust/fetch.h"
#include "trust/guard.h"
#include "kernel/priv.h"
#include "trust/trust.h"

#define DEFAULT_CONF "/etc/veto/veto.conf"
#define LOCK_WAIT_MS 30000

static int
usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto fetch [-c CONF] [-s SOCKET] [FEED]\n\n"
	    "Fetch, verify and install the list of every feed with a list_url\n"
	    "(or of FEED, a feed's name in veto.conf) once.\n\n"
	    "When vetod runs, it does the work and puts a new list in force at\n"
	    "once; otherwise veto fetch works on the state directory itself,\n"
	    "under the feed's lock, as vetod's user (it becomes that user when\n"
	    "run as root), and vetod enforces the list when it starts.\n\n"
	    "  -c, --config CONF   configuration (default %s)\n"
	    "  -s, --socket PATH   vetod's control socket (default: control_socket)\n"
	    "  -h, --help          this text\n\n"
	    "Exit status: 0 when every feed has a new list or its current one is\n"
	    "unchanged; 1 when a fetch failed or a list was refused or held (the\n"
	    "last good list stays in force); 2 on a usage or configuration error.\n",
	    DEFAULT_CONF);
	return rc;
}

/* --- with vetod --------------------------------------------------------- */

/* 1: something listens on path; 0: nothing does (no socket, refused);
 * -1: cannot tell (e says why). */
static int
daemon_listening(const char *path, struct verr *e)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		verr_set(e, "control socket path `%s' is too long", path);
		return -1;
	}
	str_copy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		verr_set(e, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc == -1 && (errno == ENOENT || errno == ECONNREFUSED ||
	    errno == ENOTDIR))
		rc = 0;
	else if (rc == -1)
		verr_set(e, "%s: %s: cannot tell whether vetod runs; run veto "
		    "fetch as root or as a member of vetod's group", path,
		    strerror(errno));
	else
		rc = 1;
	close(fd);
	return rc;
}

static int
print_reply(const char *text)
{
	cJSON *j = cJSON_Parse(text), *d, *x;
	const cJSON *m;
	bool ok;

	if (j == NULL) {
		fprintf(stderr, "veto fetch: vetod sent a reply that is not "
		    "JSON\n");
		return 1;
	}
	ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));
	d = cJSON_GetObjectItemCaseSensitive(j, "detail");
	if (cJSON_IsArray(d) && cJSON_GetArraySize(d) > 0) {
		cJSON_ArrayForEach(x, d) {
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(x, "feed");
			m = cJSON_GetObjectItemCaseSensitive(x, "message");
			printf("feed %s: %s\n", cJSON_IsString(f) ?
			    f->valuestring : "?", cJSON_IsString(m) ?
			    m->valuestring : "?");
		}
	} else {
		m = cJSON_GetObjectItemCaseSensitive(j, ok ? "message" : "error");
		if (m == NULL)
			m = cJSON_GetObjectItemCaseSensitive(j, "message");
		fprintf(ok ? stdout : stderr, "%s%s\n", ok ? "" : "veto fetch: ",
		    cJSON_IsString(m) ? m->valuestring : "(no message)");
	}
	cJSON_Delete(j);
	return ok ? 0 : 1;
}

static int
via_daemon(const char *path, const char *feed)
{
	char req[CTL_REQ_MAX], *reply;
	struct verr e;
	int rc;

	snprintf(req, sizeof(req), "fetch%s%s", feed ? " " : "",
	    feed ? feed : "");
	rc = ctl_call(path, req, CTL_JOB_TIMEOUT_MS + 5000, &reply, &e);
	if (rc != 0) {
		fprintf(stderr, "veto fetch: %s\n", e.msg);
		return 1;
	}
	rc = print_reply(reply);
	free(reply);
	return rc;
}

/* --- without vetod: privileges ------------------------------------------ */

static uid_t own_uid;
static gid_t own_gid;

static int
chown_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	if ((st->st_uid != own_uid || st->st_gid != own_gid) &&
	    lchown(path, own_uid, own_gid) == -1)
		fprintf(stderr, "veto fetch: %s: chown: %s\n", path,
		    strerror(errno));
	return 0;
}

/* Become vetod's user (see the top of the file). */
static int
become_daemon_user(const struct conf *c, struct verr *e)
{
	struct passwd *pw;

	if (strcmp(c->user, "root") == 0) {
		if (geteuid() != 0) {
			verr_set(e, "vetod runs as root (user = root): run veto "
			    "fetch as root");
			return -1;
		}
		return 0;
	}
	if ((pw = getpwnam(c->user)) == NULL) {
		verr_set(e, "user `%s' (vetod's user) does not exist", c->user);
		return -1;
	}
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return 0;
		verr_set(e, "run veto fetch as root or as %s (vetod's user): "
		    "the files it writes must be readable by vetod", c->user);
		return -1;
	}
	if (dir_ensure(c->state_dir, 0700, pw->pw_uid, pw->pw_gid, e) == -1)
		return -1;
	own_uid = pw->pw_uid;
	own_gid = pw->pw_gid;
	nftw(c->state_dir, chown_one, 16, FTW_PHYS);
	return priv_drop(c->user, e);
}

/* --- without vetod: one feed ------------------------------------------- */

struct tool_feed {
	const struct conf *c;
	const struct feed_conf *fc;
	struct trust_feed *t;
	bool state_refused;	/* the last good list's copy did not verify */
};

static enum trust_verdict
tool_offer(void *arg, const uint8_t *buf, size_t len, const uint8_t *sig,
    size_t siglen, char *msg, size_t msglen)
{
	struct tool_feed *tf = arg;
	struct trust_candidate cand;
	enum trust_verdict v;
	struct verr e;
	char exp[32];

	v = trust_evaluate(tf->t, buf, len, sig, siglen, time(NULL), 0, &cand);
	switch (v) {
	case TRUST_INSTALL:
	case TRUST_EXPIRED:
	case TRUST_HELD:
		if (trust_commit(tf->t, &cand, time(NULL), &e) == -1) {
			snprintf(msg, msglen, "refused: it could not be recorded "
			    "in the state directory: %s", e.msg);
			v = TRUST_REFUSED;
		} else if (v == TRUST_HELD) {
			snprintf(msg, msglen, "%s; run `veto list confirm -c %s "
			    "%s' to install it", cand.reason, tf->c->path,
			    cand.list ? cand.list->serial : "SERIAL");
		} else {
			time_format_rfc3339(cand.list->expires, exp);
			snprintf(msg, msglen, "installed list %s (%zu entries, "
			    "expires %s%s)", cand.list->serial,
			    cand.list->nentries, exp, v == TRUST_EXPIRED ?
			    ": already EXPIRED" : "");
		}
		break;
	case TRUST_UNCHANGED:
		if (tf->state_refused) {
			snprintf(msg, msglen, "refused: the server's list is "
			    "the last good list recorded in the state "
			    "directory, whose copy there was refused; it "
			    "cannot be put in force again under the same "
			    "serial (publish a new serial, or remove %s)",
			    trust_dir(tf->t));
			v = TRUST_REFUSED;
			break;
		}
		snprintf(msg, msglen, "unchanged (serial %s)",
		    trust_state(tf->t)->serial);
		break;
	case TRUST_REFUSED:
		snprintf(msg, msglen, "refused: %s", cand.reason);
		if (cand.report != NULL)
			fprintf(stderr, "%s\n", cand.report);
		break;
	}
	trust_candidate_free(&cand);
	return v;
}

static void
tool_note(void *arg, const char *etag, const char *lastmod,
    const char *result)
{
	struct tool_feed *tf = arg;
	struct verr e;

	if (trust_note_fetch(tf->t, etag, lastmod, time(NULL), result, &e) == -1)
		fprintf(stderr, "veto fetch: feed %s: %s\n", tf->fc->name, e.msg);
}

static int
lock_feed(struct trust_feed *t, struct verr *e)
{
	uint64_t until = now_mono_ms() + LOCK_WAIT_MS;
	const struct timespec nap = {0, 200000000};

	while (trust_lock(t, false, e) == -1) {
		if (now_mono_ms() >= until)
			return -1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* The validators, only when the last good list verifies: "unchanged" must
 * mean a good list. */
static void
validators(struct tool_feed *tf, const char **etag, const char **lastmod)
{
	struct trust_feed *t = tf->t;
	struct list *l = NULL;
	struct sig_info si;
	struct verr e;

	*etag = *lastmod = NULL;
	if (trust_load_good(t, &l, &si, &e) == -1) {
		fprintf(stderr, "veto fetch: feed %s: the last good list in the "
		    "state directory is REFUSED: %s\n", tf->fc->name, e.msg);
		tf->state_refused = true;
		return;
	}
	if (l != NULL) {
		*etag = trust_state(t)->etag;
		*lastmod = trust_state(t)->last_modified;
	}
	list_free(l);
}

static int
fetch_one(const struct conf *c, const struct feed_conf *fc,
    const struct trust_params *tp)
{
	struct tool_feed tf = {c, fc, NULL, false};
	struct fetch_ops ops = {tool_offer, tool_note, &tf};
	struct fetch_params p = {
		.name = fc->name, .url = fc->url, .sig_url = fc->sig_url,
		.ca_file = fc->ca_file, .tmp_dir = c->state_dir,
		.max_bytes = fc->max_bytes,
		.mark = conf_mark_value(c, MARK_PASS),
	};
	struct fetch_report rep;
	struct verr e;

	if ((tf.t = trust_open(tp, &e)) == NULL || lock_feed(tf.t, &e) == -1) {
		printf("feed %s: %s\n", fc->name, e.msg);
		trust_close(tf.t);
		return 1;
	}
	validators(&tf, &p.etag, &p.last_modified);
	fetch_cycle(&p, &ops, &rep);
	if (fetch_outcome_ok(rep.outcome))
		printf("feed %s: %s\n", fc->name, rep.message);
	else if (trust_state(tf.t)->have)
		printf("feed %s: %s; the last good list (serial %s) stays\n",
		    fc->name, rep.message, trust_state(tf.t)->serial);
	else
		printf("feed %s: %s; this feed has no list yet\n", fc->name,
		    rep.message);
	trust_close(tf.t);
	return fetch_outcome_ok(rep.outcome) ? 0 : 1;
}

static int
standalone(const struct conf *c, const bool *sel)
{
	struct trust_params tp[CONF_MAX_FEEDS];
	struct guard *g;
	struct verr e;
	int rc = 0;

	if ((g = guard_new(c->never_block_file, &e)) == NULL) {
		fprintf(stderr, "veto fetch: %s\n", e.msg);
		return 2;
	}
	/* keys and never-block names are read before the drop, as vetod does */
	for (unsigned i = 0; i < c->nfeeds; i++) {
		if (sel[i] && trust_params_from_conf(c, &c->feeds[i], g, &tp[i],
		    &e) == -1) {
			fprintf(stderr, "veto fetch: %s\n", e.msg);
			guard_free(g);
			return 2;
		}
	}
	if (become_daemon_user(c, &e) == -1 || fetch_init(&e) == -1) {
		fprintf(stderr, "veto fetch: %s\n", e.msg);
		guard_free(g);
		return 1;
	}
	for (unsigned i = 0; i < c->nfeeds; i++)
		if (sel[i] && fetch_one(c, &c->feeds[i], &tp[i]) != 0)
			rc = 1;
	guard_free(g);
	return rc;
}

/* --- the command -------------------------------------------------------- */

/* Mark the feeds to fetch; 0, or 2 after saying why not. */
static int
select_feeds(const struct conf *c, const char *feed, bool *sel)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nfeeds; i++) {
		const struct feed_conf *fc = &c->feeds[i];
		sel[i] = false;
		if (feed != NULL && strcmp(fc->name, feed) != 0)
			continue;
		if (fc->url == NULL) {
			if (feed != NULL) {
				fprintf(stderr, "veto fetch: feed %s reads "
				    "list_file %s: there is nothing to fetch\n",
				    fc->name, fc->file);
				return 2;
			}
			continue;
		}
		sel[i] = true;
		n++;
	}
	if (n > 0)
		return 0;
	if (feed != NULL)
		fprintf(stderr, "veto fetch: %s has no feed `%s'\n", c->path, feed);
	else
		fprintf(stderr, "veto fetch: no feed of %s has a list_url\n",
		    c->path);
	return 2;
}

int
cmd_fetch(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = DEFAULT_CONF, *sock = NULL, *feed = NULL;
	bool sel[CONF_MAX_FEEDS];
	struct conf *c;
	struct verr e;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (argc - optind > 1)
		return usage(stderr, 2);
	if (argc - optind == 1)
		feed = argv[optind];
	if ((c = conf_load(path, &e)) == NULL) {
		fprintf(stderr, "veto fetch: %s\n", e.msg);
		return 2;
	}
	if ((rc = select_feeds(c, feed, sel)) != 0) {
		conf_free(c);
		return rc;
	}
	if (sock == NULL)
		sock = c->control_socket;
	switch (daemon_listening(sock, &e)) {
	case 1:
		rc = via_daemon(sock, feed);
		break;
	case 0:
		rc = standalone(c, sel);
		break;
	default:
		fprintf(stderr, "veto fetch: %s\n", e.msg);
		rc = 1;
		break;
	}
	conf_free(c);
	return rc;
}
