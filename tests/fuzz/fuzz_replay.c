/*
 * fuzz_replay.c - `veto replay`'s engine on arbitrary frames: the input is
 * a sequence of frames, each a 1-byte link type selector, a 2-byte length
 * and the bytes, run through replay_frame() (link layers, the connection
 * table, inspect()) with the demo list's entries. Frames of one input
 * share the table, so flows, decisions and the connbytes cap are reached.
 * The engine (a large reassembly table) is made once and kept across
 * inputs, as `veto replay` keeps it across a capture.
 */
#include "../../daemon/audit/replay.c"

#include "policy/list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char list_json[] =
    "{\"format\":\"veto-list/1\",\"feed\":\"f\",\"serial\":\"1\","
    "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\","
    "\"authority\":{\"name\":\"A\"},\"categories\":{\"c\":{\"label\":\"c\"}},"
    "\"entries\":[{\"id\":\"d1\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"c\"},"
    "{\"id\":\"u1\",\"type\":\"url\",\"value\":\"share.example/u/\",\"cat\":\"c\"}]}";

static struct policy *pol;

static void
init(void)
{
	struct list_limits lim = {1 << 20, 1000};
	struct conf *c = conf_default();
	struct list *l;
	int health = FEED_OK;
	struct verr e;

	c->feeds = xcalloc(1, sizeof(*c->feeds));
	c->feeds[0].name = xstrdup("f");
	c->nfeeds = 1;
	l = list_parse((const uint8_t *)list_json, sizeof(list_json) - 1, &lim, &e);
	if (l == NULL || (pol = policy_build(c, &l, &health, NULL, &e)) == NULL)
		__builtin_trap();
	list_unref(l);
	conf_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = {REPLAY_DLT_EN10MB, REPLAY_DLT_LINUX_SLL,
	    REPLAY_DLT_LINUX_SLL2, REPLAY_DLT_RAW, REPLAY_DLT_NULL, 147,
	    REPLAY_DLT_PPP, REPLAY_DLT_PPP_SERIAL, REPLAY_DLT_PPP_ETHER,
	    REPLAY_DLT_C_HDLC, REPLAY_DLT_PPP_WITH_DIR,
	    REPLAY_DLT_C_HDLC_WITH_DIR};
	static struct replay *r;
	static uint64_t ts = 1000000;
	struct verr e;

	if (pol == NULL)
		init();
	if (r == NULL && (r = replay_new(pol, &e)) == NULL)
		__builtin_trap();
	while (size >= 3) {
		int dlt = dlts[data[0] % ARRAY_LEN(dlts)];
		size_t len = MIN((size_t)(data[1] << 8 | data[2]), size - 3);
		uint8_t *f = malloc(len ? len : 1);
		memcpy(f, data + 3, len);
		replay_frame(r, dlt, f, len, len, ts);
		ts += (uint64_t)(data[0] >> 3) * 100000;
		free(f);
		data += 3 + len;
		size -= 3 + len;
	}
	return 0;
}
