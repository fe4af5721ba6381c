/* inject.c - raw IPv4/IPv6 sockets for forged packets; see inject.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/inject.h"

struct inject {
	int fd4, fd6;
	struct inject_stats st;		/* one writer: the owning thread */
};

#define CNT_ADD(i, field, n) \
	__atomic_store_n(&(i)->st.field, (i)->st.field + (n), __ATOMIC_RELAXED)

/* A raw socket of one family with the socket mark set; -errno on failure.
 * IPPROTO_RAW sockets are send-only: nothing is ever queued to read. */
static int
raw_open(int family, uint32_t mark, struct verr *e)
{
	const char *name = family == AF_INET ? "IPv4" : "IPv6";
	int fd, err;

	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd == -1) {
		err = errno;
		verr_set(e, "inject: %s raw socket: %s%s", name, strerror(err),
		    err == EPERM ? " (needs CAP_NET_RAW)" : "");
		return -err;
	}
	if (mark != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1) {
		err = errno;
		verr_set(e, "inject: %s raw socket: SO_MARK 0x%08x: %s%s", name,
		    mark, strerror(err),
		    err == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		close(fd);
		return -err;
	}
	return fd;
}

struct inject *
inject_open(uint32_t mark, struct verr *e)
{
	struct inject *inj = xcalloc(1, sizeof(*inj));
	struct verr e4, e6;

	inj->fd4 = raw_open(AF_INET, mark, &e4);
	inj->fd6 = raw_open(AF_INET6, mark, &e6);
	/* One family missing from the kernel is fine; anything else is not. */
	if ((inj->fd4 < 0 && (inj->fd4 != -EAFNOSUPPORT || inj->fd6 < 0)) ||
	    (inj->fd6 < 0 && inj->fd6 != -EAFNOSUPPORT)) {
		if (e != NULL)
			*e = inj->fd4 < 0 ? e4 : e6;
		inject_close(inj);
		return NULL;
	}
	return inj;
}

void
inject_close(struct inject *inj)
{
	if (inj == NULL)
		return;
	if (inj->fd4 >= 0)
		close(inj->fd4);
	if (inj->fd6 >= 0)
		close(inj->fd6);
	free(inj);
}

int
inject_send(struct inject *inj, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	socklen_t salen;
	int fd;
	ssize_t n;

	if (len >= 20 && pkt[0] >> 4 == 4 && inj->fd4 >= 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, pkt + 16, 4);
		sa = (const struct sockaddr *)&sin;
		salen = sizeof(sin);
		fd = inj->fd4;
	} else if (len >= 40 && pkt[0] >> 4 == 6 && inj->fd6 >= 0) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, pkt + 24, 16);
		sa = (const struct sockaddr *)&sin6;
		salen = sizeof(sin6);
		fd = inj->fd6;
	} else {
		CNT_ADD(inj, malformed, 1);
		return -1;
	}
	do
		n = sendto(fd, pkt, len, MSG_DONTWAIT, sa, salen);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		__atomic_store_n(&inj->st.last_errno, errno, __ATOMIC_RELAXED);
		CNT_ADD(inj, errors, 1);
		return -1;
	}
	if (fd == inj->fd4)
		CNT_ADD(inj, sent4, 1);
	else
		CNT_ADD(inj, sent6, 1);
	CNT_ADD(inj, bytes, len);
	return 0;
}

void
inject_stats_get(const struct inject *inj, struct inject_stats *s)
{
	s->sent4 = __atomic_load_n(&inj->st.sent4, __ATOMIC_RELAXED);
	s->sent6 = __atomic_load_n(&inj->st.sent6, __ATOMIC_RELAXED);
	s->bytes = __atomic_load_n(&inj->st.bytes, __ATOMIC_RELAXED);
	s->errors = __atomic_load_n(&inj->st.errors, __ATOMIC_RELAXED);
	s->malformed = __atomic_load_n(&inj->st.malformed, __ATOMIC_RELAXED);
	s->last_errno = __atomic_load_n(&inj->st.last_errno, __ATOMIC_RELAXED);
}
