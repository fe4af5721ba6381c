/*
 * main.c - vetod: the daemon.
 *
 * Start-up order (OpenBSD style: privileged things first, then drop):
 *   1. no core dumps (a core would hold client addresses);
 *   2. read and validate the configuration (-n stops here, after checking
 *      the lists too);
 *   3. open the feeds (state directory) and put the last good lists in
 *      force; publish the first policy snapshot;
 *   4. open the NFQUEUE queues, raw sockets and listening sockets;
 *   5. drop to `user`, keeping only CAP_NET_ADMIN (verdicts need it);
 *   6. start the packet threads and the servers; the main thread then
 *      waits for signals and runs the clock (expiry, summaries, reports).
 *
 * Signals only set flags: SIGHUP reloads (a bad new configuration is
 * refused and the running one stays), SIGTERM/SIGINT stop cleanly.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/conf.h"
#include "vetod/daemon.h"
#include "vetod/feeds.h"
#include "policy/list.h"
#include "core/log.h"
#include "policy/policy.h"
#include "kernel/priv.h"
#include "engine/stats.h"
#include "trust/trust.h"
#include "core/veto.h"
#include "vetod/worker.h"

static volatile sig_atomic_t got_hup, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static __attribute__((noreturn)) void
usage(int rc)
{
	fprintf(rc ? stderr : stdout,
	    "usage: vetod [-dnv] [-c CONF]\n\n"
	    "  -c CONF  configuration file (default /etc/veto/veto.conf)\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -n       check the configuration and the lists, then exit\n"
	    "  -v       verbose (debug) logging; never client data\n\n"
	    "See vetod(8) and veto.conf(5).\n");
	exit(rc);
}

static int
lookup_user(const char *user, uid_t *uid, gid_t *gid, struct verr *e)
{
	struct passwd *pw;

	if (strcmp(user, "root") == 0) {
		*uid = (uid_t)-1;	/* no chown, no drop */
		*gid = (gid_t)-1;
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		verr_set(e, "user `%s' does not exist (create it, e.g. "
		    "`useradd --system --no-create-home veto', or set user)",
		    user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static void
setup_signals(sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Threads started from now on inherit a mask with these blocked; the
	 * main thread unblocks them only while it waits (ppoll). */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, old);
}

int
main(int argc, char **argv)
{
	struct daemon d;
	const char *path = "/etc/veto/veto.conf";
	bool foreground = false, check = false;
	int verbose = 0, ch;
	sigset_t waitmask;
	struct verr e;

	while ((ch = getopt(argc, argv, "c:dnvh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	log_init("vetod", 1, verbose);
	list_init();	/* cJSON's hooks, before any thread uses cJSON */
	if (priv_no_core(&e) == -1)
		fatalx("%s", e.msg);
	if (check)
		return daemon_check(path) == 0 ? 0 : 1;

	memset(&d, 0, sizeof(d));
	d.conf_path = path;
	d.conf = conf_load(path, &e);
	if (d.conf == NULL)
		fatalx("%s", e.msg);
	if (lookup_user(d.conf->user, &d.uid, &d.gid, &e) == -1)
		fatalx("%s", e.msg);
	if (!foreground)
		log_init("vetod", 0, verbose);
	setup_signals(&waitmask);
	if (daemon_start(&d, &e) == -1)
		fatalx("%s", e.msg);
#ifdef VETO_TEST_HOOKS
	vetod_test_hooks();	/* tests/integ/vetod_hooks.c only */
#endif
	log_info("vetod %s started: %u queue(s) from %u, mode %s, %u feed(s)",
	    VETO_VERSION, d.conf->queue_count, d.conf->queue_first,
	    d.conf->mode == MODE_MONITOR ? "MONITOR (nothing is blocked)" :
	    "enforce", d.conf->nfeeds);

	while (!got_term) {
		/* 100 ms: the queues' fill level is sampled this often
		 * (servers.h); the rest of the tick is paced by the clock */
		struct timespec ts = {0, 100 * 1000 * 1000};

		if (ppoll(d.pfds, d.npfds, &ts, &waitmask) == -1 &&
		    errno != EINTR)
			log_warn("ppoll");
		if (got_hup) {
			got_hup = 0;
			daemon_reload(&d, path);
		}
		daemon_poll(&d);
		daemon_tick(&d, time(NULL));
	}
	log_info("vetod stopping");
	daemon_stop(&d);
	return 0;
}
