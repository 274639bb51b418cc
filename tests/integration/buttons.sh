#!/bin/bash
# ExtendedMouseButtons (rfbproto 7.8.31): the server confirms -316 with an
# empty pseudo-rectangle; extended PointerEvents then press X buttons 8
# (back) and 9 (forward), and buttons 1-7 keep working in both message
# forms.  A viewer that did not announce -316 still gets button 8 from
# bit 7 of a normal PointerEvent.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xkeyrec
need_prog python3

xvfb_start D 320x240x24
server_start
rec_start

out=$(python3 "$SUPPORT/rfbinput.py" buttons "$PORT" 2>&1) ||
	fail "ExtendedMouseButtons: $(tail -n 1 <<<"$out")"
echo "$out"

expected=
for b in 8 9 1 3 4 7 1; do
	expected+="button $b press at 50,60
button $b release at 50,60
"
done
expected+="button 8 press at 70,80
button 8 release at 70,80
"
rec_expect "$expected" || fail "X saw other button events than were sent"
