/*
 * conf.h - veto.conf: one `key = value` file, `#` comments, `[feed NAME]`
 * sections (docs/design.md section 8 names every key; conf/veto.conf documents
 * them).
 *
 * One table in conf.c drives parsing, defaults and printing (Redis style):
 * adding a key is one line there plus a field here. conf_load() parses the
 * whole file and validates it (cross-key rules included) before it returns;
 * a configuration it returns is complete and consistent, so a reload can
 * parse the new file first and keep the old one when that fails.
 *
 * Feeds: the top-level `list_*` keys describe the feed named "default";
 * every `[feed NAME]` section describes one more, with the same `list_*`
 * keys (plus `on_expired` and `ca_file`, which default to the top level's).
 *
 * Ownership: conf_load() returns one allocation tree; conf_free() frees it
 * (NULL allowed). Nothing in it changes after load: threads may share it.
 */
#ifndef VETO_CONF_H
#define VETO_CONF_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"

#define CONF_MAX_FEEDS 32
#define CONF_MAX_KEYS 8
#define CONF_MAX_LISTEN 8
#define CONF_MAX_PORTS 8
#define CONF_MAX_QUEUES 64

enum conf_mode { MODE_ENFORCE, MODE_MONITOR };
enum conf_on_expired { ON_EXPIRED_ENFORCE, ON_EXPIRED_DISABLE };
enum conf_dns_action { DNS_ACTION_STOPPAGE, DNS_ACTION_NXDOMAIN, DNS_ACTION_REFUSED };
enum conf_http_action { HTTP_ACTION_REDIRECT, HTTP_ACTION_451 };
enum conf_tls_no_sni { TLS_NO_SNI_ALLOW, TLS_NO_SNI_BLOCK };
/* tcp_overcap, undecided_last_packet */
enum conf_policy { CONF_POLICY_BLOCK, CONF_POLICY_ALLOW };
enum conf_drop_pass { CONF_DROP, CONF_PASS };	/* dns_malformed, quic_unknown_version */
enum conf_h2c { H2C_URL_HOSTS, H2C_BLOCK, H2C_ALLOW };
enum conf_rpz_action { RPZ_ACTION_NXDOMAIN, RPZ_ACTION_NODATA, RPZ_ACTION_STOPPAGE };

#define CHAIN_FORWARD 0x1u
#define CHAIN_INPUT 0x2u
#define CHAIN_OUTPUT 0x4u

struct feed_conf {
	char *name;		/* "default" or the section's NAME */
	int line;		/* where it starts in the file (0: top level) */
	char *url;		/* list_url (https) */
	char *sig_url;		/* list_sig_url, default url + ".minisig" */
	char *file;		/* list_file */
	char *keys[CONF_MAX_KEYS];	/* list_key: minisign public key lines */
	unsigned nkeys;
	char *key_files[CONF_MAX_KEYS];	/* list_key_file: paths */
	unsigned nkey_files;
	char *feed;		/* list_feed: the feed id the list must carry */
	uint64_t refresh;	/* list_refresh, seconds */
	uint64_t grace;		/* list_grace, seconds */
	int on_expired;		/* enum conf_on_expired */
	uint64_t max_bytes;	/* list_max_bytes */
	uint64_t max_entries;	/* list_max_entries */
	uint64_t max_change;	/* list_max_change, percent */
	char *ca_file;		/* extra trust anchor, default the global one */
};

struct conf {
	char *path;
	atomic_int extra_refs;		/* conf_ref()s beyond the first owner */

	unsigned queue_first, queue_count;	/* queues = 0 or 0-3 */
	bool fail_open;
	int mode;				/* enum conf_mode */
	char *user;
	unsigned chains;			/* CHAIN_* bits */
	uint32_t mark_mask;			/* contiguous, >= 2 bits */
	uint64_t queue_maxlen;			/* NFQUEUE max length */
	uint64_t connbytes_cap;			/* packets queued per undecided flow */
	uint64_t rate_limit_dns;		/* port-53 packets/s per source, 0: off */
	uint64_t rate_limit_flows;		/* new queued flows/s per source, 0: off */
	uint64_t dns_tcp_bytes_cap;		/* bytes of one TCP/53 flow, 0: off */
	uint16_t http_ports[CONF_MAX_PORTS];
	unsigned nhttp_ports;
	uint16_t tls_ports[CONF_MAX_PORTS];
	unsigned ntls_ports;
	uint16_t quic_ports[CONF_MAX_PORTS];
	unsigned nquic_ports;

	struct feed_conf *feeds;
	unsigned nfeeds;
	char *never_block_file;
	char *ca_file;
	char *state_dir;

	int dns_action;				/* enum conf_dns_action */
	uint64_t dns_ttl;
	uint64_t dns_ede;			/* 0: none */

	char *stop_page_ipv4, *stop_page_ipv6;	/* text as configured */
	bool has_stop4, has_stop6;
	struct in_addr stop4;
	struct in6_addr stop6;
	char *stop_page_listen[CONF_MAX_LISTEN];	/* addr:port, [v6]:port */
	unsigned nstop_page_listen;
	char *stop_page_allow;		/* netacl.h text: who may connect */
	char *stop_page_url;
	uint64_t stop_page_status;		/* 451 or 403 */
	char *stop_page_template;
	char *operator_name, *operator_url, *operator_contact;
	int http_action;			/* enum conf_http_action */
	int tls_no_sni;				/* enum conf_tls_no_sni */
	int dns_malformed;			/* enum conf_drop_pass */
	int quic_unknown_version;		/* enum conf_drop_pass */
	int h2c;				/* enum conf_h2c */

	uint64_t reasm_flow_bytes, reasm_memory;
	int tcp_overcap;			/* enum conf_policy */
	int undecided_last_packet;		/* enum conf_policy */
	uint64_t undecided_hold;		/* seconds */

	bool doh_canary;			/* NXDOMAIN for use-application-dns.net */
	char *rpz_file;				/* NULL: no RPZ zone written */
	int rpz_action;				/* enum conf_rpz_action */
	char *rpz_origin;

	char *metrics_listen;			/* "" disables */
	char *control_socket;
	uint64_t stats_interval;
	char *report_dir;
	uint64_t report_interval, report_min_count;
};

/* Parse and validate; on error return NULL with "FILE:LINE: reason". */
/* The one rule for a feed's name (`[feed NAME]`): it names the feed's
 * directory in state_dir, so letters, digits, `-', `_' and `.', not
 * starting with `.' (no "..", no hidden file), at most CONF_FEED_NAME_MAX
 * bytes. The configuration, the trust store and the tools all use it. */
#define CONF_FEED_NAME_MAX 64

/* A feed's values before any key is set: the configuration table's
 * defaults (the one place they are written), for tools given no
 * configuration. Only the numbers and enums are filled; pointers are NULL. */
const struct feed_conf *conf_feed_defaults(void);
bool conf_feed_name_ok(const char *s);

struct conf *conf_load(const char *path, struct verr *e);
/* The same from text in memory (len bytes, no NUL needed); `name` stands
 * for the file in messages and in conf->path. */
struct conf *conf_parse(const char *text, size_t len, const char *name,
    struct verr *e);
/* The defaults alone (no feeds): for tools given a list on the command line. */
struct conf *conf_default(void);
void conf_free(struct conf *c);	/* drops one reference (see conf_ref) */
/* Shared ownership: policy snapshots share the configuration they were
 * built from; conf_ref() adds an owner, conf_free() drops one. */
struct conf *conf_ref(struct conf *c);
/* Print the effective configuration, one `key = value` per line. */
void conf_print(FILE *f, const struct conf *c);
/* Find a feed by name; NULL if none. */
const struct feed_conf *conf_feed(const struct conf *c, const char *name);

/* Mark layout inside mark_mask (docs/design.md section 6): the two lowest bits
 * of the mask hold one of these values. */
enum conf_mark {
	MARK_UNDECIDED = 0,	/* keep queueing */
	MARK_ALLOW = 1,		/* flow decided allowed: skip the queue */
	MARK_BLOCK = 2,		/* flow decided blocked: drop in the kernel */
	MARK_PASS = 3		/* this packet only: let it through (and our own
				 * injected packets carry it as socket mark) */
};
uint32_t conf_mark_value(const struct conf *c, enum conf_mark m);

#endif
