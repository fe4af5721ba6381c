/* test_net.c - the one address parser and the listener (core/net.c). */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "core/net.h"

static int
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void
test_forms(void **state)
{
	static const struct {
		const char *s;
		unsigned flags;
		int family, port;	/* family 0: refused */
	} cases[] = {
		{"192.0.2.1:80", NET_PORT_REQUIRED, AF_INET, 80},
		{"192.0.2.1", 0, AF_INET, 53},
		{"[2001:db8::1]", NET_PORT_ZERO, AF_INET6, 53},
		{"192.0.2.1", NET_PORT_REQUIRED, 0, 0},
		{"[2001:db8::1]:8080", NET_PORT_REQUIRED, AF_INET6, 8080},
		{"[2001:db8::1]", 0, AF_INET6, 53},
		{"2001:db8::1", 0, AF_INET6, 53},	/* bare v6: no port */
		{"2001:db8::1", NET_PORT_REQUIRED, 0, 0},
		{"::1:80", NET_PORT_REQUIRED, 0, 0},	/* ambiguous: refused */
		{"[192.0.2.1]:80", NET_PORT_REQUIRED, 0, 0},
		{"192.0.2.1:0", 0, 0, 0},
		{"192.0.2.1:0", NET_LISTEN, AF_INET, 0},
		{"192.0.2.1:65536", 0, 0, 0},
		{"192.0.2.1:80x", 0, 0, 0},
		{"192.0.2.1:", 0, 0, 0},
		{":80", 0, 0, 0},
		{"[]:80", 0, 0, 0},
		{"[2001:db8::1]x", 0, 0, 0},
		{"[2001:db8::1", 0, 0, 0},
		{"localhost:80", 0, 0, 0},
		{"fe80::1%eth0", 0, 0, 0},
		{"", 0, 0, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t sl = 0;
		bool ok = net_addr_parse(cases[i].s, 53, cases[i].flags, &ss, &sl);

		if (cases[i].family == 0) {
			if (ok)
				fail_msg("`%s' parsed, must be refused", cases[i].s);
			continue;
		}
		if (!ok)
			fail_msg("`%s' refused", cases[i].s);
		assert_int_equal(ss.ss_family, cases[i].family);
		assert_int_equal(port_of(&ss), cases[i].port);
		assert_int_equal(sl, cases[i].family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	}
	assert_false(net_addr_parse(NULL, 53, 0, &(struct sockaddr_storage){0},
	    &(socklen_t){0}));
}

/* The same string is validated and bound by the same code. */
static void
test_listen(void **state)
{
	struct verr e;
	int fd;

	(void)state;
	fd = net_listen("metrics_listen", "127.0.0.1", 4, 0, &e);
	assert_int_equal(fd, -1);	/* a listener needs a port */
	assert_non_null(strstr(e.msg, "metrics_listen: `127.0.0.1' is not"));
	fd = net_listen("metrics_listen", "127.0.0.1:0", 4, 0, &e);
	assert_true(fd >= 0);		/* 0: any free port */
	close(fd);
	fd = net_listen("k", "[::1]:1", 4, 0, &e);
	if (fd >= 0)			/* root may bind port 1 */
		close(fd);
	fd = net_listen("k", "198.51.100.77:8080", 4, 0, &e);
	assert_int_equal(fd, -1);	/* not an address of this host */
	assert_non_null(strstr(e.msg, "k: cannot listen on 198.51.100.77:8080: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
