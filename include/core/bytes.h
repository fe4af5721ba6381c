/*
 * bytes.h - the readers of big-endian (network order) integers from
 * packet bytes, one set for every parser (issue 16: six copies). They read
 * exactly the bytes named and check nothing: the caller has checked the
 * length. static inline, so the packet path pays no call. And the value
 * of a hexadecimal digit, for every %XX decoder.
 */
#ifndef VETO_BYTES_H
#define VETO_BYTES_H

#include <stdint.h>

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* 0-15 for a hexadecimal digit (either case), else -1. */
static inline int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
