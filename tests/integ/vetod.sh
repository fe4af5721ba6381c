# shellcheck shell=bash
# tests/integ/vetod.sh - helpers for tests that run vetod (source after
# lib.sh).
#
#   vetod_conf FILE [extra key = value lines on stdin]
#       a configuration for the filter namespace: the demo feed from
#       conf/demo (list_file), state in $TMP/state, stop page addresses
#       (open to the client network: stop_page_allow),
#       control socket in $TMP, metrics off unless given.
#   vetod_start [CONF]    rules applied, vetod started in the filter ns,
#                         waits until it says it started
#   vetod_stop            SIGTERM, waits
#   vetod_reload          SIGHUP, waits until it logged the reload
#   demo_zone FILE        unbound local-data for the names of the demo list

VETOD=$BUILD/vetod
DEMO_LIST=$ROOT/conf/demo/list.json
DEMO_PUB=$ROOT/conf/demo/demo.pub
VCONF=$TMP/veto.conf

vetod_conf() {
	local f=${1:-$VCONF}
	{
		cat <<-EOF
		queues = 0
		list_file = $DEMO_LIST
		list_key_file = $DEMO_PUB
		list_feed = demo-hotline/demo
		state_dir = $TMP/state
		stop_page_ipv4 = $STOP4
		stop_page_ipv6 = $STOP6
		stop_page_template = $ROOT/conf/stoppage.html
		stop_page_allow = 198.51.100.0/24, 2001:db8:1::/64
		operator_name = Test ISP
		operator_url = https://isp.example/
		operator_contact = abuse@isp.example
		control_socket = $TMP/control.sock
		metrics_listen =
		report_dir = $TMP/reports
		stats_interval = 300
		EOF
		[ -t 0 ] || cat
	} | write_conf "$f"
}

_vetod_started() { grep -q 'vetod .* started' "$TMP/vetod.log"; }

vetod_start() {
	local conf=${1:-$VCONF}
	apply_rules "$conf" || { diag "rules failed"; return 1; }
	bg_start vetod "$NS_F" "$VETOD" -d ${VETOD_ARGS:-} -c "$conf"
	if ! wait_for 10 _vetod_started; then
		diag "vetod did not start:" "$(bg_log vetod)"
		return 1
	fi
}

vetod_stop() { bg_stop vetod TERM; }

vetod_reload() {
	local n
	n=$(grep -c 'reload' "$TMP/vetod.log")
	kill -HUP "$(bg_pid vetod)" || return 1
	wait_for 10 sh -c "[ \$(grep -c 'reload' '$TMP/vetod.log') -gt $n ]"
}

# Names of the demo list, and neighbours that must not be blocked.
demo_zone() {
	cat >"$1" <<-'EOF'
	local-zone: "example." static
	local-data: "allowed.example. 300 IN A 203.0.113.80"
	local-data: "allowed.example. 300 IN AAAA 2001:db8:2::80"
	local-data: "allowed.example. 300 IN TXT \"hello\""
	local-data: "bad.example. 300 IN A 203.0.113.66"
	local-data: "bad.example. 300 IN AAAA 2001:db8:2::66"
	local-data: "bad.example. 300 IN TXT \"bad\""
	local-data: "www.bad.example. 300 IN A 203.0.113.66"
	local-data: "notbad.example. 300 IN A 203.0.113.67"
	local-data: "exact.example. 300 IN A 203.0.113.68"
	local-data: "sub.exact.example. 300 IN A 203.0.113.69"
	local-data: "share.example. 300 IN A 203.0.113.2"
	local-data: "canary.hotline.example. 300 IN A 203.0.113.70"
	EOF
}
