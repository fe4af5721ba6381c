/* fuzz_inspect.c - inspect() on a stream of fuzz-made packets: the input is
 * a sequence of [2-byte length][packet] records fed in order through one
 * context (so reassembly, flow state, QUIC keys and the decision cache
 * carry over between packets), with a policy holding every kind of entry.
 * Nothing may crash, leak or read out of bounds, and every forged packet
 * must parse as a packet.
 *
 * The context is built once per process (its reassembly table, QUIC
 * crypto and match cache cost far more than a run) and reset between
 * inputs through the public API only: each input runs in its own epoch of
 * the clock, a day after the previous one, and ends with inspect_tick() a
 * day later, which expires every flow it made; the match cache only holds
 * what the policy says, so it carries nothing from one input to the next. */
#include "../../daemon/engine/inspect.c"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char list_text[] =
    "{\"format\":\"veto-list/1\",\"feed\":\"f/z\",\"serial\":\"1\","
    "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\","
    "\"authority\":{\"name\":\"Z\"},\"categories\":{\"c\":{\"label\":\"c\"}},"
    "\"entries\":["
    "{\"id\":\"d\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"c\"},"
    "{\"id\":\"h\",\"type\":\"host\",\"value\":\"exact.example\",\"cat\":\"c\"},"
    "{\"id\":\"u\",\"type\":\"url\",\"value\":\"share.example/u/\",\"cat\":\"c\"}]}";

#define EPOCH_MS (24ull * 3600 * 1000)

static struct policy *pol;
static struct stats_thread *st;
static struct inspect_ctx *ctx;
static uint64_t epoch = EPOCH_MS;

static void
init(void)
{
	const struct list_limits lim = {1 << 16, 100};
	static const char conf_text[] =
	    "stop_page_ipv4 = 192.0.2.1\nstop_page_ipv6 = 2001:db8:ff::1\n"
	    "list_file = /x\nlist_key = RWQ\nlist_feed = f/z\n";
	struct verr e;
	struct conf *c = conf_parse(conf_text, sizeof(conf_text) - 1, "fuzz", &e);
	struct list *l = list_parse((const uint8_t *)list_text,
	    sizeof(list_text) - 1, &lim, &e);
	int health = FEED_OK;

	assert(c != NULL && l != NULL);
	pol = policy_build(c, &l, &health, NULL, &e);
	assert(pol != NULL);
	st = stats_thread_new();
	ctx = inspect_ctx_new(pol->conf, st, true, &e);
	assert(ctx != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inspect_result r;
	uint64_t now;

	if (pol == NULL)
		init();
	now = epoch;
	while (size >= 3) {
		size_t n = (size_t)(data[0] << 8 | data[1]) % 2048;
		struct inspect_meta m = {now, data[2] & 3};

		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		inspect(ctx, pol, data, n, &m, &r);
		for (unsigned i = 0; i < r.nout; i++) {
			struct pkt p;
			assert(pkt_parse(r.out[i].data, r.out[i].len, &p) == PKT_OK);
		}
		data += n;
		size -= n;
		now += 7;
	}
	epoch = now + EPOCH_MS;
	inspect_tick(ctx, epoch);
	assert(inspect_flow_stats(ctx)->flows == 0 &&
	    inspect_flow_stats(ctx)->mem_used == 0);
	return 0;
}
