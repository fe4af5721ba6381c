/*
 * idna.h - Unicode names to A-labels (punycode) with a bounded cost, for
 * norm.c (the one place that canonicalises names; see norm.h).
 *
 * Where the work happens. Names on the wire in DNS, TLS SNI and QUIC are
 * A-labels already (resolvers and TLS libraries send punycode); a byte
 * >= 0x80 there is never converted at packet time (norm_name_wire()). The
 * Unicode work happens once per list entry, at list load, and for the
 * rare HTTP Host that carries raw UTF-8. libidn2 costs 4-150 us per name
 * (NFC, the UTS#46 tables, allocations), three orders of magnitude more
 * than an ASCII name, so a client sending such names could make a queue
 * thread the bottleneck. Hence, in order:
 *
 *  1. refusals that cost nothing: invalid UTF-8, a label of more than 63
 *     characters (no A-label is longer; only characters that UTS#46
 *     deletes, such as soft hyphens, could shorten it, and no real name
 *     is padded with them), more than IDNA_INPUT_MAX bytes of input, a
 *     U-label that starts or ends with '-' or has "--" in its third and
 *     fourth places (IDNA2008 forbids them; libidn2 refuses them too).
 *  2. the fast path: when every non-ASCII character is a letter of a set
 *     whose UTS#46 mapping is a plain lowercase and whose characters are
 *     NFC-stable and PVALID (Latin-1 letters, basic Greek and Cyrillic),
 *     map them and punycode-encode the label here (RFC 3492): no
 *     allocation, a few hundred ns. A property test compares it with
 *     libidn2 on every character of the set and on random names.
 *  3. a per-thread cache of IDNA_CACHE_SLOTS results (direct-mapped by a
 *     hash of the input), then libidn2 (IDNA2008 non-transitional, then
 *     transitional) on a miss. For traffic (idna_to_ascii_bounded: the
 *     HTTP Host), at most IDNA_LIB_PER_SEC library calls a second per
 *     thread; past them the name is refused (the caller matches its raw
 *     form and counts it), so a client sending a new exotic name in
 *     every request costs a queue thread at most IDNA_LIB_PER_SEC x
 *     ~30 us a second. Browsers send A-labels; a raw UTF-8 Host is rare.
 *
 * Thread safety: the cache is thread-local; everything else is pure.
 */
#ifndef VETO_IDNA_H
#define VETO_IDNA_H

#include <stddef.h>

#define IDNA_INPUT_MAX 1016	/* bytes of UTF-8 input considered at all */
#define IDNA_CACHE_SLOTS 64
#define IDNA_CACHE_KEY_MAX 128	/* longer inputs are not cached */
#define IDNA_LIB_PER_SEC 20	/* library calls per thread and second (traffic) */

/* The ASCII (A-label) form of a name that has non-ASCII bytes: lowercase,
 * labels joined by '.', no trailing dot; out holds cap bytes (with the
 * NUL). Returns its length, or -1 if it cannot be converted or does not
 * fit. The result still needs norm.c's ASCII rules (label and name
 * lengths, allowed characters). */
int idna_to_ascii(const char *in, size_t len, char *out, size_t cap);

/* The same for a name from traffic: the library within the per-thread
 * allowance only. */
int idna_to_ascii_bounded(const char *in, size_t len, char *out, size_t cap);

/* For tests and the benchmark: which step answered the last call on this
 * thread (1 refused early, 2 fast path, 3 cache hit, 4 libidn2, 5 refused:
 * the allowance of library calls was used up). */
int idna_last_step(void);

#endif
