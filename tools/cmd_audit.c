/*
 * audit.c - `veto audit`: probe a running filter from the network it
 * protects (audit.h) and report its effectiveness and over-blocking.
 *
 * Exit status: 0 everything as expected; 1 something that must be blocked
 * passed, or something that must pass was blocked; 3 nothing failed but
 * some results are inconclusive (a protocol's control failed, a server
 * did not answer, the deadline passed, or there was nothing to probe);
 * 2 usage or setup errors.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "audit/audit.h"
#include "cmd.h"
#include "core/net.h"
#include "trust/listset.h"

#define MAX_LISTS 32
#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 2
#define EX_INCONCLUSIVE 3

struct opts {
	const char *conf;
	char *lists[MAX_LISTS];
	unsigned nlists;
	char *keys[LISTSET_MAX_KEYS];
	unsigned nkeys;
	const char *resolver, *target, *control, *never_block;
	bool json;
	struct audit_opts ao;
};

static int
usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: veto audit (-c CONF | -l LIST.json [-l ...] [-k KEY ...])\n"
	    "                  --resolver ADDR[:PORT] --target ADDR --control "
	    "NAME\n"
	    "                  [--all | --sample N [--seed N]] [--json]\n"
	    "                  [--timeout S] [--parallel N] [--deadline S]\n"
	    "                  [--stop-page ADDR ...] [--never-block FILE] "
	    "[--no-overblock]\n\n"
	    "Probe a running filter from the network it protects and report, per "
	    "protocol\nand entry type, what was blocked as expected, what "
	    "passed, and what could\nnot be told. Probes: DNS over UDP and TCP "
	    "to the resolver; HTTP, a TLS\nClientHello and a QUIC Initial "
	    "carrying the name, to the target (an address\nbeyond the filter "
	    "where a web server answers on ports 80 and 443). Nothing is\nsent "
	    "to any other address.\n\n"
	    "  -c, --config CONF   the lists of this configuration (its stop page "
	    "address,\n"
	    "                      ports and never-block names too)\n"
	    "  -l, --list FILE     a list instead; -k KEY verifies it\n"
	    "      --resolver A    the resolver the filter's users ask (port 53 "
	    "unless given)\n"
	    "      --target A      a server beyond the filter\n"
	    "      --control NAME  a name that must pass, served by the resolver "
	    "and the\n"
	    "                      target: probed first on every protocol; a "
	    "protocol whose\n"
	    "                      control fails is inconclusive\n"
	    "      --all           probe every entry (default: the canaries, "
	    "category test)\n"
	    "      --sample N      probe N entries drawn at random (--seed for a "
	    "repeatable draw)\n"
	    "      --timeout S     per probe (default 2); --deadline S for the "
	    "whole run\n"
	    "                      (default 600); --parallel N probes at once "
	    "(default 64)\n"
	    "      --stop-page A   an address the filter's DNS answers point at "
	    "(with -l)\n"
	    "      --never-block F names that must pass (with -l; -c uses "
	    "never_block_file)\n"
	    "      --no-overblock  skip the probes of names that must pass\n"
	    "      --json          the report as JSON\n\n"
	    "Exit status: 0 all as expected, 1 a failure (something that must be "
	    "blocked\npassed, or something that must pass was blocked), 3 "
	    "inconclusive, 2 usage.\n");
	return rc;
}

/* "A", "A:PORT", "[A6]:PORT" or "A6" (core/net.h). */
static int
parse_addr(const char *s, uint16_t defport, struct sockaddr_storage *ss,
    socklen_t *len)
{
	return net_addr_parse(s, defport, 0, ss, len) ? 0 : -1;
}

static int
add_stop(struct probe_stop *st, const char *s)
{
	if (inet_pton(AF_INET, s, &st->a4) == 1)
		return (st->has4 = true) ? 0 : 0;
	if (inet_pton(AF_INET6, s, &st->a6) == 1)
		return (st->has6 = true) ? 0 : 0;
	return -1;
}

static int
bad_value(const char *opt, const char *v)
{
	fprintf(stderr, "veto audit: %s `%s' is not valid\n", opt, v);
	return -1;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"list", required_argument, NULL, 'l'},
		{"key", required_argument, NULL, 'k'},
		{"resolver", required_argument, NULL, 'R'},
		{"target", required_argument, NULL, 'T'},
		{"control", required_argument, NULL, 'C'},
		{"all", no_argument, NULL, 'A'},
		{"sample", required_argument, NULL, 'S'},
		{"seed", required_argument, NULL, 'E'},
		{"timeout", required_argument, NULL, 't'},
		{"parallel", required_argument, NULL, 'P'},
		{"deadline", required_argument, NULL, 'D'},
		{"stop-page", required_argument, NULL, 's'},
		{"never-block", required_argument, NULL, 'N'},
		{"no-overblock", no_argument, NULL, 'O'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct audit_opts *ao = &o->ao;
	uint64_t v;
	int ch;

	ao->timeout_ms = 2000;
	ao->parallel = 64;
	ao->deadline_ms = 600000;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:l:k:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf = optarg; break;
		case 'l':
			if (o->nlists == MAX_LISTS)
				return bad_value("-l", optarg);
			o->lists[o->nlists++] = optarg;
			break;
		case 'k':
			if (o->nkeys == LISTSET_MAX_KEYS)
				return bad_value("-k", optarg);
			o->keys[o->nkeys++] = optarg;
			break;
		case 'R': o->resolver = optarg; break;
		case 'T': o->target = optarg; break;
		case 'C': o->control = optarg; break;
		case 'A': ao->select = AUDIT_ALL; break;
		case 'S':
			if (!parse_u64(optarg, 1, 100000000, &v))
				return bad_value("--sample", optarg);
			ao->select = AUDIT_SAMPLE;
			ao->sample = (size_t)v;
			break;
		case 'E':
			if (!parse_u64(optarg, 1, UINT64_MAX, &ao->seed))
				return bad_value("--seed", optarg);
			break;
		case 't':
			if (!parse_u64(optarg, 1, 60, &v))
				return bad_value("--timeout", optarg);
			ao->timeout_ms = (unsigned)v * 1000;
			break;
		case 'P':
			if (!parse_u64(optarg, 1, 1000, &v))
				return bad_value("--parallel", optarg);
			ao->parallel = (unsigned)v;
			break;
		case 'D':
			if (!parse_u64(optarg, 1, 86400, &v))
				return bad_value("--deadline", optarg);
			ao->deadline_ms = (unsigned)v * 1000;
			break;
		case 's':
			if (add_stop(&ao->stop, optarg) == -1)
				return bad_value("--stop-page", optarg);
			break;
		case 'N': o->never_block = optarg; break;
		case 'O': ao->no_overblock = true; break;
		case 'j': o->json = true; break;
		default: return -1;
		}
	}
	if ((o->conf != NULL) == (o->nlists > 0) || optind != argc ||
	    o->resolver == NULL || o->target == NULL || o->control == NULL) {
		fprintf(stderr, "veto audit: give -c CONF or -l LIST, and "
		    "--resolver, --target and --control\n");
		return -1;
	}
	if (parse_addr(o->resolver, 53, &ao->resolver, &ao->resolver_len) == -1)
		return bad_value("--resolver", o->resolver);
	if (parse_addr(o->target, 0, &ao->target, &ao->target_len) == -1 ||
	    strchr(o->target, '[') != NULL)
		return bad_value("--target", o->target);
	if (o->conf != NULL && (o->nkeys > 0 || o->never_block != NULL)) {
		fprintf(stderr, "veto audit: -k and --never-block go with -l\n");
		return -1;
	}
	ao->control = o->control;
	return 0;
}

/* What the configuration tells: ports, stop page, never-block names. */
static void
from_conf(struct opts *o, const struct conf *c)
{
	struct audit_opts *ao = &o->ao;

	ao->http_port = c->nhttp_ports ? c->http_ports[0] : 80;
	ao->tls_port = c->ntls_ports ? c->tls_ports[0] : 443;
	ao->quic_port = c->nquic_ports ? c->quic_ports[0] : 443;
	if (o->conf == NULL) {
		ao->never_block_file = o->never_block;
		return;
	}
	if (c->has_stop4) {
		ao->stop.has4 = true;
		ao->stop.a4 = c->stop4;
	}
	if (c->has_stop6) {
		ao->stop.has6 = true;
		ao->stop.a6 = c->stop6;
	}
	ao->stop_url = c->stop_page_url;
	ao->never_block_file = c->never_block_file;
}

/* --- the report ---------------------------------------------------------- */

struct row {
	uint64_t probed, ok, fail, inconclusive;
};

/* Blocked-expected rows: [proto][entry type]; must-pass rows: [proto]. */
struct tally {
	struct row block[AP_COUNT][LIST_NTYPES];
	struct row pass[AP_COUNT];
	uint64_t ok, fail, inconclusive, probed;
};

static void
tally(const struct audit *a, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < a->n; i++) {
		const struct audit_probe *p = &a->p[i];
		struct row *r;
		if (p->kind == AK_CONTROL)
			continue;
		r = p->expect_block ? &t->block[p->proto][p->etype] :
		    &t->pass[p->proto];
		r->probed++;
		t->probed++;
		switch (audit_result_of(p)) {
		case AR_OK: r->ok++; t->ok++; break;
		case AR_FAIL: r->fail++; t->fail++; break;
		case AR_INCONCLUSIVE: r->inconclusive++; t->inconclusive++; break;
		}
	}
}

static int
exit_code(const struct audit *a, const struct tally *t)
{
	bool controls = true;

	for (int p = 0; p < AP_COUNT; p++)
		controls = controls && a->control_ok[p];
	if (t->fail > 0)
		return EX_FAIL;
	if (t->inconclusive > 0 || t->probed == 0 || !controls)
		return EX_INCONCLUSIVE;
	return EX_OK;
}

static const char *
feed_of(const struct listset *ls, int feed)
{
	const struct list *l = feed >= 0 && (unsigned)feed < ls->n ?
	    ls->feeds[feed].list : NULL;

	return l != NULL ? l->feed : "-";
}

static void
pct(char *buf, size_t cap, uint64_t ok, uint64_t fail)
{
	if (ok + fail == 0)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.1f%%", 100.0 * (double)ok /
		    (double)(ok + fail));
}

static void
text_tables(const struct tally *t)
{
	char e[16];

	printf("\nmust be blocked       probed  blocked   passed  inconclusive  "
	    "effective\n");
	for (int p = 0; p < AP_COUNT; p++)
		for (int ty = 0; ty < LIST_NTYPES; ty++) {
			const struct row *r = &t->block[p][ty];
			if (r->probed == 0)
				continue;
			pct(e, sizeof(e), r->ok, r->fail);
			printf("%-8s %-8s %9" PRIu64 " %8" PRIu64 " %8" PRIu64
			    " %13" PRIu64 " %10s\n", audit_proto_name(
			    (enum audit_proto)p), list_type_name(
			    (enum list_entry_type)ty), r->probed, r->ok, r->fail,
			    r->inconclusive, e);
		}
	printf("\nmust pass             probed   passed  blocked  inconclusive\n");
	for (int p = 0; p < AP_COUNT; p++) {
		const struct row *r = &t->pass[p];
		if (r->probed == 0)
			continue;
		printf("%-17s %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %13" PRIu64
		    "\n", audit_proto_name((enum audit_proto)p), r->probed, r->ok,
		    r->fail, r->inconclusive);
	}
}

static void
text_failures(const struct audit *a)
{
	bool any = false;

	for (size_t i = 0; i < a->n; i++) {
		const struct audit_probe *p = &a->p[i];
		if (p->kind == AK_CONTROL || audit_result_of(p) != AR_FAIL)
			continue;
		if (!any)
			printf("\nfailures:\n");
		any = true;
		printf("  %-8s %-8s %s%s: %s (%s)",
		    audit_proto_name((enum audit_proto)p->proto),
		    p->kind == AK_ENTRY ? p->entry_id : "-", p->name,
		    p->path && p->proto == AP_HTTP ? p->path : "",
		    p->expect_block ? "passed, must be blocked" :
		    "blocked, must pass", p->detail);
		if (p->kind != AK_ENTRY)
			printf(" [%s%s%s]", audit_kind_name((enum audit_kind)
			    p->kind), p->entry_id ? " of entry " : "",
			    p->entry_id ? p->entry_id : "");
		printf("\n");
	}
}

static void
text_report(const struct audit *a, const struct listset *ls,
    const struct opts *o, const struct tally *t, int rc)
{
	size_t inc = 0;

	printf("veto audit: resolver %s, target %s, control %s\n", o->resolver,
	    o->target, o->control);
	for (unsigned i = 0; i < ls->n; i++) {
		const struct list *l = ls->feeds[i].list;
		if (l == NULL)
			printf("feed %s: no list\n", ls->feeds[i].name);
		else
			printf("feed %s: %s serial %s, %zu entries%s\n",
			    ls->feeds[i].name, l->feed, l->serial, l->nentries,
			    listset_enforced(&ls->feeds[i]) ? "" :
			    " (expired: not in force)");
	}
	printf("probed: %zu entries (%s), %zu probes\n", a->entries_chosen,
	    a->o.select == AUDIT_ALL ? "all" : a->o.select == AUDIT_SAMPLE ?
	    "a random sample" : "the canaries", a->n);
	printf("controls:");
	for (int p = 0; p < AP_COUNT; p++)
		printf(" %s %s%s", audit_proto_name((enum audit_proto)p),
		    a->control_ok[p] ? "passed" : "FAILED",
		    p + 1 < AP_COUNT ? "," : "\n");
	for (int p = 0; p < AP_COUNT; p++)
		if (!a->control_ok[p])
			printf("  %s: control %s: %s is INCONCLUSIVE\n",
			    audit_proto_name((enum audit_proto)p),
			    a->control_detail[p], audit_proto_name(
			    (enum audit_proto)p));
	text_tables(t);
	printf("\nurl entries are enforceable on plain HTTP only: on HTTPS the "
	    "path is encrypted\nand a filter sees only the name, which a url "
	    "entry never blocks.%s\n", a->url_https ? "" : "");
	if (a->url_https > 0)
		printf("(%zu of the url entries probed are written with https://: "
		    "over HTTPS they\ncannot be enforced; they were probed over "
		    "plain HTTP.)\n", a->url_https);
	if (a->url_port > 0)
		printf("(%zu url entries on another port were not probed.)\n",
		    a->url_port);
	text_failures(a);
	for (size_t i = 0; i < a->n; i++)
		inc += a->p[i].kind != AK_CONTROL &&
		    audit_result_of(&a->p[i]) == AR_INCONCLUSIVE;
	if (a->deadline_hit)
		printf("\nthe deadline passed before every probe ran\n");
	printf("\nresult: %s: %" PRIu64 " of %" PRIu64 " probes as expected, %"
	    PRIu64 " failed, %zu inconclusive (%.1f s)\n",
	    rc == EX_OK ? "PASS" : rc == EX_FAIL ? "FAIL" : "INCONCLUSIVE",
	    t->ok, t->probed, t->fail, inc, (double)a->run_ms / 1000.0);
}

static cJSON *
json_row(const struct row *r, bool block)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "probed", (double)r->probed);
	cJSON_AddNumberToObject(j, block ? "blocked" : "passed", (double)r->ok);
	cJSON_AddNumberToObject(j, block ? "passed" : "blocked", (double)r->fail);
	cJSON_AddNumberToObject(j, "inconclusive", (double)r->inconclusive);
	return j;
}

static cJSON *
json_probe(const struct audit_probe *p, const struct listset *ls)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "protocol",
	    audit_proto_name((enum audit_proto)p->proto));
	cJSON_AddStringToObject(j, "kind", audit_kind_name(
	    (enum audit_kind)p->kind));
	cJSON_AddStringToObject(j, "expected", p->expect_block ? "blocked" :
	    "passed");
	cJSON_AddStringToObject(j, "outcome", audit_outcome_name(
	    (enum audit_outcome)p->outcome));
	if (p->entry_id) {
		cJSON_AddStringToObject(j, "feed", feed_of(ls, p->feed));
		cJSON_AddStringToObject(j, "entry", p->entry_id);
	}
	cJSON_AddStringToObject(j, "name", p->name);
	if (p->path && p->proto == AP_HTTP)
		cJSON_AddStringToObject(j, "path", p->path);
	cJSON_AddStringToObject(j, "detail", p->detail);
	return j;
}

static void
json_report(const struct audit *a, const struct listset *ls,
    const struct tally *t, int rc)
{
	cJSON *j = cJSON_CreateObject(), *feeds = cJSON_CreateArray();
	cJSON *ctl = cJSON_CreateObject(), *blk = cJSON_CreateObject();
	cJSON *pass = cJSON_CreateObject(), *fails = cJSON_CreateArray();
	cJSON *inc = cJSON_CreateArray();
	char *s;

	for (unsigned i = 0; i < ls->n; i++) {
		cJSON *f = cJSON_CreateObject();
		const struct list *l = ls->feeds[i].list;
		cJSON_AddStringToObject(f, "name", ls->feeds[i].name);
		if (l != NULL) {
			cJSON_AddStringToObject(f, "feed", l->feed);
			cJSON_AddStringToObject(f, "serial", l->serial);
		}
		cJSON_AddBoolToObject(f, "in_force",
		    listset_enforced(&ls->feeds[i]));
		cJSON_AddItemToArray(feeds, f);
	}
	cJSON_AddItemToObject(j, "feeds", feeds);
	cJSON_AddStringToObject(j, "selection", a->o.select == AUDIT_ALL ? "all" :
	    a->o.select == AUDIT_SAMPLE ? "sample" : "canaries");
	cJSON_AddNumberToObject(j, "entries", (double)a->entries_chosen);
	for (int p = 0; p < AP_COUNT; p++) {
		cJSON *c = cJSON_CreateObject(), *b = cJSON_CreateObject();
		const char *pn = audit_proto_name((enum audit_proto)p);
		cJSON_AddBoolToObject(c, "passed", a->control_ok[p]);
		cJSON_AddStringToObject(c, "detail", a->control_detail[p]);
		cJSON_AddItemToObject(ctl, pn, c);
		for (int ty = 0; ty < LIST_NTYPES; ty++)
			if (t->block[p][ty].probed > 0)
				cJSON_AddItemToObject(b, list_type_name(
				    (enum list_entry_type)ty),
				    json_row(&t->block[p][ty], true));
		cJSON_AddItemToObject(blk, pn, b);
		if (t->pass[p].probed > 0)
			cJSON_AddItemToObject(pass, pn, json_row(&t->pass[p],
			    false));
	}
	cJSON_AddItemToObject(j, "controls", ctl);
	cJSON_AddItemToObject(j, "must_block", blk);
	cJSON_AddItemToObject(j, "must_pass", pass);
	for (size_t i = 0; i < a->n; i++) {
		enum audit_result r = audit_result_of(&a->p[i]);
		if (a->p[i].kind == AK_CONTROL)
			continue;
		if (r == AR_FAIL)
			cJSON_AddItemToArray(fails, json_probe(&a->p[i], ls));
		else if (r == AR_INCONCLUSIVE && cJSON_GetArraySize(inc) < 1000)
			cJSON_AddItemToArray(inc, json_probe(&a->p[i], ls));
	}
	cJSON_AddItemToObject(j, "failures", fails);
	cJSON_AddItemToObject(j, "inconclusive", inc);
	cJSON_AddNumberToObject(j, "url_entries_https", (double)a->url_https);
	cJSON_AddStringToObject(j, "url_note", "url entries are enforceable "
	    "on plain HTTP only");
	cJSON_AddNumberToObject(j, "probes", (double)t->probed);
	cJSON_AddNumberToObject(j, "as_expected", (double)t->ok);
	cJSON_AddNumberToObject(j, "failed", (double)t->fail);
	cJSON_AddNumberToObject(j, "inconclusive_count", (double)t->inconclusive);
	cJSON_AddBoolToObject(j, "deadline_passed", a->deadline_hit);
	cJSON_AddNumberToObject(j, "seconds", (double)a->run_ms / 1000.0);
	cJSON_AddStringToObject(j, "result", rc == EX_OK ? "pass" :
	    rc == EX_FAIL ? "fail" : "inconclusive");
	s = cJSON_Print(j);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(j);
}

int
cmd_audit(int argc, char **argv)
{
	struct opts o;
	struct listset ls;
	struct matcher *m = NULL;
	struct audit *a = NULL;
	struct tally t;
	struct verr e;
	int rc;

	if (cmd_wants_help(argc, argv))
		return usage(stdout, 0);
	memset(&o, 0, sizeof(o));
	if (parse_opts(argc, argv, &o) == -1)
		return usage(stderr, EX_USAGE);
	rc = o.conf ? listset_from_conf(&ls, o.conf, time(NULL), &e) :
	    listset_from_files(&ls, o.lists, o.nlists, o.keys, o.nkeys, &e);
	if (rc == -1) {
		fprintf(stderr, "veto audit: %s\n", e.msg);
		return EX_USAGE;
	}
	from_conf(&o, ls.conf);
	rc = EX_USAGE;
	if ((m = listset_matcher(&ls, &e)) == NULL ||
	    (a = audit_plan(&ls, m, &o.ao, &e)) == NULL ||
	    audit_run(a, &e) == -1) {
		fprintf(stderr, "veto audit: %s\n", e.msg);
		goto out;
	}
	tally(a, &t);
	rc = exit_code(a, &t);
	if (o.json)
		json_report(a, &ls, &t, rc);
	else
		text_report(a, &ls, &o, &t, rc);
out:
	audit_free(a);
	matcher_free(m);
	listset_free(&ls);
	return rc;
}
