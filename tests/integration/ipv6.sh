#!/bin/bash
# IPv6: a viewer over [::1] sees the display pixel for pixel; -listen ::1
# listens on the IPv6 loopback only (127.0.0.1 is refused), -listen
# 127.0.0.1 on the IPv4 one only ([::1] is refused).
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog ss
need_prog python3
grep -qs "^0*1 .* lo$" /proc/net/if_inet6 ||
	fail "this host has no IPv6 loopback (::1), which the test needs"

RFBSEC=$SUPPORT/rfbsec.py

# listening PORT: the local addresses listening on PORT, sorted, one line
listening() {
	ss -ltnH "sport = :$1" | awk '{ print $4 }' | sort | tr '\n' ' '
}

stop_server() {
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"
}

# refused HOST: a connection to HOST at $PORT must be refused
refused() {
	local out
	if out=$(python3 "$RFBSEC" --host "$1" "$PORT"); then
		fail "-listen $2: $1 accepted a connection: $out"
	fi
	case "$out" in
	*"Connection refused"*) log "-listen $2: $1 refused" ;;
	*) fail "-listen $2: $1: expected 'Connection refused', got: $out" ;;
	esac
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text

# The default loopback listener covers both families.
server_start
got=$(listening "$PORT")
[ "$got" = "127.0.0.1:$PORT [::1]:$PORT " ] ||
	fail "-localhost listens on '$got', expected 127.0.0.1 and [::1]"
"$TBIN/vnctest" --compare-display "$D" "[::1]:$PORT" >"$T/v6.log" 2>&1 ||
	fail "viewer over [::1] does not match the display"
grep -q "connected to ::1:$PORT" "$T/v6.log" || fail "vnctest did not use ::1"
grep -q '^[0-9:.]* xrfbshare info: \[::1\]:[0-9]*: RFB 3.8 session started' \
	"$SERVER_LOG" || fail "no session from [::1] in the server log"
stop_server

server_start -listen ::1
got=$(listening "$PORT")
[ "$got" = "[::1]:$PORT " ] || fail "-listen ::1 listens on '$got'"
"$TBIN/vnctest" --compare-display "$D" "[::1]:$PORT" >"$T/v6only.log" 2>&1 ||
	fail "-listen ::1: viewer does not match"
refused 127.0.0.1 ::1
stop_server

server_start -listen 127.0.0.1
got=$(listening "$PORT")
[ "$got" = "127.0.0.1:$PORT " ] || fail "-listen 127.0.0.1 listens on '$got'"
"$TBIN/vnctest" --compare-display "$D" "127.0.0.1:$PORT" >"$T/v4only.log" \
	2>&1 || fail "-listen 127.0.0.1: no match"
refused ::1 127.0.0.1
stop_server
