#!/usr/bin/env python3
"""Is the shared desktop on a viewer's screen?

    viewshot.py [--timeout S] [--save DIR] SHARED_DISPLAY VIEWER_DISPLAY

Reads both screens with xwd and looks for the whole of SHARED_DISPLAY,
pixel for pixel, somewhere on VIEWER_DISPLAY (the viewer's window has no
window manager to place it, and a menu bar or border may sit around its
picture).  Rows of the shared screen are searched for in the viewer's
screen; a hit gives the offset, where every pixel must then be equal.
Retries until they are or S seconds (default 20) pass.  With --save,
writes both screens as PPM into DIR on failure.  Exit 0 with the offset
and time, 1 with how far it got.
"""
import argparse
import sys
import time

import xwdimg


def find_offset(ref, shot):
    """Offsets (x, y) where some distinctive row of ref appears."""
    sb = shot.pixels.tobytes()
    found = set()
    step = max(ref.height // 16, 1)
    for y in range(0, ref.height, step):
        row = ref.row(y)
        if len(set(row)) < 8:   # too plain to place it
            continue
        needle = row.tobytes()
        pos = sb.find(needle)
        while pos >= 0 and len(found) < 64:
            if pos % 4 == 0:
                px = pos // 4
                ox, oy = px % shot.width, px // shot.width - y
                if ox + ref.width <= shot.width and oy >= 0 and \
                        oy + ref.height <= shot.height:
                    found.add((ox, oy))
            pos = sb.find(needle, pos + 1)
    return found


def differing(ref, shot, ox, oy):
    n = 0
    first = None
    for y in range(ref.height):
        a = ref.row(y)
        o = (oy + y) * shot.width + ox
        b = shot.pixels[o:o + ref.width]
        if a == b:
            continue
        for x in range(ref.width):
            if a[x] != b[x]:
                n += 1
                if first is None:
                    first = (x, y, a[x], b[x])
    return n, first


def attempt(shared, viewer):
    ref = xwdimg.grab(shared)
    shot = xwdimg.grab(viewer)
    best = None
    for ox, oy in find_offset(ref, shot):
        n, first = differing(ref, shot, ox, oy)
        if n == 0:
            return None, ref, shot, (ox, oy)
        if best is None or n < best[0]:
            best = (n, first, ox, oy)
    if best is None:
        return ("no row of %s (%dx%d) appears on %s (%dx%d)" % (
            shared, ref.width, ref.height, viewer, shot.width,
            shot.height)), ref, shot, None
    n, (x, y, a, b), ox, oy = best
    return ("at the best offset +%d+%d, %d pixels differ; first (%d,%d): "
            "shared #%06x, viewer #%06x" % (ox, oy, n, x, y, a, b)), \
        ref, shot, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shared")
    ap.add_argument("viewer")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--save")
    a = ap.parse_args()
    start = time.time()
    while True:
        try:
            why, ref, shot, at = attempt(a.shared, a.viewer)
        except xwdimg.XwdError as e:
            print("viewshot: FAIL: %s" % e)
            return 1
        if why is None:
            print("viewshot: ok: %s (%dx%d) shown at +%d+%d on %s after "
                  "%.1f s" % (a.shared, ref.width, ref.height, at[0], at[1],
                              a.viewer, time.time() - start))
            return 0
        if time.time() - start > a.timeout:
            break
        time.sleep(0.5)
    print("viewshot: FAIL after %.0f s: %s" % (a.timeout, why))
    if a.save:
        ref.write_ppm("%s/shared.ppm" % a.save)
        shot.write_ppm("%s/viewer.ppm" % a.save)
    return 1


if __name__ == "__main__":
    sys.exit(main())
