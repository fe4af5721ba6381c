/* buf.c - the bounded writer; see buf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

void
ob_fixed(struct obuf *b, char *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->p = buf;
	b->cap = cap;
	b->max = cap;
}

void
ob_growing(struct obuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->grow = true;
	b->max = max;
}

bool
ob_room(struct obuf *b, size_t n)
{
	size_t want;

	if (b->over)
		return false;
	if (n <= b->cap - b->len)
		return true;
	if (!b->grow || n > b->max - b->len) {
		b->over = true;
		return false;
	}
	want = b->cap ? b->cap : 4096;
	while (want - b->len < n)
		want = want > b->max / 2 ? b->max : want * 2;
	b->p = xrealloc(b->p, want);
	b->cap = want;
	return true;
}

void
ob_add(struct obuf *b, const char *s, size_t n)
{
	if (n > 0 && ob_room(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

void
ob_str(struct obuf *b, const char *s)
{
	ob_add(b, s, strlen(s));
}

void
ob_u64(struct obuf *b, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	ob_add(b, num, (size_t)n);
}
