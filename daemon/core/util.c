/* util.c - see util.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

void
verr_set(struct verr *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
verr_prefix(struct verr *e, const char *fmt, ...)
{
	char old[VERR_MAX], pre[VERR_MAX];
	va_list ap;

	if (e == NULL)
		return;
	str_copy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	/* truncation of an over-long message is acceptable */
	if (snprintf(e->msg, sizeof(e->msg), "%.500s: %.500s", pre, old) < 0)
		e->msg[0] = '\0';
}

size_t
str_copy(char *dst, const char *src, size_t dstsize)
{
	size_t n = strlen(src);

	if (dstsize > 0) {
		size_t c = n < dstsize - 1 ? n : dstsize - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

size_t
str_ncopy(char *dst, size_t dstsize, const char *src, size_t n)
{
	size_t c;

	if (dstsize == 0)
		return 0;
	c = n < dstsize - 1 ? n : dstsize - 1;
	memcpy(dst, src, c);
	dst[c] = '\0';
	return c;
}

void
str_quote(char *dst, size_t dstsize, const char *s, size_t n)
{
	size_t o = 0;

	if (dstsize == 0)
		return;
	for (size_t i = 0; i < n && o + 5 < dstsize; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
		} else {
			snprintf(dst + o, dstsize - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (o + 5 >= dstsize && dstsize > 4 && o >= 3) {
		/* mark truncation */
		dst[o - 3] = dst[o - 2] = dst[o - 1] = '.';
	}
	dst[o] = '\0';
}

static void *
oom(void)
{
	fprintf(stderr, "out of memory\n");
	abort();
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	return p ? p : oom();
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	return p ? p : oom();
}

void *
xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	return q ? q : oom();
}

bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int base = 10;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || end == s)
		return false;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
parse_size(const char *s, uint64_t max, uint64_t *out)
{
	char num[32], *end;
	unsigned long long v, mult = 1;
	size_t n;

	if (s == NULL || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	n = (size_t)(end - s);
	if (n >= sizeof(num))
		return false;
	if (*end != '\0') {
		if (!strcmp(end, "K") || !strcmp(end, "KiB") || !strcmp(end, "k"))
			mult = 1ULL << 10;
		else if (!strcmp(end, "M") || !strcmp(end, "MiB"))
			mult = 1ULL << 20;
		else if (!strcmp(end, "G") || !strcmp(end, "GiB"))
			mult = 1ULL << 30;
		else
			return false;
	}
	if (v > UINT64_MAX / mult || v * mult > max)
		return false;
	*out = v * mult;
	return true;
}

bool
parse_bool(const char *s, bool *out)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool
is_decimal(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int
decimal_cmp(const char *a, const char *b)
{
	size_t la, lb;

	while (*a == '0' && a[1] != '\0')
		a++;
	while (*b == '0' && b[1] != '\0')
		b++;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static bool
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool
time_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (strlen(s) < 20)
		return false;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
			return false;
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 23 || om > 59)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return true;
}

void
time_format_rfc3339(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t
now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
now_mono_ms(void)
{
	return now_mono_ns() / 1000000ULL;
}

int
file_read(const char *path, size_t max, uint8_t **out, size_t *outlen,
    struct verr *e)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0, cap;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		verr_set(e, "%s: open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		verr_set(e, "%s: stat: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		verr_set(e, "%s: %lld bytes, larger than the cap of %zu",
		    path, (long long)st.st_size, max);
		goto fail;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		verr_set(e, "%s: out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			uint8_t *nb;
			if (cap > max) {
				verr_set(e, "%s: larger than the cap of %zu",
				    path, max);
				goto fail;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				verr_set(e, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			verr_set(e, "%s: read: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			verr_set(e, "%s: larger than the cap of %zu", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int
file_sync_dir(const char *path, struct verr *e)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	str_copy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash == NULL)
		str_copy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		verr_set(e, "%s: open directory: %s", dir, strerror(errno));
		return -1;
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		verr_set(e, "%s: fsync directory: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct verr *e)
{
	char tmp[PATH_MAX];
	const uint8_t *p = data;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= sizeof(tmp)) {
		verr_set(e, "%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		verr_set(e, "%s: create temporary file: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1) {
		verr_set(e, "%s: chmod: %s", tmp, strerror(errno));
		goto fail;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			verr_set(e, "%s: write: %s", tmp, strerror(errno));
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		verr_set(e, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		verr_set(e, "%s: close: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		verr_set(e, "%s: rename: %s", path, strerror(errno));
		goto fail;
	}
	return file_sync_dir(path, e);
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

int
dir_ensure(const char *path, mode_t mode, uid_t uid, gid_t gid, struct verr *e)
{
	struct stat st;

	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		verr_set(e, "%s: mkdir: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) == -1) {
		verr_set(e, "%s: stat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		verr_set(e, "%s: not a directory", path);
		return -1;
	}
	if (uid != (uid_t)-1 && (st.st_uid != uid || st.st_gid != gid) &&
	    chown(path, uid, gid) == -1) {
		verr_set(e, "%s: chown: %s", path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & 07777) != mode && chmod(path, mode) == -1) {
		verr_set(e, "%s: chmod: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Arena: a singly linked list of chunks; big requests get their own chunk. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	unsigned char data[];
};

struct arena {
	struct arena_chunk *head;
	size_t chunk_size, reserved;
};

struct arena *
arena_new(size_t chunk_size)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->chunk_size = chunk_size < 4096 ? 4096 : chunk_size;
	return a;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 7) & ~(size_t)7;

	if (need < n)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size_t sz = need > a->chunk_size / 4 ? need : a->chunk_size;
		struct arena_chunk *nc = malloc(sizeof(*nc) + sz);
		if (nc == NULL)
			return NULL;
		nc->size = sz;
		nc->used = 0;
		a->reserved += sizeof(*nc) + sz;
		if (sz == need && c != NULL) {
			/* keep filling the current chunk afterwards */
			nc->next = c->next;
			c->next = nc;
			nc->used = need;
			return nc->data;
		}
		nc->next = c;
		a->head = c = nc;
	}
	c->used += need;
	return c->data + c->used - need;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

size_t
arena_used(const struct arena *a)
{
	return a ? a->reserved : 0;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *n;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}
