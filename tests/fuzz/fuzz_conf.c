/*
 * fuzz_conf.c - veto.conf parsing and validation from bytes (conf_parse),
 * and printing whatever it accepts.
 */
#include "../../daemon/core/conf.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct verr e;
	struct conf *c;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	c = conf_parse((const char *)data, size, "fuzz.conf", &e);
	if (c == NULL)
		return 0;
	conf_print(devnull, c);
	for (unsigned i = 0; i < c->nfeeds; i++)
		if (conf_feed(c, c->feeds[i].name) != &c->feeds[i])
			abort();
	conf_free(c);
	return 0;
}
