#!/bin/bash
# test_deb.sh - the Debian package, installed on this machine and purged.
#
# Builds the package with `make deb` (a copy of the tree, PREFIX=/usr),
# runs lintian (no error, no warning that debian/veto.lintian-overrides
# does not explain), installs it with dpkg, checks what it put where
# (programs, unit, conffiles, the veto user, /run/veto and /var/lib/veto,
# the configuration readable by the veto user only), runs `vetod -n` on
# the installed configuration and on a copy pointed at the demo list (and
# a tampered copy of that list, which must be refused), purges it, and
# compares the file lists before and after: nothing of the package may be
# left but the veto user (Debian practice keeps system users on purge).
#
# The machine is shared by parallel test runs and apt runs: one package
# test at a time (flock), apt waits for the dpkg lock, and the comparison
# counts only paths that are the package's (its file list, a name with
# "veto", or owned by the veto user or group); other new paths are shown
# as a count. The EXIT trap purges the package whenever this test
# installed it, failure included.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dpkg-buildpackage dh lintian flock setpriv

case $BUILD in
*/san-*)
	# The package is built with Debian's flags, never the sanitizers':
	# the plain run of `make test` has checked it already.
	skip "the package under SANITIZER (it does not use this build)"
	done_testing
	;;
esac

export DEBIAN_FRONTEND=noninteractive
installed_by_us=0

# dpkg ARGS...: dpkg, waiting up to 5 minutes for another apt or dpkg (a
# parallel run) to release the lock. (dpkg, not apt-get: ten times faster,
# and the package's dependencies are test dependencies already.)
dpkg_wait() {
	local i out rc
	for i in $(seq 300); do
		out=$(dpkg "$@" 2>&1)
		rc=$?
		case $rc:$out in
		0:*) return 0 ;;
		*lock*) sleep 1 ;;
		*) echo "$out"; return $rc ;;
		esac
	done
	echo "$out"
	return 1
}

# From the install on, whatever state the package is in (a dpkg -i
# interrupted with us may still be running: dpkg_wait waits for its lock),
# the trap purges it; purging a package that is not there does nothing.
deb_cleanup() {
	if [ $installed_by_us = 1 ]; then
		echo "# trap: purging the veto package"
		dpkg_wait --purge veto >/dev/null 2>&1
	fi
	cleanup
}
trap deb_cleanup EXIT

exec 9>/run/lock/veto-test-deb.lock
if ! flock -w 300 9; then
	not_ok "another package test held the lock for 5 minutes"
	done_testing
fi
if dpkg-query -W -f='${Status}' veto 2>/dev/null | grep -q 'ok installed'; then
	skip "a veto package is installed on this machine: not touching it"
	done_testing
fi

# --- build and lint -------------------------------------------------------

tree_before=$(git -C "$ROOT" status --porcelain 2>&1)
start=$(date +%s)
check "make deb builds the package" make -C "$ROOT" --no-print-directory deb
diag "make deb: $(($(date +%s) - start)) s"
version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
DEB=$ROOT/build/deb/veto_${version}_${arch}.deb
[ -f "$DEB" ] || { not_ok "no $DEB"; done_testing; }
diag "$(basename "$DEB"): $(stat -c %s "$DEB") bytes"
is "the source tree is as it was before the build" \
	"$(git -C "$ROOT" status --porcelain 2>&1)" "$tree_before"

# lintian reads the .deb only: it runs while the package is installed and
# checked (its verdict is read before the purge).
lintian --display-info "$DEB" >"$TMP/lintian" 2>&1 &
lint_pid=$!

# --- install --------------------------------------------------------------

ROOTS="/etc /usr /var /opt /srv /run"
# snapshot FILE: every path under ROOTS (but logs, caches, apt's lists and
# other runs' namespaces) in FILE, and "uid gid path" in FILE.own.
snapshot() {
	find $ROOTS -xdev \( -path /var/log -o -path /var/cache -o \
	    -path /var/lib/apt -o -path /var/tmp -o -path /run/netns -o \
	    -path /run/user -o -path /var/lib/dpkg/updates \) -prune -o \
	    -printf '%U %G %p\n' 2>/dev/null >"$1.own"
	cut -d' ' -f3- "$1.own" | sort >"$1"
}
snapshot "$TMP/before"
cp /etc/passwd "$TMP/passwd.before"
cp /var/lib/dpkg/statoverride "$TMP/statoverride.before"

installed_by_us=1
check "dpkg installs the package" dpkg_wait -i "$DEB"
dpkg -L veto | sort >"$TMP/pkgfiles"

for f in /usr/sbin/vetod /usr/bin/veto /lib/systemd/system/vetod.service \
    /usr/lib/sysusers.d/veto.conf /usr/lib/tmpfiles.d/veto.conf \
    /usr/share/veto/stoppage.html /usr/share/veto/veto.nft \
    /usr/share/man/man8/veto.8.gz /usr/share/man/man8/vetod.8.gz \
    /usr/share/man/man5/veto.conf.5.gz /usr/share/man/man5/veto-list.5.gz \
    /usr/share/doc/veto/README.md.gz /usr/share/doc/veto/copyright; do
	grep -qx "$f" "$TMP/pkgfiles" || not_ok "the package holds $f"
done
ok "the package holds the programs, unit, sysusers, tmpfiles, stop page, rules, man pages, docs"
is "conffiles: veto.conf and never-block.txt" \
	"$(dpkg-query -W -f='${Conffiles}\n' veto | awk 'NF { print $1 }' | sort | tr '\n' ' ')" \
	"/etc/veto/never-block.txt /etc/veto/veto.conf "

unit=/lib/systemd/system/vetod.service
is "the unit starts /usr/sbin/vetod" \
	"$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")" /usr/sbin/vetod
missing=""
for p in $(grep -o '/[a-z/]*bin/[a-z]*' "$unit" | sort -u); do
	[ -x "$p" ] || missing="$missing $p"
done
is "every program the unit names is installed" "$missing" ""
is "the unit is not enabled on installation" \
	"$(systemctl is-enabled vetod.service 2>/dev/null)" disabled
is "vetod looks for the stop page in /usr/share/veto, not /usr/local" \
	"$(grep -ac /usr/share/veto/stoppage.html /usr/sbin/vetod):$(grep -ac /usr/local/share/veto /usr/sbin/vetod)" \
	"1:0"

pw=$(getent passwd veto)
diag "veto user: $pw"
uid=$(echo "$pw" | cut -d: -f3)
cmp_num "the veto system user exists (uid < 1000)" "${uid:-99999}" -lt 1000
is "/var/lib/veto: veto:veto 700" "$(stat -c '%U:%G %a' /var/lib/veto 2>&1)" "veto:veto 700"
is "/run/veto: root:veto 750" "$(stat -c '%U:%G %a' /run/veto 2>&1)" "root:veto 750"
is "/etc/veto/veto.conf: root:veto 640 (statoverride)" \
	"$(stat -c '%U:%G %a' /etc/veto/veto.conf)" "root:veto 640"
# A reload reads the configuration after the drop to the veto user.
check "the veto user reads the configuration (as a reload does)" \
	setpriv --reuid=veto --regid=veto --init-groups \
	/usr/bin/veto conf -c /etc/veto/veto.conf
check_fails "another user (nobody) cannot read it" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	/usr/bin/veto conf -c /etc/veto/veto.conf

# --- the programs on the installed configuration ------------------------

out=$(/usr/sbin/vetod -n -c /etc/veto/veto.conf 2>&1)
rc=$?
diag "$out"
is "vetod -n accepts the installed configuration (no feed yet)" \
	"$rc:$(echo "$out" | grep -c 'configuration OK (0 feed')" "0:1"

# A copy of the installed configuration pointed at the demo list (the demo
# key is trusted in this copy only, never in the package).
mkdir -p "$TMP/demo" "$TMP/state"
cp "$ROOT"/conf/demo/{list.json,list.json.minisig,demo.pub} "$TMP/demo/"
cp /etc/veto/veto.conf "$TMP/veto.conf"
cat >>"$TMP/veto.conf" <<EOF
list_file = $TMP/demo/list.json
list_key_file = $TMP/demo/demo.pub
list_feed = demo-hotline/demo
never_block_file = /etc/veto/never-block.txt
stop_page_ipv4 = $STOP4
state_dir = $TMP/state
EOF
out=$(/usr/sbin/vetod -n -c "$TMP/veto.conf" 2>&1)
rc=$?
diag "$out"
is "vetod -n: the example configuration with the demo list is OK" \
	"$rc:$(echo "$out" | grep -c 'configuration OK (1 feed')" "0:1"
sed -i 's/"bad.example"/"bad.examplf"/' "$TMP/demo/list.json"
out=$(/usr/sbin/vetod -n -c "$TMP/veto.conf" 2>&1)
rc=$?
diag "$out"
cmp_num "... and refuses the same list with one byte changed" "$rc" -ne 0

is "debian/changelog's version is the program's" \
	"$(/usr/bin/veto --version)" "veto $version"
out=$(/usr/bin/veto --help 2>&1)
rc=$?
is "veto --help works and points at veto(8)" \
	"$rc:$(echo "$out" | grep -c 'veto(8)')" "0:1"
check "man finds vetod(8) in the package" \
	sh -c 'man -w vetod | grep -q /usr/share/man/man8/vetod.8.gz'

wait $lint_pid
lint=$(grep -v 'running with root privileges' "$TMP/lintian")
diag "lintian:" "${lint:-(nothing)}"
is "lintian: no error and no warning" \
	"$(printf '%s\n' "$lint" | grep -E '^[EW]: ')" ""

# --- purge ----------------------------------------------------------------

check "dpkg purges the package" dpkg_wait --purge veto
installed_by_us=0
snapshot "$TMP/after"
comm -13 "$TMP/before" "$TMP/after" >"$TMP/new"
gid=$(getent group veto | cut -d: -f3)
left=$( {
	grep -Fx -f "$TMP/pkgfiles" "$TMP/new"
	grep -i veto "$TMP/new"
	awk -v u="${uid:-x}" -v g="${gid:-x}" '$1 == u || $2 == g' "$TMP/after.own"
	ls -d /etc/veto /var/lib/veto /run/veto 2>/dev/null
} | sort -u)
is "nothing of the package is left after purge" "$left" ""
diag "other new paths on the machine meanwhile (parallel runs): $(grep -c . "$TMP/new")"
is "the statoverride is gone with it" \
	"$(diff "$TMP/statoverride.before" /var/lib/dpkg/statoverride)" ""
is "/etc/passwd: at most the veto user added (kept, as Debian does)" \
	"$(diff "$TMP/passwd.before" /etc/passwd | grep '^[<>]' | grep -v '^> veto:')" ""

done_testing
