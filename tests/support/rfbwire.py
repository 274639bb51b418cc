#!/usr/bin/env python3
"""A viewer that asks for everything, for the memcheck test: it makes the
server send every kind of message it has, in a given encoding and pixel
format, and only drains what comes (valgrind, not this client, judges the
bytes).

    rfbwire.py PORT --encoding NAME --format NAME [--cursor KIND]
               [--quality N] [--password PASS] [--wait-for FILE]
               [--timeout S]

After the RFB 3.8 handshake (None, or VNC Authentication with --password)
it sets the pixel format (32le, 32be, 16, 15be, 8, cmap: 8-bit colour map)
and announces NAME (raw, rre, corre, hextile, zlib, tight, trle, zrle,
zywrle), CopyRect, a cursor pseudo-encoding (alpha, rich, x or none), the
pointer position, DesktopSize, ExtendedDesktopSize, DesktopName,
LastRect, Fence, ContinuousUpdates, the QEMU keys and LEDs,
ExtendedMouseButtons, the Extended Clipboard and a compression level (and
a quality level with --quality).  It prints "ready" after the first
update, then sends a Fence request with a payload, SetDesktopSizes (one
invalid), pointer moves and a ClientCutText, and turns continuous updates
on until FILE exists (at most S seconds, default 60); then off, asking for
updates itself for two more seconds, reading all the while.  Exit 0 with
the byte count when the server kept the connection and sent something, 1
otherwise.
"""

import argparse
import os
import select
import struct
import sys
import time

import rfbraw
from rfbraw import Fail

ENCODINGS = {"raw": 0, "rre": 2, "corre": 4, "hextile": 5, "zlib": 6,
             "tight": 7, "trle": 15, "zrle": 16, "zywrle": 17}
COPYRECT = 1
CURSORS = {"alpha": [-314], "rich": [-239], "x": [-240], "none": []}
PSEUDO = [-232, rfbraw.DESKTOP_SIZE, rfbraw.EXT_DESKTOP_SIZE, -307,
          rfbraw.LAST_RECT, -312, -313, rfbraw.QEMU_EXT_KEY,
          rfbraw.QEMU_LED_STATE, rfbraw.EXT_MOUSE_BUTTONS,
          rfbraw.EXT_CLIPBOARD]
# bpp, depth, big endian, true colour, maxes, shifts
FORMATS = {
    "32le": (32, 24, False, True, (255, 255, 255), (16, 8, 0)),
    "32be": (32, 24, True, True, (255, 255, 255), (0, 8, 16)),
    "16": (16, 16, False, True, (31, 63, 31), (11, 5, 0)),
    "15be": (16, 15, True, True, (31, 31, 31), (10, 5, 0)),
    "8": (8, 8, False, True, (7, 7, 3), (0, 3, 6)),
    "cmap": (8, 8, False, False, (0, 0, 0), (0, 0, 0)),
}


class Drain:
    def __init__(self, conn):
        self.c = conn
        self.bytes = 0

    def run(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.c.sock], [], [], min(left, 0.2))
            if not r:
                continue
            data = self.c.sock.recv(1 << 20)
            if not data:
                raise Fail("server closed the connection after %d bytes"
                           % self.bytes)
            self.bytes += len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--encoding", required=True, choices=ENCODINGS)
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("--cursor", default="rich", choices=CURSORS)
    ap.add_argument("--quality", type=int)
    ap.add_argument("--password")
    ap.add_argument("--wait-for")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()

    c = rfbraw.Conn(a.port, timeout=60)
    c.handshake(password=a.password)
    bpp, depth, be, tc, maxes, shifts = FORMATS[a.format]
    c.set_pixel_format(bpp, depth, tc, be, maxes, shifts)
    encs = [ENCODINGS[a.encoding], COPYRECT] + CURSORS[a.cursor] + PSEUDO
    encs.append(-256 + 6)
    if a.quality is not None:
        encs.append(-32 + a.quality)
    c.set_encodings(encs)
    c.request(incremental=False)
    d = Drain(c)
    d.run(1)
    print("ready", flush=True)

    # rfbproto 7.5.8 ClientFence: a request, all flags, with a payload
    c.send(struct.pack(">BxxxIB", 248, 0x80000007, 10) + b"wire-fence")
    # 7.5.9 SetDesktopSize: the current size, then an empty screen
    c.set_desktop_size(c.width, c.height, [(0, 0, 0, c.width, c.height, 0)])
    c.set_desktop_size(c.width, c.height, [(1, 0, 0, 0, 0, 0)])
    for i in range(8):
        c.send(struct.pack(">BBHH", 5, 0, 10 + 9 * i, 20 + 7 * i))
    text = b"rfbwire %s %s" % (a.encoding.encode(), a.format.encode())
    c.send(struct.pack(">BxxxI", 6, len(text)) + text)
    d.run(1)

    # 7.5.7 EnableContinuousUpdates: on for a while, then off
    c.send(struct.pack(">BBHHHH", 150, 1, 0, 0, c.width, c.height))
    end = time.monotonic() + a.timeout
    while a.wait_for and not os.path.exists(a.wait_for):
        if time.monotonic() > end:
            raise Fail("%s did not appear in %g s" % (a.wait_for, a.timeout))
        d.run(0.2)
    c.send(struct.pack(">BBHHHH", 150, 0, 0, 0, c.width, c.height))
    end = time.monotonic() + 2
    n = 0
    while time.monotonic() < end:
        c.request(incremental=n % 8 != 0)
        n += 1
        d.run(0.3)
    d.run(1)
    c.close()
    if d.bytes == 0:
        raise Fail("nothing arrived")
    print("rfbwire %s %s: %d bytes" % (a.encoding, a.format, d.bytes))


if __name__ == "__main__":
    try:
        main()
    except (Fail, rfbraw.Closed, OSError) as e:
        print("rfbwire: %s" % e, file=sys.stderr)
        sys.exit(1)
