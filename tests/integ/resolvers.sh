# shellcheck shell=bash
# tests/integ/resolvers.sh - the four resolvers of Debian loading an RPZ
# file, for test_rpz.sh and tests/bench/rpz.sh (source lib.sh first).
#
#   rpz_start KIND NS ADDR ZONEFILE LOCALZONE   start it, wait until it answers
#   rpz_reload KIND                             reload the RPZ file as documented
#   rpz_pid KIND                                the resolver's pid
#   rpz_status KIND NAME [TYPE]                 "NXDOMAIN", "NOERROR 192.0.2.10"...
#   rpz_is KIND NAME WANT                       rpz_status is WANT (for wait_for)
#
# KIND: unbound, bind, kresd, pdns. Each listens on ADDR:53 in namespace
# NS, answers only from LOCALZONE (a zone file for `example.`) and applies
# ZONEFILE (origin veto.rpz) as its response policy. None recurses: no
# root hints, no forwarders; any other name is refused (unbound, kresd,
# BIND: recursion off) or SERVFAILs without a hint (unbound: root-hints
# "", pdns: hint-file=no, security-poll-suffix empty). BIND applies an RPZ
# update at most every min-update-interval (60 s by default; 0 here);
# pdns keeps answers in its packet cache until their TTL (off here).
# Directories: $TMP/rpz-KIND.

_rpz_dir() { echo "$TMP/rpz-$1"; }

_rpz_unbound() {	# DIR NS ADDR ZONE LOCAL
	local d=$1
	# the local data is an auth-zone: unbound's local-zones answer before
	# RPZ triggers are looked at, an auth-zone after
	cp "$5" "$d/example.zone"
	cat >"$d/unbound.conf" <<-EOF
	server:
	    interface: $3
	    port: 53
	    do-daemonize: no
	    chroot: ""
	    username: ""
	    directory: "$d"
	    pidfile: "$d/unbound.pid"
	    use-syslog: no
	    logfile: ""
	    verbosity: 1
	    num-threads: 1
	    access-control: 0.0.0.0/0 allow
	    do-not-query-localhost: yes
	    root-hints: ""
	    module-config: "respip iterator"
	auth-zone:
	    name: "example."
	    zonefile: "$d/example.zone"
	    for-downstream: yes
	    for-upstream: yes
	    fallback-enabled: no
	rpz:
	    name: "veto.rpz"
	    zonefile: "$4"
	    rpz-log: yes
	remote-control:
	    control-enable: yes
	    control-interface: "$d/control.sock"
	    control-use-cert: no
	EOF
	unbound-checkconf "$d/unbound.conf" >"$d/check.log" 2>&1 || return 1
	bg_start rpz-unbound "$2" unbound -d -c "$d/unbound.conf"
}

_rpz_bind() {	# DIR NS ADDR ZONE LOCAL
	local d=$1
	cp "$5" "$d/example.zone"
	# rndc talks to 127.0.0.1 inside the namespace, with its own key
	rndc-confgen -a -A hmac-sha256 -k rndc-key -c "$d/rndc.key" >/dev/null 2>&1 || return 1
	cat >"$d/named.conf" <<-EOF
	include "$d/rndc.key";
	controls { inet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { rndc-key; }; };
	options {
	    directory "$d";
	    pid-file "$d/named.pid";
	    listen-on port 53 { $3; };
	    listen-on-v6 { none; };
	    recursion no;
	    dnssec-validation no;
	    allow-query { any; };
	    response-policy { zone "veto.rpz" log yes; } recursive-only no
	        min-update-interval 0;
	};
	zone "veto.rpz" { type primary; file "$4"; allow-query { none; }; };
	zone "example" { type primary; file "$d/example.zone"; };
	EOF
	named-checkconf "$d/named.conf" >"$d/check.log" 2>&1 || return 1
	bg_start rpz-bind "$2" named -g -c "$d/named.conf"
}

_rpz_kresd() {	# DIR NS ADDR ZONE LOCAL
	local d=$1
	{
		echo "net.listen('$3', 53, { kind = 'dns' })"
		echo "trust_anchors.remove('.')"
		echo "cache.size = 10 * MB"
		echo "policy.add(policy.rpz(policy.DENY, '$4', true))"
		awk '/^[a-z]/ && $2 == "A" { printf "policy.add(policy.domains(policy.ANSWER({ [kres.type.A] = { rdata = kres.str2ip(\"%s\"), ttl = 60 } }), { todname(\"%s.example.\") }))\n", $3, $1 }' "$5"
		echo "policy.add(policy.all(policy.REFUSE))"
	} >"$d/kresd.conf"
	bg_start rpz-kresd "$2" kresd -n -q -c "$d/kresd.conf" "$d"
}

_rpz_pdns() {	# DIR NS ADDR ZONE LOCAL
	local d=$1
	cp "$5" "$d/example.zone"
	echo "rpzFile(\"$4\", { policyName = \"veto.rpz\" })" >"$d/rpz.lua"
	cat >"$d/recursor.conf" <<-EOF
	local-address=$3
	local-port=53
	socket-dir=$d
	daemon=no
	write-pid=no
	hint-file=no
	dnssec=off
	allow-from=0.0.0.0/0
	threads=1
	auth-zones=example=$d/example.zone
	lua-config-file=$d/rpz.lua
	loglevel=4
	security-poll-suffix=
	disable-packetcache=yes
	EOF
	bg_start rpz-pdns "$2" pdns_recursor --config-dir="$d"
}

rpz_start() {	# KIND NS ADDR ZONE LOCAL
	local kind=$1 d
	d=$(_rpz_dir "$kind")
	mkdir -p "$d"
	echo "$3" >"$d/addr"
	echo "$2" >"$d/ns"
	"_rpz_$kind" "$d" "$2" "$3" "$4" "$5" || {
		diag "$kind: configuration refused:" "$(cat "$d/check.log" 2>/dev/null)"
		return 1
	}
	wait_for "${RPZ_WAIT:-60}" _rpz_answers "$kind" || {
		diag "$kind did not answer:" "$(bg_log "rpz-$kind" | tail -20)"
		return 1
	}
}

# the local zone answers: the resolver is up with its RPZ loaded
_rpz_answers() {
	local d
	d=$(_rpz_dir "$1")
	in_ns "$(cat "$d/ns")" dig +time=1 +tries=1 @"$(cat "$d/addr")" ok.example A |
	    grep -q 'status: NOERROR'
}

rpz_pid() { bg_pid "rpz-$1"; }

rpz_reload() {
	local kind=$1 d ns
	d=$(_rpz_dir "$kind")
	ns=$(cat "$d/ns")
	case $kind in
	unbound) in_ns "$ns" unbound-control -c "$d/unbound.conf" auth_zone_reload veto.rpz ;;
	bind) in_ns "$ns" rndc -k "$d/rndc.key" -s 127.0.0.1 -p 953 reload veto.rpz ;;
	kresd) return 0 ;;	# it watches the file (lua-cqueues)
	pdns) in_ns "$ns" rec_control --socket-dir="$d" reload-lua-config ;;
	esac
}

# rpz_status KIND NAME [TYPE]: the answer's status and first address, e.g.
# "NXDOMAIN", "NOERROR 192.0.2.10", "NOERROR" (no data).
rpz_status() {
	local d out st a
	d=$(_rpz_dir "$1")
	out=$(in_ns "$(cat "$d/ns")" dig +time=2 +tries=1 @"$(cat "$d/addr")" "$2" "${3:-A}")
	st=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
	a=$(awk '/^;; ANSWER SECTION/ { s = 1; next } s && NF == 0 { exit } s && ($4 == "A" || $4 == "AAAA") { print $5; exit }' <<<"$out")
	echo "$st${a:+ $a}"
}

# rpz_is KIND NAME WANT: does NAME's answer read WANT now? (for wait_for:
# the query runs on every try)
rpz_is() { [ "$(rpz_status "$1" "$2")" = "$3" ]; }
