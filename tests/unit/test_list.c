/* test_list.c - the list parser: fields, canonical values, every required
 * field missing or ill-typed in turn, hostile bytes, limits, and the cJSON
 * arena hooks. */
#include "unit.h"

#include <pthread.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "policy/list.h"

static const struct list_limits lim = {1 << 30, 20000000};

/* The top-level fields of a good list, one per line, in order. */
static const char *const top[] = {
	"\"format\": \"veto-list/1\"",
	"\"feed\": \"test/unit\"",
	"\"serial\": \"100\"",
	"\"issued\": \"2026-01-01T00:00:00Z\"",
	"\"expires\": \"2036-01-01T00:00:00Z\"",
	"\"authority\": {\"name\": \"Unit\", \"url\": \"https://u.example/\"}",
	"\"categories\": {\"csam\": {\"label\": \"CSAM\"}, \"test\": {\"label\": \"Canary\"}}",
	"\"entries\": [{\"id\": \"e1\", \"type\": \"domain\", \"value\": \"bad.example\", \"cat\": \"csam\"}]",
};
static const char *const top_names[] = {"format", "feed", "serial", "issued",
	"expires", "authority", "categories", "entries"};

/* A list from the good fields, with field `skip` left out and field
 * `replace` replaced by `with` (indexes into top[], -1 for none). */
static char *
make(int skip, int replace, const char *with)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);

	n += (size_t)snprintf(buf + n, cap - n, "{\n");
	for (int i = 0; i < (int)ARRAY_LEN(top); i++) {
		const char *f = i == replace ? with : top[i];
		if (i == skip)
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s\n", n > 2 ? "," : "", f);
	}
	snprintf(buf + n, cap - n, "}\n");
	return buf;
}

static struct list *
parse_str(const char *s, struct verr *e)
{
	return list_parse((const uint8_t *)s, strlen(s), &lim, e);
}

/* Expect a refusal whose message contains every needle. */
static void
refused(const char *json, const char *needle1, const char *needle2)
{
	struct verr e;
	struct list *l = parse_str(json, &e);

	if (l != NULL)
		fail_msg("accepted: %s", json);
	if (strstr(e.msg, needle1) == NULL || (needle2 && strstr(e.msg, needle2) == NULL))
		fail_msg("message `%s' lacks `%s' / `%s'", e.msg, needle1,
		    needle2 ? needle2 : "");
}

static void
test_unit_list(void **state)
{
	uint8_t *buf, d[32];
	size_t len;
	struct verr e;
	struct list *l;

	(void)state;
	assert_int_equal(file_read(unit_data("lists/unit.json"), 1 << 20, &buf, &len, &e), 0);
	l = list_parse(buf, len, &lim, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	assert_string_equal(l->format, "veto-list/1");
	assert_string_equal(l->feed, "test/unit");
	assert_string_equal(l->serial, "100");
	assert_int_equal(l->issued, 1767225600);
	assert_int_equal(l->expires, 2082758400);
	assert_string_equal(list_text_get(&l->authority_name, "nl"), "Eenheid Meldpunt");
	assert_string_equal(list_text_get(&l->authority_name, "de"), "Unit Hotline");
	assert_string_equal(list_text_get(&l->authority_name, NULL), "Unit Hotline");
	assert_string_equal(list_text_get(&l->legal_basis, "nl"), "Test basis");
	assert_string_equal(l->authority_url, "https://hotline.example/");
	assert_string_equal(l->appeal_url, "https://hotline.example/appeal");
	assert_int_equal(l->ncats, 2);
	assert_string_equal(l->cats[0].id, "csam");
	assert_false(l->cats[0].canary);
	assert_true(l->cats[1].canary);
	assert_string_equal(list_text_get(&l->cats[1].label, "fr"), "Canary");
	assert_int_equal(list_cat_find(l, "test"), 1);
	assert_int_equal(list_cat_find(l, "nope"), -1);
	assert_int_equal(l->nentries, 5);
	assert_int_equal(l->count[LIST_DOMAIN], 2);
	assert_int_equal(l->count[LIST_HOST], 1);
	assert_int_equal(l->count[LIST_URL], 2);
	assert_int_equal(l->ncanaries, 1);
	assert_int_equal(l->nurl_https, 1);
	assert_string_equal(l->entries[0].id, "e1");
	assert_string_equal(l->entries[0].ref, "R-1");
	assert_null(l->entries[1].ref);
	/* canonical values */
	assert_string_equal(l->entries[1].value, "exact.example");
	assert_int_equal(l->entries[1].type, LIST_HOST);
	assert_string_equal(l->entries[2].value, "share.example/u/123/");
	assert_int_equal(l->entries[2].url_host_len, 13);
	assert_int_equal(l->entries[2].flags & LIST_ENTRY_HTTPS, 0);
	assert_int_equal(l->entries[3].flags & LIST_ENTRY_HTTPS, LIST_ENTRY_HTTPS);
	assert_string_equal(l->entries[3].value + l->entries[3].url_host_len, "/view?id=42");
	assert_int_equal(l->entries[4].cat, 1);
	/* digest and size */
	EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL);
	assert_memory_equal(l->digest, d, 32);
	assert_int_equal(l->size, len);
	/* dropping the entries keeps the counts and the metadata */
	list_drop_entries(l);
	assert_null(l->entries);
	assert_int_equal(l->count[LIST_URL], 2);
	assert_string_equal(l->cats[0].id, "csam");
	list_free(l);
	list_free(NULL);
	free(buf);
	assert_string_equal(list_type_name(LIST_URL), "url");
}

static void
test_required_missing(void **state)
{
	char *j;

	(void)state;
	for (int i = 0; i < (int)ARRAY_LEN(top); i++) {
		char needle[64];
		j = make(i, -1, NULL);
		snprintf(needle, sizeof(needle), "missing required field \"%s\"", top_names[i]);
		refused(j, needle, NULL);
		free(j);
	}
	/* nested required fields */
	j = make(-1, 5, "\"authority\": {\"url\": \"https://u.example/\"}");
	refused(j, "authority: missing required field \"name\"", NULL);
	free(j);
	j = make(-1, 6, "\"categories\": {\"csam\": {\"labels\": \"x\"}}");
	refused(j, "category \"csam\": missing required field \"label\"", NULL);
	free(j);
	static const char *const ef[] = {"id", "type", "value", "cat"};
	static const char *const ev[] = {"\"id\": \"x9\"", "\"type\": \"domain\"",
		"\"value\": \"bad.example\"", "\"cat\": \"csam\""};
	for (int i = 0; i < 4; i++) {
		char ent[512], needle[96];
		size_t n = (size_t)snprintf(ent, sizeof(ent), "\"entries\": [{\"id\": "
		    "\"e0\", \"type\": \"host\", \"value\": \"a.example\", \"cat\": "
		    "\"csam\"}, {");
		for (int k = 0, first = 1; k < 4; k++) {
			if (k == i)
				continue;
			n += (size_t)snprintf(ent + n, sizeof(ent) - n, "%s%s",
			    first ? "" : ", ", ev[k]);
			first = 0;
		}
		snprintf(ent + n, sizeof(ent) - n, "}]");
		j = make(-1, 7, ent);
		if (i == 0)
			snprintf(needle, sizeof(needle), "entry 1: missing required "
			    "field \"id\"");
		else
			snprintf(needle, sizeof(needle), "entry 1 (id \"x9\"): missing "
			    "required field \"%s\"", ef[i]);
		refused(j, needle, NULL);
		free(j);
	}
}

static void
test_wrong_types(void **state)
{
	static const struct {
		int field;
		const char *with, *needle;
	} cases[] = {
		{0, "\"format\": 1", "field \"format\" must be a string, not a number"},
		{1, "\"feed\": [\"x\"]", "field \"feed\" must be a string, not an array"},
		{2, "\"serial\": 2026112801", "field \"serial\" must be a string, not a number"},
		{2, "\"serial\": null", "field \"serial\" must be a string, not null"},
		{3, "\"issued\": true", "field \"issued\" must be a string, not a boolean"},
		{4, "\"expires\": {}", "field \"expires\" must be a string, not an object"},
		{5, "\"authority\": \"Unit\"", "field \"authority\" must be an object"},
		{5, "\"authority\": {\"name\": 5}", "field \"name\" must be a string or an object"},
		{5, "\"authority\": {\"name\": {\"en\": 5}}", "language \"en\" must be a string"},
		{5, "\"authority\": {\"name\": {}}", "must hold 1 to"},
		{5, "\"authority\": {\"name\": \"U\", \"url\": 1}", "field \"url\" must be a string"},
		{5, "\"authority\": {\"name\": \"U\", \"legal_basis\": [1]}", "field \"legal_basis\" must be a string or an object"},
		{6, "\"categories\": []", "field \"categories\" must be an object, not an array"},
		{6, "\"categories\": {\"csam\": \"x\"}", "category \"csam\" must be an object"},
		{7, "\"entries\": {}", "field \"entries\" must be an array, not an object"},
		{7, "\"entries\": [\"bad.example\"]", "entry 0: must be an object, not a string"},
		{7, "\"entries\": [{\"id\": 1, \"type\": \"domain\", \"value\": \"a.example\", \"cat\": \"csam\"}]", "entry 0: field \"id\" must be a string, not a number"},
		{7, "\"entries\": [{\"id\": \"e\", \"type\": 1, \"value\": \"a.example\", \"cat\": \"csam\"}]", "entry 0 (id \"e\"): field \"type\" must be a string"},
		{7, "\"entries\": [{\"id\": \"e\", \"type\": \"domain\", \"value\": [], \"cat\": \"csam\"}]", "entry 0 (id \"e\"): field \"value\" must be a string"},
		{7, "\"entries\": [{\"id\": \"e\", \"type\": \"domain\", \"value\": \"a.example\", \"cat\": \"csam\", \"ref\": 3}]", "field \"ref\" must be a string"},
		{7, "\"entries\": [{\"id\": \"e\", \"type\": \"ip\", \"value\": \"a.example\", \"cat\": \"csam\"}]", "type \"ip\" is not domain, host or url"},
		{7, "\"entries\": [{\"id\": \"e\", \"type\": \"domain\", \"value\": \"a.example\", \"cat\": \"xxx\"}]", "category \"xxx\" is not defined"},
		{0, "\"format\": \"veto-list/2\"", "\"veto-list/2\" is not supported"},
		{1, "\"feed\": \"two words\"", "is not a feed id"},
		{3, "\"issued\": \"yesterday\"", "\"yesterday\" is not an RFC 3339 time"},
		{4, "\"expires\": \"2025-01-01T00:00:00Z\"", "is not after \"issued\""},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *j = make(-1, cases[i].field, cases[i].with);
		refused(j, cases[i].needle, NULL);
		free(j);
	}
}

static void
test_serial(void **state)
{
	struct verr e;
	struct list *l;
	char *j, big[200], field[256];

	(void)state;
	/* 100 digits: far beyond 64 bits, kept exactly */
	memset(big, '9', 100);
	big[100] = '\0';
	snprintf(field, sizeof(field), "\"serial\": \"%s\"", big);
	j = make(-1, 2, field);
	l = parse_str(j, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	assert_string_equal(l->serial, big);
	assert_true(decimal_cmp(l->serial, "99999999999999999999") > 0);
	list_free(l);
	free(j);
	/* leading zeros are kept as written, compared as numbers */
	j = make(-1, 2, "\"serial\": \"000123\"");
	l = parse_str(j, &e);
	assert_non_null(l);
	assert_int_equal(decimal_cmp(l->serial, "123"), 0);
	list_free(l);
	free(j);
	memset(big, '1', LIST_SERIAL_MAX + 1);
	big[LIST_SERIAL_MAX + 1] = '\0';
	snprintf(field, sizeof(field), "\"serial\": \"%s\"", big);
	j = make(-1, 2, field);
	refused(j, "is not a decimal number of 1 to 128 digits", NULL);
	free(j);
	static const char *const bad[] = {"\"serial\": \"\"", "\"serial\": \"-1\"",
		"\"serial\": \"12a\"", "\"serial\": \"1e9\"", "\"serial\": \" 1\""};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		j = make(-1, 2, bad[i]);
		refused(j, "field \"serial\"", "is not a decimal number");
		free(j);
	}
	/* a huge JSON number where the serial should be */
	memset(big, '9', 150);
	big[150] = '\0';
	snprintf(field, sizeof(field), "\"serial\": %s", big);
	j = make(-1, 2, field);
	refused(j, "field \"serial\" must be a string, not a number", NULL);
	free(j);
}

static void
test_bad_bytes(void **state)
{
	static const struct {
		const char *bytes, *needle;
	} cases[] = {
		{"\xff", "is not valid UTF-8"},
		{"\xc0\xaf", "is not valid UTF-8"},		/* overlong '/' */
		{"\xe0\x80\xaf", "is not valid UTF-8"},		/* overlong */
		{"\xed\xa0\x80", "is not valid UTF-8"},		/* surrogate */
		{"\xf4\x90\x80\x80", "is not valid UTF-8"},	/* > U+10FFFF */
		{"\xc3", "is not valid UTF-8"},			/* cut short */
		{"\x01", "control byte 0x01"},
		{"\x7f\x1b", "control byte 0x1b"},
	};
	struct verr e;
	struct list *l;
	char *j, field[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(field, sizeof(field), "\"authority\": {\"name\": \"U%s\"}",
		    cases[i].bytes);
		j = make(-1, 5, field);
		refused(j, cases[i].needle, "line 7");
		free(j);
	}
	/* valid UTF-8 of every length is fine */
	j = make(-1, 5, "\"authority\": {\"name\": \"\xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80\"}");
	l = parse_str(j, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	assert_string_equal(list_text_get(&l->authority_name, NULL),
	    "\xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80");
	list_free(l);
	free(j);
	/* \u0000 would cut the string short: refused; an escaped backslash
	 * followed by "u0000" is only text */
	j = make(-1, 7, "\"entries\": [{\"id\": \"e\", \"type\": \"domain\", "
	    "\"value\": \"bad.example\\u0000.good.example\", \"cat\": \"csam\"}]");
	refused(j, "\\u0000 (a NUL character)", NULL);
	free(j);
	j = make(-1, 5, "\"authority\": {\"name\": \"a\\\\u0000b\"}");
	l = parse_str(j, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	assert_string_equal(list_text_get(&l->authority_name, NULL), "a\\u0000b");
	list_free(l);
	free(j);
	/* a NUL byte in the buffer */
	j = make(-1, -1, NULL);
	j[3] = '\0';
	l = list_parse((const uint8_t *)j, strlen(j + 4) + 4, &lim, &e);
	assert_null(l);
	assert_non_null(strstr(e.msg, "control byte 0x00"));
	free(j);
}

static void
test_syntax(void **state)
{
	char *j, *deep;
	size_t n = 0;
	struct verr e;
	struct list *l;

	(void)state;
	refused("", "not valid JSON", NULL);
	refused("[]", "the list is an array, not a JSON object", NULL);
	refused("{\"format\": ", "not valid JSON", NULL);
	refused("{} {}", "data after the JSON object", NULL);
	j = make(-1, -1, NULL);
	j[strlen(j) - 2] = ' ';	/* drop the closing brace */
	refused(j, "not valid JSON", NULL);
	free(j);
	/* deeply nested, in an unknown field: cJSON's limit holds */
	deep = malloc(20000 + 64);
	n += (size_t)snprintf(deep, 64, "\"x\": ");
	for (int i = 0; i < 5000; i++)
		deep[n++] = '[';
	for (int i = 0; i < 5000; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	j = make(-1, 0, deep);
	/* format replaced by the deep field: refused either way, no crash */
	refused(j, "line", NULL);
	free(j);
	/* 500 levels in an unknown field are fine and ignored */
	n = (size_t)snprintf(deep, 64, "\"format\": \"veto-list/1\", \"x\": ");
	for (int i = 0; i < 500; i++)
		deep[n++] = '[';
	for (int i = 0; i < 500; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	j = make(-1, 0, deep);
	l = parse_str(j, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	list_free(l);
	free(j);
	free(deep);
	/* a known field twice */
	j = make(-1, 1, "\"feed\": \"a/b\", \"feed\": \"c/d\"");
	refused(j, "field \"feed\" appears twice", NULL);
	free(j);
	j = make(-1, 7, "\"entries\": [{\"id\": \"e\", \"type\": \"domain\", \"value\": "
	    "\"a.example\", \"value\": \"b.example\", \"cat\": \"csam\"}]");
	refused(j, "entry 0 (id \"e\"): field \"value\" appears twice", NULL);
	free(j);
}

static void
test_entries(void **state)
{
	struct verr e;
	struct list *l;
	char *j, *ent, field[4096];

	(void)state;
	/* empty entries: a valid (if useless) list */
	j = make(-1, 7, "\"entries\": []");
	l = parse_str(j, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(l->nentries, 0);
	assert_non_null(l->entries);
	list_free(l);
	free(j);
	/* duplicate ids: both indexes named */
	j = make(-1, 7, "\"entries\": ["
	    "{\"id\": \"a\", \"type\": \"domain\", \"value\": \"a.example\", \"cat\": \"csam\"},"
	    "{\"id\": \"b\", \"type\": \"domain\", \"value\": \"b.example\", \"cat\": \"csam\"},"
	    "{\"id\": \"a\", \"type\": \"host\", \"value\": \"c.example\", \"cat\": \"csam\"}]");
	refused(j, "entry 2 (id \"a\"): duplicate id, first used by entry 0", NULL);
	free(j);
	/* invalid values, quoted */
	static const struct {
		const char *type, *value, *needle;
	} bad[] = {
		{"domain", "a..b.example", "value \"a..b.example\" is not a valid name"},
		{"host", "exa mple.com", "value \"exa mple.com\" is not a valid name"},
		{"domain", "", "value \"\" is not a valid name"},
		{"domain", "192.0.2.1", "is an IP address"},
		{"url", "http:///path", "is not a valid URL"},
		{"url", "http://a..b/x", "is not a valid URL"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(field, sizeof(field), "\"entries\": [{\"id\": \"v%zu\", "
		    "\"type\": \"%s\", \"value\": \"%s\", \"cat\": \"csam\"}]", i,
		    bad[i].type, bad[i].value);
		j = make(-1, 7, field);
		refused(j, bad[i].needle, "(id \"v");
		free(j);
	}
	/* over-long: names > 253 bytes, URLs > 2048 bytes */
	ent = malloc(3000);
	for (int i = 0; i < 254; i++)
		ent[i] = (i % 10 == 9) ? '.' : 'a';
	ent[254] = '\0';
	snprintf(field, sizeof(field), "\"entries\": [{\"id\": \"long\", \"type\": "
	    "\"domain\", \"value\": \"%s\", \"cat\": \"csam\"}]", ent);
	j = make(-1, 7, field);
	refused(j, "is longer than 253 bytes", "entry 0 (id \"long\")");
	free(j);
	memcpy(ent, "http://a.example/", 17);
	memset(ent + 17, 'p', 2049 - 17);
	ent[2049] = '\0';
	snprintf(field, sizeof(field), "\"entries\": [{\"id\": \"u\", \"type\": "
	    "\"url\", \"value\": \"%s\", \"cat\": \"csam\"}]", ent);
	j = make(-1, 7, field);
	refused(j, "is longer than 2048 bytes", "entry 0 (id \"u\")");
	free(j);
	/* a URL of exactly 2048 bytes is fine */
	ent[2048] = '\0';
	snprintf(field, sizeof(field), "\"entries\": [{\"id\": \"u\", \"type\": "
	    "\"url\", \"value\": \"%s\", \"cat\": \"csam\"}]", ent);
	j = make(-1, 7, field);
	l = parse_str(j, &e);
	if (l == NULL)
		fail_msg("%s", e.msg);
	list_free(l);
	free(j);
	free(ent);
	/* an over-long id */
	memset(field, 0, sizeof(field));
	{
		char id[LIST_ID_MAX + 2];
		memset(id, 'i', LIST_ID_MAX + 1);
		id[LIST_ID_MAX + 1] = '\0';
		snprintf(field, sizeof(field), "\"entries\": [{\"id\": \"%s\", \"type\": "
		    "\"domain\", \"value\": \"a.example\", \"cat\": \"csam\"}]", id);
		j = make(-1, 7, field);
		refused(j, "field \"id\" is longer than 128 bytes", NULL);
		free(j);
	}
}

static void
test_max_entries(void **state)
{
	struct list_limits small = {1 << 20, 2};
	struct verr e;
	struct list *l;
	char *j;

	(void)state;
	j = make(-1, 7, "\"entries\": ["
	    "{\"id\": \"a\", \"type\": \"domain\", \"value\": \"a.example\", \"cat\": \"csam\"},"
	    "{\"id\": \"b\", \"type\": \"domain\", \"value\": \"b.example\", \"cat\": \"csam\"},"
	    "{\"id\": \"c\", \"type\": \"domain\", \"value\": \"c.example\", \"cat\": \"csam\"}]");
	l = list_parse((uint8_t *)j, strlen(j), &small, &e);
	assert_null(l);
	assert_non_null(strstr(e.msg, "3 entries, more than list_max_entries (2)"));
	small.max_entries = 3;
	l = list_parse((uint8_t *)j, strlen(j), &small, &e);
	assert_non_null(l);
	list_free(l);
	small.max_bytes = 100;
	l = list_parse((uint8_t *)j, strlen(j), &small, &e);
	assert_null(l);
	assert_non_null(strstr(e.msg, "more than list_max_bytes (100)"));
	free(j);
}

/* The hooks send only list_parse()'s allocations to its arena: other
 * cJSON users, on this thread and on others, keep malloc/free. Under ASan
 * a mix-up is a crash or a leak report. */
static void *
other_json_user(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		cJSON *j = cJSON_Parse("{\"a\": [1, 2, {\"b\": \"c\"}]}");
		char *s = cJSON_PrintUnformatted(j);
		assert_string_equal(s, "{\"a\":[1,2,{\"b\":\"c\"}]}");
		cJSON_free(s);
		cJSON_Delete(j);
	}
	return NULL;
}

static void *
parser(void *arg)
{
	const char *json = arg;
	struct verr e;

	for (int i = 0; i < 200; i++) {
		struct list *l = parse_str(json, &e);
		assert_non_null(l);
		list_free(l);
	}
	return NULL;
}

static void
test_hooks(void **state)
{
	pthread_t t[3];
	cJSON *before;
	char *j = make(-1, -1, NULL);

	(void)state;
	/* a tree made with malloc before the hooks exist survives them */
	before = cJSON_Parse("[1, 2, 3]");
	list_init();
	pthread_create(&t[0], NULL, other_json_user, NULL);
	pthread_create(&t[1], NULL, parser, j);
	pthread_create(&t[2], NULL, parser, j);
	other_json_user(NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(cJSON_GetArraySize(before), 3);
	cJSON_Delete(before);
	free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_list),
		cmocka_unit_test(test_required_missing),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_hooks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
