#!/bin/bash
# Idle means asleep: with a viewer connected that asked for cursor shapes
# and PointerPos, and nothing changing, the server makes no wake-ups of
# its own (no polling: the pointer is watched through XInput 2 raw
# motion).  Measured as the context switches of all its threads over 5 s:
# an event count, not a timing.  A pointer moved through XTEST, as a mouse
# moves it, still reaches the viewer as PointerPos.  An X server without
# XInput 2 events (no Generic Event Extension) is polled, less often while
# the pointer stays still, and a warp reaches the viewer too.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncidle
need_prog xdotool

IDLE_S=5

# Context switches, voluntary or not, of every thread of the server.
switches() {
	cat /proc/"$SERVER_PID"/task/*/status 2>/dev/null |
		awk '/ctxt_switches:/ { n += $2 } END { print n + 0 }'
}

# idle_count VAR: wake-ups over IDLE_S seconds into VAR.
idle_count() {
	local before after
	before=$(switches)
	sleep "$IDLE_S"
	after=$(switches)
	alive "$SERVER_PID" || fail "the server died while idle"
	printf -v "$1" '%s' "$((after - before))"
}

# viewer_start N: a viewer asking for cursor shapes and PointerPos; it
# logs every PointerPos to $T/view.N.log.
viewer_start() {
	VLOG=$T/view.$1.log
	bg VIEW "$TBIN/vncidle" --timeout 60 "$PORT" >"$VLOG" 2>&1
	wait_for 20 grep -q "^vncidle: ready" "$VLOG" ||
		fail "the viewer did not get ready: $(tail -3 "$VLOG")"
	# let the first update and its follow-ups settle
	sleep 1
}

# expect_pos: the pointer's position on X reaches the viewer.
expect_pos() {
	local x y
	eval "$(DISPLAY=$D xdotool getmouselocation --shell)"
	x=$X
	y=$Y
	wait_for 10 grep -q "^vncidle: pointer $x,$y\$" "$VLOG" ||
		fail "PointerPos $x,$y did not arrive ($1): $(grep pointer "$VLOG" | tail -3)"
	log "PointerPos $x,$y arrived ($1)"
}

# --- XInput 2: no wake-ups at all ---
xvfb_start D 320x240x24
server_start
viewer_start 1
idle_count n
log "$n context switches in $IDLE_S s idle with a viewer"
[ "$n" -le 3 ] ||
	fail "$n context switches in $IDLE_S s idle (at most 3): something polls"
DISPLAY=$D xdotool mousemove_relative -- 37 -21
expect_pos "XTEST relative motion"
DISPLAY=$D xdotool mousemove_relative -- -5 9
expect_pos "a second move"
grep -q "XInput 2 missing" "$SERVER_LOG" &&
	fail "the server did not find XInput 2 on Xvfb"

# --- no XInput 2 events: polling that backs off ---
xvfb_start D2 320x240x24 -extension "Generic Event Extension"
D=$D2
server_start
grep -q "XInput 2 missing" "$SERVER_LOG" ||
	fail "the server did not notice XInput 2 is unusable"
viewer_start 2
DISPLAY=$D xdotool mousemove 77 66
expect_pos "a warp, polled"
sleep 1
idle_count n
log "$n context switches in $IDLE_S s idle while polling"
# Every 16 ms would be over 300; backed off to 500 ms it is about 10.
[ "$n" -le 60 ] ||
	fail "$n context switches in $IDLE_S s idle while polling (at most 60): no back-off"
DISPLAY=$D xdotool mousemove 12 34
expect_pos "a warp after a quiet spell"
