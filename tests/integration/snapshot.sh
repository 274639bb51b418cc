#!/bin/bash
# vncsnapshot, a real RFB 3.3 client from TightVNC, takes a screenshot: a
# JPEG of the screen's size whose size shows it holds the drawing.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xdraw
need_prog vncsnapshot

xvfb_start D 640x480x24
server_start
"$TBIN/xdraw" "$D" rects

timeout 30 vncsnapshot -quiet -allowblank 127.0.0.1::"$PORT" "$T/shot.jpg" ||
	fail "vncsnapshot failed"
[ -s "$T/shot.jpg" ] || fail "no snapshot written"

# Check the JPEG signature and read the size from its start-of-frame marker.
size=$(python3 - "$T/shot.jpg" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:3] != b"\xff\xd8\xff":
    sys.exit("not a JPEG: starts with %r" % d[:8])
i = 2
while i + 4 <= len(d):
    if d[i] != 0xFF:
        sys.exit("bad marker at %d" % i)
    m = d[i + 1]
    n = struct.unpack(">H", d[i + 2:i + 4])[0]
    if m in (0xC0, 0xC1, 0xC2):
        h, w = struct.unpack(">HH", d[i + 5:i + 9])
        print("%dx%d" % (w, h))
        break
    i += 2 + n
PY
)
[ "$size" = 640x480 ] || fail "snapshot is '$size', expected 640x480"

# 640x480 of random rectangles does not compress like a blank screen
# (a black one is about 11 KB at the default quality).
bytes=$(stat -c %s "$T/shot.jpg")
log "snapshot: $size, $bytes bytes"
[ "$bytes" -gt 30000 ] || fail "snapshot only $bytes bytes: blank screen?"
