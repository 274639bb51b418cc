#!/bin/bash
# A viewer is connected while the screen is drawn; a second one joins in the
# middle of the drawing.  Afterwards both must show the display exactly.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw

xvfb_start D 640x480x24
server_start -shared

bg A vnctest --encodings zrle --wait-for "$T/drawn" --compare-display "$D" \
	>"$T/viewer-a.log" 2>&1
sleep 1
"$TBIN/xdraw" "$D" text
"$TBIN/xdraw" "$D" rects
bg B vnctest --encodings raw --format 16 --wait-for "$T/drawn" \
	--compare-display "$D" >"$T/viewer-b.log" 2>&1
"$TBIN/xdraw" "$D" scroll
"$TBIN/xdraw" "$D" move
touch "$T/drawn"

wait_exit "$A" 60 || fail "first viewer hangs"
a=$EXIT_CODE
wait_exit "$B" 60 || fail "second viewer hangs"
b=$EXIT_CODE
[ "$a" -eq 0 ] || fail "first viewer does not match the display"
[ "$b" -eq 0 ] || fail "second viewer does not match the display"
grep -q "match after" "$T/viewer-a.log" || fail "viewer A printed no match"
grep -q "match after" "$T/viewer-b.log" || fail "viewer B printed no match"
