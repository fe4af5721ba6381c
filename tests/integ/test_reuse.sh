#!/bin/bash
# test_reuse.sh - a new connection starts undecided (issue 12, item 8):
# a TCP connection reopened on the 5-tuple of an allowed one, to one server
# address serving an allowed and a blocked name, is decided on its own name
# (closed by the client's reset: conntrack makes a new entry and vetod
# starts the flow again; closed by the server's reset: conntrack reuses the
# entry and the veto-reopen rule drops the SYN instead of letting it in on
# the old ALLOW). The twins: the same reopen naming an allowed host works,
# and an established allowed connection survives a stray SYN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd python3 "$VETOD"
PY="python3 $ROOT/tests/integ/reuse.py"

topo_up || { not_ok "topology"; done_testing; }
make_ca "$TMP/pki" allowed.example bad.example || { not_ok "test CA"; done_testing; }
CA=$TMP/pki/ca.pem
bg_start reuse_server "$NS_S" $PY server "$S4" 8443 "$TMP/pki/server.pem" \
	"$TMP/pki/server.key"
wait_for 5 listening "$NS_S" tcp 8443 || { not_ok "server"; done_testing; }
vetod_conf <<<"tls_ports = 8443"
vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts"

reopen() { on_client timeout 20 $PY reopen "$C4" "$1" "$S4" 8443 "$CA" "$2" "$3" ${4:-}; }

is "twin: reopened after the client's reset, allowed name" \
	"$(reopen 41001 allowed.example allowed.example)" answered
is "attack: reopened after the client's reset, blocked name: not answered" \
	"$(reopen 41002 allowed.example bad.example | cut -d: -f1)" failed
is "attack: reopened after the server's reset, blocked name: not answered" \
	"$(reopen 41003 allowed.example bad.example rst | cut -d: -f1)" failed
cmp_num "the reused conntrack entry's SYN was dropped (veto-reopen)" \
	"$(rule_packets veto-reopen)" -ge 1
is "twin: an established allowed connection survives a stray SYN" \
	"$(on_client timeout 20 $PY stray "$C4" 41004 "$S4" 8443 "$CA" allowed.example)" \
	answered
done_testing
