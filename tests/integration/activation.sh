#!/bin/bash
# systemd socket activation and readiness, with systemd's own
# systemd-socket-activate (no systemd as PID 1 needed): the sockets it
# passes (LISTEN_FDS) replace -rfbport/-listen, viewers on them see the
# display, and nothing else is listened on.  NOTIFY_SOCKET (a path or an
# abstract "@name") gets READY=1 once the server serves, and STOPPING=1
# on SIGTERM.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog systemd-socket-activate
need_prog ss
need_prog python3

is_listening() {
	[ -n "$(ss -ltnH "sport = :$1")" ]
}

# the addresses process $1 listens on (TCP), sorted, one line
listens_of() {
	ss -ltnpH | grep "pid=$1," | awk '{ print $4 }' | sort | tr '\n' ' '
}

# notify_start VAR ADDR: a stand-in for systemd's notification socket
notify_start() {
	local out=$T/notify.$1.out
	bg "$1" python3 "$SUPPORT/notifysock.py" "$2" 60 >"$out"
	wait_for 10 grep -qx bound "$out" || fail "notifysock.py cannot bind $2"
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text

# Two sockets, one per address family; the server is exec()ed on the
# first connection.  -rfbport and -listen must give way to them.
P4=$(python3 "$SUPPORT/freeport.py")
P6=$(python3 "$SUPPORT/freeport.py")
notify_start N1 "$T/notify"
SERVER_LOG=$T/server.act.log
bg A systemd-socket-activate -l "127.0.0.1:$P4" -l "[::1]:$P6" \
	-E "NOTIFY_SOCKET=$T/notify" \
	"$SERVER_BIN" -display "$D" -rfbport 0 -listen 127.0.0.1 \
	>"$T/server.act.out" 2>"$SERVER_LOG"
wait_for 10 is_listening "$P4" || fail "systemd-socket-activate not listening"
grep -qx xrfbshare /proc/"$A"/comm && fail "server started before a viewer"
"$TBIN/vnctest" --compare-display "$D" "127.0.0.1:$P4" >"$T/v4.log" 2>&1 ||
	fail "viewer on the passed IPv4 socket: no match"
"$TBIN/vnctest" --compare-display "$D" "[::1]:$P6" >"$T/v6.log" 2>&1 ||
	fail "viewer on the passed IPv6 socket: no match"
grep -qx xrfbshare /proc/"$A"/comm || fail "pid $A is not the server"
grep -q "serving 2 socket(s) from systemd" "$SERVER_LOG" ||
	fail "the server did not take the two passed sockets"
n=$(grep -c "session started" "$SERVER_LOG")
[ "$n" -eq 2 ] || fail "$n sessions in the server log, expected 2"
got=$(listens_of "$A")
[ "$got" = "127.0.0.1:$P4 [::1]:$P6 " ] ||
	fail "the activated server listens on '$got', expected only the passed"
! grep -q PORT= "$T/server.act.out" ||
	fail "printed $(cat "$T/server.act.out") with passed sockets"
wait_for 5 grep -qx READY=1 "$T/notify.N1.out" ||
	fail "no READY=1 on NOTIFY_SOCKET"
kill -TERM "$A"
wait_exit "$A" 5 || fail "activated server did not stop on SIGTERM"
[ "$EXIT_CODE" -eq 0 ] || fail "exit status $EXIT_CODE after SIGTERM"
wait_for 5 grep -qx STOPPING=1 "$T/notify.N1.out" ||
	fail "no STOPPING=1 on NOTIFY_SOCKET after SIGTERM"
log "activated: 2 sockets, READY=1 and STOPPING=1"

# A server with its own TCP port, notifying an abstract socket: READY=1
# once, and STOPPING=1 only when it stops.
abstract="@xrfbshare-test-$$-$RANDOM"
notify_start N2 "$abstract"
export NOTIFY_SOCKET=$abstract
server_start
unset NOTIFY_SOCKET
wait_for 10 grep -qx READY=1 "$T/notify.N2.out" ||
	fail "no READY=1 on the abstract NOTIFY_SOCKET"
vnctest --compare-display "$D" >"$T/v-notify.log" 2>&1 ||
	fail "viewer after READY=1: no match"
! grep -qx STOPPING=1 "$T/notify.N2.out" || fail "STOPPING=1 while running"
kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"
[ "$EXIT_CODE" -eq 0 ] || fail "exit status $EXIT_CODE after SIGTERM"
wait_for 5 grep -qx STOPPING=1 "$T/notify.N2.out" ||
	fail "no STOPPING=1 on the abstract NOTIFY_SOCKET"
n=$(grep -cx READY=1 "$T/notify.N2.out")
[ "$n" -eq 1 ] || fail "READY=1 sent $n times"

# A socket systemd opened on every address, without a password: refused,
# like -listen 0.0.0.0 would be.
P=$(python3 "$SUPPORT/freeport.py")
bg B systemd-socket-activate -l "0.0.0.0:$P" "$SERVER_BIN" -display "$D" \
	>/dev/null 2>"$T/open.log"
wait_for 10 is_listening "$P" || fail "systemd-socket-activate not listening"
python3 -c "import socket; socket.create_connection(('127.0.0.1', $P)).recv(12)" \
	2>/dev/null || true
wait_for 10 grep -q "refusing a socket from systemd" "$T/open.log" ||
	fail "an open socket without a password was served: $(cat "$T/open.log")"
