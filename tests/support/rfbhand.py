#!/usr/bin/env python3
"""Raw-socket RFB client for handshake tests.

    rfbhand.py [--split] [--expect WxH] [--host H] PORT VERSION

VERSION is 3.3, 3.5, 3.7, 3.8 or "garbage".  With a real version it does
the handshake with security type None (rfbproto 7.1-7.3), sends ClientInit
(shared), checks ServerInit, then asks for the whole screen in Raw and
checks that the FramebufferUpdate covers it with the right byte counts.
With "garbage" it sends a bogus ProtocolVersion and expects the server to
close the connection.  --split sends every message one byte at a time.
Exit 0 with a one-line summary, 1 with the reason.
"""
import argparse
import socket
import struct
import sys
import time

TIMEOUT = 10


class Fail(Exception):
    pass


class Conn:
    def __init__(self, host, port, split):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.split = split

    def send(self, data):
        if not self.split:
            self.sock.sendall(data)
            return
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            time.sleep(0.005)

    def recv(self, n, what):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise Fail("timeout reading %s (%d of %d bytes)"
                           % (what, len(buf), n))
            except ConnectionError as e:
                raise Fail("connection error reading %s: %s" % (what, e))
            if not chunk:
                raise Fail("server closed the connection while sending %s "
                           "(%d of %d bytes)" % (what, len(buf), n))
            buf += chunk
        return buf

    def u8(self, what):
        return self.recv(1, what)[0]

    def u16(self, what):
        return struct.unpack(">H", self.recv(2, what))[0]

    def u32(self, what):
        return struct.unpack(">I", self.recv(4, what))[0]

    def reason(self, what):
        n = self.u32(what + " reason length")
        if n > 65536:
            raise Fail("%s: absurd reason length %d" % (what, n))
        return self.recv(n, what + " reason").decode("utf-8", "replace")


def server_version(c):
    v = c.recv(12, "ProtocolVersion")
    if v != b"RFB 003.008\n":
        raise Fail("server version %r, expected 'RFB 003.008\\n'" % v)


def security_33(c):
    """rfbproto 7.1.2, version 3.3: the server decides the type."""
    t = c.u32("security type")
    if t == 0:
        raise Fail("server refused: %s" % c.reason("connection failed"))
    if t != 1:
        raise Fail("3.3 security type %d, expected 1 (None)" % t)
    return "None (3.3 style)"


def security_37(c, minor):
    """rfbproto 7.1.2, versions 3.7 and 3.8: the client picks."""
    n = c.u8("number of security types")
    if n == 0:
        raise Fail("server refused: %s" % c.reason("connection failed"))
    types = list(c.recv(n, "security types"))
    if 1 not in types:
        raise Fail("security types %s lack None (1)" % types)
    c.send(bytes([1]))
    if minor == 8:
        # 7.1.3 SecurityResult, sent for None only since 3.8
        r = c.u32("SecurityResult")
        if r != 0:
            raise Fail("SecurityResult %d: %s"
                       % (r, c.reason("SecurityResult")))
    return "None of %s" % types


def check_pixel_format(pf):
    bpp, depth, be, tc, rmax, gmax, bmax, rs, gs, bs = pf
    if bpp not in (8, 16, 32):
        raise Fail("bits-per-pixel %d" % bpp)
    if not 0 < depth <= bpp:
        raise Fail("depth %d for %d bpp" % (depth, bpp))
    # rfbproto 7.4: the flags are "non-zero (true)"; libvncserver sends 255
    if not tc:
        return
    used = 0
    for mx, sh, name in ((rmax, rs, "red"), (gmax, gs, "green"),
                         (bmax, bs, "blue")):
        if mx == 0 or mx & (mx + 1):
            raise Fail("%s-max %d is not 2^n-1" % (name, mx))
        if (mx << sh) >> bpp:
            raise Fail("%s max %d << %d exceeds %d bpp" % (name, mx, sh, bpp))
        if used & (mx << sh):
            raise Fail("%s channel overlaps another" % name)
        used |= mx << sh


def server_init(c, expect):
    """rfbproto 7.3.2 ServerInit."""
    w, h = c.u16("width"), c.u16("height")
    pf = struct.unpack(">BBBBHHHBBBxxx", c.recv(16, "pixel format"))
    n = c.u32("name length")
    if n > 4096:
        raise Fail("desktop name length %d" % n)
    name = c.recv(n, "desktop name").decode("utf-8", "replace")
    check_pixel_format(pf)
    if expect and (w, h) != expect:
        raise Fail("ServerInit says %dx%d, expected %dx%d"
                   % (w, h, expect[0], expect[1]))
    if w == 0 or h == 0:
        raise Fail("empty framebuffer %dx%d" % (w, h))
    return w, h, pf, name


def skip_message(c, t):
    """Skip a server message that is not a FramebufferUpdate."""
    if t == 1:  # SetColourMapEntries
        c.recv(1, "pad")
        c.u16("first colour")
        c.recv(6 * c.u16("colour count"), "colours")
    elif t == 2:  # Bell
        pass
    elif t == 3:  # ServerCutText
        c.recv(3, "pad")
        c.recv(c.u32("cut text length"), "cut text")
    else:
        raise Fail("unknown server message type %d" % t)


def read_update(c, w, h, bpp):
    """rfbproto 7.6.1 FramebufferUpdate, Raw rectangles only."""
    t = c.u8("message type")
    while t != 0:
        skip_message(c, t)
        t = c.u8("message type")
    c.recv(1, "pad")
    nrects = c.u16("number of rectangles")
    covered = bytearray(w * h)
    total = 0
    for i in range(nrects):
        x, y, rw, rh, enc = struct.unpack(">HHHHi", c.recv(12, "rect"))
        if enc != 0:
            raise Fail("rect %d encoding %d, only Raw (0) was allowed"
                       % (i, enc))
        if x + rw > w or y + rh > h:
            raise Fail("rect %d %dx%d+%d+%d exceeds %dx%d"
                       % (i, rw, rh, x, y, w, h))
        c.recv(rw * rh * bpp // 8, "Raw pixels of rect %d" % i)
        total += rw * rh * bpp // 8
        for row in range(y, y + rh):
            covered[row * w + x:row * w + x + rw] = b"\1" * rw
    missing = w * h - sum(covered)
    if missing:
        raise Fail("update of %d rects leaves %d pixels uncovered"
                   % (nrects, missing))
    return nrects, total


def check_quiet(c):
    """Nothing was requested after the update: anything more must at least
    parse as a server message, or the byte counts were wrong."""
    c.sock.settimeout(0.5)
    try:
        extra = c.sock.recv(1)
    except socket.timeout:
        return
    finally:
        c.sock.settimeout(TIMEOUT)
    if extra and extra[0] > 3:
        raise Fail("byte 0x%02x after the update: wrong byte count?"
                   % extra[0])


def handshake(c, version, expect):
    server_version(c)
    c.send(("RFB 003.00%s\n" % version[-1]).encode())
    minor = int(version[-1])
    if minor in (3, 5):
        # 7.1.1: unknown minor versions like 3.5 must be treated as 3.3
        sec = security_33(c)
    else:
        sec = security_37(c, minor)
    c.send(bytes([1]))  # ClientInit, shared
    w, h, pf, name = server_init(c, expect)
    bpp = pf[0]
    # SetEncodings [Raw], then a non-incremental request for everything
    c.send(struct.pack(">BxHi", 2, 1, 0))
    c.send(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
    nrects, nbytes = read_update(c, w, h, bpp)
    check_quiet(c)
    return ("RFB %s: security %s, %dx%d %dbpp depth %d, name %r, update "
            "%d rects %d bytes" % (version, sec, w, h, bpp, pf[1], name,
                                   nrects, nbytes))


def garbage(c):
    server_version(c)
    c.send(b"GARBAGE!!!!\n")
    c.sock.settimeout(5)
    got = b""
    try:
        while True:
            chunk = c.sock.recv(4096)
            if not chunk:
                return ("garbage version: connection closed after %d bytes"
                        % len(got))
            got += chunk
    except socket.timeout:
        raise Fail("server kept the connection open 5 s after a garbage "
                   "version (sent %r)" % got[:64])
    except ConnectionError:
        return "garbage version: connection reset"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("version", choices=["3.3", "3.5", "3.7", "3.8",
                                        "garbage"])
    ap.add_argument("--expect", help="expected WxH")
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    expect = tuple(int(v) for v in a.expect.split("x")) if a.expect else None
    try:
        c = Conn(a.host, a.port, a.split)
        if a.version == "garbage":
            msg = garbage(c)
        else:
            msg = handshake(c, a.version, expect)
    except (Fail, OSError) as e:
        print("rfbhand: FAIL %s%s: %s" % (a.version, " split" * a.split, e))
        return 1
    print("rfbhand: ok %s%s" % (msg, " (sent byte by byte)" * a.split))
    return 0


if __name__ == "__main__":
    sys.exit(main())
