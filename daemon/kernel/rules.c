/* rules.c - print the iptables or nft rule set for a configuration; see
 * rules.h for the chain layout and why it lives in mangle. */
#include <string.h>

#include "kernel/rules.h"

#define MULTIPORT_MAX 15	/* ports in one -m multiport match */

struct marks {
	uint32_t mask;		/* mark_mask: what CONNMARK saves */
	uint32_t state;		/* its two lowest bits: what the rules compare */
	uint32_t pass, allow, block;
};

static const struct hook {
	unsigned bit;
	const char *ipt, *nft;
} hooks[] = {
	{CHAIN_FORWARD, "FORWARD", "forward"},
	{CHAIN_INPUT, "INPUT", "input"},
	{CHAIN_OUTPUT, "OUTPUT", "output"},
};

static const char *const ipts[] = {"iptables", "ip6tables"};

static void
marks_get(const struct conf *c, struct marks *m)
{
	m->mask = c->mark_mask;
	m->pass = conf_mark_value(c, MARK_PASS);
	m->allow = conf_mark_value(c, MARK_ALLOW);
	m->block = conf_mark_value(c, MARK_BLOCK);
	m->state = m->pass;
}

/* The TCP ports inspected beyond DNS: http_ports and tls_ports, once each. */
static unsigned
tcp_ports(const struct conf *c, uint16_t *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nhttp_ports + c->ntls_ports; i++) {
		uint16_t p = i < c->nhttp_ports ? c->http_ports[i] :
		    c->tls_ports[i - c->nhttp_ports];
		unsigned j;
		for (j = 0; j < n && out[j] != p; j++)
			;
		if (j == n)
			out[n++] = p;
	}
	return n;
}

/* "80,443" (iptables, sep ",") or "80, 443" (nft, sep ", "). */
static void
port_list(char *buf, size_t size, const uint16_t *p, unsigned n,
    const char *sep)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%u",
		    i ? sep : "", p[i]);
}

static void
ipt_queue_target(char *buf, size_t size, const struct conf *c)
{
	unsigned last = c->queue_first + c->queue_count - 1;

	if (c->queue_count > 1)
		snprintf(buf, size, "NFQUEUE --queue-balance %u:%u%s",
		    c->queue_first, last, c->fail_open ? " --queue-bypass" : "");
	else
		snprintf(buf, size, "NFQUEUE --queue-num %u%s", c->queue_first,
		    c->fail_open ? " --queue-bypass" : "");
}

/* Rules 5 and 6 of rules.h for one protocol, in groups of at most
 * MULTIPORT_MAX ports. */
static void
ipt_port_rules(FILE *f, const char *a, const struct conf *c,
    const char *proto, const uint16_t *ports, unsigned n, const char *target)
{
	char list[MULTIPORT_MAX * 6 + 1];
	unsigned long long cap = (unsigned long long)c->connbytes_cap;

	for (unsigned i = 0; i < n; i += MULTIPORT_MAX) {
		unsigned k = MIN(n - i, MULTIPORT_MAX);
		port_list(list, sizeof(list), ports + i, k, ",");
		fprintf(f, "%s -p %s -m multiport --dports %s -m conntrack "
		    "--ctdir ORIGINAL -m connbytes --connbytes 0:%llu "
		    "--connbytes-dir original --connbytes-mode packets "
		    "-m comment --comment veto-queue -j %s\n",
		    a, proto, list, cap, target);
		fprintf(f, "%s -p %s -m multiport --dports %s -m conntrack "
		    "--ctdir ORIGINAL -m connbytes --connbytes %llu:%llu "
		    "--connbytes-dir original --connbytes-mode packets "
		    "-m comment --comment " RULES_CAP_COMMENT " -j RETURN\n",
		    a, proto, list, cap + 1, cap + 1);
	}
}

/* --- rate limits and the TCP/53 byte cap (the rules of rules.h marked
 * "load"): drops before the queue, each counted by its rule. */

/* Packets of one source let through in a burst: twice the rate, within
 * what hashlimit accepts. */
static unsigned long long
rate_burst(uint64_t rate)
{
	uint64_t b = 2 * rate;

	return (unsigned long long)(b < RULES_BURST_MIN ? RULES_BURST_MIN :
	    b > RULES_BURST_MAX ? RULES_BURST_MAX : b);
}

/* One hashlimit drop rule: more than rate packets/s from one source
 * (an IPv4 address, an IPv6 /64); `name` is the table the kernel keeps
 * per source, shared by the rules that give the same name. */
static void
ipt_rate_rule(FILE *f, const char *a, bool v6, const char *match,
    uint64_t rate, const char *name, const char *comment)
{
	fprintf(f, "%s %s -m hashlimit --hashlimit-above %llu/sec "
	    "--hashlimit-burst %llu --hashlimit-mode srcip --hashlimit-srcmask "
	    "%d --hashlimit-name %s --hashlimit-htable-size %u "
	    "--hashlimit-htable-max %u --hashlimit-htable-expire %u "
	    "-m comment --comment %s -j DROP\n", a, match,
	    (unsigned long long)rate, rate_burst(rate), v6 ? 64 : 32, name,
	    RULES_RATE_TABLE, RULES_RATE_TABLE, RULES_RATE_EXPIRE_MS, comment);
}

/* Before the port-53 queue rules: the per-source limit, then the byte cap
 * of DNS over TCP (past it a flow's packets are dropped: its queries could
 * no longer be told apart from a flood). */
static void
ipt_dns_limits(FILE *f, const char *a, bool v6, const struct conf *c)
{
	if (c->rate_limit_dns > 0) {
		ipt_rate_rule(f, a, v6, "-p udp --dport 53", c->rate_limit_dns,
		    "veto-dns", RULES_RATE_DNS_COMMENT);
		ipt_rate_rule(f, a, v6, "-p tcp --dport 53", c->rate_limit_dns,
		    "veto-dns", RULES_RATE_DNS_COMMENT);
	}
	if (c->dns_tcp_bytes_cap > 0)
		fprintf(f, "%s -p tcp --dport 53 -m connbytes --connbytes "
		    "%llu: --connbytes-dir original --connbytes-mode bytes "
		    "-m comment --comment " RULES_DNS_CAP_COMMENT " -j DROP\n",
		    a, (unsigned long long)c->dns_tcp_bytes_cap + 1);
}

/* Before the queue rules of the other ports: new flows per source. */
static void
ipt_flow_limits(FILE *f, const char *a, bool v6, const struct conf *c,
    const uint16_t *tcp, unsigned ntcp)
{
	char match[MULTIPORT_MAX * 6 + 96], list[MULTIPORT_MAX * 6 + 1];
	const struct {
		const char *proto;
		const uint16_t *ports;
		unsigned n;
	} sets[] = {{"tcp", tcp, ntcp}, {"udp", c->quic_ports, c->nquic_ports}};

	if (c->rate_limit_flows == 0)
		return;
	for (size_t s = 0; s < ARRAY_LEN(sets); s++) {
		for (unsigned i = 0; i < sets[s].n; i += MULTIPORT_MAX) {
			unsigned k = MIN(sets[s].n - i, MULTIPORT_MAX);
			port_list(list, sizeof(list), sets[s].ports + i, k, ",");
			snprintf(match, sizeof(match), "-p %s -m multiport "
			    "--dports %s -m conntrack --ctstate NEW",
			    sets[s].proto, list);
			ipt_rate_rule(f, a, v6, match, c->rate_limit_flows,
			    "veto-flows", RULES_RATE_FLOWS_COMMENT);
		}
	}
}

/* A new connection starts undecided (issue 12, item 8; rules.h rules 1a
 * and 1b). TCP: a SYN alone on an established conntrack entry (one that
 * saw the server's answer) is a stray SYN inside a live connection, a
 * reopen that conntrack chose to reuse (after a reset from the server), or
 * a decoy SYN that would restart vetod's view of a connection the server
 * keeps: dropped, never let through on the old decision nor queued. (A
 * reopen after a FIN or the client's RST gets a new entry, whose SYN is
 * queued as usual.) QUIC: a datagram of Initial size (1200
 * bytes of payload, RFC 9000 section 14.1) starting with a long header is
 * queued whatever the connmark, so a new connection on the ports of an
 * old one is decided on its own name. Only packets entering the chain for
 * the first time (mark state 0): a verdict's NF_REPEAT skips both. */
static void
ipt_new_conn_rules(FILE *f, const char *a, bool v6, const struct conf *c,
    const struct marks *m, const uint16_t *tcp, unsigned ntcp,
    const char *target)
{
	char list[MULTIPORT_MAX * 6 + 1];

	for (unsigned i = 0; i < ntcp; i += MULTIPORT_MAX) {
		port_list(list, sizeof(list), tcp + i, MIN(ntcp - i,
		    MULTIPORT_MAX), ",");
		fprintf(f, "%s -p tcp -m multiport --dports %s --tcp-flags "
		    "SYN,ACK,RST,FIN SYN -m mark --mark 0x0/0x%x -m conntrack "
		    "--ctstate ESTABLISHED -m comment --comment "
		    RULES_REOPEN_COMMENT " -j DROP\n", a, list, m->state);
	}
	for (unsigned i = 0; i < c->nquic_ports; i += MULTIPORT_MAX) {
		port_list(list, sizeof(list), c->quic_ports + i,
		    MIN(c->nquic_ports - i, MULTIPORT_MAX), ",");
		fprintf(f, "%s -p udp -m multiport --dports %s -m length "
		    "--length %u:65535 -m u32 --u32 \"%s&0xC0=0xC0\" -m mark "
		    "--mark 0x0/0x%x -m comment --comment "
		    RULES_INITIAL_COMMENT " -j %s\n", a, list,
		    v6 ? 40 + 8 + 1200 : 20 + 8 + 1200,
		    v6 ? "48>>24" : "0>>22&0x3C@8>>24", m->state, target);
	}
}

static void
ipt_chain_rules(FILE *f, const char *ipt, const struct conf *c)
{
	bool v6 = strcmp(ipt, "ip6tables") == 0;
	struct marks m;
	char a[64], target[64];
	uint16_t tcp[2 * CONF_MAX_PORTS];
	unsigned ntcp = tcp_ports(c, tcp);

	marks_get(c, &m);
	snprintf(a, sizeof(a), "%s -w -t " RULES_TABLE " -A " RULES_CHAIN, ipt);
	ipt_queue_target(target, sizeof(target), c);
	/* PASS first (vetod's own packets, even on a blocked flow); then the
	 * decided flows, which are nearly all the packets that get here, so
	 * each costs two rules; then the marks of packets re-entering after
	 * a verdict. The decided-flow rules take only unmarked packets: a
	 * flow decided again (a new connection on the 5-tuple, a QUIC Initial
	 * with a higher TTL than the decoy that decided it, rules.h) comes
	 * back with a verdict mark that must win over its old connmark. */
	fprintf(f, "%s -m mark --mark 0x%x/0x%x -m comment --comment veto-pass "
	    "-j RETURN\n", a, m.pass, m.state);
	ipt_new_conn_rules(f, a, v6, c, &m, tcp, ntcp, target);
	fprintf(f, "%s -m mark --mark 0x0/0x%x -m connmark --mark 0x%x/0x%x "
	    "-m comment --comment veto-allowed -j RETURN\n", a, m.state,
	    m.allow, m.state);
	fprintf(f, "%s -m mark --mark 0x0/0x%x -m connmark --mark 0x%x/0x%x "
	    "-m comment --comment veto-blocked -j DROP\n", a, m.state, m.block,
	    m.state);
	fprintf(f, "%s -m mark --mark 0x%x/0x%x -j CONNMARK --save-mark "
	    "--nfmask 0x%x --ctmask 0x%x\n", a, m.allow, m.state, m.mask, m.mask);
	fprintf(f, "%s -m mark --mark 0x%x/0x%x -m comment --comment veto-allow "
	    "-j RETURN\n", a, m.allow, m.state);
	fprintf(f, "%s -m mark --mark 0x%x/0x%x -j CONNMARK --save-mark "
	    "--nfmask 0x%x --ctmask 0x%x\n", a, m.block, m.state, m.mask, m.mask);
	fprintf(f, "%s -m mark --mark 0x%x/0x%x -m comment --comment veto-block "
	    "-j DROP\n", a, m.block, m.state);
	/* Every packet to port 53 is a query, whatever conntrack thinks:
	 * the forged answer to a dropped query (its conntrack entry was never
	 * confirmed) creates an entry of its own, from the server's side, so
	 * the client's next query from the same port looks like a reply.
	 * With --ctdir ORIGINAL it would pass unseen. */
	ipt_dns_limits(f, a, v6, c);
	fprintf(f, "%s -p udp --dport 53 -m comment --comment veto-dns -j %s\n",
	    a, target);
	fprintf(f, "%s -p tcp --dport 53 -m comment --comment veto-dns -j %s\n",
	    a, target);
	ipt_flow_limits(f, a, v6, c, tcp, ntcp);
	ipt_port_rules(f, a, c, "tcp", tcp, ntcp, target);
	ipt_port_rules(f, a, c, "udp", c->quic_ports, c->nquic_ports, target);
}

static void
ipt_install(FILE *f, const struct conf *c)
{
	fprintf(f, "set -e\n");
	for (size_t i = 0; i < ARRAY_LEN(ipts); i++) {
		const char *ipt = ipts[i];
		fprintf(f, "\n# %s\n", i == 0 ? "IPv4" : "IPv6");
		fprintf(f, "%s -w -t " RULES_TABLE " -N " RULES_CHAIN
		    " 2>/dev/null || %s -w -t " RULES_TABLE " -F " RULES_CHAIN
		    "\n", ipt, ipt);
		ipt_chain_rules(f, ipt, c);
		for (size_t h = 0; h < ARRAY_LEN(hooks); h++) {
			if (c->chains & hooks[h].bit)
				fprintf(f, "%s -w -t " RULES_TABLE " -C %s -j "
				    RULES_CHAIN " 2>/dev/null || %s -w -t "
				    RULES_TABLE " -I %s 1 -j " RULES_CHAIN "\n",
				    ipt, hooks[h].ipt, ipt, hooks[h].ipt);
			else
				fprintf(f, "while %s -w -t " RULES_TABLE
				    " -D %s -j " RULES_CHAIN " 2>/dev/null; "
				    "do :; done\n", ipt, hooks[h].ipt);
		}
	}
}

static void
ipt_remove(FILE *f)
{
	for (size_t i = 0; i < ARRAY_LEN(ipts); i++) {
		const char *ipt = ipts[i];
		fprintf(f, "\n# %s\n", i == 0 ? "IPv4" : "IPv6");
		for (size_t h = 0; h < ARRAY_LEN(hooks); h++)
			fprintf(f, "while %s -w -t " RULES_TABLE " -D %s -j "
			    RULES_CHAIN " 2>/dev/null; do :; done\n", ipt,
			    hooks[h].ipt);
		fprintf(f, "%s -w -t " RULES_TABLE " -F " RULES_CHAIN
		    " 2>/dev/null || true\n", ipt);
		fprintf(f, "%s -w -t " RULES_TABLE " -X " RULES_CHAIN
		    " 2>/dev/null || true\n", ipt);
	}
	fprintf(f, "exit 0\n");
}

static void
nft_queue_stmt(char *buf, size_t size, const struct conf *c)
{
	unsigned last = c->queue_first + c->queue_count - 1;

	if (c->queue_count > 1)
		snprintf(buf, size, "queue num %u-%u%s", c->queue_first, last,
		    c->fail_open ? " bypass" : "");
	else
		snprintf(buf, size, "queue num %u%s", c->queue_first,
		    c->fail_open ? " bypass" : "");
}

static void
nft_port_rules(FILE *f, const struct conf *c, const char *proto,
    const uint16_t *ports, unsigned n, const char *queue)
{
	char list[2 * CONF_MAX_PORTS * 7 + 1];
	unsigned long long cap = (unsigned long long)c->connbytes_cap;

	if (n == 0)
		return;
	port_list(list, sizeof(list), ports, n, ", ");
	fprintf(f, "\t\t%s dport { %s } ct direction original "
	    "ct original packets 1-%llu counter %s comment \"veto-queue\"\n",
	    proto, list, cap, queue);
	fprintf(f, "\t\t%s dport { %s } ct direction original "
	    "ct original packets %llu counter return comment \""
	    RULES_CAP_COMMENT "\"\n", proto, list, cap + 1);
}

/* The per-source tables of the nft rate limits: one per limit and family
 * (the key is an IPv4 address or an IPv6 /64). */
static void
nft_rate_sets(FILE *f, const struct conf *c)
{
	static const char *const names[] = {"dns", "flows"};
	const uint64_t rates[] = {c->rate_limit_dns, c->rate_limit_flows};

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (rates[i] == 0)
			continue;
		for (int v6 = 0; v6 <= 1; v6++)
			fprintf(f, "\tset %s%s { type %s; size %u; flags "
			    "dynamic,timeout; timeout %us; }\n", names[i],
			    v6 ? "6" : "4", v6 ? "ipv6_addr" : "ipv4_addr",
			    RULES_RATE_TABLE, RULES_RATE_EXPIRE_MS / 1000);
	}
	if (c->rate_limit_dns > 0 || c->rate_limit_flows > 0)
		fprintf(f, "\n");
}

static void
nft_rate_rule(FILE *f, const char *match, const char *set, uint64_t rate,
    const char *comment)
{
	for (int v6 = 0; v6 <= 1; v6++)
		fprintf(f, "\t\t%s update @%s%s { %s limit rate over "
		    "%llu/second burst %llu packets } counter drop comment "
		    "\"%s\"\n", match, set, v6 ? "6" : "4",
		    v6 ? "ip6 saddr and ffff:ffff:ffff:ffff::" : "ip saddr",
		    (unsigned long long)rate, rate_burst(rate), comment);
}

static void
nft_dns_limits(FILE *f, const struct conf *c)
{
	if (c->rate_limit_dns > 0)
		nft_rate_rule(f, "meta l4proto { tcp, udp } th dport 53", "dns",
		    c->rate_limit_dns, RULES_RATE_DNS_COMMENT);
	if (c->dns_tcp_bytes_cap > 0)
		fprintf(f, "\t\ttcp dport 53 ct direction original ct original "
		    "bytes > %llu counter drop comment \"" RULES_DNS_CAP_COMMENT
		    "\"\n", (unsigned long long)c->dns_tcp_bytes_cap);
}

static void
nft_flow_limits(FILE *f, const struct conf *c, const uint16_t *tcp,
    unsigned ntcp)
{
	char list[2 * CONF_MAX_PORTS * 7 + 1], match[sizeof(list) + 64];

	if (c->rate_limit_flows == 0)
		return;
	port_list(list, sizeof(list), tcp, ntcp, ", ");
	snprintf(match, sizeof(match), "tcp dport { %s } ct state new", list);
	nft_rate_rule(f, match, "flows", c->rate_limit_flows,
	    RULES_RATE_FLOWS_COMMENT);
	if (c->nquic_ports == 0)
		return;
	port_list(list, sizeof(list), c->quic_ports, c->nquic_ports, ", ");
	snprintf(match, sizeof(match), "udp dport { %s } ct state new", list);
	nft_rate_rule(f, match, "flows", c->rate_limit_flows,
	    RULES_RATE_FLOWS_COMMENT);
}

/* ipt_new_conn_rules() for nft. */
static void
nft_new_conn_rules(FILE *f, const struct conf *c, const struct marks *m,
    const uint16_t *tcp, unsigned ntcp, const char *queue)
{
	char list[2 * CONF_MAX_PORTS * 7 + 1];

	if (ntcp > 0) {
		port_list(list, sizeof(list), tcp, ntcp, ", ");
		fprintf(f, "\t\ttcp dport { %s } tcp flags & (fin | syn | rst | "
		    "ack) == syn meta mark & 0x%08x == 0x00000000 ct state "
		    "established counter drop comment \""
		    RULES_REOPEN_COMMENT "\"\n", list, m->state);
	}
	if (c->nquic_ports > 0) {
		port_list(list, sizeof(list), c->quic_ports, c->nquic_ports,
		    ", ");
		fprintf(f, "\t\tudp dport { %s } udp length >= 1208 "
		    "@th,64,8 & 0xc0 == 0xc0 meta mark & 0x%08x == 0x00000000 "
		    "counter %s comment \"" RULES_INITIAL_COMMENT "\"\n", list,
		    m->state, queue);
	}
}

static void
nft_chain_rules(FILE *f, const struct conf *c)
{
	struct marks m;
	char queue[64];
	uint16_t tcp[2 * CONF_MAX_PORTS];
	unsigned ntcp = tcp_ports(c, tcp);

	marks_get(c, &m);
	nft_queue_stmt(queue, sizeof(queue), c);
	fprintf(f, "\tchain veto {\n");
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x%08x counter return "
	    "comment \"veto-pass\"\n", m.state, m.pass);
	nft_new_conn_rules(f, c, &m, tcp, ntcp, queue);
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x00000000 ct mark & 0x%08x == "
	    "0x%08x counter return comment \"veto-allowed\"\n", m.state,
	    m.state, m.allow);
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x00000000 ct mark & 0x%08x == "
	    "0x%08x counter drop comment \"veto-blocked\"\n", m.state,
	    m.state, m.block);
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x%08x ct mark set ct mark & "
	    "0x%08x | 0x%08x counter return comment \"veto-allow\"\n",
	    m.state, m.allow, ~m.mask, m.allow);
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x%08x ct mark set ct mark & "
	    "0x%08x | 0x%08x counter drop comment \"veto-block\"\n",
	    m.state, m.block, ~m.mask, m.block);
	nft_dns_limits(f, c);
	fprintf(f, "\t\tmeta l4proto { tcp, udp } th dport 53 "
	    "counter %s comment \"veto-dns\"\n", queue);
	nft_flow_limits(f, c, tcp, ntcp);
	nft_port_rules(f, c, "tcp", tcp, ntcp, queue);
	nft_port_rules(f, c, "udp", c->quic_ports, c->nquic_ports, queue);
	fprintf(f, "\t}\n");
}

static void
nft_install(FILE *f, const struct conf *c)
{
	/* Declaring the table first makes the delete work when it is absent:
	 * the whole file is one transaction that replaces the table. */
	fprintf(f, "table inet " RULES_NFT_TABLE "\n"
	    "delete table inet " RULES_NFT_TABLE "\n\n"
	    "table inet " RULES_NFT_TABLE " {\n");
	nft_rate_sets(f, c);
	nft_chain_rules(f, c);
	for (size_t h = 0; h < ARRAY_LEN(hooks); h++) {
		if (!(c->chains & hooks[h].bit))
			continue;
		fprintf(f, "\n\tchain %s {\n\t\ttype filter hook %s priority "
		    "mangle; policy accept;\n\t\tjump veto\n\t}\n",
		    hooks[h].nft, hooks[h].nft);
	}
	fprintf(f, "}\n");
}

static void
header(FILE *f, const struct conf *c, enum rules_format fmt, bool remove)
{
	fprintf(f, "%s\n# veto rule set (%s) for %s, printed by `veto rules`.\n",
	    fmt == RULES_NFT ? "#!/usr/sbin/nft -f" : "#!/bin/sh",
	    fmt == RULES_NFT ? "nft" : "iptables",
	    c->path != NULL ? c->path : "the default configuration");
	if (remove) {
		fprintf(f, "# Removes every veto rule; safe to run when they "
		    "are already gone.\n");
		return;
	}
	if (c->queue_count > 1)
		fprintf(f, "# queues %u-%u", c->queue_first,
		    c->queue_first + c->queue_count - 1);
	else
		fprintf(f, "# queue %u", c->queue_first);
	fprintf(f, ", fail_open %s, mark_mask 0x%08x "
	    "(allow 0x%x, block 0x%x, pass 0x%x), connbytes_cap %llu.\n"
	    "# Safe to run again: it replaces the previous veto rules.\n",
	    c->fail_open ? "yes" : "no", c->mark_mask,
	    conf_mark_value(c, MARK_ALLOW), conf_mark_value(c, MARK_BLOCK),
	    conf_mark_value(c, MARK_PASS),
	    (unsigned long long)c->connbytes_cap);
	fprintf(f, "# rate_limit_dns %llu, rate_limit_flows %llu (per source "
	    "and second, 0: none), dns_tcp_bytes_cap %llu.\n",
	    (unsigned long long)c->rate_limit_dns,
	    (unsigned long long)c->rate_limit_flows,
	    (unsigned long long)c->dns_tcp_bytes_cap);
}

int
rules_print(FILE *f, const struct conf *c, enum rules_format fmt, bool remove)
{
	header(f, c, fmt, remove);
	if (fmt == RULES_NFT && remove)
		fprintf(f, "table inet " RULES_NFT_TABLE "\n"
		    "delete table inet " RULES_NFT_TABLE "\n");
	else if (fmt == RULES_NFT)
		nft_install(f, c);
	else if (remove)
		ipt_remove(f);
	else
		ipt_install(f, c);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
