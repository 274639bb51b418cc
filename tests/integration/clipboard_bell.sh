#!/bin/bash
# Clipboard both ways (Latin-1 on the wire, UTF-8 in X, CLIPBOARD and
# PRIMARY) and the X bell ringing the viewer.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncclip
need_prog xclip

xvfb_start D 320x240x24
server_start

# Viewer to desktop: both selections get the text, converted to UTF-8.
"$TBIN/vncclip" --send "héllo wörld" "$PORT" >"$T/send.log" 2>&1 ||
	fail "sending clipboard text failed"
for sel in clipboard primary; do
	got=$(timeout 5 xclip -display "$D" -o -selection $sel) ||
		fail "no $sel selection"
	[ "$got" = "héllo wörld" ] || fail "$sel holds \"$got\""
done

# Desktop to viewer.
bg V "$TBIN/vncclip" --expect "grüße 1" "$PORT"
sleep 1
printf 'grüße 1' | xclip -display "$D" -selection clipboard
wait_exit "$V" 20 || fail "viewer never got the desktop clipboard"
[ "$EXIT_CODE" -eq 0 ] || fail "desktop clipboard did not reach the viewer"

# Bell.
"$TBIN/vncclip" --bell "$D" "$PORT" >"$T/bell.log" 2>&1 ||
	fail "X bell did not ring the viewer"

# -viewonly: viewer clipboard text never reaches X.
printf 'before' | xclip -display "$D" -selection clipboard
server_start -viewonly
"$TBIN/vncclip" --send "intruder" "$PORT" >"$T/vo.log" 2>&1 ||
	fail "view-only client could not connect"
got=$(timeout 5 xclip -display "$D" -o -selection clipboard)
[ "$got" = before ] || fail "view-only client set the clipboard: $got"
