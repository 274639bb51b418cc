#!/bin/bash
# A viewer that leaves with a key and a button still down (politely, or by
# being killed) must not leave them stuck on the X display.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xstate

xvfb_start D 320x240x24
server_start -shared

state() {
	"$TBIN/xstate" "$D"
}

held() {
	state | grep -q '^keys:.* Shift_L' && state | grep -q '^buttons: 1'
}

nothing_held() {
	[ "$(state)" = "keys:
buttons:" ]
}

check_released() {
	if ! wait_for 5 nothing_held; then
		state
		fail "still held after the viewer left ($1)"
	fi
	log "released after $1"
}

nothing_held || fail "display has something held before the test: $(state)"

# 1: the viewer disconnects normally
bg V vnctest --hold-key Shift_L --hold-button 1 --stay 2
wait_for 5 held || fail "server never pressed Shift_L and button 1: $(state)"
wait_exit "$V" 20 || fail "viewer hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "viewer failed"
check_released "clean disconnect"

# 2: the viewer dies without a word
bg V vnctest --hold-key Shift_L --hold-button 1 --stay 60
wait_for 5 held || fail "server never pressed Shift_L and button 1: $(state)"
kill -KILL "$V"
check_released "viewer killed"
