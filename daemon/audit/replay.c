/* replay.c - captured packets through the engine, the kernel side
 * emulated; see replay.h. */
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pkt.h"
#include "core/hash.h"
#include "core/bytes.h"
#include "audit/replay.h"
#include "engine/stats.h"

#define CT_MIN_SLOTS 4096
#define CT_UDP_IDLE_MS (120 * 1000)
#define CT_TCP_IDLE_MS (2 * 3600 * 1000)
#define CT_CLOSED_IDLE_MS (120 * 1000)
#define SWEEP_EVERY_MS (10 * 1000)
#define TICK_EVERY_MS 1000
#define PROGRESS_EVERY 65536

/* A connection, keyed by its two endpoints in a canonical order (side 0
 * sorts before side 1), so both directions find it. */
struct ct_key {
	uint8_t family, proto;
	uint16_t port[2];
	uint8_t addr[2][16];
};

struct ct {
	struct ct_key k;
	uint8_t used;
	uint8_t orig;		/* the side (0/1) that opened it */
	uint8_t decided;
	uint8_t closed;		/* TCP: FIN or RST seen */
	uint32_t orig_pkts;	/* connbytes, original direction */
	uint64_t last_ms;
};

struct replay {
	const struct policy *pol;
	struct inspect_ctx *ctx;
	struct stats_thread *st;
	replay_decision_fn on_decision;
	void *arg;
	struct replay_counts c;
	uint64_t (*entries)[VPROTO_COUNT];
	size_t nentries;
	struct ct *ct;
	size_t ct_slots, ct_used;
	uint64_t now_ms, last_tick, last_sweep;
	bool started;
	uint64_t cap;
};

struct replay *
replay_new(const struct policy *pol, struct verr *e)
{
	struct replay *r = xcalloc(1, sizeof(*r));
	const struct conf *c = pol->conf;

	r->pol = pol;
	r->st = stats_thread_new();
	r->ctx = inspect_ctx_new(c, r->st, true, e);
	if (r->ctx == NULL) {
		replay_free(r);
		return NULL;
	}
	r->nentries = matcher_entries(pol->matcher);
	r->entries = xcalloc(r->nentries ? r->nentries : 1,
	    sizeof(*r->entries));
	r->ct_slots = CT_MIN_SLOTS;
	r->ct = xcalloc(r->ct_slots, sizeof(*r->ct));
	r->cap = c->connbytes_cap;
	return r;
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	inspect_ctx_free(r->ctx);
	stats_thread_free(r->st);
	free(r->entries);
	free(r->ct);
	free(r);
}

void
replay_on_decision(struct replay *r, replay_decision_fn fn, void *arg)
{
	r->on_decision = fn;
	r->arg = arg;
}

const struct replay_counts *
replay_counts(const struct replay *r)
{
	return &r->c;
}

uint64_t
replay_entry_blocked(const struct replay *r, uint32_t entry, enum veto_proto p)
{
	return entry < r->nentries ? r->entries[entry][p] : 0;
}

const struct stats_thread *
replay_stats(const struct replay *r)
{
	return r->st;
}

const char *
replay_fate_name(enum replay_fate f)
{
	static const char *const names[RF_COUNT] = {
		"not_ip", "truncated", "fragment", "other", "other_port",
		"reply", "decided", "over_cap", "inspected",
	};

	return (unsigned)f < RF_COUNT ? names[f] : "?";
}

/* --- link layers ------------------------------------------------------ */


bool
replay_dlt_supported(int dlt)
{
	switch (dlt) {
	case REPLAY_DLT_NULL: case REPLAY_DLT_EN10MB: case REPLAY_DLT_RAW:
	case REPLAY_DLT_RAW_BSD: case REPLAY_DLT_LINKTYPE_RAW:
	case REPLAY_DLT_LOOP: case REPLAY_DLT_LINUX_SLL:
	case REPLAY_DLT_IPV4: case REPLAY_DLT_IPV6: case REPLAY_DLT_LINUX_SLL2:
	case REPLAY_DLT_PPP: case REPLAY_DLT_PPP_SERIAL: case REPLAY_DLT_PPP_ETHER:
	case REPLAY_DLT_C_HDLC: case REPLAY_DLT_PPP_WITH_DIR:
	case REPLAY_DLT_C_HDLC_WITH_DIR:
		return true;
	}
	return false;
}

/* PPP from f[off]: optional address/control (0xff 0x03), then the
 * protocol, 1 byte when compressed (odd first byte) or 2: 0x0021 IPv4,
 * 0x0057 IPv6 (RFC 1661, 1332, 5072). */
static long
ppp_offset(const uint8_t *f, size_t len, size_t off)
{
	uint16_t proto;

	if (len >= off + 2 && f[off] == 0xff && f[off + 1] == 0x03)
		off += 2;
	if (len < off + 1)
		return -1;
	if (f[off] & 1) {
		proto = f[off];
		off += 1;
	} else {
		if (len < off + 2)
			return -1;
		proto = rd16(f + off);
		off += 2;
	}
	return proto == 0x21 || proto == 0x57 ? (long)off : -1;
}

/* Cisco HDLC from f[off]: address 0x0f or 0x8f, control 0, an ethertype. */
static long
chdlc_offset(const uint8_t *f, size_t len, size_t off)
{
	if (len < off + 4 || (f[off] != 0x0f && f[off] != 0x8f) ||
	    f[off + 1] != 0)
		return -1;
	return rd16(f + off + 2) == 0x0800 || rd16(f + off + 2) == 0x86dd ?
	    (long)(off + 4) : -1;
}

/* A PPPoE session header (RFC 2516: 6 bytes, version/type 0x11, code 0)
 * from f[off], then PPP's 2-byte protocol. */
static long
pppoe_offset(const uint8_t *f, size_t len, size_t off)
{
	if (len < off + 8 || f[off] != 0x11 || f[off + 1] != 0)
		return -1;
	return ppp_offset(f, len, off + 6);
}

static long
ether_offset(const uint8_t *f, size_t len)
{
	size_t off = 12;
	uint16_t type;

	if (len < 14)
		return -1;
	type = rd16(f + off);
	off += 2;
	/* 802.1Q, 802.1ad and the old QinQ type, any depth */
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (len < off + 4)
			return -1;
		type = rd16(f + off + 2);
		off += 4;
	}
	if (type == 0x8864)
		return pppoe_offset(f, len, off);
	return type == 0x0800 || type == 0x86dd ? (long)off : -1;
}

long
replay_link_offset(int dlt, const uint8_t *f, size_t len)
{
	long off;

	switch (dlt) {
	case REPLAY_DLT_EN10MB:
		off = ether_offset(f, len);
		break;
	case REPLAY_DLT_LINUX_SLL:	/* 16 bytes, protocol at 14 */
		off = len >= 16 && (rd16(f + 14) == 0x0800 ||
		    rd16(f + 14) == 0x86dd) ? 16 : -1;
		break;
	case REPLAY_DLT_LINUX_SLL2:	/* 20 bytes, protocol at 0 */
		off = len >= 20 && (rd16(f) == 0x0800 ||
		    rd16(f) == 0x86dd) ? 20 : -1;
		break;
	case REPLAY_DLT_NULL:		/* 4-byte address family */
	case REPLAY_DLT_LOOP:
		off = 4;
		break;
	case REPLAY_DLT_RAW: case REPLAY_DLT_RAW_BSD:
	case REPLAY_DLT_LINKTYPE_RAW: case REPLAY_DLT_IPV4:
	case REPLAY_DLT_IPV6:
		off = 0;
		break;
	case REPLAY_DLT_PPP:
		off = ppp_offset(f, len, 0);
		break;
	case REPLAY_DLT_PPP_WITH_DIR:	/* a direction byte first */
		off = ppp_offset(f, len, 1);
		break;
	case REPLAY_DLT_PPP_SERIAL:	/* PPP in HDLC framing, or Cisco HDLC */
		off = len > 0 && f[0] == 0xff ? ppp_offset(f, len, 0) :
		    chdlc_offset(f, len, 0);
		break;
	case REPLAY_DLT_PPP_ETHER:
		off = pppoe_offset(f, len, 0);
		break;
	case REPLAY_DLT_C_HDLC:
		off = chdlc_offset(f, len, 0);
		break;
	case REPLAY_DLT_C_HDLC_WITH_DIR:
		off = chdlc_offset(f, len, 1);
		break;
	default:
		return -1;
	}
	if (off < 0 || (size_t)off >= len)
		return -1;
	if ((f[off] >> 4) != 4 && (f[off] >> 4) != 6)
		return -1;
	return off;
}

/* --- the connection table ---------------------------------------------- */

static uint64_t
ct_hash(const struct ct_key *k)
{
	return hash_fold(hash_bytes(HASH_INIT, k, sizeof(*k)));
}

/* Build the canonical key; *side gets the sender's side. */
static void
ct_key_set(struct ct_key *k, const struct pkt *p, uint8_t *side)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int c = memcmp(p->src, p->dst, alen);

	memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->proto = p->l4proto;
	if (c == 0)
		c = p->sport < p->dport ? -1 : p->sport > p->dport;
	*side = c > 0;
	memcpy(k->addr[*side], p->src, alen);
	memcpy(k->addr[!*side], p->dst, alen);
	k->port[*side] = p->sport;
	k->port[!*side] = p->dport;
}

static uint64_t
ct_idle_limit(const struct ct *c)
{
	if (c->k.proto == IPPROTO_UDP)
		return CT_UDP_IDLE_MS;
	return c->closed ? CT_CLOSED_IDLE_MS : CT_TCP_IDLE_MS;
}

static struct ct *
ct_slot(struct ct *tab, size_t slots, const struct ct_key *k)
{
	size_t i = ct_hash(k) & (slots - 1);

	while (tab[i].used && memcmp(&tab[i].k, k, sizeof(*k)) != 0)
		i = (i + 1) & (slots - 1);
	return &tab[i];
}

/* Rehash into `slots` slots, keeping entries seen since `keep_after`. */
static void
ct_rebuild(struct replay *r, size_t slots, uint64_t keep_after)
{
	struct ct *n = xcalloc(slots, sizeof(*n));
	size_t used = 0;

	for (size_t i = 0; i < r->ct_slots; i++) {
		const struct ct *c = &r->ct[i];
		if (!c->used)
			continue;
		if (c->last_ms < keep_after ||
		    r->now_ms - c->last_ms > ct_idle_limit(c))
			continue;
		*ct_slot(n, slots, &c->k) = *c;
		used++;
	}
	free(r->ct);
	r->ct = n;
	r->ct_slots = slots;
	r->ct_used = used;
}

/* Make room for one more entry: grow, or evict the oldest entries. */
static void
ct_make_room(struct replay *r)
{
	uint64_t span;

	if ((r->ct_used + 1) * 10 < r->ct_slots * 7)
		return;
	if (r->ct_slots < REPLAY_CT_MAX) {
		ct_rebuild(r, r->ct_slots * 2, 0);
		return;
	}
	ct_rebuild(r, r->ct_slots, 0);	/* the expired ones first */
	span = r->now_ms - r->c.first_ms;
	while ((r->ct_used + 1) * 2 > r->ct_slots && span > 0) {
		size_t before = r->ct_used;
		span /= 2;
		ct_rebuild(r, r->ct_slots, r->now_ms - span);
		r->c.conns_evicted += before - r->ct_used;
	}
}

static struct ct *
ct_find(struct replay *r, const struct pkt *p, uint8_t *side)
{
	struct ct_key k;
	struct ct *c;

	ct_key_set(&k, p, side);
	c = ct_slot(r->ct, r->ct_slots, &k);
	if (c->used)
		return c;
	ct_make_room(r);
	c = ct_slot(r->ct, r->ct_slots, &k);
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->used = 1;
	c->orig = *side;
	r->ct_used++;
	r->c.conns++;
	return c;
}

/* --- the kernel's rules ------------------------------------------------ */

/* Would a packet to this port be queued at all (port 53, or a port of
 * the rule set)? *capped: the connbytes cap applies. */
static bool
queued_port(const struct replay *r, uint8_t proto, uint16_t port, bool *capped)
{
	*capped = port != 53;
	return inspect_port_queued(r->ctx, proto, port);
}

/* A new connection seen from the middle: the side that sends from a
 * queued port to an unqueued one is the server (a SYN+ACK says so too). */
static void
ct_orient(const struct replay *r, struct ct *c, const struct pkt *p,
    uint8_t side)
{
	bool capped;
	bool tcp = p->l4proto == IPPROTO_TCP;

	if (tcp && (p->tcp_flags & PKT_TCP_SYN) && (p->tcp_flags & PKT_TCP_ACK))
		c->orig = !side;
	else if (!(tcp && (p->tcp_flags & PKT_TCP_SYN)) &&
	    queued_port(r, p->l4proto, p->sport, &capped) &&
	    !queued_port(r, p->l4proto, p->dport, &capped))
		c->orig = !side;
}

/* The TCP life cycle conntrack follows: FIN/RST closes, a SYN after that
 * opens a new connection on the same ports. */
static void
ct_tcp(struct ct *c, const struct pkt *p, uint8_t side)
{
	uint8_t f = p->tcp_flags;

	if (c->closed && (f & PKT_TCP_SYN) && !(f & PKT_TCP_ACK)) {
		c->orig = side;
		c->decided = 0;
		c->closed = 0;
		c->orig_pkts = 0;
	}
	if (f & (PKT_TCP_FIN | PKT_TCP_RST))
		c->closed = 1;
}

/* Should this packet reach inspect()? Counts the fate when not. */
static bool
kernel_queues(struct replay *r, const struct pkt *p)
{
	uint8_t side;
	struct ct *c;
	bool fresh, capped;

	c = ct_find(r, p, &side);
	fresh = c->last_ms == 0 && c->orig_pkts == 0 && !c->closed;
	if (fresh)
		ct_orient(r, c, p, side);
	if (p->l4proto == IPPROTO_TCP)
		ct_tcp(c, p, side);
	c->last_ms = r->now_ms ? r->now_ms : 1;
	if (side != c->orig) {
		r->c.fate[RF_REPLY]++;
		return false;
	}
	c->orig_pkts++;
	if (!queued_port(r, p->l4proto, p->dport, &capped)) {
		r->c.fate[RF_OTHER_PORT]++;
		return false;
	}
	if (c->decided) {
		r->c.fate[RF_DECIDED]++;
		return false;
	}
	if (capped && c->orig_pkts > r->cap) {
		r->c.fate[RF_OVER_CAP]++;
		return false;
	}
	return true;
}

/* After inspect(): a decided connection leaves the queue. */
static void
kernel_verdict(struct replay *r, const struct pkt *p,
    enum inspect_verdict v)
{
	uint8_t side;
	struct ct_key k;
	struct ct *c;

	if (v != IV_ALLOW_FLOW && v != IV_BLOCK_FLOW)
		return;
	ct_key_set(&k, p, &side);
	c = ct_slot(r->ct, r->ct_slots, &k);
	if (c->used)
		c->decided = 1;
}

/* --- packets ---------------------------------------------------------- */

static bool
is_fragment(const uint8_t *ip, size_t len)
{
	if ((ip[0] >> 4) == 4)
		return len >= 20 && (rd16(ip + 6) & 0x3fff) != 0;
	return len >= 40 && ip[6] == 44;	/* a Fragment header first */
}

/* Does the capture hold the whole IP packet? */
static bool
is_truncated(const uint8_t *ip, size_t len)
{
	if ((ip[0] >> 4) == 4)
		return len < 20 || rd16(ip + 2) > len;
	return len < 40 || (size_t)rd16(ip + 4) + 40 > len;
}

static void
clock_advance(struct replay *r, uint64_t ts_us)
{
	uint64_t ms = ts_us / 1000;

	if (!r->started) {
		r->started = true;
		r->c.first_ms = ms;
		r->now_ms = ms;
		r->last_tick = r->last_sweep = ms;
	}
	if (ms > r->now_ms)
		r->now_ms = ms;
	r->c.last_ms = r->now_ms;
	if (r->now_ms - r->last_tick >= TICK_EVERY_MS) {
		inspect_tick(r->ctx, r->now_ms);
		r->last_tick = r->now_ms;
	}
	if (r->now_ms - r->last_sweep >= SWEEP_EVERY_MS) {
		ct_rebuild(r, r->ct_slots, 0);
		r->last_sweep = r->now_ms;
	}
}

static void
count_decision(struct replay *r, const struct inspect_result *res)
{
	r->c.decisions[res->proto][res->action]++;
	if (res->monitor)
		r->c.monitor++;
	if (res->action == VACT_BLOCKED) {
		if (res->match.id != NULL && res->match.entry < r->nentries)
			r->entries[res->match.entry][res->proto]++;
		else if (res->match.id == NULL)
			r->c.blocked_no_entry[res->proto]++;
	}
	if (r->on_decision != NULL)
		r->on_decision(r->arg, res);
}

void
replay_ip(struct replay *r, const uint8_t *ip, size_t len, uint64_t ts_us)
{
	struct inspect_meta m = {0, 0};
	struct inspect_result res;
	struct pkt p;

	clock_advance(r, ts_us);
	if (len == 0 || ((ip[0] >> 4) != 4 && (ip[0] >> 4) != 6)) {
		r->c.fate[RF_NOT_IP]++;
		return;
	}
	if (is_truncated(ip, len)) {
		r->c.fate[RF_TRUNCATED]++;
		return;
	}
	if (is_fragment(ip, len)) {
		r->c.fate[RF_FRAGMENT]++;
		return;
	}
	if (pkt_parse(ip, len, &p) != PKT_OK) {
		r->c.fate[RF_OTHER]++;
		return;
	}
	if (!kernel_queues(r, &p))
		return;
	r->c.fate[RF_INSPECTED]++;
	m.now_ms = r->now_ms;
	res.match.id = NULL;
	inspect(r->ctx, r->pol, ip, len, &m, &res);
	if (res.decided)
		count_decision(r, &res);
	kernel_verdict(r, &p, res.verdict);
}

void
replay_frame(struct replay *r, int dlt, const uint8_t *frame, size_t caplen,
    size_t wirelen, uint64_t ts_us)
{
	long off = replay_link_offset(dlt, frame, caplen);

	r->c.frames++;
	r->c.bytes += wirelen;
	if (off < 0) {
		clock_advance(r, ts_us);
		r->c.fate[RF_NOT_IP]++;
		return;
	}
	replay_ip(r, frame + off, caplen - (size_t)off, ts_us);
}

int
replay_pcap(struct replay *r, struct pcap *p, volatile sig_atomic_t *stop,
    replay_progress_fn progress, void *arg, struct verr *e)
{
	int dlt = pcap_datalink(p);
	int nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	int rc;

	if (!replay_dlt_supported(dlt)) {
		verr_set(e, "link type %s (%d) is not supported",
		    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt)
		    : "?", dlt);
		return -1;
	}
	while (stop == NULL || !*stop) {
		rc = pcap_next_ex(p, &h, &data);
		if (rc == 0)
			continue;	/* live: the read timeout */
		if (rc == PCAP_ERROR_BREAK)
			break;		/* end of the file */
		if (rc < 0) {
			/* a damaged or cut file (or a failed interface): what
			 * was read so far stands; the caller reports it */
			verr_set(e, "%s", pcap_geterr(p));
			return REPLAY_DAMAGED;
		}
		replay_frame(r, dlt, data, h->caplen, h->len,
		    (uint64_t)h->ts.tv_sec * 1000000 +
		    (uint64_t)(nano ? h->ts.tv_usec / 1000 : h->ts.tv_usec));
		if (progress != NULL && ++n % PROGRESS_EVERY == 0)
			progress(arg, &r->c);
	}
	return 0;
}
