/*
 * hexpkt.h - read packet fixtures written as hex (tests/data/dns/README):
 * `#` comment lines, one packet per other line. Each packet keeps the
 * comment line just before it (tcpdump's summary of it), which tests use as
 * an independent decoding of the same bytes.
 */
#ifndef VETO_HEXPKT_H
#define VETO_HEXPKT_H

#include "unit.h"
#include "core/util.h"

#define HEXPKT_MAX_LEN 4096
#define HEXPKT_MAX 32

struct hexpkt {
	uint8_t data[HEXPKT_MAX_LEN];
	size_t len;
	char note[512];		/* the comment line before it, without "# " */
};

static inline int
hexpkt_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex text (whitespace ignored) into out; returns the byte count. */
static inline size_t
hexpkt_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			continue;
		v = hexpkt_nibble((unsigned char)*s);
		if (v < 0)
			fail_msg("bad hex character '%c'", *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			fail_msg("hex longer than %zu bytes", cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		fail_msg("odd number of hex digits");
	return n;
}

/* Load the packets of tests/data/NAME into pk[0..max); returns how many. */
static inline int
hexpkt_load(const char *name, struct hexpkt *pk, int max)
{
	static char line[2 * HEXPKT_MAX_LEN + 64];
	char note[512] = "";
	FILE *f = fopen(unit_data(name), "r");
	int n = 0;

	if (f == NULL)
		fail_msg("cannot open %s", unit_data(name));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#') {
			str_ncopy(note, sizeof(note), line + (line[1] == ' ' ?
			    2 : 1), strlen(line));
			continue;
		}
		if (line[0] == '\0')
			continue;
		if (n >= max)
			fail_msg("%s: more than %d packets", name, max);
		pk[n].len = hexpkt_decode(line, pk[n].data,
		    sizeof(pk[n].data));
		str_copy(pk[n].note, note, sizeof(pk[n].note));
		note[0] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

#endif
