/* conf.c - `veto conf -c CONF`: check a configuration, print effective values. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "core/conf.h"

int
cmd_conf(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = "/etc/veto/veto.conf";
	struct verr e;
	struct conf *c;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			printf("usage: veto conf [-c CONF]\n\n"
			    "Parse and validate CONF (default /etc/veto/veto.conf) and print\n"
			    "every key with its effective value, defaults included.\n"
			    "Exit 0 when the file is valid, 1 with the reason otherwise.\n");
			return 0;
		default:
			return 2;
		}
	}
	c = conf_load(path, &e);
	if (c == NULL) {
		fprintf(stderr, "veto conf: %s\n", e.msg);
		return 1;
	}
	conf_print(stdout, c);
	conf_free(c);
	return 0;
}
