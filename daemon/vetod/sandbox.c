/* sandbox.c - Landlock and seccomp for vetod; see sandbox.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <seccomp.h>

#include "core/log.h"
#include "vetod/sandbox.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED_BUILD 1
#endif
#endif
/* Sanitizer builds load no seccomp filter (LeakSanitizer needs ptrace);
 * the code stays compiled (and warned about) either way. */
#ifdef SANITIZED_BUILD
#define SECCOMP_ON 0
#else
#define SECCOMP_ON 1
#endif

/* ------------------------------------------------------------------ */
/* Landlock. The kernel headers of the build machine may be older than
 * the kernel: the newer constants are spelled out (linux/landlock.h). */

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)		/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)	/* ABI 5 */
#endif
#define LL_NET_BIND_TCP (1ULL << 0)			/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)			/* ABI 6 */

/* struct landlock_ruleset_attr as of ABI 6 (older kernels take a prefix) */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | \
    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_REFER | \
    LANDLOCK_ACCESS_FS_TRUNCATE)

static int
ll_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

static uint64_t
ll_fs_handled(int abi)
{
	uint64_t a = LL_READ | LL_WRITE | LANDLOCK_ACCESS_FS_EXECUTE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_FIFO |
	    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
	    LANDLOCK_ACCESS_FS_IOCTL_DEV;

	if (abi < 2)
		a &= ~LANDLOCK_ACCESS_FS_REFER;
	if (abi < 3)
		a &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi < 5)
		a &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return a;
}

/* Allow access (masked by what the ruleset handles) beneath path; a path
 * that does not exist is skipped (nothing there to allow). */
static int
ll_allow(int rfd, const char *path, uint64_t access, uint64_t handled,
    struct verr *e)
{
	struct landlock_path_beneath_attr pb;
	int fd = open(path, O_PATH | O_CLOEXEC);
	long rc;

	if (fd == -1)
		return 0;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	rc = syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0);
	if (rc == -1 && errno == EINVAL) {
		/* a file (not a directory): only the rights of a file */
		pb.allowed_access &= LANDLOCK_ACCESS_FS_READ_FILE |
		    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
		    LANDLOCK_ACCESS_FS_IOCTL_DEV;
		rc = syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	}
	if (rc == -1)
		verr_set(e, "landlock rule for %s: %s", path, strerror(errno));
	close(fd);
	return rc == -1 ? -1 : 0;
}

/* The directory holding file (relative: the working directory's). */
static int
ll_allow_dir_of(int rfd, const char *file, uint64_t access,
    uint64_t handled, struct verr *e)
{
	char dir[PATH_MAX];
	const char *slash;

	if (file == NULL || *file == '\0')
		return 0;
	slash = strrchr(file, '/');
	if (slash == NULL)
		return ll_allow(rfd, ".", access, handled, e);
	if (slash == file)
		return ll_allow(rfd, "/", access, handled, e);
	if ((size_t)(slash - file) >= sizeof(dir))
		return 0;
	memcpy(dir, file, (size_t)(slash - file));
	dir[slash - file] = '\0';
	return ll_allow(rfd, dir, access, handled, e);
}

static int
ll_conf_rules(int rfd, const struct conf *c, uint64_t h, struct verr *e)
{
	int rc = 0;

	rc |= ll_allow_dir_of(rfd, c->path, LL_READ, h, e);
	rc |= ll_allow_dir_of(rfd, c->never_block_file, LL_READ, h, e);
	rc |= ll_allow_dir_of(rfd, c->ca_file, LL_READ, h, e);
	rc |= ll_allow_dir_of(rfd, c->stop_page_template, LL_READ, h, e);
	for (unsigned i = 0; i < c->nfeeds; i++) {
		const struct feed_conf *f = &c->feeds[i];

		rc |= ll_allow_dir_of(rfd, f->file, LL_READ, h, e);
		rc |= ll_allow_dir_of(rfd, f->ca_file, LL_READ, h, e);
		for (unsigned k = 0; k < f->nkey_files; k++)
			rc |= ll_allow_dir_of(rfd, f->key_files[k], LL_READ, h, e);
	}
	rc |= ll_allow(rfd, c->state_dir, LL_READ | LL_WRITE, h, e);
	if (c->report_dir != NULL && *c->report_dir != '\0')
		rc |= ll_allow(rfd, c->report_dir, LL_READ | LL_WRITE, h, e);
	rc |= ll_allow_dir_of(rfd, c->rpz_file, LL_READ | LL_WRITE, h, e);
	return rc ? -1 : 0;
}

static int
ll_fixed_rules(int rfd, uint64_t h, struct verr *e)
{
	static const char *const ro[] = {
		"/etc", "/usr", "/lib", "/lib64", "/sys/devices/system/cpu",
		"/dev/urandom", "/dev/random",
	};
	char self[64];
	int rc = 0;

	for (size_t i = 0; i < ARRAY_LEN(ro); i++)
		rc |= ll_allow(rfd, ro[i], LL_READ, h, e);
	rc |= ll_allow(rfd, "/dev/null", LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE,
	    h, e);
	/* /proc/self is a link: the rule is on what it names, this process
	 * (its threads, /proc/net/netfilter through /proc/self/net) */
	snprintf(self, sizeof(self), "/proc/%ld", (long)getpid());
	rc |= ll_allow(rfd, self, LL_READ, h, e);
	return rc ? -1 : 0;
}

static int
landlock_enter(const struct conf *c, int *abi_out, struct verr *e)
{
	struct ll_ruleset_attr ra = {0};
	size_t ralen = sizeof(uint64_t);
	int abi = ll_abi(), rfd;

	*abi_out = abi;
	if (abi < 1)
		return 0;	/* no Landlock in this kernel */
	ra.handled_access_fs = ll_fs_handled(abi);
	if (abi >= 4) {
		ra.handled_access_net = LL_NET_BIND_TCP;	/* never bind */
		ralen = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		ra.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		ralen = sizeof(ra);
	}
	rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, ralen, 0);
	if (rfd == -1) {
		verr_set(e, "landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	if (ll_fixed_rules(rfd, ra.handled_access_fs, e) == -1 ||
	    ll_conf_rules(rfd, c, ra.handled_access_fs, e) == -1) {
		close(rfd);
		return -1;
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		verr_set(e, "landlock_restrict_self: %s", strerror(errno));
		close(rfd);
		return -1;
	}
	close(rfd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* seccomp: the allow list. */

#define SC(name) SCMP_SYS(name)

/* Calls allowed with any arguments, and who needs them. */
static const int allowed[] = {
	/* everyone (glibc, threads, memory, time, signals, exit) */
	SC(read), SC(write), SC(readv), SC(writev), SC(pread64), SC(pwrite64),
	SC(close), SC(lseek), SC(fstat), SC(newfstatat), SC(statx), SC(stat),
	SC(lstat), SC(brk), SC(mmap), SC(munmap), SC(mremap), SC(mprotect),
	SC(madvise), SC(futex), SC(futex_waitv), SC(set_robust_list),
	SC(get_robust_list), SC(rseq), SC(sched_yield), SC(sched_getaffinity),
	SC(nanosleep), SC(clock_nanosleep), SC(clock_gettime), SC(clock_getres),
	SC(gettimeofday), SC(time), SC(getpid), SC(gettid), SC(getppid),
	SC(getuid), SC(geteuid), SC(getgid), SC(getegid), SC(getresuid),
	SC(getresgid), SC(getgroups), SC(uname), SC(sysinfo), SC(getrandom),
	SC(rt_sigaction), SC(rt_sigprocmask), SC(rt_sigreturn),
	SC(rt_sigtimedwait), SC(sigaltstack), SC(tgkill), SC(tkill),
	SC(exit), SC(exit_group), SC(restart_syscall), SC(prlimit64),
	SC(getrlimit), SC(capget), SC(getcwd), SC(umask),
	SC(fcntl), SC(dup), SC(dup2), SC(dup3), SC(pipe2), SC(eventfd2),
	SC(timerfd_create), SC(timerfd_settime), SC(timerfd_gettime),
	SC(membarrier),
	/* prctl: glibc and libmicrohttpd name threads (PR_SET_NAME),
	 * priv_describe reads capabilities */
	SC(prctl),
	/* packet threads: verdicts and batches on the queue sockets (opened
	 * before the drop), injection on the raw sockets */
	SC(recvmsg), SC(recvmmsg), SC(sendmsg), SC(sendmmsg), SC(recvfrom),
	SC(sendto), SC(poll), SC(ppoll), SC(select), SC(pselect6),
	/* libmicrohttpd (stop page, metrics), the control socket */
	SC(epoll_create1), SC(epoll_ctl), SC(epoll_wait), SC(epoll_pwait),
	SC(epoll_pwait2), SC(accept), SC(accept4), SC(shutdown),
	SC(getsockopt), SC(setsockopt), SC(getsockname), SC(getpeername),
	SC(ioctl),	/* FIONREAD (libmicrohttpd, libcurl) */
	/* libcurl, OpenSSL, the resolver (getaddrinfo), syslog(3) */
	SC(connect), SC(socketpair), SC(sendfile),
	/* files: lists, state directory, reports, RPZ zone, configuration
	 * and template reloads, libpsl, CA bundles, NSS modules (dlopen) */
	SC(openat), SC(open), SC(readlink), SC(readlinkat), SC(getdents64),
	SC(access), SC(faccessat), SC(faccessat2), SC(mkdir), SC(mkdirat),
	SC(rename), SC(renameat), SC(renameat2), SC(unlink), SC(unlinkat),
	SC(rmdir), SC(linkat), SC(ftruncate), SC(fsync), SC(fdatasync),
	SC(flock), SC(fchmod), SC(fchmodat), SC(fchown), SC(utimensat),
	SC(fadvise64), SC(chdir), SC(fchdir), SC(statfs), SC(fstatfs),
	/* threads: libmicrohttpd, libcurl's resolver thread, the fetcher,
	 * the servers (clone's flags are checked below) */
	SC(set_tid_address), SC(wait4),
	/* the packet threads add their own filter (libseccomp); a filter
	 * can only narrow what is allowed */
	SC(seccomp),
};

/* libseccomp's SCMP_A0() leaves a field to its default (clang -Wextra) */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#endif

/* socket(): the families new sockets may have (the queues' netlink and
 * the injection's raw sockets are opened before the drop). */
static int
seccomp_socket_rules(scmp_filter_ctx ctx)
{
	static const int families[] = {AF_UNIX, AF_INET, AF_INET6};
	int rc = 0;

	for (size_t i = 0; i < ARRAY_LEN(families); i++) {
		/* SOCK_STREAM or SOCK_DGRAM, whatever the flags */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SC(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM));
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SC(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM));
	}
	return rc;
}

/* clone() for threads only: no new namespace of any kind (an unprivileged
 * user namespace would give CAP_NET_ADMIN over a new network namespace);
 * clone3 (whose flags sit in memory) says ENOSYS and glibc uses clone. */
static int
seccomp_clone_rules(scmp_filter_ctx ctx)
{
	const scmp_datum_t ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
	    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
	int rc;

	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SC(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, ns, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SC(clone3), 0);
	return rc;
}

/* Developers: -DVETO_SECCOMP_TRAP makes a refused call print its number
 * on stderr ("seccomp-denied N") instead of failing silently. */
#ifdef VETO_SECCOMP_TRAP
#include <signal.h>
#include <ucontext.h>
static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "seccomp-denied %d\n",
	    si->si_syscall);

	(void)sig;
	if (write(2, buf, (size_t)n) < 0)
		return;
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -EPERM;
}
#define DEFAULT_ACTION SCMP_ACT_TRAP
#else
#define DEFAULT_ACTION SCMP_ACT_ERRNO(EPERM)
#endif

static int
seccomp_enter(unsigned *n, struct verr *e)
{
	scmp_filter_ctx ctx = seccomp_init(DEFAULT_ACTION);
#ifdef VETO_SECCOMP_TRAP
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	sigaction(SIGSYS, &sa, NULL);
#endif
	int rc = 0;

	if (ctx == NULL) {
		verr_set(e, "seccomp_init failed");
		return -1;
	}
	/* a binary tree of system call numbers, not a linear scan: the
	 * packet threads' recvmsg/sendmsg stay cheap to check */
	rc |= seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < ARRAY_LEN(allowed); i++)
		if (allowed[i] >= 0)	/* < 0: not on this architecture */
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	rc |= seccomp_socket_rules(ctx);
	rc |= seccomp_clone_rules(ctx);
	if (rc != 0) {
		verr_set(e, "seccomp: a rule was refused");
		seccomp_release(ctx);
		return -1;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		verr_set(e, "seccomp_load: %s", strerror(-rc));
		return -1;
	}
	*n = (unsigned)ARRAY_LEN(allowed) + 2;
	return 0;
}

/* ------------------------------------------------------------------ */
/* A packet thread: on top of the process's list, nothing that makes a
 * new descriptor, a process or a file (the queue and raw sockets it uses
 * are open already; its packet parsers face the Internet). */

static const int engine_denied[] = {
	SC(socket), SC(socketpair), SC(connect), SC(bind), SC(listen),
	SC(accept), SC(accept4), SC(open), SC(openat), SC(openat2), SC(creat),
	SC(execve), SC(execveat), SC(clone), SC(clone3), SC(fork), SC(vfork),
	SC(mkdir), SC(mkdirat), SC(unlink), SC(unlinkat), SC(rename),
	SC(renameat), SC(renameat2), SC(link), SC(linkat), SC(symlink),
	SC(symlinkat), SC(memfd_create), SC(pipe), SC(pipe2), SC(dup), SC(dup2),
	SC(dup3), SC(ptrace), SC(process_vm_readv), SC(process_vm_writev),
};

static bool
web_may(int sc)
{
	/* a stop page thread accepts on the listener it was given */
	return sc == SC(accept) || sc == SC(accept4);
}

static int
confine(bool web, struct verr *e)
{
	scmp_filter_ctx ctx;
	int rc = 0;

	if (!SECCOMP_ON)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL) {
		verr_set(e, "seccomp_init failed");
		return -1;
	}
	/* this thread only: no TSYNC (libseccomp's default) */
	for (size_t i = 0; i < ARRAY_LEN(engine_denied); i++)
		if (engine_denied[i] >= 0 && !(web && web_may(engine_denied[i])))
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
			    engine_denied[i], 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		verr_set(e, "seccomp (%s thread): %s", web ? "stop page" :
		    "packet", strerror(-rc));
		return -1;
	}
	return 0;
}

int
sandbox_confine_thread(struct verr *e)
{
	return confine(false, e);
}

void
sandbox_confine_web_thread(void)
{
	struct verr e;

	if (confine(true, &e) == -1)
		log_warnx("%s; the thread runs with the process's filter only",
		    e.msg);
}

/* ------------------------------------------------------------------ */


int
sandbox_enter(const struct conf *c, char *what, size_t whatlen,
    struct verr *e)
{
	unsigned n = 0;
	int abi;

	/* no_new_privs: priv_drop sets it; `user = root' (tests) does not */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		verr_set(e, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	if (landlock_enter(c, &abi, e) == -1)
		return -1;
	if (SECCOMP_ON && seccomp_enter(&n, e) == -1)
		return -1;
	if (what == NULL)
		return 0;
	if (n > 0)
		snprintf(what, whatlen, "landlock ABI %d, seccomp allow list "
		    "of %u system calls", abi, n);
	else
		snprintf(what, whatlen, "landlock ABI %d, seccomp OFF "
		    "(sanitizer build)", abi);
	return 0;
}
