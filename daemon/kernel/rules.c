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

static void
ipt_chain_rules(FILE *f, const char *ipt, const struct conf *c)
{
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
	 * a verdict (a decided flow is never queued again, so its connmark
	 * cannot disagree with them) */
	fprintf(f, "%s -m mark --mark 0x%x/0x%x -m comment --comment veto-pass "
	    "-j RETURN\n", a, m.pass, m.state);
	fprintf(f, "%s -m connmark --mark 0x%x/0x%x -m comment --comment "
	    "veto-allowed -j RETURN\n", a, m.allow, m.state);
	fprintf(f, "%s -m connmark --mark 0x%x/0x%x -m comment --comment "
	    "veto-blocked -j DROP\n", a, m.block, m.state);
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
	fprintf(f, "%s -p udp --dport 53 -m comment --comment veto-dns -j %s\n",
	    a, target);
	fprintf(f, "%s -p tcp --dport 53 -m comment --comment veto-dns -j %s\n",
	    a, target);
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
	fprintf(f, "\t\tct mark & 0x%08x == 0x%08x counter return "
	    "comment \"veto-allowed\"\n", m.state, m.allow);
	fprintf(f, "\t\tct mark & 0x%08x == 0x%08x counter drop "
	    "comment \"veto-blocked\"\n", m.state, m.block);
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x%08x ct mark set ct mark & "
	    "0x%08x | 0x%08x counter return comment \"veto-allow\"\n",
	    m.state, m.allow, ~m.mask, m.allow);
	fprintf(f, "\t\tmeta mark & 0x%08x == 0x%08x ct mark set ct mark & "
	    "0x%08x | 0x%08x counter drop comment \"veto-block\"\n",
	    m.state, m.block, ~m.mask, m.block);
	fprintf(f, "\t\tmeta l4proto { tcp, udp } th dport 53 "
	    "counter %s comment \"veto-dns\"\n", queue);
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
