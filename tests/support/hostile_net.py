#!/usr/bin/env python3
"""Hostile clients at the transport level: the "Transport and flow
control" cases of hostile-inputs.md (WebSocket upgrade and framing, resets
and half-closes in the middle of updates, a viewer reading at 1 KB/s).

    hostile_net.py --port P --log SERVER_LOG [--list] [CASE...]

Each case checks the reaction on the wire (an HTTP status, a WebSocket
Close code, a close, the same RFB bytes as over plain TCP) and, with
--log, the server's log line for each connection it opened.  Slow cases
(timeouts, the slow reader) run side by side with the others.  Prints
"NAME: ok: WHAT" or "NAME: FAIL: WHY"; exit 0 if every case passed.
"""
import argparse
import base64
import concurrent.futures
import os
import re
import select
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rfbraw  # noqa: E402
from rfbraw import Fail  # noqa: E402

HOST = "127.0.0.1"
OUT_FRAME = 65536  # NET_WS_OUT_FRAME: the server's largest data frame
HTTP_TIMEOUT = 10  # NET_HTTP_DEFAULT_TIMEOUT_MS
_logs = threading.local()


def expect_log(peer, regex):
    """The server must log one line closing `peer`, matching regex."""
    if not hasattr(_logs, "items"):
        _logs.items = []
    _logs.items.append((peer, regex))


def take_logs():
    items = getattr(_logs, "items", [])
    _logs.items = []
    return items


def peer_of(sock):
    a = sock.getsockname()
    return "%s:%d" % (a[0], a[1])


# HTTP and WebSocket clients come from another loopback address: the
# server gives an address that spoke HTTP lately longer to speak first,
# which would slow down the RFB cases from HOST.
HTTP_SOURCE = "127.0.0.2"


def connect(port, timeout=10, source=HTTP_SOURCE):
    s = socket.create_connection((HOST, port), timeout=timeout,
                                 source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_closed(s, seconds):
    """All bytes until the server closes; Fail if it stays open."""
    s.settimeout(seconds)
    data = b""
    end = time.monotonic() + seconds
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            raise Fail("still open %g s later (got %d bytes)"
                       % (seconds, len(data)))
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
        if time.monotonic() > end:
            raise Fail("still sending %g s later" % seconds)


# ---- HTTP upgrade ----

def upgrade_request(key=True, extra=""):
    k = base64.b64encode(os.urandom(16)).decode()
    return ("GET /websockify HTTP/1.1\r\nHost: localhost\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + ("Sec-WebSocket-Key: %s\r\n" % k if key else "")
            + "Sec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: binary\r\n" + extra + "\r\n").encode()


def http_status(data):
    m = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return int(m.group(1)) if m else None


def case_upgrade_no_key(port):
    s = connect(port)
    expect_log(peer_of(s), r"HTTP GET /websockify -> 400 .*Sec-WebSocket-Key")
    s.sendall(upgrade_request(key=False))
    st = http_status(read_until_closed(s, 5))
    if st != 400:
        raise Fail("answer %s, expected 400" % st)
    return "400, closed"


def case_upgrade_huge_head(port):
    s = connect(port)
    expect_log(peer_of(s), r"HTTP - - -> 431 .*request head over 8192")
    pad = "".join("X-Pad-%d: %s\r\n" % (i, "a" * 100) for i in range(100))
    try:
        s.sendall(upgrade_request(extra=pad))
    except (BrokenPipeError, ConnectionResetError):
        pass
    st = http_status(read_until_closed(s, 5))
    if st not in (400, 431):
        raise Fail("answer %s to a 10 KiB head, expected 400/431" % st)
    return "%d, closed" % st


def case_upgrade_no_blank_line(port):
    s = connect(port)
    expect_log(peer_of(s), r"HTTP request incomplete after \d+ ms")
    s.sendall(upgrade_request()[:-2])
    t = time.monotonic()
    data = read_until_closed(s, HTTP_TIMEOUT + 5)
    if data:
        raise Fail("answer %r to an unfinished head" % data[:40])
    return "closed after %.1f s" % (time.monotonic() - t)


def case_upgrade_stalled(port):
    s = connect(port)
    expect_log(peer_of(s), r"HTTP request incomplete after \d+ ms")
    s.sendall(b"GET /websockify HTTP/1.1\r\nHost: lo")
    t = time.monotonic()
    data = read_until_closed(s, HTTP_TIMEOUT + 5)
    if data:
        raise Fail("answer %r to a stalled request" % data[:40])
    return "closed after %.1f s" % (time.monotonic() - t)


# ---- WebSocket framing ----

def frame(opcode, payload, fin=True, mask=True, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        hdr = struct.pack(">BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        hdr = struct.pack(">BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        hdr = struct.pack(">BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Ws:
    """A WebSocket client over a socket, offering recv/sendall/settimeout
    like one, so that rfbraw.Conn can speak RFB through it."""

    def __init__(self, port, split=False, tls=False):
        self.raw = connect(port)
        if tls:  # wss://: the server's certificate is not checked
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            self.raw = ctx.wrap_socket(self.raw)
        self.split = split  # send RFB bytes in odd pieces
        self.buf = b""
        self.frames = []  # (opcode, payload length) of server frames
        self.close_code = None
        self.raw.sendall(upgrade_request())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.raw.recv(1)
            if not c:
                raise Fail("closed during the upgrade: %r" % head)
            head += c
        if http_status(head) != 101:
            raise Fail("upgrade answered %r" % head[:40])

    def getsockname(self):
        return self.raw.getsockname()

    def settimeout(self, t):
        self.raw.settimeout(t)

    def setsockopt(self, *a):
        self.raw.setsockopt(*a)

    def close(self):
        self.raw.close()

    def send_raw(self, data):
        self.raw.sendall(data)

    def sendall(self, data):
        if not self.split:
            self.raw.sendall(frame(2, data))
            return
        # a message of several frames: continuations, a ping between,
        # and each frame's header itself split across writes
        pieces = [data[i:i + 3] for i in range(0, len(data), 3)] or [b""]
        for i, p in enumerate(pieces):
            f = frame(2 if i == 0 else 0, p, fin=i == len(pieces) - 1)
            self.raw.sendall(f[:1])
            time.sleep(0.002)
            self.raw.sendall(f[1:])
            if i == 0 and len(pieces) > 1:
                self.raw.sendall(frame(9, b"hi"))

    def _exact(self, n):
        out = b""
        while len(out) < n:
            c = self.raw.recv(n - len(out))
            if not c:
                raise ConnectionResetError("EOF inside a frame")
            out += c
        return out

    def read_frame(self):
        """(opcode, payload) of the server's next frame."""
        b0, b1 = self._exact(2)
        if b1 & 0x80:
            raise Fail("the server masked a frame")
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack(">H", self._exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._exact(8))[0]
        payload = self._exact(n)
        self.frames.append((b0 & 0x0f, n))
        return b0 & 0x0f, payload

    def recv(self, n):
        while not self.buf:
            try:
                op, p = self.read_frame()
            except ConnectionResetError:
                return b""
            if op in (0, 1, 2):
                self.buf += p
            elif op == 8:
                self.close_code = struct.unpack(">H", p[:2])[0] if p else 0
                return b""
            elif op == 9:
                self.raw.sendall(frame(10, p))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def expect_close(ws, codes, what):
    """After a bad frame: the server's Close with one of codes, then the
    end of the connection."""
    ws.settimeout(5)
    try:
        while True:
            op, p = ws.read_frame()
            if op == 8:
                break
    except ConnectionResetError:
        raise Fail("closed without a Close frame after %s" % what)
    except socket.timeout:
        raise Fail("no Close frame 5 s after %s" % what)
    code = struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None
    if code not in codes:
        raise Fail("Close code %s after %s, expected %s" % (code, what, codes))
    read_until_closed(ws.raw, 5)
    return code


def ws_bad(port, data, codes, what, regex):
    ws = Ws(port)
    expect_log(peer_of(ws), r"closed: WebSocket: " + regex)
    ws.send_raw(data)
    return "Close %d, closed" % expect_close(ws, codes, what)


def case_ws_unmasked(port):
    return ws_bad(port, frame(2, b"RFB 003.008\n", mask=False), (1002,),
                  "an unmasked frame", "unmasked client frame")


def case_ws_long_control(port):
    return ws_bad(port, frame(9, b"p" * 126), (1002,),
                  "a 126-byte ping", "control frame longer")


def case_ws_unknown_opcode(port):
    return ws_bad(port, frame(3, b"x"), (1002,), "opcode 3",
                  "unknown opcode 3")


def case_ws_fragmented_control(port):
    return ws_bad(port, frame(9, b"p", fin=False), (1002,),
                  "a ping without FIN", "fragmented control frame")


def case_ws_length_top_bit(port):
    return ws_bad(port, frame(2, b"", length=1 << 63), (1002, 1009),
                  "a 2^63-byte frame", "64-bit frame length")


def case_ws_length_over_cap(port):
    return ws_bad(port, frame(2, b"", length=1 << 40), (1002, 1009),
                  "a 1 TiB frame", r"frame of \d+ bytes \(cap")


def case_ws_close_echoed(port):
    ws = Ws(port)
    expect_log(peer_of(ws), r"closed: ")
    ws.send_raw(frame(8, struct.pack(">H", 1000) + b"bye"))
    return "Close %d echoed, closed" % expect_close(ws, (1000,),
                                                    "our Close")


# ---- the same RFB stream as over TCP ----

def full_raw(c):
    """A non-incremental full-screen update in Raw: its pixels."""
    c.set_encodings([0])
    c.request(incremental=False)
    while True:
        m = c.read_message()
        if m.type == 0 and m.rects:
            r = m.rects[0]
            if (r.x, r.y, r.w, r.h) == (0, 0, c.width, c.height):
                return r.pixels


def case_ws_same_stream(port):
    """RFB through WebSocket, sent in three-byte continuation frames with
    split headers and a ping, read back from frames no larger than the
    server's cap: the same framebuffer as a plain TCP client sees (but
    for the top rows, where the animation runs)."""
    ws = Ws(port, split=True)
    w = rfbraw.Conn.__new__(rfbraw.Conn)
    w.sock, w.width, w.height, w.bpp, w.name = ws, 0, 0, 32, ""
    w.handshake()
    t = rfbraw.Conn(port)
    t.handshake()
    pw, pt = full_raw(w), full_raw(t)
    skip = 64 * w.width * 4
    if pw[skip:] != pt[skip:]:
        raise Fail("the WebSocket client's picture differs from TCP's")
    big = [n for op, n in ws.frames if n > OUT_FRAME]
    if big:
        raise Fail("server frames over %d bytes: %s" % (OUT_FRAME, big))
    nframes = len([1 for op, n in ws.frames if op in (0, 2)])
    w.close()
    t.close()
    return "%d-byte update in %d frames, same as TCP" % (len(pw), nframes)


# ---- TCP: resets and half-closes ----

def session(port, encs):
    c = rfbraw.Conn(port)
    c.handshake()
    c.set_encodings(encs)
    c.request(incremental=False)
    return c


def case_rst_mid_update(port):
    """A reset while updates are under way, in each stateful encoding
    (zlib streams to free)."""
    n = 0
    for encs in ([0], [16], [7], [6], [15], [5], [16, 7, 6]):
        c = session(port, encs)
        expect_log(c.local, r"closed: .*(reset|disconnected|failed)")
        c.recv(20, "the start of an update")
        c.reset()
        n += 1
    return "%d resets mid-update" % n


def case_wss_rst_mid_update(port):
    """The same through TLS and WebSocket (the server has -cert/-key):
    its TLS session, WebSocket and zlib states are freed (the shell
    checks the descriptors and the memory)."""
    n = 0
    for encs in ([0], [16], [7]):
        ws = Ws(port, tls=True)
        ws.settimeout(10)
        c = rfbraw.Conn.__new__(rfbraw.Conn)
        c.sock, c.width, c.height, c.bpp, c.name = ws, 0, 0, 32, ""
        c.handshake()
        expect_log(peer_of(ws), r"closed: .*(reset|disconnected|failed)")
        c.set_encodings(encs)
        c.request(incremental=False)
        c.recv(20, "the start of an update")
        ws.raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, 0))
        ws.raw.close()
        n += 1
    return "%d resets mid-update through wss" % n


def case_half_close(port):
    """We stop writing (FIN) but still read: the server sees the end of
    our stream, says so, and closes; no SIGPIPE."""
    c = session(port, [16])
    expect_log(c.local, r"closed: client disconnected")
    c.recv(4, "the start of an update")
    c.sock.shutdown(socket.SHUT_WR)
    read_until_closed(c.sock, 5)
    return "closed after our FIN"


def case_half_close_then_rst(port):
    c = session(port, [0])
    expect_log(c.local, r"closed: ")
    c.sock.shutdown(socket.SHUT_WR)
    time.sleep(0.05)
    c.reset()
    return "reset after our FIN"


# ---- flow control ----

class Replay:
    """Bytes already received, offered as a socket to rfbraw.Conn."""

    def __init__(self, data):
        self.data = data

    def recv(self, n):
        out, self.data = self.data[:n], self.data[n:]
        return out


def case_slow_reader(port):
    """A viewer that reads 1 KiB a second for 15 s while the screen
    changes, asking for an update each second: its updates coalesce --
    never more updates than requests, the server's memory stays put (the
    shell checks that) -- and all it gets parses as RFB."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((HOST, port))
    c = rfbraw.Conn.__new__(rfbraw.Conn)
    c.sock, c.width, c.height, c.bpp, c.name = s, 0, 0, 32, ""
    c.handshake()
    expect_log(c.local, r"closed: client disconnected")
    c.set_encodings([0])
    c.request(incremental=False)
    got = b""
    nreq = 1
    for _ in range(15):
        c.request(incremental=True)
        nreq += 1
        got += s.recv(1024)
        time.sleep(1)
    # Catch up at full speed.
    s.settimeout(3)
    slow = len(got)
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise Fail("dropped after %d bytes" % len(got))
            got += chunk
    except socket.timeout:
        pass
    s.close()
    r = rfbraw.Conn.__new__(rfbraw.Conn)
    r.sock, r.width, r.height, r.bpp = Replay(got), c.width, c.height, 32
    updates = 0
    while r.sock.data:
        if r.read_message().type == 0:
            updates += 1
    if updates > nreq:
        raise Fail("%d updates for %d requests" % (updates, nreq))
    return ("read %d bytes at 1 KiB/s, then %d; %d updates for %d "
            "requests" % (slow, len(got) - slow, updates, nreq))


CASES = {
    "upgrade_no_key": case_upgrade_no_key,
    "upgrade_huge_head": case_upgrade_huge_head,
    "upgrade_no_blank_line": case_upgrade_no_blank_line,
    "upgrade_stalled": case_upgrade_stalled,
    "ws_unmasked": case_ws_unmasked,
    "ws_long_control": case_ws_long_control,
    "ws_unknown_opcode": case_ws_unknown_opcode,
    "ws_fragmented_control": case_ws_fragmented_control,
    "ws_length_top_bit": case_ws_length_top_bit,
    "ws_length_over_cap": case_ws_length_over_cap,
    "ws_close_echoed": case_ws_close_echoed,
    "ws_same_stream": case_ws_same_stream,
    "rst_mid_update": case_rst_mid_update,
    "wss_rst_mid_update": case_wss_rst_mid_update,
    "half_close": case_half_close,
    "half_close_then_rst": case_half_close_then_rst,
    "slow_reader": case_slow_reader,
}
SLOW = {"upgrade_no_blank_line", "upgrade_stalled", "slow_reader"}


def closing_lines(path, peer):
    pat = re.compile(r"(^|\s)%s: (closed|HTTP)" % re.escape(peer))
    with open(path, errors="replace") as f:
        return [ln.rstrip("\n") for ln in f if pat.search(ln)
                and not re.search(r"-> 101 ", ln)]


def check_logs(path, expects, seconds=5):
    for peer, rx in expects:
        end = time.monotonic() + seconds
        while True:
            lines = closing_lines(path, peer)
            if len(lines) == 1 and re.search(rx, lines[0]):
                break
            if time.monotonic() > end:
                raise Fail("server log for %s: expected one line "
                           "matching /%s/, got %s" % (peer, rx, lines))
            time.sleep(0.1)


def run(name, port, log):
    t = time.monotonic()
    try:
        what = CASES[name](port)
        if log:
            check_logs(log, take_logs())
        return "%s: ok: %s (%.1f s)" % (name, what, time.monotonic() - t)
    except Exception as e:  # noqa: BLE001 -- every failure is reported
        take_logs()
        return "%s: FAIL: %s: %s" % (name, type(e).__name__, e)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log")
    p.add_argument("--list", action="store_true")
    p.add_argument("cases", nargs="*")
    a = p.parse_args()
    if a.list:
        print("\n".join(CASES))
        return 0
    names = a.cases or list(CASES)
    for n in names:
        if n not in CASES:
            print("no such case: %s" % n)
            return 2
    slow = [n for n in names if n in SLOW]
    with concurrent.futures.ThreadPoolExecutor(max(1, len(slow))) as ex:
        futs = [ex.submit(run, n, a.port, a.log) for n in slow]
        results = [run(n, a.port, a.log) for n in names if n not in SLOW]
        results += [f.result() for f in futs]
    for r in results:
        print(r)
    sys.stdout.flush()
    return 0 if all(": ok: " in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
