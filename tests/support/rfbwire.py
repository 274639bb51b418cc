#!/usr/bin/env python3
"""A viewer that asks for everything, for the memcheck test: it makes the
server send every kind of message it has, in a given encoding and pixel
format, and only drains what comes (valgrind, not this client, judges the
bytes).

    rfbwire.py PORT --encoding NAME --format NAME [--cursor KIND]
               [--quality N] [--password PASS] [--wait-for FILE]
               [--timeout S] [--ws | --wss] [--bind ADDR]
    rfbwire.py PORT --http [--bind ADDR]

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

--ws and --wss speak RFB inside WebSocket binary frames (RFC 6455, after
an HTTP upgrade; wss over TLS, any certificate), with a Ping along the
way and a Close at the end.  --http asks the web server on the VNC port
for a page, a missing file and a bad request, and needs answers to all.
--bind sets the source address (the server waits longer for the first
bytes from an address a browser came from: keep that one for these).
"""

import argparse
import base64
import os
import socket
import ssl
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


class WsSock:
    """A socket-like WebSocket client: sendall sends one masked binary
    frame, recv returns payload bytes."""

    def __init__(self, sock, port, ctx):
        if ctx:
            sock = ctx.wrap_socket(sock)
        self.sock = sock
        self.buf = b""
        self.raw = b""
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: binary\r\n\r\n"
                      % (port, key)).encode())
        while b"\r\n\r\n" not in self.raw:
            data = sock.recv(4096)
            if not data:
                raise Fail("closed during the WebSocket upgrade")
            self.raw += data
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise Fail("upgrade refused: %r" % head[:80])

    def fileno(self):
        return self.sock.fileno()

    def settimeout(self, t):
        self.sock.settimeout(t)

    def frame(self, opcode, data):
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            head = struct.pack(">BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack(">BBH", 0x80 | opcode, 0xfe, n)
        else:
            head = struct.pack(">BBQ", 0x80 | opcode, 0xff, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def sendall(self, data):
        self.frame(2, data)

    def _fill(self, n):
        while len(self.raw) < n:
            data = self.sock.recv(1 << 16)
            if not data:
                return False
            self.raw += data
        return True

    def recv(self, n):
        while not self.buf:
            if not self._fill(2):
                return b""
            b0, b1 = self.raw[0], self.raw[1]
            n0, hl = b1 & 0x7f, 2
            if n0 == 126:
                hl = 4
            elif n0 == 127:
                hl = 10
            if not self._fill(hl):
                return b""
            if n0 == 126:
                n0 = struct.unpack(">H", self.raw[2:4])[0]
            elif n0 == 127:
                n0 = struct.unpack(">Q", self.raw[2:10])[0]
            if b1 & 0x80:
                raise Fail("the server masked a frame")
            if not self._fill(hl + n0):
                return b""
            payload = self.raw[hl:hl + n0]
            self.raw = self.raw[hl + n0:]
            op = b0 & 0x0f
            if op == 8:
                return b""
            if op in (0, 1, 2):
                self.buf += payload
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self):
        self.frame(8, struct.pack(">H", 1000))
        self.sock.settimeout(5)
        try:
            while self.recv(1 << 16):
                pass
        except OSError:
            pass
        self.sock.close()


def http(port, source):
    """Ask the web server for pages, a missing file and nonsense."""
    for req, want in (("GET /", "302"), ("GET /vnc_lite.html", "200"),
                      ("GET /nope.html", "404"),
                      ("GET /../etc/passwd", "4"),
                      ("GET / HTTP/1.1\r\nUpgrade: websocket", "4")):
        if "\r\n" not in req:
            req += " HTTP/1.1"
        s = socket.create_connection(("127.0.0.1", port), timeout=60,
                                     source_address=(source, 0))
        s.sendall(req.encode() + b"\r\nHost: x\r\n\r\n")
        got = b""
        while True:
            data = s.recv(1 << 16)
            if not data:
                break
            got += data
        s.close()
        status = got[9:12].decode("latin-1")
        if not got.startswith(b"HTTP/1.1 ") or not status.startswith(want):
            raise Fail("%r: got %r" % (req, got[:40]))
    print("rfbwire http: answers as expected")


class Drain:
    def __init__(self, conn):
        self.c = conn
        self.bytes = 0

    def run(self, seconds):
        """Read for `seconds`; short timeouts rather than select, which
        cannot see TLS records without application data."""
        sock = self.c.sock
        end = time.monotonic() + seconds
        sock.settimeout(0.2)
        try:
            while time.monotonic() < end:
                try:
                    data = sock.recv(1 << 20)
                except socket.timeout:
                    continue
                if not data:
                    raise Fail("server closed the connection after %d "
                               "bytes" % self.bytes)
                self.bytes += len(data)
        finally:
            sock.settimeout(60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--encoding", choices=ENCODINGS)
    ap.add_argument("--format", choices=FORMATS)
    ap.add_argument("--cursor", default="rich", choices=CURSORS)
    ap.add_argument("--quality", type=int)
    ap.add_argument("--password")
    ap.add_argument("--wait-for")
    ap.add_argument("--timeout", type=float, default=60)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--ws", action="store_true")
    g.add_argument("--wss", action="store_true")
    g.add_argument("--http", action="store_true")
    ap.add_argument("--bind", default="127.0.0.1")
    a = ap.parse_args()
    if a.http:
        return http(a.port, a.bind)
    if not a.encoding or not a.format:
        ap.error("--encoding and --format are needed")

    # Ready before connecting: the server decides what a connection is
    # by its first bytes, and waits for them only briefly.
    ctx = None
    if a.wss:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    c = rfbraw.Conn(a.port, timeout=60, bind=a.bind)
    if a.ws or a.wss:
        c.sock = WsSock(c.sock, a.port, ctx)
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
    if a.ws or a.wss:
        c.sock.frame(9, b"ping")
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
    print("rfbwire %s %s%s: %d bytes" % (
        a.encoding, a.format, " ws" if a.ws else " wss" if a.wss else "",
        d.bytes))


if __name__ == "__main__":
    try:
        main()
    except (Fail, rfbraw.Closed, OSError, ssl.SSLError) as e:
        print("rfbwire: %s" % e, file=sys.stderr)
        sys.exit(1)
