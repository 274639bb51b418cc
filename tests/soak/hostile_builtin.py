"""A few hostile sequences for the soak, used while the full hostile-input
suite (tests/support/hostile.py) is not there or not chosen.

Each case is fn(port, rng) -> None when the server reacted as it should
(it closed the connection, or kept it while ignoring the nonsense), or a
short description of what went wrong.  They check only what a soak can
check cheaply; the exact reactions are tested by the hostile-input suite.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

SUPPORT = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "support")


# Set when the soak ends or drains for an idle reading: waits for the
# server to close stop early and count as fine (our side closes then).
STOP = threading.Event()

# where the HTTP and WebSocket cases come from (see soak.py BROWSER_ADDR)
BROWSER_ADDR = "127.0.0.2"


def connect(port, source="127.0.0.1"):
    return socket.create_connection(("127.0.0.1", port), timeout=10,
                                    source_address=(source, 0))


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        c = s.recv(n - len(buf))
        if not c:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += c
    return buf


def closed_within(s, seconds):
    """True when the server closes (EOF or reset) within seconds; what
    it sends before that is read and dropped."""
    s.settimeout(0.5)
    end = time.time() + seconds
    while time.time() < end:
        if STOP.is_set():
            return True
        try:
            if not s.recv(65536):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def handshake(s):
    """RFB 3.8, security None, shared; returns (width, height)."""
    recv_exact(s, 12)
    s.sendall(b"RFB 003.008\n")
    n = recv_exact(s, 1)[0]
    if 1 not in recv_exact(s, n):
        raise EOFError("security None not offered")
    s.sendall(b"\x01")
    if struct.unpack(">I", recv_exact(s, 4))[0] != 0:
        raise EOFError("SecurityResult failed")
    s.sendall(b"\x01")
    w, h = struct.unpack(">HH", recv_exact(s, 4))
    recv_exact(s, 16)
    recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0])
    return w, h


def must_close(s, what, seconds=15):
    try:
        if not closed_within(s, seconds):
            return "connection still open %d s after %s" % (seconds, what)
        return None
    finally:
        s.close()


def bad_version(port, rng):
    """Garbage is closed at once; 3.889 is answered as 3.8 and a version
    cut short waits for its end: both end at the handshake timeout (30 s)
    unless we close our side."""
    s = connect(port)
    recv_exact(s, 12)
    v = rng.choice([b"RFB 003.889\n", b"\0" * 12, b"\xff" + os.urandom(11),
                    b"RFB 003.00"])
    s.sendall(v)
    if rng.random() < 0.5:
        s.shutdown(socket.SHUT_WR)
    return must_close(s, "ProtocolVersion %r" % v, 15 if v[0] in (0, 255)
                      else 45)


def unoffered_type(port, rng):
    s = connect(port)
    recv_exact(s, 12)
    s.sendall(b"RFB 003.008\n")
    n = recv_exact(s, 1)[0]
    offered = recv_exact(s, n)
    pick = rng.choice([t for t in (0, 2, 16, 30, 255) if t not in offered])
    s.sendall(bytes([pick]))
    # a refusal is SecurityResult 1 with a reason, never 0
    s.settimeout(10)
    try:
        r = recv_exact(s, 4)
    except (EOFError, OSError):
        s.close()
        return None
    if struct.unpack(">I", r)[0] == 0:
        s.close()
        return "security type %d was not offered but accepted" % pick
    return must_close(s, "refusing type %d" % pick)


def bad_pixel_format(port, rng):
    s = connect(port)
    handshake(s)
    bpp, depth = rng.choice([(0, 0), (24, 24), (64, 24), (8, 16)])
    s.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, bpp, depth, 0, 1, 255,
                          255, 255, 16, 8, 0))
    return must_close(s, "SetPixelFormat bpp %d depth %d" % (bpp, depth))


def huge_cut_text(port, rng):
    s = connect(port)
    handshake(s)
    n = rng.choice([0xffffffff, 0x80000000])
    s.sendall(struct.pack(">B3xI", 6, n) + b"x" * 100)
    # skipping is allowed; then it must still answer a request
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, 8, 8))
    closed_within(s, 2)
    s.close()
    return None


def clipped_request(port, rng):
    s = connect(port)
    w, h = handshake(s)
    s.sendall(struct.pack(">BxHi", 2, 1, 0))  # Raw
    x, y, rw, rh = rng.choice([(65535, 65535, 65535, 65535),
                               (w - 1, h - 1, 500, 500), (0, 0, 0, 0),
                               (10, 10, 0, 10)])
    s.sendall(struct.pack(">BBHHHH", 3, 0, x, y, rw, rh))
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, 4, 4))
    s.settimeout(10)
    try:
        # the sane request must be answered: the connection stays up
        t = recv_exact(s, 1)[0]
        if t != 0:
            return "message type %d instead of an update" % t
    except (EOFError, OSError) as e:
        return "closed on a clippable request %r: %s" % ((x, y, rw, rh), e)
    finally:
        s.close()
    return None


def many_encodings(port, rng):
    s = connect(port)
    handshake(s)
    n = 65535
    body = b"".join(struct.pack(">i", rng.randrange(-(1 << 31), 1 << 31))
                    for _ in range(n))
    s.sendall(struct.pack(">BxH", 2, n) + body)
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, 8, 8))
    closed_within(s, 2)
    s.close()
    return None


def ws_upgrade(s, port):
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket"
               "\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
               "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: binary\r\n\r\n" % port).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(s, 1)
    return head.startswith(b"HTTP/1.1 101")


def ws_bad_frames(port, rng):
    s = connect(port, BROWSER_ADDR)
    if not ws_upgrade(s, port):
        s.close()
        return "WebSocket upgrade refused"
    frame = rng.choice([
        b"\x82\x05hello",                                  # unmasked
        b"\x82\xff" + struct.pack(">Q", 1 << 63) + b"abcd",  # 2^63
        b"\x82\xff" + struct.pack(">Q", 1 << 40) + b"abcd",  # over cap
        b"\x89\xfe\x00\xc8abcd" + b"x" * 200,              # long ping
        b"\x83\x80abcd",                                   # opcode 3
    ])
    s.sendall(frame)
    return must_close(s, "a bad WebSocket frame %r" % frame[:2])


def bad_http(port, rng):
    s = connect(port, BROWSER_ADDR)
    s.sendall(rng.choice([b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\n\r\n",
                          b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 +
                          b"\r\n\r\n"]))
    return must_close(s, "a bad HTTP request", 30)


def tls_garbage(port, rng):
    """A record of garbage, whole or cut short.  GnuTLS may take garbage
    for the start of a longer handshake message and wait for the rest:
    then the TLS sniffing window (10 s) and the handshake timeout (30 s)
    end it."""
    s = connect(port)
    n = rng.randrange(2, 300)
    cut = rng.random() < 0.2
    s.sendall(b"\x16\x03\x01" + struct.pack(">H", n + cut) +
              os.urandom(n))
    return must_close(s, "a garbage TLS record%s" % (
        " cut short" if cut else ""), 50)


def reset_mid_update(port, rng):
    s = connect(port)
    w, h = handshake(s)
    s.sendall(struct.pack(">BxHi", 2, 1, 0))
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    time.sleep(rng.uniform(0, 0.2))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    s.close()
    return None


def stall(port, rng):
    """A viewer that never reads (tests/support/rfbstall.py)."""
    r = subprocess.run([sys.executable, SUPPORT + "/rfbstall.py",
                        str(port), str(rng.randrange(3, 10))],
                       capture_output=True, text=True, timeout=60)
    if "stalled" not in r.stdout:
        return "rfbstall.py: %s" % (r.stderr.strip() or r.stdout.strip())
    return None


CASES = [(f.__name__, f) for f in (
    bad_version, unoffered_type, bad_pixel_format, huge_cut_text,
    clipped_request, many_encodings, ws_bad_frames, bad_http, tls_garbage,
    reset_mid_update, stall)]
