/* list.c - parse a verified list with cJSON into struct list. See list.h. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "core/hash.h"
#include "policy/list.h"
#include "policy/norm.h"

/*
 * cJSON's memory: a throw-away arena of chunks, bump-allocated. The scanner
 * resets the entry arena before each entry, so one entry's tree (a few
 * hundred bytes) is built in the same cache-warm chunk every time and a
 * 10M-entry list never has more than one entry's tree alive. A value
 * larger than a chunk gets a chunk of its own, dropped at the next reset.
 */
struct tree_chunk {
	struct tree_chunk *next;
	size_t size;
	max_align_t data[];
};

struct tree_mem {
	struct tree_chunk *head;	/* newest first; the oldest is kept */
	uint8_t *cur, *end;
	size_t chunk;			/* usable bytes of a normal chunk */
};

static void *
tree_alloc(struct tree_mem *t, size_t n)
{
	struct tree_chunk *c;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if ((size_t)(t->end - t->cur) < n) {
		size = MAX(t->chunk, n);
		if ((c = malloc(sizeof(*c) + size)) == NULL)
			return NULL;
		c->next = t->head;
		c->size = size;
		t->head = c;
		t->cur = (uint8_t *)c->data;
		t->end = t->cur + size;
	}
	p = t->cur;
	t->cur += n;
	return p;
}

static void
tree_free(struct tree_mem *t)
{
	struct tree_chunk *c, *next;

	for (c = t->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(t, 0, sizeof(*t));
}

/* Drop everything allocated, keeping the oldest chunk for reuse. */
static void
tree_reset(struct tree_mem *t)
{
	struct tree_chunk *c = t->head, *next;

	if (c == NULL)
		return;
	while (c->next != NULL) {
		next = c->next;
		free(c);
		c = next;
	}
	t->head = c;
	t->cur = (uint8_t *)c->data;
	t->end = t->cur + c->size;
}

/*
 * cJSON allocation hooks. While list_parse() runs on a thread, json_tree
 * is set there and every cJSON allocation on that thread comes from it;
 * frees are no-ops (the tree is dropped whole). Other threads, and this
 * one outside list_parse(), get plain malloc()/free().
 */
static __thread struct tree_mem *json_tree;
static __thread bool json_oom;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *
json_malloc(size_t n)
{
	void *p;

	if (json_tree == NULL)
		return malloc(n);
	if ((p = tree_alloc(json_tree, n)) == NULL)
		json_oom = true;
	return p;
}

static void
json_free(void *p)
{
	if (json_tree == NULL)
		free(p);
}

static void
hooks_install(void)
{
	cJSON_Hooks h = {json_malloc, json_free};

	cJSON_InitHooks(&h);
}

void
list_init(void)
{
	pthread_once(&hooks_once, hooks_install);
}

const char *
list_type_name(enum list_entry_type t)
{
	static const char *const names[] = {"domain", "host", "url"};

	return (unsigned)t < LIST_NTYPES ? names[t] : "?";
}

const char *
list_text_get(const struct list_text *t, const char *lang)
{
	const char *plain = NULL, *en = NULL;

	if (t == NULL || t->n == 0)
		return "";
	for (unsigned i = 0; i < t->n; i++) {
		const char *l = t->items[i].lang;
		if (l == NULL)
			plain = t->items[i].text;
		else if (lang != NULL && strcasecmp(l, lang) == 0)
			return t->items[i].text;
		else if (strcasecmp(l, "en") == 0)
			en = t->items[i].text;
	}
	if (en != NULL)
		return en;
	if (plain != NULL)
		return plain;
	return t->items[0].text;
}

int
list_cat_find(const struct list *l, const char *id)
{
	for (uint32_t i = 0; i < l->ncats; i++)
		if (strcmp(l->cats[i].id, id) == 0)
			return (int)i;
	return -1;
}

void
list_drop_entries(struct list *l)
{
	if (l == NULL)
		return;
	arena_free(l->bulk);
	free(l->entries);
	l->bulk = NULL;
	l->entries = NULL;
}

void
list_free(struct list *l)
{
	struct arena *meta;

	if (l == NULL)
		return;
	arena_free(l->bulk);
	free(l->entries);
	meta = l->meta;		/* the struct itself lives in meta */
	arena_free(meta);
}

/* --- checks on the raw bytes --------------------------------------------- */

/* Length of a valid UTF-8 sequence at p (max n bytes), or 0. */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t b = p[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xbf;

	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (b == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (b == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (b == 0xf0)
		lo = 0x90;		/* overlong */
	else if (b == 0xf4)
		hi = 0x8f;		/* > U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static size_t
line_of(const uint8_t *buf, size_t off)
{
	size_t line = 1;

	for (const uint8_t *p = buf; (p = memchr(p, '\n', off - (size_t)(p - buf))) != NULL; p++)
		line++;
	return line;
}

/* JSON text is UTF-8 with no control bytes but tab, CR and LF (RFC 8259);
 * eight ASCII bytes at a time on the fast path. */
static bool
bytes_check(const uint8_t *buf, size_t len, struct verr *e)
{
	size_t i = 0;
	const uint8_t *hit;

	while (i < len) {
		uint64_t w;
		size_t n;

		if (i + 8 <= len) {
			memcpy(&w, buf + i, 8);
			if (((w | (w - 0x2020202020202020ULL)) &
			    0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if (buf[i] >= 0x20 && buf[i] < 0x80) {
			i++;
		} else if (buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r') {
			i++;
		} else if (buf[i] < 0x20) {
			verr_set(e, "line %zu: control byte 0x%02x at byte %zu",
			    line_of(buf, i), buf[i], i);
			return false;
		} else if ((n = utf8_seq(buf + i, len - i)) == 0) {
			verr_set(e, "line %zu: byte %zu (0x%02x) is not valid UTF-8",
			    line_of(buf, i), i, buf[i]);
			return false;
		} else {
			i += n;
		}
	}
	/* \u0000 would cut the C string cJSON makes: refuse it */
	for (const uint8_t *p = buf; (hit = memmem(p, len - (size_t)(p - buf),
	    "\\u0000", 6)) != NULL; p = hit + 1) {
		size_t k = 0;
		while (hit - k > buf && hit[-(ptrdiff_t)k - 1] == '\\')
			k++;
		if (k % 2 == 0) {	/* the backslash is not itself escaped */
			verr_set(e, "line %zu: \\u0000 (a NUL character) at byte %zu",
			    line_of(buf, (size_t)(hit - buf)), (size_t)(hit - buf));
			return false;
		}
	}
	return true;
}

/* --- helpers on the cJSON tree ------------------------------------------ */

/* Where the parser is, for messages. Formatted only when a message needs
 * it: a million entries must not cost a million snprintf() calls. */
enum where_kind { W_TOP, W_AUTHORITY, W_CATEGORY, W_ENTRY, W_ENTRY_ID };

struct parse {
	struct list *l;
	struct verr *e;
	enum where_kind kind;
	size_t idx;			/* W_ENTRY* */
	const char *name;		/* W_CATEGORY: its id; W_ENTRY_ID: the id */
	size_t cap;			/* entries allocated */
	char wbuf[LIST_ID_MAX * 4 + 96];
};

/* "", "authority: ", "category \"csam\": ", "entry 12 (id \"e12\"): " */
static const char *
where(struct parse *p)
{
	char id[LIST_ID_MAX * 4 + 1];

	switch (p->kind) {
	case W_TOP:
		return "";
	case W_AUTHORITY:
		return "authority: ";
	case W_CATEGORY:
		snprintf(p->wbuf, sizeof(p->wbuf), "category \"%s\": ", p->name);
		break;
	case W_ENTRY:
		snprintf(p->wbuf, sizeof(p->wbuf), "entry %zu: ", p->idx);
		break;
	case W_ENTRY_ID:
		str_quote(id, sizeof(id), p->name, strlen(p->name));
		snprintf(p->wbuf, sizeof(p->wbuf), "entry %zu (id \"%s\"): ",
		    p->idx, id);
		break;
	}
	return p->wbuf;
}

/* Quote a value for a message: printable, at most 100 bytes shown. */
static const char *
q(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);

	str_quote(buf, size - 4, s, MIN(n, (size_t)100));
	if (n > 100)
		memcpy(buf + strlen(buf), "...", 4);	/* room kept above */
	return buf;
}

static const char *
json_type(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "invalid";
}

static bool
want_string(struct parse *p, const cJSON *j, const char *field, size_t max)
{
	if (j == NULL) {
		verr_set(p->e, "%smissing required field \"%s\"", where(p), field);
		return false;
	}
	if (!cJSON_IsString(j) || j->valuestring == NULL) {
		verr_set(p->e, "%sfield \"%s\" must be a string, not %s",
		    where(p), field, json_type(j));
		return false;
	}
	if (max > 0 && strlen(j->valuestring) > max) {
		char b[128];
		verr_set(p->e, "%sfield \"%s\" is longer than %zu bytes: \"%s\"",
		    where(p), field, max, q(b, sizeof(b), j->valuestring));
		return false;
	}
	return true;
}

static bool
want_object(struct parse *p, const cJSON *j, const char *field)
{
	if (j == NULL) {
		verr_set(p->e, "%smissing required field \"%s\"", where(p), field);
		return false;
	}
	if (!cJSON_IsObject(j)) {
		verr_set(p->e, "%sfield \"%s\" must be an object, not %s",
		    where(p), field, json_type(j));
		return false;
	}
	return true;
}

static char *
meta_dup(struct parse *p, const char *s)
{
	char *d = arena_strndup(p->l->meta, s, strlen(s));

	if (d == NULL)
		verr_set(p->e, "out of memory");
	return d;
}

static bool
valid_lang(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 35)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '-' && *s != '_')
			return false;
	return true;
}

/* Text shown to people: a string, or an object of strings per language. */
static bool
parse_text(struct parse *p, const cJSON *j, const char *field,
    struct list_text *t, bool required)
{
	const cJSON *c;
	unsigned n = 0;
	char b[128];

	memset(t, 0, sizeof(*t));
	if (j == NULL && !required)
		return true;
	if (j == NULL) {
		verr_set(p->e, "%smissing required field \"%s\"", where(p), field);
		return false;
	}
	if (cJSON_IsString(j)) {
		if (!want_string(p, j, field, LIST_TEXT_MAX))
			return false;
		t->items = arena_alloc(p->l->meta, sizeof(*t->items));
		if (t->items == NULL || (t->items[0].text = meta_dup(p, j->valuestring)) == NULL)
			return verr_set(p->e, "out of memory"), false;
		t->items[0].lang = NULL;
		t->n = 1;
		return true;
	}
	if (!cJSON_IsObject(j)) {
		verr_set(p->e, "%sfield \"%s\" must be a string or an object of "
		    "strings per language, not %s", where(p), field, json_type(j));
		return false;
	}
	cJSON_ArrayForEach(c, j)
		n++;
	if (n == 0 || n > LIST_MAX_LANGS) {
		verr_set(p->e, "%sfield \"%s\" must hold 1 to %d languages, not %u",
		    where(p), field, LIST_MAX_LANGS, n);
		return false;
	}
	t->items = arena_alloc(p->l->meta, n * sizeof(*t->items));
	if (t->items == NULL)
		return verr_set(p->e, "out of memory"), false;
	cJSON_ArrayForEach(c, j) {
		if (!valid_lang(c->string)) {
			verr_set(p->e, "%sfield \"%s\": \"%s\" is not a language tag",
			    where(p), field, q(b, sizeof(b), c->string));
			return false;
		}
		if (!cJSON_IsString(c) || strlen(c->valuestring) > LIST_TEXT_MAX) {
			verr_set(p->e, "%sfield \"%s\": language \"%s\" must be a "
			    "string of at most %d bytes", where(p), field, c->string,
			    LIST_TEXT_MAX);
			return false;
		}
		t->items[t->n].lang = meta_dup(p, c->string);
		t->items[t->n].text = meta_dup(p, c->valuestring);
		if (t->items[t->n].lang == NULL || t->items[t->n].text == NULL)
			return false;
		t->n++;
	}
	return true;
}

static bool
optional_string(struct parse *p, const cJSON *j, const char *field,
    size_t max, const char **out)
{
	*out = NULL;
	if (j == NULL)
		return true;
	if (!want_string(p, j, field, max))
		return false;
	return (*out = meta_dup(p, j->valuestring)) != NULL;
}

/* Walk an object's members once, picking the named fields. A known field
 * given twice is refused (two parsers could read different values): the
 * name of the first such field is returned (NULL if none), for the caller
 * to report once it knows where it is (an entry's id). */
static const char *
pick_fields(const cJSON *obj, const char *const *names, const cJSON **out,
    unsigned n)
{
	const cJSON *c;
	const char *dup = NULL;

	memset(out, 0, n * sizeof(*out));
	cJSON_ArrayForEach(c, obj) {
		for (unsigned i = 0; i < n; i++) {
			if (c->string[0] != names[i][0] || strcmp(c->string, names[i]) != 0)
				continue;
			if (out[i] != NULL && dup == NULL)
				dup = names[i];
			out[i] = c;
			break;
		}
	}
	return dup;
}

static bool
no_dup(struct parse *p, const char *dup)
{
	if (dup == NULL)
		return true;
	verr_set(p->e, "%sfield \"%s\" appears twice", where(p), dup);
	return false;
}

/* --- the top level ------------------------------------------------------- */

enum { F_FORMAT, F_FEED, F_SERIAL, F_ISSUED, F_EXPIRES, F_AUTHORITY,
	F_CATEGORIES, F_ENTRIES, F_NFIELDS };
static const char *const top_fields[F_NFIELDS] = {"format", "feed", "serial",
	"issued", "expires", "authority", "categories", "entries"};

static bool
parse_time(struct parse *p, const cJSON *j, const char *field, time_t *out)
{
	char b[128];

	if (!want_string(p, j, field, 64))
		return false;
	if (!time_parse_rfc3339(j->valuestring, out)) {
		verr_set(p->e, "field \"%s\": \"%s\" is not an RFC 3339 time such "
		    "as 2026-11-28T10:00:00Z", field, q(b, sizeof(b), j->valuestring));
		return false;
	}
	return true;
}

static bool
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f)
			return false;
	return true;
}

static bool
parse_header(struct parse *p, const cJSON **f)
{
	struct list *l = p->l;
	char b[192];

	if (!want_string(p, f[F_FORMAT], "format", 64))
		return false;
	if (strcmp(f[F_FORMAT]->valuestring, LIST_FORMAT) != 0) {
		verr_set(p->e, "field \"format\": \"%s\" is not supported (this "
		    "is %s)", q(b, sizeof(b), f[F_FORMAT]->valuestring), LIST_FORMAT);
		return false;
	}
	if (!want_string(p, f[F_FEED], "feed", LIST_FEED_MAX))
		return false;
	if (f[F_FEED]->valuestring[0] == '\0' || !printable(f[F_FEED]->valuestring)) {
		verr_set(p->e, "field \"feed\": \"%s\" is not a feed id (printable "
		    "ASCII, no spaces)", q(b, sizeof(b), f[F_FEED]->valuestring));
		return false;
	}
	if (!want_string(p, f[F_SERIAL], "serial", 0))
		return false;
	if (!is_decimal(f[F_SERIAL]->valuestring) ||
	    strlen(f[F_SERIAL]->valuestring) > LIST_SERIAL_MAX) {
		verr_set(p->e, "field \"serial\": \"%s\" is not a decimal number "
		    "of 1 to %d digits", q(b, sizeof(b), f[F_SERIAL]->valuestring),
		    LIST_SERIAL_MAX);
		return false;
	}
	if (!parse_time(p, f[F_ISSUED], "issued", &l->issued) ||
	    !parse_time(p, f[F_EXPIRES], "expires", &l->expires))
		return false;
	if (l->expires <= l->issued) {
		verr_set(p->e, "field \"expires\" (%s) is not after \"issued\" (%s)",
		    f[F_EXPIRES]->valuestring, f[F_ISSUED]->valuestring);
		return false;
	}
	l->format = meta_dup(p, f[F_FORMAT]->valuestring);
	l->feed = meta_dup(p, f[F_FEED]->valuestring);
	l->serial = meta_dup(p, f[F_SERIAL]->valuestring);
	return l->format && l->feed && l->serial;
}

static bool
parse_authority(struct parse *p, const cJSON *a)
{
	static const char *const names[] = {"name", "url", "appeal_url",
		"legal_basis"};
	const cJSON *f[4];

	if (!want_object(p, a, "authority"))
		return false;
	p->kind = W_AUTHORITY;
	if (!no_dup(p, pick_fields(a, names, f, 4)) ||
	    !parse_text(p, f[0], "name", &p->l->authority_name, true) ||
	    !optional_string(p, f[1], "url", LIST_URL_MAX, &p->l->authority_url) ||
	    !optional_string(p, f[2], "appeal_url", LIST_URL_MAX, &p->l->appeal_url) ||
	    !parse_text(p, f[3], "legal_basis", &p->l->legal_basis, false))
		return false;
	if (p->l->authority_name.n == 1 && p->l->authority_name.items[0].text[0] == '\0') {
		verr_set(p->e, "authority: field \"name\" is empty");
		return false;
	}
	p->kind = W_TOP;
	return true;
}

static bool
valid_cat_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static bool
parse_categories(struct parse *p, const cJSON *cats)
{
	static const char *const names[] = {"label"};
	struct list *l = p->l;
	const cJSON *c, *f[1];
	unsigned n = 0;
	char b[128];

	if (!want_object(p, cats, "categories"))
		return false;
	cJSON_ArrayForEach(c, cats)
		n++;
	if (n > LIST_MAX_CATS) {
		verr_set(p->e, "categories: %u categories, more than %d", n,
		    LIST_MAX_CATS);
		return false;
	}
	l->cats = arena_alloc(l->meta, (n ? n : 1) * sizeof(*l->cats));
	if (l->cats == NULL)
		return verr_set(p->e, "out of memory"), false;
	cJSON_ArrayForEach(c, cats) {
		if (!valid_cat_id(c->string)) {
			verr_set(p->e, "categories: \"%s\" is not a category id "
			    "(letters, digits, - _ ., at most 64)",
			    q(b, sizeof(b), c->string));
			return false;
		}
		if (list_cat_find(l, c->string) >= 0) {
			verr_set(p->e, "categories: \"%s\" appears twice", c->string);
			return false;
		}
		p->kind = W_CATEGORY;
		p->name = c->string;
		if (!cJSON_IsObject(c)) {
			verr_set(p->e, "category \"%s\" must be an object, not %s",
			    c->string, json_type(c));
			return false;
		}
		if (!no_dup(p, pick_fields(c, names, f, 1)) ||
		    !parse_text(p, f[0], "label", &l->cats[l->ncats].label, true))
			return false;
		l->cats[l->ncats].id = meta_dup(p, c->string);
		if (l->cats[l->ncats].id == NULL)
			return false;
		l->cats[l->ncats].canary = strcmp(c->string, "test") == 0;
		l->ncats++;
	}
	p->kind = W_TOP;
	return true;
}

/* --- entries ------------------------------------------------------------- */

enum { E_ID, E_TYPE, E_VALUE, E_CAT, E_REF, E_NFIELDS };
static const char *const entry_fields[E_NFIELDS] = {"id", "type", "value",
	"cat", "ref"};

static bool
valid_id(const char *s)
{
	return *s != '\0' && printable(s);
}

static bool
entry_value(struct parse *p, struct list_entry *le, const char *v)
{
	size_t n = strlen(v);
	char b[128], name[NORM_NAME_MAX + 1];
	struct norm_url u;
	int r;

	if (le->type != LIST_URL) {
		if (n > NORM_NAME_MAX) {
			verr_set(p->e, "%svalue \"%s\" is longer than %d bytes",
			    where(p), q(b, sizeof(b), v), NORM_NAME_MAX);
			return false;
		}
		if ((r = norm_name(v, n, name)) < 0) {
			verr_set(p->e, "%svalue \"%s\" is not a valid name",
			    where(p), q(b, sizeof(b), v));
			return false;
		}
		if (le->type == LIST_DOMAIN && norm_is_ip_literal(name, (size_t)r)) {
			verr_set(p->e, "%svalue \"%s\" is an IP address: a domain "
			    "entry needs a name (use a host entry)", where(p),
			    q(b, sizeof(b), v));
			return false;
		}
		le->value = arena_strndup(p->l->bulk, name, (size_t)r);
		return le->value != NULL || (verr_set(p->e, "out of memory"), false);
	}
	if (n > LIST_URL_MAX) {
		verr_set(p->e, "%svalue \"%s\" is longer than %d bytes", where(p),
		    q(b, sizeof(b), v), LIST_URL_MAX);
		return false;
	}
	if (norm_url(v, n, &u) < 0 || u.hostlen == 0 || u.restlen == 0 ||
	    u.hostlen + u.restlen > LIST_URL_MAX + NORM_NAME_MAX + 2) {
		verr_set(p->e, "%svalue \"%s\" is not a valid URL", where(p),
		    q(b, sizeof(b), v));
		return false;
	}
	le->value = arena_alloc(p->l->bulk, u.hostlen + u.restlen + 1);
	if (le->value == NULL)
		return verr_set(p->e, "out of memory"), false;
	memcpy((char *)le->value, u.host, u.hostlen);
	memcpy((char *)le->value + u.hostlen, u.rest, u.restlen);
	((char *)le->value)[u.hostlen + u.restlen] = '\0';
	le->url_host_len = (uint16_t)u.hostlen;
	if (strncasecmp(v, "https://", 8) == 0)
		le->flags |= LIST_ENTRY_HTTPS;
	return true;
}

static bool
entry_type(struct parse *p, struct list_entry *le, const char *t)
{
	char b[128];

	if (strcmp(t, "domain") == 0)
		le->type = LIST_DOMAIN;
	else if (strcmp(t, "host") == 0)
		le->type = LIST_HOST;
	else if (strcmp(t, "url") == 0)
		le->type = LIST_URL;
	else {
		verr_set(p->e, "%stype \"%s\" is not domain, host or url",
		    where(p), q(b, sizeof(b), t));
		return false;
	}
	return true;
}

static bool
parse_entry(struct parse *p, const cJSON *j, size_t idx, struct list_entry *le,
    int *lastcat)
{
	struct list *l = p->l;
	const cJSON *f[E_NFIELDS];
	const char *cat, *dup;
	char b[LIST_ID_MAX * 4 + 8];
	int ci;

	p->kind = W_ENTRY;
	p->idx = idx;
	if (!cJSON_IsObject(j)) {
		verr_set(p->e, "entry %zu: must be an object, not %s", idx, json_type(j));
		return false;
	}
	dup = pick_fields(j, entry_fields, f, E_NFIELDS);
	if (!want_string(p, f[E_ID], "id", LIST_ID_MAX))
		return false;
	if (!valid_id(f[E_ID]->valuestring)) {
		verr_set(p->e, "entry %zu: id \"%s\" is empty or not printable "
		    "ASCII without spaces", idx, q(b, sizeof(b), f[E_ID]->valuestring));
		return false;
	}
	p->kind = W_ENTRY_ID;
	p->name = f[E_ID]->valuestring;
	if (!no_dup(p, dup) ||
	    !want_string(p, f[E_TYPE], "type", 0) ||
	    !want_string(p, f[E_VALUE], "value", 0) ||
	    !want_string(p, f[E_CAT], "cat", 0) ||
	    (f[E_REF] != NULL && !want_string(p, f[E_REF], "ref", LIST_REF_MAX)))
		return false;
	memset(le, 0, sizeof(*le));
	if (!entry_type(p, le, f[E_TYPE]->valuestring))
		return false;
	cat = f[E_CAT]->valuestring;
	ci = *lastcat >= 0 && strcmp(l->cats[*lastcat].id, cat) == 0 ?
	    *lastcat : list_cat_find(l, cat);
	if (ci < 0) {
		verr_set(p->e, "%scategory \"%s\" is not defined in \"categories\"",
		    where(p), q(b, sizeof(b), cat));
		return false;
	}
	*lastcat = ci;
	le->cat = (uint32_t)ci;
	if (!entry_value(p, le, f[E_VALUE]->valuestring))
		return false;
	le->id = arena_strndup(l->bulk, f[E_ID]->valuestring,
	    strlen(f[E_ID]->valuestring));
	if (f[E_REF] != NULL)
		le->ref = arena_strndup(l->bulk, f[E_REF]->valuestring,
		    strlen(f[E_REF]->valuestring));
	if (le->id == NULL || (f[E_REF] != NULL && le->ref == NULL))
		return verr_set(p->e, "out of memory"), false;
	return true;
}

static uint64_t
id_hash(const char *s)
{
	return hash_fold(hash_str(HASH_INIT, s));
}

/* Refuse duplicate ids: an open-addressing table of (32 bits of hash,
 * entry index) pairs, so a probe touches an entry only when the hashes
 * agree. */
static bool
check_dup_ids(struct parse *p)
{
	struct list *l = p->l;
	size_t cap = 16, mask;
	uint64_t *tab;
	char b[LIST_ID_MAX * 4 + 8];

	while (cap < l->nentries + l->nentries / 2)	/* load <= 2/3 */
		cap <<= 1;
	mask = cap - 1;
	tab = malloc(cap * sizeof(*tab));
	if (tab == NULL)
		return verr_set(p->e, "out of memory"), false;
	memset(tab, 0xff, cap * sizeof(*tab));
	for (size_t i = 0; i < l->nentries; i++) {
		const char *id = l->entries[i].id;
		uint64_t h = id_hash(id), tag = h >> 32;
		size_t s = h & mask;
		for (; tab[s] != UINT64_MAX; s = (s + 1) & mask) {
			uint32_t j = (uint32_t)tab[s];
			if ((tab[s] >> 32) != tag || strcmp(l->entries[j].id, id) != 0)
				continue;
			str_quote(b, sizeof(b), id, strlen(id));
			verr_set(p->e, "entry %zu (id \"%s\"): duplicate id, first "
			    "used by entry %u", i, b, j);
			free(tab);
			return false;
		}
		tab[s] = tag << 32 | i;
	}
	free(tab);
	return true;
}

/* Add one entry (the cJSON tree of one element of "entries"). */
static bool
add_entry(struct parse *p, const cJSON *j, int *lastcat)
{
	struct list *l = p->l;
	struct list_entry *le;

	if (l->nentries == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct list_entry *ne = realloc(l->entries, cap * sizeof(*ne));
		if (ne == NULL)
			return verr_set(p->e, "out of memory"), false;
		l->entries = ne;
		p->cap = cap;
	}
	le = &l->entries[l->nentries];
	if (!parse_entry(p, j, l->nentries, le, lastcat))
		return false;
	l->nentries++;
	l->count[le->type]++;
	if (l->cats[le->cat].canary)
		l->ncanaries++;
	if (le->flags & LIST_ENTRY_HTTPS)
		l->nurl_https++;
	return true;
}

/*
 * The scanner. cJSON parses every value; this only walks the structure
 * around them - the top-level object and the "entries" array - so that
 * each entry is parsed into a small tree that is dropped right after it
 * is copied: the tree of a whole 10M-entry list would take ~5 GB, the
 * tree of one entry a few hundred bytes, in cache.
 */
struct scan {
	const char *start, *p, *end;
	struct parse *ps;
	struct tree_mem top;	/* the top-level values other than entries */
	struct tree_mem elem;	/* one entry (or one unknown field) at a time */
};

static void
scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool
scan_error(struct scan *s, const char *what)
{
	size_t off = (size_t)(s->p - s->start);

	verr_set(s->ps->e, "line %zu: not valid JSON at byte %zu: %s",
	    line_of((const uint8_t *)s->start, off), off, what);
	return false;
}

/* One JSON value at s->p, parsed by cJSON into t; s->p moves past it. */
static cJSON *
scan_value(struct scan *s, struct tree_mem *t)
{
	const char *vend = NULL;
	cJSON *v;

	/* cJSON would skip a byte order mark at the start of its buffer */
	if (s->p == s->end || (unsigned char)*s->p == 0xef) {
		scan_error(s, "expected a value");
		return NULL;
	}
	json_tree = t;
	json_oom = false;
	v = cJSON_ParseWithLengthOpts(s->p, (size_t)(s->end - s->p), &vend, 0);
	json_tree = NULL;
	if (json_oom) {
		verr_set(s->ps->e, "out of memory while parsing JSON");
		return NULL;
	}
	if (vend != NULL && vend >= s->p && vend <= s->end)
		s->p = vend;
	if (v == NULL)
		scan_error(s, "cJSON cannot parse this value (or it nests "
		    "deeper than 1000)");
	return v;
}

static bool
scan_char(struct scan *s, char c)
{
	scan_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* The entries array at s->p. With keep, every element becomes an entry;
 * without, elements are only parsed and counted (to skip the array, or
 * to count how far past list_max_entries a list goes). */
static bool
scan_entries(struct scan *s, bool keep, const struct list_limits *lim)
{
	struct parse *p = s->ps;
	size_t n = 0;
	int lastcat = -1;
	cJSON *v;

	scan_ws(s);
	if (s->p == s->end || *s->p != '[') {
		if ((v = scan_value(s, &s->elem)) != NULL)
			verr_set(p->e, "field \"entries\" must be an array, not %s",
			    json_type(v));
		return false;
	}
	s->p++;
	if (scan_char(s, ']'))
		return true;
	for (;;) {
		scan_ws(s);
		tree_reset(&s->elem);
		if ((v = scan_value(s, &s->elem)) == NULL)
			return false;
		if (keep && n == lim->max_entries)
			keep = false;	/* count the rest for the message */
		if (keep && !add_entry(p, v, &lastcat))
			return false;
		n++;
		if (scan_char(s, ','))
			continue;
		if (scan_char(s, ']'))
			break;
		return scan_error(s, "expected `,' or `]' in \"entries\"");
	}
	if (n > lim->max_entries) {
		verr_set(p->e, "%zu entries, more than list_max_entries (%llu)",
		    n, (unsigned long long)lim->max_entries);
		return false;
	}
	return true;
}

static int
top_field(const char *name)
{
	for (int i = 0; i < F_NFIELDS; i++)
		if (strcmp(name, top_fields[i]) == 0)
			return i;
	return -1;
}

/* The top-level object. "entries" is streamed in place when the
 * categories came first (the usual order), else skipped and remembered. */
static bool
scan_top(struct scan *s, const cJSON **f, const char **entries_at,
    bool *cats_done, const struct list_limits *lim)
{
	struct parse *p = s->ps;
	cJSON *k, *v;
	int i;

	memset(f, 0, F_NFIELDS * sizeof(*f));
	scan_ws(s);
	if (s->p == s->end || *s->p != '{') {
		if ((v = scan_value(s, &s->elem)) != NULL)
			verr_set(p->e, "the list is %s, not a JSON object",
			    json_type(v));
		return false;
	}
	s->p++;
	for (bool first = true;; first = false) {
		if (first && scan_char(s, '}'))
			break;		/* {} */
		scan_ws(s);
		if ((k = scan_value(s, &s->top)) == NULL)
			return false;
		if (!cJSON_IsString(k))
			return scan_error(s, "expected a field name (a string)");
		if (!scan_char(s, ':'))
			return scan_error(s, "expected `:'");
		scan_ws(s);
		i = top_field(k->valuestring);
		if (i >= 0 && (f[i] != NULL || (i == F_ENTRIES && *entries_at)))
			return no_dup(p, top_fields[i]);
		if (i == F_ENTRIES) {
			*entries_at = s->p;
			if (f[F_CATEGORIES] != NULL) {
				if (!parse_categories(p, f[F_CATEGORIES]))
					return false;
				*cats_done = true;
			}
			if (!scan_entries(s, *cats_done, lim))
				return false;
		} else {
			if (i < 0)
				tree_reset(&s->elem);
			if ((v = scan_value(s, i < 0 ? &s->elem : &s->top)) == NULL)
				return false;
			if (i >= 0)
				f[i] = v;
		}
		if (scan_char(s, ','))
			continue;
		if (scan_char(s, '}'))
			break;
		return scan_error(s, "expected `,' or `}'");
	}
	scan_ws(s);
	return s->p == s->end || scan_error(s, "data after the JSON object");
}

static bool
parse_doc(struct scan *s, const struct list_limits *lim)
{
	struct parse *p = s->ps;
	const cJSON *f[F_NFIELDS];
	const char *entries_at = NULL;
	bool cats_done = false;

	if (!scan_top(s, f, &entries_at, &cats_done, lim) ||
	    !parse_header(p, f) || !parse_authority(p, f[F_AUTHORITY]))
		return false;
	if (!cats_done && !parse_categories(p, f[F_CATEGORIES]))
		return false;
	if (entries_at == NULL) {
		verr_set(p->e, "missing required field \"entries\"");
		return false;
	}
	if (!cats_done) {	/* entries came before categories */
		s->p = entries_at;
		if (!scan_entries(s, true, lim))
			return false;
	}
	p->kind = W_TOP;
	return check_dup_ids(p);
}

struct list *
list_parse(const uint8_t *buf, size_t len, const struct list_limits *lim,
    struct verr *e)
{
	struct arena *meta;
	struct parse p;
	struct scan s;
	struct list *l;
	bool ok;

	list_init();
	if (len > lim->max_bytes) {
		verr_set(e, "%zu bytes, more than list_max_bytes (%llu)", len,
		    (unsigned long long)lim->max_bytes);
		return NULL;
	}
	if (!bytes_check(buf, len, e))
		return NULL;
	meta = arena_new(16384);
	if (meta == NULL || (l = arena_alloc(meta, sizeof(*l))) == NULL) {
		arena_free(meta);
		verr_set(e, "out of memory");
		return NULL;
	}
	memset(l, 0, sizeof(*l));
	l->meta = meta;
	l->size = len;
	l->bulk = arena_new(1 << 20);
	if (l->bulk == NULL ||
	    EVP_Digest(buf, len, l->digest, NULL, EVP_sha256(), NULL) != 1) {
		verr_set(e, "out of memory");
		list_free(l);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.l = l;
	p.e = e;
	memset(&s, 0, sizeof(s));
	s.start = s.p = (const char *)buf;
	s.end = (const char *)buf + len;
	s.ps = &p;
	s.top.chunk = 64 << 10;
	s.elem.chunk = 256 << 10;
	ok = parse_doc(&s, lim);
	tree_free(&s.top);
	tree_free(&s.elem);
	if (!ok) {
		list_free(l);
		return NULL;
	}
	if (l->nentries < p.cap) {	/* give back the slack of doubling */
		struct list_entry *ne = realloc(l->entries,
		    MAX(l->nentries, (size_t)1) * sizeof(*ne));
		if (ne != NULL)
			l->entries = ne;
	}
	if (l->entries == NULL && (l->entries = malloc(sizeof(*l->entries))) == NULL) {
		verr_set(e, "out of memory");
		list_free(l);
		return NULL;
	}
	return l;
}
