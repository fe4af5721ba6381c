/*
 * util.h - small helpers shared by every module: error messages, bounded
 * string copies, numbers, times, files written atomically, and an arena.
 *
 * Errors: a module that can fail takes a `struct verr *` and fills it with a
 * one-line message that names the thing that failed and quotes the bad value
 * ("list: entry 12 (id "e12"): value "a..b" is not a valid name"). The caller
 * decides whether to log it, print it or stop. A NULL verr is allowed.
 *
 * Files: file_read() reads a whole file with a size cap checked before and
 * while reading (a file that grows under us is still refused), and
 * NUL-terminates the buffer (not counted in the length). file_write_atomic()
 * writes a temporary file in the same directory, fsyncs it, renames it over
 * the target and fsyncs the directory, so a crash leaves the old or the new
 * contents, never a mix.
 *
 * Arena: bump allocation in chunks, freed all at once. Used for per-list and
 * per-parse memory (the cJSON tree of a list lives in one). Not thread-safe;
 * one owner at a time.
 */
#ifndef VETO_UTIL_H
#define VETO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define VERR_MAX 1024

struct verr {
	char msg[VERR_MAX];
};

void verr_set(struct verr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix the current message: "what: <old message>". */
void verr_prefix(struct verr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* strlcpy semantics: always NUL-terminates, returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t dstsize);
/* Copy at most n bytes of src (not NUL-terminated) into dst, NUL-terminated. */
size_t str_ncopy(char *dst, size_t dstsize, const char *src, size_t n);
/* Write printable ASCII of s (max n bytes) into dst, other bytes as \xNN. */
void str_quote(char *dst, size_t dstsize, const char *s, size_t n);
char *xstrdup(const char *s);		/* aborts on out-of-memory */
void *xcalloc(size_t n, size_t size);	/* aborts on out-of-memory */
void *xrealloc(void *p, size_t size);	/* aborts on out-of-memory */

/* Numbers: return false (and leave *out alone) unless the whole string is
 * a number in [min, max]. parse_u64 takes decimal or 0x hex. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A size with an optional K/M/G/KiB/MiB/GiB suffix (powers of 1024). */
bool parse_size(const char *s, uint64_t max, uint64_t *out);
/* yes/no/true/false/on/off/1/0 */
bool parse_bool(const char *s, bool *out);

/* Compare two decimal strings of any length (leading zeros ignored).
 * Returns <0, 0, >0. Both must be all digits (check with is_decimal). */
int decimal_cmp(const char *a, const char *b);
bool is_decimal(const char *s);

/* RFC 3339 / ISO 8601 UTC time "2026-11-28T10:00:00Z" (offsets accepted). */
bool time_parse_rfc3339(const char *s, time_t *out);
void time_format_rfc3339(time_t t, char buf[32]);
uint64_t now_mono_ms(void);
uint64_t now_mono_ns(void);

/* Files. */
int file_read(const char *path, size_t max, uint8_t **out, size_t *outlen,
    struct verr *e);
/* fsync the directory that holds path, so a rename into it is durable. */
int file_sync_dir(const char *path, struct verr *e);
int file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct verr *e);
/* Create a directory (and no parents) with this mode if missing; if owner
 * is not (uid_t)-1 chown it; always enforce the mode. */
int dir_ensure(const char *path, mode_t mode, uid_t uid, gid_t gid,
    struct verr *e);

/* Arena. */
struct arena;
struct arena *arena_new(size_t chunk_size);
void *arena_alloc(struct arena *a, size_t n);	/* 8-byte aligned, NULL on OOM */
char *arena_strndup(struct arena *a, const char *s, size_t n);
size_t arena_used(const struct arena *a);	/* bytes reserved from malloc */
void arena_free(struct arena *a);

#endif
