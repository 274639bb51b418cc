#!/usr/bin/env python3
"""Raw-socket probe of the RFB security handshake (rfbproto 7.1.1-7.1.3),
for tests that must see exactly what the server offers and how it refuses.

    rfbsec.py [--host H] [--bind ADDR] [--unix PATH] [--version V]
              [--pick TYPE] [--init [--exclusive] [--pause S]] PORT

Prints one line per step, for the test to match:

    offered: 2 19          the 3.7/3.8 list of security types
    type: 2                the type a 3.3 server decided on
    refused: REASON        no types (3.7/3.8) or type 0 (3.3), and why
    result: ok             SecurityResult 0 after --pick
    result: failed: WHY    SecurityResult 1 (3.8 carries a reason)
    init: WxH "NAME"       ServerInit, with --init after type None
                           (ClientInit asks to share, or with
                           --exclusive for exclusive access; --pause
                           waits S seconds before ClientInit)
    update: N rects, WxH covered
    closed                 the server then closed the connection

--bind sets the source address (say 127.0.0.2, to come from another
loopback address).  Exit 0 when the server followed the protocol,
whatever it decided; 1 with the reason when it did not.
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
    def __init__(self, a):
        if a.unix:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(TIMEOUT)
            self.sock.connect(a.unix)
            return
        family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        if a.bind:
            self.sock.bind((a.bind, 0))
        self.sock.connect((a.host, a.port))

    def send(self, data):
        self.sock.sendall(data)

    def recv(self, n, what):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise Fail("timeout reading %s (%d of %d bytes)"
                           % (what, len(buf), n))
            except ConnectionError as e:
                raise Fail("%s while reading %s" % (e, what))
            if not chunk:
                raise Fail("connection closed while reading %s (%d of %d "
                           "bytes)" % (what, len(buf), n))
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

    def closed(self):
        """True if the server closes within 5 s without sending more."""
        self.sock.settimeout(5)
        try:
            extra = self.sock.recv(64)
        except socket.timeout:
            return False
        except ConnectionError:
            return True
        if extra:
            raise Fail("unexpected bytes after the refusal: %r" % extra)
        return True


def say(line):
    print(line, flush=True)


def server_init(c, shared, pause):
    """rfbproto 7.3: ClientInit, ServerInit, one Raw update."""
    if pause:
        say("paused")
        time.sleep(pause)
    c.send(b"\x01" if shared else b"\x00")
    c.sock.settimeout(5)
    try:
        first = c.sock.recv(1, socket.MSG_PEEK)
    except socket.timeout:
        raise Fail("no ServerInit within 5 s of ClientInit")
    except ConnectionError:
        first = b""
    c.sock.settimeout(TIMEOUT)
    if not first:
        say("closed")
        return
    w, h = c.u16("width"), c.u16("height")
    bpp = c.recv(16, "pixel format")[0]
    name = c.recv(c.u32("name length"), "name").decode("utf-8", "replace")
    say('init: %dx%d "%s"' % (w, h, name))
    c.send(struct.pack(">BxHi", 2, 1, 0))
    c.send(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
    t = c.u8("message type")
    if t != 0:
        raise Fail("server message %d before the first update" % t)
    c.recv(1, "pad")
    covered = 0
    n = c.u16("number of rectangles")
    for i in range(n):
        x, y, rw, rh, enc = struct.unpack(">HHHHi", c.recv(12, "rect"))
        if enc != 0 or x + rw > w or y + rh > h:
            raise Fail("rect %d: %dx%d+%d+%d encoding %d" % (i, rw, rh, x,
                                                          y, enc))
        c.recv(rw * rh * bpp // 8, "pixels")
        covered += rw * rh
    if covered != w * h:
        raise Fail("the update covers %d of %d pixels" % (covered, w * h))
    say("update: %d rects, %dx%d covered" % (n, w, h))


def security_result(c, minor):
    r = c.u32("SecurityResult")
    if r == 0:
        say("result: ok")
        return True
    why = c.reason("SecurityResult") if minor >= 8 else ""
    say("result: failed: %s" % why)
    return False


def run(a):
    c = Conn(a)
    v = c.recv(12, "ProtocolVersion")
    if not v.startswith(b"RFB 003."):
        raise Fail("server version %r" % v)
    minor = int(a.version[-1])
    c.send(b"RFB 003.00%d\n" % minor)
    if minor == 3:
        t = c.u32("security type")
        if t == 0:
            say("refused: %s" % c.reason("connection failed"))
            if c.closed():
                say("closed")
            return
        say("type: %d" % t)
        if t == 1 and a.init:
            server_init(c, not a.exclusive, a.pause)
        return
    n = c.u8("number of security types")
    if n == 0:
        say("refused: %s" % c.reason("connection failed"))
        if c.closed():
            say("closed")
        return
    types = list(c.recv(n, "security types"))
    say("offered: %s" % " ".join(str(t) for t in types))
    if a.pick is None:
        return
    c.send(bytes([a.pick]))
    if minor == 7 and a.pick not in types:
        # 3.7 has no way to say why: the server just closes
        if not c.closed():
            raise Fail("still open 5 s after picking type %d" % a.pick)
        say("closed")
        return
    if a.pick == 1 and minor == 7:
        ok = True   # 3.7 sends no SecurityResult for None
    else:
        ok = security_result(c, minor)
    if ok and a.pick == 1 and a.init:
        server_init(c, not a.exclusive, a.pause)
    elif not ok and c.closed():
        say("closed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int, nargs="?", default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--bind")
    ap.add_argument("--unix")
    ap.add_argument("--version", default="3.8",
                    choices=["3.3", "3.7", "3.8"])
    ap.add_argument("--pick", type=int)
    ap.add_argument("--init", action="store_true")
    ap.add_argument("--exclusive", action="store_true")
    ap.add_argument("--pause", type=float, default=0)
    a = ap.parse_args()
    try:
        run(a)
    except (Fail, OSError) as e:
        say("rfbsec: FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
