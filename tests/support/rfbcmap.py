#!/usr/bin/env python3
"""A colour-mapped viewer (rfbproto 7.4, true-colour flag 0), which
libvncclient cannot be.

    rfbcmap.py --display :N [--wait-for FILE] [--timeout S] PORT
    rfbcmap.py --bad-format PORT

The first form does the RFB 3.8 handshake (security None), asks for 8 bpp
with true-colour 0 and Raw, and keeps the screen up to date (incremental
requests, after FILE exists if given).  Every index in a pixel must have
been defined by a SetColourMapEntries, and its colour must be the display
pixel quantized to the server's palette: within one palette step on each
channel (the largest gap between the palette's levels of that channel),
or else the palette entry nearest to it.  It compares with the display
(read with xwd) until that holds or S seconds (default 20) pass.

The second form asks for 16 bpp with true-colour 0, which the protocol
does not allow a server to serve (colour maps hold at most 256 entries
here): the server must close the connection.

Exit 0 with a one-line summary, 1 with the reason.
"""
import argparse
import os
import sys
import time

import rfbraw
import xwdimg
from rfbraw import Fail


class Screen:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.idx = bytearray(w * h)
        self.covered = bytearray(w * h)
        self.cmap = {}
        self.updates = 0
        self.maps = 0

    def apply(self, m):
        if m.type == 1:
            for i, c in enumerate(m.colours):
                if m.first + i > 255:
                    raise Fail("colour map entry %d for an 8 bpp format"
                               % (m.first + i))
                self.cmap[m.first + i] = c
            self.maps += 1
        elif m.type == 0:
            for r in m.rects:
                if r.enc != rfbraw.RAW:
                    raise Fail("%r: only Raw was asked for" % r)
                for row in range(r.h):
                    o = (r.y + row) * self.w + r.x
                    self.idx[o:o + r.w] = r.pixels[row * r.w:
                                                   (row + 1) * r.w]
                    self.covered[o:o + r.w] = b"\1" * r.w
            self.updates += 1


def palette(cmap):
    """8-bit colours of the map, and the tolerance on each channel."""
    pal = {i: tuple(v >> 8 for v in c) for i, c in cmap.items()}
    tol = []
    for ch in range(3):
        levels = sorted({0, 255} | {c[ch] for c in pal.values()})
        tol.append(max(b - a for a, b in zip(levels, levels[1:])))
    return pal, tol


def nearest_ok(pal, m, d):
    dist = sum((a - b) ** 2 for a, b in zip(m, d))
    return all(dist <= sum((a - b) ** 2 for a, b in zip(c, d))
               for c in pal.values())


def check(s, img):
    """None if the picture is right, else the reason."""
    if (img.width, img.height) != (s.w, s.h):
        return "display is %dx%d, framebuffer %dx%d" % (
            img.width, img.height, s.w, s.h)
    if not all(s.covered):
        return "%d pixels never sent" % s.covered.count(0)
    used = set(s.idx)
    undefined = used - set(s.cmap)
    if undefined:
        return "indices %s used but never defined by SetColourMapEntries" \
            % sorted(undefined)[:10]
    pal, tol = palette(s.cmap)
    bad = {}
    for i, p in set(zip(s.idx, img.pixels)):
        d = (p >> 16, p >> 8 & 255, p & 255)
        m = pal[i]
        if all(abs(a - b) <= t for a, b, t in zip(m, d, tol)):
            continue
        if not nearest_ok(pal, m, d):
            bad[(i, p)] = (m, d)
    if not bad:
        return None
    n = sum(1 for k in zip(s.idx, img.pixels) if k in bad)
    lines = ["%d pixels (%d index/colour pairs) off by more than one "
             "palette step %s and not the nearest entry; e.g." %
             (n, len(bad), tol)]
    for k, (i, p) in enumerate(zip(s.idx, img.pixels)):
        if (i, p) in bad and len(lines) < 6:
            m, d = bad[(i, p)]
            lines.append("  (%d,%d): index %d = rgb%s, display rgb%s"
                         % (k % s.w, k // s.w, i, m, d))
    return "\n".join(lines)


def pump(c, s, seconds):
    """Apply what arrives within `seconds`, asking for more after each
    update."""
    end = time.time() + seconds
    while True:
        left = end - time.time()
        m = c.poll(max(left, 0))
        if m is None:
            return
        s.apply(m)
        if m.type == 0:
            c.request(incremental=True)


def viewer(a):
    c = rfbraw.Conn(a.port)
    c.handshake()
    # rfbproto 7.4: 8 bpp, depth 8, true-colour 0: maxes and shifts unused
    c.set_pixel_format(8, 8, False)
    c.set_encodings([rfbraw.RAW])
    c.request(incremental=False)
    s = Screen(c.width, c.height)
    end = time.time() + a.timeout
    while not s.updates:
        if time.time() > end:
            raise Fail("no FramebufferUpdate within %d s" % a.timeout)
        m = c.poll(1)
        if m:
            s.apply(m)
    if not s.maps:
        raise Fail("an 8 bpp colour-map update came before any "
                   "SetColourMapEntries")
    c.request(incremental=True)
    if a.wait_for:
        while not os.path.exists(a.wait_for):
            if time.time() > end + 120:
                raise Fail("%s did not appear" % a.wait_for)
            pump(c, s, 0.2)
    end = time.time() + a.timeout
    start = time.time()
    while True:
        why = check(s, xwdimg.grab(a.display))
        if why is None:
            break
        if time.time() > end:
            raise Fail("after %d s: %s" % (a.timeout, why))
        pump(c, s, 0.5)
    pal, tol = palette(s.cmap)
    return ("%dx%d matches %s after %.1f s: %d updates, %d colour-map "
            "messages, %d entries defined, %d used, palette step %s"
            % (s.w, s.h, a.display, time.time() - start, s.updates, s.maps,
               len(s.cmap), len(set(s.idx)), tol))


def bad_format(a):
    c = rfbraw.Conn(a.port)
    c.handshake()
    end = time.time() + 5
    try:
        # the server may close before the second message is sent
        c.set_pixel_format(16, 16, False)
        c.set_encodings([rfbraw.RAW])
        c.request(incremental=False)
        while time.time() < end:
            m = c.poll(0.2)
            if m and (m.type == 0 and m.rects or m.type == 1):
                raise Fail("the server served a 16 bpp colour-map format "
                           "(message type %d)" % m.type)
    except rfbraw.Closed as e:
        return "16 bpp colour-map format refused: connection closed (%s)" \
            % e.how
    raise Fail("the connection is still open 5 s after asking for 16 bpp "
               "with true-colour 0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--display")
    ap.add_argument("--wait-for")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--bad-format", action="store_true")
    a = ap.parse_args()
    if not a.bad_format and not a.display:
        ap.error("--display or --bad-format")
    try:
        msg = bad_format(a) if a.bad_format else viewer(a)
    except (Fail, OSError, xwdimg.XwdError) as e:
        print("rfbcmap: FAIL: %s" % e)
        return 1
    print("rfbcmap: ok: %s" % msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
