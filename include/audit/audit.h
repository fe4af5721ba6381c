/*
 * audit.h - probe a running filter from the network it protects (`veto
 * audit`, issue 9) and say, per protocol and entry type, whether what must
 * be blocked is blocked and what must pass passes.
 *
 * The plan (audit_plan): for each entry chosen (the feeds' canaries, every
 * entry, or a random sample) probes that must be BLOCKED:
 *   domain, host  a DNS query over UDP and over TCP to the resolver, an
 *                 HTTP request (Host: the name, path /), a TLS ClientHello
 *                 and a QUIC Initial with the name as SNI to the target;
 *   url           an HTTP request to the target with the entry's host in
 *                 Host and its path (plain HTTP only: on HTTPS a path is
 *                 never visible, and the report says so);
 * and probes that must PASS (over-blocking), each checked against the
 * matcher so a name that some entry covers is never expected to pass:
 *   the parent of a domain or host entry (unless a TLD or public suffix),
 *   a sibling that has the entry's name as a suffix but not as a label
 *   boundary ("notbad.example" next to "bad.example"), a child of a host
 *   entry, the host of a url entry at DNS, TLS and QUIC level (a url entry
 *   never blocks its host) and the parent path of a url entry over HTTP,
 *   and every never-block name (DNS over UDP, HTTP, TLS, QUIC).
 * Before anything else, the control name is probed on every protocol: a
 * protocol whose control does not pass (or whose server does not answer)
 * is inconclusive, none of its results is trusted, its probes are not
 * sent.
 *
 * How an answer is read (probe.h): DNS blocked = an EDE 15-18, the stop
 * page's address, or no answer (the query was dropped); HTTP blocked = a
 * 451, a redirect to a stop page, a reset or a close without an answer;
 * TLS blocked = reset, close or silence after the ClientHello instead of a
 * ServerHello (any TLS answer, an alert included, is "passed": the server
 * saw the name); QUIC blocked = no answer within the timeout (any datagram
 * back is "passed"). A connection the target refuses, or that never
 * establishes, is "unreachable": inconclusive, never "blocked".
 *
 * Bounds: each probe has a timeout (a UDP query is sent again once at half
 * of it), at most `parallel` probes are in flight, and the whole run stops
 * at the deadline (what did not run is inconclusive). Packets go only to
 * the resolver and target addresses given.
 */
#ifndef VETO_AUDIT_H
#define VETO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "trust/listset.h"
#include "policy/match.h"
#include "audit/probe.h"
#include "core/util.h"

enum audit_proto { AP_DNS_UDP, AP_DNS_TCP, AP_HTTP, AP_TLS, AP_QUIC, AP_COUNT };

enum audit_select { AUDIT_CANARIES, AUDIT_ALL, AUDIT_SAMPLE };

/* Why a probe is there. */
enum audit_kind {
	AK_CONTROL,	/* the control name: must pass */
	AK_ENTRY,	/* a list entry: must be blocked */
	AK_PARENT,	/* must pass */
	AK_SIBLING,
	AK_CHILD,
	AK_URL_HOST,	/* the host of a url entry, below HTTP */
	AK_URL_PARENT,	/* the parent path of a url entry */
	AK_NEVER_BLOCK,
	AK_COUNT
};

enum audit_outcome {
	AO_PENDING,	/* not run (deadline) */
	AO_BLOCKED,
	AO_PASSED,
	AO_UNREACHABLE,	/* the server did not answer at all */
	AO_SKIPPED,	/* the protocol's control failed */
};

/* The verdict on one probe. */
enum audit_result { AR_OK, AR_FAIL, AR_INCONCLUSIVE };

struct audit_probe {
	uint8_t proto;		/* enum audit_proto */
	uint8_t kind;		/* enum audit_kind */
	uint8_t etype;		/* enum list_entry_type of the entry */
	uint8_t outcome;	/* enum audit_outcome */
	bool expect_block;
	int16_t feed;		/* the entry's feed index, -1 for none */
	const char *entry_id;	/* the entry behind it (NULL: control, never-block) */
	char *name;		/* DNS name, SNI, or Host */
	char *path;		/* HTTP: the path, NULL otherwise */
	char detail[96];	/* what was seen: "EDE 16 (d1)", "reset", ... */
};

struct audit_opts {
	struct sockaddr_storage resolver, target;
	socklen_t resolver_len, target_len;	/* resolver includes its port */
	uint16_t http_port, tls_port, quic_port;
	const char *control;
	enum audit_select select;
	size_t sample;
	uint64_t seed;
	unsigned timeout_ms, parallel, deadline_ms;
	struct probe_stop stop;		/* stop page addresses, if known */
	const char *stop_url;		/* stop_page_url, if known */
	const char *never_block_file;	/* NULL: none */
	bool no_overblock;		/* only the entries and controls */
};

struct audit {
	struct audit_opts o;
	struct audit_probe *p;
	size_t n, cap;
	size_t entries_chosen;		/* entries probed */
	size_t url_https;		/* of them: url entries written https:// */
	size_t url_port;		/* url entries on another port: skipped */
	bool control_ok[AP_COUNT];
	char control_detail[AP_COUNT][128];
	uint64_t run_ms;
	bool deadline_hit;
};

/* Plan the probes for the enforced lists of ls (entries still loaded) with
 * matcher m built from them. NULL with e (the control is listed, a never-
 * block file unreadable, ...). */
struct audit *audit_plan(const struct listset *ls, const struct matcher *m,
    const struct audit_opts *o, struct verr *e);
void audit_free(struct audit *a);

/* Send the probes: controls first, then the rest. -1 with e only when
 * the machinery fails (no sockets, no epoll); probe failures are results. */
int audit_run(struct audit *a, struct verr *e);

enum audit_result audit_result_of(const struct audit_probe *p);

const char *audit_proto_name(enum audit_proto p);
const char *audit_kind_name(enum audit_kind k);
const char *audit_outcome_name(enum audit_outcome o);

#endif
