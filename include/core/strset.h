/*
 * strset.h - a set of strings, each with an optional value string: open
 * addressing on hash.h's hash, keys copied into the caller's arena (so a
 * set is freed with its arena, plus strset_free() for the slot array).
 * Lookups take a length, so a suffix of a longer name can be looked up in
 * place. Grows at half full; a failed allocation leaves the set as it was
 * and returns false. Not thread-safe; readers may share a set nobody
 * writes.
 */
#ifndef VETO_STRSET_H
#define VETO_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct strset {
	struct strset_slot {
		uint64_t hash;
		const char *key;	/* NULL: empty slot */
		const char *val;	/* the value, or key itself */
	} *slots;
	size_t cap, n;
};

/* The slot of key (n bytes), or NULL. */
const struct strset_slot *strset_find(const struct strset *s, const char *key,
    size_t n);
/* Add key (n bytes, copied into mem) with val (NULL: the key) unless it is
 * there; *added (may be NULL) says whether it was new. False on OOM. */
bool strset_add(struct strset *s, struct arena *mem, const char *key, size_t n,
    const char *val, bool *added);
void strset_free(struct strset *s);	/* the slots; keys live in the arena */

#endif
