#!/bin/bash
# QEMU Extended Key Events (rfbproto 7.7.2.1): the server announces them
# (-258), and a viewer typing physical keys (XT scancodes of a US keyboard)
# is understood: on a us desktop the text comes out as typed, on a de
# desktop the keys mean what they mean there (the US "y" key is "z").  Keys
# held through such events are released when the viewer leaves, politely
# or killed.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xkeyrec xstate
need_prog setxkbmap

xvfb_start D 640x480x24
setxkbmap -display "$D" us || fail "setxkbmap us failed"
server_start

state() {
	"$TBIN/xstate" "$D"
}

nothing_held() {
	[ "$(state)" = "keys:
buttons:" ]
}

text='Hello, World! 123 ~`!@#$%^&*()_+-=[]{}\|;:'\''",.<>/? xyz'
nl=$'\n'

# vnctest waits for the -258 announcement and fails without it.
rec_start
vnctest --type-qemu "$text$nl" --then-exit ||
	fail "QEMU key typing failed (see vnctest's reason above)"
rec_expect "$text$nl" || fail "QEMU key events typed something else"
rec_stop
wait_for 3 nothing_held || fail "keys left held after typing: $(state)"

# Physical keys: the US keyboard's y, z and 2/@ keys on a German layout.
setxkbmap -display "$D" de || fail "setxkbmap de failed"
rec_start
vnctest --type-qemu "yz@" --then-exit || fail "QEMU key typing failed"
rec_expect 'zy"' ||
	fail "on a de layout the US keys y z Shift+2 must give z y \""
rec_stop
setxkbmap -display "$D" us || fail "setxkbmap us failed"

held() {
	state | grep -q '^keys:.* Shift_L' && state | grep -q '^keys:.* z'
}

# A viewer holding Shift and z, leaving normally...
bg V vnctest --qemu --hold-key Shift_L --hold-key z --stay 2
wait_for 5 held || fail "QEMU key events did not press Shift_L and z: $(state)"
wait_exit "$V" 20 || fail "viewer hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "viewer failed"
wait_for 5 nothing_held || fail "still held after a clean disconnect: $(state)"
log "released after a clean disconnect"

# ...and one killed while holding them.
bg V vnctest --qemu --hold-key Shift_L --hold-key z --stay 60
wait_for 5 held || fail "QEMU key events did not press Shift_L and z: $(state)"
kill -KILL "$V"
wait_for 5 nothing_held || fail "still held after the viewer died: $(state)"
log "released after the viewer was killed"
