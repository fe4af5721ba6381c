/* stop.c - the stop page server; see stop.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/netacl.h"
#include "policy/match.h"
#include "policy/policy.h"
#include "core/net.h"
#include "core/hash.h"
#include "serve/stop.h"
#include "serve/stoppage.h"

struct listener {
	int fd;
	struct MHD_Daemon *mhd;
	char addr[INET6_ADDRSTRLEN + 8];	/* as configured */
};

struct tmpl_ref {
	struct stop_tmpl *t;
	atomic_int refs;
};

/* Entry id -> entry number, for one policy generation (see stop.h). */
struct entry_index {
	uint64_t gen;		/* 0: none built */
	bool usable;		/* false: too many entries */
	uint32_t *slots;	/* entry number + 1; 0 is empty */
	size_t mask;
};

/* An open connection, from libmicrohttpd's STARTED notice to its CLOSED
 * notice (the socket is closed after CLOSED, so it is valid while the slot
 * is used). net: the IPv4 address, or the IPv6 /56, of the client; kept
 * only while the connection is open, never logged. */
struct conn_slot {
	bool used, cut;		/* cut: shutdown() already done */
	uint8_t family;
	uint8_t net[7];
	int fd;
	uint64_t t0;		/* now_mono_ms() at accept */
};

#define STOP_SLOTS (CONF_MAX_LISTEN * STOP_CONN_MAX)

struct stop_server {
	struct listener ls[CONF_MAX_LISTEN];
	unsigned nls;
	bool started;
	pthread_mutex_t mtx;	/* tmpl, conf, acl */
	struct netacl acl;	/* stop_page_allow */
	pthread_mutex_t conn_mtx;	/* slots, nslots, stopping */
	struct conn_slot *slots;
	unsigned nslots;	/* high-water mark of used slots */
	bool stopping;
	pthread_cond_t conn_cv;	/* wakes the reaper to stop */
	pthread_t reaper;
	bool reaper_started;
	void (*thread_hook)(void);	/* once per serving thread */
	struct tmpl_ref *tmpl;
	struct conf *conf;	/* while no policy is published */
	pthread_mutex_t idx_mtx;	/* idx: a build holds it for a while */
	struct entry_index idx;
};

/* Per request, from the URI callback to the completion callback. */
struct req {
	struct stop_query q;
};

static _Atomic uint64_t n_pages, n_query, n_host, n_unmatched, n_noref;
static _Atomic uint64_t n_cat[STATS_MAX_CATS];

static const char content_security[] =
    "default-src 'none'; style-src 'unsafe-inline'";

/* ------------------------------------------------------------------ */
/* Listening sockets (opened before the privilege drop). */

static int
listen_on(const char *addr, struct verr *e)
{
	return net_listen("stop_page_listen", addr, STOP_BACKLOG, SOCK_NONBLOCK, e);
}

/* ------------------------------------------------------------------ */
/* Shared state: template, fallback configuration. */

static struct tmpl_ref *
tmpl_get(struct stop_server *s)
{
	struct tmpl_ref *r;

	pthread_mutex_lock(&s->mtx);
	r = s->tmpl;
	atomic_fetch_add(&r->refs, 1);
	pthread_mutex_unlock(&s->mtx);
	return r;
}

static void
tmpl_put(struct tmpl_ref *r)
{
	if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1) {
		stop_tmpl_free(r->t);
		free(r);
	}
}

static struct tmpl_ref *
tmpl_new(const struct conf *c, struct verr *e)
{
	struct stop_tmpl *t = stop_tmpl_load(c->stop_page_template, e);
	struct tmpl_ref *r;

	if (t == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->t = t;
	atomic_store(&r->refs, 1);
	return r;
}

/* ------------------------------------------------------------------ */
/* Entry ids of a redirect, checked against the matcher. */

static uint64_t
id_hash(uint16_t feed, const char *id)
{
	return hash_fold(hash_str(HASH_INIT ^ feed, id));
}

static void
index_build(struct entry_index *x, const struct policy *pol)
{
	size_t n = matcher_entries(pol->matcher), size = 16;
	struct match_result r;

	free(x->slots);
	memset(x, 0, sizeof(*x));
	x->gen = pol->gen;
	if (n > STOP_INDEX_MAX)
		return;
	while (size < n + n / 3 + 1)
		size *= 2;
	x->slots = xcalloc(size, sizeof(uint32_t));
	x->mask = size - 1;
	x->usable = true;
	for (uint32_t i = 0; i < n; i++) {
		size_t j;

		matcher_entry(pol->matcher, i, &r);
		for (j = id_hash(r.feed, r.id) & x->mask; x->slots[j] != 0;
		    j = (j + 1) & x->mask)
			;
		x->slots[j] = i + 1;
	}
}

/* Is there an entry `id` of category `cat` in feed `feed`? r gets it (its
 * id lives with the matcher, valid while the caller holds pol). */
static bool
index_find(struct stop_server *s, const struct policy *pol, uint16_t feed,
    uint32_t cat, const char *id, struct match_result *r)
{
	struct entry_index *x = &s->idx;
	bool found = false;

	pthread_mutex_lock(&s->idx_mtx);
	if (x->gen != pol->gen)
		index_build(x, pol);
	if (x->usable) {
		for (size_t j = id_hash(feed, id) & x->mask; x->slots[j] != 0;
		    j = (j + 1) & x->mask) {
			matcher_entry(pol->matcher, x->slots[j] - 1, r);
			if (r->feed == feed && r->cat == cat &&
			    strcmp(r->id, id) == 0) {
				found = true;
				break;
			}
		}
	}
	pthread_mutex_unlock(&s->idx_mtx);
	return found;
}

/* ------------------------------------------------------------------ */
/* What a request is about. */

enum how { HOW_NONE, HOW_QUERY, HOW_HOST };

static int
feed_by_name(const struct policy *pol, const char *name)
{
	for (unsigned i = 0; i < pol->nfeeds; i++) {
		const struct list *l = pol->feeds[i].list;

		if (l != NULL && l->feed != NULL && strcmp(l->feed, name) == 0)
			return (int)i;
	}
	return -1;
}

static int
cat_by_id(const struct list *l, const char *id)
{
	for (uint32_t i = 0; i < l->ncats; i++)
		if (l->cats[i].id != NULL && strcmp(l->cats[i].id, id) == 0)
			return (int)i;
	return -1;
}

static enum how
by_query(struct stop_server *s, const struct policy *pol,
    const struct stop_query *q, struct stop_subject *subj, uint16_t *feed)
{
	struct match_result r;
	int f, c;

	if (!q->has_feed || !q->has_cat || (f = feed_by_name(pol, q->feed)) < 0)
		return HOW_NONE;
	if ((c = cat_by_id(pol->feeds[f].list, q->cat)) < 0)
		return HOW_NONE;
	subj->list = pol->feeds[f].list;
	subj->cat = (uint32_t)c;
	subj->entry_id = NULL;
	if (q->has_entry && index_find(s, pol, (uint16_t)f, (uint32_t)c,
	    q->entry, &r))
		subj->entry_id = r.id;
	*feed = (uint16_t)f;
	return HOW_QUERY;
}

static enum how
by_host(const struct policy *pol, const char *host,
    struct stop_subject *subj, uint16_t *feed)
{
	char name[NORM_NAME_MAX + 1];
	struct match_result r;
	const struct list *l;
	int n;

	if (host == NULL ||
	    (n = stop_host_name(host, strlen(host), name)) < 0 ||
	    !match_name(pol->matcher, name, (size_t)n, &r) ||
	    r.feed >= pol->nfeeds || (l = pol->feeds[r.feed].list) == NULL ||
	    r.cat >= l->ncats)
		return HOW_NONE;
	subj->list = l;
	subj->cat = r.cat;
	/* No reference: whoever can send a Host could otherwise read the
	 * list's entry ids (its confidential part) name by name. */
	subj->entry_id = NULL;
	*feed = r.feed;
	return HOW_HOST;
}

static void
count(const struct policy *pol, enum how how, const struct stop_subject *subj,
    uint16_t feed)
{
	const uint16_t *statcat;
	uint16_t sc;

	atomic_fetch_add_explicit(&n_pages, 1, memory_order_relaxed);
	if (how == HOW_NONE) {
		atomic_fetch_add_explicit(&n_unmatched, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(how == HOW_QUERY ? &n_query : &n_host, 1,
	    memory_order_relaxed);
	if (how == HOW_QUERY && subj->entry_id == NULL)
		atomic_fetch_add_explicit(&n_noref, 1, memory_order_relaxed);
	statcat = pol->feeds[feed].statcat;
	sc = statcat != NULL ? statcat[subj->cat] : STATS_CAT_OTHER;
	if (sc >= STATS_MAX_CATS)
		sc = STATS_CAT_OTHER;
	atomic_fetch_add_explicit(&n_cat[sc], 1, memory_order_relaxed);
}

void
stop_counts_get(struct stop_counts *out)
{
	out->pages = atomic_load_explicit(&n_pages, memory_order_relaxed);
	out->by_query = atomic_load_explicit(&n_query, memory_order_relaxed);
	out->by_host = atomic_load_explicit(&n_host, memory_order_relaxed);
	out->unmatched = atomic_load_explicit(&n_unmatched, memory_order_relaxed);
	out->no_reference = atomic_load_explicit(&n_noref, memory_order_relaxed);
	for (unsigned i = 0; i < STATS_MAX_CATS; i++)
		out->cat[i] = atomic_load_explicit(&n_cat[i],
		    memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* libmicrohttpd callbacks. */

static void
add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
	    content_security);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	add_common_headers(resp);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
reply_page(struct MHD_Connection *conn, const struct conf *c, char *page,
    size_t len, const char *lang)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char link[1024];
	unsigned status = c->stop_page_status == 403 ? MHD_HTTP_FORBIDDEN :
	    MHD_HTTP_UNAVAILABLE_FOR_LEGAL_REASONS;

	resp = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_LANGUAGE, lang);
	add_common_headers(resp);
	if (status == MHD_HTTP_UNAVAILABLE_FOR_LEGAL_REASONS &&
	    stop_link_header(c, link, sizeof(link)) > 0)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LINK, link);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
serve(struct stop_server *s, struct MHD_Connection *conn, const struct req *rq)
{
	struct policy *pol = policy_get();
	struct conf *fallback = NULL;
	const struct conf *c;
	struct stop_subject subj = {NULL, 0, NULL};
	struct tmpl_ref *t = tmpl_get(s);
	enum how how = HOW_NONE;
	uint16_t feed = 0;
	char lang[STOP_LANG_MAX + 1], *page;
	size_t len;
	enum MHD_Result ret;

	if (pol != NULL) {
		c = pol->conf;
		how = by_query(s, pol, &rq->q, &subj, &feed);
		if (how == HOW_NONE)
			how = by_host(pol, MHD_lookup_connection_value(conn,
			    MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST), &subj, &feed);
	} else {
		pthread_mutex_lock(&s->mtx);
		c = fallback = conf_ref(s->conf);
		pthread_mutex_unlock(&s->mtx);
	}
	if (how == HOW_NONE)
		memset(&subj, 0, sizeof(subj));
	page = stop_page(t->t, c, &subj, MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE), &len, lang);
	if (page == NULL)
		ret = reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "The notice page could not be built.\n");
	else
		ret = reply_page(conn, c, page, len, lang);
	count(pol, how, &subj, feed);
	tmpl_put(t);
	conf_free(fallback);
	policy_put(pol);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	static const struct req noreq;
	const struct req *rq = *ctx != NULL ? *ctx : &noreq;

	(void)method;
	(void)version;
	(void)upload;
	(void)upload_size;
	/* Answer at once, whatever the method: a request body is never read
	 * (libmicrohttpd closes the connection after the response). */
	if (strcmp(url, "/favicon.ico") == 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "Not found.\n");
	return serve(cls, conn, rq);
}

/* Called with the raw request target before anything else: the query,
 * parsed here, is all we keep of it. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *rq = xcalloc(1, sizeof(*rq));
	const char *q = strchr(uri, '?');

	(void)cls;
	(void)conn;
	if (q != NULL)
		stop_query_parse(q + 1, strlen(q + 1), &rq->q);
	return rq;
}

static void
on_done(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*ctx);
	*ctx = NULL;
}

/* libmicrohttpd's messages may name a client address: never logged. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}


/* ------------------------------------------------------------------ */
/* Who may connect, and for how long (stop.h: Limits). */

static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct stop_server *s = cls;
	bool ok;

	(void)addrlen;
	pthread_mutex_lock(&s->mtx);
	ok = netacl_match(&s->acl, addr);
	pthread_mutex_unlock(&s->mtx);
	return ok ? MHD_YES : MHD_NO;
}

/* The client's network: an IPv4 address (or a mapped one), an IPv6 /56. */
static void
client_net(const struct sockaddr *sa, struct conn_slot *c)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	const uint8_t *a6;

	memset(c->net, 0, sizeof(c->net));
	c->family = AF_UNSPEC;
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		c->family = AF_INET;
		memcpy(c->net, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	a6 = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
		c->family = AF_INET;
		memcpy(c->net, a6 + 12, 4);
	} else {
		c->family = AF_INET6;
		memcpy(c->net, a6, STOP_NET6_BITS / 8);
	}
}

/* Connections open from c's network, c included. conn_mtx held. */
static unsigned
net_count(const struct stop_server *s, const struct conn_slot *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->nslots; i++) {
		const struct conn_slot *o = &s->slots[i];

		if (o->used && !o->cut && o->family == c->family &&
		    memcmp(o->net, c->net, sizeof(o->net)) == 0)
			n++;
	}
	return n;
}

static struct conn_slot *
slot_take(struct stop_server *s)
{
	for (unsigned i = 0; i < STOP_SLOTS; i++) {
		if (!s->slots[i].used) {
			if (i >= s->nslots)
				s->nslots = i + 1;
			s->slots[i].used = true;
			s->slots[i].cut = false;
			return &s->slots[i];
		}
	}
	return NULL;
}

static void
conn_started(struct stop_server *s, struct MHD_Connection *conn, void **ctx)
{
	const union MHD_ConnectionInfo *fi, *ai;
	struct conn_slot *c;
	int fd;

	static _Thread_local bool hooked;

	if (!hooked && s->thread_hook != NULL)
		s->thread_hook();
	hooked = true;
	fi = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	ai = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fi == NULL)
		return;
	fd = (int)fi->connect_fd;
	pthread_mutex_lock(&s->conn_mtx);
	c = slot_take(s);
	if (c == NULL) {
		shutdown(fd, SHUT_RDWR);	/* more than we can track */
	} else {
		c->fd = fd;
		c->t0 = now_mono_ms();
		client_net(ai != NULL ? ai->client_addr : NULL, c);
		if (net_count(s, c) > STOP_CONN_PER_NET) {
			shutdown(fd, SHUT_RDWR);
			c->cut = true;
		}
		*ctx = c;
	}
	pthread_mutex_unlock(&s->conn_mtx);
}

static void
on_conn(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct stop_server *s = cls;
	struct conn_slot *c = *ctx;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		conn_started(s, conn, ctx);
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&s->conn_mtx);
	memset(c, 0, sizeof(*c));
	while (s->nslots > 0 && !s->slots[s->nslots - 1].used)
		s->nslots--;
	pthread_mutex_unlock(&s->conn_mtx);
	*ctx = NULL;
}

/* Cuts every connection older than STOP_DEADLINE, however busy: a client
 * trickling bytes resets libmicrohttpd's inactivity timeout, not this.
 * shutdown() wakes the connection's thread, which then closes it. */
static void *
reaper(void *arg)
{
	struct stop_server *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->conn_mtx);
	while (!s->stopping) {
		uint64_t now = now_mono_ms();

		for (unsigned i = 0; i < s->nslots; i++) {
			struct conn_slot *c = &s->slots[i];

			if (c->used && !c->cut &&
			    now - c->t0 >= STOP_DEADLINE * 1000ULL) {
				shutdown(c->fd, SHUT_RDWR);
				c->cut = true;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += STOP_REAP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->conn_cv, &s->conn_mtx, &ts);
	}
	pthread_mutex_unlock(&s->conn_mtx);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Life cycle. */

struct stop_server *
stop_new(struct conf *c, struct verr *e)
{
	struct stop_server *s = xcalloc(1, sizeof(*s));

	pthread_condattr_t ca;

	pthread_mutex_init(&s->mtx, NULL);
	pthread_mutex_init(&s->idx_mtx, NULL);
	pthread_mutex_init(&s->conn_mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->conn_cv, &ca);
	pthread_condattr_destroy(&ca);
	s->slots = xcalloc(STOP_SLOTS, sizeof(*s->slots));
	for (unsigned i = 0; i < CONF_MAX_LISTEN; i++)
		s->ls[i].fd = -1;
	s->tmpl = tmpl_new(c, e);
	if (s->tmpl == NULL || netacl_parse(c->stop_page_allow, &s->acl,
	    e) == -1) {
		stop_free(s);
		return NULL;
	}
	s->conf = conf_ref(c);
	for (unsigned i = 0; i < c->nstop_page_listen; i++) {
		struct listener *l = &s->ls[s->nls];

		str_copy(l->addr, c->stop_page_listen[i], sizeof(l->addr));
		if ((l->fd = listen_on(c->stop_page_listen[i], e)) < 0) {
			stop_free(s);
			return NULL;
		}
		s->nls++;
	}
	return s;
}

int
stop_start(struct stop_server *s, void (*thread_hook)(void), struct verr *e)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_TURBO;

	s->thread_hook = thread_hook;
	if (s->nls > 0) {
		if (pthread_create(&s->reaper, NULL, reaper, s) != 0) {
			verr_set(e, "stop page: cannot start a thread");
			return -1;
		}
		s->reaper_started = true;
	}
	for (unsigned i = 0; i < s->nls; i++) {
		struct listener *l = &s->ls[i];

		l->mhd = MHD_start_daemon(flags, 0, on_accept, s, on_request, s,
		    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)l->fd,
		    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)STOP_THREADS,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned)STOP_CONN_MAX,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)STOP_CONN_PER_IP,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)STOP_CONN_MEM,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)STOP_TIMEOUT,
		    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
		    MHD_OPTION_NOTIFY_CONNECTION, on_conn, s,
		    MHD_OPTION_END);
		if (l->mhd == NULL) {
			verr_set(e, "stop page: cannot start the server on %s",
			    l->addr);
			return -1;
		}
	}
	s->started = true;
	return 0;
}

int
stop_reload(struct stop_server *s, struct conf *c, struct verr *e)
{
	struct tmpl_ref *t = tmpl_new(c, e), *old;
	struct conf *oldc;
	struct netacl acl;

	if (t == NULL)
		return -1;
	if (netacl_parse(c->stop_page_allow, &acl, e) == -1) {
		tmpl_put(t);
		return -1;
	}
	pthread_mutex_lock(&s->mtx);
	s->acl = acl;
	old = s->tmpl;
	s->tmpl = t;
	oldc = s->conf;
	s->conf = conf_ref(c);
	pthread_mutex_unlock(&s->mtx);
	tmpl_put(old);
	conf_free(oldc);
	return 0;
}

void
stop_free(struct stop_server *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < CONF_MAX_LISTEN; i++) {
		if (s->ls[i].mhd != NULL)
			MHD_stop_daemon(s->ls[i].mhd);	/* closes the fd */
		else if (s->ls[i].fd >= 0)
			close(s->ls[i].fd);
	}
	if (s->reaper_started) {
		pthread_mutex_lock(&s->conn_mtx);
		s->stopping = true;
		pthread_cond_signal(&s->conn_cv);
		pthread_mutex_unlock(&s->conn_mtx);
		pthread_join(s->reaper, NULL);
	}
	free(s->slots);
	pthread_cond_destroy(&s->conn_cv);
	pthread_mutex_destroy(&s->conn_mtx);
	tmpl_put(s->tmpl);
	conf_free(s->conf);
	free(s->idx.slots);
	pthread_mutex_destroy(&s->mtx);
	pthread_mutex_destroy(&s->idx_mtx);
	free(s);
}

unsigned
stop_listeners(const struct stop_server *s)
{
	return s->nls;
}

int
stop_listener_fd(const struct stop_server *s, unsigned i)
{
	return i < s->nls ? s->ls[i].fd : -1;
}
