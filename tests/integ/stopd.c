/* stopd.c - the stop page server alone, for the integration test, the
 * browser screenshot and the benchmark (vetod runs the same code).
 *
 *   stopd -c CONF              serve: read every feed's list_file (parsed,
 *                              NOT signature-checked: a test helper), build
 *                              and publish a policy, start the stop page on
 *                              stop_page_listen; print "ready" when serving.
 *                              SIGHUP reloads CONF (template, operator);
 *                              SIGTERM/SIGINT stop and print the counters.
 *   stopd -c CONF -b NAME      print the response veto injects for an HTTP
 *                              request to NAME (http_action) and exit.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "engine/inspect.h"
#include "policy/list.h"
#include "policy/match.h"
#include "policy/norm.h"
#include "policy/policy.h"
#include "engine/stats.h"
#include "serve/stop.h"
#include "serve/stoppage.h"

static struct policy *
load_policy(struct conf *c)
{
	struct list *lists[CONF_MAX_FEEDS] = {NULL};
	int health[CONF_MAX_FEEDS];
	struct list_limits lim;
	struct policy *p;
	struct verr e;

	for (unsigned i = 0; i < c->nfeeds; i++) {
		const struct feed_conf *fc = &c->feeds[i];
		uint8_t *buf;
		size_t len;

		health[i] = FEED_NONE;
		if (fc->file == NULL)
			continue;
		lim.max_bytes = fc->max_bytes;
		lim.max_entries = fc->max_entries;
		if (file_read(fc->file, fc->max_bytes, &buf, &len, &e) < 0) {
			fprintf(stderr, "stopd: %s\n", e.msg);
			exit(1);
		}
		lists[i] = list_parse(buf, len, &lim, &e);
		free(buf);
		if (lists[i] == NULL) {
			fprintf(stderr, "stopd: %s: %s\n", fc->file, e.msg);
			exit(1);
		}
		health[i] = FEED_OK;
	}
	p = policy_build(c, lists, health, NULL, &e);
	if (p == NULL) {
		fprintf(stderr, "stopd: %s\n", e.msg);
		exit(1);
	}
	for (unsigned i = 0; i < c->nfeeds; i++)
		list_unref(lists[i]);
	return p;
}

static int
print_block(const struct policy *p, const char *name)
{
	/* what fits in one forged packet: IPv6 + TCP headers with options */
	char canon[NORM_NAME_MAX + 1], buf[INSPECT_OUT_BYTES - 80];
	struct match_result r;
	int n = norm_name(name, strlen(name), canon);

	if (n < 0 || !match_name(p->matcher, canon, (size_t)n, &r)) {
		fprintf(stderr, "stopd: %s is not on any list\n", name);
		return 1;
	}
	n = stop_block_response(p, &r, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "stopd: the response does not fit\n");
		return 1;
	}
	fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}

static void
print_counts(void)
{
	struct stop_counts sc;

	stop_counts_get(&sc);
	printf("pages=%llu by_query=%llu by_host=%llu unmatched=%llu "
	    "no_reference=%llu\n", (unsigned long long)sc.pages,
	    (unsigned long long)sc.by_query, (unsigned long long)sc.by_host,
	    (unsigned long long)sc.unmatched,
	    (unsigned long long)sc.no_reference);
	for (unsigned i = 1; i < STATS_MAX_CATS; i++) {
		const char *feed, *cat;

		if (sc.cat[i] == 0)
			continue;
		stats_category_name((uint16_t)i, &feed, &cat);
		printf("cat %s/%s=%llu\n", feed, cat,
		    (unsigned long long)sc.cat[i]);
	}
}

static int
serve(const char *path, struct conf *c)
{
	struct stop_server *s;
	struct verr e;
	sigset_t set;
	int sig;

	/* signals are taken by sigwait() here, never by the server threads */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s = stop_new(c, &e);
	if (s == NULL || stop_start(s, NULL, &e) < 0) {
		fprintf(stderr, "stopd: %s\n", e.msg);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
		struct conf *nc = conf_load(path, &e);

		if (nc == NULL || stop_reload(s, nc, &e) < 0) {
			fprintf(stderr, "stopd: reload failed: %s\n", e.msg);
		} else {
			policy_put(policy_publish(load_policy(nc)));
			printf("reloaded\n");
		}
		conf_free(nc);
		fflush(stdout);
	}
	stop_free(s);
	print_counts();
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *block = NULL;
	struct conf *c;
	struct verr e;
	int ch, rc;

	while ((ch = getopt(argc, argv, "b:c:")) != -1) {
		switch (ch) {
		case 'b':
			block = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (path == NULL || optind != argc)
		goto usage;
	list_init();
	if ((c = conf_load(path, &e)) == NULL) {
		fprintf(stderr, "stopd: %s\n", e.msg);
		return 1;
	}
	policy_put(policy_publish(load_policy(c)));
	rc = block ? print_block(policy_get(), block) : serve(path, c);
	conf_free(c);
	return rc;
usage:
	fprintf(stderr, "usage: stopd -c CONF [-b NAME]\n");
	return 2;
}
