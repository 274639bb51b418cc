#!/bin/bash
# The framebuffer's padding byte (above depth 24) is zero even where the
# X server keeps a dirty one (Xvfb stores the pixel value a client draws
# with), so a viewer in the server's own format gets Raw rows with that
# byte clear and the right colours: from the first whole-screen grab and
# from later ones, which take the framebuffer's place instead of being
# copied into it (src/x11/capture.c).
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xdraw
need_prog python3

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" dirty || fail "xdraw dirty failed"
server_start

cat >"$T/padding.py" <<'PY'
import subprocess
import sys
import time

sys.path.insert(0, sys.argv[3])
import rfbraw

port, display, xdraw = int(sys.argv[1]), sys.argv[2], sys.argv[4]
c = rfbraw.Conn(port)
c.handshake()
# The server's own format: 32 bpp, depth 24, little-endian, red at 16.
c.set_pixel_format(32, 24, True, maxes=(255, 255, 255), shifts=(16, 8, 0))
c.set_encodings([rfbraw.RAW])


def check(what, incremental):
    """Updates until every pixel came once; padding must be zero."""
    seen, colours, deadline = 0, set(), time.time() + 20
    c.request(incremental=incremental)
    while seen < c.width * c.height:
        if time.time() > deadline:
            raise rfbraw.Fail("%s: only %d pixels came" % (what, seen))
        m = c.read_message()
        if m.type != 0:
            continue
        for r in m.rects:
            if r.pixels is None:
                continue
            pad = r.pixels[3::4]
            if any(pad):
                raise rfbraw.Fail("%s: %r has %d pixels with a padding "
                                  "byte set" % (what, r, sum(
                                      1 for b in pad if b)))
            colours.update(r.pixels[i:i + 3] for i in
                           range(0, len(r.pixels), 4 * 97))
            seen += r.w * r.h
        c.request(incremental=True)
    if len(colours) < 8:
        raise rfbraw.Fail("%s: %d colours, expected the 8 bands"
                          % (what, len(colours)))
    print("%s: %d pixels, padding clear" % (what, seen))


check("first update", False)
for i in range(3):
    subprocess.check_call([xdraw, display, "dirty"])
    check("redrawn %d" % (i + 1), True)
PY
python3 "$T/padding.py" "$PORT" "$D" "$SUPPORT" "$TBIN/xdraw" ||
	fail "padding bytes reached the viewer"
alive "$SERVER_PID" || fail "server died"
