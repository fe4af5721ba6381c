/* ctl_fake.c - a control-socket server with a made-up daemon behind it,
 * for testing `veto stats|status|reload` without a running filter.
 *
 *   ctl_fake SOCKET healthy|degraded|unprotected
 *
 * Serves until SIGTERM/SIGINT; prints "ready" once listening. Reloads
 * succeed at once; fetches fail ("no list_url configured"). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve/ctl.h"
#include "policy/match.h"
#include "policy/policy.h"
#include "engine/stats.h"

static const char *mode;
static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
fill(void *arg, struct daemon_status *out)
{
	struct status_feed *f = &out->feeds[0];
	time_t now = time(NULL);

	(void)arg;
	out->now = now;
	out->start_time = now - 93784;
	out->have_policy = true;
	out->fail_open = true;
	out->nfeeds = 1;
	str_copy(f->name, "default", sizeof(f->name));
	str_copy(f->list_feed, "example-hotline/csam", sizeof(f->list_feed));
	str_copy(f->authority, "Example Hotline", sizeof(f->authority));
	str_copy(f->serial, "2026112801", sizeof(f->serial));
	f->have_list = f->enforced = strcmp(mode, "unprotected") != 0;
	f->health = strcmp(mode, "healthy") == 0 ? FEED_OK :
	    strcmp(mode, "degraded") == 0 ? FEED_EXPIRED : FEED_NONE;
	f->issued = now - 86400;
	f->expires = strcmp(mode, "healthy") == 0 ? now + 86400 : now - 3600;
	f->grace = 259200;
	f->entries = 4;
	f->entries_type[0] = 3;
	f->entries_type[2] = 1;
	f->fetch_configured = true;
	f->last_fetch = f->last_success = now - 30;
	f->last_fetch_ok = true;
	out->nqueues = 1;
	out->queues[0].running = true;
	out->queues[0].packets = 12345;
	out->queues[0].id_gaps = 0;
	out->reasm_max_flows = 4096;
	out->reasm_memory = 64u << 20;
}

static int
on_reload(void *arg, struct ctl_job *job, struct verr *e)
{
	(void)arg, (void)e;
	ctl_job_done(job, true, "configuration /etc/veto/veto.conf applied "
	    "(1 feed, mode enforce)", NULL);
	return 0;
}

static int
on_fetch(void *arg, struct ctl_job *job, const char *feed, struct verr *e)
{
	(void)arg, (void)e, (void)feed;
	ctl_job_done(job, false, "no list_url configured", NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl_ops ops = {.src = {.fill = fill}, .reload = on_reload,
	    .fetch = on_fetch};
	struct stats_thread *t;
	struct verr e;
	struct ctl *c;
	uint16_t cat;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: ctl_fake SOCKET healthy|degraded|unprotected\n");
		return 2;
	}
	mode = argv[2];
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	t = stats_thread_new();
	cat = stats_category("example-hotline/csam", "csam");
	STATS_ADD(t->pkt[SP_SEEN], 12345);
	STATS_ADD(t->decision[VPROTO_DNS][VACT_ALLOWED], 9000);
	STATS_ADD(t->decision[VPROTO_DNS][VACT_BLOCKED], 12);
	STATS_ADD(t->decision[VPROTO_TLS][VACT_BLOCKED], 4);
	STATS_ADD(t->cat_blocked[cat][VPROTO_DNS], 12);
	STATS_ADD(t->cat_blocked[cat][VPROTO_TLS], 4);
	if ((fd = ctl_listen(argv[1], getgid(), &e)) == -1 ||
	    (c = ctl_start(fd, &ops, getgid(), &e)) == NULL) {
		fprintf(stderr, "ctl_fake: %s\n", e.msg);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!quit)
		pause();
	ctl_free(c);
	unlink(argv[1]);
	return 0;
}
