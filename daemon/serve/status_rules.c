/* status_rules.c - the rule set's counters from `iptables -L -v -x`
 * output (status.h); apart from status.c so the tools link only this. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "serve/status.h"
#include "core/util.h"

static bool
leading_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	*p = s;
	return true;
}

static int
parse_rule_line(const char *line, size_t len, struct status_rules *out)
{
	char buf[1024], *c, *end;
	const char *p = buf;
	uint64_t pkts, bytes;

	str_ncopy(buf, sizeof(buf), line, len);
	if (!leading_u64(&p, &pkts) || !leading_u64(&p, &bytes))
		return 0;
	if ((c = strstr(p, "/* veto-")) == NULL ||
	    (end = strstr(c, " */")) == NULL)
		return 0;
	*end = '\0';
	c += 3;
	if (strcmp(c, "veto-queue") == 0 || strcmp(c, "veto-dns") == 0 ||
	    strcmp(c, "veto-initial") == 0)
		out->queued += pkts;
	else if (strcmp(c, "veto-reopen") == 0)
		out->reopen += pkts;
	else if (strcmp(c, "veto-cap") == 0)
		out->cap_hits += pkts;
	else if (strcmp(c, "veto-allowed") == 0)
		out->allowed += pkts;
	else if (strcmp(c, "veto-blocked") == 0)
		out->blocked += pkts;
	else if (strcmp(c, "veto-rate-dns") == 0)
		out->rate_dns += pkts;
	else if (strcmp(c, "veto-rate-flows") == 0)
		out->rate_flows += pkts;
	else if (strcmp(c, "veto-dns-cap") == 0)
		out->dns_cap += pkts;
	return 1;
}

int
status_parse_rules(const char *text, struct status_rules *out)
{
	int n = 0;

	memset(out, 0, sizeof(*out));
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		n += parse_rule_line(text, len, out);
		text += len + (nl != NULL);
	}
	return n;
}
