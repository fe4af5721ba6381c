/* test_sandbox.c - the packet threads' own filter (sandbox_confine_thread):
 * in the confined thread socket(), open(), pipe() and fork fail with EPERM
 * while reading and writing open descriptors still work; other threads
 * keep every call. Runs in a child process (a filter cannot be removed). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vetod/sandbox.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#endif

static int fds[2];

static void *
confined(void *arg)
{
	struct verr e;
	char c = 'x';
	int fd, p[2];

	(void)arg;
	if (sandbox_confine_thread(&e) == -1)
		return (void *)1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd != -1 || errno != EPERM)
		return (void *)2;
	fd = open("/dev/null", O_RDONLY);
	if (fd != -1 || errno != EPERM)
		return (void *)3;
	if (pipe(p) != -1 || errno != EPERM)
		return (void *)4;
	if (fork() != -1 || errno != EPERM)
		return (void *)5;
	/* the twin: descriptors it has still work */
	if (write(fds[0], &c, 1) != 1 || read(fds[1], &c, 1) != 1)
		return (void *)6;
	return NULL;
}

static int
child(void)
{
	pthread_t t;
	void *rc;
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return 10;
	if (pthread_create(&t, NULL, confined, NULL) != 0 ||
	    pthread_join(t, &rc) != 0)
		return 11;
	if (rc != NULL)
		return (int)(intptr_t)rc;
	/* this thread is not confined */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1)
		return 12;
	close(fd);
	return 0;
}

static void
test_confine_thread(void **state)
{
	int st;
	pid_t pid;

	(void)state;
#ifdef SANITIZED
	skip();	/* a sanitizer build loads no seccomp filter */
#endif
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confine_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
