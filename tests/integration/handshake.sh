#!/bin/bash
# Protocol versions 3.3, 3.5 (answered as 3.3), 3.7 and 3.8 with security
# None, the same with every byte sent separately, and a garbage version
# that must get the connection closed.
set -eu
. "$(dirname "$0")/../lib.sh"

xvfb_start D 320x200x24
server_start -shared

hand() {
	python3 "$SUPPORT/rfbhand.py" --expect 320x200 "$PORT" "$@" ||
		fail "handshake $* failed"
}

for v in 3.3 3.5 3.7 3.8; do
	hand "$v"
done
for v in 3.3 3.5 3.7 3.8; do
	hand --split "$v"
done
hand garbage
# the server must still serve clients after all that
hand 3.8
alive "$SERVER_PID" || fail "server died"
