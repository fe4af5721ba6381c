/* test_rules.c - the rule sets `veto rules` prints for a configuration:
 * order, marks, ports, queues, hooks, removal. (That the kernel accepts and
 * applies them is tests/integ/test_kernel.sh.) */
#include "unit.h"

#include <unistd.h>

#include "core/conf.h"
#include "kernel/rules.h"

static char out[65536];

static struct conf *
load_text(const char *text)
{
	char path[] = "/tmp/veto-rules-XXXXXX";
	struct verr e;
	struct conf *c;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	c = conf_load(path, &e);
	unlink(path);
	if (c == NULL)
		fail_msg("%s", e.msg);
	return c;
}

/* Print the rules of a configuration text into out. */
static const char *
print(const char *text, enum rules_format fmt, bool remove)
{
	struct conf *c = load_text(text);
	FILE *f = fmemopen(out, sizeof(out), "w");

	assert_non_null(f);
	assert_int_equal(rules_print(f, c, fmt, remove), 0);
	fclose(f);
	conf_free(c);
	return out;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Position of a line containing needle, to check the order. */
static long
pos(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (p == NULL)
		fail_msg("missing: %s", needle);
	return p - hay;
}

#define A4 "iptables -w -t mangle -A VETO "

static void
test_default_iptables(void **state)
{
	const char *s = print("", RULES_IPTABLES, false);

	(void)state;
	assert_true(strncmp(s, "#!/bin/sh\n", 10) == 0);
	assert_non_null(strstr(s, "\nset -e\n"));
	assert_non_null(strstr(s, "iptables -w -t mangle -N VETO 2>/dev/null || "
	    "iptables -w -t mangle -F VETO\n"));
	/* the order of rules.h */
	long pass = pos(s, A4 "-m mark --mark 0x300000/0x300000 -m comment "
	    "--comment veto-pass -j RETURN\n");
	long save = pos(s, A4 "-m mark --mark 0x100000/0x300000 -j CONNMARK "
	    "--save-mark --nfmask 0x300000 --ctmask 0x300000\n");
	long allow = pos(s, A4 "-m mark --mark 0x100000/0x300000 -m comment "
	    "--comment veto-allow -j RETURN\n");
	long block = pos(s, A4 "-m mark --mark 0x200000/0x300000 -m comment "
	    "--comment veto-block -j DROP\n");
	/* only unmarked packets: a verdict mark on a flow decided again
	 * wins over its old connmark */
	long allowed = pos(s, A4 "-m mark --mark 0x0/0x300000 -m connmark "
	    "--mark 0x100000/0x300000 -m comment --comment veto-allowed "
	    "-j RETURN\n");
	long blocked = pos(s, A4 "-m mark --mark 0x0/0x300000 -m connmark "
	    "--mark 0x200000/0x300000 -m comment --comment veto-blocked "
	    "-j DROP\n");
	long dns = pos(s, A4 "-p udp --dport 53 -m comment --comment veto-dns "
	    "-j NFQUEUE --queue-num 0 --queue-bypass\n");
	long tcp = pos(s, A4 "-p tcp -m multiport --dports 80,443 -m conntrack "
	    "--ctdir ORIGINAL -m connbytes --connbytes 0:24 --connbytes-dir "
	    "original --connbytes-mode packets -m comment --comment veto-queue "
	    "-j NFQUEUE --queue-num 0 --queue-bypass\n");
	long cap = pos(s, A4 "-p tcp -m multiport --dports 80,443 -m conntrack "
	    "--ctdir ORIGINAL -m connbytes --connbytes 25:25 --connbytes-dir "
	    "original --connbytes-mode packets -m comment --comment veto-cap "
	    "-j RETURN\n");
	long hook = pos(s, "iptables -w -t mangle -C FORWARD -j VETO 2>/dev/null"
	    " || iptables -w -t mangle -I FORWARD 1 -j VETO\n");
	/* a new connection starts undecided (issue 12): before the connmark
	 * rules, only for packets entering for the first time */
	long reopen = pos(s, A4 "-p tcp -m multiport --dports 80,443 "
	    "--tcp-flags SYN,ACK,RST,FIN SYN -m mark --mark 0x0/0x300000 -m "
	    "conntrack --ctstate ESTABLISHED -m comment --comment veto-reopen "
	    "-j DROP\n");
	long initial = pos(s, A4 "-p udp -m multiport --dports 443 -m length "
	    "--length 1228:65535 -m u32 --u32 \"0>>22&0x3C@8>>24&0xC0=0xC0\" "
	    "-m mark --mark 0x0/0x300000 -m comment --comment veto-initial -j "
	    "NFQUEUE --queue-num 0 --queue-bypass\n");
	assert_non_null(strstr(s, "ip6tables -w -t mangle -A VETO -p udp -m "
	    "multiport --dports 443 -m length --length 1248:65535 -m u32 --u32 "
	    "\"48>>24&0xC0=0xC0\""));
	assert_true(pass < reopen && reopen < initial && initial < allowed);
	assert_true(pass < allowed && allowed < blocked && blocked < save);
	assert_true(save < allow && allow < block && block < dns);
	assert_true(dns < tcp && tcp < cap && cap < hook);
	assert_non_null(strstr(s, A4 "-p tcp --dport 53 -m comment --comment veto-dns"));
	/* no --ctdir on port 53: the forged answer to a dropped query makes
	 * the client's next query from that port look like a reply */
	assert_null(strstr(s, "--dport 53 -m conntrack"));
	assert_non_null(strstr(s, A4 "-p udp -m multiport --dports 443 -m "
	    "conntrack --ctdir ORIGINAL -m connbytes --connbytes 0:24"));
	/* hooks not configured lose their jump */
	assert_non_null(strstr(s, "while iptables -w -t mangle -D INPUT -j VETO "
	    "2>/dev/null; do :; done\n"));
	assert_non_null(strstr(s, "while iptables -w -t mangle -D OUTPUT -j VETO"));
	/* IPv6: the same rules */
	assert_int_equal(count(s, "\niptables -w -t mangle -A VETO"),
	    count(s, "\nip6tables -w -t mangle -A VETO"));
	/* 13, the TCP/53 byte cap (dns_tcp_bytes_cap, on by default),
	 * veto-reopen and veto-initial */
	assert_int_equal(count(s, "\nip6tables -w -t mangle -A VETO"), 16);
	assert_int_equal(count(s, "NFQUEUE"), 10);
	assert_int_equal(count(s, "--queue-bypass"), 10);
}

static void
test_options(void **state)
{
	const char *s;

	(void)state;
	s = print("fail_open = no\nqueues = 2-5\nchains = forward input output\n"
	    "connbytes_cap = 100\n", RULES_IPTABLES, false);
	assert_int_equal(count(s, "--queue-bypass"), 0);
	assert_int_equal(count(s, "-j NFQUEUE --queue-balance 2:5\n"), 10);
	assert_int_equal(count(s, "--queue-num"), 0);
	assert_non_null(strstr(s, "--connbytes 0:100 "));
	assert_non_null(strstr(s, "--connbytes 101:101 "));
	assert_non_null(strstr(s, "iptables -w -t mangle -I INPUT 1 -j VETO\n"));
	assert_non_null(strstr(s, "iptables -w -t mangle -I OUTPUT 1 -j VETO\n"));
	assert_null(strstr(s, "-D INPUT"));

	/* a wider mask: values in its two lowest bits, saved with all of it */
	s = print("mark_mask = 0xff000000\nchains = input\n", RULES_IPTABLES,
	    false);
	assert_non_null(strstr(s, "-m mark --mark 0x3000000/0x3000000 -m comment "
	    "--comment veto-pass"));
	assert_non_null(strstr(s, "-m mark --mark 0x1000000/0x3000000 -j CONNMARK "
	    "--save-mark --nfmask 0xff000000 --ctmask 0xff000000\n"));
	assert_non_null(strstr(s, "-m connmark --mark 0x2000000/0x3000000 -m "
	    "comment --comment veto-blocked -j DROP"));
	assert_non_null(strstr(s, "-m mark --mark 0x0/0x3000000 -m connmark"));
	assert_non_null(strstr(s, "-D FORWARD -j VETO"));
}

static void
test_ports(void **state)
{
	const char *s;

	(void)state;
	/* http and tls ports merged without duplicates */
	s = print("http_ports = 80,8080\ntls_ports = 443,8080,8443\n"
	    "quic_ports = 443,8443\n", RULES_IPTABLES, false);
	assert_non_null(strstr(s, "-p tcp -m multiport --dports 80,8080,443,8443 "));
	assert_non_null(strstr(s, "-p udp -m multiport --dports 443,8443 "));
	/* more than 15 ports: two multiport rules */
	s = print("http_ports = 1,2,3,4,5,6,7,8\n"
	    "tls_ports = 9,10,11,12,13,14,15,16\n", RULES_IPTABLES, false);
	assert_non_null(strstr(s, "--dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 "));
	assert_non_null(strstr(s, "-p tcp -m multiport --dports 16 "));
	assert_int_equal(count(s, "--comment veto-cap"), 6);
}

static void
test_remove(void **state)
{
	const char *s = print("chains = forward\n", RULES_IPTABLES, true);

	(void)state;
	assert_null(strstr(s, " -A "));
	assert_null(strstr(s, " -I "));
	assert_null(strstr(s, "set -e"));
	/* every hook, not only the configured ones */
	assert_int_equal(count(s, "while iptables -w -t mangle -D "), 3);
	assert_int_equal(count(s, "while ip6tables -w -t mangle -D "), 3);
	assert_non_null(strstr(s, "iptables -w -t mangle -X VETO 2>/dev/null || "
	    "true\n"));
	assert_true(pos(s, "ip6tables -w -t mangle -F VETO") <
	    pos(s, "ip6tables -w -t mangle -X VETO"));
}

static void
test_nft(void **state)
{
	const char *s;

	(void)state;
	s = print("", RULES_NFT, false);
	assert_true(strncmp(s, "#!/usr/sbin/nft -f\n", 19) == 0);
	assert_true(pos(s, "table inet veto\ndelete table inet veto\n") <
	    pos(s, "table inet veto {\n"));
	long pass = pos(s, "meta mark & 0x00300000 == 0x00300000 counter return "
	    "comment \"veto-pass\"\n");
	long allow = pos(s, "meta mark & 0x00300000 == 0x00100000 ct mark set "
	    "ct mark & 0xffcfffff | 0x00100000 counter return");
	long blocked = pos(s, "meta mark & 0x00300000 == 0x00000000 ct mark & "
	    "0x00300000 == 0x00200000 counter drop comment \"veto-blocked\"\n");
	long dns = pos(s, "meta l4proto { tcp, udp } th dport 53 counter queue "
	    "num 0 bypass comment \"veto-dns\"\n");
	long tcp = pos(s, "tcp dport { 80, 443 } ct direction original ct "
	    "original packets 1-24 counter queue num 0 bypass");
	long cap = pos(s, "tcp dport { 80, 443 } ct direction original ct "
	    "original packets 25 counter return comment \"veto-cap\"\n");
	long reopen = pos(s, "tcp dport { 80, 443 } tcp flags & (fin | syn | "
	    "rst | ack) == syn meta mark & 0x00300000 == 0x00000000 ct state "
	    "established counter drop comment \"veto-reopen\"\n");
	long initial = pos(s, "udp dport { 443 } udp length >= 1208 @th,64,8 & "
	    "0xc0 == 0xc0 meta mark & 0x00300000 == 0x00000000 counter queue "
	    "num 0 bypass comment \"veto-initial\"\n");
	assert_true(pass < reopen && reopen < initial && initial < blocked);
	assert_true(pass < blocked && blocked < allow && allow < dns);
	assert_true(dns < tcp && tcp < cap);
	assert_non_null(strstr(s, "\tchain forward {\n\t\ttype filter hook "
	    "forward priority mangle; policy accept;\n\t\tjump veto\n\t}\n"));
	assert_null(strstr(s, "chain input"));

	s = print("queues = 0-3\nfail_open = no\nchains = input output\n",
	    RULES_NFT, false);
	assert_int_equal(count(s, "queue num 0-3 comment"), 4);
	assert_null(strstr(s, "bypass"));
	assert_non_null(strstr(s, "hook input priority mangle"));
	assert_non_null(strstr(s, "hook output priority mangle"));
	assert_null(strstr(s, "hook forward"));

	s = print("", RULES_NFT, true);
	assert_non_null(strstr(s, "table inet veto\ndelete table inet veto\n"));
	assert_null(strstr(s, "chain"));
}

/* Rate limits (issue 13): off by default; when set, a per-source
 * hashlimit DROP stands before the queue rules of port 53 and of new flows
 * (IPv4 per address, IPv6 per /64), and the TCP/53 byte cap before the DNS
 * queue rule. */
static void
test_rate_limits(void **state)
{
	const char *s = print("", RULES_IPTABLES, false);
	long rate, cap, dns, flows, queue;

	(void)state;
	/* the legitimate twin: no limit configured, no limit rule */
	assert_null(strstr(s, "hashlimit"));
	assert_null(strstr(s, "veto-rate"));
	/* the default byte cap of DNS over TCP: 1 MiB */
	pos(s, A4 "-p tcp --dport 53 -m connbytes --connbytes 1048577: "
	    "--connbytes-dir original --connbytes-mode bytes -m comment "
	    "--comment veto-dns-cap -j DROP\n");

	s = print("rate_limit_dns = 200\nrate_limit_flows = 30\n"
	    "dns_tcp_bytes_cap = 64KiB\n", RULES_IPTABLES, false);
	rate = pos(s, A4 "-p udp --dport 53 -m hashlimit --hashlimit-above "
	    "200/sec --hashlimit-burst 400 --hashlimit-mode srcip "
	    "--hashlimit-srcmask 32 --hashlimit-name veto-dns "
	    "--hashlimit-htable-size 65536 --hashlimit-htable-max 65536 "
	    "--hashlimit-htable-expire 10000 -m comment --comment veto-rate-dns "
	    "-j DROP\n");
	pos(s, A4 "-p tcp --dport 53 -m hashlimit --hashlimit-above 200/sec");
	cap = pos(s, A4 "-p tcp --dport 53 -m connbytes --connbytes 65537: ");
	dns = pos(s, A4 "-p udp --dport 53 -m comment --comment veto-dns");
	flows = pos(s, A4 "-p tcp -m multiport --dports 80,443 -m conntrack "
	    "--ctstate NEW -m hashlimit --hashlimit-above 30/sec "
	    "--hashlimit-burst 60 --hashlimit-mode srcip --hashlimit-srcmask 32 "
	    "--hashlimit-name veto-flows");
	pos(s, A4 "-p udp -m multiport --dports 443 -m conntrack --ctstate NEW "
	    "-m hashlimit --hashlimit-above 30/sec");
	queue = pos(s, "--comment veto-queue");
	assert_true(rate < cap && cap < dns && dns < flows && flows < queue);
	/* IPv6 sources are limited per /64 (one subscriber's prefix) */
	assert_int_equal(count(s, "--hashlimit-srcmask 64"), 4);
	assert_int_equal(count(s, "--hashlimit-srcmask 32"), 4);
	/* a small limit still lets a short burst through */
	s = print("rate_limit_dns = 1\n", RULES_IPTABLES, false);
	assert_non_null(strstr(s, "--hashlimit-above 1/sec --hashlimit-burst 10 "));
	s = print("rate_limit_dns = 100000\ndns_tcp_bytes_cap = 0\n",
	    RULES_IPTABLES, false);
	assert_non_null(strstr(s, "--hashlimit-burst 10000 "));
	assert_null(strstr(s, "veto-dns-cap"));

	s = print("rate_limit_dns = 200\nrate_limit_flows = 30\n", RULES_NFT,
	    false);
	assert_non_null(strstr(s, "\tset dns4 { type ipv4_addr; size 65536; "
	    "flags dynamic,timeout; timeout 10s; }\n"));
	assert_non_null(strstr(s, "\tset flows6 { type ipv6_addr;"));
	rate = pos(s, "\t\tmeta l4proto { tcp, udp } th dport 53 update @dns4 "
	    "{ ip saddr limit rate over 200/second burst 400 packets } counter "
	    "drop comment \"veto-rate-dns\"\n");
	pos(s, "update @dns6 { ip6 saddr and ffff:ffff:ffff:ffff:: limit rate "
	    "over 200/second");
	cap = pos(s, "\t\ttcp dport 53 ct direction original ct original bytes "
	    "> 1048576 counter drop comment \"veto-dns-cap\"\n");
	dns = pos(s, "comment \"veto-dns\"");
	flows = pos(s, "\t\ttcp dport { 80, 443 } ct state new update @flows4 "
	    "{ ip saddr limit rate over 30/second burst 60 packets } counter "
	    "drop comment \"veto-rate-flows\"\n");
	pos(s, "\t\tudp dport { 443 } ct state new update @flows6");
	queue = pos(s, "comment \"veto-queue\"");
	assert_true(rate < cap && cap < dns && dns < flows && flows < queue);
	assert_null(strstr(print("", RULES_NFT, false), "set dns4"));
}

/* conf/veto.nft is what `veto rules --nft` prints for conf/veto.conf,
 * after its own four header lines. */
static void
test_conf_nft_current(void **state)
{
	struct verr e;
	struct conf *c = conf_load("conf/veto.conf", &e);
	uint8_t *file;
	size_t len;
	const char *body;
	FILE *f;

	(void)state;
	assert_non_null(c);
	f = fmemopen(out, sizeof(out), "w");
	assert_int_equal(rules_print(f, c, RULES_NFT, false), 0);
	fclose(f);
	conf_free(c);
	assert_int_equal(file_read("conf/veto.nft", 1 << 20, &file, &len, &e), 0);
	body = (const char *)file;
	for (int i = 0; i < 4; i++)
		body = strchr(body, '\n') + 1;
	/* out starts with its own #! line, which the file replaced */
	if (strcmp(body, strchr(out, '\n') + 1) != 0)
		fail_msg("conf/veto.nft is out of date: regenerate it with "
		    "`veto rules -c conf/veto.conf --nft`");
	free(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_iptables),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_rate_limits),
		cmocka_unit_test(test_conf_nft_current),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
