/*
 * tcpdump_note.h - read tcpdump's one-line summary of a packet (kept beside
 * each packet in the hex fixtures) into fields, so tests can compare what
 * pkt.c and dns.c decode with what tcpdump decoded from the same bytes.
 *
 *   IP 198.51.100.2.36716 > 198.51.100.53.53: 49024+ [1au] A? WwW.eXaMpLe. (52)
 *   IP6 2001:db8:1::2.42931 > 2001:db8:1::53.53: Flags [S.], seq 1:55, ack 1,
 *       win 64, options [...], length 54 25162+ [1au] A? www.example. (52)
 */
#ifndef VETO_TCPDUMP_NOTE_H
#define VETO_TCPDUMP_NOTE_H

#include <arpa/inet.h>
#include <stdbool.h>

#include "unit.h"

struct note {
	int family;
	uint8_t src[16], dst[16];
	unsigned long sport, dport;
	bool tcp;
	uint8_t tcp_flags;	/* PKT_TCP_* bits */
	bool has_seq, has_ack;
	unsigned long seq, ack;	/* as printed: absolute on SYNs, else relative */
	long length;		/* TCP "length N": payload bytes; -1 if none */
	bool has_dns;
	unsigned long dns_id;	/* the number before '+', '*', ' ' */
	long dns_len;		/* the final "(N)": DNS message length */
};

/* "addr.port" up to `end` into an address and a port. */
static inline void
note_endpoint(const char *s, size_t n, int family, uint8_t *addr,
    unsigned long *port)
{
	char buf[64];
	char *dot;

	assert_true(n < sizeof(buf));
	memcpy(buf, s, n);
	buf[n] = '\0';
	dot = strrchr(buf, '.');
	assert_non_null(dot);
	*dot = '\0';
	*port = strtoul(dot + 1, NULL, 10);
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, buf,
	    addr), 1);
}

static inline unsigned long
note_number_after(const char *s, const char *key, bool *found)
{
	const char *k = strstr(s, key);

	*found = k != NULL;
	return k != NULL ? strtoul(k + strlen(key), NULL, 10) : 0;
}

static inline void
note_tcp(const char *rest, struct note *n)
{
	const char *f = rest + strlen("Flags [");
	bool found;

	n->tcp = true;
	for (; *f != ']' && *f != '\0'; f++) {
		switch (*f) {
		case 'S': n->tcp_flags |= 0x02; break;
		case 'F': n->tcp_flags |= 0x01; break;
		case 'R': n->tcp_flags |= 0x04; break;
		case 'P': n->tcp_flags |= 0x08; break;
		case 'U': n->tcp_flags |= 0x20; break;
		case '.': n->tcp_flags |= 0x10; break;
		default: fail_msg("unknown tcp flag '%c'", *f);
		}
	}
	n->seq = note_number_after(rest, ", seq ", &n->has_seq);
	n->ack = note_number_after(rest, ", ack ", &n->has_ack);
	n->length = (long)note_number_after(rest, ", length ", &found);
	if (!found)
		n->length = -1;
}

static inline void
note_parse(const char *s, struct note *n)
{
	const char *a, *gt, *colon, *rest, *lp, *dns;
	char *end;

	memset(n, 0, sizeof(*n));
	n->length = n->dns_len = -1;
	if (strncmp(s, "IP6 ", 4) == 0) {
		n->family = 6;
		a = s + 4;
	} else {
		assert_true(strncmp(s, "IP ", 3) == 0);
		n->family = 4;
		a = s + 3;
	}
	gt = strstr(a, " > ");
	assert_non_null(gt);
	note_endpoint(a, (size_t)(gt - a), n->family, n->src, &n->sport);
	colon = strstr(gt + 3, ": ");
	assert_non_null(colon);
	note_endpoint(gt + 3, (size_t)(colon - gt - 3), n->family, n->dst,
	    &n->dport);
	rest = colon + 2;
	dns = rest;
	if (strncmp(rest, "Flags [", 7) == 0) {
		note_tcp(rest, n);
		dns = NULL;
		if (n->length > 0) {
			dns = strstr(rest, ", length ");
			dns = strchr(dns + 9, ' ');
			dns = dns != NULL ? dns + 1 : NULL;
		}
	}
	if (dns != NULL) {
		n->dns_id = strtoul(dns, &end, 10);
		n->has_dns = end != dns;
		lp = strrchr(dns, '(');
		if (lp != NULL)
			n->dns_len = strtol(lp + 1, NULL, 10);
	}
}

#endif
