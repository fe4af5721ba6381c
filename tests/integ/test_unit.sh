#!/bin/bash
# test_unit.sh - the systemd unit's hardening (issue 14): conf/vetod.service
# scores at most 3.0 in `systemd-analyze security --offline=yes`, and vetod
# still works under it.
#
# Running vetod under the unit's sandbox needs systemd as PID 1
# (systemd-run): then every hardening line of [Service] is passed to
# `systemd-run -p`, vetod runs in the filter namespace
# (NetworkNamespacePath=) and must block a name. Without systemd (a
# container: PID 1 is something else) that part is skipped, saying so, and
# what can be checked without it is: vetod started with only the unit's
# CapabilityBoundingSet (setpriv), no_new_privs and UMask 0077 starts,
# drops to nobody and blocks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd unbound dig setpriv
UNIT=$ROOT/conf/vetod.service

# --- the score --------------------------------------------------------------
if command -v systemd-analyze >/dev/null &&
	out=$(systemd-analyze security --offline=yes "$UNIT" 2>&1); then
	score=$(sed -n 's/.*Overall exposure level for vetod.service: \([0-9.]*\).*/\1/p' <<<"$out")
	diag "systemd-analyze security --offline=yes conf/vetod.service: $score"
	check "exposure score $score <= 3.0" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }'
else
	skip "systemd-analyze --offline is not available"
fi

# The hardening lines of [Service] (not how the service starts or stops).
props=()
while IFS= read -r l; do
	props+=(-p "$l")
done < <(sed -n '/^\[Service\]/,/^\[/p' "$UNIT" | grep -E '^[A-Z][A-Za-z]*=' |
	grep -vE '^(Type|Exec[A-Za-z]*|Restart[A-Za-z]*)=')
cmp_num "the unit has hardening lines (${#props[@]} arguments)" "${#props[@]}" -ge 40

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
vetod_conf "$TMP/in.conf"
sed -e 's/^user = root$/user = nobody/' "$TMP/in.conf" >"$VCONF"
apply_rules "$VCONF" || { not_ok "rules"; done_testing; }

# --- under systemd-run, when systemd runs this machine -----------------------
pid1=$(cat /proc/1/comm)
if [ "$pid1" = systemd ] && systemctl is-system-running >/dev/null 2>&1; then
	name=veto-test-$$
	# the state and report directories are in $TMP: writable for the test
	systemd-run --unit="$name" --quiet -p NetworkNamespacePath="/run/netns/$NS_F" \
		"${props[@]}" -p ReadWritePaths="$TMP" "$VETOD" -d -c "$VCONF"
	if wait_for 10 sh -c "journalctl -u $name -o cat | grep -q 'vetod .* started'"; then
		ok "vetod starts under the unit's hardening (systemd-run)"
		is "... and blocks" "$(on_client dig +short @"$S4" bad.example A)" "$STOP4"
	else
		not_ok "vetod starts under the unit's hardening (systemd-run)"
		diag "$(journalctl -u "$name" -o cat | tail -n 20)"
	fi
	systemctl stop "$name" 2>/dev/null
else
	skip "systemd-run: PID 1 is \`$pid1', not systemd (a container); checked: the offline score above, and the capability set below"
fi

# --- what can be checked without systemd -------------------------------------
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' |
	sed -e 's/cap_//g' -e 's/ /,+/g' -e 's/^/-all,+/')
diag "bounding set: $caps"
bg_start vetod "$NS_F" setpriv --bounding-set "$caps" --inh-caps=-all \
	--no-new-privs sh -c "umask 0077; exec $VETOD -d -c $VCONF"
if wait_for 10 _vetod_started; then
	ok "vetod starts with only the unit's CapabilityBoundingSet and no_new_privs"
	is "... and blocks" "$(on_client dig +short @"$S4" bad.example A)" "$STOP4"
	pid=$(pgrep -n -f -- "$VETOD -d -c $VCONF")
	is "... as nobody with CAP_NET_ADMIN alone" \
		"$(awk '/^Uid:/ { u = $2 } /^CapEff:/ { c = $2 } END { print u, c }' "/proc/$pid/status")" \
		"$(id -u nobody) 0000000000001000"
	is "... files it made are private (UMask 0077)" "$(stat -c '%a' "$TMP/state")" 700
else
	not_ok "vetod starts with only the unit's CapabilityBoundingSet"
	diag "$(bg_log vetod)"
fi
bg_stop vetod
# again, now that state_dir exists and is nobody's 0700 (root opens it
# without owning it: CAP_DAC_READ_SEARCH)
bg_start vetod "$NS_F" setpriv --bounding-set "$caps" --inh-caps=-all \
	--no-new-privs sh -c "umask 0077; exec $VETOD -d -c $VCONF"
if wait_for 10 _vetod_started; then
	ok "... and restarts with its state directory in place"
else
	not_ok "... and restarts with its state directory in place"
	diag "$(bg_log vetod)"
fi
bg_stop vetod
done_testing
