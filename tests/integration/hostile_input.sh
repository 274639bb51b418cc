#!/bin/bash
# The hostile-input suite, normal-phase messages that reach X (tests/
# support/hostile_msgs.py, groups "x" and "viewonly"): keysyms 0,
# 0xffffffff and unmapped ones, QEMU keycode 0xffffffff, keys and buttons
# held by a viewer that then resets its connection, every kind of input
# from a view-only viewer, and cut text that must be cleaned (NULs, bare
# CR, ill-formed UTF-8) or dropped (over -maxcuttext, a zlib bomb).
# Checked on X: what xkeyrec saw typed, what xstate shows held, the
# keymap (no keysym X cannot carry), the CLIPBOARD selection.  A
# well-behaved viewer (vncwatch, with an animation on the screen) keeps
# getting updates throughout and ends with the exact picture.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest vncwatch xdraw xkeyrec xstate
need_prog python3
need_prog xclip
need_prog xmodmap

HOSTILE="python3 $SUPPORT/hostile_msgs.py"

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
server_start
LOG1=$SERVER_LOG PORT1=$PORT

watch_start

nothing_held() {
	[ "$("$TBIN/xstate" "$D")" = "keys:
buttons:" ]
}

hostile() {
	$HOSTILE --log "$SERVER_LOG" --display "$D" "$PORT" "$@" \
		>"$T/cases.out" 2>&1 || { cat "$T/cases.out"; fail "$*"; }
	cat "$T/cases.out"
}

# --- keys X cannot type: nothing typed, nothing held, no bad keysym ---
rec_start
hostile key_keysym_0 key_keysym_ffffffff qemu_keycode_ffffffff
nothing_held || fail "held after bad keys: $("$TBIN/xstate" "$D")"
if xmodmap -display "$D" -pke | grep -E '0x[2-9a-f][0-9a-f]{7}\b'; then
	fail "a keysym with its top bits set reached the keymap"
fi
hostile key_unmapped
nothing_held || fail "held after unmapped keys: $("$TBIN/xstate" "$D")"
vnctest --type "end" --then-exit >/dev/null || fail "vnctest --type"
# qemu_keycode_ffffffff sends keysym a with that keycode: a is typed
rec_expect "aend" || fail "bad keysyms typed something"
rec_stop

# --- held, then a reset: all of it pressed, then all of it released ---
rec_start
hostile held_then_reset
wait_for 5 nothing_held || fail "still held after the reset: $(
	"$TBIN/xstate" "$D" | tr '\n' ' ')"
b() {
	printf 'button %s %s at 30,40\n' "$1" "$2"
}
# (the recorder may look up the spare key's new binding late: € or not)
want="qW$(b 1 press)
$(b 3 press)
$(b 1 release)
$(b 3 release)
"
wait_for 5 grep -q "release" "$REC" || true
[ "$(sed 's/€//' "$REC"; echo .)" = "$want." ] || {
	sed 's/$/|/' "$REC"
	fail "held keys and buttons: not pressed, or not released"
}
rec_stop

# --- cut text: cleaned, or dropped over the cap ---
hostile cuttext_latin1_sanitised cuttext_utf8_sanitised cuttext_over_cap \
	clipext_provide_bomb

# --- a view-only server on the same display: nothing reaches X ---
server_start -viewonly
rec_start
hostile @viewonly
SERVER_LOG=$LOG1 PORT=$PORT1
vnctest --type "end" --then-exit >/dev/null || fail "vnctest --type"
rec_expect "end" || fail "view-only input reached X"
nothing_held || fail "view-only viewer holds: $("$TBIN/xstate" "$D" |
	tr '\n' ' ')"
[ "$(timeout 5 xclip -display "$D" -o -selection clipboard)" = \
	"after the bomb" ] || fail "view-only viewer changed the clipboard"
rec_stop

alive "$SERVER_PID" || fail "view-only server died"
watch_stop
