#!/bin/bash
# Hostile clients in the handshake and security phase: every case of
# "Handshake and security" in hostile-inputs.md, one function each in
# tests/support/hostile_hs.py, run by hostile.py, which checks the
# specific reaction (the reason a 3.8 SecurityResult or a 3.3 failure
# carries, the VeNCrypt status byte or TLS alert, then the close) and
# that the server logged exactly one line naming the peer and the reason.
# Meanwhile a well-behaved vncwatch must keep getting updates of an
# animation and end with the exact picture, and xkeyrec must record none
# of the keys and clicks the refused clients send after their illegal
# step; the server's file descriptors return to where they were and its
# memory stays about the same.  Servers: None with -noshared -dontdisconnect, VNC auth, and
# VeNCrypt only (TLSVnc, Plain, TLSPlain); all with -handshaketimeout 2,
# so that the stalled clients (side by side) take 2 s, not 30.  Last,
# -noshared, where an exclusive viewer evicts the others by design (so
# no watcher there).
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncwatch xdraw xkeyrec xstate vnctest
need_prog python3
need_prog openssl

PW=hostile1
RAN=$T/ran

_fds_are() {
	[ "$(proc_fd_count "$SERVER_PID")" = "$1" ]
}

# run_cases ARGS...: hostile.py against the current server; afterwards
# the server has the file descriptors it had before, and about the memory
run_cases() {
	local out=$T/cases.$NSERVERS.out fds rss
	fds=$(proc_fd_count "$SERVER_PID")
	rss=$(proc_rss_kb "$SERVER_PID")
	python3 "$SUPPORT/hostile.py" --port "$PORT" --log "$SERVER_LOG" \
		--hs-timeout 2 "$@" >"$out" 2>&1 || {
		cat "$out"
		fail "$(grep -c ': FAIL: ' "$out") hostile case(s) failed"
	}
	cat "$out"
	sed -n 's/^\([a-z0-9_]*\): ok: .*/\1/p' "$out" >>"$RAN"
	wait_for 10 _fds_are "$fds" ||
		fail "server fds: $fds before the cases, $(proc_fd_count \
			"$SERVER_PID") after"
	log "server RSS $rss KiB before, $(proc_rss_kb "$SERVER_PID") after"
	[ "$(proc_rss_kb "$SERVER_PID")" -lt \
		$((rss + 16384 + RSS_SLACK_KB)) ] ||
		fail "server RSS grew by more than 16 MiB"
}

xvfb_start D 640x480x24
"$SERVER_BIN" -storepasswd "$PW" "$T/passwd" >/dev/null 2>&1
rec_start

log "--- no authentication, -noshared -dontdisconnect"
server_start -noshared -dontdisconnect -handshaketimeout 2
watch_start
run_cases --needs any,dontdisconnect
watch_stop
kill "$SERVER_PID"

log "--- VNC authentication"
server_start -rfbauth "$T/passwd" -handshaketimeout 2
watch_start -p "$PW"
run_cases --password "$PW" --needs vncauth,shared unoffered_38 type0_38
watch_stop
kill "$SERVER_PID"

log "--- VeNCrypt only: TLSVnc, Plain, TLSPlain"
server_start -rfbauth "$T/passwd" -securitytypes TLSVnc,Plain,TLSPlain \
	-handshaketimeout 2
watch_start -p "$PW"
run_cases --needs vencrypt unoffered_38 unoffered_37
watch_stop
kill "$SERVER_PID"

log "--- -noshared: an exclusive viewer evicts the others (no watcher)"
server_start -noshared -handshaketimeout 2
run_cases --needs noshared

# Every case of the section ran and passed.
python3 -c "import sys; sys.path.insert(0, '$SUPPORT')
import hostile_hs; print('\n'.join(hostile_hs.CASES))" | sort -u >"$T/all"
missing=$(sort -u "$RAN" | comm -23 "$T/all" -)
[ -z "$missing" ] || fail "cases that did not run: $missing"
log "$(sort -u "$RAN" | wc -l) cases passed"

# No refused client's keys or clicks reached X; the recorder would have
# seen them, as it sees a key from the authenticated viewer now.
[ ! -s "$REC" ] || fail "input from refused clients reached X: $(cat "$REC")"
state=$("$TBIN/xstate" "$XVFB_DISPLAY" | tr '\n' ' ')
[ "$state" = "keys: buttons: " ] || fail "X has something held: $state"
"$TBIN/vnctest" --password "$PW" --type z --then-exit "$PORT" >/dev/null ||
	fail "the authenticated viewer could not type"
rec_expect z || fail "the recorder did not see an authorised key"
