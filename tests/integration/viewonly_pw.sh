#!/bin/bash
# A password file with a second, view-only password: the full password
# gets control; the view-only one connects and sees the desktop, but none
# of its input reaches X: KeyEvents, QEMU key events, pointer buttons
# (extended ones too), held keys and buttons, and clipboard text, Latin-1
# or Extended.  The same raw viewer run with the full password shows that
# each of these messages would have been injected.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest vncpwfile vncclip xkeyrec xstate
need_prog xclip
need_prog python3
need_prog openssl

# -storepasswd writes one password only; vncpwfile writes both (the
# vncpasswd layout: 8 bytes each).
"$TBIN/vncpwfile" fullpw viewpw >"$T/passwd"
chmod 600 "$T/passwd"

xvfb_start D 320x240x24
server_start -rfbauth "$T/passwd"

nothing_held() {
	[ "$("$TBIN/xstate" "$D")" = "keys:
buttons:" ]
}

holding() {
	"$TBIN/xstate" "$D" | grep -q '^keys:.* Shift_L' &&
		"$TBIN/xstate" "$D" | grep -q '^buttons: 2'
}

sel_is() {
	[ "$(timeout 5 xclip -display "$D" -o -selection "$1" 2>/dev/null)" = \
		"$2" ]
}

# inject NAME PASS: the raw viewer sending everything, in the background
# until it holds Shift_L and button 2.
inject() {
	bg INJ python3 "$SUPPORT/rfbinput.py" inject "$PORT" --password "$2" \
		--clip "$1 clipboard ✓" >"$T/$1.log" 2>&1
	wait_for 15 grep -q '^holding' "$T/$1.log" ||
		fail "$1 viewer: $(tail -n 1 "$T/$1.log")"
	log "$1 viewer: $(head -n 1 "$T/$1.log")"
}

for sel in clipboard primary; do
	printf before | xclip -display "$D" -i -selection $sel
	wait_for 5 sel_is $sel before || fail "xclip did not take $sel"
done

# --- the full password ---
rec_start
inject full fullpw
wait_for 5 holding || fail "full-control viewer's Shift_L and button 2" \
	"not pressed: $("$TBIN/xstate" "$D" | tr '\n' ' ')"
wait_exit "$INJ" 20 || fail "full viewer hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "full viewer: $(tail -n 1 "$T/full.log")"
b() {
	printf 'button %s %s at 30,40\n' "$1" press "$1" release
}
rec_expect "v
w
$(b 1)
$(b 3)
$(b 8)
$(b 2)
" || fail "the full-control viewer's input did not all arrive"
wait_for 5 sel_is clipboard "full clipboard ✓" ||
	fail "full-control viewer's clipboard text did not arrive"
vnctest --password fullpw --type "typed" --then-exit ||
	fail "full password refused"
rec_expect "v
w
$(b 1)
$(b 3)
$(b 8)
$(b 2)
typed" || fail "full-control vnctest's typing did not arrive"
rec_stop

for sel in clipboard primary; do
	printf before | xclip -display "$D" -i -selection $sel
	wait_for 5 sel_is $sel before || fail "xclip did not take $sel"
done

# --- the view-only password ---
rec_start
inject viewonly viewpw
sleep 0.5
nothing_held || fail "view-only viewer holds: $("$TBIN/xstate" "$D" |
	tr '\n' ' ')"
wait_exit "$INJ" 20 || fail "view-only viewer hangs"
[ "$EXIT_CODE" -eq 0 ] ||
	fail "view-only viewer: $(tail -n 1 "$T/viewonly.log")"
vnctest --password viewpw --type "view" --click 50,50,1 --then-exit ||
	fail "view-only password refused"
vnctest --password viewpw --hold-key a --hold-button 3 --stay 1 ||
	fail "view-only password refused"
"$TBIN/vncclip" --password viewpw --send "view-only vncclip" "$PORT" \
	>"$T/vncclip.log" 2>&1 || fail "vncclip with the view-only password"
vnctest --password viewpw --compare-display "$D" ||
	fail "view-only viewer does not see the desktop"

# Input on another connection afterwards: once it arrives, anything the
# view-only viewers had managed to inject would be there before it.
vnctest --password fullpw --type "end" --then-exit ||
	fail "full password refused"
rec_expect "end" || fail "view-only viewers' input reached X"
for sel in clipboard primary; do
	sel_is $sel before || fail "view-only viewers changed $sel to \"$(
		timeout 5 xclip -display "$D" -o -selection $sel)\""
done
nothing_held || fail "keys or buttons left held: $("$TBIN/xstate" "$D" |
	tr '\n' ' ')"
