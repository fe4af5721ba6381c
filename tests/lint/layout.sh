#!/bin/bash
# layout.sh - the architecture, checked (issue 16). Part of `make test`.
#
# 1. The layer rule over every #include of a project header:
#      core <- policy <- {engine, trust} <- {serve, audit} <- vetod
#    kernel uses only core; tools/ anything but vetod/.
# 2. Banned functions (unbounded or locale-dependent; curl keeps such a list):
#    sprintf, strcpy, strcat, strncpy, strtok, atoi, gets, sscanf.
# 3. No log_*() and no exit() in core/, policy/, engine/ or trust/: the
#    libraries return errors, the daemon and the tools decide (core/log.c,
#    the logger itself, is the one exception).
# Prints TAP lines ("ok N - ...", "not ok N - ..." with file:line).
set -u
cd "$(dirname "$0")/../.."

# may[layer] = the layers whose headers a file of that layer may include
declare -A may=(
	[core]="core"
	[policy]="core policy"
	[engine]="core policy engine"
	[trust]="core policy trust"
	[kernel]="core kernel"
	[serve]="core policy engine trust serve"
	[audit]="core policy engine trust audit"
	[vetod]="core policy engine trust kernel serve audit vetod"
	[tools]="core policy engine trust kernel serve audit"
)
n=0
report() {	# $1 name, $2 findings (empty: ok)
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}

layer_of() {	# path -> layer
	case "$1" in
	daemon/*/*|include/*/*) local p=${1#*/}; echo "${p%%/*}" ;;
	tools/*) echo tools ;;
	*) echo "" ;;
	esac
}

bad=""
while IFS= read -r line; do
	file=${line%%:*}; rest=${line#*:}; lno=${rest%%:*}
	inc=$(printf '%s' "$rest" | sed -n 's/.*#include "\([a-z]*\)\/[a-z_]*\.h".*/\1/p')
	[ -n "$inc" ] || continue
	[ -n "${may[$inc]+x}" ] || continue
	from=$(layer_of "$file")
	[ -n "$from" ] || continue
	case " ${may[$from]} " in
	*" $inc "*) ;;
	*) bad+="$file:$lno: $from includes $inc/ (${rest#*:})"$'\n' ;;
	esac
done < <(grep -n '#include "' daemon/*/*.c include/*/*.h tools/*.c tools/*.h 2>/dev/null)
report "layer rule: core <- policy <- {engine, trust} <- {serve, audit} <- vetod; kernel on core" "${bad%$'\n'}"

banned='\b(sprintf|strcpy|strcat|strncpy|strtok|atoi|gets|sscanf)[[:space:]]*\('
bad=$(grep -nE "$banned" daemon/*/*.c include/*/*.h tools/*.c tools/*.h 2>/dev/null |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//)')
report "no banned functions (sprintf strcpy strcat strncpy strtok atoi gets sscanf)" "$bad"

bad=$(grep -nE '\b(log_[a-z]+|exit|_exit)[[:space:]]*\(' \
	daemon/core/*.c daemon/policy/*.c daemon/engine/*.c daemon/trust/*.c 2>/dev/null |
	grep -v '^daemon/core/log\.c:' |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//)')
report "no log_*() or exit() in core/, policy/, engine/, trust/ (libraries return errors)" "$bad"

# every header opens with a design note (a comment before the guard)
bad=""
for h in include/*/*.h; do
	head -n 1 "$h" | grep -q '^/\*' || bad+="$h:1: no design note at the top"$'\n'
done
report "every header opens with a design note" "${bad%$'\n'}"
echo "1..$n"
