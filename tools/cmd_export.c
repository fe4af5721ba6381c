/*
 * cmd_export.c - `veto export rpz`: the verified lists in force as a
 * Response Policy Zone for resolver fleets (issue 17; rpz.h has the
 * zone's shape).
 *
 *   veto export rpz (-c CONF | -l LIST [-k KEY ...]) [--action A]
 *                   [--origin NAME] [-o FILE]
 *
 * Exit 0 with the zone on stdout (or written atomically to FILE) and a
 * one-line summary on stderr; 1 when the lists cannot be read or no list
 * is in force; 2 on a usage error.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "serve/rpz.h"
#include "trust/listset.h"

static int
export_usage(FILE *f, int rc)
{
	fprintf(f, "usage: veto export rpz (-c CONF | -l LIST [-k KEY ...])\n"
	    "                      [--action nxdomain|nodata|stoppage] [--origin NAME]\n"
	    "                      [--stop-ipv4 ADDR] [--stop-ipv6 ADDR] [-o FILE]\n\n"
	    "Write the lists in force as a Response Policy Zone (RPZ) for\n"
	    "resolvers (unbound, BIND 9, Knot Resolver, PowerDNS Recursor): each\n"
	    "domain entry as `name` and `*.name`, each host entry as `name`; url\n"
	    "entries are left out (paths are HTTP-only). Every record carries its\n"
	    "feed, entry id and category in a comment. The lists are the ones\n"
	    "vetod would enforce: with -c, each feed's last good list (and\n"
	    "list_file), feeds disabled by expiry left out; with -l, the files\n"
	    "given, verified against the -k keys.\n\n"
	    "  -c, --config CONF     the configuration (its feeds, state_dir,\n"
	    "                        rpz_action, rpz_origin, dns_ttl, stop page)\n"
	    "  -l, --list LIST       a signed list file (repeatable)\n"
	    "  -k, --key KEY         a trusted minisign public key (file or base64\n"
	    "                        line; repeatable): LIST.minisig is checked\n"
	    "      --action A        nxdomain (CNAME .), nodata (CNAME *.) or\n"
	    "                        stoppage (the stop page's A/AAAA); default\n"
	    "                        rpz_action, or nxdomain\n"
	    "      --origin NAME     the zone's name (default rpz_origin, veto.rpz)\n"
	    "      --stop-ipv4 ADDR  stoppage: the stop page's IPv4 address\n"
	    "      --stop-ipv6 ADDR  stoppage: the stop page's IPv6 address\n"
	    "  -o, --output FILE     replace FILE atomically instead of stdout\n"
	    "  -h, --help            this text\n");
	return rc;
}

struct export_opts {
	const char *conf, *output, *action, *origin, *stop4, *stop6;
	char *lists[CONF_MAX_FEEDS], *keys[LISTSET_MAX_KEYS];
	unsigned nlists, nkeys;
};

static int
export_args(int argc, char **argv, struct export_opts *o)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"list", required_argument, NULL, 'l'},
		{"key", required_argument, NULL, 'k'},
		{"action", required_argument, NULL, 'A'},
		{"origin", required_argument, NULL, 'O'},
		{"stop-ipv4", required_argument, NULL, '4'},
		{"stop-ipv6", required_argument, NULL, '6'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:l:k:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf = optarg; break;
		case 'o': o->output = optarg; break;
		case 'A': o->action = optarg; break;
		case 'O': o->origin = optarg; break;
		case '4': o->stop4 = optarg; break;
		case '6': o->stop6 = optarg; break;
		case 'l':
			if (o->nlists == CONF_MAX_FEEDS)
				return -1;
			o->lists[o->nlists++] = optarg;
			break;
		case 'k':
			if (o->nkeys == LISTSET_MAX_KEYS)
				return -1;
			o->keys[o->nkeys++] = optarg;
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	if (optind != argc || (o->conf == NULL) == (o->nlists == 0) ||
	    (o->conf != NULL && o->nkeys > 0))
		return -1;
	return 0;
}

/* Options over the configuration's rpz_* keys (conf_default for -l). */
static int
export_rpz_opts(const struct export_opts *x, const struct conf *c,
    struct rpz_opts *o, struct verr *e)
{
	struct conf tmp = *c;

	if (x->action != NULL && (tmp.rpz_action = rpz_action_parse(x->action)) < 0) {
		verr_set(e, "--action is nxdomain, nodata or stoppage, not `%s'",
		    x->action);
		return -1;
	}
	if (x->origin != NULL)
		tmp.rpz_origin = (char *)x->origin;
	if (x->stop4 != NULL) {
		if (inet_pton(AF_INET, x->stop4, &tmp.stop4) != 1) {
			verr_set(e, "--stop-ipv4 is not an IPv4 address: `%s'", x->stop4);
			return -1;
		}
		tmp.has_stop4 = true;
	}
	if (x->stop6 != NULL) {
		if (inet_pton(AF_INET6, x->stop6, &tmp.stop6) != 1) {
			verr_set(e, "--stop-ipv6 is not an IPv6 address: `%s'", x->stop6);
			return -1;
		}
		tmp.has_stop6 = true;
	}
	return rpz_opts_from_conf(&tmp, o, e);
}

static void
export_notes(const struct listset *ls, bool verified)
{
	if (!verified)
		fprintf(stderr, "veto export: warning: no -k KEY: the lists' "
		    "signatures were not checked\n");
	for (unsigned i = 0; i < ls->n; i++) {
		const struct listset_feed *f = &ls->feeds[i];

		if (f->list == NULL)
			fprintf(stderr, "veto export: feed %s: no list in force "
			    "(%s)\n", f->name, f->note);
		else if (!listset_enforced(f))
			fprintf(stderr, "veto export: feed %s: list %s left out "
			    "(%s)\n", f->name, f->list->serial,
			    feed_health_name(f->health));
	}
}

static int
export_write(const struct export_opts *x, struct policy *p,
    const struct rpz_opts *ro)
{
	struct rpz_stats st;
	struct verr e;
	uint64_t t0 = now_mono_ms();
	int rc;

	if (x->output != NULL)
		rc = rpz_write_file(x->output, p, ro, time(NULL), &st, &e);
	else
		rc = rpz_write(stdout, p, ro, time(NULL), &st, &e);
	if (rc == -1) {
		fprintf(stderr, "veto export: %s\n", e.msg);
		return 1;
	}
	fprintf(stderr, "veto export: zone %s. serial %lu: %zu names, %zu "
	    "wildcards; left out %zu url, %zu IP-literal, %zu too-long entries",
	    ro->origin, (unsigned long)st.serial, st.names, st.wildcards,
	    st.skipped_url, st.skipped_ip, st.skipped_long);
	if (x->output != NULL)
		fprintf(stderr, "; %s: %zu bytes in %llu ms", x->output,
		    st.bytes, (unsigned long long)(now_mono_ms() - t0));
	fputc('\n', stderr);
	return 0;
}

static int
export_rpz(int argc, char **argv)
{
	struct export_opts x;
	struct listset ls;
	struct rpz_opts ro;
	struct policy *p;
	struct verr e;
	int rc;

	if ((rc = export_args(argc, argv, &x)) != 0)
		return rc > 0 ? export_usage(stdout, 0) : export_usage(stderr, 2);
	rc = x.conf ? listset_from_conf(&ls, x.conf, time(NULL), &e) :
	    listset_from_files(&ls, x.lists, x.nlists, x.keys, x.nkeys, &e);
	if (rc == -1) {
		fprintf(stderr, "veto export: %s\n", e.msg);
		return 1;
	}
	export_notes(&ls, x.conf != NULL || x.nkeys > 0);
	rc = 1;
	if (export_rpz_opts(&x, ls.conf, &ro, &e) == -1) {
		fprintf(stderr, "veto export: %s\n", e.msg);
	} else if (listset_entries(&ls) == 0) {
		fprintf(stderr, "veto export: no list is in force: no zone "
		    "written\n");
	} else if ((p = listset_policy(&ls, &e)) == NULL) {
		fprintf(stderr, "veto export: %s\n", e.msg);
	} else {
		rc = export_write(&x, p, &ro);
		policy_discard(p);
	}
	listset_free(&ls);
	return rc;
}

int
cmd_export(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return export_usage(argc < 2 ? stderr : stdout, argc < 2 ? 2 : 0);
	if (strcmp(argv[1], "rpz") == 0)
		return export_rpz(argc - 1, argv + 1);
	fprintf(stderr, "veto export: unknown format `%s' (rpz)\n", argv[1]);
	return 2;
}
