/* strset.c - a set of strings; see strset.h. */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/strset.h"

static uint64_t
key_hash(const char *key, size_t n)
{
	return hash_fold(hash_bytes(HASH_INIT, key, n));
}

const struct strset_slot *
strset_find(const struct strset *s, const char *key, size_t n)
{
	uint64_t h;
	size_t i;

	if (s->n == 0)
		return NULL;
	h = key_hash(key, n);
	for (i = h & (s->cap - 1); s->slots[i].key != NULL; i = (i + 1) & (s->cap - 1))
		if (s->slots[i].hash == h && strncmp(s->slots[i].key, key, n) == 0 &&
		    s->slots[i].key[n] == '\0')
			return &s->slots[i];
	return NULL;
}

static bool
strset_grow(struct strset *s)
{
	struct strset ns;

	ns.cap = s->cap ? s->cap * 2 : 64;
	ns.n = s->n;
	ns.slots = calloc(ns.cap, sizeof(*ns.slots));
	if (ns.slots == NULL)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (s->slots[i].key == NULL)
			continue;
		for (j = s->slots[i].hash & (ns.cap - 1); ns.slots[j].key != NULL;
		    j = (j + 1) & (ns.cap - 1))
			;
		ns.slots[j] = s->slots[i];
	}
	free(s->slots);
	*s = ns;
	return true;
}

bool
strset_add(struct strset *s, struct arena *mem, const char *key, size_t n,
    const char *val, bool *added)
{
	size_t i;
	uint64_t h;
	char *k;

	if (added != NULL)
		*added = false;
	if (strset_find(s, key, n) != NULL)
		return true;
	if ((s->n + 1) * 2 > s->cap && !strset_grow(s))
		return false;
	if ((k = arena_strndup(mem, key, n)) == NULL)
		return false;
	h = key_hash(key, n);
	for (i = h & (s->cap - 1); s->slots[i].key != NULL; i = (i + 1) & (s->cap - 1))
		;
	s->slots[i].hash = h;
	s->slots[i].key = k;
	s->slots[i].val = val ? val : k;
	s->n++;
	if (added != NULL)
		*added = true;
	return true;
}

void
strset_free(struct strset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
