/*
 * blockresp.h - what the packet path sends a client whose HTTP request is
 * blocked: a 302 to the stop page, or a 451 (RFC 7725) whose Link header
 * names the operator and whose short body names the authority (design.md
 * section 4). stop_block_response() writes the whole response into the
 * caller's buffer with a cap and without allocating; any thread may call
 * it. The redirect carries the feed, the entry id and the category id,
 * percent-encoded, and nothing else: never the requested URL, never
 * anything about the user.
 *
 * The escapers (HTML, query values, configured URLs) are shared with the
 * stop page (serve/stoppage.c), which renders into the same bounded writer
 * (core/buf.h).
 */
#ifndef VETO_BLOCKRESP_H
#define VETO_BLOCKRESP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/conf.h"
#include "policy/match.h"
#include "policy/policy.h"

#define STOP_TEXT_SHORT 160		/* bytes of list text in the 451 body */

/* The stop page URL for a match: stop_page_url?feed=F&entry=E&cat=C, the
 * values percent-encoded. Returns its length, or -1 if it does not fit in
 * cap (NUL included) or there is no stop page URL. */
int stop_block_url(const struct policy *pol, const struct match_result *r,
    char *buf, size_t cap);

/* The whole response for http_action: "302 Found" to the stop page URL, or
 * "451 Unavailable For Legal Reasons" with Link: <operator_url>;
 * rel="blocked-by" and a short HTML body naming the authority and linking
 * to the stop page. Returns the bytes written (no NUL), or -1 if cap is too
 * small (the caller then only resets). No allocation. */
int stop_block_response(const struct policy *pol, const struct match_result *r,
    char *buf, size_t cap);

/* The value of the RFC 7725 Link header naming the operator:
 * `<operator_url>; rel="blocked-by"`. Returns its length, or -1 if there is
 * no http(s) operator_url or it does not fit. */
int stop_link_header(const struct conf *c, char *buf, size_t cap);

/* HTML-escape s (n bytes) into buf (cap bytes, NUL-terminated); returns the
 * length it needed (as snprintf). Control bytes other than tab and newline
 * are dropped. */
size_t stop_html_escape(char *buf, size_t cap, const char *s, size_t n);


/* The escapers, on a bounded writer: HTML (n bytes of s; control bytes
 * other than tab and newline dropped), a query value (all but unreserved
 * characters percent-encoded), a configured URL in a header or attribute
 * (controls, space, quotes, angle brackets, non-ASCII encoded). */
void ob_esc(struct obuf *b, const char *s, size_t n);
void ob_esc_str(struct obuf *b, const char *s);
void ob_pct(struct obuf *b, const char *s);
void ob_url(struct obuf *b, const char *s);
/* An http(s) URL from a list or the configuration, or NULL. */
const char *web_url(const char *u);
/* At most max bytes of s, cut at a UTF-8 character boundary. */
size_t utf8_prefix(const char *s, size_t max);

#endif
