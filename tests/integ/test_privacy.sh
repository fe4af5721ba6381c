#!/bin/bash
# test_privacy.sh - counts, never identities (issue 8). Allowed and blocked
# traffic of every protocol from the client namespace, with names, URLs,
# User-Agent, cookies and Referer made unique by this run; then every file
# vetod wrote (state, reports), its log output (stderr with debug logging,
# and syslog), the metrics page and the control socket's replies are
# searched for the client's addresses, its source ports and the unique
# strings: none may appear. The blocked traffic must be counted exactly (per
# category and per entry, in `veto stats` and in the report), and the
# daemon must not be able to dump core.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd dig curl openssl gtlsclient gtlsserver nginx unbound "$VETOD"
SINK=$HELPERS/syslog_sink

UNIQ=p$(date +%s%N | tail -c 9)x$$
topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok unbound; done_testing; }
make_ca "$TMP/pki" allowed.example bad.example "$UNIQ.example.org" >/dev/null
start_nginx "$TMP/pki/server.pem" "$TMP/pki/server.key" || { not_ok nginx; done_testing; }
bg_start gtlsserver "$NS_S" gtlsserver -q -d "$TMP/www" "$S4" 443 \
	"$TMP/pki/server.key" "$TMP/pki/server.pem"
mkdir -p "/etc/netns/$NS_C"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
printf '%s %s\n' "$S4" bad.example "$S4" allowed.example "$S4" "$UNIQ.example.org" \
	>"/etc/netns/$NS_C/hosts"

# syslog: a receiver at /dev/log when the machine has none
SYSLOG=$TMP/syslog.txt
touch "$SYSLOG"
if [ ! -e /dev/log ]; then
	bg_start syslog - "$SINK" /dev/log "$SYSLOG"
	wait_for 5 grep -q listening "$TMP/syslog.log"
	trap 'rm -rf "/etc/netns/$NS_C"; cleanup; [ -S /dev/log ] && ! fuser /dev/log >/dev/null 2>&1 && rm -f /dev/log' EXIT
	have_syslog=1
else
	have_syslog=0
fi

vetod_conf <<EOF
metrics_listen = 127.0.0.1:9153
report_dir = $TMP/reports
report_interval = 10
report_min_count = 1
stats_interval = 10
EOF
mkdir -p "$TMP/cwd"
apply_rules "$VCONF" || { not_ok rules; done_testing; }
# two daemons in turn would lose counts: one vetod, logging to syslog, and
# its debug output to stderr as well (-v -d is stderr; without -d, syslog)
if [ $have_syslog = 1 ]; then
	bg_start vetod "$NS_F" sh -c "cd '$TMP/cwd' && exec '$VETOD' -v -c '$VCONF'"
	wait_for 10 grep -q 'vetod .* started' "$SYSLOG" || { not_ok "vetod starts"; diag "$(cat "$SYSLOG")"; done_testing; }
else
	bg_start vetod "$NS_F" sh -c "cd '$TMP/cwd' && exec '$VETOD' -d -v -c '$VCONF'"
	wait_for 10 _vetod_started || { not_ok "vetod starts"; done_testing; }
	skip "syslog output (this machine has a syslog daemon at /dev/log)"
fi
ok "vetod starts (debug logging on)"
on_client tcpdump -i eth0 -nn -w "$TMP/client.pcap" >/dev/null 2>&1 &
tcpdump_pid=$!
sleep 1

# --- traffic ------------------------------------------------------------
P1=47113 P2=47114 P3=47115
dq() { on_client dig +time=2 +tries=1 "$@" >/dev/null 2>&1; }
UA="User-Agent: $UNIQ-agent" CK="Cookie: session=$UNIQ-cookie" RF="Referer: http://$UNIQ-ref.example/"
# allowed, with unique names
dq -b "$C4#$P1" @"$S4" "$UNIQ-a.example" A
dq +tcp @"$S4" "$UNIQ-b.example" AAAA
dq @"$S6" "$UNIQ-c.example" TXT
on_client curl -s -o /dev/null --max-time 5 --local-port "$P2" -H "$UA" -H "$CK" -H "$RF" \
	--resolve share.example:80:"$S4" "http://share.example/$UNIQ/page?q=$UNIQ"
on_client curl -s -o /dev/null --max-time 5 -6 -g -H "$UA" \
	"http://[$S6]/$UNIQ-v6?token=$UNIQ"
echo | on_client timeout 5 openssl s_client -connect "$S4:443" \
	-servername "$UNIQ.example.org" >/dev/null 2>&1
on_client timeout 8 gtlsclient -q --exit-on-all-streams-close \
	--handshake-timeout=3s "$UNIQ.example.org" 443 "https://$UNIQ.example.org/" >/dev/null 2>&1
# blocked, counted exactly: d1 dns 3 tls 2 quic 1; h1 dns 2; u1 http 2; t1 dns 1
dq -b "$C4#$P3" @"$S4" bad.example A
dq @"$S4" www.bad.example AAAA
dq +tcp @"$S6" "$UNIQ.bad.example" A
dq @"$S4" exact.example A
dq @"$S6" exact.example AAAA
dq @"$S4" canary.hotline.example A
for i in 1 2; do
	on_client curl -s -o /dev/null --max-time 5 -H "$UA" -H "$CK" \
	    --resolve share.example:80:"$S4" "http://share.example/u/123/$UNIQ-$i"
	echo | on_client timeout 5 openssl s_client -connect "$S4:443" \
	    -servername bad.example >/dev/null 2>&1
done
on_client timeout 8 gtlsclient -q --exit-on-all-streams-close \
	--handshake-timeout=2s bad.example 443 https://bad.example/ >/dev/null 2>&1
sleep 1
kill "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null

# --- exact counts -------------------------------------------------------
on_filter "$VETO" stats --json -s "$TMP/control.sock" >"$TMP/stats.json"
on_filter "$VETO" status --json -s "$TMP/control.sock" >"$TMP/status.json"
on_filter curl -s http://127.0.0.1:9153/metrics >"$TMP/metrics.txt"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/metrics.txt"; }
lbl='feed="default",category="csam"'
is "blocked csam over DNS counted exactly" "$(metric "veto_blocked_total{$lbl,protocol=\"dns\"}")" 5
is "blocked csam over HTTP counted exactly" "$(metric "veto_blocked_total{$lbl,protocol=\"http\"}")" 2
is "blocked csam over TLS counted exactly" "$(metric "veto_blocked_total{$lbl,protocol=\"tls\"}")" 2
is "blocked csam over QUIC counted exactly" "$(metric "veto_blocked_total{$lbl,protocol=\"quic\"}")" 1
is "blocked canary (category test) counted" \
	"$(metric 'veto_blocked_total{feed="default",category="test",protocol="dns"}')" 1

# stop vetod: it writes the report of the period so far
bg_stop vetod
is "vetod stops cleanly on SIGTERM (exit status)" "$?" 0
on_filter cat /proc/net/netfilter/nfnetlink_queue >/dev/null
report=$(ls "$TMP"/reports/report-*.json 2>/dev/null | tail -n 1)
if [ -z "$report" ]; then
	not_ok "a report was written"; diag "$(ls -la "$TMP/reports" 2>&1)"
else
	ok "a report was written ($(basename "$report"))"
	# entry counts, summed over every report of the run (k = 1: exact)
	ecount() {	# ENTRY PROTO
		cat "$TMP"/reports/report-*.json | tr -d ' \n\t' |
		    grep -o "{\"id\":\"$1\"[^}]*}" |
		    sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" | awk '{ n += $1 } END { print n + 0 }'
	}
	is "report: entry d1, dns" "$(ecount d1 dns)" 3
	is "report: entry d1, tls" "$(ecount d1 tls)" 2
	is "report: entry d1, quic" "$(ecount d1 quic)" 1
	is "report: entry h1, dns" "$(ecount h1 dns)" 2
	is "report: entry u1, http" "$(ecount u1 http)" 2
	is "report: entry t1 (canary), dns" "$(ecount t1 dns)" 1
fi

# --- nothing identifying anywhere ----------------------------------------
ports=$(tcpdump -r "$TMP/client.pcap" -nn 2>/dev/null |
	awk '{ print $3 }' | grep -oE '[.][0-9]+$' | tr -d . | sort -u |
	grep -vxE '53|80|443' )
needles=("$C4" "$C6" "2001:db8:1:0:0:0:0:2" "$UNIQ")
files=("$TMP/vetod.log" "$SYSLOG" "$TMP/stats.json" "$TMP/status.json" "$TMP/metrics.txt")
while IFS= read -r f; do files+=("$f"); done < <(find "$TMP/state" "$TMP/reports" "$TMP/cwd" -type f 2>/dev/null)
leaks=""
for f in "${files[@]}"; do
	for n in "${needles[@]}"; do
		grep -qiF -- "$n" "$f" 2>/dev/null && leaks="$leaks $(basename "$f"):$n"
	done
	for p in $P1 $P2 $P3 $ports; do
		# a port as text (not a counter value standing alone on a line)
		if grep -E "(^|[^0-9])$p([^0-9]|\$)" "$f" 2>/dev/null |
		    grep -vqE '^veto_[a-z_]+(\{[^}]*\})? [0-9]+$|"[a-z_]+": ?[0-9]+,?$'; then
			leaks="$leaks $(basename "$f"):port$p"
		fi
	done
done
is "no client address, source port or unique name in any output (${#files[@]} files, $(wc -w <<<"$ports") ports)" "$leaks" ""
grep -q 'dns blocked entry d1' "$TMP/vetod.log" "$SYSLOG" &&
	ok "debug lines exist (protocol, decision, entry id only)" ||
	not_ok "debug lines exist"
[ $have_syslog = 1 ] && cmp_num "syslog received vetod's lines" "$(grep -c vetod "$SYSLOG")" -gt 3

# --- no core dump ------------------------------------------------------
bg_start vetod2 "$NS_F" sh -c "cd '$TMP/cwd' && exec '$VETOD' -d -c '$VCONF'"
wait_for 10 grep -q 'vetod .* started' "$TMP/vetod2.log"
pid=$(bg_pid vetod2)
is "RLIMIT_CORE is 0" "$(awk '/Max core file size/ { print $5 }' /proc/"$pid"/limits)" 0
kill -SEGV "$pid"
sleep 1
if [ -z "$(find "$TMP/cwd" -name 'core*' 2>/dev/null)" ]; then
	ok "a crash (SIGSEGV) leaves no core file (core_pattern: $(cat /proc/sys/kernel/core_pattern))"
else
	not_ok "a crash left a core file"
fi
done_testing
