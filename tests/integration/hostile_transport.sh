#!/bin/bash
# Hostile clients at the transport level: every case of "Transport and
# flow control" in hostile-inputs.md that is not in slow_client.sh (a
# viewer that never reads), one function each in
# tests/support/hostile_net.py, which checks the reaction on the wire
# (HTTP 400/431, WebSocket Close 1002/1009 or the echo of ours, the close
# at the timeout, the same RFB stream through WebSocket frames as over
# TCP) and the server's one log line per connection.  Meanwhile a
# well-behaved vncwatch keeps getting updates of a changing screen and
# ends with the exact picture; afterwards the server's file descriptors
# are back where they were and its memory about the same.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncwatch xdraw
need_prog python3
need_prog openssl

xvfb_start D 640x480x24
"$TBIN/xdraw" "$D" rects
# a certificate, so that wss:// works on the same port
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
server_start -cert "$T/cert.pem" -key "$T/key.pem"
watch_start -e "zrle raw"
sleep 1
FD0=$(proc_fd_count "$SERVER_PID")
RSS0=$(proc_rss_kb "$SERVER_PID")
cases() {
	python3 "$SUPPORT/hostile_net.py" --port "$PORT" --log "$SERVER_LOG" \
		"$@" >>"$T/cases.out" 2>&1
}
# The picture through WebSocket frames equals the one over TCP only
# while the screen holds still (but for the animation's strip).
cases ws_same_stream || {
	cat "$T/cases.out"
	fail "the RFB stream through WebSocket differs"
}
# big changes, so that updates are under way when clients misbehave
bg L bash -c "while '$TBIN/xdraw' '$D' all; do :; done" 2>/dev/null
all=$(python3 "$SUPPORT/hostile_net.py" --port 0 --list | grep -v same_stream)
# shellcheck disable=SC2086
cases $all || {
	cat "$T/cases.out"
	fail "$(grep -c ': FAIL: ' "$T/cases.out") transport case(s) failed"
}
cat "$T/cases.out"
alive "$SERVER_PID" || fail "server died"
rss=$(proc_rss_kb "$SERVER_PID")
kill -TERM "$L" 2>/dev/null || true
wait "$L" 2>/dev/null || true
"$TBIN/xdraw" "$D" text
watch_stop

nfds() {
	[ "$(proc_fd_count "$SERVER_PID")" -le "$1" ]
}
wait_for 10 nfds "$FD0" ||
	fail "$(proc_fd_count "$SERVER_PID") fds after the cases, baseline $FD0"
log "server RSS $RSS0 KiB before the cases, $rss KiB after"
# generous: a slow reader's queue must not grow with every change, nor
# may a claimed 2^40-byte frame be allocated
[ "$rss" -lt $((RSS0 + 30000 + RSS_SLACK_KB)) ] ||
	fail "server RSS grew from $RSS0 to $rss KiB"
