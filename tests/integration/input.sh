#!/bin/bash
# Keyboard and pointer input from a viewer reach X clients: typed text
# arrives exactly (with and without the viewer pressing Shift itself),
# clicks and wheel steps arrive at the right place; a -viewonly server
# passes nothing on.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xkeyrec

xvfb_start D 640x480x24
server_start -shared

NREC=0
# rec_start: run a fresh recorder; REC is its output file.
rec_start() {
	NREC=$((NREC + 1))
	REC=$T/rec.$NREC
	bg REC_PID "$TBIN/xkeyrec" "$D" "$REC" >"$T/xkeyrec.$NREC.out"
	wait_for 10 grep -q ready "$T/xkeyrec.$NREC.out" ||
		fail "xkeyrec did not get ready"
}

rec_stop() {
	kill "$REC_PID"
	wait "$REC_PID" 2>/dev/null || true
}

rec_is() {
	[ "$(cat "$REC"; echo .)" = "$1." ]
}

# expect TEXT: wait until the recorder holds exactly TEXT.
expect() {
	if ! wait_for 10 rec_is "$1"; then
		echo "expected: $(printf %s "$1" | od -c | head -n 5)"
		echo "recorded: $(od -c "$REC" | head -n 5)"
		fail "recorded input differs"
	fi
	log "recorded as expected: $(printf %q "$1")"
}

text='Hello World 123!'
symbols='x-y_z=1+2;'\''q'\''"<>?/\|~`'
nl=$'\n'

rec_start
vnctest --type "$text" --then-exit || fail "vnctest --type failed"
expect "$text"
vnctest --type "$symbols$nl" --then-exit || fail "vnctest --type failed"
expect "$text$symbols$nl"
rec_stop

rec_start
vnctest --type-shift --type "$text$symbols$nl" --then-exit ||
	fail "vnctest --type-shift failed"
expect "$text$symbols$nl"
rec_stop

rec_start
vnctest --click 100,100,1 --then-exit || fail "vnctest --click failed"
vnctest --click 321,123,4 --then-exit || fail "vnctest wheel failed"
expect "button 1 press at 100,100
button 1 release at 100,100
button 4 press at 321,123
button 4 release at 321,123
"
rec_stop

# A view-only server must ignore the same input.
kill "$SERVER_PID"
wait_exit "$SERVER_PID" 10 || fail "server did not stop on SIGTERM"
server_start -viewonly
rec_start
vnctest --type "$text" --click 100,100,1 --then-exit ||
	fail "vnctest against -viewonly failed to connect"
vnctest --hold-key a --hold-button 3 --stay 1 || fail "vnctest failed"
sleep 1
[ ! -s "$REC" ] ||
	fail "-viewonly server passed input on: $(head -c 200 "$REC")"
rec_stop
