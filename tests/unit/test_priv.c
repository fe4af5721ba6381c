/* test_priv.c - no core dumps, and the privilege drop: each case runs in a
 * child process (a drop cannot be undone) and reports through its exit
 * status. The drop itself needs root; without it those cases are skipped. */
#include "unit.h"

#include <pthread.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include "kernel/priv.h"

/* Run fn in a child; return its exit status (0: all checks passed, else
 * the number of the failed check). */
static int
in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
child_no_core(void)
{
	struct rlimit rl;
	struct verr e;

	if (priv_no_core(&e) == -1)
		return 1;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 2;
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)
		return 3;
	return 0;
}

static void
test_no_core(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_no_core), 0);
}

static int
child_root_noop(void)
{
	struct verr e;
	uid_t before = getuid();

	if (priv_drop("root", &e) == -1)
		return 1;
	return getuid() == before ? 0 : 2;
}

static void
test_root_is_noop(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_root_noop), 0);
}

static void
test_unknown_user(void **state)
{
	struct verr e;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(priv_drop("veto-no-such-user", &e), -1);
	assert_non_null(strstr(e.msg, "veto-no-such-user"));
}

static bool
has_cap(cap_t c, cap_value_t v, cap_flag_t which)
{
	cap_flag_value_t f = CAP_CLEAR;

	cap_get_flag(c, v, which, &f);
	return f == CAP_SET;
}

static int
child_drop(void)
{
	struct passwd *pw = getpwnam("nobody");
	struct verr e;
	cap_t c;
	int fd;

	if (pw == NULL)
		return 1;
	if (priv_drop("nobody", &e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
		return 2;
	}
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getgid() != pw->pw_gid)
		return 3;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 4;
	c = cap_get_proc();
	if (!has_cap(c, CAP_NET_ADMIN, CAP_EFFECTIVE) ||
	    !has_cap(c, CAP_NET_ADMIN, CAP_PERMITTED) ||
	    has_cap(c, CAP_NET_RAW, CAP_PERMITTED) ||
	    has_cap(c, CAP_SYS_ADMIN, CAP_PERMITTED) ||
	    has_cap(c, CAP_SETUID, CAP_PERMITTED))
		return 5;
	cap_free(c);
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) != 1)
		return 6;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 7;
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd != -1)
		return 8;
	return 0;
}

static void
test_drop(void **state)
{
	(void)state;
	/* ThreadSanitizer runs a thread of its own, and priv_drop() refuses a
	 * process with more than one thread (capabilities are per thread) */
#if defined(__SANITIZE_THREAD__)
	skip();
#endif
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	assert_int_equal(in_child(child_drop), 0);
}

static int pipefd[2];

/* priv_own_dir: the state directory as root, never through a symbolic
 * link the unprivileged user planted (issue 14). */
static void
test_own_dir(void **state)
{
	char base[] = "/tmp/veto-owndir-XXXXXX", dir[64], link[64], victim[64];
	struct stat st;
	struct verr e;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/state", base);
	snprintf(link, sizeof(link), "%s/link", base);
	snprintf(victim, sizeof(victim), "%s/victim", base);
	/* created with the mode; then an existing one is put right */
	assert_int_equal(priv_own_dir(dir, 0700, (uid_t)-1, (gid_t)-1, &e), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(priv_own_dir(dir, 0700, (uid_t)-1, (gid_t)-1, &e), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* the attack: state_dir is a link to somewhere else */
	assert_int_equal(mkdir(victim, 0755), 0);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(priv_own_dir(link, 0700, (uid_t)-1, (gid_t)-1, &e), -1);
	assert_non_null(strstr(e.msg, "symbolic link"));
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	if (geteuid() == 0 && getpwnam("nobody") != NULL) {
		struct passwd *pw = getpwnam("nobody");
		uid_t u = pw->pw_uid;
		gid_t g = pw->pw_gid;

		assert_int_equal(priv_own_dir(link, 0700, u, g, &e), -1);
		assert_int_equal(stat(victim, &st), 0);
		assert_int_equal(st.st_uid, 0);		/* not given away */
		assert_int_equal(priv_own_dir(dir, 0700, u, g, &e), 0);
		assert_int_equal(stat(dir, &st), 0);
		assert_true(st.st_uid == u && st.st_gid == g);
	}
	/* a file is not a directory */
	assert_int_equal(rmdir(victim), 0);
	assert_int_equal(close(open(victim, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(priv_own_dir(victim, 0700, (uid_t)-1, (gid_t)-1, &e), -1);
	unlink(link);
	unlink(victim);
	rmdir(dir);
	rmdir(base);
}

static void *
idle_thread(void *arg)
{
	char c;

	(void)arg;
	(void)!read(pipefd[0], &c, 1);
	return NULL;
}

static int
child_threads(void)
{
	pthread_t t;
	struct verr e;
	int rc;

	if (pipe(pipefd) == -1 || pthread_create(&t, NULL, idle_thread, NULL))
		return 1;
	rc = priv_drop("nobody", &e);
	(void)!write(pipefd[1], "x", 1);
	pthread_join(t, NULL);
	if (rc != -1 || strstr(e.msg, "threads") == NULL)
		return 2;
	return getuid() == 0 ? 0 : 3;
}

static void
test_refuses_threads(void **state)
{
	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	assert_int_equal(in_child(child_threads), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_core),
		cmocka_unit_test(test_root_is_noop),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_refuses_threads),
		cmocka_unit_test(test_own_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
