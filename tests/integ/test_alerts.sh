#!/bin/bash
# test_alerts.sh - conf/prometheus/veto-rules.yml and conf/grafana/veto.json
# (issue 17): the rules pass `promtool check rules` and their unit tests
# (`promtool test rules`: each alert fires on its failure, not on the
# healthy twin); every metric the rules and every dashboard query name is
# one a real vetod exports (its metrics page, read in a namespace), and the
# check itself refuses a query naming a metric vetod does not export.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd promtool curl python3 "$BUILD/vetod"

RULES=$ROOT/conf/prometheus/veto-rules.yml
TESTS=$ROOT/conf/prometheus/veto-rules.test.yml
DASH=$ROOT/conf/grafana/veto.json

check "promtool check rules" promtool check rules "$RULES"
check "promtool test rules: every alert fires on its failure only" \
    sh -c "cd '$ROOT/conf/prometheus' && promtool test rules '$TESTS'"

# --- the metrics a real vetod exports ------------------------------------------
_ns_add "$NS_S" || { not_ok "namespace"; done_testing; }
write_conf "$TMP/veto.conf" <<-EOF
queues = 0
state_dir = $TMP/state
list_file = $ROOT/conf/demo/list.json
list_key_file = $ROOT/conf/demo/demo.pub
list_feed = demo-hotline/demo
stop_page_ipv4 = 192.0.2.1
stop_page_listen = 127.0.0.1:8080
metrics_listen = 127.0.0.1:9153
control_socket = $TMP/control.sock
report_dir = $TMP/reports
EOF
bg_start vetod "$NS_S" "$BUILD/vetod" -d -c "$TMP/veto.conf"
page() { in_ns "$NS_S" curl -s --max-time 5 http://127.0.0.1:9153/metrics; }
if ! wait_for 20 sh -c "ip netns exec $NS_S curl -s --max-time 2 http://127.0.0.1:9153/metrics | grep -q '^veto_up 1'"; then
	not_ok "vetod serves its metrics page"
	diag "$(bg_log vetod | tail -20)"
	done_testing
fi
page | awk '$1 == "#" && $2 == "TYPE" { print $3 }' | sort -u >"$TMP/exported"
cmp_num "vetod exports its metric families" "$(wc -l <"$TMP/exported")" -gt 20

# names FILE: the veto_* metric names in the expressions of FILE
rule_names() {
	python3 - "$1" <<-'PY'
	import re, sys
	for line in open(sys.argv[1]):
	    m = re.match(r'\s*expr:\s*(.*)', line)
	    if m:
	        for n in re.findall(r'\bveto_[a-z0-9_]+', m.group(1)):
	            print(n)
	PY
}
# dash_check FILE EXPORTED: every target of every panel names a veto_ metric,
# and every veto_ name is exported; prints what is wrong, exit 1 if anything
dash_check() {
	python3 - "$1" "$2" <<-'PY'
	import json, re, sys
	d = json.load(open(sys.argv[1]))
	exported = set(open(sys.argv[2]).read().split())
	bad = 0
	queries = 0
	def targets(panels):
	    for p in panels:
	        yield from targets(p.get("panels", []))
	        for t in p.get("targets", []):
	            yield p.get("title", "?"), t.get("expr", "")
	for title, expr in targets(d["panels"]):
	    queries += 1
	    names = set(re.findall(r'\bveto_[a-z0-9_]+', expr))
	    if not names:
	        print(f"panel '{title}': query names no veto metric: {expr}")
	        bad += 1
	    for n in sorted(names - exported):
	        print(f"panel '{title}': {n} is not exported by vetod")
	        bad += 1
	for v in d.get("templating", {}).get("list", []):
	    q = v.get("query", "")
	    q = q.get("query", "") if isinstance(q, dict) else q
	    for n in set(re.findall(r'\bveto_[a-z0-9_]+', q)) - exported:
	        print(f"variable '{v['name']}': {n} is not exported by vetod")
	        bad += 1
	print(f"{queries} queries")
	sys.exit(1 if bad or queries == 0 else 0)
	PY
}

missing=$(rule_names "$RULES" | sort -u | comm -23 - "$TMP/exported")
is "every metric the alert rules name is exported by vetod" "$missing" ""
cmp_num "the rules name the metrics of every alert" "$(rule_names "$RULES" | sort -u | wc -l)" -ge 7
check "every dashboard query names a metric vetod exports" dash_check "$DASH" "$TMP/exported"
# the check can fail: a dashboard with a query on a metric vetod does not have
python3 -c "
import json, sys
d = json.load(open('$DASH'))
d['panels'][1]['targets'][0]['expr'] = 'rate(veto_no_such_metric_total[5m])'
json.dump(d, open('$TMP/bad.json', 'w'))"
check_fails "a dashboard query on a metric vetod does not export is caught" \
    dash_check "$TMP/bad.json" "$TMP/exported"

bg_stop vetod
done_testing
