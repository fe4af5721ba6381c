/* test_netacl.c - prefix lists for stop_page_allow: parsing (items, words,
 * errors) and matching (boundaries, IPv4-mapped IPv6). */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/netacl.h"

static bool
in4(const struct netacl *a, const char *addr)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};

	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	return netacl_match(a, (struct sockaddr *)&sa);
}

static bool
in6(const struct netacl *a, const char *addr)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};

	assert_int_equal(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	return netacl_match(a, (struct sockaddr *)&sa);
}

static void
test_prefixes(void **state)
{
	struct netacl a;
	struct verr e;

	(void)state;
	assert_int_equal(netacl_parse("198.51.100.0/24, 2001:db8:1::/64 192.0.2.7",
	    &a, &e), 0);
	assert_int_equal(a.n, 3);
	assert_true(in4(&a, "198.51.100.0"));
	assert_true(in4(&a, "198.51.100.255"));
	assert_false(in4(&a, "198.51.101.0"));
	assert_false(in4(&a, "198.51.99.255"));
	assert_true(in4(&a, "192.0.2.7"));
	assert_false(in4(&a, "192.0.2.8"));
	assert_true(in6(&a, "2001:db8:1::ffff"));
	assert_true(in6(&a, "2001:db8:1:0:ffff:ffff:ffff:ffff"));
	assert_false(in6(&a, "2001:db8:1:1::"));
	/* an IPv4-mapped peer on a dual-stack socket is the IPv4 address */
	assert_true(in6(&a, "::ffff:198.51.100.9"));
	assert_false(in6(&a, "::ffff:203.0.113.9"));
	/* odd prefix lengths */
	assert_int_equal(netacl_parse("100.64.0.0/10 fc00::/7", &a, &e), 0);
	assert_true(in4(&a, "100.127.255.255"));
	assert_false(in4(&a, "100.128.0.0"));
	assert_true(in6(&a, "fdff::1"));
	assert_false(in6(&a, "fe00::1"));
}

static void
test_words(void **state)
{
	struct netacl a;
	struct verr e;

	(void)state;
	assert_int_equal(netacl_parse("private", &a, &e), 0);
	assert_true(in4(&a, "127.0.0.1"));
	assert_true(in4(&a, "10.1.2.3"));
	assert_true(in4(&a, "172.31.0.1"));
	assert_false(in4(&a, "172.32.0.1"));
	assert_true(in4(&a, "192.168.1.1"));
	assert_true(in4(&a, "100.64.0.1"));
	assert_true(in6(&a, "::1"));
	assert_true(in6(&a, "fe80::1"));
	assert_false(in4(&a, "198.51.100.9"));
	assert_false(in6(&a, "2001:db8::1"));
	assert_int_equal(netacl_parse("any", &a, &e), 0);
	assert_true(in4(&a, "198.51.100.9"));
	assert_true(in6(&a, "2001:db8::1"));
	assert_int_equal(netacl_parse("", &a, &e), 0);
	assert_false(in4(&a, "127.0.0.1"));
}

static void
test_errors(void **state)
{
	struct netacl a;
	struct verr e;
	char many[65 * 9 + 1];

	(void)state;
	assert_int_equal(netacl_parse("10.1.2.3/8", &a, &e), -1);
	assert_non_null(strstr(e.msg, "`10.1.2.3/8'"));
	assert_int_equal(netacl_parse("10.0.0.0/33", &a, &e), -1);
	assert_int_equal(netacl_parse("2001:db8::/129", &a, &e), -1);
	assert_int_equal(netacl_parse("example.com", &a, &e), -1);
	assert_int_equal(netacl_parse("10.0.0.0/", &a, &e), -1);
	assert_int_equal(netacl_parse("/8", &a, &e), -1);
	for (int i = 0; i < 65; i++)
		memcpy(many + i * 9, "10.0.0.1 ", 9);
	many[65 * 9] = '\0';
	assert_int_equal(netacl_parse(many, &a, &e), -1);
	assert_non_null(strstr(e.msg, "more than 64"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
