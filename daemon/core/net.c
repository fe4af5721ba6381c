/* net.c - addresses and listeners; see net.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "core/net.h"

/* Split s into host and port text (port NULL when absent). */
static bool
split_host_port(const char *s, char *host, size_t hostcap, const char **port,
    bool *bracketed)
{
	const char *colon = strchr(s, ':');
	size_t hl;

	*port = NULL;
	*bracketed = s[0] == '[';
	if (*bracketed) {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		hl = (size_t)(close - s - 1);
		if (close[1] == ':')
			*port = close + 2;
		s++;
	} else if (colon != NULL && colon == strrchr(s, ':')) {
		hl = (size_t)(colon - s);	/* one colon: IPv4:port */
		*port = colon + 1;
	} else {
		hl = strlen(s);			/* none, or a bare IPv6 */
	}
	if (hl == 0 || hl >= hostcap)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	return true;
}

bool
net_addr_parse(const char *s, uint16_t defport, unsigned flags,
    struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 1];
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	const char *port;
	uint64_t p = defport;
	bool br;

	memset(ss, 0, sizeof(*ss));
	if (s == NULL || !split_host_port(s, host, sizeof(host), &port, &br))
		return false;
	if (port == NULL ? (flags & NET_PORT_REQUIRED) != 0 :
	    !parse_u64(port, flags & NET_PORT_ZERO ? 0 : 1, 65535, &p))
		return false;
	if (!br && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*sl = sizeof(*a4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*sl = sizeof(*a6);
		return true;
	}
	memset(ss, 0, sizeof(*ss));
	return false;
}

int
net_listen(const char *what, const char *s, int backlog, int sock_flags,
    struct verr *e)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if (!net_addr_parse(s, 0, NET_LISTEN, &ss, &sl)) {
		verr_set(e, "%s: `%s' is not addr:port or [v6]:port", what, s);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | sock_flags, 0);
	if (fd == -1) {
		verr_set(e, "%s %s: socket: %s", what, s, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, backlog) == -1) {
		verr_set(e, "%s: cannot listen on %s: %s", what, s,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
