/* rules.c - `veto rules`: print the netfilter rule set for a configuration. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "core/conf.h"
#include "kernel/rules.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: veto rules [-c CONF] [--iptables | --nft] [--remove]\n"
	    "\n"
	    "Print the netfilter rules that send traffic to vetod, for the\n"
	    "queues, chains, mark_mask, ports and connbytes_cap of CONF.\n"
	    "Nothing is changed: pipe the output to sh (iptables) or nft -f.\n"
	    "\n"
	    "  -c, --config CONF  configuration file (default /etc/veto/veto.conf)\n"
	    "  -i, --iptables     a shell script of iptables -w / ip6tables -w\n"
	    "                     commands (the default). Chain " RULES_CHAIN
	    " in the\n"
	    "                     " RULES_TABLE " table, jumped to from FORWARD "
	    "(and INPUT,\n"
	    "                     OUTPUT as configured). Running it again "
	    "replaces the\n"
	    "                     rules instead of adding copies.\n"
	    "  -n, --nft          an nft ruleset (table inet " RULES_NFT_TABLE
	    ") for `nft -f`;\n"
	    "                     needs a kernel with the nft queue expression\n"
	    "  -r, --remove       print the commands that remove the rules "
	    "again (they\n"
	    "                     succeed when the rules are already gone)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Example: veto rules -c /etc/veto/veto.conf | sh\n");
}

int
cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"iptables", no_argument, NULL, 'i'},
		{"nft", no_argument, NULL, 'n'},
		{"remove", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = "/etc/veto/veto.conf";
	enum rules_format fmt = RULES_IPTABLES;
	bool remove = false;
	struct verr e;
	struct conf *c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "c:inrh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'i':
			fmt = RULES_IPTABLES;
			break;
		case 'n':
			fmt = RULES_NFT;
			break;
		case 'r':
			remove = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "veto rules: unexpected argument `%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	c = conf_load(path, &e);
	if (c == NULL) {
		fprintf(stderr, "veto rules: %s\n", e.msg);
		return 1;
	}
	rc = rules_print(stdout, c, fmt, remove);
	conf_free(c);
	if (rc == -1) {
		perror("veto rules: write");
		return 1;
	}
	return 0;
}
