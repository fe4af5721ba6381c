/*
 * rules.h - the netfilter rule set that sends traffic to vetod and keeps
 * decided flows out of user space (`veto rules`, the tests).
 *
 * One chain, VETO, in the mangle table (nft: table inet veto, base chains
 * at priority mangle), jumped to from the first position of each hook the
 * configuration names (forward, input, output), for IPv4 and IPv6. Mangle
 * and not filter because a queue verdict of NF_ACCEPT, fail-open and
 * --queue-bypass all continue with the NEXT hook, skipping the rest of the
 * chain that queued the packet: from mangle, the operator's filter rules
 * still see every packet; from filter, they would be skipped.
 *
 * The mark (conf.h): the two lowest bits of mark_mask hold UNDECIDED,
 * ALLOW, BLOCK or PASS. vetod answers NF_REPEAT with the packet's mark set
 * to one of them (this kernel cannot set the connmark from a verdict); the
 * packet runs through the chain again:
 *
 *  1. mark PASS               -> RETURN   (one packet: DNS, undecided
 *                                          flows, our own injected packets)
 *  2. connmark ALLOW          -> RETURN   (decided flows never queue again;
 *     connmark BLOCK          -> DROP      nearly every packet that gets
 *                                          here: two rules each)
 *  3. mark ALLOW              -> save mark into connmark, RETURN
 *     mark BLOCK              -> save mark into connmark, DROP
 *  4. UDP/TCP dport 53, original direction          -> NFQUEUE (always)
 *  5. TCP http_ports+tls_ports, UDP quic_ports, original direction, first
 *     connbytes_cap packets                         -> NFQUEUE
 *  6. the same at packet connbytes_cap + 1: a counted RETURN with comment
 *     "veto-cap" (its packet counter = flows that reached the cap).
 *
 * Every rule has a comment (veto-pass, veto-allow, veto-block,
 * veto-allowed, veto-blocked, veto-dns, veto-queue, veto-cap) so `veto
 * stats` can read its counters from `iptables -t mangle -L VETO -v -x`.
 * NFQUEUE rules carry --queue-bypass unless fail_open = no, and
 * --queue-balance first:last for several queues.
 *
 * The iptables form is a shell script (iptables -w / ip6tables -w) that can
 * be run again and again: it creates or flushes the chain, refills it,
 * inserts each jump only if missing and removes jumps from hooks no longer
 * configured. --remove prints commands that take everything out and never
 * fail when something is already gone. The nft form is one ruleset file
 * for `nft -f` (it replaces table inet veto); it needs the nft queue
 * expression (CONFIG_NFT_QUEUE), which some kernels lack.
 */
#ifndef VETO_RULES_H
#define VETO_RULES_H

#include <stdbool.h>
#include <stdio.h>

#include "core/conf.h"

#define RULES_TABLE "mangle"
#define RULES_CHAIN "VETO"
#define RULES_NFT_TABLE "veto"
#define RULES_CAP_COMMENT "veto-cap"

enum rules_format { RULES_IPTABLES, RULES_NFT };

/* Print the rule set (or its removal) for c. 0, or -1 on a write error. */
int rules_print(FILE *f, const struct conf *c, enum rules_format fmt,
    bool remove);

#endif
