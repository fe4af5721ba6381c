/* trust.c - the acceptance pipeline of a feed and its state directory.
 * See trust.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "trust/trust.h"

struct trust_feed {
	char *name, *feed;
	struct sig_keyring keys;
	struct list_limits limits;
	uint64_t max_change;
	unsigned sig_flags;
	const struct guard *guard;
	char *dir;		/* NULL: no state */
	bool read_only;
	int lockfd;
	struct trust_state st;
};

const char *
trust_verdict_name(enum trust_verdict v)
{
	switch (v) {
	case TRUST_INSTALL:
		return "install";
	case TRUST_UNCHANGED:
		return "unchanged";
	case TRUST_HELD:
		return "held";
	case TRUST_EXPIRED:
		return "expired";
	case TRUST_REFUSED:
		return "refused";
	}
	return "?";
}

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xcalloc(1, n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* --- the state file --------------------------------------------------------- */

static bool
hex_decode(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return false;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}

static void
hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool
set_text(char *dst, size_t size, const char *v)
{
	return str_copy(dst, v, size) < size;
}

/* One `key value` line of a state file. */
static bool
state_field(struct trust_state *st, const char *k, const char *v)
{
	if (strcmp(k, "feed") == 0)
		return set_text(st->feed, sizeof(st->feed), v);
	if (strcmp(k, "serial") == 0)
		return is_decimal(v) && set_text(st->serial, sizeof(st->serial), v);
	if (strcmp(k, "sha256") == 0)
		return hex_decode(v, st->sha256, sizeof(st->sha256));
	if (strcmp(k, "entries") == 0)
		return parse_u64(v, 0, UINT32_MAX, &st->entries);
	if (strcmp(k, "size") == 0)
		return parse_u64(v, 0, UINT64_MAX, &st->size);
	if (strcmp(k, "issued") == 0)
		return time_parse_rfc3339(v, &st->issued);
	if (strcmp(k, "expires") == 0)
		return time_parse_rfc3339(v, &st->expires);
	if (strcmp(k, "installed") == 0)
		return time_parse_rfc3339(v, &st->installed);
	if (strcmp(k, "fetched") == 0)
		return time_parse_rfc3339(v, &st->fetched);
	if (strcmp(k, "key_id") == 0)
		return set_text(st->key_id, sizeof(st->key_id), v);
	if (strcmp(k, "etag") == 0)
		return set_text(st->etag, sizeof(st->etag), v);
	if (strcmp(k, "last_modified") == 0)
		return set_text(st->last_modified, sizeof(st->last_modified), v);
	if (strcmp(k, "fetch_result") == 0)
		return set_text(st->fetch_result, sizeof(st->fetch_result), v);
	return true;	/* unknown keys are ignored (a newer veto wrote them) */
}

static int
state_parse(char *text, struct trust_state *st, const char *path,
    struct verr *e)
{
	char *line, *next, *sp;
	int lineno = 0;
	bool have_sha = false;

	memset(st, 0, sizeof(*st));
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (*line == '#' || *line == '\0')
			continue;
		if ((sp = strchr(line, ' ')) != NULL)
			*sp = '\0';	/* line is now the key */
		if (sp == NULL || !state_field(st, line, sp + 1)) {
			verr_set(e, "%s:%d: corrupt state line (key `%s')", path,
			    lineno, line);
			return -1;
		}
		have_sha |= strcmp(line, "sha256") == 0;
	}
	st->have = st->serial[0] != '\0';
	if (st->have && (!have_sha || st->feed[0] == '\0')) {
		verr_set(e, "%s: corrupt state: a serial without feed or sha256",
		    path);
		return -1;
	}
	return 0;
}

static int
state_read(struct trust_feed *t, struct verr *e)
{
	char *path;
	uint8_t *buf;
	size_t len;
	int rc;

	memset(&t->st, 0, sizeof(t->st));
	if (t->dir == NULL)
		return 0;
	path = path_join(t->dir, "state");
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		free(path);
		return 0;
	}
	if (file_read(path, TRUST_STATE_MAX, &buf, &len, e) == -1) {
		free(path);
		return -1;
	}
	rc = -1;
	if (memchr(buf, '\0', len) != NULL)
		verr_set(e, "%s: corrupt state (NUL byte)", path);
	else
		rc = state_parse((char *)buf, &t->st, path, e);
	free(buf);
	free(path);
	return rc;
}

/* Append "key value\n" with control bytes of value replaced. */
static void
state_put(char *buf, size_t size, size_t *n, const char *k, const char *v)
{
	size_t start;

	if (v == NULL || *v == '\0' || *n >= size)
		return;
	*n += (size_t)snprintf(buf + *n, size - *n, "%s ", k);
	start = *n;
	*n += (size_t)snprintf(buf + *n, *n < size ? size - *n : 0, "%s\n", v);
	for (size_t i = start; i + 1 < *n && i < size; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
}

static void
state_put_time(char *buf, size_t size, size_t *n, const char *k, time_t t)
{
	char ts[32];

	if (t == 0)
		return;
	time_format_rfc3339(t, ts);
	state_put(buf, size, n, k, ts);
}

static int
state_write(struct trust_feed *t, const struct trust_state *st, struct verr *e)
{
	char buf[4096], num[32], hex[65], *path;
	size_t n = 0;
	int rc;

	n += (size_t)snprintf(buf, sizeof(buf), "# veto feed state, written "
	    "by vetod and veto; do not edit\n");
	if (st->have) {
		state_put(buf, sizeof(buf), &n, "feed", st->feed);
		state_put(buf, sizeof(buf), &n, "serial", st->serial);
		hex_encode(st->sha256, sizeof(st->sha256), hex);
		state_put(buf, sizeof(buf), &n, "sha256", hex);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)st->entries);
		state_put(buf, sizeof(buf), &n, "entries", num);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)st->size);
		state_put(buf, sizeof(buf), &n, "size", num);
		state_put_time(buf, sizeof(buf), &n, "issued", st->issued);
		state_put_time(buf, sizeof(buf), &n, "expires", st->expires);
		state_put_time(buf, sizeof(buf), &n, "installed", st->installed);
		state_put(buf, sizeof(buf), &n, "key_id", st->key_id);
	}
	state_put(buf, sizeof(buf), &n, "etag", st->etag);
	state_put(buf, sizeof(buf), &n, "last_modified", st->last_modified);
	state_put_time(buf, sizeof(buf), &n, "fetched", st->fetched);
	state_put(buf, sizeof(buf), &n, "fetch_result", st->fetch_result);
	if (n >= sizeof(buf)) {
		verr_set(e, "state of feed %s: too large", t->name);
		return -1;
	}
	path = path_join(t->dir, "state");
	rc = file_write_atomic(path, buf, n, 0600, e);
	free(path);
	if (rc == 0)
		t->st = *st;
	return rc;
}

/* --- opening a feed ----------------------------------------------------------- */

int
trust_params_from_conf(const struct conf *c, const struct feed_conf *f,
    const struct guard *g, struct trust_params *p, struct verr *e)
{
	struct sig_key k;

	memset(p, 0, sizeof(*p));
	p->name = f->name;
	p->feed = f->feed;
	p->limits.max_bytes = f->max_bytes;
	p->limits.max_entries = f->max_entries;
	p->max_change = f->max_change;
	p->guard = g;
	p->state_dir = c->state_dir;
	for (unsigned i = 0; i < f->nkeys; i++) {
		if (sig_key_parse(f->keys[i], strlen(f->keys[i]), &k, e) == -1 ||
		    sig_keyring_add(&p->keys, &k, e) == -1) {
			verr_prefix(e, "feed %s: list_key %u", f->name, i + 1);
			return -1;
		}
	}
	for (unsigned i = 0; i < f->nkey_files; i++) {
		if (sig_key_load(f->key_files[i], &k, e) == -1 ||
		    sig_keyring_add(&p->keys, &k, e) == -1) {
			verr_prefix(e, "feed %s: list_key_file", f->name);
			return -1;
		}
	}
	return 0;
}

static int
make_dirs(const struct trust_params *p, const char *dir, struct verr *e)
{
	char *feeds;
	int rc;

	if (p->feed_dir != NULL)
		return dir_ensure(dir, 0700, (uid_t)-1, (gid_t)-1, e);
	feeds = path_join(p->state_dir, "feeds");
	rc = dir_ensure(p->state_dir, 0700, (uid_t)-1, (gid_t)-1, e) == -1 ||
	    dir_ensure(feeds, 0700, (uid_t)-1, (gid_t)-1, e) == -1 ||
	    dir_ensure(dir, 0700, (uid_t)-1, (gid_t)-1, e) == -1 ? -1 : 0;
	free(feeds);
	return rc;
}

struct trust_feed *
trust_open(const struct trust_params *p, struct verr *e)
{
	struct trust_feed *t;

	if (p->guard == NULL) {
		verr_set(e, "feed %s: no guardrails given", p->name);
		return NULL;
	}
	if ((p->state_dir != NULL || p->feed_dir != NULL) && p->feed_dir == NULL &&
	    !conf_feed_name_ok(p->name)) {
		verr_set(e, "feed name `%s' cannot name a state directory",
		    p->name ? p->name : "");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(p->name ? p->name : "-");
	t->feed = p->feed ? xstrdup(p->feed) : NULL;
	t->keys = p->keys;
	t->limits = p->limits;
	t->max_change = p->max_change;
	t->sig_flags = p->sig_flags;
	t->guard = p->guard;
	t->read_only = p->read_only;
	t->lockfd = -1;
	if (p->feed_dir != NULL) {
		t->dir = xstrdup(p->feed_dir);
	} else if (p->state_dir != NULL) {
		char *feeds = path_join(p->state_dir, "feeds");
		t->dir = path_join(feeds, p->name);
		free(feeds);
	}
	if (t->dir != NULL && !t->read_only && make_dirs(p, t->dir, e) == -1) {
		trust_close(t);
		return NULL;
	}
	if (state_read(t, e) == -1) {
		trust_close(t);
		return NULL;
	}
	return t;
}

void
trust_close(struct trust_feed *t)
{
	if (t == NULL)
		return;
	trust_unlock(t);
	free(t->name);
	free(t->feed);
	free(t->dir);
	free(t);
}

const char *
trust_dir(const struct trust_feed *t)
{
	return t->dir;
}

const struct trust_state *
trust_state(const struct trust_feed *t)
{
	return &t->st;
}

int
trust_reload(struct trust_feed *t, struct verr *e)
{
	return state_read(t, e);
}

int
trust_lock(struct trust_feed *t, bool wait, struct verr *e)
{
	char *path;

	if (t->dir == NULL || t->read_only) {
		verr_set(e, "feed %s: no writable state directory", t->name);
		return -1;
	}
	if (t->lockfd != -1)
		return 0;
	path = path_join(t->dir, "lock");
	t->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (t->lockfd == -1) {
		verr_set(e, "%s: open: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (flock(t->lockfd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno == EINTR)
			continue;
		verr_set(e, errno == EWOULDBLOCK ? "%s: the state of feed %s is "
		    "locked by another process (vetod, veto fetch or veto list "
		    "confirm)" : "%s: flock: %s", path,
		    errno == EWOULDBLOCK ? t->name : strerror(errno));
		close(t->lockfd);
		t->lockfd = -1;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void
trust_unlock(struct trust_feed *t)
{
	if (t->lockfd != -1) {
		close(t->lockfd);	/* releases the flock */
		t->lockfd = -1;
	}
}

/* --- evaluate --------------------------------------------------------------- */

static enum trust_verdict
verdict(struct trust_candidate *c, enum trust_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum trust_verdict
verdict(struct trust_candidate *c, enum trust_verdict v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->verdict = v;
	return v;
}

static int
sha256(const uint8_t *buf, size_t len, uint8_t out[32])
{
	return EVP_Digest(buf, len, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

/* Step 3: identical to the last good list? Then nothing needs parsing. */
static bool
same_as_last(struct trust_feed *t, struct trust_candidate *c, time_t now)
{
	const struct trust_state *st = &t->st;
	char ts[32];

	if (!st->have || st->size != c->len || sha256(c->bytes, c->len, c->sha256) == -1 ||
	    memcmp(c->sha256, st->sha256, 32) != 0)
		return false;
	if (t->feed != NULL && strcmp(st->feed, t->feed) != 0)
		return false;	/* recorded under another feed id: judge anew */
	c->same_as_last = true;
	time_format_rfc3339(st->expires, ts);
	if (st->expires <= now)
		verdict(c, TRUST_EXPIRED, "expired: serial %s (the list in "
		    "force, unchanged) expired at %s", st->serial, ts);
	else
		verdict(c, TRUST_UNCHANGED, "unchanged: serial %s is the list in "
		    "force", st->serial);
	return true;
}

/* Steps 4-6 on the parsed list. */
static bool
check_identity(struct trust_feed *t, struct trust_candidate *c, time_t now,
    unsigned flags)
{
	const struct list *l = c->list;
	const struct trust_state *st = &t->st;
	char ts[32];
	int cmp;

	if (t->feed != NULL && strcmp(l->feed, t->feed) != 0) {
		verdict(c, TRUST_REFUSED, "feed \"%s\" is not the configured "
		    "feed \"%s\"", l->feed, t->feed);
		return false;
	}
	if (l->issued > now + TRUST_ISSUED_SKEW) {
		time_format_rfc3339(l->issued, ts);
		verdict(c, TRUST_REFUSED, "issued %s is in the future (more than "
		    "%d seconds ahead of this clock)", ts, TRUST_ISSUED_SKEW);
		return false;
	}
	if (!st->have || strcmp(st->feed, l->feed) != 0)
		return true;
	cmp = decimal_cmp(l->serial, st->serial);
	if (cmp < 0) {
		verdict(c, TRUST_REFUSED, "serial %s is lower than the last "
		    "accepted serial %s: rollback refused", l->serial, st->serial);
		return false;
	}
	if (cmp == 0 && (flags & TRUST_REINSTALL) &&
	    memcmp(c->sha256, st->sha256, 32) == 0)
		return true;	/* the recorded list itself, judged anew */
	if (cmp == 0) {
		verdict(c, TRUST_REFUSED, "serial %s is the last accepted serial "
		    "but the bytes differ: a changed list needs a new serial",
		    l->serial);
		return false;
	}
	return true;
}

/* Step 9: the entry count changed too much? */
static bool
check_change(struct trust_feed *t, struct trust_candidate *c, unsigned flags)
{
	const struct trust_state *st = &t->st;
	uint64_t old = st->entries, new = c->list->nentries, diff;

	if (!st->have || strcmp(st->feed, c->list->feed) != 0 ||
	    (flags & TRUST_CONFIRMED) || t->max_change == TRUST_NO_HOLD)
		return true;
	diff = new > old ? new - old : old - new;
	if (diff == 0 || (old > 0 && diff * 100 <= t->max_change * old))
		return true;
	if (old == 0)
		verdict(c, TRUST_HELD, "held: the entry count changed from 0 to "
		    "%llu, more than list_max_change (%llu%%); confirm with `veto "
		    "list confirm -c CONF %s'", (unsigned long long)new,
		    (unsigned long long)t->max_change, c->list->serial);
	else
		verdict(c, TRUST_HELD, "held: the entry count changed by %llu%% "
		    "(from %llu to %llu), more than list_max_change (%llu%%); "
		    "confirm with `veto list confirm -c CONF %s'",
		    (unsigned long long)((diff * 100 + old - 1) / old),
		    (unsigned long long)old, (unsigned long long)new,
		    (unsigned long long)t->max_change, c->list->serial);
	return false;
}

enum trust_verdict
trust_evaluate(struct trust_feed *t, const uint8_t *buf, size_t len,
    const uint8_t *sig, size_t siglen, time_t now, unsigned flags,
    struct trust_candidate *c)
{
	struct verr e;
	char ts[32];
	long bad;

	memset(c, 0, sizeof(*c));
	c->bytes = buf;
	c->len = len;
	c->sigbytes = sig;
	c->siglen = siglen;
	if (state_read(t, &e) == -1)
		return verdict(c, TRUST_REFUSED, "%s", e.msg);
	if (len > t->limits.max_bytes)
		return verdict(c, TRUST_REFUSED, "the list has %zu bytes, more "
		    "than list_max_bytes (%llu)", len,
		    (unsigned long long)t->limits.max_bytes);
	if (sig_verify(&t->keys, buf, len, sig, siglen, t->sig_flags, &c->sig,
	    &e) == -1)
		return verdict(c, TRUST_REFUSED, "%s", e.msg);
	if (!(flags & TRUST_REINSTALL) && same_as_last(t, c, now))
		return c->verdict;
	if ((c->list = list_parse(buf, len, &t->limits, &e)) == NULL)
		return verdict(c, TRUST_REFUSED, "%s", e.msg);
	memcpy(c->sha256, c->list->digest, 32);
	if (!check_identity(t, c, now, flags))
		return c->verdict;
	if ((bad = guard_check(t->guard, c->list, &c->report, &e)) != 0)
		return verdict(c, TRUST_REFUSED, "%s", e.msg);
	if (c->list->expires <= now) {
		time_format_rfc3339(c->list->expires, ts);
		return verdict(c, TRUST_EXPIRED, "expired: serial %s expired at "
		    "%s", c->list->serial, ts);
	}
	if (!check_change(t, c, flags))
		return c->verdict;
	if (t->st.have && strcmp(t->st.feed, c->list->feed) == 0)
		return verdict(c, TRUST_INSTALL, "new serial %s (the list in force "
		    "has serial %s)", c->list->serial, t->st.serial);
	return verdict(c, TRUST_INSTALL, "serial %s (no list of this feed "
	    "accepted before)", c->list->serial);
}

void
trust_candidate_free(struct trust_candidate *c)
{
	if (c == NULL)
		return;
	list_free(c->list);
	free(c->report);
	free(c->owned_bytes);
	free(c->owned_sig);
	c->list = NULL;
	c->report = NULL;
	c->owned_bytes = c->owned_sig = NULL;
}

/* --- commit ----------------------------------------------------------------- */

static int
write_pair(const char *dir, const char *base, const struct trust_candidate *c,
    struct verr *e)
{
	char name[LIST_SERIAL_MAX + 32], *path;
	int rc;

	snprintf(name, sizeof(name), "%s.minisig", base);
	path = path_join(dir, name);
	rc = file_write_atomic(path, c->sigbytes, c->siglen, 0600, e);
	free(path);
	if (rc == -1)
		return -1;
	path = path_join(dir, base);
	rc = file_write_atomic(path, c->bytes, c->len, 0600, e);
	free(path);
	return rc;
}

static void
remove_pair(const char *dir, const char *base)
{
	char name[LIST_SERIAL_MAX + 32], *path;

	path = path_join(dir, base);
	unlink(path);
	free(path);
	snprintf(name, sizeof(name), "%s.minisig", base);
	path = path_join(dir, name);
	unlink(path);
	free(path);
}

static bool
held_name(const char *fname, char *serial, size_t size)
{
	size_t n = strlen(fname);

	if (n <= 5 || n - 5 > LIST_SERIAL_MAX || strcmp(fname + n - 5, ".json") != 0)
		return false;
	str_ncopy(serial, size, fname, n - 5);
	return is_decimal(serial);
}

static int
cmp_serial_desc(const void *a, const void *b)
{
	return -decimal_cmp(*(char *const *)a, *(char *const *)b);
}

int
trust_held_list(struct trust_feed *t, char ***out, size_t *n, struct verr *e)
{
	char *dir, serial[LIST_SERIAL_MAX + 1], **v = NULL;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (t->dir == NULL)
		return 0;
	dir = path_join(t->dir, "held");
	if ((d = opendir(dir)) == NULL) {
		int err = errno;
		free(dir);
		if (err == ENOENT)
			return 0;
		verr_set(e, "feed %s: held lists: %s", t->name, strerror(err));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!held_name(de->d_name, serial, sizeof(serial)))
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrdup(serial);
	}
	closedir(d);
	free(dir);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_serial_desc);
	*out = v;
	return 0;
}

void
trust_held_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Remove held lists whose serial is not above `upto` (NULL: none), then
 * the lowest ones beyond TRUST_MAX_HELD. */
static void
held_prune(struct trust_feed *t, const char *upto)
{
	char **v, *dir, base[LIST_SERIAL_MAX + 8];
	size_t n;
	struct verr e;

	if (trust_held_list(t, &v, &n, &e) == -1)
		return;
	dir = path_join(t->dir, "held");
	for (size_t i = 0; i < n; i++) {
		if ((upto != NULL && decimal_cmp(v[i], upto) <= 0) ||
		    i >= TRUST_MAX_HELD) {
			snprintf(base, sizeof(base), "%s.json", v[i]);
			remove_pair(dir, base);
		}
	}
	free(dir);
	trust_held_free(v, n);
}

static int
commit_good(struct trust_feed *t, const struct trust_candidate *c, time_t now,
    struct verr *e)
{
	const struct list *l = c->list;
	struct trust_state st = t->st;
	char base[LIST_SERIAL_MAX + 16], old[LIST_SERIAL_MAX + 16];

	snprintf(base, sizeof(base), "list-%s.json", l->serial);
	if (write_pair(t->dir, base, c, e) == -1)
		return -1;
	old[0] = '\0';
	if (st.have && strcmp(st.serial, l->serial) != 0)
		snprintf(old, sizeof(old), "list-%s.json", st.serial);
	st.have = true;
	str_copy(st.feed, l->feed, sizeof(st.feed));
	str_copy(st.serial, l->serial, sizeof(st.serial));
	memcpy(st.sha256, c->sha256, 32);
	st.entries = l->nentries;
	st.size = c->len;
	st.issued = l->issued;
	st.expires = l->expires;
	st.installed = now;
	sig_keyid_hex(c->sig.id, st.key_id);
	if (state_write(t, &st, e) == -1)
		return -1;
	if (old[0] != '\0')
		remove_pair(t->dir, old);
	held_prune(t, l->serial);
	return 0;
}

static int
commit_held(struct trust_feed *t, const struct trust_candidate *c,
    struct verr *e)
{
	char base[LIST_SERIAL_MAX + 8], *dir;
	int rc;

	dir = path_join(t->dir, "held");
	snprintf(base, sizeof(base), "%s.json", c->list->serial);
	rc = dir_ensure(dir, 0700, (uid_t)-1, (gid_t)-1, e) == -1 ? -1 :
	    write_pair(dir, base, c, e);
	free(dir);
	if (rc == 0)
		held_prune(t, NULL);
	return rc;
}

int
trust_commit(struct trust_feed *t, const struct trust_candidate *c, time_t now,
    struct verr *e)
{
	if (t->dir == NULL || t->read_only) {
		verr_set(e, "feed %s: no writable state directory", t->name);
		return -1;
	}
	if (t->lockfd == -1) {
		verr_set(e, "feed %s: commit without the state lock", t->name);
		return -1;
	}
	switch (c->verdict) {
	case TRUST_UNCHANGED:
		return 0;
	case TRUST_EXPIRED:
		if (c->same_as_last)
			return 0;
		/* FALLTHROUGH */
	case TRUST_INSTALL:
		return commit_good(t, c, now, e);
	case TRUST_HELD:
		return commit_held(t, c, e);
	case TRUST_REFUSED:
		break;
	}
	verr_set(e, "feed %s: a refused list cannot be committed", t->name);
	return -1;
}

/* --- loading ---------------------------------------------------------------- */

static int
read_pair(const char *dir, const char *base, uint64_t max, uint8_t **buf,
    size_t *len, uint8_t **sig, size_t *siglen, struct verr *e)
{
	char name[LIST_SERIAL_MAX + 32], *path;
	int rc;

	path = path_join(dir, base);
	rc = file_read(path, (size_t)max, buf, len, e);
	free(path);
	if (rc == -1)
		return -1;
	snprintf(name, sizeof(name), "%s.minisig", base);
	path = path_join(dir, name);
	rc = file_read(path, SIG_FILE_MAX, sig, siglen, e);
	free(path);
	if (rc == -1) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

int
trust_load_good(struct trust_feed *t, struct list **out, struct sig_info *info,
    struct verr *e)
{
	char base[LIST_SERIAL_MAX + 16];
	uint8_t *buf, *sig;
	size_t len, siglen;
	struct list *l = NULL;
	int rc = -1;

	*out = NULL;
	if (state_read(t, e) == -1)
		return -1;
	if (!t->st.have)
		return 0;
	snprintf(base, sizeof(base), "list-%s.json", t->st.serial);
	if (read_pair(t->dir, base, t->limits.max_bytes, &buf, &len, &sig,
	    &siglen, e) == -1)
		goto fail;
	if (sig_verify(&t->keys, buf, len, sig, siglen, t->sig_flags, info, e) == 0 &&
	    (l = list_parse(buf, len, &t->limits, e)) != NULL) {
		if (memcmp(l->digest, t->st.sha256, 32) != 0 ||
		    strcmp(l->serial, t->st.serial) != 0)
			verr_set(e, "the list file does not match the state "
			    "(SHA-256 or serial)");
		else if (t->feed != NULL && strcmp(l->feed, t->feed) != 0)
			verr_set(e, "feed \"%s\" is not the configured feed \"%s\"",
			    l->feed, t->feed);
		else
			rc = 0;
	}
	free(buf);
	free(sig);
	if (rc == 0) {
		*out = l;
		return 0;
	}
	list_free(l);
fail:
	verr_prefix(e, "feed %s: last good list %s", t->name, t->st.serial);
	return -1;
}

int
trust_confirm(struct trust_feed *t, const char *serial, time_t now,
    struct trust_candidate *c, struct verr *e)
{
	char base[LIST_SERIAL_MAX + 8], *dir;
	uint8_t *buf, *sig;
	size_t len, siglen;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!is_decimal(serial) || strlen(serial) > LIST_SERIAL_MAX) {
		verr_set(e, "`%.40s' is not a serial", serial);
		return -1;
	}
	if (t->dir == NULL) {
		verr_set(e, "feed %s: no state directory", t->name);
		return -1;
	}
	dir = path_join(t->dir, "held");
	snprintf(base, sizeof(base), "%s.json", serial);
	rc = read_pair(dir, base, t->limits.max_bytes, &buf, &len, &sig,
	    &siglen, e);
	if (rc == -1) {
		free(dir);
		verr_set(e, "feed %s holds no list with serial %s", t->name, serial);
		return -1;
	}
	trust_evaluate(t, buf, len, sig, siglen, now, TRUST_CONFIRMED, c);
	c->owned_bytes = buf;
	c->owned_sig = sig;
	rc = -1;
	if (c->verdict == TRUST_INSTALL) {
		rc = trust_commit(t, c, now, e);
	} else if (c->verdict == TRUST_UNCHANGED) {
		remove_pair(dir, base);
		rc = 0;
	} else {
		verr_set(e, "held list %s: %s", serial, c->reason);
	}
	free(dir);
	return rc;
}

int
trust_note_fetch(struct trust_feed *t, const char *etag,
    const char *last_modified, time_t when, const char *result,
    struct verr *e)
{
	struct trust_state st;

	if (t->dir == NULL || t->read_only || t->lockfd == -1) {
		verr_set(e, "feed %s: fetch state written without the lock",
		    t->name);
		return -1;
	}
	if (state_read(t, e) == -1)
		return -1;
	st = t->st;
	if (etag != NULL)
		str_copy(st.etag, etag, sizeof(st.etag));
	if (last_modified != NULL)
		str_copy(st.last_modified, last_modified, sizeof(st.last_modified));
	if (result != NULL)
		str_copy(st.fetch_result, result, sizeof(st.fetch_result));
	st.fetched = when;
	return state_write(t, &st, e);
}

int
trust_find_name(const char *state_dir, const char *feed, char *name,
    size_t size, struct verr *e)
{
	char *feeds = path_join(state_dir, "feeds"), *path, *sp;
	struct dirent *de;
	DIR *d;
	int found = -1;

	if ((d = opendir(feeds)) == NULL) {
		verr_set(e, "%s: %s", feeds, strerror(errno));
		free(feeds);
		return -1;
	}
	while (found == -1 && (de = readdir(d)) != NULL) {
		uint8_t *buf;
		size_t len;
		struct trust_state st;
		struct verr ignore;

		if (!conf_feed_name_ok(de->d_name))
			continue;
		sp = path_join(feeds, de->d_name);
		path = path_join(sp, "state");
		free(sp);
		if (file_read(path, TRUST_STATE_MAX, &buf, &len, &ignore) == 0) {
			if (memchr(buf, '\0', len) == NULL &&
			    state_parse((char *)buf, &st, path, &ignore) == 0 &&
			    strcmp(st.feed, feed) == 0 &&
			    str_copy(name, de->d_name, size) < size)
				found = 0;
			free(buf);
		}
		free(path);
	}
	closedir(d);
	if (found == -1)
		verr_set(e, "%s: no state of feed \"%s\"", feeds, feed);
	free(feeds);
	return found;
}
