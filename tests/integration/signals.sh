#!/bin/bash
# SIGTERM and SIGINT end the server promptly with status 0, with and
# without a viewer connected; losing the X display ends it with status 3,
# also when it is killed in the middle of updates to five viewers: each
# of them sees the connection close, and the server neither spins nor
# dumps core on the way out.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest

xvfb_start D 320x240x24

# stop_with SIG [viewer]: the server must exit 0 within 5 s of SIG.
stop_with() {
	local sig=$1 v=${2:-}
	server_start
	if [ -n "$v" ]; then
		bg V vnctest --stay 60 >"$T/viewer.$NSERVERS.log" 2>&1
		wait_for 10 grep -q connected "$T/viewer.$NSERVERS.log" ||
			fail "viewer did not connect"
	fi
	kill -"$sig" "$SERVER_PID"
	wait_exit "$SERVER_PID" 5 || fail "server still running 5 s after SIG$sig"
	[ "$EXIT_CODE" -eq 0 ] ||
		fail "server exit status $EXIT_CODE after SIG$sig, expected 0"
	log "SIG$sig ${v:+with viewer }-> exit 0"
}

stop_with TERM
stop_with INT
stop_with TERM viewer
stop_with INT viewer

# The X server goes away under a running server with a viewer.
server_start
bg V vnctest --stay 60 >"$T/viewer.last.log" 2>&1
wait_for 10 grep -q connected "$T/viewer.last.log" ||
	fail "viewer did not connect"
kill -TERM "$XVFB_PID"
wait_exit "$SERVER_PID" 10 ||
	fail "server still running 10 s after the display died"
[ "$EXIT_CODE" -eq 3 ] ||
	fail "server exit status $EXIT_CODE when the display died, expected 3"
log "display gone -> exit 3"

# The X server killed outright while five viewers get a changing screen.
xvfb_start D 640x480x24
server_start
vpids=()
for enc in raw zrle tight hextile "zlib raw"; do
	n=${#vpids[@]}
	bg V vnctest --encodings "$enc" --stay 120 >"$T/five.$n.log" 2>&1
	vpids+=("$V")
done
connected() {
	[ "$(grep -c "session started" "$SERVER_LOG")" -ge 5 ]
}
wait_for 20 connected || fail "the five viewers did not connect"
bg A "$TBIN/xdraw" "$D" animate
bg L bash -c "while '$TBIN/xdraw' '$D' all; do :; done" 2>/dev/null
sleep 2
kill -KILL "$XVFB_PID"
wait_exit "$SERVER_PID" 10 ||
	fail "server still running 10 s after the display was killed"
[ "$EXIT_CODE" -eq 3 ] ||
	fail "server exit status $EXIT_CODE when the display was killed" \
		"(expected 3; over 128 is a crash)"
for i in "${!vpids[@]}"; do
	wait_exit "${vpids[i]}" 10 ||
		fail "viewer $i still connected 10 s after the server exited"
	grep -qi "connected to" "$T/five.$i.log" ||
		fail "viewer $i never got in"
done
[ ! -e core ] && [ -z "$(ls "$T"/core* 2>/dev/null)" ] ||
	fail "a core file was left"
log "display killed mid-update -> exit 3, five viewers closed"
