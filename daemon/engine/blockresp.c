/* blockresp.c - the injected 302/451 and the escapers; see blockresp.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/blockresp.h"
#include "policy/list.h"

static const char *
html_entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

static bool
html_drop(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
}

/* HTML-escape n bytes of s. */
void
ob_esc(struct obuf *b, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *ent = html_entity(c);

		if (ent == NULL && !html_drop(c))
			continue;
		ob_add(b, s + run, i - run);
		if (ent != NULL)
			ob_str(b, ent);
		run = i + 1;
	}
	ob_add(b, s + run, n - run);
}

void
ob_esc_str(struct obuf *b, const char *s)
{
	ob_esc(b, s, strlen(s));
}

size_t
stop_html_escape(char *buf, size_t cap, const char *s, size_t n)
{
	size_t need = 0, put = 0;
	bool full = cap == 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *ent = html_entity(c);
		size_t k = ent ? strlen(ent) : html_drop(c) ? 0 : 1;

		if (!full && put + k < cap) {	/* whole entities only */
			memcpy(buf + put, ent ? ent : s + i, k);
			put += k;
		} else {
			full = true;
		}
		need += k;
	}
	if (cap > 0)
		buf[put] = '\0';
	return need;
}

static bool
url_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* A query value: everything but the unreserved characters percent-encoded. */
void
ob_pct(struct obuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3] = {'%', hex[c >> 4], hex[c & 15]};

		if (url_unreserved(c))
			ob_add(b, (const char *)&c, 1);
		else
			ob_add(b, e, 3);
	}
}

/* A configured URL in a header or an attribute: bytes that may not appear
 * there (controls, space, quotes, angle brackets, non-ASCII) encoded. */
void
ob_url(struct obuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3] = {'%', hex[c >> 4], hex[c & 15]};

		if (c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|}", c) == NULL)
			ob_add(b, (const char *)&c, 1);
		else
			ob_add(b, e, 3);
	}
}

/* An http(s) URL from a list or the configuration, or NULL. */
const char *
web_url(const char *u)
{
	if (u == NULL)
		return NULL;
	if (strncasecmp(u, "https://", 8) == 0 && u[8] != '\0')
		return u;
	if (strncasecmp(u, "http://", 7) == 0 && u[7] != '\0')
		return u;
	return NULL;
}

/* At most max bytes of s, cut at a UTF-8 character boundary. */
size_t
utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* ------------------------------------------------------------------ */
/* The response injected for a blocked HTTP request. */

static const struct list *
match_list(const struct policy *pol, const struct match_result *r)
{
	const struct list *l;

	if (r->feed >= pol->nfeeds)
		return NULL;
	l = pol->feeds[r->feed].list;
	if (l == NULL || r->cat >= l->ncats)
		return NULL;
	return l;
}

/* The stop page URL without the query: stop_page_url, else the IPv6 stop
 * page address (conf fills stop_page_url only from stop_page_ipv4). */
static bool
ob_stop_base(struct obuf *b, const struct conf *c)
{
	char a6[INET6_ADDRSTRLEN];

	if (c->stop_page_url != NULL && *c->stop_page_url != '\0') {
		ob_url(b, c->stop_page_url);
		return true;
	}
	if (c->has_stop6 && inet_ntop(AF_INET6, &c->stop6, a6, sizeof(a6))) {
		ob_str(b, "http://[");
		ob_str(b, a6);
		ob_str(b, "]/");
		return true;
	}
	return false;
}

static bool
ob_block_url(struct obuf *b, const struct policy *pol,
    const struct match_result *r, bool with_query)
{
	const struct conf *c = pol->conf;
	const struct list *l = match_list(pol, r);

	if (!ob_stop_base(b, c))
		return false;
	if (!with_query || l == NULL)
		return true;
	ob_str(b, c->stop_page_url && strchr(c->stop_page_url, '?') ? "&" : "?");
	ob_str(b, "feed=");
	ob_pct(b, l->feed ? l->feed : pol->feeds[r->feed].fc->name);
	ob_str(b, "&entry=");
	ob_pct(b, r->id ? r->id : "");
	ob_str(b, "&cat=");
	ob_pct(b, l->cats[r->cat].id);
	return true;
}

int
stop_block_url(const struct policy *pol, const struct match_result *r,
    char *buf, size_t cap)
{
	struct obuf b;

	if (cap == 0)
		return -1;
	ob_fixed(&b, buf, cap - 1);
	if (!ob_block_url(&b, pol, r, true) || b.over)
		return -1;
	buf[b.len] = '\0';
	return (int)b.len;
}

#define BLOCK_URL_MAX 1536
#define BLOCK_BODY_MAX 2048

static void
block_body_302(struct obuf *b)
{
	ob_str(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Blocked</title></head>\n<body><p>This address is blocked. "
	    "Your browser is being sent to a page that says why.</p></body>"
	    "</html>\n");
}

static void
block_body_451(struct obuf *b, const struct policy *pol,
    const struct match_result *r, const char *url, size_t urllen)
{
	const struct list *l = match_list(pol, r);
	const char *auth = l ? list_text_get(&l->authority_name, "en") : "";
	const char *cat = l ? list_text_get(&l->cats[r->cat].label, "en") : "";

	if (*auth == '\0' && l != NULL && l->feed != NULL)
		auth = l->feed;
	if (*cat == '\0' && l != NULL)
		cat = l->cats[r->cat].id;
	ob_str(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>451 Unavailable For Legal Reasons</title></head>\n<body>"
	    "<h1>Unavailable for legal reasons</h1>\n<p>Access to this address "
	    "is blocked");
	if (*auth != '\0') {
		ob_str(b, " by decision of ");
		ob_esc(b, auth, utf8_prefix(auth, STOP_TEXT_SHORT));
	}
	if (*cat != '\0') {
		ob_str(b, " (");
		ob_esc(b, cat, utf8_prefix(cat, STOP_TEXT_SHORT));
		ob_str(b, ")");
	}
	ob_str(b, ". It was not your provider's decision.</p>\n");
	if (urllen > 0) {
		ob_str(b, "<p><a href=\"");
		ob_esc(b, url, urllen);
		ob_str(b, "\">Why it is blocked, and how to appeal</a></p>\n");
	}
	ob_str(b, "</body></html>\n");
}

/* Status line and headers, then the body. */
static void
block_write(struct obuf *out, const struct policy *pol, bool redirect,
    const char *url, size_t urllen, const char *body, size_t bodylen)
{
	const char *op = web_url(pol->conf->operator_url);

	if (redirect) {
		ob_str(out, "HTTP/1.1 302 Found\r\nLocation: ");
		ob_add(out, url, urllen);
		ob_str(out, "\r\n");
	} else {
		ob_str(out, "HTTP/1.1 451 Unavailable For Legal Reasons\r\n");
		if (op != NULL) {
			ob_str(out, "Link: <");
			ob_url(out, op);
			ob_str(out, ">; rel=\"blocked-by\"\r\n");
		}
	}
	ob_str(out, "Content-Type: text/html; charset=utf-8\r\nContent-Length: ");
	ob_u64(out, bodylen);
	ob_str(out, "\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
	    "Connection: close\r\n\r\n");
	ob_add(out, body, bodylen);
}

int
stop_link_header(const struct conf *c, char *buf, size_t cap)
{
	const char *op = web_url(c->operator_url);
	struct obuf b;

	if (op == NULL || cap == 0)
		return -1;
	ob_fixed(&b, buf, cap - 1);
	ob_str(&b, "<");
	ob_url(&b, op);
	ob_str(&b, ">; rel=\"blocked-by\"");
	if (b.over)
		return -1;
	buf[b.len] = '\0';
	return (int)b.len;
}

int
stop_block_response(const struct policy *pol, const struct match_result *r,
    char *buf, size_t cap)
{
	char url[BLOCK_URL_MAX], body[BLOCK_BODY_MAX];
	struct obuf u, b, out;
	bool redirect = pol->conf->http_action == HTTP_ACTION_REDIRECT;

	/* The full URL; if it is too long for the buffer, the bare stop page
	 * URL; if there is no stop page URL, a 451 without a link. */
	for (int pass = 0; pass < 2; pass++) {
		ob_fixed(&u, url, sizeof(url));
		if (!ob_block_url(&u, pol, r, pass == 0))
			u.len = 0;
		if (u.over)
			continue;
		if (u.len == 0)
			redirect = false;
		ob_fixed(&b, body, sizeof(body));
		if (redirect)
			block_body_302(&b);
		else
			block_body_451(&b, pol, r, url, u.len);
		if (b.over)
			continue;
		ob_fixed(&out, buf, cap);
		block_write(&out, pol, redirect, url, u.len, body, b.len);
		if (!out.over)
			return (int)out.len;
	}
	return -1;
}
