/*
 * guard.h - guardrails against a valid but wrong list (docs/design.md section 3).
 *
 * In 2012 Denmark's national CSAM filter blocked ~8,000 legal sites,
 * Facebook and Google among them, from a properly authorised list. A
 * signature proves who wrote a list, not that it is sane, so before a list
 * is accepted every entry is checked against two rules:
 *
 *   - no entry may be a top-level domain or a public suffix (libpsl, loaded
 *     from Debian's /usr/share/publicsuffix/public_suffix_list.dat, ICANN
 *     and private sections): "com", "co.uk" and "github.io" would block
 *     millions of unrelated sites. For a url entry the host is checked.
 *   - no entry may block a name in the operator's never-block file: a domain
 *     entry that equals such a name or is a parent of it ("google.com"
 *     blocks "www.google.com"), a host entry that equals it, or a url entry
 *     for that host whose path is "/" with no query (the whole site).
 *
 * One bad entry refuses the whole list; the report names every bad entry.
 *
 * The never-block file has one name per line; `#` starts a comment; names
 * are canonicalised like list values (norm_name), so IDN and case do not
 * matter; an invalid name refuses the file with its line number.
 *
 * Speed: libpsl answers in about 0.25 us per name; a hash set of the rule
 * bodies read from the same .dat file answers "certainly not a public
 * suffix" for almost every entry first, and only the remaining candidates
 * (names equal to a rule, children of a wildcard rule, single labels, and
 * names under a TLD with non-ASCII rules) are asked of libpsl. Without the
 * .dat file (another distribution), libpsl's newest list is used for every
 * name.
 *
 * A guard is read-only after guard_new(): threads may share it.
 */
#ifndef VETO_GUARD_H
#define VETO_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/list.h"
#include "core/util.h"

#define GUARD_PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dat"
#define GUARD_NEVER_BLOCK_MAX (16u << 20)	/* bytes of the never-block file */

struct guard;

enum guard_hit {
	GUARD_OK,
	GUARD_TLD,		/* a single label */
	GUARD_PUBLIC_SUFFIX,
	GUARD_NEVER_BLOCK,
};

/* never_block_file may be NULL (no never-block names). */
struct guard *guard_new(const char *never_block_file, struct verr *e);
/* The same from text (tests, fuzzing); name is used in messages. */
struct guard *guard_new_text(const char *text, size_t len, const char *name,
    struct verr *e);
void guard_free(struct guard *g);	/* NULL allowed */
size_t guard_never_block_count(const struct guard *g);

/* Check one canonical name as a domain (parent_too) or host entry. On
 * GUARD_NEVER_BLOCK, *protected names the never-block name it would block. */
enum guard_hit guard_name(const struct guard *g, const char *name,
    bool parent_too, const char **protected);

/* Check every entry of a list. Returns the number of bad entries (0: the
 * list passes). When there are any, `e` holds a summary naming as many as
 * fit, and *report (if report is not NULL) a malloc'ed text naming every
 * one, one line each; the caller frees it. -1 on out of memory. */
long guard_check(const struct guard *g, const struct list *l, char **report,
    struct verr *e);

#endif
