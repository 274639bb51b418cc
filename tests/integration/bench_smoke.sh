#!/bin/bash
# The `make bench` harness works, on xrfbshare alone and briefly: the
# drawing program's frame markers decode at the viewer (so latency is
# measured), the table prints, a scrolling terminal arrives partly as
# CopyRect, and a lossless encoding ends with the exact picture.  No timing
# is checked: that is what `make bench` itself is for.
set -eu
. "$(dirname "$0")/../lib.sh"
# next to the test programs: build/bench, or build-asan/bench for check-asan
BENCH_BIN=$(dirname "$TBIN")/bench
for p in benchclient benchdraw; do
	[ -x "$BENCH_BIN/$p" ] || fail "$BENCH_BIN/$p missing (make tests-build)"
done
need_prog ss

BENCH_OUT=$T BENCH_SERVERS=xrfbshare BENCH_ENCODINGS="zrle jpeg" \
	BENCH_WORKLOADS=term,blink,idle BENCH_SECONDS=1 BENCH_SETTLE=1 \
	BENCH_GEOM=640x480x24 XRFBSHARE=$SERVER_BIN BENCH_BIN=$BENCH_BIN \
	"$TOP/tests/bench/compare.sh" >"$T/table.txt" 2>"$T/bench.log" ||
	fail "compare.sh failed: $(tail -n 5 "$T/bench.log")"
cat "$T/table.txt"

# field NAME WORKLOAD ENC: a raw value from benchclient's result line
field() {
	grep "wl=$2 " "$T/results.txt" | grep "enc=$3 " |
		sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

for e in zrle jpeg; do
	for w in term blink; do
		shown=$(field shown $w $e)
		[ "${shown:-0}" -gt 0 ] || fail "$w/$e: no frame marker decoded"
		p50=$(field p50 $w $e)
		awk -v v="$p50" 'BEGIN { exit !(v > 0) }' ||
			fail "$w/$e: no latency measured ($p50)"
	done
done
[ "$(field wrong term zrle)" = 0 ] ||
	fail "ZRLE terminal ends with $(field wrong term zrle) wrong pixels"
[ "$(field copy_rects term zrle)" -gt 0 ] ||
	fail "no CopyRect while a terminal scrolls"
[ "$(field frames idle zrle)" = 0 ] || fail "idle workload drew frames"
for h in "== term" "latency p50 ms" "CopyRect % of area" "== idle" \
	"server CPU %"; do
	grep -q "$h" "$T/table.txt" || fail "table lacks \"$h\""
done

# With a peer in the results, the ratio columns and the targets appear.
{
	cat "$T/results.txt"
	grep '^server=' "$T/results.txt" | sed 's/server=xrfbshare/server=peer/'
} >"$T/results2.txt"
python3 "$TOP/tests/bench/table.py" "$T/results2.txt" >"$T/table2.txt"
grep -q "xrfb/peer" "$T/table2.txt" || fail "no ratio column for a peer"
grep -q "issue 7 targets" "$T/table2.txt" || fail "no targets section"
grep -q "term ZRLE mostly CopyRect *met" "$T/table2.txt" ||
	fail "targets: CopyRect share not checked"
