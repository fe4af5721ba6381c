#!/bin/bash
# test_priv.sh - vetod's privileges (issue 14): the state directory as root,
# and what the running process holds.
#
# The state directory belongs to `user` (here nobody), who can plant
# symbolic links in it. Root touches state_dir itself only (O_NOFOLLOW,
# fchown/fchmod on the descriptor); the feeds and report directories below
# are made after the drop, by nobody. The attacks: state_dir/reports and
# state_dir/feeds are links to root's directories (before the fix root
# chowned the first to nobody and chmodded and filled the second); state_dir
# itself is a link. The twin: a fresh state_dir, made by vetod, everything
# in it nobody's.
#
# Then vetod built with the test hooks tries, after start, to execve, to
# create a file outside its Landlock allowance and to open a netlink socket:
# each is refused. While DNS traffic flows through the queue: vetod's uid,
# CapEff, CapBnd, NoNewPrivs, Seccomp (every thread) and its sockets, read
# from /proc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd unbound dig
getent passwd nobody >/dev/null || { skip "no user nobody"; done_testing; }

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }

conf_for() {	# conf_for FILE STATE_DIR: vetod as nobody
	vetod_conf "$1.in"
	sed -e 's/^user = root$/user = nobody/' -e "s#^state_dir = .*#state_dir = $2#" \
		-e "s#^report_dir = .*#report_dir = $2/reports#" "$1.in" >"$1"
}

# --- 1. symbolic links planted by the user in its state directory --------
start_with() {	# start_with CONF: vetod until it started or gave up
	bg_start vetod "$NS_F" "$VETOD" -d -c "$1"
	wait_for 10 sh -c "grep -q 'vetod .* started' '$TMP/vetod.log' || ! kill -0 $(bg_pid vetod)"
	diag "vetod: $(grep -E 'started|report_dir|fatal|FATAL|refus|not permitted' "$TMP/vetod.log" | head -n 3 | tr '\n' ' ')"
	bg_stop vetod
}
mkdir -p "$TMP/victim" "$TMP/victim2"
echo secret >"$TMP/victim/file"
chmod 0755 "$TMP/victim" "$TMP/victim2"
install -d -o nobody -g nogroup -m 0700 "$TMP/st1" "$TMP/st1b"
ln -s "$TMP/victim" "$TMP/st1/reports"
ln -s "$TMP/victim2" "$TMP/st1b/feeds"
chown -h nobody:nogroup "$TMP/st1/reports" "$TMP/st1b/feeds"
conf_for "$TMP/v1.conf" "$TMP/st1"
conf_for "$TMP/v1b.conf" "$TMP/st1b"
apply_rules "$TMP/v1.conf"
start_with "$TMP/v1.conf"
is "planted reports -> root's directory: not given to nobody" "$(stat -c '%U:%G %a' "$TMP/victim")" "root:root 755"
is "... its file untouched" "$(stat -c '%U %a' "$TMP/victim/file") $(cat "$TMP/victim/file")" "root 644 secret"
start_with "$TMP/v1b.conf"
is "planted feeds -> root's directory: mode unchanged" "$(stat -c '%U:%G %a' "$TMP/victim2")" "root:root 755"
is "... nothing created in it" "$(find "$TMP/victim2" -mindepth 1 | wc -l)" 0

# --- 2. state_dir itself a link --------------------------------------------
install -d -m 0755 "$TMP/victim3"
ln -s "$TMP/victim3" "$TMP/st2"
conf_for "$TMP/v2.conf" "$TMP/st2"
bg_start vetod "$NS_F" "$VETOD" -d -c "$TMP/v2.conf"
wait_for 10 sh -c "! kill -0 $(bg_pid vetod)"
check "state_dir a symbolic link: vetod refuses to start, says why" \
	grep -q "st2: not a directory (a symbolic link is refused)" "$TMP/vetod.log"
bg_stop vetod
is "... the link's target is not touched" "$(stat -c '%U:%G %a' "$TMP/victim3")" "root:root 755"

# --- 3. the twin: a fresh state directory ---------------------------------
# vetod built with the test hooks (tests/integ/vetod_hooks.c): after start
# it tries what its sandbox must refuse, and says what happened.
HOOKS=$HELPERS/vetod_hooks
outside=/tmp/veto-selftest-$$.txt
conf_for "$TMP/v3.conf" "$TMP/st3"
bg_start vetod "$NS_F" env VETO_SANDBOX_SELFTEST="$outside" "$HOOKS" -d -c "$TMP/v3.conf"
wait_for 10 _vetod_started || { not_ok "vetod (test hooks) starts as nobody"; diag "$(bg_log vetod)"; done_testing; }
is "fresh state_dir: made by root, given to nobody, 0700" "$(stat -c '%U %a' "$TMP/st3")" "nobody 700"
owners=$(find "$TMP/st3" -printf '%u\n' | sort -u | tr '\n' ' ')
is "everything below it is nobody's (made after the drop)" "$owners" "nobody "
check "the report directory was made (by nobody)" test -d "$TMP/st3/reports"
check "the feeds' state was made" test -d "$TMP/st3/feeds"

# --- 4. the sandbox holds, after start ------------------------------------
wait_for 5 grep -q 'selftest: netlink socket' "$TMP/vetod.log"
diag "$(grep -E 'sandbox:|selftest:' "$TMP/vetod.log")"
check "selftest: execve is refused" grep -q 'selftest: execve /bin/true: refused' "$TMP/vetod.log"
check "selftest: creating a file outside the allowance is refused" \
	grep -q "selftest: create $outside: refused" "$TMP/vetod.log"
check_fails "... and the file is not there" test -e "$outside"
rm -f "$outside"
sandboxed=1
grep -q 'seccomp OFF (sanitizer build)' "$TMP/vetod.log" && sandboxed=0
if [ $sandboxed = 1 ]; then
	check "selftest: a new netlink socket is refused" \
		grep -q 'selftest: netlink socket: refused' "$TMP/vetod.log"
else
	skip "netlink socket refused: seccomp is off in a sanitizer build"
fi
if [ $sandboxed = 1 ]; then
	check_fails "no attempt was ALLOWED" grep -q 'ALLOWED' "$TMP/vetod.log"
else
	check_fails "no attempt but the netlink socket was ALLOWED" \
		sh -c "grep 'ALLOWED' '$TMP/vetod.log' | grep -v 'netlink socket'"
fi

# --- 5. the running process, while traffic flows --------------------------
pid=$(pgrep -n -f -- "$HOOKS -d -c $TMP/v3.conf")
(for i in $(seq 200); do on_client dig +short +time=1 +tries=1 @"$S4" bad.example A >/dev/null; done) &
traffic=$!
sleep 0.5
st=/proc/$pid/status
is "vetod's uid is nobody's" "$(awk '/^Uid:/ { print $2, $3, $4 }' "$st")" "$(id -u nobody) $(id -u nobody) $(id -u nobody)"
is "CapEff: CAP_NET_ADMIN only (0x1000)" "$(awk '/^CapEff:/ { print $2 }' "$st")" 0000000000001000
is "CapBnd: CAP_NET_ADMIN only" "$(awk '/^CapBnd:/ { print $2 }' "$st")" 0000000000001000
is "NoNewPrivs: 1" "$(awk '/^NoNewPrivs:/ { print $2 }' "$st")" 1
if [ $sandboxed = 1 ]; then
	is "Seccomp: 2 (filter), in every thread" \
		"$(cat /proc/"$pid"/task/*/status | awk '/^Seccomp:/ { print $2 }' | sort -u | tr '\n' ' ')" "2 "
	qt=$(grep -l '^veto-q0$' /proc/"$pid"/task/*/comm | head -n 1)
	qt=${qt%/comm}
	is "the packet thread (veto-q0) adds its own filter: Seccomp_filters 2" \
		"$(awk '/^Seccomp_filters:/ { print $2 }' "$qt/status" 2>/dev/null)" 2
	# a stop page thread narrows itself on its first connection
	is "a client of the stop page gets it" "$(on_client curl -s -o /dev/null -w '%{http_code}' \
		--max-time 3 -H 'Host: bad.example' "http://$STOP4/")" 451
	web=$(for t in /proc/"$pid"/task/*; do [ "$t" = "$qt" ] && continue
		awk '/^Seccomp_filters:/ && $2 == 2 { print FILENAME }' "$t/status"; done)
	diag "threads with a filter of their own: veto-q0 and $(for f in $web; do cat "${f%status}comm"; done | sort | uniq -c | tr '\n' ' ')"
	check "... a stop page thread (libmicrohttpd) added its own filter" \
		sh -c "for f in $(echo $web); do grep -q '^MHD' \"\${f%status}comm\" && exit 0; done; exit 1"
	is "... the other threads have the process's only" \
		"$(for t in /proc/"$pid"/task/*; do [ "$t" = "$qt" ] && continue; grep -qs '^MHD-worker' "$t/comm" && continue; awk '/^Seccomp_filters:/ { print $2 }' "$t/status"; done | sort -u | tr '\n' ' ')" "1 "
else
	skip "Seccomp: 2 (a sanitizer build loads no seccomp filter)"
fi
# its sockets: netlink (the queue), listening TCP (stop page, metrics)
inodes=$(ls -l /proc/"$pid"/fd | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | sort -u)
nl=0 lsn=0
for i in $inodes; do
	grep -qw "$i" /proc/"$pid"/net/netlink && nl=$((nl + 1))
	awk -v i="$i" '$4 == "0A" && $10 == i { f = 1 } END { exit !f }' \
		/proc/"$pid"/net/tcp /proc/"$pid"/net/tcp6 && lsn=$((lsn + 1))
done
diag "vetod (one process): $(ls /proc/"$pid"/fd | wc -l) fds, $(wc -w <<<"$inodes") sockets, $nl netlink, $lsn listening TCP"
is "netlink sockets: the queue's only (1 queue)" "$nl" 1
is "answers blocked while it runs" "$(on_client dig +short @"$S4" bad.example A)" "$STOP4"
wait $traffic
bg_stop vetod
done_testing
