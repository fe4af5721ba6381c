/* priv.c - core dumps off, privilege drop keeping CAP_NET_ADMIN; see priv.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/priv.h"

static const cap_value_t keep[] = {CAP_NET_ADMIN};

int
priv_no_core(struct verr *e)
{
	struct rlimit rl = {0, 0};

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		verr_set(e, "prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
		return -1;
	}
	/* a sandbox that forbids setrlimit (systemd's ~@resources) and set
	 * LimitCORE=0 already is as good */
	if (setrlimit(RLIMIT_CORE, &rl) == -1 &&
	    (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)) {
		verr_set(e, "setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool
kept(cap_value_t c)
{
	for (size_t i = 0; i < ARRAY_LEN(keep); i++)
		if (keep[i] == c)
			return true;
	return false;
}

/* Drop every other capability from the bounding set (needs CAP_SETPCAP,
 * so before the uid changes). */
static int
drop_bounding(struct verr *e)
{
	for (cap_value_t c = 0; c < 64; c++) {
		/* 1: in the set; 0: already out; -1: unknown to this kernel */
		if (kept(c) || prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;
		if (cap_drop_bound(c) == -1) {
			verr_set(e, "dropping capability %d from the bounding "
			    "set: %s", (int)c, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
switch_user(const struct passwd *pw, struct verr *e)
{
	if (initgroups(pw->pw_name, pw->pw_gid) == -1) {
		verr_set(e, "initgroups(%s): %s", pw->pw_name, strerror(errno));
		return -1;
	}
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1) {
		verr_set(e, "setresgid(%u): %s", (unsigned)pw->pw_gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		verr_set(e, "setresuid(%u): %s", (unsigned)pw->pw_uid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
set_caps(struct verr *e)
{
	cap_t caps = cap_init();
	int rc = -1;

	if (caps == NULL) {
		verr_set(e, "cap_init: %s", strerror(errno));
		return -1;
	}
	if (cap_set_flag(caps, CAP_PERMITTED, (int)ARRAY_LEN(keep), keep,
	    CAP_SET) == -1 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, (int)ARRAY_LEN(keep), keep,
	    CAP_SET) == -1 ||
	    cap_set_proc(caps) == -1)
		verr_set(e, "keeping CAP_NET_ADMIN: %s", strerror(errno));
	else
		rc = 0;
	cap_free(caps);
	return rc;
}

static int
check_dropped(const struct passwd *pw, struct verr *e)
{
	uid_t r, ef, s;

	if (getresuid(&r, &ef, &s) == -1 || r != pw->pw_uid ||
	    ef != pw->pw_uid || s != pw->pw_uid) {
		verr_set(e, "uid is not %u after the drop", (unsigned)pw->pw_uid);
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) != -1) {
		verr_set(e, "setuid(0) still works after dropping to `%s'",
		    pw->pw_name);
		return -1;
	}
	return 0;
}

int
priv_drop(const char *user, struct verr *e)
{
	struct passwd *pw;
	int n;

	if (strcmp(user, "root") == 0)
		return 0;
	if (geteuid() != 0) {
		verr_set(e, "cannot switch to user `%s': not running as root",
		    user);
		return -1;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		verr_set(e, "user `%s': %s", user,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		verr_set(e, "user `%s' has uid 0: use `root' to run without "
		    "dropping privileges", user);
		return -1;
	}
	n = thread_count();
	if (n != 1) {
		verr_set(e, "privileges must be dropped before threads start "
		    "(%d threads)", n);
		return -1;
	}
	if (drop_bounding(e) == -1)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
		verr_set(e, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
		return -1;
	}
	if (switch_user(pw, e) == -1 || set_caps(e) == -1)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		verr_set(e, "prctl after the drop: %s", strerror(errno));
		return -1;
	}
	return check_dropped(pw, e);
}

void
priv_describe(char *buf, size_t size)
{
	cap_t caps = cap_get_proc();
	char *text = caps != NULL ? cap_to_text(caps, NULL) : NULL;

	snprintf(buf, size, "uid=%u gid=%u caps=%s", (unsigned)getuid(),
	    (unsigned)getgid(), text != NULL ? text : "?");
	cap_free(text);
	cap_free(caps);
}

/* The last component is never followed (O_NOFOLLOW); ownership and mode
 * change on the open descriptor, so nothing can be swapped in between. */
int
priv_own_dir(const char *path, mode_t mode, uid_t uid, gid_t gid,
    struct verr *e)
{
	struct stat st;
	int fd, rc = -1;

	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		verr_set(e, "%s: mkdir: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		verr_set(e, "%s: %s", path, errno == ELOOP || errno == ENOTDIR ?
		    "not a directory (a symbolic link is refused)" :
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1)
		verr_set(e, "%s: fstat: %s", path, strerror(errno));
	else if (uid != (uid_t)-1 && (st.st_uid != uid || st.st_gid != gid) &&
	    fchown(fd, uid, gid) == -1)
		verr_set(e, "%s: chown: %s", path, strerror(errno));
	else if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
		verr_set(e, "%s: chmod: %s", path, strerror(errno));
	else
		rc = 0;
	close(fd);
	return rc;
}
