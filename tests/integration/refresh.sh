#!/bin/bash
# TigerVNC's vncviewer with its defaults (Tight, JPEG quality 8,
# continuous updates) must end with the exact picture: areas sent as
# JPEG get a lossless refresh once they stop changing, even when the last
# update before the quiet was lossless and left a lossy strip beside it.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xdraw
need_prog vncviewer
need_prog xwd

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text
server_start
xvfb_start VD 1024x768x24
bg V vncviewer -display "$VD" -SecurityTypes None -Shared -RemoteResize=0 \
	-AlertOnFatalError=0 -ReconnectOnError=0 "127.0.0.1::$PORT" \
	>"$T/viewer.log" 2>&1
python3 "$SUPPORT/viewshot.py" --timeout 20 "$D" "$VD" >"$T/shot1.log" 2>&1 ||
	fail "viewer never showed the desktop: $(cat "$T/shot1.log")"
"$TBIN/xdraw" "$D" rects
python3 "$SUPPORT/viewshot.py" --timeout 20 "$D" "$VD" >"$T/shot2.log" 2>&1 ||
	fail "lossy areas never refreshed: $(cat "$T/shot2.log")"
