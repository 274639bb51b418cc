#!/bin/bash
# Session policy:
#  - -maxclients 1: a second viewer is refused with a reason, also when its
#    handshake overlapped the first one's; the seat frees when the first
#    leaves;
#  - -timeout 2: exit 0 after about 2 s without a viewer; stay up once one
#    came;
#  - -once: exit 0 when the viewer leaves;
#  - -noshared -dontdisconnect: a viewer asking for exclusive access is
#    refused while another is connected; -noshared alone: it disconnects
#    the others; -shared (the default): the request is ignored.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog python3

RFBSEC=$SUPPORT/rfbsec.py

probe() {
	local out
	out=$(python3 "$RFBSEC" "$@") || fail "raw client $*: $out"
	paste -sd ' ' <<<"$out"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"
}

# viewer VAR NAME ARGS...: a vnctest in the background, connected
viewer() {
	local var=$1 name=$2
	shift 2
	bg "$var" vnctest "$@" >"$T/$name.log" 2>&1
	wait_for 10 grep -q "^vnctest: connected" "$T/$name.log" ||
		fail "viewer $name did not connect"
}

# got_in LINE: the probe's account of a viewer that got the whole screen
got_in() {
	case "$1" in
	"offered: 1 result: ok init: 320x240 \""*"\" update: "*" rects, \
320x240 covered") return 0 ;;
	esac
	return 1
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text

# ---- -maxclients 1 ----
server_start -maxclients 1
viewer A first --stay 30
got=$(probe --pick 1 --init "$PORT")
[ "$got" = "refused: Too many viewers: 1 connected (-maxclients) closed" ] ||
	fail "-maxclients 1, second viewer: $got"
grep -q "refused: Too many viewers" "$SERVER_LOG" || fail "no log line"
if vnctest >"$T/second.log" 2>&1; then
	fail "-maxclients 1: libvncclient got in as a second viewer"
fi
grep -q "Too many viewers" "$T/second.log" ||
	fail "the second viewer was not told why: $(cat "$T/second.log")"
kill -TERM "$A"
wait_exit "$A" 5 || fail "vnctest did not stop"
first=$(grep -m 1 "session started" "$SERVER_LOG" | awk '{ print $4 }')
wait_for 5 grep -qF "$first closed: " "$SERVER_LOG" ||
	fail "the first viewer's leaving was not noticed"
got=$(probe --pick 1 --init "$PORT")
got_in "$got" ||
	fail "-maxclients 1: the seat did not free: $got"
stop_server

# ---- -timeout ----
start=$(date +%s%N)
server_start -timeout 2
wait_exit "$SERVER_PID" 10 || fail "-timeout 2: still running after 10 s"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$EXIT_CODE" -eq 0 ] || fail "-timeout 2: exit status $EXIT_CODE"
[ "$ms" -ge 1500 ] || fail "-timeout 2: exited after $ms ms"
[ "$ms" -le 6000 ] || fail "-timeout 2: took $ms ms to exit"
grep -q -- "-timeout: no viewer connected within 2 s, exiting" \
	"$SERVER_LOG" || fail "-timeout: no log line"
log "-timeout 2: exited after $ms ms"

server_start -timeout 2
vnctest --stay 3 >"$T/timeout-viewer.log" 2>&1 ||
	fail "viewer under -timeout was cut"
sleep 1
gone "$SERVER_PID" && fail "-timeout 2: exited although a viewer came"
stop_server

# ---- -once ----
server_start -once
vnctest --compare-display "$D" >"$T/once.log" 2>&1 ||
	fail "-once: viewer does not match"
wait_exit "$SERVER_PID" 5 || fail "-once: still running 5 s after the viewer"
[ "$EXIT_CODE" -eq 0 ] || fail "-once: exit status $EXIT_CODE"
grep -q -- "-once: the viewer left, exiting" "$SERVER_LOG" ||
	fail "-once: no log line"

# ---- sharing ----
# -noshared -dontdisconnect: the exclusive newcomer is refused.
server_start -noshared -dontdisconnect
viewer A keep --stay 3
got=$(probe --pick 1 --init --exclusive "$PORT")
[ "$got" = "offered: 1 result: ok closed" ] ||
	fail "-dontdisconnect: exclusive viewer not refused: $got"
grep -q "refused: asked for exclusive access while 1 viewer(s) are \
connected (-dontdisconnect)" "$SERVER_LOG" ||
	fail "-dontdisconnect: no log line"
got=$(probe --pick 1 --init "$PORT")
got_in "$got" ||
	fail "-dontdisconnect: a shared viewer was refused: $got"
wait_exit "$A" 10 || fail "the first viewer hangs"
[ "$EXIT_CODE" -eq 0 ] ||
	fail "-dontdisconnect: the first viewer lost its connection"
stop_server

# -noshared: the exclusive newcomer disconnects the others.
server_start -noshared
viewer A kicked --stay 10
got=$(probe --pick 1 --init --exclusive "$PORT")
got_in "$got" ||
	fail "-noshared: exclusive viewer refused: $got"
wait_exit "$A" 5 || fail "-noshared: the first viewer was not disconnected"
[ "$EXIT_CODE" -ne 0 ] || fail "-noshared: first viewer ended normally"
grep -q "connection lost" "$T/kicked.log" ||
	fail "-noshared: first viewer: $(cat "$T/kicked.log")"
grep -q "closed: 127.0.0.1:[0-9]* asked for exclusive access" \
	"$SERVER_LOG" || fail "-noshared: no log line"
stop_server

# -shared (the default): the request is ignored.
server_start
viewer A stays --stay 3
got=$(probe --pick 1 --init --exclusive "$PORT")
got_in "$got" ||
	fail "-shared: exclusive viewer refused: $got"
wait_exit "$A" 10 || fail "the first viewer hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "-shared: the first viewer was disconnected"

# ---- -maxclients 1 with two handshakes at once ----
# B pauses before ClientInit while A connects: they cannot both get in.
server_start -maxclients 1
bg B python3 "$RFBSEC" --pick 1 --init --pause 2 "$PORT" >"$T/paused.out"
wait_for 5 grep -q paused "$T/paused.out" || fail "B did not reach ClientInit"
bg A vnctest --stay 30 >"$T/overlap.log" 2>&1
wait_exit "$B" 10 || fail "the paused client hangs"
wait_for 10 grep -q "^vnctest: \(connected\|could not\)" "$T/overlap.log" ||
	fail "viewer A neither connected nor failed"
a=$(grep -c "^vnctest: connected" "$T/overlap.log" || true)
b=$(grep -c "^init: " "$T/paused.out" || true)
log "overlapping handshakes: A in: $a, B in: $b"
[ $((a + b)) -eq 1 ] || fail "-maxclients 1: $((a + b)) viewers got in by \
overlapping handshakes (B: $(paste -sd ' ' "$T/paused.out"))"
