#!/bin/bash
# Text a viewer types comes out as exactly those characters whatever the
# desktop's keyboard layout (us, de, fr, ru): capitals, symbols, AltGr
# characters (@{}[]|\~€ on de and fr), characters the layout lacks (€ and
# Cyrillic on us, Latin on ru), with or without the viewer pressing Shift
# itself.  CapsLock never inverts the case: neither when it is on at the
# desktop nor when the viewer sends Caps_Lock.  No key stays held.  The
# layout may also change under a running server.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xkeyrec xstate
need_prog setxkbmap
need_prog xdotool
need_prog xset

xvfb_start D 640x480x24

text='Hello, World! äöüß €@{}[]|\~ Привет 123'
mixed='Mixed Case äÄ Жж'
nl=$'\n'
FAILED=()

caps_on() {
	xset -display "$D" q | grep -q 'Caps Lock: *on'
}

caps_off() {
	xset -display "$D" q | grep -q 'Caps Lock: *off'
}

# set_caps on|off: CapsLock at the desktop, as a user at the machine would.
set_caps() {
	local want=$1
	if { [ "$want" = on ] && ! caps_on; } ||
		{ [ "$want" = off ] && caps_on; }; then
		DISPLAY=$D xdotool key Caps_Lock
	fi
	wait_for 3 "caps_$want" ||
		fail "could not turn CapsLock $want at the desktop"
}

nothing_held() {
	[ "$("$TBIN/xstate" "$D")" = "keys:
buttons:" ]
}

# check NAME TEXT VNCTEST-ARGS...: a fresh recorder, one viewer typing,
# the recorder must hold exactly TEXT and no key may stay down.
check() {
	local name=$1 want=$2
	shift 2
	rec_start
	if ! vnctest "$@" --then-exit >>"$T/vnctest.log" 2>&1; then
		FAILED+=("$name: viewer failed")
	elif ! rec_expect "$want"; then
		log "FAILED: $name"
		FAILED+=("$name")
	elif ! wait_for 3 nothing_held; then
		FAILED+=("$name: left held: $("$TBIN/xstate" "$D" |
			tr '\n' ' ')")
	fi
	rec_stop
}

for layout in us de fr ru; do
	setxkbmap -display "$D" "$layout" || fail "setxkbmap $layout failed"
	setxkbmap -display "$D" -query | grep -q "^layout: *$layout\$" ||
		fail "layout $layout not in effect"
	set_caps off
	server_start
	log "layout $layout"
	check "$layout: text" "$text$nl" --type "$text$nl"
	check "$layout: text, viewer presses Shift" "$text$nl" \
		--type-shift --type "$text$nl"
	set_caps on
	check "$layout: CapsLock on at the desktop" "$mixed" --type "$mixed"
	check "$layout: CapsLock on at the desktop, viewer presses Shift" \
		"$mixed" --type-shift --type "$mixed"
	set_caps off
	check "$layout: viewer sends Caps_Lock, then letters" "$mixed" \
		--tap Caps_Lock --type "$mixed"
	set_caps off
	if [ "$layout" != ru ]; then
		kill "$SERVER_PID"
		wait_exit "$SERVER_PID" 10 || fail "server did not stop"
	fi
done

# The user switches the layout while the server runs (ru -> de).
setxkbmap -display "$D" de || fail "setxkbmap de failed"
check "ru -> de while running: text" "$text$nl" --type "$text$nl"

if [ ${#FAILED[@]} -gt 0 ]; then
	printf -v list '%s; ' "${FAILED[@]}"
	fail "${#FAILED[@]} case(s) failed: ${list%; }"
fi
