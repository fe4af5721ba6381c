/* veto.c - the `veto` command: dispatch over the subcommand table. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "policy/list.h"
#include "core/veto.h"

static const struct cmd cmds[] = {
	{"list", cmd_list, "verify, show and confirm signed lists"},
	{"check", cmd_check, "check names or URLs against lists"},
	{"rules", cmd_rules, "print the iptables/nft rule set for a configuration"},
	{"replay", cmd_replay, "run a capture (or an interface) through the filter engine"},
	{"audit", cmd_audit, "probe a running filter from the network it protects"},
	{"fetch", cmd_fetch, "fetch, verify and install the lists once"},
	{"stats", cmd_stats, "print the live counters of vetod"},
	{"status", cmd_status, "say which lists are in force and whether vetod is healthy"},
	{"reload", cmd_reload, "ask vetod to reload its configuration and lists"},
	{"export", cmd_export, "write the lists in force for resolvers (RPZ)"},
	{"conf", cmd_conf, "check a configuration file and print the effective values"},
};

int
cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int
cmd_has_opt(int argc, char **argv, const char *opt)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], opt) == 0)
			return 1;
	}
	return 0;
}

static int
usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto COMMAND [OPTIONS]\n\n"
	    "veto %s: the command-line tool of the veto network filter.\n\n"
	    "Commands:\n", VETO_VERSION);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].description);
	fprintf(f, "\n`veto COMMAND --help` describes the options of a command.\n"
	    "See veto(8), veto.conf(5) and veto-list(5).\n");
	return rc;
}

int
main(int argc, char **argv)
{
	list_init();	/* cJSON's allocation hooks, once, first */
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("veto %s\n", VETO_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		int rc = cmds[i].fn(argc - 1, argv + 1);
		if (rc == 0 && cmd_wants_help(argc - 1, argv + 1))
			printf("\nSee veto(8).\n");	/* every command's --help */
		return rc;
	}
	fprintf(stderr, "veto: unknown command `%s'\n\n", argv[1]);
	return usage(stderr, 2);
}
