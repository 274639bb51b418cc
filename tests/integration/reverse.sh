#!/bin/bash
# -connect: the server dials a listening viewer.  TigerVNC's
# `vncviewer -listen` starts only after the server, so the server must
# retry with a growing delay (1 s, then 2 s, ...); once the viewer
# listens it gets the connection, and a screenshot of the viewer's own
# display shows the shared desktop pixel for pixel.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xdraw
need_prog vncviewer
need_prog xwd
need_prog python3

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text
xvfb_start VD 640x480x24
# shellcheck disable=SC2034 # read by server_start
SERVER_DISPLAY=$D

VP=$(python3 "$SUPPORT/freeport.py")
server_start -connect "127.0.0.1:$VP"
retry="viewer at 127.0.0.1:$VP not reachable (Connection refused); retrying"
wait_for 10 grep -q "$retry in 1 s" "$SERVER_LOG" ||
	fail "no first retry line in the server log"
wait_for 10 grep -q "$retry in 2 s" "$SERVER_LOG" ||
	fail "the second retry does not wait longer (no 'retrying in 2 s')"
grep -q "session started" "$SERVER_LOG" && fail "a session without a viewer"

# Lossless (ZRLE, no JPEG): this test is about the way in, not about
# lossy refreshes, which viewers.sh covers.
bg V vncviewer -display "$VD" -listen "$VP" -SecurityTypes None -Shared \
	-RemoteResize=0 -AlertOnFatalError=0 -ReconnectOnError=0 \
	-AutoSelect=0 -FullColor -PreferredEncoding ZRLE -NoJPEG \
	>"$T/vncviewer.log" 2>&1
wait_for 15 grep -q "connected to viewer at 127.0.0.1:$VP" "$SERVER_LOG" ||
	fail "the server did not reach the viewer within 15 s of it listening"
wait_for 10 grep -q "127.0.0.1:$VP: RFB 3.8 session started" "$SERVER_LOG" ||
	fail "no session with the viewer"
python3 "$SUPPORT/viewshot.py" --timeout 20 --save "$T" "$D" "$VD" \
	>"$T/shot.log" 2>&1 ||
	fail "the viewer's screen does not show the shared display"
log "$(cat "$T/shot.log")"

# The picture follows the desktop.
"$TBIN/xdraw" "$D" rects
python3 "$SUPPORT/viewshot.py" --timeout 20 --save "$T" "$D" "$VD" \
	>"$T/shot2.log" 2>&1 ||
	fail "the viewer's screen does not follow the shared display"
gone "$V" && fail "vncviewer exited"
log "$(cat "$T/shot2.log")"
