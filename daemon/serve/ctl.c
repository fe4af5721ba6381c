/* ctl.c - the control socket: request parser, server thread, client; see
 * ctl.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "serve/ctl.h"
#include "core/log.h"
#include "engine/stats.h"

/* --- the request line */

static const char *const cmd_names[CTL_NCMDS] = {
	"ping", "stats", "status", "reload", "fetch", "confirm",
};

const char *
ctl_cmd_name(enum ctl_cmd c)
{
	return (unsigned)c < CTL_NCMDS ? cmd_names[c] : "?";
}

static bool
feed_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= STATUS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool
serial_ok(const char *s, size_t n)
{
	if (n == 0 || n >= STATUS_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Split into at most max words; -1 if there are more. */
static int
split_words(const char *buf, size_t len, const char **w, size_t *wl, int max)
{
	int n = 0;
	size_t i = 0;

	for (;;) {
		size_t start;
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i == len)
			return n;
		if (n == max)
			return -1;
		start = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\t')
			i++;
		w[n] = buf + start;
		wl[n++] = i - start;
	}
}

int
ctl_request_parse(const char *buf, size_t len, struct ctl_request *req,
    struct verr *e)
{
	const char *w[4];
	size_t wl[4];
	int n, c;

	memset(req, 0, sizeof(*req));
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > CTL_REQ_MAX) {
		verr_set(e, "request longer than %d bytes", CTL_REQ_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			verr_set(e, "request has a control or non-ASCII byte "
			    "(0x%02x) at offset %zu", ch, i);
			return -1;
		}
	}
	if ((n = split_words(buf, len, w, wl, 3)) == -1) {
		verr_set(e, "too many words in the request");
		return -1;
	}
	if (n == 0) {
		verr_set(e, "empty request");
		return -1;
	}
	for (c = 0; c < CTL_NCMDS; c++)
		if (strlen(cmd_names[c]) == wl[0] &&
		    memcmp(cmd_names[c], w[0], wl[0]) == 0)
			break;
	if (c == CTL_NCMDS) {
		char q[64];
		str_quote(q, sizeof(q), w[0], wl[0]);
		verr_set(e, "unknown command `%s' (ping, stats, status, reload, "
		    "fetch [FEED], confirm SERIAL [FEED])", q);
		return -1;
	}
	req->cmd = (enum ctl_cmd)c;
	switch (req->cmd) {
	case CTL_FETCH:
		if (n > 2)
			goto extra;
		if (n == 2) {
			if (!feed_name_ok(w[1], wl[1]))
				goto badfeed;
			str_ncopy(req->feed, sizeof(req->feed), w[1], wl[1]);
		}
		return 0;
	case CTL_CONFIRM:
		if (n < 2) {
			verr_set(e, "confirm needs a SERIAL");
			return -1;
		}
		if (!serial_ok(w[1], wl[1])) {
			verr_set(e, "confirm: the serial is not a decimal number "
			    "of at most %d digits", STATUS_SERIAL_MAX - 1);
			return -1;
		}
		str_ncopy(req->serial, sizeof(req->serial), w[1], wl[1]);
		if (n == 3) {
			if (!feed_name_ok(w[2], wl[2]))
				goto badfeed;
			str_ncopy(req->feed, sizeof(req->feed), w[2], wl[2]);
		}
		return 0;
	default:
		if (n > 1)
			goto extra;
		return 0;
	}
extra:
	verr_set(e, "%s takes %s", cmd_names[req->cmd], req->cmd == CTL_FETCH ?
	    "at most one FEED" : "no argument");
	return -1;
badfeed:
	verr_set(e, "a feed name is letters, digits, `-', `_' or `.' (at most "
	    "%d)", STATUS_NAME_MAX - 1);
	return -1;
}

/* --- the listening socket */

static int
sun_fill(struct sockaddr_un *sun, const char *path, struct verr *e)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		verr_set(e, "control_socket `%s' is longer than %zu bytes", path,
		    sizeof(sun->sun_path) - 1);
		return -1;
	}
	str_copy(sun->sun_path, path, sizeof(sun->sun_path));
	return 0;
}

/* Create the socket's directory if missing: 0750, owner ours, group gid. */
static int
ensure_dir(const char *path, gid_t gid, struct verr *e)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	str_copy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) == -1) {
		if (errno == EEXIST)
			return 0;	/* an existing directory is left alone */
		verr_set(e, "%s: mkdir: %s", dir, strerror(errno));
		return -1;
	}
	if (chown(dir, (uid_t)-1, gid) == -1 || chmod(dir, 0750) == -1) {
		verr_set(e, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove a socket left behind, unless somebody listens on it. */
static int
remove_stale(const char *path, const struct sockaddr_un *sun, struct verr *e)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : (verr_set(e, "%s: %s", path,
		    strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		verr_set(e, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		verr_set(e, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		verr_set(e, "%s: another vetod is listening on it", path);
		return -1;
	}
	if (unlink(path) == -1) {
		verr_set(e, "%s: unlink: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
ctl_listen(const char *path, gid_t gid, struct verr *e)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, rc;

	if (sun_fill(&sun, path, e) == -1 || ensure_dir(path, gid, e) == -1 ||
	    remove_stale(path, &sun, e) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		verr_set(e, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0117);	/* the socket is born 0660 */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1) {
		verr_set(e, "%s: bind: %s", path, strerror(errno));
		goto fail;
	}
	if (chown(path, (uid_t)-1, gid) == -1 || chmod(path, 0660) == -1) {
		verr_set(e, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, CTL_MAX_CLIENTS) == -1) {
		verr_set(e, "%s: listen: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* --- the server */

enum cstate { C_FREE, C_READING, C_WAITING, C_WRITING };

struct ctl_job {
	struct ctl *ctl;
	enum ctl_cmd cmd;
	bool done, orphan, ok;
	char *message;
	cJSON *detail;
};

struct client {
	enum cstate state;
	int fd;
	uid_t uid;
	bool refused;		/* peer credentials refused */
	char in[CTL_REQ_MAX + 3];	/* the line, CR LF, NUL */
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	uint64_t deadline;	/* monotonic ms */
	struct ctl_job *job;
	enum ctl_cmd cmd;
};

struct ctl {
	int lfd, wakefd;
	gid_t gid;
	struct ctl_ops ops;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	_Atomic int read_ms, job_ms;	/* ctl_set_timeouts() may race the thread */
	pthread_mutex_t mtx;		/* jobs' fields, njobs */
	unsigned njobs;			/* handed to the daemon, not done */
	struct client clients[CTL_MAX_CLIENTS];
	struct status_trend trend;
	uint64_t next_trend;
};

static void
wake(struct ctl *c)
{
	uint64_t one = 1;

	if (write(c->wakefd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("control: wake");
}

static void
client_close(struct client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->state = C_FREE;
}

/* Queue a reply (takes the JSON object) and switch to writing. */
static void
client_reply(struct ctl *c, struct client *cl, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	size_t n;

	cJSON_Delete(o);
	if (text == NULL) {
		client_close(cl);
		return;
	}
	n = strlen(text);
	cl->out = xrealloc(text, n + 2);
	cl->out[n++] = '\n';
	cl->out[n] = '\0';
	cl->outlen = n;
	cl->outoff = 0;
	cl->state = C_WRITING;
	cl->deadline = now_mono_ms() + (uint64_t)c->read_ms;
}

static cJSON *
error_reply(const char *command, const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", 0);
	if (command != NULL)
		cJSON_AddStringToObject(o, "command", command);
	cJSON_AddStringToObject(o, "error", msg);
	return o;
}

static cJSON *
reply_stats(struct ctl *c)
{
	struct daemon_status *st = xcalloc(1, sizeof(*st));
	struct stats_total *t = xcalloc(1, sizeof(*t));
	cJSON *o;

	status_collect(&c->ops.src, st);
	stats_sum(t);
	o = status_json_stats(t, st);
	free(st);
	free(t);
	return o;
}

static cJSON *
reply_status(struct ctl *c)
{
	struct daemon_status *st = xcalloc(1, sizeof(*st));
	struct status_assessment *a = xcalloc(1, sizeof(*a));
	cJSON *o;

	status_collect(&c->ops.src, st);
	status_trend_note(&c->trend, st);
	status_assess(st, &c->trend, a);
	o = status_json_status(st, a);
	free(st);
	free(a);
	return o;
}

/* Hand a long command to the daemon. */
static void
start_job(struct ctl *c, struct client *cl, const struct ctl_request *rq)
{
	struct ctl_job *job;
	struct verr e = {""};
	int rc = -1;

	if ((rq->cmd == CTL_RELOAD && c->ops.reload == NULL) ||
	    (rq->cmd == CTL_FETCH && c->ops.fetch == NULL) ||
	    (rq->cmd == CTL_CONFIRM && c->ops.confirm == NULL)) {
		client_reply(c, cl, error_reply(ctl_cmd_name(rq->cmd),
		    "not supported by this vetod"));
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->ctl = c;
	job->cmd = rq->cmd;
	pthread_mutex_lock(&c->mtx);
	c->njobs++;		/* before the daemon can complete it */
	pthread_mutex_unlock(&c->mtx);
	if (rq->cmd == CTL_RELOAD)
		rc = c->ops.reload(c->ops.arg, job, &e);
	else if (rq->cmd == CTL_FETCH)
		rc = c->ops.fetch(c->ops.arg, job, rq->feed, &e);
	else
		rc = c->ops.confirm(c->ops.arg, job, rq->serial, rq->feed, &e);
	if (rc == -1) {
		pthread_mutex_lock(&c->mtx);
		c->njobs--;
		pthread_mutex_unlock(&c->mtx);
		free(job);
		client_reply(c, cl, error_reply(ctl_cmd_name(rq->cmd),
		    *e.msg ? e.msg : "refused"));
		return;
	}
	cl->job = job;
	cl->state = C_WAITING;
	cl->deadline = now_mono_ms() + (uint64_t)c->job_ms;
}

static void
handle_request(struct ctl *c, struct client *cl, size_t len)
{
	struct ctl_request rq;
	struct verr e;
	cJSON *o;

	if (cl->refused) {
		log_warnx("control: request from uid %ld refused (not root, not "
		    "the daemon's user or group)", (long)(int)cl->uid);
		client_reply(c, cl, error_reply(NULL, "permission denied: the "
		    "control socket is for root and vetod's user and group"));
		return;
	}
	if (ctl_request_parse(cl->in, len, &rq, &e) == -1) {
		client_reply(c, cl, error_reply(NULL, e.msg));
		return;
	}
	cl->cmd = rq.cmd;
	switch (rq.cmd) {
	case CTL_PING:
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", 1);
		cJSON_AddStringToObject(o, "command", "ping");
		cJSON_AddStringToObject(o, "version", VETO_VERSION);
		client_reply(c, cl, o);
		return;
	case CTL_STATS:
		client_reply(c, cl, reply_stats(c));
		return;
	case CTL_STATUS:
		client_reply(c, cl, reply_status(c));
		return;
	default:
		start_job(c, cl, &rq);
		return;
	}
}

static void
client_read(struct ctl *c, struct client *cl)
{
	ssize_t n;
	char *nl;

	n = read(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - 1 - cl->inlen);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(cl);
		return;
	}
	if (n == 0) {			/* EOF: what we have is the request */
		if (cl->inlen == 0)
			client_close(cl);
		else
			handle_request(c, cl, cl->inlen);
		return;
	}
	cl->inlen += (size_t)n;
	cl->in[cl->inlen] = '\0';
	if ((nl = memchr(cl->in, '\n', cl->inlen)) != NULL)
		handle_request(c, cl, (size_t)(nl - cl->in));
	else if (cl->inlen > CTL_REQ_MAX + 1)
		client_reply(c, cl, error_reply(NULL, "request too long"));
}

static void
client_write(struct client *cl)
{
	ssize_t n = write(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff);

	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(cl);
		return;
	}
	cl->outoff += (size_t)n;
	if (cl->outoff == cl->outlen)
		client_close(cl);
}

/* Is the peer root, us, or in our group? */
static bool
peer_allowed(int fd, gid_t gid, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];

	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return false;
	*uid = cr.uid;
	if (cr.uid == 0 || cr.uid == geteuid() || cr.gid == gid)
		return true;
#ifdef SO_PEERGROUPS
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		for (size_t i = 0; i < len / sizeof(gid_t); i++)
			if (groups[i] == gid)
				return true;
#endif
	return false;
}

static void
accept_one(struct ctl *c)
{
	struct client *cl = NULL;
	int fd;

	for (int i = 0; i < CTL_MAX_CLIENTS && cl == NULL; i++)
		if (c->clients[i].state == C_FREE)
			cl = &c->clients[i];
	if (cl == NULL)
		return;
	fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	cl->fd = fd;
	cl->state = C_READING;
	cl->deadline = now_mono_ms() + (uint64_t)c->read_ms;
	/* a refused peer is answered once its request is read (closing
	 * with unread bytes would reset the connection under the reply) */
	cl->refused = !peer_allowed(fd, c->gid, &cl->uid);
}

/* Replies of jobs the daemon completed; jobs of clients that timed out. */
static void
jobs_check(struct ctl *c, uint64_t now)
{
	pthread_mutex_lock(&c->mtx);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];
		struct ctl_job *job = cl->job;
		cJSON *o;
		if (cl->state != C_WAITING)
			continue;
		if (job->done) {
			o = cJSON_CreateObject();
			cJSON_AddBoolToObject(o, "ok", job->ok);
			cJSON_AddStringToObject(o, "command", ctl_cmd_name(job->cmd));
			cJSON_AddStringToObject(o, job->ok ? "message" : "error",
			    job->message ? job->message : "");
			if (job->detail != NULL)
				cJSON_AddItemToObject(o, "detail", job->detail);
			free(job->message);
			free(job);
			cl->job = NULL;
			client_reply(c, cl, o);
		} else if (now >= cl->deadline) {
			char msg[160];
			job->orphan = true;
			cl->job = NULL;
			snprintf(msg, sizeof(msg), "%s still running after %d s; "
			    "it goes on: see `veto status` and vetod's log",
			    ctl_cmd_name(job->cmd), c->job_ms / 1000);
			client_reply(c, cl, error_reply(ctl_cmd_name(job->cmd), msg));
		}
	}
	pthread_mutex_unlock(&c->mtx);
}

/* Orphan the job of a client that goes away. */
static void
client_drop(struct ctl *c, struct client *cl)
{
	if (cl->state == C_WAITING && cl->job != NULL) {
		pthread_mutex_lock(&c->mtx);
		if (cl->job->done) {
			cJSON_Delete(cl->job->detail);
			free(cl->job->message);
			free(cl->job);
		} else {
			cl->job->orphan = true;
		}
		pthread_mutex_unlock(&c->mtx);
		cl->job = NULL;
	}
	client_close(cl);
}

static void
trend_sample(struct ctl *c, uint64_t now)
{
	struct daemon_status *st;

	if (now < c->next_trend)
		return;
	c->next_trend = now + CTL_TREND_EVERY_MS;
	if (c->ops.src.fill == NULL)
		return;
	st = xcalloc(1, sizeof(*st));
	status_collect(&c->ops.src, st);
	status_trend_note(&c->trend, st);
	free(st);
}

static int
poll_timeout(const struct ctl *c, uint64_t now)
{
	uint64_t t = c->next_trend > now ? c->next_trend - now : 0;

	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		const struct client *cl = &c->clients[i];
		if (cl->state != C_FREE)
			t = MIN(t, cl->deadline > now ? cl->deadline - now : 0);
	}
	return (int)MIN(t, 1000);
}

static void
serve_once(struct ctl *c)
{
	struct pollfd pfd[CTL_MAX_CLIENTS + 2];
	int idx[CTL_MAX_CLIENTS], n = 2, busy = 0;
	uint64_t now = now_mono_ms();

	pfd[0] = (struct pollfd){.fd = c->wakefd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = c->lfd, .events = POLLIN};
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];
		idx[i] = -1;
		if (cl->state == C_FREE)
			continue;
		busy++;
		pfd[n] = (struct pollfd){.fd = cl->fd,
		    .events = cl->state == C_READING ? POLLIN :
		    cl->state == C_WRITING ? POLLOUT : 0};
		idx[i] = n++;
	}
	if (busy == CTL_MAX_CLIENTS)
		pfd[1].fd = -1;		/* full: leave them in the backlog */
	if (poll(pfd, (nfds_t)n, poll_timeout(c, now)) == -1 && errno != EINTR)
		return;
	if (pfd[0].revents & POLLIN) {
		uint64_t v;
		if (read(c->wakefd, &v, sizeof(v)) == -1 && errno != EAGAIN)
			log_warn("control: wake read");
	}
	now = now_mono_ms();
	jobs_check(c, now);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];
		short re = idx[i] >= 0 ? pfd[idx[i]].revents : 0;
		if (cl->state == C_FREE || idx[i] < 0)
			continue;
		if (cl->state == C_READING && (re & (POLLIN | POLLHUP | POLLERR)))
			client_read(c, cl);
		else if (cl->state == C_WRITING && (re & (POLLOUT | POLLERR | POLLHUP)))
			client_write(cl);
		else if (cl->state == C_WAITING && (re & (POLLHUP | POLLERR)))
			client_drop(c, cl);
		if (cl->state != C_FREE && cl->state != C_WAITING &&
		    now >= cl->deadline)
			client_drop(c, cl);	/* too slow */
	}
	if (pfd[1].fd >= 0 && (pfd[1].revents & POLLIN))
		accept_one(c);
	trend_sample(c, now);
}

static void *
serve(void *arg)
{
	struct ctl *c = arg;

	while (!atomic_load(&c->stop))
		serve_once(c);
	return NULL;
}

struct ctl *
ctl_start(int fd, const struct ctl_ops *ops, gid_t gid, struct verr *e)
{
	struct ctl *c = xcalloc(1, sizeof(*c));
	int fl;

	c->lfd = fd;
	c->gid = gid;
	c->ops = *ops;
	c->read_ms = CTL_READ_TIMEOUT_MS;
	c->job_ms = CTL_JOB_TIMEOUT_MS;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	pthread_mutex_init(&c->mtx, NULL);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    (c->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		verr_set(e, "control: %s", strerror(errno));
		goto fail;
	}
	if ((errno = pthread_create(&c->thread, NULL, serve, c)) != 0) {
		verr_set(e, "control: pthread_create: %s", strerror(errno));
		close(c->wakefd);
		goto fail;
	}
	c->started = true;
	return c;
fail:
	close(fd);
	pthread_mutex_destroy(&c->mtx);
	free(c);
	return NULL;
}

void
ctl_set_timeouts(struct ctl *c, int read_ms, int job_ms)
{
	/* read by the server thread without a lock: set before clients come */
	if (read_ms > 0)
		c->read_ms = read_ms;
	if (job_ms > 0)
		c->job_ms = job_ms;
}

void
ctl_stop(struct ctl *c)
{
	if (c == NULL || !c->started)
		return;
	atomic_store(&c->stop, true);
	wake(c);
	pthread_join(c->thread, NULL);
	c->started = false;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->clients[i].state != C_FREE)
			client_drop(c, &c->clients[i]);
	close(c->lfd);
	c->lfd = -1;
}

void
ctl_free(struct ctl *c)
{
	unsigned n;

	if (c == NULL)
		return;
	ctl_stop(c);
	pthread_mutex_lock(&c->mtx);
	n = c->njobs;
	pthread_mutex_unlock(&c->mtx);
	if (n > 0) {
		log_warnx("control: %u jobs not answered at exit", n);
		return;		/* the daemon may still complete them */
	}
	close(c->wakefd);
	pthread_mutex_destroy(&c->mtx);
	free(c);
}

enum ctl_cmd
ctl_job_cmd(const struct ctl_job *job)
{
	return job->cmd;
}

void
ctl_job_done(struct ctl_job *job, bool ok, const char *message, cJSON *detail)
{
	struct ctl *c = job->ctl;

	pthread_mutex_lock(&c->mtx);
	c->njobs--;
	if (job->orphan) {		/* its client is gone */
		cJSON_Delete(detail);
		free(job);
	} else {
		job->ok = ok;
		job->message = xstrdup(message ? message : "");
		job->detail = detail;
		job->done = true;
	}
	wake(c);	/* under the lock: ctl_free() waits for it */
	pthread_mutex_unlock(&c->mtx);
}
