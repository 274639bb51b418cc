#!/bin/bash
# Scripted drawing while viewers are connected: for each encoding and pixel
# format, the decoded framebuffer must equal the display pixel for pixel,
# on a 24-bit display and on a 16-bit one.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw

xvfb_start D 640x480x24
server_start -shared

# One viewer per combination, all connected before the drawing starts, so
# that they see it as a stream of incremental updates.  32be is Raw only
# and 32bex is for ZRLE: see the formats table in vnctest.c.
combos="raw:32le raw:16 zrle:32le zrle:16 raw:32be zrle:32bex raw:8 zrle:8"
pids=()
for c in $combos; do
	enc=${c%%:*} fmt=${c#*:}
	bg pid vnctest --encodings "$enc" --format "$fmt" \
		--wait-for "$T/drawn" --compare-display "$D" --timeout 20 \
		>"$T/view-$enc-$fmt.log" 2>&1
	pids+=("$pid:$enc-$fmt")
done

sleep 1
"$TBIN/xdraw" "$D" all || fail "xdraw failed"
touch "$T/drawn"

bad=
for p in "${pids[@]}"; do
	wait_exit "${p%%:*}" 60 || fail "viewer ${p#*:} hangs"
	if [ "$EXIT_CODE" -ne 0 ]; then
		echo "viewer ${p#*:} failed:"
		tail -n 15 "$T/view-${p#*:}.log"
		bad="$bad ${p#*:}"
	else
		log "${p#*:}: $(grep "match after" "$T/view-${p#*:}.log")"
	fi
done
[ -z "$bad" ] || fail "display mismatch for:$bad"

# Viewers that connect after the drawing must match too.
for enc in raw zrle; do
	vnctest --encodings "$enc" --format 16 --compare-display "$D" \
		--timeout 20 --dump "$T/late-$enc.ppm" ||
		fail "late $enc viewer does not match"
done

# Guard against comparing two blank screens: the picture is colourful.
colours=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
hdr = d.split(b"\n", 3)
px = hdr[3]
print(len({px[i:i + 3] for i in range(0, len(px), 3)}))' "$T/late-zrle.ppm")
log "$colours colours on screen"
[ "$colours" -gt 1000 ] || fail "only $colours colours: did xdraw draw?"

# The same from a 16-bit X display: the server converts from 565 too.
xvfb_start D16 400x300x16
SERVER_DISPLAY=$D16 server_start
"$TBIN/xdraw" "$D16" all
for c in raw:32le zrle:32le raw:16 zrle:16 zrle:8; do
	vnctest --encodings "${c%%:*}" --format "${c#*:}" \
		--compare-display "$D16" --timeout 20 ||
		fail "depth 16 display: $c viewer does not match"
done
