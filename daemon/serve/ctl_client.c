/* ctl_client.c - the client side of the control socket (ctl.h): one
 * request, one reply. Kept apart from the server so the tools link only
 * this. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve/ctl.h"
#include "core/util.h"

static int
wait_fd(int fd, short events, uint64_t deadline, struct verr *e)
{
	uint64_t now = now_mono_ms();
	struct pollfd p = {.fd = fd, .events = events};
	int rc;

	if (now >= deadline) {
		verr_set(e, "vetod did not answer in time");
		return -1;
	}
	rc = poll(&p, 1, (int)MIN(deadline - now, 1u << 30));
	if (rc == 0) {
		verr_set(e, "vetod did not answer in time");
		return -1;
	}
	if (rc == -1 && errno != EINTR) {
		verr_set(e, "control socket: poll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
send_all(int fd, const char *buf, size_t len, uint64_t deadline, struct verr *e)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline, e) == -1)
				return -1;
			continue;
		}
		if (n == -1) {
			verr_set(e, "control socket: send: %s", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
recv_all(int fd, char **reply, uint64_t deadline, struct verr *e)
{
	size_t cap = 4096, len = 0;
	char *buf = xcalloc(1, cap);

	for (;;) {
		ssize_t n;
		if (len + 1 == cap) {
			if (cap >= CTL_REPLY_MAX) {
				verr_set(e, "reply longer than %u bytes", CTL_REPLY_MAX);
				goto fail;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n == 0)
			break;
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline, e) == -1)
				goto fail;
			continue;
		}
		if (n == -1) {
			verr_set(e, "control socket: recv: %s", strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len == 0) {
		verr_set(e, "vetod closed the connection without a reply");
		goto fail;
	}
	*reply = buf;
	return 0;
fail:
	free(buf);
	return -1;
}

int
ctl_call(const char *path, const char *request, int timeout_ms, char **reply,
    struct verr *e)
{
	uint64_t deadline = now_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1);
	struct sockaddr_un sun;
	char line[CTL_REQ_MAX + 2];
	int fd, n, rc = -1;

	*reply = NULL;
	n = snprintf(line, sizeof(line), "%s\n", request);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		verr_set(e, "request too long");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		verr_set(e, "control socket path `%s' is too long", path);
		return CTL_UNREACHABLE;
	}
	str_copy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		verr_set(e, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		verr_set(e, "cannot connect to vetod at %s: %s%s", path,
		    strerror(errno), errno == EACCES ? " (root or vetod's group "
		    "only)" : errno == ENOENT || errno == ECONNREFUSED ?
		    " (is vetod running?)" : "");
		close(fd);
		return CTL_UNREACHABLE;
	}
	/* a reply may come even when sending failed (a refusal) */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == 0 &&
	    (send_all(fd, line, (size_t)n, deadline, e) == 0 || errno == EPIPE ||
	    errno == ECONNRESET) && recv_all(fd, reply, deadline, e) == 0)
		rc = 0;
	close(fd);
	return rc;
}
