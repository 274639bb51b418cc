#!/usr/bin/env python3
"""A viewer that stops reading: the flow-control test's hostile client.

    rfbstall.py PORT SECONDS

Does the RFB 3.8 handshake (security None), asks for Raw, then keeps
sending non-incremental full-screen FramebufferUpdateRequests for SECONDS
without ever reading, with a small receive buffer so the server's queue
fills.  Prints "stalled" once the handshake is done.  Exits 0 when the
server closed the connection on it, 2 when it was still open at the end.
"""
import socket
import struct
import sys
import time


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit("server closed during the handshake")
        buf += chunk
    return buf


def handshake(s):
    recv_exact(s, 12)
    s.sendall(b"RFB 003.008\n")
    n = recv_exact(s, 1)[0]
    types = recv_exact(s, n)
    if 1 not in types:
        raise SystemExit("security None not offered: %r" % types)
    s.sendall(b"\x01")
    if struct.unpack(">I", recv_exact(s, 4))[0] != 0:
        raise SystemExit("security result not OK")
    s.sendall(b"\x01")
    w, h = struct.unpack(">HH", recv_exact(s, 4))
    recv_exact(s, 16)
    recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0])
    s.sendall(struct.pack(">BxHi", 2, 1, 0))  # SetEncodings: Raw
    return w, h


def main():
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    w, h = handshake(s)
    print("stalled", flush=True)
    s.setblocking(False)
    end = time.time() + seconds
    while time.time() < end:
        try:
            s.send(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
        except BlockingIOError:
            pass
        except OSError:
            return 0  # reset by the server: it dropped us
        time.sleep(0.05)
    try:
        s.setblocking(True)
        s.settimeout(0.1)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
