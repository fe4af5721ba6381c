/*
 * buf.h - the bounded writer: one way to build output into a buffer, and
 * one way to say "did not fit" (issue 16: one primitive per idea).
 *
 * A struct obuf is either fixed (the caller's buffer, never grown: the
 * packet path, no allocation) or growing (malloc'd, doubled as needed up to
 * a cap set at creation). Appending never writes past the buffer: once
 * something does not fit, the writer is "over" (ob_over()), every later
 * append is ignored, and the caller throws the output away. No NUL is
 * written; the caller adds one if it wants a string (ob_room(b, 1) first).
 *
 * Ownership: a fixed writer owns nothing; a growing writer owns b->p, which
 * the caller frees (or keeps) when done, over or not.
 */
#ifndef VETO_BUF_H
#define VETO_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obuf {
	char *p;
	size_t len, cap, max;
	bool grow, over;
};

/* A writer into buf (cap bytes), never grown. */
void ob_fixed(struct obuf *b, char *buf, size_t cap);
/* A writer that allocates and grows up to max bytes. */
void ob_growing(struct obuf *b, size_t max);
/* Room for n more bytes (growing if allowed); false marks the writer over. */
bool ob_room(struct obuf *b, size_t n);
void ob_add(struct obuf *b, const char *s, size_t n);
void ob_str(struct obuf *b, const char *s);
void ob_u64(struct obuf *b, uint64_t v);
/* One byte (the fast path of ob_add for byte-at-a-time writers). */
static inline void
ob_putc(struct obuf *b, char c)
{
	if (!b->over && b->len < b->cap)
		b->p[b->len++] = c;
	else
		ob_add(b, &c, 1);
}

static inline bool
ob_over(const struct obuf *b)
{
	return b->over;
}

#endif
