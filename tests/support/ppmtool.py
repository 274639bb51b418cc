#!/usr/bin/env python3
"""Screens as binary PPM (P6) files, for comparing with what a browser
shows (tests/integration/novnc.sh).

    ppmtool.py grab DISPLAY OUT.ppm     the root window, via xwd
    ppmtool.py poke IN.ppm OUT.ppm X Y  IN with pixel X,Y inverted
    ppmtool.py diff A.ppm B.ppm         print how many pixels differ
"""
import sys

import xwdimg


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields = data.split(maxsplit=4)
    if len(fields) < 5 or fields[0] != b"P6" or fields[3] != b"255":
        raise SystemExit("%s: not a P6 PPM with maxval 255" % path)
    w, h = int(fields[1]), int(fields[2])
    rgb = bytearray(fields[4][:w * h * 3])
    if len(rgb) != w * h * 3:
        raise SystemExit("%s: truncated" % path)
    return w, h, rgb


def write_ppm(path, w, h, rgb):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(rgb)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "grab" and len(argv) == 4:
        xwdimg.grab(argv[2]).write_ppm(argv[3])
    elif cmd == "poke" and len(argv) == 6:
        w, h, rgb = read_ppm(argv[2])
        x, y = int(argv[4]), int(argv[5])
        if not (0 <= x < w and 0 <= y < h):
            raise SystemExit("poke: %d,%d is outside %dx%d" % (x, y, w, h))
        o = (y * w + x) * 3
        rgb[o:o + 3] = bytes(255 - v for v in rgb[o:o + 3])
        write_ppm(argv[3], w, h, rgb)
    elif cmd == "diff" and len(argv) == 4:
        wa, ha, a = read_ppm(argv[2])
        wb, hb, b = read_ppm(argv[3])
        if (wa, ha) != (wb, hb):
            raise SystemExit("diff: %dx%d against %dx%d" % (wa, ha, wb, hb))
        print(sum(a[i:i + 3] != b[i:i + 3] for i in range(0, len(a), 3)))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
