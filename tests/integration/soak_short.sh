#!/bin/bash
# The soak (tests/soak/soak.py, `make soak`) in short: 12 viewers over
# TCP, a unix socket, ws://, wss:// and VeNCrypt TLS come and go for 20 s
# while the screen changes and the built-in hostile sequences attack (the
# suite itself has its own tests; `make soak` replays it).  No crash, no
# wrong pixels, fds and SHM segments back to their count at the start,
# and a "SOAK: PASS" report.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest vncwatch xdraw
need_prog Xvfb
need_prog python3
need_prog openssl
need_prog xsetroot
need_prog xwd
need_prog ipcs

python3 "$TOP/tests/soak/soak.py" --seconds 20 --viewers 12 --no-replay \
	--out "$T/soak" \
	>"$T/soak.log" 2>&1 || {
	cat "$T/soak.log"
	fail "the short soak failed: $(tail -n 1 "$T/soak.log")"
}
cat "$T/soak.log"
grep -q "^crashes: none$" "$T/soak.log" || fail "report without 'crashes: none'"
grep -q "^SOAK: PASS$" "$T/soak.log" || fail "no 'SOAK: PASS' line"
# every transport was used
for tr in tcp unix ws wss tls; do
	grep -Eq "viewers started .*\b$tr [1-9]" "$T/soak.log" ||
		fail "no viewer over $tr"
done
