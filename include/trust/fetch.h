/*
 * fetch.h - download one feed's list and signature over HTTPS (libcurl),
 * one fetch-and-offer cycle, and the arithmetic of the fetch schedule.
 *
 * fetch_run() makes at most two requests: the list, conditional on the
 * validators of the list in force (If-None-Match with its ETag,
 * If-Modified-Since with its Last-Modified), and, only when the list came
 * back with a body, its signature. A 304 ends there: the list in force
 * stays (its expiry is the daemon clock's business, not the fetcher's).
 * Anything but 200 or 304 is a failure: fetch_run() never hands on the
 * body of an error page.
 *
 * Transport rules (set on every handle, nothing inherited from the
 * environment):
 *   - https only, for the first request and for every redirect (at most
 *     FETCH_MAX_REDIRS); TLS 1.2 or later; peer and host name verified;
 *   - ca_file is an EXTRA trust anchor: the system bundle (libcurl's
 *     built-in CA file) and ca_file are read and joined into one
 *     CURLOPT_CAINFO_BLOB, so the server may use a public or a private CA.
 *     (CURLOPT_CAINFO alone would replace the system bundle.) Both are read
 *     at each fetch, so a renewed ca_file needs no restart;
 *   - no proxy (the environment's *_proxy variables are ignored), no
 *     cookies (the cookie engine is never enabled), no credentials;
 *   - User-Agent "veto/VERSION"; compressed transfer accepted (the caps
 *     count decoded bytes, so a compression bomb stops at the cap);
 *   - time bounds: connect FETCH_CONNECT_TIMEOUT, whole list transfer
 *     FETCH_LIST_TIMEOUT, signature FETCH_SIG_TIMEOUT, and a low-speed
 *     limit (below FETCH_LOW_SPEED_BYTES per second for
 *     FETCH_LOW_SPEED_TIME seconds: a server stalling mid-body);
 *   - sockets carry SO_MARK `mark` (the PASS mark, so that vetod's own
 *     traffic is not queued by its own OUTPUT rules); without
 *     CAP_NET_ADMIN the mark is skipped (debug log), the fetch goes on.
 *
 * Where the body goes: the list is written to an unnamed temporary file
 * (O_TMPFILE; mkstemp + unlink where the file system lacks it) in tmp_dir,
 * the state directory (0700: lists are confidential), then mapped
 * read-only for verification. A 1 GiB cap rules out growing a heap buffer
 * (realloc doubling would briefly need twice that, all of it anonymous
 * memory); the mapping's pages are clean file pages the kernel may drop
 * and read again, and the file has no name, so a crash leaves nothing
 * behind. The signature (at most SIG_FILE_MAX bytes) is kept in memory.
 *
 * Sizes: the write callback counts bytes and stops the transfer at
 * max_bytes + 1 (CURLOPT_MAXFILESIZE_LARGE only refuses early when the
 * server announces a Content-Length: chunked or lying servers are caught
 * by the count). The signature is capped at SIG_FILE_MAX the same way.
 *
 * Cancelling: when *cancel becomes true the transfer stops within a
 * second (progress callback) and fetch_run() reports FETCH_FAILED with
 * r->cancelled set.
 *
 * fetch_cycle() is one fetch-and-offer cycle, the same for the daemon's
 * fetcher (offer = feeds_offer: verify, parse, trust rules, guardrails,
 * publish, commit) and for `veto fetch` without a daemon (offer =
 * trust_evaluate + trust_commit under the feed's lock). It records the
 * outcome through ops->note: the validators of the response only when its
 * list is in force (installed or unchanged); otherwise the validators of
 * the list in force are left as they are.
 *
 * The schedule (fetcher.c; pure functions here so they can be tested):
 *   regular   list_refresh +-20 % (fetch_jitter), so that a thousand
 *             filters restarted together drift apart;
 *   failure   exponential backoff with full jitter: uniform in
 *             [1, min(cap, FETCH_BACKOFF_BASE * 2^(n-1))] seconds after
 *             the n-th consecutive failure, cap = list_refresh clamped to
 *             [FETCH_BACKOFF_CAP_MIN, FETCH_BACKOFF_CAP_MAX]; a Retry-After
 *             (seconds or an HTTP date) raises the delay up to
 *             FETCH_RETRY_AFTER_MAX, never lowers it;
 *   refused   a downloaded list the trust pipeline refused (a bad
 *             signature may just be a publication in progress: new list,
 *             old signature) is fetched once more after
 *             FETCH_REFUSED_RETRY +-50 %, then the regular refresh.
 *
 * Privacy: nothing here sees client data. Messages name the feed and the
 * server's answer, never a client.
 */
#ifndef VETO_FETCH_H
#define VETO_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "trust/trust.h"
#include "core/util.h"

#define FETCH_MAX_REDIRS 5
#define FETCH_CONNECT_TIMEOUT 15	/* seconds */
#define FETCH_LIST_TIMEOUT 1800		/* whole list transfer, seconds */
#define FETCH_SIG_TIMEOUT 60		/* whole signature transfer */
#define FETCH_LOW_SPEED_BYTES 1024	/* bytes per second ... */
#define FETCH_LOW_SPEED_TIME 30		/* ... for this long: a stall */
#define FETCH_ETAG_MAX 256		/* trust_state's etag field */
#define FETCH_LASTMOD_MAX 64		/* trust_state's last_modified */

#define FETCH_BACKOFF_BASE 10		/* first retry within 10 s */
#define FETCH_BACKOFF_CAP_MIN 60
#define FETCH_BACKOFF_CAP_MAX 3600
#define FETCH_RETRY_AFTER_MAX (6 * 3600)	/* a Retry-After honoured up to */
#define FETCH_REFUSED_RETRY 60		/* refetch of a refused list */

/* What to fetch. Strings are borrowed for the call. */
struct fetch_params {
	const char *name;		/* the feed's name, for messages */
	const char *url;		/* list_url */
	const char *sig_url;		/* list_sig_url */
	const char *ca_file;		/* extra anchor; NULL: system only */
	const char *tmp_dir;		/* where the list is spooled */
	uint64_t max_bytes;		/* list_max_bytes */
	uint32_t mark;			/* SO_MARK; 0: none */
	const char *etag;		/* validators; NULL or "": none */
	const char *last_modified;
	/* bounds in seconds; 0: the defaults above */
	long connect_timeout, list_timeout, sig_timeout, low_speed_time;
	const atomic_bool *cancel;	/* NULL: never */
};

enum fetch_status {
	FETCH_OK,		/* 200: list and signature downloaded */
	FETCH_NOT_MODIFIED,	/* 304: keep the list in force */
	FETCH_FAILED,		/* see error */
};

struct fetch_result {
	enum fetch_status status;
	long http_code;		/* of the list, or of the request that failed */
	char error[VERR_MAX];	/* FETCH_FAILED: one line */
	bool too_large;		/* a cap was hit */
	bool cancelled;
	int64_t retry_after;	/* seconds from the failed response; -1 none */
	char etag[FETCH_ETAG_MAX];	/* of the list response; "" none */
	char last_modified[FETCH_LASTMOD_MAX];
	const uint8_t *list;	/* FETCH_OK: the list, mapped read-only */
	size_t len;
	uint8_t *sig;		/* FETCH_OK: the signature (malloc'ed) */
	size_t siglen;
	uint64_t list_ms, sig_ms;	/* time taken by each transfer */
	/* private */
	int fd;
	void *map;
};

/* Once per process, before any thread (curl_global_init). */
int fetch_init(struct verr *e);

/* Download (see above). Returns the status, also in r->status; free r
 * with fetch_result_free() in every case. */
enum fetch_status fetch_run(const struct fetch_params *p,
    struct fetch_result *r);
void fetch_result_free(struct fetch_result *r);

/* --- one cycle ------------------------------------------------------- */

enum fetch_outcome {
	FETCH_INSTALLED,	/* a new list is in force (perhaps expired) */
	FETCH_UNCHANGED,	/* 304 or the same bytes: the list stays */
	FETCH_HELD,		/* valid, held for `veto list confirm` */
	FETCH_REFUSED,		/* downloaded and refused by the trust rules */
	FETCH_ERROR,		/* not downloaded: network, HTTP, size, time */
};

struct fetch_ops {
	/* The trust pipeline: decide, install, commit; msg gets one line. */
	enum trust_verdict (*offer)(void *arg, const uint8_t *buf, size_t len,
	    const uint8_t *sig, size_t siglen, char *msg, size_t msglen);
	/* Record the attempt: validators (NULL: leave alone) and a result
	 * line ("200 installed 2026112801", "304 not modified", "error:
	 * ..."). */
	void (*note)(void *arg, const char *etag, const char *last_modified,
	    const char *result);
	void *arg;
};

struct fetch_report {
	enum fetch_outcome outcome;
	enum trust_verdict verdict;	/* when offered */
	long http_code;
	int64_t retry_after;		/* -1: none */
	bool cancelled;
	char message[VERR_MAX + 64];	/* one line for people */
	uint64_t list_bytes, fetch_ms, offer_ms;
};

void fetch_cycle(const struct fetch_params *p, const struct fetch_ops *ops,
    struct fetch_report *out);

/* True for INSTALLED and UNCHANGED: the feed has what the server has. */
bool fetch_outcome_ok(enum fetch_outcome o);
const char *fetch_outcome_name(enum fetch_outcome o);

/* --- checks and schedule (pure; unit tested) -------------------------- */

/* An https URL with a host, no credentials, no white space or control
 * bytes. 0, or -1 with e quoting what is wrong. */
int fetch_url_check(const char *url, struct verr *e);

/* Retry-After: delta-seconds or an HTTP date (IMF-fixdate, RFC 850,
 * asctime). Seconds from now (0 for a past date), or -1 if malformed. */
int64_t fetch_retry_after_parse(const char *value, time_t now);

/* rnd: any 64-bit random number (the caller draws it). */
uint64_t fetch_jitter(uint64_t refresh, uint64_t rnd);
uint64_t fetch_backoff_cap(uint64_t refresh);
uint64_t fetch_backoff(unsigned failures, uint64_t cap, uint64_t rnd);
/* Delay after the n-th consecutive failure, Retry-After (or -1) honoured. */
uint64_t fetch_retry_delay(unsigned failures, uint64_t refresh,
    int64_t retry_after, uint64_t rnd);
uint64_t fetch_refused_delay(uint64_t rnd);

/* The write callback's cap, reachable from the unit tests. fd -1 writes to
 * buf (grown up to max bytes); else appends to fd. */
struct fetch_sink {
	int fd;
	uint8_t *buf;
	size_t len, cap;
	uint64_t max;
	bool over;		/* more than max bytes arrived */
	int err;		/* errno of a failed write */
};
size_t fetch_sink_write(char *data, size_t size, size_t nmemb, void *arg);

/* Sockets whose SO_MARK (fetch_mark) could not be set since start: their
 * traffic went out unmarked. */
unsigned long fetch_unmarked_sockets(void);

#endif
