#!/bin/bash
# -inetd: socat accepts a TCP connection and runs the server on it, with
# stdin/stdout a socket pair, two pipes, or a socket pair that is also
# stderr (the log must then stay off the wire).  libvncclient through it
# sees the display; the server exits 0 as soon as the viewer leaves, and
# prints nothing on stdout but the protocol (no PORT= line).
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog socat
need_prog ss
need_prog python3

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text

is_listening() {
	[ -n "$(ss -ltnH "sport = :$1")" ]
}

# through NAME SOCAT_OPTS [log]: a viewer through socat running the server;
# "log" leaves the server's stderr alone (socat's option may point it at
# the viewer).
through() {
	local name=$1 opts=$2 wrapper=$T/$1.sh status=$T/$1.status
	local slog=$T/server.$1.log redirect sock
	redirect="2>'$slog'"
	[ "${3:-}" = log ] && redirect=
	cat >"$wrapper" <<-END
		#!/bin/sh
		'$SERVER_BIN' -display '$D' -inetd $redirect
		echo \$? >'$status'
	END
	chmod +x "$wrapper"
	PORT=$(python3 "$SUPPORT/freeport.py")
	bg sock socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" \
		"EXEC:$wrapper$opts" 2>"$T/socat.$name.log"
	wait_for 10 is_listening "$PORT" || fail "$name: socat is not listening"
	vnctest --compare-display "$D" >"$T/viewer.$name.log" 2>&1 ||
		fail "$name: no match through -inetd"
	# The viewer is gone: the server must follow within 5 s.
	wait_for 5 test -s "$status" ||
		fail "$name: the server still runs 5 s after the viewer left"
	[ "$(cat "$status")" = 0 ] ||
		fail "$name: server exit status $(cat "$status"), expected 0"
	if [ -z "${3:-}" ]; then
		grep -q "inetd: the viewer left, exiting" "$slog" ||
			fail "$name: no 'the viewer left' line in the log"
		grep -q "session started" "$slog" ||
			fail "$name: no session in the log"
	fi
	wait_exit "$sock" 5 || fail "$name: socat still running"
	log "$name: viewer matched, server exited 0"
}

through socketpair ""
through pipes ",pipes"
through stderr ",stderr" log

# With stdin at EOF, a viewer that hung up before the handshake: the server
# must still exit at once, having written the version and nothing else
# (no PORT= line) to stdout.
rc=0
timeout 10 "$SERVER_BIN" -display "$D" -inetd </dev/null >"$T/eof.out" \
	2>"$T/server.eof.log" || rc=$?
[ "$rc" -ne 124 ] ||
	fail "-inetd still runs 10 s after its viewer hung up in the handshake"
[ "$rc" -eq 0 ] || fail "-inetd with stdin at EOF: exit status $rc"
printf 'RFB 003.008\n' | cmp -s - "$T/eof.out" ||
	fail "-inetd wrote to stdout: $(od -c "$T/eof.out" | head -n 3)"
