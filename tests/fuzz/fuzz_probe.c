/*
 * fuzz_probe.c - the audit's readers of what a network sends back:
 * probe_dns_reply_parse() (and probe_dns_blocked on what it kept),
 * probe_http_classify() on every prefix boundary the input suggests, and
 * probe_tls_classify(). None may read past the bytes given; a parsed
 * reply must keep its promises (at most PROBE_ADDRS addresses, an EDE
 * text that is printable and terminated).
 */
#include "../../daemon/audit/probe.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_dns_reply r;
	struct probe_stop stop = {.has4 = true, .has6 = true};
	uint8_t *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	int status = 0;

	memcpy(copy, data, size);
	if (probe_dns_reply_parse(copy, size, &r) == 0) {
		if (r.naddr > PROBE_ADDRS)
			__builtin_trap();
		if (strlen(r.ede_text) >= sizeof(r.ede_text))
			__builtin_trap();
		for (const char *s = r.ede_text; *s; s++)
			if (*s < 0x20 || *s > 0x7e)
				__builtin_trap();
		(void)probe_dns_blocked(&r, &stop);
	}
	(void)probe_http_classify(copy, size, size > 0 && data[0] & 1 ?
	    "http://192.0.2.1/" : NULL, &status);
	(void)probe_http_classify(copy, size / 2, NULL, &status);
	(void)probe_tls_classify(copy, size);
	free(copy);
	return 0;
}
