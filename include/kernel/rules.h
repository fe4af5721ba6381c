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
 *  1a. TCP SYN alone (no ACK/RST/FIN) to http_ports+tls_ports, mark state
 *     0, conntrack ESTABLISHED -> DROP    ("veto-reopen": a stray or decoy
 *                                          SYN in a live connection, or a
 *                                          reopen conntrack reused: a new
 *                                          connection never inherits ALLOW)
 *  1b. UDP quic_ports, Initial-sized (>= 1200 bytes of payload), first
 *     payload byte a long header (0xc0), mark state 0 -> NFQUEUE
 *                                         ("veto-initial": whatever the
 *                                          connmark, so a new QUIC
 *                                          connection on old ports is
 *                                          decided on its own name; iptables
 *                                          u32, nft @th,64,8)
 *  2. connmark ALLOW          -> RETURN   (decided flows never queue again;
 *     connmark BLOCK          -> DROP      nearly every packet that gets
 *                                          here: two rules each)
 *  3. mark ALLOW              -> save mark into connmark, RETURN
 *     mark BLOCK              -> save mark into connmark, DROP
 *  load. UDP/TCP dport 53 over rate_limit_dns packets/s from one source
 *     (an IPv4 address, an IPv6 /64; bursts of twice the rate) -> DROP
 *     ("veto-rate-dns"); TCP dport 53 past dns_tcp_bytes_cap bytes of the
 *     client's direction -> DROP ("veto-dns-cap"). Each only when its key
 *     is not 0; iptables hashlimit, nft dynamic sets with a limit.
 *  4. UDP/TCP dport 53, original direction          -> NFQUEUE (always)
 *  5. TCP http_ports+tls_ports, UDP quic_ports, original direction, first
 *     connbytes_cap packets                         -> NFQUEUE
 *     Before them, when rate_limit_flows is not 0: new flows (conntrack
 *     NEW) on those ports over rate_limit_flows/s from one source -> DROP
 *     ("veto-rate-flows").
 *  6. the same at packet connbytes_cap + 1: a counted RETURN with comment
 *     "veto-cap" (its packet counter = flows that reached the cap).
 *
 * The limits stand before the queue so that no client can fill it: a full
 * queue passes everyone's packets unfiltered (fail_open) or drops them.
 * Over a limit the packet is dropped, never passed; the sender retries.
 *
 * Every rule has a comment (veto-pass, veto-allow, veto-block,
 * veto-allowed, veto-blocked, veto-dns, veto-queue, veto-cap, veto-reopen,
 * veto-initial) so `veto
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
#define RULES_REOPEN_COMMENT "veto-reopen"
#define RULES_INITIAL_COMMENT "veto-initial"
#define RULES_RATE_DNS_COMMENT "veto-rate-dns"
#define RULES_RATE_FLOWS_COMMENT "veto-rate-flows"
#define RULES_DNS_CAP_COMMENT "veto-dns-cap"
#define RULES_RATE_TABLE 65536u		/* sources tracked per limit */
#define RULES_RATE_EXPIRE_MS 10000u	/* an idle source is forgotten */
#define RULES_BURST_MIN 10u
#define RULES_BURST_MAX 10000u		/* hashlimit's maximum */

enum rules_format { RULES_IPTABLES, RULES_NFT };

/* Print the rule set (or its removal) for c. 0, or -1 on a write error. */
int rules_print(FILE *f, const struct conf *c, enum rules_format fmt,
    bool remove);

#endif
