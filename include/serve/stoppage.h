/*
 * stoppage.h - what a blocked user is shown: the HTTP response injected for
 * a blocked request (a 302 to the stop page, or a 451: engine/blockresp.h),
 * and the stop page itself, rendered from a template the operator may replace (docs/design.md
 * sections 4 and 5). stop.c serves the page; this file holds everything
 * that needs no socket, so the tests and the fuzzer call it directly.
 *
 * The injected 302/451 (packet path) and the escapers the page shares with
 * it are in engine/blockresp.h.
 *
 * The template: HTML with {{placeholders}} (the comment at the top of
 * conf/stoppage.html lists every name):
 *   {{name}}               the value, HTML-escaped (always)
 *   {{#name}}..{{/name}}   the part between, only if the value is non-empty
 *   {{^name}}..{{/name}}   the part between, only if the value is empty
 *   {{! text }}            a comment, not sent
 * Names: the page's facts (authority, category, ...) and its own sentences
 * ({{t.heading}}, ...) from a built-in table per language. An unknown name
 * or an unbalanced section refuses the template at load, so a typo is seen
 * at start or reload, not by users.
 *
 * Escaping: every value from a list, the configuration or the request is
 * HTML-escaped on output; URL values are shown only if they are http(s).
 * Nothing from the request reaches the page: the query and Host are only
 * used to look up list metadata, and the language is picked among the
 * languages the list provides.
 *
 * Ownership: a template is immutable after parsing; threads may share it.
 * stop_page() returns a malloc'd page the caller frees.
 */
#ifndef VETO_STOPPAGE_H
#define VETO_STOPPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "policy/list.h"
#include "policy/match.h"
#include "policy/norm.h"
#include "policy/policy.h"
#include "core/util.h"
#include "engine/blockresp.h"

#define STOP_TMPL_MAX (64 * 1024)	/* bytes of a template file */
#define STOP_PAGE_MAX (512 * 1024)	/* bytes of a rendered page */
#define STOP_QVAL_MAX 255		/* bytes of a decoded query value */
#define STOP_QUERY_MAX 2048		/* bytes of a query string we parse */
#define STOP_LANG_MAX 35		/* bytes of a language tag */

/* --- The request, as the stop page sees it --- */

/* The values of a redirect's query. A field is set (has_x) only if it
 * appeared exactly once, decoded cleanly (%XX, '+'), has no NUL byte and
 * fits in STOP_QVAL_MAX bytes. */
struct stop_query {
	char feed[STOP_QVAL_MAX + 1];
	char entry[STOP_QVAL_MAX + 1];
	char cat[STOP_QVAL_MAX + 1];
	bool has_feed, has_entry, has_cat;
};

/* Parse a raw query string (the bytes after '?', not decoded). Longer than
 * STOP_QUERY_MAX: nothing is set. */
void stop_query_parse(const char *qs, size_t len, struct stop_query *q);

/* The canonical name from a Host header value ("Bad.Example.:80" ->
 * "bad.example"). Returns its length, or -1 for an IP literal, a bad port
 * or a name norm_name() refuses. */
int stop_host_name(const char *host, size_t len, char out[NORM_NAME_MAX + 1]);

/* Pick the best of n candidate language tags for an Accept-Language value
 * (RFC 9110 12.5.4 q-values; RFC 4647 lookup: "nl-BE" falls back to "nl",
 * and a range "pt" matches a candidate "pt-BR"). Returns an index into
 * cands, or -1 if nothing acceptable matched (the caller falls back to
 * English). accept may be NULL. */
int stop_lang_pick(const char *accept, const char *const *cands, unsigned n);

/* --- The page --- */

struct stop_tmpl;

struct stop_tmpl *stop_tmpl_parse(const char *text, size_t len, struct verr *e);
/* The default stop_page_template: conf/stoppage.html if it is there,
 * else VETO_DATADIR/stoppage.html (make install), else the copy built into
 * the binary (stoppage_builtin.c). Any other path must load. */
#define STOP_TMPL_DEFAULT "conf/stoppage.html"
#ifndef VETO_DATADIR
#define VETO_DATADIR "/usr/local/share/veto"
#endif
struct stop_tmpl *stop_tmpl_load(const char *path, struct verr *e);
const char *stop_builtin(size_t *len);	/* NUL-terminated */
void stop_tmpl_free(struct stop_tmpl *t);	/* NULL allowed */

/* What the page is about: a list category, or nothing (the neutral page
 * for a stale DNS cache or a stray visit). */
struct stop_subject {
	const struct list *list;	/* NULL: neutral page */
	uint32_t cat;			/* index into list->cats */
	const char *entry_id;		/* verified entry id, or NULL */
};

/* Render the page for conf (operator, status) and subject, in the language
 * Accept-Language prefers among those the list provides (the page's own
 * table for a neutral page), English as fallback. Returns a malloc'd,
 * NUL-terminated page and its length, or NULL if it would exceed
 * STOP_PAGE_MAX. *lang_out (may be NULL) gets the chosen tag. */
char *stop_page(const struct stop_tmpl *t, const struct conf *c,
    const struct stop_subject *s, const char *accept_language, size_t *len,
    char lang_out[STOP_LANG_MAX + 1]);

#endif
