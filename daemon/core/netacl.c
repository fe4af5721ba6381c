/* netacl.c - prefix lists; see netacl.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/netacl.h"

static const char *const private_nets[] = {
	"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
	"100.64.0.0/10", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10",
};

static bool
host_bits_clear(const uint8_t *addr, unsigned bytes, unsigned len)
{
	for (unsigned bit = len; bit < bytes * 8; bit++)
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	return true;
}

/* One ADDR[/LEN] item (NUL-terminated). */
static bool
prefix_parse(const char *s, struct netacl_prefix *p)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bytes;
	uint64_t len;

	if (hl == 0 || hl >= sizeof(host))
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, host, p->addr) == 1) {
		p->family = AF_INET;
		bytes = 4;
	} else if (inet_pton(AF_INET6, host, p->addr) == 1) {
		p->family = AF_INET6;
		bytes = 16;
	} else {
		return false;
	}
	len = bytes * 8;
	if (slash != NULL && !parse_u64(slash + 1, 0, bytes * 8, &len))
		return false;
	p->len = (uint8_t)len;
	return host_bits_clear(p->addr, bytes, p->len);
}

static int
add(struct netacl *a, const char *item, struct verr *e)
{
	if (a->n == NETACL_MAX) {
		verr_set(e, "more than %d prefixes", NETACL_MAX);
		return -1;
	}
	if (!prefix_parse(item, &a->p[a->n])) {
		verr_set(e, "`%s': not an address or prefix (ADDR or ADDR/LEN, "
		    "no host bits; or `any', `private')", item);
		return -1;
	}
	a->n++;
	return 0;
}

static int
add_item(struct netacl *a, const char *item, struct verr *e)
{
	if (strcmp(item, "any") == 0)
		return add(a, "0.0.0.0/0", e) == -1 ? -1 : add(a, "::/0", e);
	if (strcmp(item, "private") == 0) {
		for (size_t i = 0; i < ARRAY_LEN(private_nets); i++)
			if (add(a, private_nets[i], e) == -1)
				return -1;
		return 0;
	}
	return add(a, item, e);
}

static bool
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

int
netacl_parse(const char *text, struct netacl *a, struct verr *e)
{
	char item[INET6_ADDRSTRLEN + 8];

	a->n = 0;
	while (text != NULL && *text != '\0') {
		size_t n = 0;

		while (is_sep(*text))
			text++;
		while (text[n] != '\0' && !is_sep(text[n]))
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(item)) {
			verr_set(e, "`%.*s': not an address or prefix", (int)n,
			    text);
			return -1;
		}
		memcpy(item, text, n);
		item[n] = '\0';
		if (add_item(a, item, e) == -1)
			return -1;
		text += n;
	}
	return 0;
}

static bool
prefix_has(const struct netacl_prefix *p, const uint8_t *addr)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr[full] ^ addr[full]) & (0xffu << (8 - rest))) == 0;
}

bool
netacl_match_addr(const struct netacl *a, int family, const uint8_t *addr)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};

	if (family == AF_INET6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
		family = AF_INET;
		addr += sizeof(mapped);
	}
	for (unsigned i = 0; i < a->n; i++)
		if (a->p[i].family == family && prefix_has(&a->p[i], addr))
			return true;
	return false;
}

bool
netacl_match(const struct netacl *a, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return netacl_match_addr(a, AF_INET, (const uint8_t *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return netacl_match_addr(a, AF_INET6,
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
	return false;
}
