#!/usr/bin/env python3
"""Stand in for systemd's notification socket (sd_notify(3)).

    notifysock.py PATH [SECONDS]

Binds a unix datagram socket at PATH ("@name" for an abstract one) and
prints every datagram received as one line, each variable of a
multi-line message on its own line, flushed at once.  Prints "bound"
first, so a test can wait for it before starting the notifier.  Exits
after SECONDS (default 60) or on SIGTERM.
"""
import os
import signal
import socket
import sys
import time


def main():
    path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + path[1:] if path.startswith("@") else path)
    print("bound", flush=True)
    end = time.time() + limit
    try:
        while time.time() < end:
            s.settimeout(max(end - time.time(), 0.01))
            try:
                data = s.recv(4096)
            except socket.timeout:
                break
            for line in data.decode("utf-8", "replace").splitlines():
                print(line, flush=True)
    finally:
        if not path.startswith("@"):
            os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
