/* conf.c - see conf.h. One table drives parsing, defaults and printing. */
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/net.h"
#include "core/netacl.h"

enum ctype {
	T_STR,		/* char * */
	T_BOOL,		/* bool */
	T_U64,		/* uint64_t in [min, max] */
	T_SIZE,		/* uint64_t with K/M/G suffix, <= max */
	T_ENUM,		/* int, index into names */
	T_QUEUES,	/* queue_first/queue_count */
	T_CHAINS,	/* unsigned bits */
	T_MARK,		/* uint32_t contiguous mask */
	T_STRLIST,	/* char *[N] + unsigned count right after */
	T_PORTS,	/* uint16_t[N] + unsigned count right after */
};

enum scope { S_GLOBAL = 1, S_FEED = 2, S_BOTH = 3 };

struct ckey {
	const char *name;
	enum ctype type;
	enum scope scope;
	size_t off;		/* into struct conf (S_GLOBAL) or feed_conf */
	size_t count_off;	/* T_STRLIST / T_PORTS: the count field */
	size_t cap;		/* T_STRLIST / T_PORTS: array length */
	const char *def;	/* default as text; NULL: none */
	uint64_t min, max;
	const char *const *names;	/* T_ENUM */
};

static const char *const modes[] = {"enforce", "monitor", NULL};
static const char *const expired[] = {"enforce", "disable", NULL};
static const char *const dns_actions[] = {"stoppage", "nxdomain", "refused", NULL};
static const char *const http_actions[] = {"redirect", "451", NULL};
static const char *const no_sni[] = {"allow", "block", NULL};
static const char *const policies[] = {"block", "allow", NULL};
static const char *const drop_pass[] = {"drop", "pass", NULL};
static const char *const h2c_modes[] = {"url-hosts", "block", "allow", NULL};
static const char *const rpz_actions[] = {"nxdomain", "nodata", "stoppage", NULL};

#define G(f) offsetof(struct conf, f)
#define F(f) offsetof(struct feed_conf, f)
#define GL(f, n) offsetof(struct conf, f), offsetof(struct conf, n), CONF_MAX_LISTEN
#define GP(f, n) offsetof(struct conf, f), offsetof(struct conf, n), CONF_MAX_PORTS
#define FK(f, n) offsetof(struct feed_conf, f), offsetof(struct feed_conf, n), CONF_MAX_KEYS

static const struct ckey keys[] = {
	{"queues", T_QUEUES, S_GLOBAL, 0, 0, 0, "0", 0, 65535, NULL},
	{"fail_open", T_BOOL, S_GLOBAL, G(fail_open), 0, 0, "yes", 0, 0, NULL},
	{"mode", T_ENUM, S_GLOBAL, G(mode), 0, 0, "enforce", 0, 0, modes},
	{"user", T_STR, S_GLOBAL, G(user), 0, 0, "veto", 0, 0, NULL},
	{"chains", T_CHAINS, S_GLOBAL, G(chains), 0, 0, "forward", 0, 0, NULL},
	{"mark_mask", T_MARK, S_GLOBAL, G(mark_mask), 0, 0, "0x00300000", 0, 0, NULL},
	{"queue_maxlen", T_U64, S_GLOBAL, G(queue_maxlen), 0, 0, "8192", 16, 1u << 20, NULL},
	{"connbytes_cap", T_U64, S_GLOBAL, G(connbytes_cap), 0, 0, "24", 2, 100000, NULL},
	{"rate_limit_dns", T_U64, S_GLOBAL, G(rate_limit_dns), 0, 0, "0", 0, 100000, NULL},
	{"rate_limit_flows", T_U64, S_GLOBAL, G(rate_limit_flows), 0, 0, "0", 0, 100000, NULL},
	{"dns_tcp_bytes_cap", T_SIZE, S_GLOBAL, G(dns_tcp_bytes_cap), 0, 0, "1MiB", 0, 1ULL << 32, NULL},
	{"http_ports", T_PORTS, S_GLOBAL, GP(http_ports, nhttp_ports), "80", 1, 65535, NULL},
	{"tls_ports", T_PORTS, S_GLOBAL, GP(tls_ports, ntls_ports), "443", 1, 65535, NULL},
	{"quic_ports", T_PORTS, S_GLOBAL, GP(quic_ports, nquic_ports), "443", 1, 65535, NULL},

	{"list_url", T_STR, S_FEED, F(url), 0, 0, NULL, 0, 0, NULL},
	{"list_sig_url", T_STR, S_FEED, F(sig_url), 0, 0, NULL, 0, 0, NULL},
	{"list_file", T_STR, S_FEED, F(file), 0, 0, NULL, 0, 0, NULL},
	{"list_key", T_STRLIST, S_FEED, FK(keys, nkeys), NULL, 0, 0, NULL},
	{"list_key_file", T_STRLIST, S_FEED, FK(key_files, nkey_files), NULL, 0, 0, NULL},
	{"list_feed", T_STR, S_FEED, F(feed), 0, 0, NULL, 0, 0, NULL},
	{"list_refresh", T_U64, S_FEED, F(refresh), 0, 0, "900", 10, 30 * 86400, NULL},
	{"list_grace", T_U64, S_FEED, F(grace), 0, 0, "259200", 0, 365 * 86400ULL, NULL},
	{"on_expired", T_ENUM, S_FEED, F(on_expired), 0, 0, "enforce", 0, 0, expired},
	{"list_max_bytes", T_SIZE, S_FEED, F(max_bytes), 0, 0, "1GiB", 0, 1ULL << 34, NULL},
	{"list_max_entries", T_U64, S_FEED, F(max_entries), 0, 0, "20000000", 1, 1ULL << 31, NULL},
	{"list_max_change", T_U64, S_FEED, F(max_change), 0, 0, "50", 0, 1000000, NULL},
	{"ca_file", T_STR, S_BOTH, G(ca_file), 0, 0, NULL, 0, 0, NULL},

	{"never_block_file", T_STR, S_GLOBAL, G(never_block_file), 0, 0, NULL, 0, 0, NULL},
	{"state_dir", T_STR, S_GLOBAL, G(state_dir), 0, 0, "/var/lib/veto", 0, 0, NULL},
	{"dns_action", T_ENUM, S_GLOBAL, G(dns_action), 0, 0, "stoppage", 0, 0, dns_actions},
	{"dns_ttl", T_U64, S_GLOBAL, G(dns_ttl), 0, 0, "60", 0, 86400, NULL},
	{"dns_ede", T_U64, S_GLOBAL, G(dns_ede), 0, 0, "16", 0, 65535, NULL},
	{"stop_page_ipv4", T_STR, S_GLOBAL, G(stop_page_ipv4), 0, 0, NULL, 0, 0, NULL},
	{"stop_page_ipv6", T_STR, S_GLOBAL, G(stop_page_ipv6), 0, 0, NULL, 0, 0, NULL},
	{"stop_page_listen", T_STRLIST, S_GLOBAL, GL(stop_page_listen, nstop_page_listen), NULL, 0, 0, NULL},
	{"stop_page_allow", T_STR, S_GLOBAL, G(stop_page_allow), 0, 0, "private", 0, 0, NULL},
	{"stop_page_url", T_STR, S_GLOBAL, G(stop_page_url), 0, 0, NULL, 0, 0, NULL},
	{"stop_page_status", T_U64, S_GLOBAL, G(stop_page_status), 0, 0, "451", 403, 451, NULL},
	{"stop_page_template", T_STR, S_GLOBAL, G(stop_page_template), 0, 0, "conf/stoppage.html", 0, 0, NULL},
	{"operator_name", T_STR, S_GLOBAL, G(operator_name), 0, 0, NULL, 0, 0, NULL},
	{"operator_url", T_STR, S_GLOBAL, G(operator_url), 0, 0, NULL, 0, 0, NULL},
	{"operator_contact", T_STR, S_GLOBAL, G(operator_contact), 0, 0, NULL, 0, 0, NULL},
	{"http_action", T_ENUM, S_GLOBAL, G(http_action), 0, 0, "redirect", 0, 0, http_actions},
	{"tls_no_sni", T_ENUM, S_GLOBAL, G(tls_no_sni), 0, 0, "allow", 0, 0, no_sni},
	{"dns_malformed", T_ENUM, S_GLOBAL, G(dns_malformed), 0, 0, "drop", 0, 0, drop_pass},
	{"quic_unknown_version", T_ENUM, S_GLOBAL, G(quic_unknown_version), 0, 0, "drop", 0, 0, drop_pass},
	{"h2c", T_ENUM, S_GLOBAL, G(h2c), 0, 0, "url-hosts", 0, 0, h2c_modes},
	{"reasm_flow_bytes", T_SIZE, S_GLOBAL, G(reasm_flow_bytes), 0, 0, "16384", 0, 1u << 20, NULL},
	{"tcp_overcap", T_ENUM, S_GLOBAL, G(tcp_overcap), 0, 0, "block", 0, 0, policies},
	{"undecided_last_packet", T_ENUM, S_GLOBAL, G(undecided_last_packet), 0, 0, "block", 0, 0, policies},
	{"undecided_hold", T_U64, S_GLOBAL, G(undecided_hold), 0, 0, "60", 10, 3600, NULL},
	{"reasm_memory", T_SIZE, S_GLOBAL, G(reasm_memory), 0, 0, "64MiB", 0, 1ULL << 34, NULL},
	{"doh_canary", T_BOOL, S_GLOBAL, G(doh_canary), 0, 0, "no", 0, 0, NULL},
	{"rpz_file", T_STR, S_GLOBAL, G(rpz_file), 0, 0, NULL, 0, 0, NULL},
	{"rpz_action", T_ENUM, S_GLOBAL, G(rpz_action), 0, 0, "nxdomain", 0, 0, rpz_actions},
	{"rpz_origin", T_STR, S_GLOBAL, G(rpz_origin), 0, 0, "veto.rpz", 0, 0, NULL},
	{"metrics_listen", T_STR, S_GLOBAL, G(metrics_listen), 0, 0, "127.0.0.1:9153", 0, 0, NULL},
	{"control_socket", T_STR, S_GLOBAL, G(control_socket), 0, 0, "/run/veto/control.sock", 0, 0, NULL},
	{"stats_interval", T_U64, S_GLOBAL, G(stats_interval), 0, 0, "300", 0, 86400 * 7, NULL},
	{"report_dir", T_STR, S_GLOBAL, G(report_dir), 0, 0, "/var/lib/veto/reports", 0, 0, NULL},
	{"report_interval", T_U64, S_GLOBAL, G(report_interval), 0, 0, "86400", 10, 86400 * 31, NULL},
	{"report_min_count", T_U64, S_GLOBAL, G(report_min_count), 0, 0, "10", 1, 1000000, NULL},
};

/* ca_file inside a [feed] section sets that feed's own trust anchor. */
static const struct ckey feed_ca_file =
    {"ca_file", T_STR, S_FEED, F(ca_file), 0, 0, NULL, 0, 0, NULL};

static const struct ckey *
key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool
set_enum(const struct ckey *k, int *dst, const char *v)
{
	for (int i = 0; k->names[i] != NULL; i++) {
		if (strcasecmp(k->names[i], v) == 0) {
			*dst = i;
			return true;
		}
	}
	return false;
}

static bool
set_queues(struct conf *c, const char *v)
{
	char buf[64], *dash;
	uint64_t a, b;

	if (str_copy(buf, v, sizeof(buf)) >= sizeof(buf))
		return false;
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (!parse_u64(buf, 0, 65535, &a))
		return false;
	b = a;
	if (dash != NULL && !parse_u64(dash + 1, a, 65535, &b))
		return false;
	if (b - a + 1 > CONF_MAX_QUEUES)
		return false;
	c->queue_first = (unsigned)a;
	c->queue_count = (unsigned)(b - a + 1);
	return true;
}

static bool
set_chains(unsigned *dst, const char *v)
{
	char buf[128], *tok, *save = NULL;
	unsigned bits = 0;

	if (str_copy(buf, v, sizeof(buf)) >= sizeof(buf))
		return false;
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (strcasecmp(tok, "forward") == 0)
			bits |= CHAIN_FORWARD;
		else if (strcasecmp(tok, "input") == 0)
			bits |= CHAIN_INPUT;
		else if (strcasecmp(tok, "output") == 0)
			bits |= CHAIN_OUTPUT;
		else
			return false;
	}
	if (bits == 0)
		return false;
	*dst = bits;
	return true;
}

static bool
set_mark(uint32_t *dst, const char *v)
{
	uint64_t m;
	uint32_t low;

	if (!parse_u64(v, 1, UINT32_MAX, &m))
		return false;
	low = (uint32_t)m & (uint32_t)-(int64_t)m;	/* lowest set bit */
	/* contiguous: adding the lowest bit clears the whole run */
	if ((((uint32_t)m + low) & (uint32_t)m) != 0)
		return false;
	if (__builtin_popcount((uint32_t)m) < 2)
		return false;
	*dst = (uint32_t)m;
	return true;
}

static bool
set_ports(const struct ckey *k, void *base, const char *v)
{
	uint16_t *ports = (uint16_t *)((char *)base + k->off);
	unsigned *n = (unsigned *)((char *)base + k->count_off);
	char buf[256], *tok, *save = NULL;
	unsigned cnt = 0;

	if (str_copy(buf, v, sizeof(buf)) >= sizeof(buf))
		return false;
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		uint64_t p;
		if (cnt == k->cap || !parse_u64(tok, k->min, k->max, &p))
			return false;
		ports[cnt++] = (uint16_t)p;
	}
	if (cnt == 0)
		return false;
	*n = cnt;
	return true;
}

/* Set one key from text. `base` is the struct conf or feed_conf. */
static bool
key_set(const struct ckey *k, struct conf *c, void *base, const char *v,
    bool append, const char **why)
{
	void *dst = (char *)base + k->off;
	uint64_t u;

	*why = NULL;
	switch (k->type) {
	case T_STR:
		free(*(char **)dst);
		*(char **)dst = xstrdup(v);
		return true;
	case T_BOOL:
		return parse_bool(v, (bool *)dst);
	case T_U64:
		if (!parse_u64(v, k->min, k->max, &u))
			return false;
		*(uint64_t *)dst = u;
		return true;
	case T_SIZE:
		if (!parse_size(v, k->max, &u))
			return false;
		*(uint64_t *)dst = u;
		return true;
	case T_ENUM:
		return set_enum(k, (int *)dst, v);
	case T_QUEUES:
		return set_queues(c, v);
	case T_CHAINS:
		return set_chains((unsigned *)dst, v);
	case T_MARK:
		return set_mark((uint32_t *)dst, v);
	case T_PORTS:
		return set_ports(k, base, v);
	case T_STRLIST: {
		char **arr = (char **)dst;
		unsigned *n = (unsigned *)((char *)base + k->count_off);
		if (!append) {
			for (unsigned i = 0; i < *n; i++)
				free(arr[i]);
			*n = 0;
		}
		if (*n == k->cap) {
			*why = "too many values";
			return false;
		}
		arr[(*n)++] = xstrdup(v);
		return true;
	}
	}
	return false;
}

static const char *
type_hint(const struct ckey *k)
{
	static char buf[160];

	switch (k->type) {
	case T_BOOL:
		return "yes or no";
	case T_U64:
		snprintf(buf, sizeof(buf), "a number from %llu to %llu",
		    (unsigned long long)k->min, (unsigned long long)k->max);
		return buf;
	case T_SIZE:
		return "a size such as 16384, 64MiB or 1GiB";
	case T_ENUM:
		buf[0] = '\0';
		for (int i = 0; k->names[i] != NULL; i++) {
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof(buf) - n, "%s%s",
			    i ? (k->names[i + 1] ? ", " : " or ") : "", k->names[i]);
		}
		return buf;
	case T_QUEUES:
		return "a queue number or a range such as 0-3 (at most 64 queues)";
	case T_CHAINS:
		return "forward, input and/or output";
	case T_MARK:
		return "a contiguous bit mask of at least 2 bits, such as 0x00300000";
	case T_PORTS:
		return "a comma-separated list of ports";
	default:
		return "a value";
	}
}

static void
feed_defaults(struct conf *c, struct feed_conf *f)
{
	const char *why;

	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct ckey *k = &keys[i];
		if (!(k->scope & S_FEED) || k->def == NULL)
			continue;
		key_set(k, c, f, k->def, false, &why);
	}
}

static struct feed_conf feed_dflt;

static void
feed_dflt_fill(void)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	feed_defaults(&c, &feed_dflt);
}

const struct feed_conf *
conf_feed_defaults(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, feed_dflt_fill);
	return &feed_dflt;
}

struct conf *
conf_default(void)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	const char *why;

	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct ckey *k = &keys[i];
		if (!(k->scope & S_GLOBAL) || k->def == NULL)
			continue;
		if (!key_set(k, c, c, k->def, false, &why))
			abort();	/* a bad default is a programming error */
	}
	return c;
}

static void
feed_free(struct feed_conf *f)
{
	free(f->name);
	free(f->url);
	free(f->sig_url);
	free(f->file);
	for (unsigned i = 0; i < f->nkeys; i++)
		free(f->keys[i]);
	for (unsigned i = 0; i < f->nkey_files; i++)
		free(f->key_files[i]);
	free(f->feed);
	free(f->ca_file);
}

struct conf *
conf_ref(struct conf *c)
{
	atomic_fetch_add(&c->extra_refs, 1);
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	if (atomic_fetch_sub(&c->extra_refs, 1) > 0)
		return;		/* another owner remains */
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct ckey *k = &keys[i];
		if (!(k->scope & S_GLOBAL))
			continue;
		if (k->type == T_STR) {
			free(*(char **)((char *)c + k->off));
		} else if (k->type == T_STRLIST) {
			char **arr = (char **)((char *)c + k->off);
			unsigned n = *(unsigned *)((char *)c + k->count_off);
			for (unsigned j = 0; j < n; j++)
				free(arr[j]);
		}
	}
	for (unsigned i = 0; i < c->nfeeds; i++)
		feed_free(&c->feeds[i]);
	free(c->feeds);
	free(c->path);
	free(c);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Strip a comment: '#' at the start or after white space, outside quotes. */
static void
strip_comment(char *s)
{
	bool q = false;

	for (char *p = s; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == '#' && !q && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

bool
conf_feed_name_ok(const char *s)
{
	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > CONF_FEED_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* Add a feed. Policy keys set at top level (list_refresh, list_grace,
 * on_expired, list_max_*) are the defaults of every later section. */
static struct feed_conf *
feed_add(struct conf *c, const char *name, int line, int top)
{
	struct feed_conf *f;

	c->feeds = xrealloc(c->feeds, (c->nfeeds + 1) * sizeof(*c->feeds));
	f = &c->feeds[c->nfeeds++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->line = line;
	feed_defaults(c, f);
	if (top >= 0) {
		const struct feed_conf *t = &c->feeds[top];
		f->refresh = t->refresh;
		f->grace = t->grace;
		f->on_expired = t->on_expired;
		f->max_bytes = t->max_bytes;
		f->max_entries = t->max_entries;
		f->max_change = t->max_change;
	}
	return f;
}

/* A top-level "feed" with no source, key or id only carried policy
 * defaults for the sections: it is not a feed. */
static void
drop_template_feed(struct conf *c, int top)
{
	struct feed_conf *t;

	if (top < 0)
		return;
	t = &c->feeds[top];
	if (t->url || t->file || t->feed || t->nkeys || t->nkey_files || t->sig_url)
		return;
	feed_free(t);
	memmove(t, t + 1, (c->nfeeds - (unsigned)top - 1) * sizeof(*t));
	c->nfeeds--;
}

/* Parse one line; returns false with e set. `cur` is the current feed
 * section (NULL at top level); `top` is the top-level feed (created on the
 * first list_* key). */
static bool
parse_line(struct conf *c, char *line, int lineno, struct feed_conf **cur,
    int *top, struct verr *e)
{
	char *s, *eq, *key, *val;
	const struct ckey *k;
	const char *why;
	void *base;
	struct feed_conf *f;

	strip_comment(line);
	s = trim(line);
	if (*s == '\0')
		return true;
	if (*s == '[') {
		char *end = strchr(s, ']'), *name;
		if (end == NULL || end[1] != '\0' || strncmp(s, "[feed", 5) != 0 ||
		    !isspace((unsigned char)s[5])) {
			verr_set(e, "%d: expected a section `[feed NAME]', got `%s'",
			    lineno, s);
			return false;
		}
		*end = '\0';
		name = trim(s + 5);
		if (!conf_feed_name_ok(name)) {
			verr_set(e, "%d: feed name `%s' is not letters, digits, "
			    "`-', `_' or `.', not starting with `.' (at most %d)",
			    lineno, name, CONF_FEED_NAME_MAX);
			return false;
		}
		for (unsigned i = 0; i < c->nfeeds; i++) {
			if (strcmp(c->feeds[i].name, name) == 0) {
				verr_set(e, "%d: feed `%s' is defined twice",
				    lineno, name);
				return false;
			}
		}
		if (c->nfeeds == CONF_MAX_FEEDS) {
			verr_set(e, "%d: more than %d feeds", lineno, CONF_MAX_FEEDS);
			return false;
		}
		*cur = feed_add(c, name, lineno, *top);
		return true;
	}
	eq = strchr(s, '=');
	if (eq == NULL) {
		verr_set(e, "%d: expected `key = value', got `%s'", lineno, s);
		return false;
	}
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (val[0] == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
		val[strlen(val) - 1] = '\0';
		val++;
	}
	k = key_find(key);
	if (k == NULL) {
		verr_set(e, "%d: unknown key `%s'", lineno, key);
		return false;
	}
	if (*cur != NULL && !(k->scope & S_FEED)) {
		verr_set(e, "%d: `%s' cannot be set inside [feed %s]; put it "
		    "before the first section", lineno, key, (*cur)->name);
		return false;
	}
	if (*cur != NULL) {
		f = *cur;
		base = f;
		if (strcmp(key, "ca_file") == 0)
			k = &feed_ca_file;
	} else if (k->scope == S_FEED) {
		if (*top < 0) {
			if (c->nfeeds == CONF_MAX_FEEDS) {
				verr_set(e, "%d: too many feeds", lineno);
				return false;
			}
			feed_add(c, "default", 0, -1);
			*top = (int)c->nfeeds - 1;
		}
		base = &c->feeds[*top];
	} else {
		base = c;
	}
	if (!key_set(k, c, base, val, true, &why)) {
		verr_set(e, "%d: %s is %s, not `%s'%s%s", lineno, key,
		    why ? "limited" : type_hint(k), val, why ? ": " : "",
		    why ? why : "");
		return false;
	}
	return true;
}

static bool
https_url(const char *u)
{
	return strncasecmp(u, "https://", 8) == 0 && u[8] != '\0';
}

static bool
validate_feed(struct conf *c, struct feed_conf *f, struct verr *e)
{
	const char *where = f->line ? "feed" : "top-level feed";

	if ((f->url == NULL) == (f->file == NULL)) {
		verr_set(e, "%s `%s': set exactly one of list_url and list_file",
		    where, f->name);
		return false;
	}
	if (f->url != NULL && !https_url(f->url)) {
		verr_set(e, "%s `%s': list_url must be an https URL, not `%s'",
		    where, f->name, f->url);
		return false;
	}
	if (f->sig_url != NULL && !https_url(f->sig_url)) {
		verr_set(e, "%s `%s': list_sig_url must be an https URL, not `%s'",
		    where, f->name, f->sig_url);
		return false;
	}
	if (f->url != NULL && f->sig_url == NULL) {
		size_t n = strlen(f->url) + sizeof(".minisig");
		f->sig_url = xcalloc(1, n);
		snprintf(f->sig_url, n, "%s.minisig", f->url);
	}
	if (f->nkeys + f->nkey_files == 0) {
		verr_set(e, "%s `%s': no list_key or list_key_file: a list is "
		    "only trusted with a pinned public key", where, f->name);
		return false;
	}
	if (f->feed == NULL || *f->feed == '\0') {
		verr_set(e, "%s `%s': list_feed is required (the feed id the "
		    "list must carry)", where, f->name);
		return false;
	}
	for (unsigned i = 0; i < c->nfeeds; i++) {
		struct feed_conf *o = &c->feeds[i];
		if (o != f && o->feed != NULL && strcmp(o->feed, f->feed) == 0) {
			verr_set(e, "feeds `%s' and `%s' both carry list_feed "
			    "`%s'", o->name, f->name, f->feed);
			return false;
		}
	}
	if (f->ca_file == NULL && c->ca_file != NULL)
		f->ca_file = xstrdup(c->ca_file);
	return true;
}

static bool
parse_addr_port(const char *s, bool need_port)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	/* the parser that binds (core/net.c): what -n accepts, vetod binds */
	return net_addr_parse(s, 0, need_port ? NET_LISTEN : 0, &ss, &sl);
}

/* rpz_origin: a plain DNS name (rpz.c canonicalises it); stoppage answers
 * with the stop page's addresses. */
static bool
validate_rpz(const struct conf *c, struct verr *e)
{
	const char *o = c->rpz_origin;
	size_t n = strlen(o);

	if (n == 0 || n > 253 || o[0] == '.' || strstr(o, "..") != NULL ||
	    strspn(o, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != n) {
		verr_set(e, "rpz_origin is a domain name, not `%s'", o);
		return false;
	}
	if (c->rpz_file != NULL && c->rpz_action == RPZ_ACTION_STOPPAGE &&
	    !c->has_stop4 && !c->has_stop6) {
		verr_set(e, "rpz_action = stoppage needs stop_page_ipv4 and/or "
		    "stop_page_ipv6");
		return false;
	}
	return true;
}

static bool
acl_ok(const char *text, struct verr *e)
{
	struct netacl acl;

	if (netacl_parse(text, &acl, e) == 0)
		return true;
	verr_prefix(e, "stop_page_allow");
	return false;
}

static bool
validate(struct conf *c, struct verr *e)
{
	if (c->stop_page_ipv4 != NULL) {
		if (inet_pton(AF_INET, c->stop_page_ipv4, &c->stop4) != 1) {
			verr_set(e, "stop_page_ipv4 is not an IPv4 address: `%s'",
			    c->stop_page_ipv4);
			return false;
		}
		c->has_stop4 = true;
	}
	if (c->stop_page_ipv6 != NULL) {
		if (inet_pton(AF_INET6, c->stop_page_ipv6, &c->stop6) != 1) {
			verr_set(e, "stop_page_ipv6 is not an IPv6 address: `%s'",
			    c->stop_page_ipv6);
			return false;
		}
		c->has_stop6 = true;
	}
	if (c->nstop_page_listen == 0) {
		char buf[INET6_ADDRSTRLEN + 8];
		if (c->has_stop4) {
			snprintf(buf, sizeof(buf), "%s:80", c->stop_page_ipv4);
			c->stop_page_listen[c->nstop_page_listen++] = xstrdup(buf);
		}
		if (c->has_stop6) {
			snprintf(buf, sizeof(buf), "[%s]:80", c->stop_page_ipv6);
			c->stop_page_listen[c->nstop_page_listen++] = xstrdup(buf);
		}
	}
	for (unsigned i = 0; i < c->nstop_page_listen; i++) {
		if (!parse_addr_port(c->stop_page_listen[i], true)) {
			verr_set(e, "stop_page_listen is addr:port or [v6]:port, "
			    "not `%s'", c->stop_page_listen[i]);
			return false;
		}
	}
	if (!acl_ok(c->stop_page_allow, e))
		return false;
	if (c->metrics_listen != NULL && *c->metrics_listen != '\0' &&
	    !parse_addr_port(c->metrics_listen, true)) {
		verr_set(e, "metrics_listen is addr:port or [v6]:port (or empty "
		    "to disable), not `%s'", c->metrics_listen);
		return false;
	}
	if (c->stop_page_url == NULL && c->has_stop4) {
		char buf[64];
		snprintf(buf, sizeof(buf), "http://%s/", c->stop_page_ipv4);
		c->stop_page_url = xstrdup(buf);
	}
	if (c->stop_page_status != 451 && c->stop_page_status != 403) {
		verr_set(e, "stop_page_status is 451 or 403, not `%llu'",
		    (unsigned long long)c->stop_page_status);
		return false;
	}
	if (c->dns_action == DNS_ACTION_STOPPAGE && c->nfeeds > 0 &&
	    !c->has_stop4 && !c->has_stop6) {
		verr_set(e, "dns_action = stoppage needs stop_page_ipv4 and/or "
		    "stop_page_ipv6");
		return false;
	}
	if (!validate_rpz(c, e))
		return false;
	if (c->reasm_flow_bytes < 2048) {
		verr_set(e, "reasm_flow_bytes must be at least 2048 (a "
		    "ClientHello is ~1.8 KB), not %llu",
		    (unsigned long long)c->reasm_flow_bytes);
		return false;
	}
	if (c->reasm_memory < c->reasm_flow_bytes) {
		verr_set(e, "reasm_memory (%llu) is smaller than reasm_flow_bytes",
		    (unsigned long long)c->reasm_memory);
		return false;
	}
	for (unsigned i = 0; i < c->nfeeds; i++)
		if (!validate_feed(c, &c->feeds[i], e))
			return false;
	return true;
}

struct conf *
conf_parse(const char *text, size_t len, const char *name, struct verr *e)
{
	struct conf *c;
	struct feed_conf *cur = NULL;
	char *buf, *line, *next;
	int lineno = 0, top = -1;

	if (memchr(text, '\0', len) != NULL) {
		verr_set(e, "%s: contains a NUL byte", name);
		return NULL;
	}
	buf = xcalloc(1, len + 1);
	memcpy(buf, text, len);
	c = conf_default();
	c->path = xstrdup(name);
	for (line = buf; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (!parse_line(c, line, lineno, &cur, &top, e)) {
			verr_prefix(e, "%s", name);
			goto fail;
		}
	}
	free(buf);
	buf = NULL;
	drop_template_feed(c, top);
	if (!validate(c, e)) {
		verr_prefix(e, "%s", name);
		goto fail;
	}
	return c;
fail:
	free(buf);
	conf_free(c);
	return NULL;
}

struct conf *
conf_load(const char *path, struct verr *e)
{
	struct conf *c;
	uint8_t *buf;
	size_t len;

	if (file_read(path, 1 << 20, &buf, &len, e) == -1)
		return NULL;
	c = conf_parse((const char *)buf, len, path, e);
	free(buf);
	return c;
}

const struct feed_conf *
conf_feed(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->nfeeds; i++)
		if (strcmp(c->feeds[i].name, name) == 0)
			return &c->feeds[i];
	return NULL;
}

uint32_t
conf_mark_value(const struct conf *c, enum conf_mark m)
{
	return ((uint32_t)m << __builtin_ctz(c->mark_mask)) & c->mark_mask;
}

static void
print_key(FILE *f, const struct ckey *k, const struct conf *c, const void *base)
{
	const void *p = (const char *)base + k->off;

	switch (k->type) {
	case T_STR:
		if (*(char *const *)p != NULL)
			fprintf(f, "%s = %s\n", k->name, *(char *const *)p);
		break;
	case T_BOOL:
		fprintf(f, "%s = %s\n", k->name, *(const bool *)p ? "yes" : "no");
		break;
	case T_U64:
	case T_SIZE:
		fprintf(f, "%s = %llu\n", k->name,
		    (unsigned long long)*(const uint64_t *)p);
		break;
	case T_ENUM:
		fprintf(f, "%s = %s\n", k->name, k->names[*(const int *)p]);
		break;
	case T_QUEUES:
		if (c->queue_count > 1)
			fprintf(f, "queues = %u-%u\n", c->queue_first,
			    c->queue_first + c->queue_count - 1);
		else
			fprintf(f, "queues = %u\n", c->queue_first);
		break;
	case T_CHAINS:
		fprintf(f, "chains =%s%s%s\n",
		    c->chains & CHAIN_FORWARD ? " forward" : "",
		    c->chains & CHAIN_INPUT ? " input" : "",
		    c->chains & CHAIN_OUTPUT ? " output" : "");
		break;
	case T_MARK:
		fprintf(f, "%s = 0x%08x\n", k->name, *(const uint32_t *)p);
		break;
	case T_STRLIST: {
		char *const *arr = p;
		unsigned n = *(const unsigned *)((const char *)base + k->count_off);
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%s = %s\n", k->name, arr[i]);
		break;
	}
	case T_PORTS: {
		const uint16_t *ports = p;
		unsigned n = *(const unsigned *)((const char *)base + k->count_off);
		fprintf(f, "%s = ", k->name);
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%s%u", i ? "," : "", ports[i]);
		fputc('\n', f);
		break;
	}
	}
}

void
conf_print(FILE *f, const struct conf *c)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].scope & S_GLOBAL)
			print_key(f, &keys[i], c, c);
	for (unsigned j = 0; j < c->nfeeds; j++) {
		const struct feed_conf *fc = &c->feeds[j];
		fprintf(f, "\n[feed %s]\n", fc->name);
		for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
			if (!(keys[i].scope & S_FEED))
				continue;
			if (strcmp(keys[i].name, "ca_file") == 0) {
				if (fc->ca_file)
					fprintf(f, "ca_file = %s\n", fc->ca_file);
				continue;
			}
			print_key(f, &keys[i], c, fc);
		}
	}
}
