#!/bin/sh
# Install the Debian packages veto needs, only those missing.
#   tests/deps.sh          everything (build, unit, integration, bench, demo)
#   tests/deps.sh build    only what `make` needs
#   tests/deps.sh deb      what `make deb` needs (build + Debian tools)
set -eu

BUILD_PKGS="gcc make pkg-config clang libnetfilter-queue-dev libmnl-dev
libcurl4-openssl-dev libcjson-dev libssl-dev libidn2-dev libpsl-dev publicsuffix
libmicrohttpd-dev libpcap-dev libcap-dev libcmocka-dev libseccomp-dev"
TEST_PKGS="minisign unbound nginx-light bind9-dnsutils curl openssl iproute2
iptables conntrack tcpdump ngtcp2-client ngtcp2-server dnsperf iperf3 procps
psmisc chromium ca-certificates nftables apache2-utils python3
bind9 knot-resolver lua-cqueues pdns-recursor squid prometheus
python3-cryptography mandoc"
# `make deb` and tests/integ/test_deb.sh (which builds, lints and installs
# the package).
DEB_PKGS="debhelper dpkg-dev lintian"

want=$BUILD_PKGS
case "${1:-all}" in
build) ;;
deb) want="$want $DEB_PKGS" ;;
*) want="$want $TEST_PKGS $DEB_PKGS" ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root (or: apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
# Packaged services (nginx, unbound) must not start on the host: the tests
# run their own instances inside network namespaces.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	made_policy=1
fi
trap '[ $made_policy = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg (a parallel run) instead of failing.
lock="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086
apt-get $lock update -q >/dev/null
# shellcheck disable=SC2086
apt-get $lock install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
