/* fuzz_stop.c - the stop page on arbitrary bytes: the template parser and
 * renderer with random list texts, the injected 302/451 response, and the
 * request-side parsers (query string, Host, Accept-Language).
 *
 * Input: fields separated by the byte 0xff:
 *   0 template   1 authority   2 category label   3 legal basis
 *   4 appeal_url 5 entry id    6 category id       7 query string
 *   8 Accept-Language          9 Host             10 operator name
 * Missing fields are empty.
 *
 * Invariants: nothing crashes; a list value never brings markup into the
 * page or the response (no '<', '>', '"' or '\'' from it); the response's
 * header block has exactly its fixed lines (no CR/LF injection) and its
 * Content-Length is the body; buffers are never overrun (ASan). */
#include "../../daemon/serve/stoppage.c"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 11

/* Only escaped values between the markers; the sentences are plain. */
static const char probe[] = "[{{authority}}|{{category}}|{{legal_basis}}|"
    "{{reference}}|{{appeal_url}}|{{category_id}}|{{feed}}|{{lang}}|"
    "{{operator}}]";

static void
split(const uint8_t *data, size_t size, char *f[NFIELDS])
{
	size_t start = 0, k = 0;

	for (size_t i = 0; i <= size && k < NFIELDS; i++) {
		if (i == size || data[i] == 0xff) {
			/* C strings: a NUL inside a field ends it early */
			f[k] = xcalloc(1, i - start + 1);
			memcpy(f[k], data + start, i - start);
			k++;
			start = i + 1;
		}
	}
	for (; k < NFIELDS; k++)
		f[k] = xcalloc(1, 1);
}

static bool
no_markup(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
			return false;
	return true;
}

static void
check_requests(char *f[NFIELDS])
{
	static const char *const cands[] = {"en", "nl", "de", "pt-BR", "zh-Hant"};
	char name[NORM_NAME_MAX + 1];
	struct stop_query q;
	int n;

	stop_query_parse(f[7], strlen(f[7]), &q);
	assert(!q.has_feed || strlen(q.feed) <= STOP_QVAL_MAX);
	assert(!q.has_entry || strlen(q.entry) <= STOP_QVAL_MAX);
	assert(!q.has_cat || strlen(q.cat) <= STOP_QVAL_MAX);
	n = stop_lang_pick(f[8], cands, ARRAY_LEN(cands));
	assert(n >= -1 && n < (int)ARRAY_LEN(cands));
	n = stop_host_name(f[9], strlen(f[9]), name);
	if (n >= 0) {
		char again[NORM_NAME_MAX + 1];

		assert((size_t)n == strlen(name));
		assert(stop_host_name(name, (size_t)n, again) == n);
		assert(strcmp(name, again) == 0);
	}
}

static void
check_page(struct conf *c, struct list *l, char *f[NFIELDS])
{
	struct verr e;
	struct stop_tmpl *t;
	struct stop_subject s = {l, 0, f[5]};
	char lang[STOP_LANG_MAX + 1], *page;
	size_t len;

	t = stop_tmpl_parse(probe, strlen(probe), &e);
	assert(t != NULL);
	page = stop_page(t, c, &s, f[8], &len, lang);
	assert(page != NULL && len == strlen(page));
	assert(page[0] == '[' && page[len - 1] == ']');
	assert(no_markup(page, len));
	free(page);
	stop_tmpl_free(t);

	t = stop_tmpl_parse(f[0], strlen(f[0]), &e);
	if (t != NULL) {
		page = stop_page(t, c, &s, f[8], &len, NULL);
		if (page != NULL)
			assert(len == strlen(page));
		free(page);
		s.list = NULL;
		free(stop_page(t, c, &s, f[8], &len, NULL));
		stop_tmpl_free(t);
	}
}

static void
check_response(struct policy *p, const char *id, bool redirect)
{
	struct match_result r = {.entry = 0, .cat = 0, .feed = 0, .id = id};
	char buf[1900 + 1];
	const char *end, *cl;
	unsigned lines = 0, lt = 0, quote = 0;
	int n;

	p->conf->http_action = redirect ? HTTP_ACTION_REDIRECT : HTTP_ACTION_451;
	n = stop_block_response(p, &r, buf, sizeof(buf) - 1);
	if (n < 0)
		return;
	buf[n] = '\0';
	end = strstr(buf, "\r\n\r\n");
	assert(end != NULL);
	for (const char *x = buf; x < end; x++) {
		lines += x[0] == '\r' && x[1] == '\n';
		assert(*x != '\n' || x[-1] == '\r');	/* no bare LF */
		assert(*x != '\r' || x[1] == '\n');	/* no bare CR */
		lt += *x == '<';
		quote += *x == '"';
	}
	if (strncmp(buf, "HTTP/1.1 302 Found\r\nLocation: ", 30) == 0) {
		assert(lines == 6 && lt == 0 && quote == 0);
	} else {
		bool link = strstr(buf, "\r\nLink: <") != NULL;

		assert(strncmp(buf, "HTTP/1.1 451 ", 13) == 0);
		assert(lines == (link ? 6u : 5u));
		assert(lt == (link ? 1u : 0u) && quote == (link ? 2u : 0u));
	}
	cl = strstr(buf, "\r\nContent-Length: ");
	assert(cl != NULL && cl < end);
	assert(strtoul(cl + 18, NULL, 10) == (unsigned long)(buf + n - end - 4));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NFIELDS];
	struct list_text_item auth[2], label[2], basis[1];
	struct list_category cat;
	struct list l;
	struct conf c;
	struct policy_feed pf;
	struct policy p;

	split(data, size, f);
	memset(&l, 0, sizeof(l));
	memset(&c, 0, sizeof(c));
	memset(&pf, 0, sizeof(pf));
	memset(&p, 0, sizeof(p));
	auth[0] = (struct list_text_item){"en", f[1]};
	auth[1] = (struct list_text_item){"nl", f[2]};
	label[0] = (struct list_text_item){NULL, f[2]};
	label[1] = (struct list_text_item){f[6], f[1]};	/* a hostile tag */
	basis[0] = (struct list_text_item){NULL, f[3]};
	cat = (struct list_category){f[6], {label, 2}, false};
	l.feed = f[5];
	l.authority_name = (struct list_text){auth, 2};
	l.legal_basis = (struct list_text){basis, 1};
	l.authority_url = f[4];
	l.appeal_url = f[4];
	l.cats = &cat;
	l.ncats = 1;
	c.stop_page_status = 451;
	c.operator_name = f[10];
	c.operator_url = f[4];
	c.operator_contact = f[10];
	c.stop_page_url = (char *)"http://192.0.2.1/";
	pf.list = &l;
	p.conf = &c;
	p.feeds = &pf;
	p.nfeeds = 1;

	check_requests(f);
	check_page(&c, &l, f);
	check_response(&p, f[5], true);
	check_response(&p, f[5], false);
	for (int i = 0; i < NFIELDS; i++)
		free(f[i]);
	return 0;
}
