/*
 * hash.h - the one string hash: 64-bit FNV-1a, with a finisher that folds
 * the high bits down for tables indexed by the low bits (issue 16: five
 * copies had drifted apart). Not keyed: use it for tables whose keys come
 * from the operator or a signed list (ids, names, categories), not for
 * tables an attacker fills from packets (the flow table has its own keyed
 * hash, engine/flow.c).
 */
#ifndef VETO_HASH_H
#define VETO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_INIT 0xcbf29ce484222325ULL

static inline uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static inline uint64_t
hash_str(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/* Spread the high bits into the low ones (tables use h & (cap - 1)). */
static inline uint64_t
hash_fold(uint64_t h)
{
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	return h ^ (h >> 32);
}

#endif
