#!/bin/bash
# Security policy at the door:
#  - a security type that was not offered is refused with a reason (3.8)
#    and the connection closed; a 3.3 viewer facing VeNCrypt only is told
#    why it cannot get in;
#  - five wrong passwords from an address block it ("Too many
#    authentication failures") until the block runs out, while a viewer
#    from another loopback address (127.0.0.2, ::1) still gets in;
#  - without a password the server listens on loopback only and warns;
#    -listen 0.0.0.0 without one refuses to start; -nopw opens all
#    addresses with a warning; a password opens them silently.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog socat
need_prog ss
need_prog python3

RFBSEC=$SUPPORT/rfbsec.py

# probe ARGS...: the raw client's lines, on one line
probe() {
	local out
	out=$(python3 "$RFBSEC" "$@") || fail "raw client $*: $out"
	paste -sd ' ' <<<"$out"
}

# server_open ARGS...: server_start without its -localhost
server_open() {
	local out
	NSERVERS=$((NSERVERS + 1))
	out=$T/server.$NSERVERS.out
	SERVER_LOG=$T/server.$NSERVERS.log
	bg SERVER_PID "$SERVER_BIN" -display "$D" -rfbport 0 "$@" \
		>"$out" 2>"$SERVER_LOG"
	wait_for 15 grep -q '^PORT=[0-9]' "$out" ||
		fail "server $* printed no PORT= line"
	PORT=$(sed -n 's/^PORT=\([0-9]*\).*/\1/p' "$out")
	log "server pid $SERVER_PID port $PORT args: $*"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"
}

listening() {
	ss -ltnH "sport = :$1" | awk '{ print $4 }' | sort | tr '\n' ' '
}

is_listening() {
	[ -n "$(ss -ltnH "sport = :$1")" ]
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text
"$SERVER_BIN" -storepasswd secret "$T/passwd" >/dev/null 2>&1 ||
	fail "-storepasswd failed"

# ---- types that were not offered ----
server_start -rfbauth "$T/passwd"
got=$(probe --pick 1 "$PORT")
[ "$got" = "offered: 2 result: failed: security type 1 was not offered \
closed" ] || fail "picking None when only VncAuth is offered: $got"
grep -q "refused: security type 1 was not offered" "$SERVER_LOG" ||
	fail "no log line for the unoffered type"
got=$(probe --version 3.3 "$PORT")
[ "$got" = "type: 2" ] || fail "3.3 viewer, VncAuth server: $got"
stop_server

server_start -securitytypes TLSVnc -rfbauth "$T/passwd"
got=$(probe --version 3.3 "$PORT")
case "$got" in
"refused: "*VeNCrypt*" closed") log "3.3 vs VeNCrypt: $got" ;;
*) fail "3.3 viewer, VeNCrypt-only server: $got" ;;
esac
grep -q "refused: .*VeNCrypt" "$SERVER_LOG" || fail "no log line for 3.3"
stop_server

# ---- throttling wrong passwords ----
server_start -rfbauth "$T/passwd"
for i in 1 2 3 4; do
	vnctest --password wrong$i --expect-auth-fail >>"$T/wrong.log" 2>&1 ||
		fail "wrong password $i was not refused"
done
got=$(probe "$PORT")
[ "$got" = "offered: 2" ] || fail "blocked after only 4 failures: $got"
vnctest --password wrong5 --expect-auth-fail >>"$T/wrong.log" 2>&1 ||
	fail "wrong password 5 was not refused"
got=$(probe "$PORT")
case "$got" in
"refused: Too many authentication failures from 127.0.0.1; try again in "*\
" s closed") ;;
*) fail "after 5 failures, 127.0.0.1 got: $got" ;;
esac
wait_s=${got##*try again in }
wait_s=${wait_s%% s*}
grep -q "127.0.0.1:[0-9]*: refused: Too many authentication failures" \
	"$SERVER_LOG" || fail "no log line for the blocked address"
if vnctest --password secret >"$T/blocked.log" 2>&1; then
	fail "the right password got in from a blocked address"
fi
grep -q "Too many authentication failures" "$T/blocked.log" ||
	fail "the blocked viewer was not told why: $(cat "$T/blocked.log")"

# Other addresses are not blocked: 127.0.0.2 through a socat that binds
# it as the source, and ::1.
BP=$(python3 "$SUPPORT/freeport.py")
bg B socat "TCP-LISTEN:$BP,bind=127.0.0.1,reuseaddr,fork" \
	"TCP:127.0.0.1:$PORT,bind=127.0.0.2" 2>"$T/socat.log"
wait_for 10 is_listening "$BP" || fail "socat is not listening"
"$TBIN/vnctest" --password secret --compare-display "$D" "127.0.0.1:$BP" \
	>"$T/from2.log" 2>&1 || fail "127.0.0.2 was refused too"
grep -q "127.0.0.2:[0-9]*: RFB 3.8 session started" "$SERVER_LOG" ||
	fail "no session from 127.0.0.2 in the log"
got=$(probe --bind 127.0.0.3 "$PORT")
[ "$got" = "offered: 2" ] || fail "127.0.0.3 is blocked too: $got"
"$TBIN/vnctest" --password secret --compare-display "$D" "[::1]:$PORT" \
	>"$T/from6.log" 2>&1 || fail "::1 was refused too"
got=$(probe "$PORT")
case "$got" in
"refused: Too many"*) ;;
*) fail "127.0.0.1 was unblocked by the others' logins: $got" ;;
esac

# The block runs out.
if [ "$wait_s" -lt 1 ] || [ "$wait_s" -gt 10 ]; then
	fail "blocked for $wait_s s, expected at most 10"
fi
sleep "$wait_s"
sleep 0.5
vnctest --password secret --compare-display "$D" >"$T/after.log" 2>&1 ||
	fail "127.0.0.1 still refused after the block"
log "throttling: blocked for $wait_s s, others unaffected"
stop_server

# ---- where it listens ----
server_open
got=$(listening "$PORT")
[ "$got" = "127.0.0.1:$PORT [::1]:$PORT " ] ||
	fail "no password: listening on '$got', expected loopback only"
grep -q "warning: no password set: listening on localhost only" \
	"$SERVER_LOG" || fail "no warning about listening on localhost only"
stop_server

rc=0
timeout 10 "$SERVER_BIN" -display "$D" -rfbport 0 -listen 0.0.0.0 \
	>"$T/open.out" 2>"$T/open.log" || rc=$?
[ "$rc" -eq 1 ] || fail "-listen 0.0.0.0 without a password: status $rc"
grep -q "refusing to listen on 0.0.0.0 without a password" "$T/open.log" ||
	fail "no clear message for -listen 0.0.0.0: $(cat "$T/open.log")"
[ ! -s "$T/open.out" ] || fail "printed $(cat "$T/open.out") and refused"

server_open -rfbauth "$T/passwd"
got=$(listening "$PORT")
[ "$got" = "0.0.0.0:$PORT [::]:$PORT " ] ||
	fail "with a password: listening on '$got', expected all addresses"
! grep -q warning "$SERVER_LOG" ||
	fail "a warning with a password set: $(grep warning "$SERVER_LOG")"
stop_server

server_open -nopw
got=$(listening "$PORT")
[ "$got" = "0.0.0.0:$PORT [::]:$PORT " ] ||
	fail "-nopw: listening on '$got', expected all addresses"
probe "$PORT" >/dev/null
grep -q "warning: .*\(password\|-nopw\)" "$SERVER_LOG" ||
	fail "-nopw: no warning that anyone can connect without a password"
stop_server
