/* test_ctl.c - the control socket: the request parser, a server on a
 * temporary path answering real clients for every command, malformed and
 * oversized requests, a peer of another uid, slow clients, jobs that the
 * "daemon" (a thread here) completes late or never. */
#include "unit.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "serve/ctl.h"
#include "policy/match.h"
#include "policy/policy.h"

/* --- the parser */

static int
parse(const char *s, struct ctl_request *rq, struct verr *e)
{
	return ctl_request_parse(s, strlen(s), rq, e);
}

static void
test_parse(void **state)
{
	struct ctl_request rq;
	struct verr e;
	char big[CTL_REQ_MAX + 10];

	(void)state;
	assert_int_equal(parse("stats", &rq, &e), 0);
	assert_int_equal(rq.cmd, CTL_STATS);
	assert_int_equal(parse("status\r", &rq, &e), 0);
	assert_int_equal(rq.cmd, CTL_STATUS);
	assert_int_equal(parse("  ping  ", &rq, &e), 0);
	assert_int_equal(rq.cmd, CTL_PING);
	assert_int_equal(parse("reload", &rq, &e), 0);
	assert_int_equal(parse("fetch", &rq, &e), 0);
	assert_string_equal(rq.feed, "");
	assert_int_equal(parse("fetch\tpolice-2.x_y", &rq, &e), 0);
	assert_string_equal(rq.feed, "police-2.x_y");
	assert_int_equal(parse("confirm 2026112801", &rq, &e), 0);
	assert_int_equal(rq.cmd, CTL_CONFIRM);
	assert_string_equal(rq.serial, "2026112801");
	assert_int_equal(parse("confirm 0042 default", &rq, &e), 0);
	assert_string_equal(rq.feed, "default");

	assert_int_equal(parse("", &rq, &e), -1);
	assert_int_equal(parse("   ", &rq, &e), -1);
	assert_int_equal(parse("STATS", &rq, &e), -1);
	assert_non_null(strstr(e.msg, "`STATS'"));
	assert_int_equal(parse("stats now", &rq, &e), -1);
	assert_int_equal(parse("fetch a b", &rq, &e), -1);
	assert_int_equal(parse("fetch ../etc", &rq, &e), -1);
	assert_int_equal(parse("fetch a/b", &rq, &e), -1);
	assert_int_equal(parse("confirm", &rq, &e), -1);
	assert_int_equal(parse("confirm 12a", &rq, &e), -1);
	assert_int_equal(parse("confirm 1 d e", &rq, &e), -1);
	assert_int_equal(ctl_request_parse("stats\0x", 7, &rq, &e), -1);
	assert_int_equal(parse("st\x1b[2Jats", &rq, &e), -1);
	assert_int_equal(parse("fetch caf\xc3\xa9", &rq, &e), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "fetch ", 6);
	assert_int_equal(parse(big, &rq, &e), -1);
	memset(big, '9', 200);
	memcpy(big, "confirm ", 8);
	big[200] = '\0';
	assert_int_equal(parse(big, &rq, &e), -1);	/* serial too long */
}

/* --- a server with a fake daemon */

static char dir[64], sock[128];
static struct ctl *srv;

static pthread_mutex_t dmtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dcond = PTHREAD_COND_INITIALIZER;
static struct ctl_job *held[16];
static char held_arg[16][64];
static int nheld;
static bool daemon_stop, daemon_lazy;
static pthread_t daemon_thr;

static void
fill(void *arg, struct daemon_status *out)
{
	(void)arg;
	out->have_policy = true;
	out->start_time = time(NULL) - 100;
	out->nfeeds = 1;
	str_copy(out->feeds[0].name, "default", sizeof(out->feeds[0].name));
	str_copy(out->feeds[0].serial, "7", sizeof(out->feeds[0].serial));
	out->feeds[0].have_list = true;
	out->feeds[0].enforced = true;
	out->feeds[0].health = FEED_OK;
	out->nqueues = 1;
	out->queues[0].running = true;
	out->queues[0].packets = 42;
}

static int
hold(struct ctl_job *job, const char *arg)
{
	pthread_mutex_lock(&dmtx);
	str_copy(held_arg[nheld], arg, sizeof(held_arg[0]));
	held[nheld++] = job;
	pthread_cond_signal(&dcond);
	pthread_mutex_unlock(&dmtx);
	return 0;
}

static int
on_reload(void *arg, struct ctl_job *job, struct verr *e)
{
	(void)arg, (void)e;
	return hold(job, "reload");
}

static int
on_fetch(void *arg, struct ctl_job *job, const char *feed, struct verr *e)
{
	(void)arg, (void)e;
	return hold(job, *feed ? feed : "(all)");
}

static int
on_confirm(void *arg, struct ctl_job *job, const char *serial,
    const char *feed, struct verr *e)
{
	(void)arg, (void)feed;
	if (strcmp(serial, "99") != 0) {
		verr_set(e, "no held list with serial %s", serial);
		return -1;
	}
	return hold(job, serial);
}

/* The daemon's main loop: completes jobs (unless lazy). */
static void *
daemon_loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dmtx);
	while (!daemon_stop) {
		while (nheld > 0 && !daemon_lazy) {
			struct ctl_job *j = held[--nheld];
			char msg[128];
			cJSON *detail = cJSON_CreateObject();
			snprintf(msg, sizeof(msg), "%s done for %s",
			    ctl_cmd_name(ctl_job_cmd(j)), held_arg[nheld]);
			cJSON_AddNumberToObject(detail, "feeds", 1);
			ctl_job_done(j, true, msg, detail);
		}
		pthread_cond_wait(&dcond, &dmtx);
	}
	pthread_mutex_unlock(&dmtx);
	return NULL;
}

static void
complete_held(void)
{
	pthread_mutex_lock(&dmtx);
	daemon_lazy = false;
	pthread_cond_signal(&dcond);
	pthread_mutex_unlock(&dmtx);
}

static int
setup(void **state)
{
	struct ctl_ops ops = {.src = {.fill = fill}, .reload = on_reload,
	    .fetch = on_fetch, .confirm = on_confirm};
	struct verr e;
	int fd;

	(void)state;
	str_copy(dir, "/tmp/veto-ctl-XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/run/control.sock", dir);
	fd = ctl_listen(sock, getgid(), &e);
	if (fd < 0)
		fail_msg("%s", e.msg);
	srv = ctl_start(fd, &ops, getgid(), &e);
	assert_non_null(srv);
	ctl_set_timeouts(srv, 300, 400);
	daemon_stop = daemon_lazy = false;
	nheld = 0;
	assert_int_equal(pthread_create(&daemon_thr, NULL, daemon_loop, NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	ctl_stop(srv);
	pthread_mutex_lock(&dmtx);
	daemon_lazy = false;
	daemon_stop = true;
	while (nheld > 0)	/* the rule: answer what is held, then free */
		ctl_job_done(held[--nheld], false, "vetod is stopping", NULL);
	pthread_cond_signal(&dcond);
	pthread_mutex_unlock(&dmtx);
	pthread_join(daemon_thr, NULL);
	ctl_free(srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static cJSON *
call(const char *req, int timeout)
{
	struct verr e;
	char *text;
	cJSON *j;

	if (ctl_call(sock, req, timeout, &text, &e) != 0)
		fail_msg("%s: %s", req, e.msg);
	assert_int_equal(text[strlen(text) - 1], '\n');
	j = cJSON_Parse(text);
	assert_non_null(j);
	free(text);
	return j;
}

static const char *
jstr(const cJSON *j, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(j, k));

	return s ? s : "(none)";
}

static bool
jok(const cJSON *j)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(j, "ok"));
}

static void
test_socket_modes(void **state)
{
	struct stat st;
	char d[128];

	(void)state;
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, getgid());
	snprintf(d, sizeof(d), "%s/run", dir);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
}

static void
test_round_trips(void **state)
{
	cJSON *j;

	(void)state;
	j = call("ping", 2000);
	assert_true(jok(j));
	assert_string_equal(jstr(j, "version"), VETO_VERSION);
	cJSON_Delete(j);

	j = call("stats", 2000);
	assert_true(jok(j));
	assert_string_equal(jstr(j, "command"), "stats");
	assert_non_null(cJSON_GetObjectItem(j, "decisions"));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(j, "queues"), 0), "packets")->valuedouble, 42);
	cJSON_Delete(j);

	j = call("status", 2000);
	assert_true(jok(j));
	assert_string_equal(jstr(j, "verdict"), "healthy");
	assert_string_equal(jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	    "feeds"), 0), "serial"), "7");
	cJSON_Delete(j);

	j = call("reload", 2000);
	assert_true(jok(j));
	assert_string_equal(jstr(j, "message"), "reload done for reload");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "detail"),
	    "feeds")->valuedouble, 1);
	cJSON_Delete(j);

	j = call("fetch police", 2000);
	assert_true(jok(j));
	assert_string_equal(jstr(j, "message"), "fetch done for police");
	cJSON_Delete(j);
	j = call("fetch", 2000);
	assert_string_equal(jstr(j, "message"), "fetch done for (all)");
	cJSON_Delete(j);

	j = call("confirm 99 default", 2000);
	assert_true(jok(j));
	assert_string_equal(jstr(j, "message"), "confirm done for 99");
	cJSON_Delete(j);
	j = call("confirm 98", 2000);	/* refused by the daemon at once */
	assert_false(jok(j));
	assert_string_equal(jstr(j, "error"), "no held list with serial 98");
	cJSON_Delete(j);
}

static void
test_refused_requests(void **state)
{
	char big[2000];
	cJSON *j;

	(void)state;
	j = call("bogus", 2000);
	assert_false(jok(j));
	assert_non_null(strstr(jstr(j, "error"), "unknown command"));
	cJSON_Delete(j);
	j = call("fetch ../../etc/passwd", 2000);
	assert_false(jok(j));
	cJSON_Delete(j);
	j = call("stats please", 2000);
	assert_false(jok(j));
	cJSON_Delete(j);
	j = call("sta\x01ts", 2000);
	assert_false(jok(j));
	cJSON_Delete(j);
	/* longer than the client lets through */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		struct verr e;
		char *text;
		assert_int_equal(ctl_call(sock, big, 1000, &text, &e), -1);
	}
}

/* A raw client: connect, send bytes, return the fd. */
static int
raw_connect(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	str_copy(sun.sun_path, sock, sizeof(sun.sun_path));
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static ssize_t
read_reply(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t len = 0;
	ssize_t n;

	while (poll(&p, 1, timeout_ms) == 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static void
test_oversized(void **state)
{
	char big[CTL_REQ_MAX + 100], reply[512];
	int fd = raw_connect();

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	read_reply(fd, reply, sizeof(reply), 2000);
	assert_non_null(strstr(reply, "\"ok\":false"));
	assert_non_null(strstr(reply, "request too long"));
	close(fd);
	/* exactly CTL_REQ_MAX bytes plus CR LF is fine (and unknown) */
	fd = raw_connect();
	memset(big, 'x', CTL_REQ_MAX);
	memcpy(big + CTL_REQ_MAX, "\r\n", 2);
	assert_int_equal(write(fd, big, CTL_REQ_MAX + 2), CTL_REQ_MAX + 2);
	read_reply(fd, reply, sizeof(reply), 2000);
	assert_non_null(strstr(reply, "unknown command"));
	close(fd);
}

static void
test_slow_client(void **state)
{
	char reply[256];
	uint64_t t0;
	int fd = raw_connect(), idle;

	(void)state;
	assert_int_equal(write(fd, "sta", 3), 3);	/* and then nothing */
	t0 = now_mono_ms();
	assert_int_equal(read_reply(fd, reply, sizeof(reply), 3000), 0);
	assert_true(now_mono_ms() - t0 < 2500);		/* closed, not timed out here */
	close(fd);
	/* one that connects and never writes */
	idle = raw_connect();
	assert_int_equal(read_reply(idle, reply, sizeof(reply), 3000), 0);
	close(idle);
	/* the server still answers others */
	{
		cJSON *j = call("ping", 2000);
		assert_true(jok(j));
		cJSON_Delete(j);
	}
}

/* Many clients at once, some idle: the others are still served. */
static void
test_many_clients(void **state)
{
	int idle[CTL_MAX_CLIENTS - 1];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(idle); i++)
		idle[i] = raw_connect();
	for (int i = 0; i < 5; i++) {
		cJSON *j = call("stats", 3000);
		assert_true(jok(j));
		cJSON_Delete(j);
	}
	for (size_t i = 0; i < ARRAY_LEN(idle); i++)
		close(idle[i]);
}

/* The daemon takes longer than the job timeout: "still running"; when it
 * completes the orphaned job later, nothing breaks. */
static void
test_job_timeout(void **state)
{
	cJSON *j;

	(void)state;
	pthread_mutex_lock(&dmtx);
	daemon_lazy = true;
	pthread_mutex_unlock(&dmtx);
	j = call("reload", 3000);
	assert_false(jok(j));
	assert_non_null(strstr(jstr(j, "error"), "still running"));
	cJSON_Delete(j);
	/* a client that hangs up while waiting */
	{
		int fd = raw_connect();
		assert_int_equal(write(fd, "fetch x\n", 8), 8);
		usleep(100 * 1000);
		close(fd);
	}
	usleep(100 * 1000);
	complete_held();
	usleep(100 * 1000);
	j = call("ping", 2000);
	assert_true(jok(j));
	cJSON_Delete(j);
}

static void
test_not_supported(void **state)
{
	struct ctl_ops ops = {.src = {.fill = fill}};
	char path[160];
	struct verr e;
	struct ctl *c;
	char *text;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/bare.sock", dir);
	fd = ctl_listen(path, getgid(), &e);
	assert_true(fd >= 0);
	c = ctl_start(fd, &ops, getgid(), &e);
	assert_int_equal(ctl_call(path, "reload", 2000, &text, &e), 0);
	assert_non_null(strstr(text, "not supported"));
	free(text);
	ctl_free(c);
	/* a second server on a live socket is refused... */
	assert_int_equal(ctl_listen(sock, getgid(), &e), -1);
	assert_non_null(strstr(e.msg, "another vetod"));
	/* ...a dead one's socket is replaced */
	fd = ctl_listen(path, getgid(), &e);
	assert_true(fd >= 0);
	close(fd);
	/* and a path that is not a socket is left alone */
	snprintf(path, sizeof(path), "%s/run", dir);
	assert_int_equal(ctl_listen(path, getgid(), &e), -1);
	assert_non_null(strstr(e.msg, "not a socket"));
	/* nobody listening: unreachable */
	snprintf(path, sizeof(path), "%s/none.sock", dir);
	assert_int_equal(ctl_call(path, "ping", 500, &text, &e), CTL_UNREACHABLE);
}

/* A peer of another uid (nobody) is refused by SO_PEERCRED even when the
 * file mode lets it connect; with the real mode it cannot connect. */
static int
as_nobody(const char *req, bool want_unreachable)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct verr e;
		char *text;
		int rc;
		if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
		    setuid(65534) == -1)
			_exit(10);
		rc = ctl_call(sock, req, 2000, &text, &e);
		if (want_unreachable)
			_exit(rc == CTL_UNREACHABLE ? 0 : 11);
		if (rc != 0)
			_exit(12);
		_exit(strstr(text, "\"ok\":false") && strstr(text,
		    "permission denied") ? 0 : 13);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_other_uid(void **state)
{
	char d[128];

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(d, sizeof(d), "%s/run", dir);
	assert_int_equal(chmod(dir, 0755), 0);
	/* the directory is 0750 root:root: nobody cannot even reach it */
	assert_int_equal(as_nobody("status", true), 0);
	assert_int_equal(chmod(d, 0755), 0);
	/* socket 0660: connect refused by the file mode */
	assert_int_equal(as_nobody("status", true), 0);
	/* socket opened to everyone: SO_PEERCRED refuses */
	assert_int_equal(chmod(sock, 0666), 0);
	assert_int_equal(as_nobody("status", false), 0);
	assert_int_equal(as_nobody("reload", false), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_socket_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_supported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_uid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
