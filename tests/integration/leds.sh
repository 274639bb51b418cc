#!/bin/bash
# QEMU LED State (rfbproto 7.8.29): a viewer that announces -261 gets the
# desktop's lock-key LEDs at once (CapsLock is on before it connects) and
# again each time CapsLock or NumLock is toggled on the X display; a viewer
# that did not announce it never gets the pseudo-rectangle.
set -eu
. "$(dirname "$0")/../lib.sh"
need_prog python3
need_prog xdotool
need_prog xset

xvfb_start D 320x240x24
server_start

out=$(python3 "$SUPPORT/rfbinput.py" leds "$PORT" "$D" 2>&1) ||
	fail "LED state: $(tail -n 1 <<<"$out")"
echo "$out"
