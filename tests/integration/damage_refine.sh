#!/bin/bash
# X damage is refined by the pixels: the screen is captured in 32x32
# tiles compared with the framebuffer, so a repaint that leaves the
# pixels as they were (xsetroot setting the colour the root already has:
# XDamage reports the whole screen) sends a viewer nothing, and a real
# change after it still arrives, all of it.
set -eu
. "$(dirname "$0")/../lib.sh"
need_prog python3
need_prog xsetroot

xvfb_start D 320x240x24
xsetroot -display "$D" -solid '#336699' || fail "xsetroot failed"
server_start

cat >"$T/refine.py" <<'PY'
import subprocess
import sys
import time

sys.path.insert(0, sys.argv[3])
import rfbraw

port, display = int(sys.argv[1]), sys.argv[2]
c = rfbraw.Conn(port)
c.handshake()
c.set_pixel_format(32, 24, True, maxes=(255, 255, 255), shifts=(16, 8, 0))
c.set_encodings([rfbraw.RAW])


def area_within(seconds, want):
    """Pixels sent in answer to incremental requests within `seconds`,
    until `want` have come."""
    c.request(incremental=True)
    area, deadline = 0, time.time() + seconds
    while area < want and time.time() < deadline:
        m = c.poll(deadline - time.time())
        if m is None:
            break
        if m.type == 0:
            area += sum(r.w * r.h for r in m.rects if r.pixels is not None)
            c.request(incremental=True)
    return area


c.request(incremental=False)
got = 0
while got < c.width * c.height:
    m = c.read_message()
    if m.type == 0:
        got += sum(r.w * r.h for r in m.rects)
subprocess.run(["xsetroot", "-display", display, "-solid", "#336699"],
               check=True)
same = area_within(2, 1)
if same:
    raise rfbraw.Fail("an unchanged repaint sent %d pixels" % same)
subprocess.run(["xsetroot", "-display", display, "-solid", "#993366"],
               check=True)
changed = area_within(10, c.width * c.height)
if changed != c.width * c.height:
    raise rfbraw.Fail("a new colour everywhere sent %d of %d pixels"
                      % (changed, c.width * c.height))
print("unchanged repaint: 0 pixels; new colour: %d" % changed)
PY
python3 "$T/refine.py" "$PORT" "$D" "$SUPPORT" >"$T/refine.log" 2>&1 ||
	fail "$(tail -n 3 "$T/refine.log")"
log "$(cat "$T/refine.log")"
