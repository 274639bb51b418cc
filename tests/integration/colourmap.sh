#!/bin/bash
# Colour-mapped viewers (8 bpp, true-colour flag 0): the server sends
# SetColourMapEntries for the indices it uses and Raw pixels that are the
# display quantized to that palette, both to a viewer connected while the
# screen is drawn and to one connecting afterwards.  A colour-map format
# it cannot serve (16 bpp) closes that viewer only, with a log line.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog python3
need_prog xwd

CMAP="python3 $SUPPORT/rfbcmap.py"

xvfb_start D 640x480x24
server_start -shared

# Connected while the picture changes: incremental colour-mapped updates.
bg V1 $CMAP --display "$D" --wait-for "$T/drawn" --timeout 20 "$PORT" \
	>"$T/cmap-live.log" 2>&1
# A true-colour viewer beside it, to see the colour-map one disturbs none.
bg V2 vnctest --encodings "zrle raw" --wait-for "$T/drawn2" \
	--compare-display "$D" --timeout 20 >"$T/truecolour.log" 2>&1
sessions() {
	[ "$(grep -c "session started" "$SERVER_LOG")" -ge "$1" ]
}
wait_for 20 sessions 2 || fail "the two viewers did not both connect"

for scene in text gradient rects; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done
touch "$T/drawn"
wait_exit "$V1" 60 || fail "colour-map viewer hangs"
cat "$T/cmap-live.log"
[ "$EXIT_CODE" -eq 0 ] || fail "live colour-map viewer: wrong picture"

# Connecting afterwards: the first update alone must be right.
$CMAP --display "$D" --timeout 10 "$PORT" >"$T/cmap-late.log" 2>&1 ||
	{ cat "$T/cmap-late.log"; fail "late colour-map viewer: wrong picture"; }
cat "$T/cmap-late.log"
used=$(sed -n 's/.* \([0-9][0-9]*\) used,.*/\1/p' "$T/cmap-late.log")
[ "${used:-0}" -ge 16 ] || fail "only ${used:-0} palette entries used"

# 16 bpp with true-colour 0: refused, logged, nobody else disturbed.
$CMAP --bad-format "$PORT" >"$T/bad.log" 2>&1 ||
	{ cat "$T/bad.log"; fail "16 bpp colour-map format not refused"; }
cat "$T/bad.log"
wait_for 5 grep -Eiq "closed:.*(pixel format|colour.?map|color.?map)" \
	"$SERVER_LOG" || fail "no log line says why the viewer was closed"
log "server: $(grep -Ei "closed:.*(pixel format|colour|color)" \
	"$SERVER_LOG" | head -n 1)"
alive "$SERVER_PID" || fail "server died"

"$TBIN/xdraw" "$D" move || fail "xdraw move failed"
touch "$T/drawn2"
wait_exit "$V2" 60 || fail "true-colour viewer hangs"
[ "$EXIT_CODE" -eq 0 ] ||
	{ tail -n 12 "$T/truecolour.log"; fail "true-colour viewer disturbed"; }
log "true-colour viewer: $(grep "match after" "$T/truecolour.log")"
