/*
 * sandbox.h - vetod's sandbox in its own process (issue 14), entered right
 * after the privilege drop (kernel/priv.h), while the process still has one
 * thread, so every thread started later inherits it.
 *
 * Landlock (file system; TCP bind from ABI 4; abstract UNIX sockets and
 * signals from ABI 6; the best the kernel offers, nothing if it has none):
 *   read-only   /etc /usr /lib /lib64 (libraries, NSS, CA certificates,
 *               the public suffix list), /proc/<own pid>, /sys/devices/
 *               system/cpu, /dev/null /dev/urandom, and the directory of
 *               every file the configuration names to read (itself,
 *               list_file, list_key_file, never_block_file, ca_file,
 *               stop_page_template);
 *   read-write  state_dir, report_dir, the directory of rpz_file;
 *   never       execute anything; bind a TCP port.
 * Files are allowed by their directory (lists and keys are replaced by
 * rename). A reload that names a file in a directory not allowed at start
 * cannot read it (the reload is refused, the log says EACCES): restart.
 *
 * seccomp (libseccomp; an allow list, everything else fails with EPERM;
 * clone3 fails with ENOSYS so that glibc falls back to clone, whose flags
 * are checked): what the packet threads, libmicrohttpd, libcurl/OpenSSL,
 * the resolver, syslog and the state files need, each line in sandbox.c
 * saying who needs it. socket() only for AF_UNIX, AF_INET, AF_INET6 and
 * not SOCK_RAW: no new netlink or raw socket after start (the ones opened
 * before the drop stay usable: the queues and injection need them); no
 * execve, ptrace, bpf, mount, namespaces, keyrings, io_uring, module or
 * kexec calls. A sanitizer build (ASan/TSan: LeakSanitizer stops the
 * threads with ptrace) loads Landlock only and says so.
 *
 * The packet threads narrow it further for themselves
 * (sandbox_confine_thread(), a second filter on the calling thread only):
 * no socket, accept, connect, open, execve, clone, fork, pipe, dup, link,
 * rename, unlink, memfd or ptrace. The stop page's threads (libmicrohttpd,
 * parsing what clients send) do the same on their first connection
 * (sandbox_confine_web_thread(), given to stop.h as its thread hook), but
 * may accept. /proc/PID/task/TID/status shows Seccomp_filters: 2 for
 * them, 1 for the other threads.
 *
 * The attempts a test build makes after start (execve, a file outside the
 * allowance, a netlink socket) are in tests/integ/vetod_hooks.c, which
 * builds vetod with VETO_TEST_HOOKS; the release vetod has no such code.
 *
 * sandbox_enter() returns -1 only if a filter the kernel supports could
 * not be built or loaded; what the kernel lacks is reported in `what`.
 */
#ifndef VETO_SANDBOX_H
#define VETO_SANDBOX_H

#include <stddef.h>

#include "core/conf.h"
#include "core/util.h"

/* Enter the sandbox for configuration c. what (may be NULL) gets a line
 * for the log: "landlock ABI 7, seccomp: 123 system calls". */
int sandbox_enter(const struct conf *c, char *what, size_t whatlen,
    struct verr *e);

/* Narrow the calling thread (a packet thread; see above). 0, or -1 with e
 * set; a sanitizer build does nothing. */
int sandbox_confine_thread(struct verr *e);

/* The same for a stop page thread (accept allowed); failures are logged. */
void sandbox_confine_web_thread(void);

#endif
