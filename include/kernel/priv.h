/*
 * priv.h - no core dumps, and dropping root after the privileged sockets
 * are open (OpenBSD style: open first, then drop).
 *
 * Order in the daemon: priv_no_core() first thing; open the queues
 * (queue_open), the raw sockets (inject_open) and the listeners; then
 * priv_drop(conf->user) while the process still has ONE thread; then start
 * the packet threads. Capabilities belong to threads: a thread created
 * before the drop would keep root's, and one created after inherits the
 * reduced set, so the drop must come before any pthread_create().
 *
 * What is kept: CAP_NET_ADMIN only (permitted and effective). nfnetlink
 * checks CAP_NET_ADMIN on every message it receives, verdicts included
 * (nfnetlink_rcv_msg), so a queue reader without it gets EPERM for each
 * verdict. Sending on already-open raw sockets, accepting on open
 * listeners and reading /proc/net/netfilter need nothing. Everything else
 * is dropped from the bounding set too, no_new_privs is set (no setuid
 * binary can give root back), supplementary groups are those of the user.
 * `user = root` skips the drop (tests).
 *
 * The state directory: before the drop, root touches state_dir itself
 * and nothing below it (priv_own_dir: created if missing, opened with
 * O_DIRECTORY|O_NOFOLLOW, then fchown/fchmod on that descriptor); the
 * feeds, report directory and files below are created by `user` after the
 * drop. The tree belongs to `user`: root walking it (or following a link
 * `user` planted there) would hand `user` whatever the link points at.
 *
 * The process stays non-dumpable after the drop (a setuid resets the flag,
 * priv_drop sets it again): a core would hold client addresses.
 */
#ifndef VETO_PRIV_H
#define VETO_PRIV_H

#include <stddef.h>
#include <sys/types.h>

#include "core/util.h"

/* PR_SET_DUMPABLE 0 and RLIMIT_CORE 0. */
int priv_no_core(struct verr *e);

/* Become `user` keeping CAP_NET_ADMIN; "root" is a no-op. Refuses when the
 * process has more than one thread. After a successful return, regaining
 * root is impossible (checked: setuid(0) must fail). */
int priv_drop(const char *user, struct verr *e);

/* Make path a directory of mode owned by uid:gid ((uid_t)-1: leave the
 * owner), never following a symbolic link at path: -1 with e set if path
 * is one, or not a directory. Parents are not checked (root's). */
int priv_own_dir(const char *path, mode_t mode, uid_t uid, gid_t gid,
    struct verr *e);

/* "uid=N gid=N caps=TEXT" for the current thread, for logs and tests. */
void priv_describe(char *buf, size_t size);

#endif
