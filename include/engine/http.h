/*
 * http.h - tolerant HTTP/1.x request parsing, as servers parse.
 *
 * http_parse() takes a contiguous buffer that starts at the first byte of
 * a request (the flow's prefix, or the bytes after the previous request on
 * a keep-alive connection) and finds the fields a filter needs: method,
 * request-target and its form, the Host header, the version, where the
 * header block ends and how the body is delimited. Every string is a view
 * into the caller's buffer (struct http_str: pointer + length, NULL when
 * absent); nothing is copied, allocated or canonicalised (norm.c does that).
 *
 * Tolerance (what servers accept, so a client cannot slip past us with
 * what a server still takes):
 *   - empty lines (CRLF or LF) before the request line are skipped;
 *   - the request line's parts may be separated by runs of SP, HTAB, VT or
 *     FF (RFC 9112 section 3); any method token is taken, not just GET;
 *   - lines may end in CRLF, a bare LF, or CRs then LF (nginx takes
 *     "CR CR LF"); a CR elsewhere is malformed;
 *   - the version is "HTTP/" digits "." digits in any letter case, as many
 *     digits as nginx reads ("HTTP/1.01"); a last word that starts with
 *     "HTTP/" but is no version makes the request malformed (servers
 *     answer 400), never a 0.9 line whose headers would go unread;
 *   - "HTTP/0.9"-style request lines without a version are taken (version
 *     0.9, no headers), as nginx and Apache still do;
 *   - header names in any letter case, whitespace before the colon
 *     (HTTP_F_WS_COLON), spaces or tabs around the value;
 *   - obs-fold continuation lines (HTTP_F_OBS_FOLD); a Host header whose
 *     value is empty on its own line takes its value from the folded line;
 *   - several Host headers: the first is used, HTTP_F_DUP_HOST is set and
 *     the last one is given too (host_last), so the caller can check both;
 *   - spaces inside the target when the last word of the request line is
 *     the version (nginx takes "GET /a b HTTP/1.1"): HTTP_F_SPACE_IN_TARGET;
 *   - a header line that is not "name: value" (a bad character in the
 *     name, no colon) is skipped and flagged HTTP_F_BAD_LINE, as nginx does
 *     with ignore_invalid_headers; the Host header is still found. Calling
 *     the whole request malformed would let it pass unfiltered while a
 *     server may well serve it.
 *
 * The effective host (RFC 9112 section 3.2.2): the authority of an
 * absolute-form target wins over the Host header; CONNECT's target is the
 * authority; otherwise the first Host header. The Host header's value is
 * reported as sent (OWS trimmed), with its port and any trailing dot; the
 * port is what follows the FIRST colon, as nginx cuts it ("h:x" is host
 * "h"). An Upgrade header sets HTTP_F_UPGRADE, and HTTP_F_UPGRADE_H2C
 * when it offers h2c.
 *
 * Status: HTTP_NEED_MORE until the empty line ending the header block is
 * in the buffer; HTTP_NOT_HTTP when the first bytes cannot start a request
 * (not a method token followed by whitespace, e.g. a TLS record: the caller
 * lets the flow go); HTTP_MALFORMED for what servers refuse: a NUL or bare
 * CR in the head, control bytes in the request line, a target of no known
 * form, a bad or disagreeing Content-Length, a Transfer-Encoding whose last
 * coding is not chunked. On HTTP_MALFORMED the fields found before the bad
 * byte are filled in (a Host seen already, for instance): the caller may
 * still check them. There is no separate length limit: the request line
 * and the header block are bounded by the buffer the caller passes, i.e.
 * the flow cap (reasm_flow_bytes, 16 KB). A buffer that is full and still
 * HTTP_NEED_MORE is a head larger than the cap: the caller gives up on it.
 * The HTTP/2 prior-knowledge preface parses as method "PRI", target "*",
 * version 2.0: the caller lets such a flow go.
 *
 * Cost: one pass over the head per call (memchr per line), no state kept
 * between calls: the caller parses the prefix again when it has grown.
 *
 * Bodies: Content-Length gives body_len; Transfer-Encoding ending in
 * chunked sets HTTP_F_CHUNKED (it overrides Content-Length, RFC 9112 6.3;
 * both present sets HTTP_F_CL_AND_TE). The next request on the connection
 * starts at header_end + body_len, or, for chunked, where
 * http_chunked_walk() says the body ends. The walker is resumable: it keeps
 * its position in a small struct the caller stores in its per-flow state,
 * so the caller can forget body bytes as they pass (flow_advance()).
 */
#ifndef VETO_HTTP_H
#define VETO_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum http_status {
	HTTP_OK = 0,
	HTTP_NEED_MORE = 1,
	HTTP_NOT_HTTP = -1,
	HTTP_MALFORMED = -2,
};

enum http_form {
	HTTP_FORM_ORIGIN,	/* /path?query */
	HTTP_FORM_ABSOLUTE,	/* scheme://authority/path?query */
	HTTP_FORM_AUTHORITY,	/* CONNECT host:port */
	HTTP_FORM_ASTERISK,	/* OPTIONS * */
};

/* A view into the parsed buffer; p is NULL when the field is absent. */
struct http_str {
	const char *p;
	size_t len;
};

/* struct http_req.flags */
#define HTTP_F_CHUNKED		0x0001	/* Transfer-Encoding: ..., chunked */
#define HTTP_F_CONTENT_LENGTH	0x0002	/* a valid Content-Length was sent */
#define HTTP_F_CL_AND_TE	0x0004	/* both; chunked wins */
#define HTTP_F_DUP_HOST		0x0008	/* more than one Host header */
#define HTTP_F_NO_HOST		0x0010	/* no Host header (HTTP/1.0, 0.9) */
#define HTTP_F_BARE_LF		0x0020	/* some line ended in LF alone */
#define HTTP_F_OBS_FOLD		0x0040	/* a folded header line */
#define HTTP_F_HOST_FOLDED	0x0080	/* the Host header itself was folded */
#define HTTP_F_WS_COLON		0x0100	/* whitespace between name and ':' */
#define HTTP_F_LEADING_EOL	0x0200	/* empty lines before the request */
#define HTTP_F_USERINFO		0x0400	/* user@ in an absolute-form target */
#define HTTP_F_SPACE_IN_TARGET	0x0800	/* whitespace inside the target */
#define HTTP_F_BAD_LINE		0x1000	/* a header line was skipped */
#define HTTP_F_CR_CR_LF		0x2000	/* a line ended in CR CR LF */
#define HTTP_F_UPGRADE		0x4000	/* an Upgrade header */
#define HTTP_F_UPGRADE_H2C	0x8000	/* ...offering h2c (HTTP/2 cleartext) */

struct http_req {
	size_t start;			/* offset of the request line */
	struct http_str method;
	struct http_str target;		/* the request-target as sent */
	enum http_form form;
	struct http_str scheme;		/* absolute form: "http" as sent */
	struct http_str target_authority; /* absolute/authority form, without
					 * userinfo */
	struct http_str path;		/* origin/absolute form: from the first
					 * '/' or '?' (empty when none) */
	uint8_t version_major;		/* 1.1 -> 1, 1; 0.9 when absent */
	uint8_t version_minor;
	struct http_str host_header;	/* the first Host header's value */
	struct http_str host_last;	/* the last one, with HTTP_F_DUP_HOST */
	unsigned nhost;			/* Host headers seen */
	struct http_str authority;	/* effective: target_authority or
					 * host_header */
	struct http_str host;		/* authority without ":port" ([v6] kept) */
	struct http_str port;		/* digits after ':', absent when none */
	unsigned flags;			/* HTTP_F_* */
	uint64_t body_len;		/* Content-Length, 0 when none/chunked */
	size_t header_end;		/* offset just past the empty line */
};

/*
 * Parse the request at the start of buf. On HTTP_OK *req is filled; on
 * HTTP_MALFORMED it holds what was found before the error, on the other
 * statuses nothing useful. If err_off is not NULL, it gets the offset of
 * the byte that made the request malformed or not HTTP.
 */
enum http_status http_parse(const uint8_t *buf, size_t len,
    struct http_req *req, size_t *err_off);

/* Split "host[:port]" or "[v6]:port" (userinfo already removed). */
void http_authority_split(struct http_str a, struct http_str *host,
    struct http_str *port);

/* The resumable chunked-body walker; zero it at the start of the body. */
struct http_chunked {
	uint64_t left;			/* chunk data bytes still to skip */
	uint32_t state;
	uint32_t linelen;		/* bytes of the current size/trailer line */
};

#define HTTP_CHUNK_LINE_MAX 4096	/* a chunk size's digits, at most (chunk
					 * extensions and trailers: any length,
					 * as nginx reads them) */

/*
 * Walk len body bytes from where *c stopped. HTTP_OK: the body ends after
 * *used bytes of buf (the next request starts there). HTTP_NEED_MORE: all
 * len bytes were consumed (*used == len) and the body goes on; call again
 * with the bytes that follow. HTTP_MALFORMED: not a chunked body (*used is
 * the offset of the bad byte).
 */
enum http_status http_chunked_walk(struct http_chunked *c, const uint8_t *buf,
    size_t len, size_t *used);

const char *http_status_name(enum http_status s);

#endif
