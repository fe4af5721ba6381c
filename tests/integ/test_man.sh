#!/bin/bash
# test_man.sh - the manual pages (man/): `mandoc -T lint` finds nothing in
# any of them (cross-references resolved against the four pages and the
# pages they cite), veto(8) has an entry for every command `veto --help`
# lists, and every --help points at the manual. (veto.conf(5) against the
# configuration keys: tests/unit/test_conf.c.) Then `make install` puts
# the pages under PREFIX/share/man and the unit names PREFIX's programs.
. "$(dirname "$0")/lib.sh"
require_cmd mandoc makewhatis

MAN=$ROOT/man
pages="veto.8 vetod.8 veto.conf.5 veto-list.5"

# A manual path holding our pages and the other pages they cite, so that
# lint resolves every .Xr (a page it cannot find is a finding).
mp=$TMP/manpath
for p in $pages; do
	mkdir -p "$mp/man${p##*.}"
	cp "$MAN/$p" "$mp/man${p##*.}/"
done
missing=""
while read -r name sec; do
	[ -f "$MAN/$name.$sec" ] && continue
	f=$(ls /usr/share/man/man"$sec"/"$name"."$sec"* 2>/dev/null | head -n 1)
	if [ -n "$f" ]; then
		mkdir -p "$mp/man$sec"
		cp "$f" "$mp/man$sec/"
	else
		missing="$missing $name($sec)"
	fi
done < <(cd "$MAN" && sed -n 's/^\.Xr \([^ ]*\) \([0-9]\).*/\1 \2/p' $pages | sort -u)
is "every page cited is installed here (test packages)" "$missing" ""
makewhatis "$mp"

lint() { mandoc -T lint -W style -M "$mp" "$1" 2>&1; }
for p in $pages; do
	out=$(lint "$MAN/$p")
	is "mandoc -T lint: $p is clean" "$out" ""
done
# The twin: lint does report a page with a mistake in it.
sed 's/^\.Sh DESCRIPTION$/.Sh DESCRIPTION\n.It stray item/' "$MAN/vetod.8" >"$TMP/bad.8"
out=$(lint "$TMP/bad.8")
diag "$out"
cmp_num "mandoc -T lint reports a stray .It" "$(echo "$out" | grep -c 'It')" -ge 1

# veto(8) documents every command `veto --help` lists.
cmds=$("$VETO" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { on = 0 }
	on { print $1 }')
cmp_num "veto --help lists commands" "$(echo "$cmds" | grep -c .)" -ge 10
undoc=""
for c in $cmds; do
	grep -q "^\.It Cm $c\( \|$\)" "$MAN/veto.8" || undoc="$undoc $c"
done
is "veto(8) has an entry for every command" "$undoc" ""
subs=$("$VETO" list --help | sed -n 's/^ *\(usage:\)\{0,1\} *veto list \([a-z]*\).*/\2/p')
cmp_num "veto list --help lists its commands" "$(echo "$subs" | grep -c .)" -ge 3
undoc=""
for c in $subs; do
	grep -q "^\.It Cm list $c\( \|$\)" "$MAN/veto.8" || undoc="$undoc list-$c"
done
is "veto(8) has an entry for every veto list command" "$undoc" ""

# Every --help points at the manual.
is "veto --help names veto(8)" "$("$VETO" --help | grep -c 'veto(8)')" 1
nohint=""
for c in $cmds $(echo "$subs" | sed 's/^/list:/'); do
	c=${c/:/ }
	# shellcheck disable=SC2086
	out=$("$VETO" $c --help 2>&1) || { nohint="$nohint $c(exit)"; continue; }
	echo "$out" | tail -n 1 | grep -q 'veto(8)' || nohint="$nohint $c"
done
is "every command's --help ends with a pointer to veto(8)" "$nohint" ""
is "vetod -h names vetod(8)" "$("$BUILD/vetod" -h 2>&1 | grep -c 'vetod(8)')" 1
is "an error is not help: no pointer after a usage error" \
	"$("$VETO" check --no-such-option 2>&1 | grep -c 'veto(8)')" 0

# make install: the pages under PREFIX/share/man, the unit with PREFIX's
# programs. Only on a plain build that is up to date (install must not
# rebuild a sanitizer build with other flags).
if [ "$BUILD" = "$ROOT/build" ] && make -C "$ROOT" --no-print-directory -q build/veto build/vetod 2>/dev/null; then
	dest=$TMP/inst
	check "make install PREFIX=/opt/veto DESTDIR=..." \
		make -C "$ROOT" --no-print-directory install PREFIX=/opt/veto DESTDIR="$dest"
	got=$(cd "$dest" && ls opt/veto/share/man/man5 opt/veto/share/man/man8 | grep -v : | grep . | sort | tr '\n' ' ')
	is "make install puts the four pages in PREFIX/share/man" \
		"$got" "veto-list.5 veto.8 veto.conf.5 vetod.8 "
	is "the installed unit runs PREFIX/sbin/vetod and PREFIX/bin/veto" \
		"$(grep -o '/[a-z/]*bin/vetod\?\b' "$dest/opt/veto/share/veto/vetod.service" | sort -u | tr '\n' ' ')" \
		"/opt/veto/bin/veto /opt/veto/sbin/vetod "
	is "make install adds etc/veto/never-block.txt" \
		"$(ls "$dest/etc/veto")" "$(printf 'never-block.txt\nveto.conf')"
else
	skip "make install (not a plain, up-to-date build)"
fi

done_testing
