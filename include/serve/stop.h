/*
 * stop.h - the stop page server (libmicrohttpd), built into vetod.
 *
 * Blocked users arrive two ways: a forged DNS answer sent their browser to
 * the stop page address with the blocked name in Host, or a 302 from a
 * blocked HTTP request brought them here with ?feed=F&entry=E&cat=C
 * (stoppage.h builds that response). The server answers any Host and any
 * path: a verified query shows that entry's authority and category; else
 * the Host is looked up with match_name(); else a neutral page that still
 * names the operator. /favicon.ico gets a 404. The page itself comes from
 * stoppage.c (template, language, escaping).
 *
 * Start-up, around the privilege drop:
 *   stop_new()    as root: binds and listens on every stop_page_listen
 *                 address (port 80 needs root) and loads the template.
 *                 No thread yet.
 *   stop_start()  after dropping privileges: one libmicrohttpd daemon per
 *                 listening socket (MHD_OPTION_LISTEN_SOCKET), each with
 *                 STOP_THREADS internal threads.
 *   stop_reload() reload: re-reads stop_page_template from the new
 *                 configuration and keeps the old template if that fails.
 *                 Listen addresses are fixed until restart.
 *   stop_free()   stops the threads and closes the sockets.
 * The rules in force come from policy_get()/policy_put() per request; the
 * operator's name, URL, contact and stop_page_status from that policy's
 * configuration (from the last stop_new/stop_reload configuration while no
 * policy is published).
 *
 * Who may connect: stop_page_allow (netacl.h; default `private'). Anyone
 * who reaches the page can ask it whether a name is listed, so only the
 * filtered clients should reach it; others are refused at accept (the
 * connection is closed, nothing is read). A page reached by Host alone
 * shows the category and authority but never the entry id (the list's
 * ids are its confidential part; a redirect's own id is shown back once
 * it checks out, as it came from the 302 the client was sent).
 *
 * Limits, so the page cannot be used to exhaust the daemon: STOP_CONN_MAX
 * connections per listener, STOP_CONN_PER_IP per client address and
 * STOP_CONN_PER_NET per client network (an IPv4 address, an IPv6 /56:
 * one subscriber has many IPv6 addresses), STOP_CONN_MEM bytes of memory
 * per connection (request line and headers must fit), STOP_TIMEOUT
 * seconds of inactivity and STOP_DEADLINE seconds for the whole
 * connection however busy (a reaper thread shuts down older connections
 * every STOP_REAP_MS: bytes trickled one by one keep an inactivity timer
 * alive, not this), one request per connection: the page is queued as
 * soon as the headers are in (any method; a request body is never read)
 * and libmicrohttpd then closes the connection, so an idle browser never
 * holds a slot.
 *
 * Privacy: no access log; libmicrohttpd's own messages are discarded
 * (they can name a client address); nothing here logs a connection. The
 * per-address and per-network limits keep addresses (libmicrohttpd's) and
 * networks (ours) in memory only while their connections are open. The requested URL, Host and query are never
 * written to the page. Counts only: pages per stats category, how they
 * were resolved.
 *
 * Entry ids in a redirect are checked against the matcher: the lists'
 * entries are gone once the matcher is built, so an index (entry id ->
 * matcher entry number; 4 bytes per slot, load at most 3/4, so 5.3 to 10.7
 * bytes per entry) is built on the first redirect visit after each policy
 * swap, under a lock of its own (one pass of matcher_entry(); 0.5 to 1.5 s
 * for 1M entries on the test machine; other redirect visits wait for it,
 * Host and neutral pages do not). Above
 * STOP_INDEX_MAX entries no index is built and the page omits the
 * reference; feed and category are checked against the list either way.
 */
#ifndef VETO_STOP_H
#define VETO_STOP_H

#include <stdint.h>

#include "core/conf.h"
#include "engine/stats.h"
#include "core/util.h"

#define STOP_THREADS 2		/* per listening socket */
#define STOP_CONN_MAX 256	/* per listening socket */
#define STOP_CONN_PER_IP 16
#define STOP_CONN_MEM (16 * 1024)
#define STOP_CONN_PER_NET 16	/* per IPv4 address or IPv6 /56 */
#define STOP_NET6_BITS 56
#define STOP_TIMEOUT 10		/* seconds of inactivity */
#define STOP_DEADLINE 5		/* seconds for a whole connection */
#define STOP_REAP_MS 250
#define STOP_BACKLOG 256
#define STOP_INDEX_MAX (4u << 20)	/* entries */

struct stop_server;

/* Bind and listen on c->stop_page_listen, load c->stop_page_template.
 * NULL with e set ("stop page: cannot listen on ADDR: reason"). Takes a
 * reference on c (conf_ref). No listen address: a server that serves
 * nothing. */
struct stop_server *stop_new(struct conf *c, struct verr *e);
/* Start serving. -1 with e set if a libmicrohttpd daemon would not start.
 * thread_hook (may be NULL) is called once in each serving thread, on its
 * first connection, before anything of the client is read (vetod narrows
 * the thread's system calls there: vetod/sandbox.h). */
int stop_start(struct stop_server *s, void (*thread_hook)(void),
    struct verr *e);
/* New template and fallback configuration; on error the old ones stay. */
int stop_reload(struct stop_server *s, struct conf *c, struct verr *e);
void stop_free(struct stop_server *s);	/* NULL allowed */

/* The listening sockets (tests: the bound address of port 0). */
unsigned stop_listeners(const struct stop_server *s);
int stop_listener_fd(const struct stop_server *s, unsigned i);

/* Counters since start, for the metrics module. Pages are counted once per
 * request answered with a page (any method; not /favicon.ico). */
struct stop_counts {
	uint64_t pages;		/* every page served */
	uint64_t by_query;	/* a redirect's feed and category checked out */
	uint64_t by_host;	/* the Host matched an entry (a DNS answer) */
	uint64_t unmatched;	/* the neutral page */
	uint64_t no_reference;	/* by_query, but the entry id did not check
				 * out (a newer list, or no index) */
	uint64_t cat[STATS_MAX_CATS];	/* by stats category (stats.h) */
};
void stop_counts_get(struct stop_counts *out);

#endif
