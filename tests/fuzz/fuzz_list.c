/*
 * fuzz_list.c - the list parser (UTF-8 and NUL checks, the structural
 * scanner with cJSON per value and the arena hooks, every field) and the
 * guardrails on whatever it accepts.
 *
 * Oracle: a document list_parse() accepts must also be one JSON value for
 * cJSON parsing it whole (the scanner must never accept what JSON does
 * not), unless it nests near cJSON's depth limit, which the scanner
 * counts per entry.
 */
#include "../../daemon/policy/list.c"

#include <stdint.h>

#include "trust/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
only_ws(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct list_limits lim = {1 << 20, 10000};
	static struct guard *g;
	struct verr e;
	struct list *l;
	char *report;

	if (g == NULL) {
		static const char never[] = "www.protected.example\nkeep.example\n";
		g = guard_new_text(never, sizeof(never) - 1, "never", &e);
		if (g == NULL)
			abort();
	}
	l = list_parse(data, size, &lim, &e);
	if (l == NULL)
		return 0;
	{
		const char *end = NULL;
		size_t opens = 0;
		cJSON *whole;

		for (size_t i = 0; i < size; i++)
			opens += data[i] == '[' || data[i] == '{';
		whole = cJSON_ParseWithLengthOpts((const char *)data, size, &end, 0);
		if (opens < 900 && (whole == NULL ||
		    !only_ws(end, (const char *)data + size)))
			abort();
		cJSON_Delete(whole);
	}
	/* what the rest of veto reads must be there and consistent */
	if (l->nentries != l->count[LIST_DOMAIN] + l->count[LIST_HOST] +
	    l->count[LIST_URL])
		abort();
	for (size_t i = 0; i < l->nentries; i++) {
		const struct list_entry *le = &l->entries[i];
		if (le->cat >= l->ncats || le->id == NULL || le->value == NULL ||
		    (le->type == LIST_URL && le->url_host_len >= strlen(le->value)))
			abort();
	}
	for (uint32_t i = 0; i < l->ncats; i++)
		(void)strlen(list_text_get(&l->cats[i].label, "nl"));
	(void)strlen(list_text_get(&l->authority_name, "en"));
	if (guard_check(g, l, &report, &e) > 0)
		free(report);
	list_drop_entries(l);
	list_free(l);
	return 0;
}
