#!/usr/bin/env python3
"""Print a TCP port that is free on 127.0.0.1 right now, for programs
that must be told a port (socat, systemd-socket-activate, a listening
viewer).  Another program may take it before it is used: callers that
can tell should retry with a new one."""
import socket

s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
