/* stats.c - `veto stats`, `veto status`, `veto reload`: ask a running
 * vetod through its control socket (ctl.h) and print the answer. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "core/conf.h"
#include "serve/ctl.h"
#include "serve/status.h"
#include "core/veto.h"

#define DEFAULT_CONF "/etc/veto/veto.conf"
#define DEFAULT_SOCKET "/run/veto/control.sock"
#define QUICK_TIMEOUT_MS 10000
#define SLOW_TIMEOUT_MS (CTL_JOB_TIMEOUT_MS + 5000)

/* exit codes of `veto status` (monitoring) */
#define EX_HEALTHY 0
#define EX_DEGRADED 1
#define EX_UNPROTECTED 2
#define EX_UNKNOWN 3

struct opts {
	const char *conf, *socket;
	bool json, no_rules;
	char path[256];
};

/* The socket: -s, else control_socket of -c CONF (or of the default
 * configuration when it can be read), else the default path. */
static int
socket_path(struct opts *o, const char *cmd)
{
	struct verr e;
	struct conf *c;

	if (o->socket != NULL) {
		str_copy(o->path, o->socket, sizeof(o->path));
		return 0;
	}
	if (o->conf == NULL && access(DEFAULT_CONF, R_OK) == -1) {
		str_copy(o->path, DEFAULT_SOCKET, sizeof(o->path));
		return 0;
	}
	c = conf_load(o->conf ? o->conf : DEFAULT_CONF, &e);
	if (c == NULL) {
		fprintf(stderr, "veto %s: %s\n", cmd, e.msg);
		return -1;
	}
	str_copy(o->path, c->control_socket, sizeof(o->path));
	conf_free(c);
	return 0;
}

/* Parse -c/-s/--json; returns optind, -1 on a usage error, -2 for help. */
static int
parse_opts(int argc, char **argv, struct opts *o, bool json_ok)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"no-rules", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			if (!json_ok)
				return -1;
			o->json = true;
			break;
		case 'n':
			o->no_rules = true;
			break;
		case 'h':
			return -2;
		default:
			return -1;
		}
	}
	return optind;
}

/* Ask vetod; returns the parsed reply, or NULL with *unreachable set
 * when nothing answered. */
static cJSON *
ask(const struct opts *o, const char *cmd, const char *request, int timeout,
    bool *unreachable)
{
	struct verr e;
	char *text;
	cJSON *j;
	int rc;

	*unreachable = false;
	rc = ctl_call(o->path, request, timeout, &text, &e);
	if (rc != 0) {
		fprintf(stderr, "veto %s: %s\n", cmd, e.msg);
		*unreachable = rc == CTL_UNREACHABLE;
		return NULL;
	}
	j = cJSON_Parse(text);
	free(text);
	if (j == NULL || !cJSON_IsObject(j)) {
		fprintf(stderr, "veto %s: vetod sent a reply that is not JSON\n", cmd);
		cJSON_Delete(j);
		return NULL;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "ok"))) {
		const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
		fprintf(stderr, "veto %s: %s\n", cmd, msg ? msg : "vetod refused");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static uint64_t
num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ?
	    (uint64_t)v->valuedouble : 0;
}

static const char *
str(const cJSON *o, const char *name, const char *dflt)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, name));

	return s ? s : dflt;
}

static void
print_json(const cJSON *j)
{
	char *s = cJSON_Print(j);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

static void
print_head(const cJSON *j)
{
	uint64_t up = num(j, "uptime");

	printf("vetod %s, mode %s, up %" PRIu64 "d %02" PRIu64 ":%02" PRIu64
	    ":%02" PRIu64 " (since %s)\n", str(j, "version", "?"),
	    str(j, "mode", "?"), up / 86400, up / 3600 % 24, up / 60 % 60,
	    up % 60, str(j, "start_time", "?"));
}

static void
print_decisions(const cJSON *j)
{
	static const char *const acts[] = {"allowed", "blocked", "malformed",
	    "unknown-name"};
	const cJSON *d = cJSON_GetObjectItem(j, "decisions"), *p;
	uint64_t tot[4] = {0};

	printf("\nRequests  %12s %12s %12s %12s\n", acts[0], acts[1], acts[2],
	    acts[3]);
	cJSON_ArrayForEach(p, d) {
		printf("  %-7s", p->string);
		for (int a = 0; a < 4; a++) {
			printf(" %12" PRIu64, num(p, acts[a]));
			tot[a] += num(p, acts[a]);
		}
		printf("\n");
	}
	printf("  %-7s", "total");
	for (int a = 0; a < 4; a++)
		printf(" %12" PRIu64, tot[a]);
	printf("\n");
}

static void
print_blocked(const cJSON *j)
{
	const cJSON *b = cJSON_GetObjectItem(j, "blocked"), *r;

	/* the protocol columns come from the protocol table (core/veto.h) */
	printf("\nBlocked by category\n  %-16s %-16s", "FEED", "CATEGORY");
	for (int p = 0; p < VPROTO_COUNT; p++)
		printf(" %10s", veto_proto_name((enum veto_proto)p));
	printf(" %10s\n", "total");
	if (cJSON_GetArraySize(b) == 0)
		printf("  (none)\n");
	cJSON_ArrayForEach(r, b) {
		printf("  %-16s %-16s", str(r, "feed", "?"),
		    str(r, "category", "?"));
		for (int p = 0; p < VPROTO_COUNT; p++)
			printf(" %10" PRIu64, num(r,
			    veto_proto_name((enum veto_proto)p)));
		printf(" %10" PRIu64 "\n", num(r, "total"));
	}
}

/* key value pairs of an object, three per line, zeros left out. */
static void
print_pairs(const char *title, const cJSON *o)
{
	const cJSON *v;
	int n = 0;

	printf("\n%s\n", title);
	cJSON_ArrayForEach(v, o) {
		if (!cJSON_IsNumber(v) || v->valuedouble == 0)
			continue;
		printf("%s  %-22s %12" PRIu64, n % 3 ? "" : "\n" + !n,
		    v->string, (uint64_t)v->valuedouble);
		n++;
	}
	printf("%s\n", n ? "" : "  (all zero)");
}

static void
print_queues(const cJSON *j)
{
	const cJSON *qs = cJSON_GetObjectItem(j, "queues"), *q, *k;

	printf("\nQueues\n  %-5s %-7s %14s %10s %10s %10s %10s %10s\n", "QUEUE",
	    "RUNNING", "PACKETS", "ID-GAPS", "OVERRUNS", "WAITING", "K-DROPPED",
	    "U-DROPPED");
	if (cJSON_GetArraySize(qs) == 0)
		printf("  (none reported)\n");
	cJSON_ArrayForEach(q, qs) {
		k = cJSON_GetObjectItem(q, "kernel");
		printf("  %-5" PRIu64 " %-7s %14" PRIu64 " %10" PRIu64 " %10"
		    PRIu64, num(q, "queue"), cJSON_IsTrue(cJSON_GetObjectItem(q,
		    "running")) ? "yes" : "NO", num(q, "packets"),
		    num(q, "id_gaps"), num(q, "enobufs"));
		if (k != NULL)
			printf(" %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			    num(k, "waiting"), num(k, "dropped"),
			    num(k, "user_dropped"));
		else
			printf(" %10s %10s %10s\n", "-", "-", "-");
	}
	cJSON_ArrayForEach(q, qs)
		printf("  queue %" PRIu64 " overflow: %" PRIu64 " packets not "
		    "queued to vetod, %" PRIu64 " of them passed unfiltered; "
		    "found full for %" PRIu64 " s\n", num(q, "queue"),
		    num(q, "overflow"), num(q, "unfiltered"),
		    num(q, "full_seconds"));
}

static void
print_feeds(const cJSON *j)
{
	const cJSON *fs = cJSON_GetObjectItem(j, "feeds"), *f;

	printf("\nLists\n  %-16s %-9s %-12s %-21s %10s  %s\n", "FEED", "HEALTH",
	    "SERIAL", "EXPIRES", "ENTRIES", "LAST FETCH");
	if (cJSON_GetArraySize(fs) == 0)
		printf("  (no feed configured)\n");
	cJSON_ArrayForEach(f, fs) {
		const char *lf = str(f, "last_fetch", NULL);
		printf("  %-16s %-9s %-12s %-21s %10" PRIu64 "  %s%s%s\n",
		    str(f, "name", "?"), str(f, "health", "?"),
		    str(f, "serial", "-"), str(f, "expires", "-"),
		    num(f, "entries"), lf ? lf : "never",
		    lf ? (cJSON_IsTrue(cJSON_GetObjectItem(f, "last_fetch_ok")) ?
		    " ok" : " FAILED: ") : "",
		    lf && !cJSON_IsTrue(cJSON_GetObjectItem(f, "last_fetch_ok")) ?
		    str(f, "last_fetch_result", "") : "");
	}
}

/* The rule set's counters (root only): iptables and ip6tables, chain VETO
 * of the mangle table, rules recognised by their comment. */
static bool
read_rules(struct status_rules *r)
{
	static const char *const cmds[] = {
		"iptables -w -t mangle -L VETO -n -v -x 2>/dev/null",
		"ip6tables -w -t mangle -L VETO -n -v -x 2>/dev/null",
	};
	struct status_rules one;
	bool any = false;

	memset(r, 0, sizeof(*r));
	if (geteuid() != 0)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		char *text = NULL;
		size_t cap = 0, len = 0;
		char buf[4096];
		size_t n;
		FILE *p = popen(cmds[i], "r");
		if (p == NULL)
			continue;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0 && len < (8u << 20)) {
			text = xrealloc(text, cap = len + n + 1);
			memcpy(text + len, buf, n);
			len += n;
			text[len] = '\0';
		}
		(void)cap;
		pclose(p);
		if (text != NULL && status_parse_rules(text, &one) > 0) {
			any = true;
			r->queued += one.queued;
			r->cap_hits += one.cap_hits;
			r->allowed += one.allowed;
			r->blocked += one.blocked;
			r->rate_dns += one.rate_dns;
			r->rate_flows += one.rate_flows;
			r->dns_cap += one.dns_cap;
			r->reopen += one.reopen;
		}
		free(text);
	}
	return any;
}

static void
print_stats(cJSON *j, bool rules_ok, const struct status_rules *r)
{
	const cJSON *x = cJSON_GetObjectItem(j, "reassembly"), *s, *h;
	uint64_t received = 0;

	print_head(j);
	print_decisions(j);
	print_blocked(j);
	print_pairs("Packets", cJSON_GetObjectItem(j, "packets"));
	print_pairs("Details", cJSON_GetObjectItem(j, "details"));
	print_queues(j);
	printf("\nReassembly: %" PRIu64 " flows of %" PRIu64 ", %" PRIu64
	    " bytes of %" PRIu64 ", %" PRIu64 " evicted\n", num(x, "flows"),
	    num(x, "max_flows"), num(x, "bytes"), num(x, "memory"),
	    num(x, "evicted"));
	s = cJSON_GetObjectItem(j, "stop_page");
	printf("Stop page: %" PRIu64 " hits", num(s, "total"));
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(s, "by_category"))
		printf(", %s/%s %" PRIu64, str(h, "feed", "?"),
		    str(h, "category", "?"), num(h, "hits"));
	printf("\nEntry events lost: %" PRIu64 "\n",
	    num(j, "entry_events_dropped"));
	print_feeds(j);
	if (rules_ok) {
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(j, "queues"))
			received += num(h, "packets");
		printf("\nRule counters (iptables/ip6tables, mangle VETO): queued %"
		    PRIu64 " (vetod received %" PRIu64 ", unseen %" PRIu64
		    "), connbytes cap hits %" PRIu64 ", decided allowed %" PRIu64
		    ", decided blocked %" PRIu64 "\n", r->queued, received,
		    r->queued > received ? r->queued - received : 0, r->cap_hits,
		    r->allowed, r->blocked);
		printf("Dropped before the queue: over rate_limit_dns %" PRIu64
		    ", over rate_limit_flows %" PRIu64 ", over dns_tcp_bytes_cap %"
		    PRIu64 ", SYN on an allowed connection %" PRIu64 "\n",
		    r->rate_dns, r->rate_flows, r->dns_cap, r->reopen);
	}
}

static void
rules_json(cJSON *j, const struct status_rules *r)
{
	cJSON *o = cJSON_AddObjectToObject(j, "rule_counters");

	cJSON_AddNumberToObject(o, "queued", (double)r->queued);
	cJSON_AddNumberToObject(o, "cap_hits", (double)r->cap_hits);
	cJSON_AddNumberToObject(o, "allowed", (double)r->allowed);
	cJSON_AddNumberToObject(o, "blocked", (double)r->blocked);
	cJSON_AddNumberToObject(o, "rate_limited_dns", (double)r->rate_dns);
	cJSON_AddNumberToObject(o, "rate_limited_flows", (double)r->rate_flows);
	cJSON_AddNumberToObject(o, "dns_tcp_capped", (double)r->dns_cap);
	cJSON_AddNumberToObject(o, "reopen_dropped", (double)r->reopen);
}

int
cmd_stats(int argc, char **argv)
{
	struct status_rules r;
	struct opts o;
	bool unreachable, rules_ok;
	cJSON *j;
	int i = parse_opts(argc, argv, &o, true);

	if (i == -2) {
		printf("usage: veto stats [-c CONF | -s SOCKET] [--json] [--no-rules]\n\n"
		    "Print the live counters of the running vetod: requests per protocol\n"
		    "and action, blocks per feed and category, packets, details, queues\n"
		    "(id gaps: packets the kernel let through unseen), reassembly, the\n"
		    "stop page, the lists in force. --json prints vetod's raw reply.\n\n"
		    "The socket is -s SOCKET, else control_socket of -c CONF (default\n"
		    DEFAULT_CONF "), else " DEFAULT_SOCKET ".\n"
		    "Run as root, it also reads the counters of the rule set (iptables\n"
		    "and ip6tables -t mangle -L VETO, rules matched by comment): packets\n"
		    "queued by the rules, unseen by vetod, and connbytes-cap hits\n"
		    "(veto-cap); --no-rules skips that.\n\n"
		    "Exit 0, 1 on an error, 3 when vetod is not reachable.\n");
		return 0;
	}
	if (i < 0 || i != argc)
		return 2;
	if (socket_path(&o, "stats") == -1)
		return 1;
	if ((j = ask(&o, "stats", "stats", QUICK_TIMEOUT_MS, &unreachable)) == NULL)
		return unreachable ? 3 : 1;
	rules_ok = !o.no_rules && read_rules(&r);
	if (o.json) {
		if (rules_ok)
			rules_json(j, &r);
		print_json(j);
	} else {
		print_stats(j, rules_ok, &r);
	}
	cJSON_Delete(j);
	return 0;
}

static int
verdict_code(const char *v)
{
	if (v == NULL)
		return EX_UNKNOWN;
	if (strcmp(v, "healthy") == 0)
		return EX_HEALTHY;
	if (strcmp(v, "degraded") == 0)
		return EX_DEGRADED;
	if (strcmp(v, "unprotected") == 0)
		return EX_UNPROTECTED;
	return EX_UNKNOWN;
}

static void
print_status(const cJSON *j)
{
	const cJSON *r, *f, *q;
	unsigned running = 0, nq = 0;
	uint64_t gaps = 0;

	printf("vetod: %s\n", str(j, "verdict", "?"));
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "reasons"))
		printf("  - %s\n", cJSON_GetStringValue(r));
	print_head(j);
	printf("\nLists in force\n");
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "feeds")) {
		const cJSON *held = cJSON_GetObjectItem(f, "held"), *h;
		printf("  %s: %s%s", str(f, "name", "?"), str(f, "health", "?"),
		    cJSON_IsTrue(cJSON_GetObjectItem(f, "enforced")) ?
		    ", enforced" : ", NOT enforced");
		if (str(f, "serial", NULL) != NULL)
			printf(", list %s of %s (%s), %" PRIu64 " entries, issued "
			    "%s, expires %s", str(f, "serial", ""),
			    str(f, "authority", ""), str(f, "list_feed", ""),
			    num(f, "entries"), str(f, "issued", "?"),
			    str(f, "expires", "?"));
		printf("\n    last fetch: %s", str(f, "last_fetch", "never"));
		if (str(f, "last_fetch", NULL) != NULL)
			printf(" (%s%s%s)", cJSON_IsTrue(cJSON_GetObjectItem(f,
			    "last_fetch_ok")) ? "ok" : "failed",
			    *str(f, "last_fetch_result", "") ? ": " : "",
			    str(f, "last_fetch_result", ""));
		cJSON_ArrayForEach(h, held)
			printf("\n    held for confirmation: %s",
			    cJSON_GetStringValue(h));
		printf("\n");
	}
	cJSON_ArrayForEach(q, cJSON_GetObjectItem(j, "queues")) {
		nq++;
		running += cJSON_IsTrue(cJSON_GetObjectItem(q, "running"));
		gaps += num(q, "id_gaps");
	}
	printf("\nQueues: %u of %u running, %" PRIu64 " packets passed unseen "
	    "(id gaps) since start, fail_open %s\n", running, nq, gaps,
	    cJSON_IsTrue(cJSON_GetObjectItem(j, "fail_open")) ? "yes" : "no");
}

int
cmd_status(int argc, char **argv)
{
	struct opts o;
	bool unreachable;
	cJSON *j;
	int rc, i = parse_opts(argc, argv, &o, true);

	if (i == -2) {
		printf("usage: veto status [-c CONF | -s SOCKET] [--json]\n\n"
		    "Say which lists vetod enforces and whether the filter is healthy,\n"
		    "with a reason and what to do for everything that is not.\n"
		    "--json prints vetod's raw reply.\n\n"
		    "The socket is -s SOCKET, else control_socket of -c CONF (default\n"
		    DEFAULT_CONF "), else " DEFAULT_SOCKET ".\n\n"
		    "Exit codes (for monitoring):\n"
		    "  0  healthy      every feed has a current list in force\n"
		    "  1  degraded     filtering, but something needs attention: a list\n"
		    "                  expired or stale, a feed without a list, a fetch\n"
		    "                  failing, a list held for confirmation, packets\n"
		    "                  passing unseen (id gaps) in the last 5 minutes,\n"
		    "                  a queue down, or mode = monitor\n"
		    "  2  unprotected  no list in force (nothing is blocked) or no\n"
		    "                  queue is read\n"
		    "  3  unknown      vetod is not reachable (or the command failed)\n");
		return 0;
	}
	if (i < 0 || i != argc)
		return EX_UNKNOWN;
	if (socket_path(&o, "status") == -1)
		return EX_UNKNOWN;
	if ((j = ask(&o, "status", "status", QUICK_TIMEOUT_MS, &unreachable)) == NULL)
		return EX_UNKNOWN;
	rc = verdict_code(str(j, "verdict", NULL));
	if (o.json)
		print_json(j);
	else
		print_status(j);
	cJSON_Delete(j);
	return rc;
}

int
cmd_reload(int argc, char **argv)
{
	struct opts o;
	bool unreachable;
	cJSON *j;
	int i = parse_opts(argc, argv, &o, false);

	if (i == -2) {
		printf("usage: veto reload [-c CONF | -s SOCKET]\n\n"
		    "Ask vetod to read its configuration and lists again, and wait\n"
		    "for the result. A configuration that does not load is refused\n"
		    "and vetod keeps running on the previous one.\n\n"
		    "The socket is -s SOCKET, else control_socket of -c CONF (default\n"
		    DEFAULT_CONF "), else " DEFAULT_SOCKET ".\n\n"
		    "Exit 0 when the reload was done, 1 when it failed, 3 when vetod\n"
		    "is not reachable.\n");
		return 0;
	}
	if (i < 0 || i != argc)
		return 2;
	if (socket_path(&o, "reload") == -1)
		return 1;
	if ((j = ask(&o, "reload", "reload", SLOW_TIMEOUT_MS, &unreachable)) == NULL)
		return unreachable ? 3 : 1;
	printf("veto reload: %s\n", str(j, "message", "done"));
	cJSON_Delete(j);
	return 0;
}
