/* audit.c - plan and send the probes of `veto audit`; see audit.h. */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/bytes.h"
#include "core/strset.h"
#include "engine/dns.h"
#include "trust/guard.h"
#include "policy/norm.h"
#include "engine/quic.h"

#define IN_MAX 4096
#define OUT_MAX 2400

const char *
audit_proto_name(enum audit_proto p)
{
	static const char *const n[AP_COUNT] = {"dns-udp", "dns-tcp", "http",
	    "tls", "quic"};

	return (unsigned)p < AP_COUNT ? n[p] : "?";
}

const char *
audit_kind_name(enum audit_kind k)
{
	static const char *const n[AK_COUNT] = {"control", "entry", "parent",
	    "sibling", "child", "url host", "url parent path", "never-block"};

	return (unsigned)k < AK_COUNT ? n[k] : "?";
}

const char *
audit_outcome_name(enum audit_outcome o)
{
	static const char *const n[] = {"not run", "blocked", "passed",
	    "unreachable", "skipped"};

	return (unsigned)o <= AO_SKIPPED ? n[o] : "?";
}

enum audit_result
audit_result_of(const struct audit_probe *p)
{
	if (p->outcome == AO_BLOCKED)
		return p->expect_block ? AR_OK : AR_FAIL;
	if (p->outcome == AO_PASSED)
		return p->expect_block ? AR_FAIL : AR_OK;
	return AR_INCONCLUSIVE;
}

/* --- the plan ------------------------------------------------------------ */

/* The probes already planned (several entries may share a parent). */
struct planner {
	struct audit *a;
	const struct matcher *m;
	const struct guard *g;
	struct strset seen;
	struct arena *mem;	/* the keys of seen */
};

/* True if s was added (not planned before). */
static bool
seen_add(struct planner *pl, const char *s)
{
	bool added;

	if (!strset_add(&pl->seen, pl->mem, s, strlen(s), NULL, &added))
		abort();	/* out of memory, as xmalloc */
	return added;
}

static struct audit_probe *
add(struct planner *pl, enum audit_proto proto, enum audit_kind kind,
    bool block, const char *name, const char *path)
{
	struct audit *a = pl->a;
	struct audit_probe *p;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->p = xrealloc(a->p, a->cap * sizeof(*a->p));
	}
	p = &a->p[a->n++];
	memset(p, 0, sizeof(*p));
	p->proto = (uint8_t)proto;
	p->kind = (uint8_t)kind;
	p->expect_block = block;
	p->feed = -1;
	p->name = xstrdup(name);
	p->path = path ? xstrdup(path) : NULL;
	return p;
}

static bool
listed(const struct planner *pl, const char *name)
{
	struct match_result r;

	return match_name(pl->m, name, strlen(name), &r);
}

/* A name that must pass: DNS over UDP, HTTP /, TLS and QUIC, once. */
/* Where a must-pass probe comes from (copied: a->p moves as it grows). */
struct origin {
	int16_t feed;
	const char *entry_id;
	uint8_t etype;
};

static void
add_pass_name(struct planner *pl, const char *name, enum audit_kind kind,
    const struct origin *from)
{
	static const enum audit_proto protos[] = {AP_DNS_UDP, AP_HTTP, AP_TLS,
	    AP_QUIC};
	char key[NORM_NAME_MAX + 8];

	if (name[0] == '\0' || strlen(name) > NORM_NAME_MAX || listed(pl, name))
		return;
	snprintf(key, sizeof(key), "n %s", name);
	if (!seen_add(pl, key))
		return;
	for (size_t i = 0; i < ARRAY_LEN(protos); i++) {
		struct audit_probe *p = add(pl, protos[i], kind, false, name,
		    protos[i] == AP_HTTP ? "/" : NULL);
		if (from != NULL) {
			p->feed = from->feed;
			p->entry_id = from->entry_id;
			p->etype = from->etype;
		}
	}
}

static void
add_name_entry(struct planner *pl, int feed, const struct list_entry *e)
{
	struct origin o = {(int16_t)feed, e->id, e->type}, *p = &o;
	const char *dot = strchr(e->value, '.');
	char buf[NORM_NAME_MAX + 80];

	for (int pr = 0; pr < AP_COUNT; pr++) {
		struct audit_probe *q = add(pl, (enum audit_proto)pr, AK_ENTRY,
		    true, e->value, pr == AP_HTTP ? "/" : NULL);
		q->feed = o.feed;
		q->entry_id = o.entry_id;
		q->etype = o.etype;
	}
	if (pl->a->o.no_overblock)
		return;
	if (dot != NULL && strchr(dot + 1, '.') != NULL &&
	    guard_name(pl->g, dot + 1, false, NULL) == GUARD_OK)
		add_pass_name(pl, dot + 1, AK_PARENT, p);
	if (dot != NULL && dot - e->value + 3 <= DNS_LABEL_MAX) {
		snprintf(buf, sizeof(buf), "not%s", e->value);
		add_pass_name(pl, buf, AK_SIBLING, p);
	}
	if (e->type == LIST_HOST) {
		snprintf(buf, sizeof(buf), "www.%s", e->value);
		add_pass_name(pl, buf, AK_CHILD, p);
	}
}

/* The parent directory of a url path ("/u/123/" -> "/u/"), or NULL. */
static char *
parent_path(const char *rest)
{
	size_t n = strcspn(rest, "?");
	char *s;

	if (n <= 1)
		return NULL;
	s = xcalloc(n + 1, 1);
	memcpy(s, rest, n);
	if (s[n - 1] == '/')
		s[--n] = '\0';
	while (n > 0 && s[n - 1] != '/')
		s[--n] = '\0';
	if (n == 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void
add_url_entry(struct planner *pl, int feed, const struct list_entry *e)
{
	char host[NORM_NAME_MAX + 1], buf[LIST_URL_MAX + 8];
	const char *rest = e->value + e->url_host_len;
	struct origin o = {(int16_t)feed, e->id, LIST_URL}, *p = &o;
	struct audit_probe *q;
	struct norm_url u;
	struct match_result r;
	char *pp;

	if (rest[0] != '/' || e->url_host_len > NORM_NAME_MAX) {
		pl->a->url_port++;	/* another port: not probed */
		return;
	}
	str_ncopy(host, sizeof(host), e->value, e->url_host_len);
	q = add(pl, AP_HTTP, AK_ENTRY, true, host, rest);
	q->feed = o.feed;
	q->entry_id = o.entry_id;
	q->etype = LIST_URL;
	if (e->flags & LIST_ENTRY_HTTPS)
		pl->a->url_https++;
	if (pl->a->o.no_overblock)
		return;
	if (!listed(pl, host)) {
		static const enum audit_proto below[] = {AP_DNS_UDP, AP_TLS,
		    AP_QUIC};
		snprintf(buf, sizeof(buf), "h %s", host);
		for (size_t i = 0; seen_add(pl, buf) &&
		    i < ARRAY_LEN(below); i++) {
			q = add(pl, below[i], AK_URL_HOST, false, host, NULL);
			q->feed = p->feed;
			q->entry_id = p->entry_id;
			q->etype = LIST_URL;
		}
	}
	if ((pp = parent_path(rest)) == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s%s", host, pp);
	if (norm_url(buf, strlen(buf), &u) == 0 && !match_url(pl->m, &u, &r)) {
		char key[LIST_URL_MAX + 16];
		snprintf(key, sizeof(key), "u %s", buf);
		if (seen_add(pl, key)) {
			q = add(pl, AP_HTTP, AK_URL_PARENT, false, host, pp);
			q->feed = p->feed;
			q->entry_id = p->entry_id;
			q->etype = LIST_URL;
		}
	}
	free(pp);
}

static void
add_entry(struct planner *pl, int feed, const struct list_entry *e)
{
	pl->a->entries_chosen++;
	if (e->type == LIST_URL)
		add_url_entry(pl, feed, e);
	else
		add_name_entry(pl, feed, e);
}

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The entries to probe: canaries, all, or a reservoir sample. */
static void
choose(struct planner *pl, const struct listset *ls)
{
	const struct audit_opts *o = &pl->a->o;
	struct {
		int feed;
		const struct list_entry *e;
	} *res = NULL;
	size_t seen = 0, k = 0;
	uint64_t rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ULL;

	if (o->select == AUDIT_SAMPLE)
		res = xcalloc(o->sample ? o->sample : 1, sizeof(*res));
	for (unsigned f = 0; f < ls->n; f++) {
		const struct list *l = ls->feeds[f].list;
		if (!listset_enforced(&ls->feeds[f]) || l->entries == NULL)
			continue;
		for (size_t i = 0; i < l->nentries; i++) {
			const struct list_entry *e = &l->entries[i];
			if (o->select == AUDIT_ALL ||
			    (o->select == AUDIT_CANARIES && e->cat < l->ncats &&
			    l->cats[e->cat].canary)) {
				add_entry(pl, (int)f, e);
				continue;
			}
			if (o->select != AUDIT_SAMPLE)
				continue;
			if (k < o->sample) {
				res[k].feed = (int)f;
				res[k++].e = e;
			} else {
				uint64_t j = rng_next(&rng) % (seen + 1);
				if (j < o->sample) {
					res[j].feed = (int)f;
					res[j].e = e;
				}
			}
			seen++;
		}
	}
	for (size_t i = 0; i < k; i++)
		add_entry(pl, res[i].feed, res[i].e);
	free(res);
}

static int
add_never_block(struct planner *pl, const char *path, struct verr *e)
{
	uint8_t *buf;
	size_t len;
	char *line, *save = NULL;

	if (file_read(path, GUARD_NEVER_BLOCK_MAX, &buf, &len, e) == -1)
		return -1;
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[NORM_NAME_MAX + 1];
		char *h = strchr(line, '#');
		size_t n;
		int c;
		if (h != NULL)
			*h = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		n = strcspn(line, " \t\r");
		if (n == 0)
			continue;
		if ((c = norm_name(line, n, name)) < 0)
			continue;	/* the guard refuses such a file */
		name[c] = '\0';
		add_pass_name(pl, name, AK_NEVER_BLOCK, NULL);
	}
	free(buf);
	return 0;
}

struct audit *
audit_plan(const struct listset *ls, const struct matcher *m,
    const struct audit_opts *o, struct verr *e)
{
	struct audit *a = xcalloc(1, sizeof(*a));
	struct planner pl = {a, m, NULL, {NULL, 0, 0}, arena_new(64 * 1024)};
	char control[NORM_NAME_MAX + 1];
	int n;

	a->o = *o;
	if ((n = norm_name(o->control, strlen(o->control), control)) < 0) {
		verr_set(e, "control `%s' is not a valid name", o->control);
		goto fail;
	}
	control[n] = '\0';
	if (listed(&pl, control)) {
		verr_set(e, "control `%s' is blocked by the lists: choose a "
		    "name that must pass", o->control);
		goto fail;
	}
	if ((pl.g = guard_new(NULL, e)) == NULL)
		goto fail;
	for (int p = 0; p < AP_COUNT; p++)
		add(&pl, (enum audit_proto)p, AK_CONTROL, false, control,
		    p == AP_HTTP ? "/" : NULL);
	choose(&pl, ls);
	if (o->never_block_file != NULL && !o->no_overblock &&
	    add_never_block(&pl, o->never_block_file, e) == -1)
		goto fail;
	guard_free((struct guard *)pl.g);
	strset_free(&pl.seen);
	arena_free(pl.mem);
	return a;
fail:
	guard_free((struct guard *)pl.g);
	strset_free(&pl.seen);
	arena_free(pl.mem);
	audit_free(a);
	return NULL;
}

void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->p[i].name);
		free(a->p[i].path);
	}
	free(a->p);
	free(a);
}

/* --- sending ------------------------------------------------------------- */

enum cstate { CS_FREE, CS_CONNECTING, CS_WAITING };

struct conn {
	enum cstate state;
	struct audit_probe *p;
	int fd;
	bool resent;
	uint16_t id;
	uint64_t deadline, resend_at;
	uint8_t out[OUT_MAX];
	size_t outlen;
	uint8_t in[IN_MAX];
	size_t inlen;
};

struct runner {
	struct audit *a;
	int ep;
	struct conn *c;
	unsigned nc, active;
	struct quic_ctx *qc;
	uint64_t now;
	unsigned port_next[AP_COUNT];	/* source ports in turn, per protocol */
};

/* Probes take source ports in turn, one sequence per protocol (the
 * destination port differs between them), not the kernel's random choice:
 * a flow that reuses a recent 5-tuple may still be the old flow to the
 * filter's conntrack (UDP always; TCP when a closed connection is
 * reopened), with the old flow's decision (a filter remembers decisions
 * per flow), so two probes must never share one within a run. */
#define PROBE_PORT_LO 20000u
#define PROBE_PORT_N 40000u

static void
bind_next_port(struct runner *r, int fd, int family, unsigned proto)
{
	for (unsigned tries = 0; tries < 64; tries++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		uint16_t port = (uint16_t)(PROBE_PORT_LO +
		    r->port_next[proto % AP_COUNT]++ % PROBE_PORT_N);

		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			sl = sizeof(*s6);
		}
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			return;
	}
	/* all busy: the kernel's choice at connect() */
}

static void
finish(struct runner *r, struct conn *c, enum audit_outcome o,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
finish(struct runner *r, struct conn *c, enum audit_outcome o,
    const char *fmt, ...)
{
	va_list ap;

	c->p->outcome = (uint8_t)o;
	va_start(ap, fmt);
	vsnprintf(c->p->detail, sizeof(c->p->detail), fmt, ap);
	va_end(ap);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CS_FREE;
	r->active--;
}

static void
target_addr(const struct audit_opts *o, enum audit_proto p,
    struct sockaddr_storage *ss, socklen_t *len)
{
	uint16_t port = p == AP_HTTP ? o->http_port : p == AP_TLS ?
	    o->tls_port : o->quic_port;

	if (p == AP_DNS_UDP || p == AP_DNS_TCP) {
		*ss = o->resolver;
		*len = o->resolver_len;
		return;
	}
	*ss = o->target;
	*len = o->target_len;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* The bytes to send for c's probe. -1: the probe cannot be built. */
static int
build(struct runner *r, struct conn *c)
{
	struct audit_probe *p = c->p;
	uint8_t hello[PROBE_HELLO_MAX], dcid[8], scid[8];
	struct probe_hello h;
	int n;

	if (RAND_bytes((uint8_t *)&c->id, sizeof(c->id)) != 1)
		return -1;
	switch (p->proto) {
	case AP_DNS_UDP:
	case AP_DNS_TCP:
		n = probe_dns_query(p->name, DNS_TYPE_A, c->id, true,
		    p->proto == AP_DNS_TCP, c->out, sizeof(c->out));
		break;
	case AP_HTTP:
		n = probe_http_request(p->name, p->path, (char *)c->out,
		    sizeof(c->out));
		break;
	default:
		memset(&h, 0, sizeof(h));
		h.sni = p->name;
		h.quic = p->proto == AP_QUIC;
		h.alpn = h.quic ? "h3" : "http/1.1";
		if (RAND_bytes(h.random, 32) != 1 ||
		    RAND_bytes(h.session_id, 32) != 1 ||
		    RAND_bytes(h.key_share, 32) != 1 ||
		    RAND_bytes(dcid, 8) != 1 || RAND_bytes(scid, 8) != 1)
			return -1;
		h.scid = scid;
		h.scid_len = sizeof(scid);
		if (!h.quic) {
			n = probe_client_hello(&h, c->out, sizeof(c->out));
			break;
		}
		n = probe_client_hello(&h, hello, sizeof(hello));
		if (n > 0)
			n = probe_quic_initial(r->qc, dcid, 8, scid, 8, hello,
			    (size_t)n, c->out, sizeof(c->out));
		break;
	}
	if (n < 0)
		return -1;
	c->outlen = (size_t)n;
	return 0;
}

static bool
is_udp(const struct audit_probe *p)
{
	return p->proto == AP_DNS_UDP || p->proto == AP_QUIC;
}

static void
watch(struct runner *r, struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	epoll_ctl(r->ep, op, c->fd, &ev);
}

static void
send_request(struct runner *r, struct conn *c)
{
	ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);

	if (w != (ssize_t)c->outlen) {
		if (errno == ECONNRESET || errno == EPIPE)
			finish(r, c, AO_BLOCKED, "reset before the request");
		else
			finish(r, c, AO_UNREACHABLE, "send: %s", strerror(errno));
		return;
	}
	c->state = CS_WAITING;
	c->deadline = r->now + r->a->o.timeout_ms;
	c->resend_at = is_udp(c->p) ? r->now + r->a->o.timeout_ms / 2 : 0;
	watch(r, c, EPOLLIN, EPOLL_CTL_MOD);
}

static void
start(struct runner *r, struct conn *c, struct audit_probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int rc;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->fd = -1;
	r->active++;
	c->state = CS_CONNECTING;
	if (build(r, c) == -1) {
		finish(r, c, AO_UNREACHABLE, "cannot build the probe");
		return;
	}
	target_addr(&r->a->o, (enum audit_proto)p->proto, &ss, &sl);
	c->fd = socket(ss.ss_family, (is_udp(p) ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		finish(r, c, AO_UNREACHABLE, "socket: %s", strerror(errno));
		return;
	}
	bind_next_port(r, c->fd, ss.ss_family, p->proto);
	c->deadline = r->now + r->a->o.timeout_ms;
	watch(r, c, EPOLLOUT, EPOLL_CTL_ADD);
	rc = connect(c->fd, (struct sockaddr *)&ss, sl);
	if (rc == 0 || is_udp(p))
		send_request(r, c);
	else if (errno != EINPROGRESS)
		finish(r, c, AO_UNREACHABLE, "connect: %s", strerror(errno));
}

/* --- reading the answers ----------------------------------------------- */

static void
dns_done(struct runner *r, struct conn *c, const uint8_t *msg, size_t len)
{
	struct probe_dns_reply rep;

	if (probe_dns_reply_parse(msg, len, &rep) == -1 || rep.id != c->id)
		return;		/* not our answer: keep waiting */
	if (probe_dns_blocked(&rep, &r->a->o.stop)) {
		if (rep.has_ede)
			finish(r, c, AO_BLOCKED, "EDE %u%s%.60s", rep.ede,
			    rep.ede_text[0] ? ": " : "", rep.ede_text);
		else
			finish(r, c, AO_BLOCKED, "the stop page's address");
		return;
	}
	finish(r, c, AO_PASSED, "rcode %u, %u address%s", rep.rcode, rep.naddr,
	    rep.naddr == 1 ? "" : "es");
}

/* TCP: the bytes so far, and whether the stream ended (eof) or was reset. */
static void
tcp_answer(struct runner *r, struct conn *c, bool eof, bool reset)
{
	int status = 0;

	switch (c->p->proto) {
	case AP_DNS_TCP:
		if (c->inlen >= 2 && c->inlen >= 2u + rd16(c->in)) {
			dns_done(r, c, c->in + 2, rd16(c->in));
			if (c->state != CS_FREE)
				finish(r, c, AO_PASSED, "an answer we could not "
				    "read");
			return;
		}
		break;
	case AP_HTTP:
		switch (probe_http_classify(c->in, c->inlen, r->a->o.stop_url,
		    &status)) {
		case PROBE_HTTP_BLOCKED:
			finish(r, c, AO_BLOCKED, "HTTP %d", status);
			return;
		case PROBE_HTTP_PASSED:
			finish(r, c, AO_PASSED, "HTTP %d", status);
			return;
		case PROBE_HTTP_GARBAGE:
			finish(r, c, AO_PASSED, "an answer that is not HTTP");
			return;
		case PROBE_HTTP_NEED_MORE:
			if (c->inlen == sizeof(c->in))
				finish(r, c, AO_PASSED, "a long header");
			else if (c->inlen > 0 && (eof || reset))
				finish(r, c, AO_PASSED, "a partial answer");
			if (c->state == CS_FREE)
				return;
			break;
		}
		break;
	case AP_TLS:
		switch (probe_tls_classify(c->in, c->inlen)) {
		case PROBE_TLS_SERVER_HELLO:
			finish(r, c, AO_PASSED, "ServerHello");
			return;
		case PROBE_TLS_ALERT:
			finish(r, c, AO_PASSED, "TLS alert from the server");
			return;
		case PROBE_TLS_OTHER:
			finish(r, c, AO_PASSED, "an answer that is not a "
			    "ServerHello");
			return;
		case PROBE_TLS_NEED_MORE:
			if (c->inlen > 0 && (eof || reset)) {
				finish(r, c, AO_PASSED, "a partial answer");
				return;
			}
			break;
		}
		break;
	}
	if (reset)
		finish(r, c, AO_BLOCKED, "reset");
	else if (eof)
		finish(r, c, AO_BLOCKED, "closed without an answer");
}

static void
on_readable(struct runner *r, struct conn *c)
{
	uint8_t buf[IN_MAX];
	ssize_t n;

	if (is_udp(c->p)) {
		while (c->state != CS_FREE &&
		    (n = recv(c->fd, buf, sizeof(buf), 0)) >= 0) {
			if (c->p->proto == AP_QUIC)
				finish(r, c, AO_PASSED, "%s", n > 0 &&
				    (buf[0] & 0x80) && n >= 5 && buf[1] == 0 &&
				    buf[2] == 0 && buf[3] == 0 && buf[4] == 0 ?
				    "Version Negotiation" : "the server answered");
			else
				dns_done(r, c, buf, (size_t)n);
		}
		if (c->state != CS_FREE && errno == ECONNREFUSED)
			finish(r, c, AO_UNREACHABLE, "port unreachable");
		return;
	}
	for (;;) {
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
		if (n > 0) {
			c->inlen += (size_t)n;
			tcp_answer(r, c, false, false);
			if (c->state == CS_FREE || c->inlen == sizeof(c->in))
				return;
			continue;
		}
		if (n == 0)
			tcp_answer(r, c, true, false);
		else if (errno == ECONNRESET)
			tcp_answer(r, c, false, true);
		else if (errno != EAGAIN && errno != EINTR)
			finish(r, c, AO_UNREACHABLE, "recv: %s", strerror(errno));
		return;
	}
}

static void
on_event(struct runner *r, struct conn *c, uint32_t ev)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (c->state == CS_CONNECTING) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0)
			finish(r, c, AO_UNREACHABLE, "connect: %s", strerror(err));
		else if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			send_request(r, c);
		return;
	}
	if (c->state == CS_WAITING)
		on_readable(r, c);
}

static void
on_clock(struct runner *r, struct conn *c)
{
	if (c->state == CS_FREE)
		return;
	if (c->state == CS_CONNECTING && r->now >= c->deadline) {
		finish(r, c, AO_UNREACHABLE, "connect timed out");
	} else if (c->state == CS_WAITING && c->resend_at && !c->resent &&
	    r->now >= c->resend_at) {
		c->resent = true;
		(void)send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
	} else if (c->state == CS_WAITING && r->now >= c->deadline) {
		if (c->inlen > 0)
			finish(r, c, AO_PASSED, "an incomplete answer");
		else
			finish(r, c, AO_BLOCKED, "no answer");
	}
}

/* Run the probes for which want(p) holds, until done or the deadline. */
static void
run_phase(struct runner *r, bool controls, uint64_t end)
{
	struct audit *a = r->a;
	struct epoll_event evs[64];
	size_t next = 0;

	for (;;) {
		r->now = now_mono_ms();
		while (r->active < r->nc && next < a->n && r->now < end) {
			struct audit_probe *p = &a->p[next++];
			if ((p->kind == AK_CONTROL) != controls)
				continue;
			if (!controls && !a->control_ok[p->proto]) {
				p->outcome = AO_SKIPPED;
				snprintf(p->detail, sizeof(p->detail), "the "
				    "control failed");
				continue;
			}
			for (unsigned i = 0; i < r->nc; i++)
				if (r->c[i].state == CS_FREE) {
					start(r, &r->c[i], p);
					break;
				}
		}
		if (r->active == 0 && (next >= a->n || r->now >= end))
			break;
		if (r->now >= end) {
			a->deadline_hit = true;
			for (unsigned i = 0; i < r->nc; i++)
				if (r->c[i].state != CS_FREE)
					finish(r, &r->c[i], AO_PENDING,
					    "the deadline passed");
			break;
		}
		int n = epoll_wait(r->ep, evs, ARRAY_LEN(evs), 20);
		r->now = now_mono_ms();
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->state != CS_FREE)
				on_event(r, c, evs[i].events);
		}
		for (unsigned i = 0; i < r->nc; i++)
			on_clock(r, &r->c[i]);
	}
	if (a->deadline_hit)
		for (size_t i = next; i < a->n; i++)
			if ((a->p[i].kind == AK_CONTROL) == controls)
				snprintf(a->p[i].detail, sizeof(a->p[i].detail),
				    "the deadline passed");
}

int
audit_run(struct audit *a, struct verr *e)
{
	struct runner r = {a, -1, NULL, 0, 0, NULL, 0, {0}};

	/* start somewhere else each run (a run's flows outlive it in the
	 * filter's conntrack for a while) */
	if (RAND_bytes((unsigned char *)r.port_next, sizeof(r.port_next)) != 1)
		for (unsigned i = 0; i < AP_COUNT; i++)
			r.port_next[i] = (unsigned)now_mono_ns() + i * 7919u;
	uint64_t t0 = now_mono_ms(), end = t0 + a->o.deadline_ms;

	r.nc = a->o.parallel ? a->o.parallel : 1;
	if ((r.qc = quic_ctx_new(e)) == NULL)
		return -1;
	if ((r.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		verr_set(e, "epoll_create1: %s", strerror(errno));
		quic_ctx_free(r.qc);
		return -1;
	}
	r.c = xcalloc(r.nc, sizeof(*r.c));
	for (unsigned i = 0; i < r.nc; i++)
		r.c[i].fd = -1;
	run_phase(&r, true, end);
	for (size_t i = 0; i < a->n; i++) {
		const struct audit_probe *p = &a->p[i];
		if (p->kind != AK_CONTROL)
			continue;
		a->control_ok[p->proto] = p->outcome == AO_PASSED;
		snprintf(a->control_detail[p->proto],
		    sizeof(a->control_detail[0]), "%s%s%s",
		    audit_outcome_name((enum audit_outcome)p->outcome),
		    p->detail[0] ? ": " : "", p->detail);
	}
	run_phase(&r, false, end);
	a->run_ms = now_mono_ms() - t0;
	free(r.c);
	close(r.ep);
	quic_ctx_free(r.qc);
	return 0;
}
