#!/bin/bash
# The shared display changes size under the viewers (RandR, shrinking then
# growing, with drawing in between): viewers that follow DesktopSize /
# ExtendedDesktopSize end up with the display's picture at its new size;
# one that cannot follow is closed with a log line saying why.  Then a
# viewer's own SetDesktopSize: honoured through RandR when valid, refused
# with status 3 (invalid) and no RandR change when not.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog python3
need_prog xrandr
need_prog xdpyinfo

RESIZE="python3 $SUPPORT/rfbresize.py"

# Xvfb's RandR can resize the screen up to the size it started with.
xvfb_start D 1024x768x24

screen_size() {
	xdpyinfo -display "$D" |
		sed -n 's/^ *dimensions: *\([0-9]*x[0-9]*\) pixels.*/\1/p'
}

# What a user does with xrandr: Xvfb's single output "screen" knows only
# its first mode, and `xrandr --fb` alone cannot shrink the screen below
# the output's mode, so add a mode of the new size and switch to it.
xr_resize() {
	local m=$1x$2
	xrandr -display "$D" --newmode "$m" 60 "$1" $(($1 + 16)) \
		$(($1 + 80)) $(($1 + 160)) "$2" $(($2 + 3)) $(($2 + 6)) \
		$(($2 + 30)) 2>/dev/null || true
	xrandr -display "$D" --addmode screen "$m" 2>/dev/null || true
	xrandr -display "$D" --output screen --mode "$m" --fb "$m" ||
		fail "xrandr could not make the screen $m"
	[ "$(screen_size)" = "$m" ] ||
		fail "xrandr --fb $m left the screen $(screen_size)"
	log "screen now $m"
}

server_start -shared

names=()
pids=()
viewer() {
	local name=$1 pid
	shift
	bg pid vnctest "$@" --compare-display "$D" --timeout 30 \
		>"$T/view-$name.log" 2>&1
	names+=("$name")
	pids+=("$pid")
}
# Two sets of the same viewers: one compares while the screen is small,
# the other after it grew back, having followed both changes.
for when in shrunk grown; do
	viewer zrle-32le-$when --encodings zrle --format 32le \
		--wait-for "$T/$when"
	viewer tight-32le-$when --encodings tight --no-jpeg --wait-for "$T/$when"
	viewer raw-16-$when --encodings raw --format 16 --wait-for "$T/$when"
done
bg NORESIZE $RESIZE noresize "$PORT" --timeout 60 >"$T/noresize.log" 2>&1

sessions() {
	[ "$(grep -c "session started" "$SERVER_LOG")" -ge "$1" ]
}
wait_for 20 sessions 7 || fail "the viewers did not all connect"
wait_for 10 grep -q ready "$T/noresize.log" ||
	fail "the viewer without DesktopSize got no update"

# wait_views WHEN [PATTERN...]: the viewers in names/pids matched the
# display at its size then, having logged each PATTERN (vnctest logs
# "framebuffer resized to WxH" when libvncclient follows a size change).
wait_views() {
	local i n p bad=
	for i in "${!names[@]}"; do
		n=${names[i]}
		wait_exit "${pids[i]}" 60 || fail "viewer $n hangs"
		if [ "$EXIT_CODE" -ne 0 ]; then
			echo "viewer $n failed:"
			tail -n 12 "$T/view-$n.log"
			bad="$bad $n"
			continue
		fi
		for p in "${@:2}"; do
			grep -q "$p" "$T/view-$n.log" && continue
			echo "viewer $n never logged \"$p\""
			bad="$bad $n"
		done
		log "$n: $(grep "match after" "$T/view-$n.log")"
	done
	[ -z "$bad" ] || fail "$1: no match at $(screen_size) for:$bad"
}

"$TBIN/xdraw" "$D" text
xr_resize 640 480
"$TBIN/xdraw" "$D" gradient
touch "$T/shrunk"
all=("${names[@]}") allpids=("${pids[@]}")
names=("${all[@]:0:3}") pids=("${allpids[@]:0:3}")
wait_views "shrunk" "resized to 640x480"

"$TBIN/xdraw" "$D" scroll
xr_resize 1024 768
"$TBIN/xdraw" "$D" move
touch "$T/grown"
names=("${all[@]:3}") pids=("${allpids[@]:3}")
wait_views "grown" "resized to 640x480" "resized to 1024x768"
names=() pids=()

wait_exit "$NORESIZE" 30 || fail "viewer without DesktopSize hangs"
cat "$T/noresize.log"
[ "$EXIT_CODE" -eq 0 ] ||
	fail "viewer without DesktopSize was not disconnected"
grep -Eiq "closed:.*(resiz|desktop ?size)" "$SERVER_LOG" ||
	fail "no log line says why the viewer without DesktopSize was closed"
log "server: $(grep -Ei "closed:.*(resiz|desktop ?size)" "$SERVER_LOG" |
	head -n 1)"
alive "$SERVER_PID" || fail "server died"

# SetDesktopSize from a viewer, watched by another one.
viewer zrle-watch --encodings zrle --format 32le --wait-for "$T/asked"
wait_for 20 sessions 8 || fail "the watching viewer did not connect"
$RESIZE setsize "$PORT" 800 600 --expect-status 0 >"$T/set.log" 2>&1 ||
	{ cat "$T/set.log"; fail "SetDesktopSize 800x600 not honoured"; }
cat "$T/set.log"
[ "$(screen_size)" = 800x600 ] ||
	fail "after SetDesktopSize 800x600 the X screen is $(screen_size)"
"$TBIN/xdraw" "$D" rects
touch "$T/asked"
wait_views "after SetDesktopSize" "resized to 800x600"

for bad in "0 600" "20000 600"; do
	# shellcheck disable=SC2086
	$RESIZE setsize "$PORT" $bad --expect-status 3 >"$T/set.log" 2>&1 ||
		{ cat "$T/set.log"; fail "SetDesktopSize ${bad/ /x} not refused"; }
	cat "$T/set.log"
	[ "$(screen_size)" = 800x600 ] ||
		fail "SetDesktopSize ${bad/ /x} changed the screen to $(screen_size)"
done
alive "$SERVER_PID" || fail "server died"
