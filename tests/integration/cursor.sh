#!/bin/bash
# The X cursor reaches a viewer that draws it itself (libvncclient's
# XCursor/RichCursor), and a new shape is sent when the cursor changes;
# the cursor is never drawn into the picture (pixels.sh compares the
# picture with XGetImage, which leaves the cursor out).
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncclip

xvfb_start D 320x240x24
server_start
"$TBIN/vncclip" --cursor "$D" "$PORT" >"$T/cursor.log" 2>&1 ||
	fail "cursor shapes did not arrive: $(tail -3 "$T/cursor.log")"
n=$(grep -c "^vncclip: cursor" "$T/cursor.log")
[ "$n" -ge 2 ] || fail "expected a second cursor shape after the change, got $n"
# The hand cursor differs from the server's default X cursor.
first=$(grep "^vncclip: cursor" "$T/cursor.log" | head -1)
last=$(grep "^vncclip: cursor" "$T/cursor.log" | tail -1)
[ "$first" != "$last" ] || fail "the new cursor shape looks like the old one: $last"
