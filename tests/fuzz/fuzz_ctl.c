/* fuzz_ctl.c - the control socket's request parser on arbitrary bytes:
 * never crash, never read past the input, and a request it accepts is
 * well formed (known command, feed names and serials of the allowed
 * characters) and parses again to the same thing when printed back. */
#include "../../daemon/serve/ctl.c"

#include <assert.h>

#include "policy/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request rq, again;
	struct verr e;
	char *copy, line[CTL_REQ_MAX + 1];
	int n;

	/* an exact-size heap copy: ASan catches any read past the end */
	copy = malloc(size ? size : 1);
	if (size)
		memcpy(copy, data, size);
	if (ctl_request_parse(copy, size, &rq, &e) == -1) {
		assert(strlen(e.msg) > 0);
		free(copy);
		return 0;
	}
	free(copy);
	assert((unsigned)rq.cmd < CTL_NCMDS);
	assert(feed_name_ok(rq.feed, strlen(rq.feed)) || rq.feed[0] == '\0');
	if (rq.cmd == CTL_CONFIRM)
		assert(serial_ok(rq.serial, strlen(rq.serial)));
	else
		assert(rq.serial[0] == '\0');
	n = snprintf(line, sizeof(line), "%s%s%s%s%s", ctl_cmd_name(rq.cmd),
	    rq.serial[0] ? " " : "", rq.serial, rq.feed[0] ? " " : "", rq.feed);
	assert(n > 0 && (size_t)n < sizeof(line));
	assert(ctl_request_parse(line, (size_t)n, &again, &e) == 0);
	assert(again.cmd == rq.cmd);
	assert(strcmp(again.feed, rq.feed) == 0);
	assert(strcmp(again.serial, rq.serial) == 0);
	return 0;
}
