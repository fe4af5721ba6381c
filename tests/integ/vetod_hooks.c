/*
 * vetod_hooks.c - vetod built with VETO_TEST_HOOKS, for test_priv.sh only
 * (the release vetod has none of this; nothing here reads the network).
 *
 * After start-up (privileges dropped, sandbox entered, threads running),
 * if VETO_SANDBOX_SELFTEST names a file path, vetod tries what its sandbox
 * must refuse and logs one line per attempt:
 *   selftest: execve /bin/true: refused (Operation not permitted)
 *   selftest: create PATH: refused (Permission denied)
 *   selftest: netlink socket: refused (Operation not permitted)
 * ("ALLOWED" instead of "refused" is a failure the test reports.) Then it
 * goes on serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "core/log.h"

extern char **environ;

static void
attempt(const char *what, int rc)
{
	if (rc == -1)
		log_info("selftest: %s: refused (%s)", what, strerror(errno));
	else
		log_warnx("selftest: %s: ALLOWED", what);
}

static void
vetod_test_hooks(void)
{
	const char *path = getenv("VETO_SANDBOX_SELFTEST");
	char *const argv[] = {(char *)"true", NULL};
	char what[300];
	int fd;

	if (path == NULL || *path == '\0')
		return;
	attempt("execve /bin/true", execve("/bin/true", argv, environ));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	snprintf(what, sizeof(what), "create %s", path);
	attempt(what, fd);
	if (fd >= 0)
		close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	attempt("netlink socket", fd);
	if (fd >= 0)
		close(fd);
}

#define VETO_TEST_HOOKS 1
#include "../../daemon/vetod/main.c"
