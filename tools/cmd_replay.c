/*
 * replay.c - `veto replay`: a capture, or an interface, through the filter
 * engine (replay.h), counted as vetod would count it.
 *
 * The lists come from a configuration (the feeds' last good lists, as the
 * daemon would put them in force) or from -l files. The report prints
 * counts only; --decisions adds one line per decision with the name or URL
 * decided on, which is traffic data: that is said in --help, and the live
 * mode (-i), a shadow run on real users' traffic, refuses it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "trust/listset.h"
#include "audit/replay.h"
#include "engine/stats.h"

#define MAX_LISTS 32
#define PROGRESS_MIN_BYTES (16u << 20)	/* files smaller show no progress */
#define LIVE_SNAPLEN 65535
#define LIVE_TIMEOUT_MS 200
#define LIVE_BUFFER (32u << 20)

struct opts {
	const char *conf;
	char *lists[MAX_LISTS];
	unsigned nlists;
	char *keys[LISTSET_MAX_KEYS];
	unsigned nkeys;
	const char *iface;
	uint64_t duration;
	bool json, decisions;
	const char *file;
};

/* Everything the output needs. */
struct run {
	struct opts *o;
	struct listset ls;
	struct policy *pol;
	struct replay *r;
	pcap_t *p;
	const char *source;	/* file name or interface */
	uint64_t ns;		/* wall time of the run */
	off_t size;		/* of the file, for the progress line */
	bool progress;
	unsigned ndecisions;	/* JSON: decisions printed so far */
	struct pcap_stat ps;	/* live only */
	bool have_ps;
	const char *damaged;	/* why reading stopped early, or NULL */
};

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: veto replay (-c CONF | -l LIST.json [-l ...] [-k KEY ...]) "
	    "[--json] [--decisions] FILE.pcap|-\n"
	    "       veto replay (-c CONF | -l LIST.json ...) [--json] -i IFACE "
	    "[--duration SECONDS]\n\n"
	    "Run every packet of a capture (pcap or pcapng; Ethernet, Linux "
	    "cooked v1/v2,\nraw IP; IPv4 and IPv6) through the engine vetod "
	    "uses, with the kernel side\nemulated (only requests to the queued "
	    "ports, a connection leaves the queue once\ndecided, the connbytes "
	    "cap), and count the decisions as vetod would: one per\nDNS query, "
	    "HTTP request, TLS or QUIC handshake.\n\n"
	    "  -c, --config CONF   the lists of this configuration's feeds (their "
	    "last good\n"
	    "                      lists in state_dir, or list_file), its ports "
	    "and actions\n"
	    "  -l, --list FILE     a list instead (one feed per -l, in order)\n"
	    "  -k, --key KEY       verify each -l list against these minisign "
	    "keys\n"
	    "  -i, --interface IF  count live on an interface (passive: nothing "
	    "is sent or\n"
	    "                      dropped), until Ctrl-C or --duration\n"
	    "      --duration S    stop after S seconds (with -i)\n"
	    "      --json          the report as JSON\n"
	    "      --decisions     one line per decision: protocol, action, entry "
	    "id and the\n"
	    "                      name or URL decided on. THIS OUTPUT CONTAINS "
	    "NAMES AND\n"
	    "                      URLS FROM THE TRAFFIC (never addresses or "
	    "ports); refused\n"
	    "                      with -i\n"
	    "  -h, --help          this text\n\n"
	    "Without --decisions the report holds counts only: requests per "
	    "protocol\n(allowed, blocked, malformed, without a usable name), "
	    "blocked requests per feed,\ncategory and entry, what became of the "
	    "packets, and the speed.\n"
	    "Capture on one interface, on the clients' side of the filter, so "
	    "that requests\nthe filter dropped are in the capture and no packet "
	    "appears twice.\n\n"
	    "Exit status: 0 done, 1 the capture or the lists could not be read "
	    "(a capture\ndamaged after some packets: the report covers them, "
	    "with a warning), 2 usage.\n");
	return rc;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"list", required_argument, NULL, 'l'},
		{"key", required_argument, NULL, 'k'},
		{"interface", required_argument, NULL, 'i'},
		{"duration", required_argument, NULL, 'D'},
		{"json", no_argument, NULL, 'j'},
		{"decisions", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:l:k:i:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'l':
			if (o->nlists == MAX_LISTS)
				goto bad;
			o->lists[o->nlists++] = optarg;
			break;
		case 'k':
			if (o->nkeys == LISTSET_MAX_KEYS)
				goto bad;
			o->keys[o->nkeys++] = optarg;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'D':
			if (!parse_u64(optarg, 1, 365ULL * 86400, &o->duration)) {
				fprintf(stderr, "veto replay: --duration `%s' is "
				    "not a number of seconds\n", optarg);
				return -1;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'd':
			o->decisions = true;
			break;
		default:
			return -1;
		}
	}
	if ((o->conf != NULL) == (o->nlists > 0)) {
		fprintf(stderr, "veto replay: give either -c CONF or -l LIST\n");
		return -1;
	}
	if (o->nkeys > 0 && o->conf != NULL) {
		fprintf(stderr, "veto replay: -k goes with -l (a configuration "
		    "names its own keys)\n");
		return -1;
	}
	if (o->iface != NULL) {
		if (optind != argc || o->decisions) {
			fprintf(stderr, "veto replay: -i counts only: no FILE, "
			    "no --decisions\n");
			return -1;
		}
		return 0;
	}
	if (o->duration != 0 || optind + 1 != argc) {
		fprintf(stderr, "veto replay: one FILE (or -), or -i IFACE\n");
		return -1;
	}
	o->file = argv[optind];
	return 0;
bad:
	fprintf(stderr, "veto replay: too many -l or -k\n");
	return -1;
}

/* --- the lists ---------------------------------------------------------- */

static int
load_policy(struct run *run)
{
	struct opts *o = run->o;
	struct verr e;
	int rc;

	if (o->conf != NULL)
		rc = listset_from_conf(&run->ls, o->conf, time(NULL), &e);
	else
		rc = listset_from_files(&run->ls, o->lists, o->nlists, o->keys,
		    o->nkeys, &e);
	if (rc == -1) {
		fprintf(stderr, "veto replay: %s\n", e.msg);
		return -1;
	}
	for (unsigned i = 0; i < run->ls.n; i++) {
		const struct listset_feed *f = &run->ls.feeds[i];
		if (f->note[0] != '\0')
			fprintf(stderr, "veto replay: feed %s: %s\n", f->name,
			    f->note);
		if (f->list != NULL && !listset_enforced(f))
			fprintf(stderr, "veto replay: feed %s: list %s is "
			    "expired and disabled (on_expired)\n", f->name,
			    f->list->serial);
	}
	if (listset_entries(&run->ls) == 0)
		fprintf(stderr, "veto replay: warning: no list is in force; "
		    "nothing will be blocked\n");
	run->pol = listset_policy(&run->ls, &e);
	if (run->pol == NULL) {
		fprintf(stderr, "veto replay: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* --- the capture ------------------------------------------------------- */

static int
open_file(struct run *run)
{
	char err[PCAP_ERRBUF_SIZE];
	struct stat sb;

	run->p = pcap_open_offline_with_tstamp_precision(run->o->file,
	    PCAP_TSTAMP_PRECISION_MICRO, err);
	if (run->p == NULL) {
		fprintf(stderr, "veto replay: %s: %s\n", run->o->file, err);
		return -1;
	}
	run->source = run->o->file;
	if (strcmp(run->o->file, "-") != 0 && stat(run->o->file, &sb) == 0)
		run->size = sb.st_size;
	run->progress = isatty(STDERR_FILENO) && (run->size == 0 ||
	    run->size >= (off_t)PROGRESS_MIN_BYTES);
	return 0;
}

/* The BPF filter of the queued ports: the rest never reaches vetod. */
static void
live_filter(const struct conf *c, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "port 53");

	for (unsigned i = 0; i < c->nhttp_ports && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, " or tcp port %u",
		    c->http_ports[i]);
	for (unsigned i = 0; i < c->ntls_ports && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, " or tcp port %u",
		    c->tls_ports[i]);
	for (unsigned i = 0; i < c->nquic_ports && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, " or udp port %u",
		    c->quic_ports[i]);
}

static int
open_live(struct run *run)
{
	char err[PCAP_ERRBUF_SIZE], expr[512], both[1100];
	struct bpf_program prog;
	pcap_t *p;

	p = pcap_create(run->o->iface, err);
	if (p == NULL) {
		fprintf(stderr, "veto replay: %s: %s\n", run->o->iface, err);
		return -1;
	}
	pcap_set_snaplen(p, LIVE_SNAPLEN);
	pcap_set_timeout(p, LIVE_TIMEOUT_MS);
	pcap_set_buffer_size(p, LIVE_BUFFER);
	if (pcap_activate(p) < 0) {
		fprintf(stderr, "veto replay: %s: %s\n", run->o->iface,
		    pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	live_filter(run->pol->conf, expr, sizeof(expr));
	snprintf(both, sizeof(both), "(%s) or (vlan and (%s))", expr, expr);
	if (pcap_compile(p, &prog, both, 1, PCAP_NETMASK_UNKNOWN) == -1 ||
	    pcap_setfilter(p, &prog) == -1) {
		fprintf(stderr, "veto replay: filter `%s': %s\n", both,
		    pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_freecode(&prog);
	run->p = p;
	run->source = run->o->iface;
	return 0;
}

static void
progress(void *arg, const struct replay_counts *c)
{
	struct run *run = arg;
	FILE *f = pcap_file(run->p);
	long pos = f != NULL ? ftell(f) : -1;

	if (!run->progress)
		return;
	if (run->size > 0 && pos >= 0)
		fprintf(stderr, "\r%3d%%  %" PRIu64 " packets",
		    (int)(100.0 * (double)pos / (double)run->size), c->frames);
	else
		fprintf(stderr, "\r%" PRIu64 " packets", c->frames);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: reads wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

/* --- decisions ----------------------------------------------------------- */

static void
decision_text(void *arg, const struct inspect_result *r)
{
	char name[sizeof(r->name) * 4 + 1];

	(void)arg;
	str_quote(name, sizeof(name), r->name, strlen(r->name));
	printf("%s %s %s %s\n", veto_proto_name(r->proto),
	    veto_action_name(r->action),
	    r->action == VACT_BLOCKED && r->match.id ? r->match.id : "-",
	    name[0] ? name : "-");
}

static void
decision_json(void *arg, const struct inspect_result *r)
{
	struct run *run = arg;
	cJSON *j = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(j, "protocol", veto_proto_name(r->proto));
	cJSON_AddStringToObject(j, "action", veto_action_name(r->action));
	if (r->action == VACT_BLOCKED && r->match.id)
		cJSON_AddStringToObject(j, "entry", r->match.id);
	else
		cJSON_AddNullToObject(j, "entry");
	cJSON_AddStringToObject(j, "name", r->name);
	if (r->monitor)
		cJSON_AddTrueToObject(j, "monitor");
	s = cJSON_PrintUnformatted(j);
	printf("%s\n    %s", run->ndecisions++ ? "," : "", s);
	free(s);
	cJSON_Delete(j);
}

/* --- the report ------------------------------------------------------- */

static const char *
feed_id(const struct policy *pol, unsigned feed)
{
	const struct list *l = feed < pol->nfeeds ? pol->feeds[feed].list : NULL;

	return l != NULL ? l->feed : "?";
}

static const char *
cat_id(const struct policy *pol, unsigned feed, uint32_t cat)
{
	const struct list *l = feed < pol->nfeeds ? pol->feeds[feed].list : NULL;

	return l != NULL && cat < l->ncats ? l->cats[cat].id : "?";
}

static uint64_t
sum_protos(const uint64_t *v)
{
	uint64_t n = 0;

	for (int p = 0; p < VPROTO_COUNT; p++)
		n += v[p];
	return n;
}

/* Blocked per (feed, category) and protocol: counts[feed][cat][proto]. */
struct catsum {
	uint64_t (*v)[VPROTO_COUNT];
	unsigned nfeeds;
	uint32_t stride;
};

static void
cat_sums(const struct run *run, struct catsum *cs)
{
	const struct policy *pol = run->pol;
	size_t n = matcher_entries(pol->matcher);

	cs->nfeeds = pol->nfeeds;
	cs->stride = 1;
	for (unsigned f = 0; f < pol->nfeeds; f++)
		if (pol->feeds[f].list != NULL)
			cs->stride = MAX(cs->stride, pol->feeds[f].list->ncats);
	cs->v = xcalloc((size_t)MAX(cs->nfeeds, 1) * cs->stride,
	    sizeof(*cs->v));
	for (uint32_t i = 0; i < n; i++) {
		struct match_result m;
		matcher_entry(pol->matcher, i, &m);
		if (m.feed >= cs->nfeeds || m.cat >= cs->stride)
			continue;
		for (int p = 0; p < VPROTO_COUNT; p++)
			cs->v[m.feed * cs->stride + m.cat][p] +=
			    replay_entry_blocked(run->r, i, (enum veto_proto)p);
	}
}

static double
rate(const struct run *run)
{
	double s = (double)run->ns / 1e9;

	return s > 0 ? (double)replay_counts(run->r)->frames / s : 0;
}

static void
text_requests(const struct replay_counts *c)
{
	uint64_t tot[VACT_COUNT] = {0}, all = 0;

	printf("\n%-6s %10s %10s %10s %10s %10s\n", "", "requests", "allowed",
	    "blocked", "malformed", "no-name");
	for (int p = 0; p < VPROTO_COUNT; p++) {
		uint64_t n = 0;
		for (int a = 0; a < VACT_COUNT; a++) {
			n += c->decisions[p][a];
			tot[a] += c->decisions[p][a];
		}
		all += n;
		printf("%-6s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10"
		    PRIu64 " %10" PRIu64 "\n", veto_proto_name((enum veto_proto)p),
		    n, c->decisions[p][VACT_ALLOWED], c->decisions[p][VACT_BLOCKED],
		    c->decisions[p][VACT_MALFORMED],
		    c->decisions[p][VACT_UNKNOWN_NAME]);
	}
	printf("%-6s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	    " %10" PRIu64 "\n", "total", all, tot[VACT_ALLOWED],
	    tot[VACT_BLOCKED], tot[VACT_MALFORMED], tot[VACT_UNKNOWN_NAME]);
	if (c->monitor > 0)
		printf("(monitor mode: %" PRIu64 " of the blocked requests were "
		    "let through)\n", c->monitor);
}

static void
text_blocked(const struct run *run)
{
	const struct policy *pol = run->pol;
	const struct replay_counts *c = replay_counts(run->r);
	size_t n = matcher_entries(pol->matcher);
	struct catsum cs;
	bool any = false;

	cat_sums(run, &cs);
	for (unsigned f = 0; f < cs.nfeeds; f++) {
		for (uint32_t k = 0; k < cs.stride; k++) {
			uint64_t t = sum_protos(cs.v[f * cs.stride + k]);
			if (t == 0)
				continue;
			if (!any)
				printf("\nblocked per feed and category:\n");
			any = true;
			printf("  %-28s %-12s %10" PRIu64 "\n", feed_id(pol, f),
			    cat_id(pol, f, k), t);
		}
	}
	free(cs.v);
	if (sum_protos(c->blocked_no_entry) > 0)
		printf("  %-28s %-12s %10" PRIu64 "\n", "(tls_no_sni = block)",
		    "-", sum_protos(c->blocked_no_entry));
	if (!any)
		return;
	printf("\nblocked per entry:\n  %-28s %-12s %-12s %-6s", "feed",
	    "category", "entry", "type");
	for (int p = 0; p < VPROTO_COUNT; p++)
		printf(" %7s", veto_proto_name((enum veto_proto)p));
	printf(" %7s\n", "total");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v[VPROTO_COUNT];
		struct match_result m;
		for (int p = 0; p < VPROTO_COUNT; p++)
			v[p] = replay_entry_blocked(run->r, i, (enum veto_proto)p);
		if (sum_protos(v) == 0)
			continue;
		matcher_entry(pol->matcher, i, &m);
		printf("  %-28s %-12s %-12s %-6s", feed_id(pol, m.feed),
		    cat_id(pol, m.feed, m.cat), m.id,
		    list_type_name((enum list_entry_type)m.type));
		for (int p = 0; p < VPROTO_COUNT; p++)
			printf(" %7" PRIu64, v[p]);
		printf(" %7" PRIu64 "\n", sum_protos(v));
	}
}

static void
text_feeds(const struct run *run)
{
	printf("feeds:");
	if (run->ls.n == 0)
		printf(" none");
	printf("\n");
	for (unsigned i = 0; i < run->ls.n; i++) {
		const struct listset_feed *f = &run->ls.feeds[i];
		if (f->list == NULL) {
			printf("  %s: no list in force\n", f->name);
			continue;
		}
		printf("  %s: %s serial %s, %zu entries (%s)%s\n", f->name,
		    f->list->feed, f->list->serial, f->list->nentries, f->origin,
		    listset_enforced(f) ? "" : ", NOT in force (expired)");
	}
	printf("mode: %s\n", run->pol->conf->mode == MODE_MONITOR ?
	    "monitor" : "enforce");
}

static void
print_text(const struct run *run)
{
	const struct replay_counts *c = replay_counts(run->r);

	printf("%s %s: %" PRIu64 " packets, %.1f s of traffic\n",
	    run->o->iface ? "interface" : "capture", run->source, c->frames,
	    (double)(c->last_ms - c->first_ms) / 1000.0);
	text_feeds(run);
	text_requests(c);
	text_blocked(run);
	printf("\npackets:");
	for (int f = 0; f < RF_COUNT; f++)
		printf(" %s %" PRIu64 "%s", replay_fate_name((enum replay_fate)f),
		    c->fate[f], f + 1 < RF_COUNT ? "," : "\n");
	if (c->fate[RF_TRUNCATED] > 0)
		printf("warning: %" PRIu64 " packets were cut short by the "
		    "capture's snap length and not inspected\n",
		    c->fate[RF_TRUNCATED]);
	if (c->fate[RF_FRAGMENT] > 0)
		printf("warning: %" PRIu64 " IP fragments were not inspected "
		    "(the kernel reassembles them before the queue)\n",
		    c->fate[RF_FRAGMENT]);
	if (c->conns_evicted > 0)
		printf("warning: %" PRIu64 " connections were evicted from a "
		    "full connection table\n", c->conns_evicted);
	if (run->damaged != NULL)
		printf("warning: reading stopped at an error after %" PRIu64
		    " packets (%s): this report covers the packets read before "
		    "it (a damaged or cut capture)\n", c->frames, run->damaged);
	if (run->have_ps)
		printf("kernel: %u packets received, %u dropped by the "
		    "capture buffer\n", run->ps.ps_recv, run->ps.ps_drop);
	printf("time: %.3f s, %.0f packets/s\n", (double)run->ns / 1e9,
	    rate(run));
}

static cJSON *
json_protos(const uint64_t *v)
{
	cJSON *j = cJSON_CreateObject();

	for (int p = 0; p < VPROTO_COUNT; p++)
		cJSON_AddNumberToObject(j, veto_proto_name((enum veto_proto)p),
		    (double)v[p]);
	cJSON_AddNumberToObject(j, "total", (double)sum_protos(v));
	return j;
}

static cJSON *
json_feeds(const struct run *run)
{
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0; i < run->ls.n; i++) {
		const struct listset_feed *f = &run->ls.feeds[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", f->name);
		if (f->list != NULL) {
			cJSON_AddStringToObject(j, "feed", f->list->feed);
			cJSON_AddStringToObject(j, "serial", f->list->serial);
			cJSON_AddNumberToObject(j, "entries",
			    (double)f->list->nentries);
		}
		cJSON_AddStringToObject(j, "origin", f->origin);
		cJSON_AddBoolToObject(j, "in_force", listset_enforced(f));
		cJSON_AddItemToArray(a, j);
	}
	return a;
}

static cJSON *
json_requests(const struct replay_counts *c)
{
	cJSON *j = cJSON_CreateObject();

	for (int p = 0; p < VPROTO_COUNT; p++) {
		cJSON *o = cJSON_CreateObject();
		uint64_t n = 0;
		for (int a = 0; a < VACT_COUNT; a++) {
			n += c->decisions[p][a];
			cJSON_AddNumberToObject(o, veto_action_name(
			    (enum veto_action)a), (double)c->decisions[p][a]);
		}
		cJSON_AddNumberToObject(o, "requests", (double)n);
		cJSON_AddItemToObject(j, veto_proto_name((enum veto_proto)p), o);
	}
	return j;
}

static cJSON *
json_entries(const struct run *run)
{
	const struct policy *pol = run->pol;
	size_t n = matcher_entries(pol->matcher);
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < n; i++) {
		uint64_t v[VPROTO_COUNT];
		struct match_result m;
		cJSON *j;
		for (int p = 0; p < VPROTO_COUNT; p++)
			v[p] = replay_entry_blocked(run->r, i, (enum veto_proto)p);
		if (sum_protos(v) == 0)
			continue;
		matcher_entry(pol->matcher, i, &m);
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "feed", feed_id(pol, m.feed));
		cJSON_AddStringToObject(j, "category", cat_id(pol, m.feed, m.cat));
		cJSON_AddStringToObject(j, "id", m.id);
		cJSON_AddStringToObject(j, "type",
		    list_type_name((enum list_entry_type)m.type));
		cJSON_AddItemToObject(j, "blocked", json_protos(v));
		cJSON_AddItemToArray(a, j);
	}
	return a;
}

static cJSON *
json_categories(const struct run *run)
{
	cJSON *a = cJSON_CreateArray();
	struct catsum cs;

	cat_sums(run, &cs);
	for (unsigned f = 0; f < cs.nfeeds; f++) {
		for (uint32_t k = 0; k < cs.stride; k++) {
			const uint64_t *v = cs.v[f * cs.stride + k];
			cJSON *j;
			if (sum_protos(v) == 0)
				continue;
			j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "feed", feed_id(run->pol, f));
			cJSON_AddStringToObject(j, "category",
			    cat_id(run->pol, f, k));
			cJSON_AddItemToObject(j, "blocked", json_protos(v));
			cJSON_AddItemToArray(a, j);
		}
	}
	free(cs.v);
	return a;
}

static void
print_json(const struct run *run)
{
	const struct replay_counts *c = replay_counts(run->r);
	cJSON *j = cJSON_CreateObject(), *pk = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(j, run->o->iface ? "interface" : "capture",
	    run->source);
	cJSON_AddItemToObject(j, "feeds", json_feeds(run));
	cJSON_AddStringToObject(j, "mode", run->pol->conf->mode ==
	    MODE_MONITOR ? "monitor" : "enforce");
	cJSON_AddItemToObject(j, "requests", json_requests(c));
	cJSON_AddNumberToObject(j, "monitor_let_through", (double)c->monitor);
	cJSON_AddItemToObject(j, "blocked_without_entry",
	    json_protos(c->blocked_no_entry));
	cJSON_AddItemToObject(j, "categories", json_categories(run));
	cJSON_AddItemToObject(j, "entries", json_entries(run));
	cJSON_AddNumberToObject(pk, "read", (double)c->frames);
	for (int f = 0; f < RF_COUNT; f++)
		cJSON_AddNumberToObject(pk, replay_fate_name((enum replay_fate)f),
		    (double)c->fate[f]);
	cJSON_AddNumberToObject(pk, "connections", (double)c->conns);
	cJSON_AddNumberToObject(pk, "connections_evicted",
	    (double)c->conns_evicted);
	if (run->have_ps) {
		cJSON_AddNumberToObject(pk, "kernel_received", run->ps.ps_recv);
		cJSON_AddNumberToObject(pk, "kernel_dropped", run->ps.ps_drop);
	}
	cJSON_AddItemToObject(j, "packets", pk);
	cJSON_AddNumberToObject(j, "traffic_seconds",
	    (double)(c->last_ms - c->first_ms) / 1000.0);
	cJSON_AddNumberToObject(j, "seconds", (double)run->ns / 1e9);
	cJSON_AddNumberToObject(j, "packets_per_second", rate(run));
	if (run->damaged != NULL)
		cJSON_AddStringToObject(j, "damaged", run->damaged);
	s = cJSON_Print(j);
	if (run->o->decisions)	/* the streamed array, then the rest */
		printf("\n  ],\n%s\n", s + 2);
	else
		printf("%s\n", s);
	free(s);
	cJSON_Delete(j);
}

int
cmd_replay(int argc, char **argv)
{
	struct opts o;
	struct run run;
	struct verr e;
	int rc = 1;
	uint64_t t0;

	if (cmd_wants_help(argc, argv))
		return usage(stdout, 0);
	memset(&o, 0, sizeof(o));
	memset(&run, 0, sizeof(run));
	run.o = &o;
	if (parse_opts(argc, argv, &o) == -1)
		return usage(stderr, 2);
	if (load_policy(&run) == -1)
		goto out;
	if ((o.iface ? open_live(&run) : open_file(&run)) == -1)
		goto out;
	if ((run.r = replay_new(run.pol, &e)) == NULL) {
		fprintf(stderr, "veto replay: %s\n", e.msg);
		goto out;
	}
	if (o.decisions) {
		replay_on_decision(run.r, o.json ? decision_json : decision_text,
		    &run);
		if (o.json)
			printf("{\n  \"decisions\": [");
	}
	catch_signals();
	if (o.iface != NULL && o.duration > 0)
		alarm((unsigned)o.duration);
	t0 = now_mono_ns();
	rc = replay_pcap(run.r, run.p, &stop_flag, progress, &run, &e);
	run.ns = now_mono_ns() - t0;
	if (run.progress)
		fprintf(stderr, "\r\033[K");
	if (rc == REPLAY_DAMAGED) {	/* report what was read; exit 1 */
		fprintf(stderr, "veto replay: warning: %s: %s: the report covers "
		    "the %" PRIu64 " packets read before it\n", run.source,
		    e.msg, replay_counts(run.r)->frames);
		run.damaged = e.msg;
	}
	if (rc == -1) {
		fprintf(stderr, "veto replay: %s: %s\n", run.source, e.msg);
		rc = 1;
		if (o.decisions && o.json)
			printf("\n  ]\n}\n");
		goto out;
	}
	if (o.iface != NULL && pcap_stats(run.p, &run.ps) == 0)
		run.have_ps = true;
	if (o.json)
		print_json(&run);
	else
		print_text(&run);
	rc = run.damaged != NULL ? 1 : 0;
out:
	replay_free(run.r);
	if (run.p != NULL)
		pcap_close(run.p);
	policy_discard(run.pol);
	listset_free(&run.ls);
	return rc;
}
