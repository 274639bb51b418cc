#!/usr/bin/env python3
"""A TCP-to-WebSocket bridge, so that a viewer that speaks plain RFB over
TCP (libvncclient) reaches the server through its WebSocket front.

    wsbridge.py [--tls] [--seed N] [--source ADDR] SERVER_PORT

It listens on a free loopback port, prints "PORT=N" once it does, and for
each viewer that connects opens a WebSocket to 127.0.0.1:SERVER_PORT
(ws://, or wss:// with --tls; the certificate is not checked), asking for
the "binary" subprotocol.  Bytes from the viewer go out as masked binary
frames, cut at random into fragments (continuation frames) with pings
between them, so that the server's framing code sees more than one
frame per message; data frames from the server go back as a byte stream,
its pings are answered.  Any protocol error closes that pair only.
--source binds the WebSocket side to another loopback address (the
server gives addresses that spoke HTTP longer to speak first).
"""
import argparse
import base64
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading


class Closed(Exception):
    pass


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise Closed("server closed")
        buf += chunk
    return buf


def frame(opcode, payload, fin=True):
    """A masked client frame (RFC 6455 5.2)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    mask = os.urandom(4)
    body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return head + mask + body


def upgrade(s, port):
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: binary\r\n\r\n" %
               (port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise Closed("server closed during the upgrade")
        head += chunk
        if len(head) > 8192:
            raise Closed("upgrade response too long")
    if not head.startswith(b"HTTP/1.1 101"):
        raise Closed("upgrade refused: %r" % head.split(b"\r\n")[0])


class Pair:
    def __init__(self, viewer, port, use_tls, rng, source):
        self.viewer = viewer
        self.rng = rng
        raw = socket.create_connection(("127.0.0.1", port), timeout=10,
                                       source_address=(source, 0))
        if use_tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw)
        self.server = raw
        upgrade(self.server, port)
        self.server.settimeout(None)
        self.inbuf = b""

    def to_server(self, data):
        """Viewer bytes as one binary message in 1 to 3 fragments, with a
        ping now and then between them."""
        cuts = sorted(self.rng.sample(range(1, len(data)),
                                      min(len(data) - 1,
                                          self.rng.randint(0, 2))))
        parts = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
        out = b""
        for i, p in enumerate(parts):
            out += frame(2 if i == 0 else 0, p, fin=i == len(parts) - 1)
            if self.rng.random() < 0.1:
                out += frame(9, b"soak")
        self.server.sendall(out)

    def from_server(self):
        """Handle every complete frame in the input; the payload of data
        frames goes to the viewer."""
        while True:
            b = self.inbuf
            if len(b) < 2:
                return
            op, n, off = b[0] & 0x0f, b[1] & 0x7f, 2
            if b[1] & 0x80:
                raise Closed("server sent a masked frame")
            if n == 126:
                if len(b) < 4:
                    return
                n, off = struct.unpack(">H", b[2:4])[0], 4
            elif n == 127:
                if len(b) < 10:
                    return
                n, off = struct.unpack(">Q", b[2:10])[0], 10
            if len(b) < off + n:
                return
            payload, self.inbuf = b[off:off + n], b[off + n:]
            if op in (0, 1, 2):
                self.viewer.sendall(payload)
            elif op == 8:
                raise Closed("server sent close")
            elif op == 9:
                self.server.sendall(frame(10, payload))

    def run(self):
        socks = [self.viewer, self.server]
        try:
            while True:
                ready = [self.server] if self.server_pending() else \
                    select.select(socks, [], [])[0]
                if self.viewer in ready:
                    data = self.viewer.recv(65536)
                    if not data:
                        return
                    self.to_server(data)
                if self.server in ready:
                    data = self.server.recv(65536)
                    if not data:
                        return
                    self.inbuf += data
                    self.from_server()
        except (Closed, OSError):
            pass
        finally:
            for s in socks:
                try:
                    s.close()
                except OSError:
                    pass

    def server_pending(self):
        return isinstance(self.server, ssl.SSLSocket) and \
            self.server.pending() > 0


def serve(viewer, port, use_tls, seed, source):
    try:
        pair = Pair(viewer, port, use_tls, random.Random(seed), source)
    except (Closed, OSError) as e:
        print("wsbridge: %s" % e, file=sys.stderr, flush=True)
        viewer.close()
        return
    pair.run()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", default="127.0.0.1")
    ap.add_argument("port", type=int)
    a = ap.parse_args()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    print("PORT=%d" % ls.getsockname()[1], flush=True)
    n = 0
    while True:
        viewer, _ = ls.accept()
        n += 1
        threading.Thread(target=serve, args=(viewer, a.port, a.tls,
                                             a.seed * 100003 + n,
                                             a.source),
                         daemon=True).start()


if __name__ == "__main__":
    main()
