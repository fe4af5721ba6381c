/*
 * fuzz_tls.c - libFuzzer target for tls.c: the input is a client stream
 * (record layer) and, without its first five bytes, a bare handshake
 * stream. Checks, beyond "no crash": the name lies inside the caller's bytes
 * or the scratch, the statuses and flags agree, and a prefix that decided a
 * name is not contradicted by the whole input.
 */
#include <stdlib.h>
#include <string.h>

#include "../../daemon/engine/tls.c"

static uint8_t scratch[TLS_SCRATCH_MAX];
static uint8_t small[300];

static void
check(const uint8_t *buf, size_t len, const uint8_t *sc, size_t sclen,
    enum tls_status s, const struct tls_hello *h)
{
	if (h->name != NULL) {
		bool in_buf = h->name >= buf && h->name + h->name_len <= buf + len;
		bool in_sc = sc != NULL && h->name >= sc &&
		    h->name + h->name_len <= sc + sclen;

		if (!in_buf && !in_sc)
			abort();
	}
	if (s == TLS_NAME && (h->name == NULL ||
	    (h->flags & (TLS_F_BAD_NAME | TLS_F_IP_LITERAL))))
		abort();
	if (s == TLS_NEED_MORE && (h->flags & TLS_F_COMPLETE))
		abort();
	if ((h->flags & TLS_F_NO_SNI) && h->name != NULL)
		abort();
}

static void
same_decision(enum tls_status ps, const struct tls_hello *ph,
    enum tls_status s, const struct tls_hello *h)
{
	if (ps != TLS_NAME || s == TLS_MALFORMED)
		return;
	if (s != TLS_NAME || ph->name_len != h->name_len ||
	    memcmp(ph->name, h->name, h->name_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch2[TLS_SCRATCH_MAX];
	struct tls_hello h, ph;
	enum tls_status s, ps;

	s = tls_parse_stream(data, size, scratch, sizeof(scratch), &h);
	check(data, size, scratch, sizeof(scratch), s, &h);
	ps = tls_parse_stream(data, size / 2, scratch2, sizeof(scratch2), &ph);
	check(data, size / 2, scratch2, sizeof(scratch2), ps, &ph);
	same_decision(ps, &ph, s, &h);
	s = tls_parse_stream(data, size, small, sizeof(small), &h);
	check(data, size, small, sizeof(small), s, &h);
	if (size > 5) {
		s = tls_parse_handshake(data + 5, size - 5, &h);
		check(data + 5, size - 5, NULL, 0, s, &h);
		ps = tls_parse_handshake(data + 5, (size - 5) / 2, &ph);
		same_decision(ps, &ph, s, &h);
	}
	return 0;
}
