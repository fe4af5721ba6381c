/* inspect.c - one packet in, one decision out; see inspect.h. */
#include <ctype.h>
#include <netinet/in.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dns.h"
#include "engine/flow.h"
#include "engine/http.h"
#include "core/bytes.h"
#include "engine/inspect.h"
#include "engine/pkt.h"
#include "engine/quic.h"
#include "engine/respond.h"
#include "engine/blockresp.h"
#include "engine/tls.h"

_Static_assert(SP_TCP_OLD_ACK - SP_TCP_AHEAD ==
    FLOW_DROP_OLD_ACK - FLOW_DROP_AHEAD,
    "stats.h SP_TCP_* follow enum flow_drop");

/* Biggest forged TCP payload: one segment under a 1280-byte IPv6 MTU. */
#define OUT_PAYLOAD_MAX (1280 - RESPOND_HDR_MAX)
#define PLAIN_MAX 65536
#define MAX_FLOWS_CAP 262144

/* What a flow is, as far as we know (struct fstate.kind). */
enum fkind { FK_NEW, FK_HTTP, FK_TLS, FK_DNS, FK_QUIC, FK_OTHER };

/* Per-flow state kept in flow_user(). */
struct fstate {
	uint8_t kind;		/* enum fkind */
	uint8_t decided;	/* 0, IV_ALLOW_FLOW or IV_BLOCK_FLOW */
	uint8_t http_switch;	/* HTTP: after Upgrade, other bytes may follow */
	uint8_t in_chunked;	/* HTTP: walking a chunked body */
	uint32_t requests;	/* HTTP requests decided on this flow */
	union {
		struct {
			uint64_t skip_to;	/* the next message's offset */
		} dns;
		struct {
			uint64_t skip_to;	/* next request's offset */
			struct http_chunked chunk;
		} http;
		struct {
			/* the client's first DCID keys every later Initial
			 * (even those sent to the server's chosen ID) */
			struct quic_keys keys;
			uint8_t conflict;	/* CRYPTO copies disagreed */
			uint8_t ttl;		/* highest TTL / hop limit of
						 * the Initials read so far */
		} quic;
	} u;
};
_Static_assert(sizeof(struct fstate) <= FLOW_USER_SIZE, "fstate too big");

struct inspect_ctx {
	struct stats_thread *st;
	struct flow_table *flows;
	struct quic_ctx *quic;
	struct match_cache *mcache;	/* recent names: skewed traffic */
	bool want_names;
	uint16_t http_ports[CONF_MAX_PORTS], tls_ports[CONF_MAX_PORTS],
	    quic_ports[CONF_MAX_PORTS];
	unsigned nhttp, ntls, nquic;
	uint64_t cap_pkts;		/* connbytes_cap: the last queued packet */
	int overcap, last_packet;	/* enum conf_policy */
	uint8_t tls_scratch[TLS_SCRATCH_MAX];
	uint8_t plain[PLAIN_MAX];
	uint8_t payload[OUT_PAYLOAD_MAX];
	alignas(8) uint8_t out[INSPECT_MAX_OUT][INSPECT_OUT_BYTES];
};

/* The state of one call, passed between the helpers below. */
struct call {
	struct inspect_ctx *ctx;
	const struct policy *pol;
	const struct pkt *p;
	struct inspect_result *r;
	uint64_t now;
};

static bool
port_in(const uint16_t *ports, unsigned n, uint16_t port)
{
	for (unsigned i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

struct inspect_ctx *
inspect_ctx_new(const struct conf *c, struct stats_thread *st, bool want_names,
    struct verr *e)
{
	struct inspect_ctx *ctx = calloc(1, sizeof(*ctx));
	size_t max_flows, mem;

	if (ctx == NULL) {
		verr_set(e, "inspect: out of memory");
		return NULL;
	}
	ctx->st = st;
	ctx->want_names = want_names;
	/* reasm_memory is the cap for all packet threads together; one slot
	 * per 2 KB of it, within sane bounds */
	mem = c->reasm_memory / (c->queue_count ? c->queue_count : 1);
	max_flows = MIN(MAX(mem / 2048, 1024), MAX_FLOWS_CAP);
	ctx->flows = flow_table_new(max_flows, c->reasm_flow_bytes, mem);
	ctx->quic = quic_ctx_new(e);
	ctx->mcache = match_cache_new();
	if (ctx->flows == NULL || ctx->quic == NULL || ctx->mcache == NULL) {
		if (ctx->flows == NULL)
			verr_set(e, "inspect: cannot allocate the reassembly "
			    "table (%zu flows, %llu bytes)", max_flows,
			    (unsigned long long)c->reasm_memory);
		inspect_ctx_free(ctx);
		return NULL;
	}
	memcpy(ctx->http_ports, c->http_ports, sizeof(ctx->http_ports));
	memcpy(ctx->tls_ports, c->tls_ports, sizeof(ctx->tls_ports));
	memcpy(ctx->quic_ports, c->quic_ports, sizeof(ctx->quic_ports));
	ctx->nhttp = c->nhttp_ports;
	ctx->ntls = c->ntls_ports;
	ctx->nquic = c->nquic_ports;
	ctx->cap_pkts = c->connbytes_cap;
	ctx->overcap = c->tcp_overcap;
	ctx->last_packet = c->undecided_last_packet;
	flow_table_set_hold(ctx->flows, c->undecided_hold * 1000);
	return ctx;
}

bool
inspect_port_queued(const struct inspect_ctx *ctx, uint8_t l4proto,
    uint16_t dport)
{
	if (dport == 53)
		return true;
	if (l4proto == IPPROTO_TCP)
		return port_in(ctx->http_ports, ctx->nhttp, dport) ||
		    port_in(ctx->tls_ports, ctx->ntls, dport);
	return l4proto == IPPROTO_UDP &&
	    port_in(ctx->quic_ports, ctx->nquic, dport);
}

void
inspect_ctx_free(struct inspect_ctx *ctx)
{
	if (ctx == NULL)
		return;
	flow_table_free(ctx->flows);
	quic_ctx_free(ctx->quic);
	match_cache_free(ctx->mcache);
	free(ctx);
}

void
inspect_tick(struct inspect_ctx *ctx, uint64_t now_ms)
{
	flow_expire(ctx->flows, now_ms);
}

const struct flow_stats *
inspect_flow_stats(const struct inspect_ctx *ctx)
{
	return flow_table_stats(ctx->flows);
}

/* --- outcomes ------------------------------------------------------- */

static void
add_out(struct call *c, int len)
{
	struct inspect_result *r = c->r;

	if (len <= 0 || r->nout == INSPECT_MAX_OUT)
		return;
	r->out[r->nout].data = c->ctx->out[r->nout];
	r->out[r->nout].len = (size_t)len;
	r->nout++;
}

static uint8_t *
next_out(struct call *c)
{
	return c->r->nout < INSPECT_MAX_OUT ? c->ctx->out[c->r->nout] : NULL;
}

static void
set_name(struct call *c, const char *a, size_t alen, const char *b, size_t blen)
{
	char *n = c->r->name;
	size_t cap = sizeof(c->r->name);

	if (!c->ctx->want_names)
		return;
	alen = MIN(alen, cap - 1);
	memcpy(n, a, alen);
	blen = MIN(blen, cap - 1 - alen);
	if (blen > 0)
		memcpy(n + alen, b, blen);
	n[alen + blen] = '\0';
}

static bool
monitor(const struct call *c)
{
	return c->pol->conf->mode == MODE_MONITOR;
}

/* Record a decision; returns true when a block is to be enforced. */
static bool
decide(struct call *c, enum veto_proto proto, enum veto_action act,
    const struct match_result *m)
{
	struct stats_thread *st = c->ctx->st;
	struct inspect_result *r = c->r;

	r->decided = true;
	r->proto = proto;
	r->action = act;
	STATS_INC(st->decision[proto][act]);
	if (act != VACT_BLOCKED)
		return false;
	if (m != NULL) {
		const struct policy_feed *pf = &c->pol->feeds[m->feed];
		uint16_t sc = STATS_CAT_OTHER;
		r->match = *m;
		if (pf->statcat != NULL && pf->list != NULL &&
		    m->cat < pf->list->ncats) {
			sc = pf->statcat[m->cat];
			if (pf->list->cats[m->cat].canary)
				STATS_INC(st->detail[SD_CANARY_BLOCKED]);
		}
		STATS_INC(st->cat_blocked[sc][proto]);
		stats_entry_blocked(st, c->pol->gen, m->entry, proto);
	}
	if (monitor(c)) {
		r->monitor = true;
		STATS_INC(st->detail[SD_MONITOR_WOULD_BLOCK]);
		return false;
	}
	return true;
}

/* Canonicalise a name from traffic; a name that cannot be canonicalised is
 * matched on its raw lowercase form and counted. */
static size_t
traffic_name(struct call *c, const char *in, size_t len,
    char out[NORM_NAME_MAX + 1], bool *uncanonical)
{
	int n = norm_name(in, len, out);

	*uncanonical = n < 0;
	if (n >= 0)
		return (size_t)n;
	STATS_INC(c->ctx->st->detail[SD_NAME_UNCANONICAL]);
	return norm_name_raw(in, len, out);
}

/* A name from DNS, SNI or QUIC: A-labels on the wire, so never through
 * IDNA (norm.h: norm_name_wire); otherwise as traffic_name(). */
static size_t
wire_name(struct call *c, const char *in, size_t len,
    char out[NORM_NAME_MAX + 1], bool *uncanonical)
{
	int n = norm_name_wire(in, len, out);

	*uncanonical = n < 0;
	if (n >= 0)
		return (size_t)n;
	STATS_INC(c->ctx->st->detail[SD_NAME_UNCANONICAL]);
	return norm_name_raw(in, len, out);
}

/* A name seen in DNS, SNI or QUIC: decide and record. Returns true when it
 * is to be blocked (not in monitor mode). */
static bool
decide_name(struct call *c, enum veto_proto proto, const char *raw, size_t len,
    struct match_result *m)
{
	char name[NORM_NAME_MAX + 1];
	bool unc;
	size_t n = wire_name(c, raw, len, name, &unc);

	set_name(c, name, n, "", 0);
	if (match_name_cached(c->pol->matcher, c->ctx->mcache, name, n, m))
		return decide(c, proto, VACT_BLOCKED, m);
	decide(c, proto, unc ? VACT_MALFORMED : VACT_ALLOWED, NULL);
	return false;
}

/* --- DNS ------------------------------------------------------------ */

static void
ede_text(const struct call *c, const struct match_result *m, char *buf,
    size_t cap)
{
	const struct list *l = c->pol->feeds[m->feed].list;

	snprintf(buf, cap, "blocked by feed %s, entry %s",
	    l != NULL ? l->feed : "?", m->id);
}

static int
dns_answer(struct call *c, const struct dns_query *q,
    const struct match_result *m, bool tcp, uint8_t *out, size_t cap)
{
	const struct conf *cf = c->pol->conf;
	char extra[256];
	struct dns_answer a = {
		/* m NULL: the DoH canary, always NXDOMAIN */
		.action = m ? (enum dns_action)cf->dns_action : DNS_ACT_NXDOMAIN,
		.ttl = (uint32_t)cf->dns_ttl,
		.stop4 = cf->has_stop4 ? (const uint8_t *)&cf->stop4 : NULL,
		.stop6 = cf->has_stop6 ? (const uint8_t *)&cf->stop6 : NULL,
		.ede = (uint16_t)cf->dns_ede,
		.extra_text = extra,
		.tcp = tcp,
	};

	if (m != NULL)
		ede_text(c, m, extra, sizeof(extra));
	else
		a.ede = 0;
	return dns_answer_build(q, &a, out, cap);
}

/* What one DNS message comes to. */
enum dns_outcome { DM_PASS, DM_BLOCK, DM_MALFORMED, DM_CANARY };

/* doh_canary (policy.h): counted; answered NXDOMAIN unless in monitor
 * mode, where it passes like everything else. */
static bool
dns_canary(struct call *c, const struct dns_query *q)
{
	if (!policy_doh_canary(c->pol, q->name, q->name_len))
		return false;
	STATS_INC(c->ctx->st->detail[SD_DOH_CANARY]);
	decide(c, VPROTO_DNS, VACT_ALLOWED, NULL);
	return !monitor(c);
}

/* One DNS query message: every question is checked (some resolvers answer
 * a query of several); DM_BLOCK fills *q with the blocked question and *m
 * for the answer. */
static enum dns_outcome
dns_message(struct call *c, const uint8_t *msg, size_t len,
    struct dns_query *q, struct match_result *m)
{
	enum dns_status s = dns_query_parse(msg, len, q);
	size_t off;

	if (s == DNS_NOT_QUERY)
		return DM_PASS;
	if (s != DNS_OK) {
		decide(c, VPROTO_DNS, VACT_MALFORMED, NULL);
		return DM_MALFORMED;
	}
	off = q->qend;
	for (unsigned i = 0; i < q->qdcount; i++) {
		if (i > 0 && dns_question_read(msg, len, &off, q) == -1)
			return DM_MALFORMED;	/* parse checked them all */
		if (q->labels == 0)	/* the root: nothing to match */
			decide(c, VPROTO_DNS, VACT_ALLOWED, NULL);
		else if (dns_canary(c, q))
			return DM_CANARY;
		else if (decide_name(c, VPROTO_DNS, q->name, q->name_len, m))
			return DM_BLOCK;
	}
	return DM_PASS;
}

/* A query veto cannot parse: dropped unless dns_malformed = pass (a
 * resolver may answer what veto refuses). True when it is to be dropped. */
static bool
dns_malformed_drop(struct call *c)
{
	if (c->pol->conf->dns_malformed != CONF_DROP || monitor(c))
		return false;
	STATS_INC(c->ctx->st->detail[SD_DNS_MALFORMED_DROP]);
	return true;
}

static void
inspect_dns_udp(struct call *c)
{
	struct dns_query q;
	struct match_result m;
	int n;

	enum dns_outcome o = dns_message(c, c->p->payload, c->p->payload_len,
	    &q, &m);

	switch (o) {
	case DM_PASS:
		return;
	case DM_MALFORMED:
		if (dns_malformed_drop(c))
			c->r->verdict = IV_DROP;
		return;
	case DM_BLOCK:
	case DM_CANARY:
		break;
	}
	n = dns_answer(c, &q, o == DM_CANARY ? NULL : &m, false, c->ctx->payload,
	    sizeof(c->ctx->payload));
	if (n > 0)
		add_out(c, respond_udp(c->p, c->ctx->payload, (size_t)n,
		    next_out(c), INSPECT_OUT_BYTES));
	c->r->verdict = IV_DROP;
}

/* --- TCP streams ------------------------------------------------------ */

static void
block_tcp(struct call *c, struct fstate *fs, const uint8_t *payload,
    size_t len)
{
	if (len > 0)
		add_out(c, respond_tcp_data_fin_client(c->p, payload, len,
		    next_out(c), INSPECT_OUT_BYTES));
	else
		add_out(c, respond_tcp_rst_client(c->p, next_out(c),
		    INSPECT_OUT_BYTES));
	add_out(c, respond_tcp_rst_server(c->p, next_out(c), INSPECT_OUT_BYTES));
	fs->decided = IV_BLOCK_FLOW;
	c->r->verdict = IV_BLOCK_FLOW;
}

static void
allow_flow(struct call *c, struct fstate *fs)
{
	fs->decided = IV_ALLOW_FLOW;
	c->r->verdict = IV_ALLOW_FLOW;
	STATS_INC(c->ctx->st->pkt[SP_OFFLOADED]);
}

/* The protocol a TCP flow on the TLS / HTTP ports is held to. */
static enum veto_proto
tcp_proto(const struct call *c, const struct fstate *fs)
{
	if (fs->kind == FK_TLS)
		return VPROTO_TLS;
	if (fs->kind == FK_HTTP)
		return VPROTO_HTTP;
	if (fs->kind == FK_DNS)
		return VPROTO_DNS;
	return port_in(c->ctx->tls_ports, c->ctx->ntls, c->p->dport) ?
	    VPROTO_TLS : VPROTO_HTTP;
}

/* A flow veto cannot decide on what the server holds (a request over the
 * cap, undecided on the last packet the rules queue, first seen mid-
 * stream): the policy decides, counted under why. Never a silent allow. */
static void
tcp_policy(struct call *c, struct fstate *fs, enum stats_pkt why, int policy)
{
	enum veto_proto proto = tcp_proto(c, fs);

	STATS_INC(c->ctx->st->pkt[why]);
	set_name(c, "", 0, "", 0);
	if (policy == CONF_POLICY_ALLOW) {
		decide(c, proto, VACT_UNKNOWN_NAME, NULL);
		allow_flow(c, fs);
	} else if (decide(c, proto, VACT_BLOCKED, NULL)) {
		block_tcp(c, fs, NULL, 0);
	} else {
		allow_flow(c, fs);	/* monitor mode */
	}
}

static void
over_cap(struct call *c, struct fstate *fs)
{
	tcp_policy(c, fs, SP_OVER_CAP_POLICY, fs->kind == FK_DNS ?
	    CONF_POLICY_BLOCK : c->ctx->overcap);
}

/* DNS over TCP: every message is checked; the flow never leaves the queue.
 * A message is decided as soon as its questions are in (the rest of it,
 * EDNS padding say, is skipped as it passes, so a message larger than the
 * flow cap is decided too: dns_tcp_over_cap); one whose questions do not
 * fit the flow cap is blocked. */
static void
stream_dns(struct call *c, struct flow *f, struct fstate *fs,
    const uint8_t *buf, size_t len)
{
	struct dns_tcp_iter it;
	struct dns_query q;
	struct match_result m;
	const uint8_t *msg;
	size_t mlen, used, cap = flow_table_cap(c->ctx->flows);
	enum dns_outcome o = DM_PASS;
	int n;

	if (fs->u.dns.skip_to > flow_base(f)) {	/* the rest of a message */
		/* only over bytes stored: the stream stays in order */
		flow_advance(c->ctx->flows, f, MIN(fs->u.dns.skip_to,
		    flow_end(f)));
		if ((buf = flow_data(f, &len)) == NULL)
			return;
	}
	dns_tcp_iter_init(&it, buf, len);
	while (o == DM_PASS && dns_tcp_next(&it, &msg, &mlen)) {
		STATS_INC(c->ctx->st->detail[SD_DNS_TCP]);
		o = dns_message(c, msg, mlen, &q, &m);
	}
	used = dns_tcp_consumed(&it);
	if (o == DM_PASS && len - used >= 2) {
		mlen = rd16(buf + used);
		if (dns_query_parse(buf + used + 2, len - used - 2, &q) ==
		    DNS_OK) {
			/* the questions are whole: decide, skip the rest */
			STATS_INC(c->ctx->st->detail[SD_DNS_TCP]);
			if (mlen + 2 > cap)
				STATS_INC(c->ctx->st->detail[SD_DNS_TCP_OVER_CAP]);
			o = dns_message(c, buf + used + 2, len - used - 2, &q,
			    &m);
			if (o == DM_PASS)
				used += 2 + mlen;
		} else if (len - used >= cap) {
			/* its questions do not fit: never readable */
			STATS_INC(c->ctx->st->detail[SD_DNS_TCP_OVER_CAP]);
			decide(c, VPROTO_DNS, VACT_MALFORMED, NULL);
			if (!monitor(c)) {
				block_tcp(c, fs, NULL, 0);
				return;
			}
		}
	}
	if (o == DM_MALFORMED && dns_malformed_drop(c)) {
		block_tcp(c, fs, NULL, 0);	/* a stream cannot lose a message */
		return;
	}
	if (o == DM_BLOCK || o == DM_CANARY) {
		n = dns_answer(c, &q, o == DM_CANARY ? NULL : &m, true,
		    c->ctx->payload, sizeof(c->ctx->payload));
		block_tcp(c, fs, c->ctx->payload, n > 0 ? (size_t)n : 0);
		return;
	}
	fs->u.dns.skip_to = flow_base(f) + used;
	flow_advance(c->ctx->flows, f, MIN(fs->u.dns.skip_to, flow_end(f)));
}

/* A name the TLS parser found but did not like (raw UTF-8, odd bytes) is
 * still matched, on its canonical or raw lowercase form: never silently
 * allowed. An IP literal is no name. */
static bool
tls_name_usable(const struct tls_hello *h)
{
	return h->name != NULL && h->name_len > 0 &&
	    !(h->flags & TLS_F_IP_LITERAL);
}

/* A ClientHello with a name (TLS over TCP or QUIC): decide on it. Returns
 * true when it is to be blocked. */
static bool
tls_named(struct call *c, enum veto_proto proto, const struct tls_hello *h)
{
	struct match_result m;

	if (h->flags & TLS_F_ECH)
		STATS_INC(c->ctx->st->detail[SD_TLS_ECH]);
	if (h->flags & TLS_F_BAD_NAME)
		STATS_INC(c->ctx->st->detail[SD_TLS_BAD_NAME]);
	return decide_name(c, proto, (const char *)h->name, h->name_len, &m);
}

/* A ClientHello without a usable name: tls_no_sni decides. Returns true
 * when it is to be blocked. */
static bool
tls_nameless(struct call *c, enum veto_proto proto, const struct tls_hello *h)
{
	struct stats_thread *st = c->ctx->st;

	if (h->flags & TLS_F_NO_SNI)
		STATS_INC(st->detail[SD_TLS_NO_SNI]);
	if (h->flags & TLS_F_IP_LITERAL)
		STATS_INC(st->detail[SD_TLS_IP_LITERAL]);
	if (h->flags & TLS_F_ECH)
		STATS_INC(st->detail[SD_TLS_ECH]);
	set_name(c, "", 0, "", 0);
	if (c->pol->conf->tls_no_sni == TLS_NO_SNI_BLOCK)
		return decide(c, proto, VACT_BLOCKED, NULL);
	decide(c, proto, VACT_UNKNOWN_NAME, NULL);
	return false;
}

/* Name or no name, decided: true when it is to be blocked. */
static bool
tls_decide(struct call *c, enum veto_proto proto, enum tls_status s,
    const struct tls_hello *h)
{
	if (s == TLS_NAME || tls_name_usable(h))
		return tls_named(c, proto, h);
	return tls_nameless(c, proto, h);
}

/* TLS: decide on the segment that completes the server name. */
static void
stream_tls(struct call *c, struct fstate *fs, const uint8_t *buf, size_t len)
{
	struct inspect_ctx *ctx = c->ctx;
	struct tls_hello h;
	enum tls_status s;

	s = tls_parse_stream(buf, len, ctx->tls_scratch, sizeof(ctx->tls_scratch), &h);
	switch (s) {
	case TLS_NEED_MORE:
		if (len >= flow_table_cap(ctx->flows))
			over_cap(c, fs);	/* bigger than the cap */
		return;
	case TLS_NAME:
	case TLS_NO_NAME:
		if ((h.flags & TLS_F_TOO_BIG) && !tls_name_usable(&h)) {
			over_cap(c, fs);	/* bigger than the scratch */
			return;
		}
		if (tls_decide(c, VPROTO_TLS, s, &h))
			block_tcp(c, fs, NULL, 0);
		else
			allow_flow(c, fs);
		return;
	case TLS_NOT_TLS:
		STATS_INC(ctx->st->detail[SD_TLS_NOT_TLS]);
		fs->kind = FK_OTHER;
		allow_flow(c, fs);
		return;
	case TLS_MALFORMED:
		break;
	}
	/* what the server refuses, or reads otherwise: never an allow */
	decide(c, VPROTO_TLS, VACT_MALFORMED, NULL);
	if (monitor(c))
		allow_flow(c, fs);
	else
		block_tcp(c, fs, NULL, 0);
}

/* What checking one request came to. */
enum http_check {
	HC_PASS,
	HC_NONAME,	/* no host at all (HTTP/1.0 without Host) */
	HC_BLOCK,	/* an entry matched: *m */
	HC_BLOCK_UNC,	/* not canonicalisable on a host with url entries */
};

/* A Host value veto cannot canonicalise, read the ways a server may: up
 * to its first byte that is not a name byte ("share.example x"), and
 * after its last '@' ("u@share.example"). Each is matched as a name; a
 * host with url entries blocks (its URL cannot be checked). */
static enum http_check
http_uncanonical(struct call *c, struct http_str a, struct match_result *m)
{
	const struct matcher *mt = c->pol->matcher;
	char name[NORM_NAME_MAX + 1];
	struct http_str cand[2] = {a, {NULL, 0}};
	const char *at = memrchr(a.p, '@', a.len);
	size_t i, n;
	bool unc;

	for (i = 0; i < a.len && (isalnum((unsigned char)a.p[i]) ||
	    a.p[i] == '.' || a.p[i] == '-' || a.p[i] == '_' ||
	    (a.p[i] & 0x80)); i++)
		;
	cand[0].len = i;
	if (at != NULL) {
		cand[1].p = at + 1;
		cand[1].len = a.len - (size_t)(at + 1 - a.p);
	}
	STATS_INC(c->ctx->st->detail[SD_NAME_UNCANONICAL]);
	for (i = 0; i < 2; i++) {
		if (cand[i].p == NULL || cand[i].len == 0)
			continue;
		n = traffic_name(c, cand[i].p, cand[i].len, name, &unc);
		set_name(c, name, n, "", 0);
		if (match_name(mt, name, n, m))
			return HC_BLOCK;
		if (match_host_has_urls(mt, name, n)) {
			STATS_INC(c->ctx->st->detail[SD_HTTP_URL_UNCANONICAL]);
			return HC_BLOCK_UNC;
		}
	}
	return HC_PASS;
}

/* One authority with the request's path: the canonical URL, then, on a
 * host with url entries, the path with %2F decoded (nginx routes on it). */
static enum http_check
http_check_one(struct call *c, struct http_str a, struct http_str path,
    struct match_result *m, bool *urls)
{
	const struct matcher *mt = c->pol->matcher;
	struct norm_url u;

	if (a.p == NULL)
		return HC_PASS;
	if (norm_http(a.p, a.len, path.p != NULL ? path.p : "/",
	    path.p != NULL ? path.len : 1, &u) != 0) {
		if (u.hostlen == 0)
			return http_uncanonical(c, a, m);
		/* the host is fine, the path is not (longer than the cap) */
		set_name(c, u.host, u.hostlen, "", 0);
		if (match_name(mt, u.host, u.hostlen, m))
			return HC_BLOCK;
		if (!match_host_has_urls(mt, u.host, u.hostlen))
			return HC_PASS;
		STATS_INC(c->ctx->st->detail[SD_HTTP_URL_UNCANONICAL]);
		return HC_BLOCK_UNC;
	}
	set_name(c, u.host, u.hostlen, u.rest, u.restlen);
	if (match_url(mt, &u, m))
		return HC_BLOCK;
	if (!match_host_has_urls(mt, u.host, u.hostlen))
		return HC_PASS;
	*urls = true;
	if (norm_url_slashes(&u) && match_url(mt, &u, m))
		return HC_BLOCK;
	return HC_PASS;
}

static bool
http_str_ieq(struct http_str a, struct http_str b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0);
}

/* Check one request against each authority a server may serve it from:
 * the absolute target's (or CONNECT's), and every Host header that
 * differs from it. */
static enum http_check
http_check(struct call *c, const struct http_req *req, struct match_result *m,
    bool *urls)
{
	struct http_str auth[3], path = req->path;
	static const struct http_str root = {"/", 1};
	unsigned n = 0;
	enum http_check hc;

	*urls = false;
	if (req->form == HTTP_FORM_ABSOLUTE || req->form == HTTP_FORM_AUTHORITY)
		auth[n++] = req->target_authority;
	if (req->form == HTTP_FORM_AUTHORITY || req->form == HTTP_FORM_ASTERISK)
		path = root;
	if (req->nhost > 0 && (n == 0 ||
	    !http_str_ieq(req->host_header, auth[0])))
		auth[n++] = req->host_header;
	if ((req->flags & HTTP_F_DUP_HOST) &&
	    !http_str_ieq(req->host_last, req->host_header))
		auth[n++] = req->host_last;
	if (n == 0) {
		STATS_INC(c->ctx->st->detail[SD_HTTP_NO_HOST]);
		return HC_NONAME;
	}
	for (unsigned i = 0; i < n; i++)
		if ((hc = http_check_one(c, auth[i], path, m, urls)) != HC_PASS)
			return hc;
	return HC_PASS;
}

/* Reset both sides: a request veto will not pass unread. */
static void
http_reset(struct call *c, struct fstate *fs, enum stats_detail why)
{
	STATS_INC(c->ctx->st->detail[why]);
	if (monitor(c)) {
		allow_flow(c, fs);
		return;
	}
	block_tcp(c, fs, NULL, 0);
}

static void
http_block(struct call *c, struct fstate *fs, const struct match_result *m)
{
	int n = 0;

	if (fs->requests == 0 && m != NULL) {
		n = stop_block_response(c->pol, m, (char *)c->ctx->payload,
		    sizeof(c->ctx->payload));
	} else if (fs->requests > 0) {
		/* server data may be in flight: reset both sides */
		STATS_INC(c->ctx->st->detail[SD_HTTP_KEEPALIVE_BLOCK]);
	}
	block_tcp(c, fs, c->ctx->payload, n > 0 ? (size_t)n : 0);
}

/* Decide one request; true when the flow was decided (blocked). */
static bool
http_decide(struct call *c, struct fstate *fs, const struct http_req *req,
    bool *urls)
{
	struct match_result m;
	enum http_check hc = http_check(c, req, &m, urls);

	if (hc == HC_PASS || hc == HC_NONAME) {
		/* no name at all: a request without a usable name */
		decide(c, VPROTO_HTTP, hc == HC_PASS ? VACT_ALLOWED :
		    VACT_UNKNOWN_NAME, NULL);
		return false;
	}
	if (!decide(c, VPROTO_HTTP, VACT_BLOCKED, hc == HC_BLOCK ? &m : NULL))
		return false;		/* monitor mode */
	http_block(c, fs, hc == HC_BLOCK ? &m : NULL);
	return true;
}

/* HTTP/2 over cleartext: the prior-knowledge preface (its host is in HPACK,
 * which veto does not read) or an upgrade request already checked. True
 * when the flow was decided. */
static bool
http_h2c(struct call *c, struct fstate *fs, bool preface, bool urls)
{
	int pol = c->pol->conf->h2c;

	STATS_INC(c->ctx->st->detail[SD_HTTP_H2C]);
	if (pol == H2C_ALLOW || (pol == H2C_URL_HOSTS && !preface && !urls)) {
		if (preface)
			decide(c, VPROTO_HTTP, VACT_UNKNOWN_NAME, NULL);
		allow_flow(c, fs);	/* HTTP/2 frames follow */
		return true;
	}
	set_name(c, "", 0, "", 0);
	if (preface || !c->r->decided || c->r->action != VACT_BLOCKED)
		if (!decide(c, VPROTO_HTTP, VACT_BLOCKED, NULL)) {
			allow_flow(c, fs);	/* monitor mode */
			return true;
		}
	block_tcp(c, fs, NULL, 0);
	return true;
}

/* Skip the body of the request just checked, over the bytes stored (the
 * stream stays in order); true when bytes of the next request are there. */
static bool
http_skip_body(struct call *c, struct flow *f, struct fstate *fs)
{
	const uint8_t *buf;
	size_t len, used = 0;
	enum http_status s;

	if (fs->in_chunked) {
		/* the body starts at skip_to, after the request's head */
		flow_advance(c->ctx->flows, f, MIN(fs->u.http.skip_to,
		    flow_end(f)));
		buf = flow_data(f, &len);
		if (buf == NULL || flow_base(f) < fs->u.http.skip_to)
			return false;
		s = http_chunked_walk(&fs->u.http.chunk, buf, len, &used);
		flow_advance(c->ctx->flows, f, flow_base(f) + used);
		if (s == HTTP_NEED_MORE)
			return false;
		fs->in_chunked = 0;
		if (s == HTTP_MALFORMED) {
			/* the framing is lost: no later request is readable */
			http_reset(c, fs, SD_HTTP_MALFORMED);
			return false;
		}
		fs->u.http.skip_to = flow_base(f);
	}
	flow_advance(c->ctx->flows, f, MIN(fs->u.http.skip_to, flow_end(f)));
	return flow_base(f) >= fs->u.http.skip_to && flow_end(f) > flow_base(f);
}

/* What follows a request on the connection: its body, then the next
 * request (pipelined or keep-alive). */
static void
http_next(struct flow *f, struct fstate *fs, const struct http_req *req)
{
	fs->u.http.skip_to = flow_base(f) + req->header_end + req->body_len;
	if (req->flags & HTTP_F_CHUNKED) {
		memset(&fs->u.http.chunk, 0, sizeof(fs->u.http.chunk));
		fs->in_chunked = 1;
		fs->u.http.skip_to = flow_base(f) + req->header_end;
	}
	if (req->flags & HTTP_F_UPGRADE)
		fs->http_switch = 1;	/* 101: other bytes may follow */
}

/* A request that does not parse as servers parse: a Host seen before the
 * bad byte is still checked; otherwise the connection is reset (servers
 * refuse it; never an allow). Bytes that are no HTTP at all on a fresh
 * connection (another protocol on the port), or after an Upgrade or
 * CONNECT the server may have accepted, let the flow go. */
static void
http_unparsed(struct call *c, struct fstate *fs, enum http_status s,
    const struct http_req *req)
{
	bool urls;

	if (s == HTTP_NOT_HTTP && (fs->requests == 0 || fs->http_switch)) {
		STATS_INC(c->ctx->st->detail[SD_HTTP_NOT_HTTP]);
		fs->kind = FK_OTHER;
		allow_flow(c, fs);
		return;
	}
	if (s == HTTP_MALFORMED && req->nhost + (req->target_authority.p !=
	    NULL) > 0 && http_decide(c, fs, req, &urls))
		return;
	if (!c->r->decided || c->r->action != VACT_BLOCKED)
		decide(c, VPROTO_HTTP, VACT_MALFORMED, NULL);
	http_reset(c, fs, SD_HTTP_MALFORMED);
}

/* Plain HTTP: every request of the connection is checked, each against its
 * own Host and URL. The flow stays undecided (IV_PASS) while it carries
 * requests; the TCP layer's rules keep its client packets queued. */
static void
stream_http(struct call *c, struct flow *f, struct fstate *fs)
{
	for (;;) {
		struct http_req req;
		bool urls;
		const uint8_t *buf;
		size_t len;
		enum http_status s;

		if (fs->requests > 0 && !http_skip_body(c, f, fs))
			return;
		if (fs->decided || (buf = flow_data(f, &len)) == NULL)
			return;
		s = http_parse(buf, len, &req, NULL);
		if (s == HTTP_NEED_MORE) {
			if (len >= flow_table_cap(c->ctx->flows))
				over_cap(c, fs);
			return;
		}
		if (s != HTTP_OK) {
			http_unparsed(c, fs, s, &req);
			return;
		}
		if (req.version_major == 2 && req.method.len == 3 &&
		    memcmp(req.method.p, "PRI", 3) == 0) {
			http_h2c(c, fs, true, false);
			return;
		}
		if (http_decide(c, fs, &req, &urls))
			return;
		fs->requests++;
		if (req.flags & HTTP_F_UPGRADE_H2C) {
			http_h2c(c, fs, false, urls);
			return;
		}
		if (req.form == HTTP_FORM_AUTHORITY) {
			allow_flow(c, fs);	/* CONNECT: a tunnel follows */
			return;
		}
		http_next(f, fs, &req);
	}
}

static void
stream_parse(struct call *c, struct flow *f, struct fstate *fs,
    const uint8_t *buf, size_t len)
{
	if (fs->kind == FK_NEW)
		fs->kind = buf[0] == 0x16 ? FK_TLS : FK_HTTP;
	switch (fs->kind) {
	case FK_DNS:
		stream_dns(c, f, fs, buf, len);
		break;
	case FK_TLS:
		stream_tls(c, fs, buf, len);
		break;
	case FK_HTTP:
		stream_http(c, f, fs);
		break;
	default:
		allow_flow(c, fs);
		break;
	}
}

/* A packet the stream invariant refuses (flow.h): dropped, counted; the
 * flow stays undecided. */
static void
tcp_drop(struct call *c, const struct flow_add_result *ar)
{
	STATS_INC(c->ctx->st->pkt[SP_TCP_AHEAD + (ar->drop - FLOW_DROP_AHEAD)]);
	if (ar->drop == FLOW_DROP_CONFLICT)
		STATS_INC(c->ctx->st->pkt[SP_REASM_CONFLICT]);
	c->r->verdict = IV_DROP;
}

/* A SYN the kernel queued on a flow decided here: the client opens a new
 * connection on the 5-tuple (conntrack made a new entry; the rules drop a
 * SYN on a decided entry). Its own ISN; the same one is a late copy. */
static bool
tcp_new_conn(const struct pkt *p, const struct flow *f)
{
	return (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) ==
	    PKT_TCP_SYN && p->seq != flow_isn(f);
}

/* The bytes the segment added (or the cap it hit): parse, decide. */
static void
tcp_stream(struct call *c, struct flow *f, struct fstate *fs,
    const struct flow_add_result *ar)
{
	const uint8_t *buf;
	size_t len;

	if ((flow_flags(f) & FLOW_F_MIDSTREAM) && fs->kind != FK_DNS) {
		/* its bytes are not the server's view: never an allow (sticky:
		 * the segment that started it may have been dropped) */
		tcp_policy(c, fs, SP_TCP_MIDSTREAM, CONF_POLICY_BLOCK);
		return;
	}
	if (ar->flags & FLOW_ADD_GREW) {
		buf = flow_data(f, &len);
		if (buf != NULL && len > 0)
			stream_parse(c, f, fs, buf, len);
	} else if (c->p->payload_len == 0) {
		STATS_INC(c->ctx->st->pkt[SP_NO_PAYLOAD]);
	}
	if (!fs->decided && (ar->flags & FLOW_ADD_OVER_CAP))
		over_cap(c, fs);
	if (fs->decided)	/* keep the slot (late packets), free the bytes */
		flow_advance(c->ctx->flows, f, flow_end(f));
}

/* The last packet the rules queue (connbytes_cap) of a flow still
 * undecided: the rest would pass unseen. */
static void
tcp_last_packet(struct call *c, struct flow *f, struct fstate *fs)
{
	if (fs->decided || fs->kind == FK_DNS || fs->requests > 0 ||
	    flow_packets(f) < c->ctx->cap_pkts)
		return;
	tcp_policy(c, fs, SP_LAST_PACKET, c->ctx->last_packet);
}

static void
inspect_tcp(struct call *c, bool dns)
{
	const struct pkt *p = c->p;
	struct flow_key k;
	struct flow *f;
	struct fstate *fs;
	struct flow_add_result ar;
	size_t held;

	flow_key_set(&k, p);
	f = flow_lookup(c->ctx->flows, &k, c->now,
	    p->payload_len > 0 || (p->tcp_flags & PKT_TCP_SYN), NULL);
	if (f == NULL) {
		STATS_INC(c->ctx->st->pkt[SP_NO_PAYLOAD]);
		return;
	}
	fs = flow_user(f);
	if (fs->decided) {
		if (!tcp_new_conn(p, f)) {
			STATS_INC(c->ctx->st->pkt[SP_DECIDED_LATE]);
			c->r->verdict = fs->decided;
			return;
		}
		flow_restart(c->ctx->flows, f);
	}
	flow_tcp_add(c->ctx->flows, f, p, &ar);
	if (ar.flags & FLOW_ADD_RESET)
		memset(fs, 0, sizeof(*fs));
	if (dns && fs->kind == FK_NEW)
		fs->kind = FK_DNS;
	if (ar.flags & FLOW_ADD_RELEASE) {
		flow_release(c->ctx->flows, f);
		return;
	}
	if (ar.drop != FLOW_DROP_NONE)
		tcp_drop(c, &ar);
	else
		tcp_stream(c, f, fs, &ar);
	if (!dns)
		tcp_last_packet(c, f, fs);
	/* an undecided flow past its handshake (a browser's preconnect may
	 * wait before it sends) or holding part of a request is kept for
	 * undecided_hold: expired, its next bytes would be midstream */
	(void)flow_data(f, &held);
	flow_set_hold(f, !fs->decided && (held > 0 || (fs->kind != FK_DNS &&
	    (flow_flags(f) & FLOW_F_ISN))));
}

/* --- QUIC ------------------------------------------------------------ */

/* A datagram veto will not pass: counted, and dropped unless in monitor
 * mode. Only this packet; the flow stays as it was. */
static void
drop_packet(struct call *c, enum stats_detail why)
{
	STATS_INC(c->ctx->st->detail[why]);
	if (!monitor(c))
		c->r->verdict = IV_DROP;
}

/* Is the name of this (partial) ClientHello listed? A dry run: nothing is
 * decided or counted. */
static bool
hello_listed(struct call *c, const uint8_t *hs, size_t len,
    struct match_result *m)
{
	struct tls_hello h;
	char name[NORM_NAME_MAX + 1];
	enum tls_status ts = tls_parse_handshake(hs, len, &h);
	int k;
	size_t n;

	if ((ts != TLS_NAME && ts != TLS_NO_NAME) || !tls_name_usable(&h))
		return false;
	k = norm_name((const char *)h.name, h.name_len, name);
	n = k >= 0 ? (size_t)k : norm_name_raw((const char *)h.name,
	    h.name_len, name);
	return match_name_cached(c->pol->matcher, c->ctx->mcache, name, n, m);
}

struct quic_feed {
	struct call *c;
	struct flow *f;
	bool conflict;		/* CRYPTO bytes disagreed with stored ones */
	bool alt_listed;	/* ...and the other version names a listed host */
	bool unstored;		/* bytes not stored: too many holes */
	bool over_cap;		/* bytes beyond the flow cap */
	struct match_result m;	/* with alt_listed */
};

static int
quic_crypto(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	struct quic_feed *qf = arg;
	struct flow_add_result ar;

	flow_add(qf->c->ctx->flows, qf->f, off, data, len, &ar);
	if (ar.flags & FLOW_ADD_FRAGMENTED)
		qf->unstored = true;
	if (ar.flags & FLOW_ADD_OVER_CAP)
		qf->over_cap = true;
	if (ar.flags & FLOW_ADD_CONFLICT) {
		qf->conflict = true;
		if (!qf->alt_listed && hello_listed(qf->c, ar.alt, ar.alt_len,
		    &qf->m))
			qf->alt_listed = true;
	}
	return 0;
}

/* An Initial the rules queue again on a decided flow (rules.h 1b): with
 * another DCID than the flow's first, it may open a new connection on the
 * 5-tuple, decided on its own name (a later Initial of the same connection
 * that carries the server's connection ID just fails to decrypt: it passes
 * on the connmark the flow already has). */
static bool
quic_new_conn(const struct pkt *p, const struct fstate *fs)
{
	const uint8_t *b = p->payload;

	if (fs->kind != FK_QUIC || !fs->u.quic.keys.set ||
	    !quic_is_initial(b, p->payload_len) || p->payload_len < 6 ||
	    p->payload_len < 6 + (size_t)b[5])
		return false;
	return b[5] != fs->u.quic.keys.dcid_len ||
	    memcmp(b + 6, fs->u.quic.keys.dcid, b[5]) != 0;
}

/* TTL decoys (issue 12 item 3): an Initial whose TTL / hop limit is below
 * the highest seen on the flow may die before the server (zapret's ttl
 * fooling), so it never decides: dropped. QUIC has no handshake before
 * the Initial to take a floor from, so a decoy may come first and decide;
 * an Initial that arrives with a higher TTL than the one that decided may
 * be the one the server really gets: the flow is decided again on it
 * (quic_farther). A client's own Initials all carry one TTL. */
static bool
quic_ttl_decoy(struct call *c, const struct fstate *fs)
{
	if (fs->kind != FK_QUIC || c->p->ttl >= fs->u.quic.ttl ||
	    !quic_is_initial(c->p->payload, c->p->payload_len))
		return false;
	drop_packet(c, SD_QUIC_TTL_DECOY);
	return true;
}

static bool
quic_farther(const struct pkt *p, const struct fstate *fs)
{
	return fs->kind == FK_QUIC && p->ttl > fs->u.quic.ttl &&
	    quic_is_initial(p->payload, p->payload_len);
}

static void
quic_set(struct call *c, struct fstate *fs, enum inspect_verdict v)
{
	fs->decided = (uint8_t)v;
	c->r->verdict = v;
	if (v == IV_ALLOW_FLOW)
		STATS_INC(c->ctx->st->pkt[SP_OFFLOADED]);
}

/* A flow whose CRYPTO copies disagreed holds bytes the server may not
 * have: it is never allowed. Blocked, on the listed name if there is one. */
static void
quic_poisoned(struct call *c, struct fstate *fs, const struct match_result *m)
{
	if (m != NULL)
		decide(c, VPROTO_QUIC, VACT_BLOCKED, m);
	else
		decide(c, VPROTO_QUIC, VACT_MALFORMED, NULL);
	quic_set(c, fs, monitor(c) ? IV_ALLOW_FLOW : IV_BLOCK_FLOW);
}

/* The CRYPTO data from offset 0: decide when the ClientHello is there. */
static void
quic_hello(struct call *c, struct flow *f, struct fstate *fs, bool over_cap)
{
	struct match_result m;
	struct tls_hello h;
	const uint8_t *buf;
	size_t len = 0;
	enum tls_status ts;

	buf = flow_data(f, &len);
	if (buf == NULL && !over_cap)
		return;		/* CRYPTO data from offset 0 not here yet */
	ts = buf != NULL ? tls_parse_handshake(buf, len, &h) : TLS_NEED_MORE;
	if (ts == TLS_NEED_MORE && !over_cap &&
	    len < flow_table_cap(c->ctx->flows))
		return;
	if (fs->u.quic.conflict) {
		quic_poisoned(c, fs, buf != NULL && hello_listed(c, buf, len,
		    &m) ? &m : NULL);
	} else if (ts == TLS_NAME || ts == TLS_NO_NAME) {
		quic_set(c, fs, tls_decide(c, VPROTO_QUIC, ts, &h) ?
		    IV_BLOCK_FLOW : IV_ALLOW_FLOW);
	} else {
		/* not a ClientHello, or bigger than the cap: QUIC is never
		 * allowed unread (clients fall back to TCP) */
		decide(c, VPROTO_QUIC, VACT_MALFORMED, NULL);
		quic_set(c, fs, monitor(c) ? IV_ALLOW_FLOW : IV_BLOCK_FLOW);
	}
	flow_advance(c->ctx->flows, f, flow_end(f));
}

/* What a datagram that did not parse comes to: dropped (the client
 * retransmits), the flow undecided. */
static void
quic_bad(struct call *c, enum quic_status qs)
{
	if (qs == QUIC_NOT_INITIAL) {
		STATS_INC(c->ctx->st->detail[SD_QUIC_NOT_INITIAL]);
		return;		/* 0-RTT, short header: nothing veto reads */
	}
	if (qs != QUIC_MALFORMED)
		STATS_INC(c->ctx->st->detail[SD_QUIC_UNDECRYPTABLE]);
	drop_packet(c, SD_QUIC_DROPPED);
}

static void
inspect_quic(struct call *c)
{
	struct inspect_ctx *ctx = c->ctx;
	const struct pkt *p = c->p;
	struct flow_key k;
	struct flow *f;
	struct fstate *fs;
	struct quic_feed qf = {c, NULL, false, false, false, false, {0}};
	unsigned scan = quic_scan(p->payload, p->payload_len);
	bool shrt = p->payload_len < QUIC_INITIAL_MIN;
	enum quic_status qs;

	flow_key_set(&k, p);
	f = flow_lookup(ctx->flows, &k, c->now, (scan & QUIC_SCAN_INITIAL) &&
	    !shrt, NULL);
	fs = f != NULL ? flow_user(f) : NULL;
	if (fs != NULL && quic_ttl_decoy(c, fs))
		return;
	if (fs != NULL && fs->decided) {
		uint8_t ttl = fs->u.quic.ttl;

		if (!quic_new_conn(p, fs) && !quic_farther(p, fs)) {
			STATS_INC(ctx->st->pkt[SP_DECIDED_LATE]);
			c->r->verdict = fs->decided;
			return;
		}
		flow_restart(ctx->flows, f);
		fs->u.quic.ttl = ttl;	/* the floor outlives the restart */
	}
	if (scan & QUIC_SCAN_UNKNOWN_VERSION) {
		if (c->pol->conf->quic_unknown_version == CONF_DROP)
			drop_packet(c, SD_QUIC_UNKNOWN_VERSION);
		else
			STATS_INC(ctx->st->detail[SD_QUIC_UNKNOWN_VERSION]);
		return;
	}
	if ((scan & QUIC_SCAN_INITIAL) && shrt) {
		drop_packet(c, SD_QUIC_SHORT_INITIAL);	/* servers drop it */
		return;
	}
	if (f == NULL) {
		STATS_INC(ctx->st->detail[SD_QUIC_NOT_INITIAL]);
		return;		/* not (yet) a client Initial: stays queued */
	}
	fs->kind = FK_QUIC;
	qf.f = f;
	qs = quic_parse(ctx->quic, p->payload, p->payload_len, &fs->u.quic.keys,
	    ctx->plain, sizeof(ctx->plain), quic_crypto, &qf, NULL);
	if (qs != QUIC_OK) {
		quic_bad(c, qs);
		return;
	}
	fs->u.quic.ttl = MAX(fs->u.quic.ttl, p->ttl);	/* read: a floor */
	if (qf.alt_listed) {		/* the other version is listed */
		set_name(c, "", 0, "", 0);
		quic_poisoned(c, fs, &qf.m);
		return;
	}
	if (qf.conflict) {
		STATS_INC(ctx->st->pkt[SP_REASM_CONFLICT]);
		fs->u.quic.conflict = 1;
		drop_packet(c, SD_QUIC_CONFLICT);
		return;
	}
	if (qf.unstored) {
		drop_packet(c, SD_QUIC_DROPPED);
		return;
	}
	quic_hello(c, f, fs, qf.over_cap);
}

/* --- entry ------------------------------------------------------------ */

void
inspect(struct inspect_ctx *ctx, const struct policy *pol, const uint8_t *pkt,
    size_t len, const struct inspect_meta *m, struct inspect_result *r)
{
	struct pkt p;
	struct call c = {ctx, pol, &p, r, m->now_ms};
	enum pkt_status ps;

	r->verdict = IV_PASS;
	r->decided = false;
	r->monitor = false;
	r->nout = 0;
	r->name[0] = '\0';
	r->match.id = NULL;	/* a block by policy names no entry */
	STATS_INC(ctx->st->pkt[SP_SEEN]);
	if (m->flags & INSPECT_TRUNCATED) {
		/* the rest of it would reach the server unseen */
		STATS_INC(ctx->st->pkt[SP_TRUNCATED]);
		r->verdict = IV_DROP;
		return;
	}
	ps = pkt_parse(pkt, len, &p);
	if (ps != PKT_OK) {
		/* a packet queued on our ports that we cannot read: what
		 * the server makes of it is unknown, so it does not pass */
		STATS_INC(ctx->st->pkt[ps == PKT_MALFORMED ? SP_MALFORMED :
		    SP_UNSUPPORTED]);
		if (ps == PKT_MALFORMED)
			r->verdict = IV_DROP;
		return;
	}
	if ((m->flags & INSPECT_CSUM_UNVERIFIED) &&
	    !(m->flags & INSPECT_CSUM_NOTREADY) && !pkt_l4_csum_ok(&p)) {
		/* the receiver would drop it: not a request, not a decision */
		STATS_INC(ctx->st->pkt[SP_BAD_CSUM]);
		return;
	}
	if (p.l4proto == IPPROTO_UDP) {
		if (p.dport == 53)
			inspect_dns_udp(&c);
		else if (port_in(ctx->quic_ports, ctx->nquic, p.dport))
			inspect_quic(&c);
		else
			STATS_INC(ctx->st->pkt[SP_UNSUPPORTED]);
	} else if (p.dport == 53) {
		inspect_tcp(&c, true);
	} else if (port_in(ctx->http_ports, ctx->nhttp, p.dport) ||
	    port_in(ctx->tls_ports, ctx->ntls, p.dport)) {
		inspect_tcp(&c, false);
	} else {
		STATS_INC(ctx->st->pkt[SP_UNSUPPORTED]);
	}
	if (r->monitor) {	/* decided and counted; nothing enforced */
		r->nout = 0;
		if (r->verdict == IV_DROP)
			r->verdict = IV_PASS;
	}
}
