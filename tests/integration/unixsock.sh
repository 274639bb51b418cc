#!/bin/bash
# -unixsock PATH -rfbport -1: the socket is created mode 0600, libvncclient
# and a raw client complete the handshake over it and get the display,
# no TCP port is opened, and the socket is removed at exit.  A stale
# socket left by a killed server is replaced; a file that is not a socket
# is never removed.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog ss
need_prog python3

SOCK=$T/vnc.sock

# start_unix: run the server on $D with only the unix socket.
start_unix() {
	NSERVERS=$((NSERVERS + 1))
	SERVER_LOG=$T/server.$NSERVERS.log
	bg SERVER_PID "$SERVER_BIN" -display "$D" -rfbport -1 \
		-unixsock "$SOCK" >"$T/server.$NSERVERS.out" 2>"$SERVER_LOG"
	wait_for 15 grep -q "listening on unix socket $SOCK" "$SERVER_LOG" ||
		fail "server did not announce the unix socket"
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text

start_unix
[ -S "$SOCK" ] || fail "$SOCK is not a socket"
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] || fail "socket mode $mode, expected 600"
! grep -q PORT= "$T/server.$NSERVERS.out" ||
	fail "-rfbport -1 printed $(cat "$T/server.$NSERVERS.out")"
tcp=$(ss -ltnpH | grep "pid=$SERVER_PID," || true)
[ -z "$tcp" ] || fail "-rfbport -1 listens on TCP: $tcp"
ss -lxpH | grep "pid=$SERVER_PID," | grep -q "$SOCK" ||
	fail "ss does not show the server listening on $SOCK"

"$TBIN/vnctest" --compare-display "$D" "$SOCK" >"$T/vnctest.log" 2>&1 ||
	fail "viewer over the unix socket: no match"
out=$(python3 "$SUPPORT/rfbsec.py" --unix "$SOCK" --pick 1 --init) ||
	fail "raw client over the unix socket: $out"
log "raw client: $(paste -sd ' ' <<<"$out")"
case "$out" in
*"update: "*", 320x240 covered"*) ;;
*) fail "raw client over the unix socket got no full update: $out" ;;
esac
n=$(grep -c "RFB 3.8 session started" "$SERVER_LOG")
[ "$n" -eq 2 ] || fail "$n sessions in the server log, expected 2"

kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"
[ "$EXIT_CODE" -eq 0 ] || fail "exit status $EXIT_CODE after SIGTERM"
[ ! -e "$SOCK" ] || fail "$SOCK still exists after the server exited"

# A server killed outright leaves its socket; the next one replaces it.
start_unix
kill -KILL "$SERVER_PID"
# (bash would report the kill on stderr)
{ wait_exit "$SERVER_PID" 5; } 2>/dev/null || fail "server survived SIGKILL"
[ -S "$SOCK" ] || fail "no stale socket after SIGKILL (test premise)"
start_unix
"$TBIN/vnctest" --compare-display "$D" "$SOCK" >"$T/vnctest2.log" 2>&1 ||
	fail "no match over a replaced stale socket"
kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"

# Not a socket: refuse to start, leave the file alone.
echo precious >"$SOCK"
if "$SERVER_BIN" -display "$D" -rfbport -1 -unixsock "$SOCK" \
	>"$T/file.out" 2>"$T/file.log"; then
	fail "server started on a path holding a regular file"
fi
grep -q "cannot listen on unix socket $SOCK" "$T/file.log" ||
	fail "no clear error for a regular file at the path"
[ "$(cat "$SOCK")" = precious ] || fail "the regular file was changed"
