#!/bin/bash
# Without MIT-SHM, and separately without DAMAGE or XTEST, on the X
# server, the server must still deliver every change: a viewer connected
# during the drawing matches the display afterwards.  Without XTEST it
# is view-only with a warning: keys and clicks a viewer sends reach
# nobody, and nothing breaks.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw xkeyrec
need_prog xdpyinfo

check_without() {
	local ext=$1 D n
	xvfb_start D 640x480x24 -extension "$ext"
	if xdpyinfo -display "$D" -queryExtensions | grep -q "^ *$ext "; then
		fail "Xvfb still offers $ext"
	fi
	server_start
	n=$NSERVERS
	bg V vnctest --wait-for "$T/drawn.$n" --compare-display "$D" \
		>"$T/viewer.$n.log" 2>&1
	sleep 1
	"$TBIN/xdraw" "$D" all
	touch "$T/drawn.$n"
	wait_exit "$V" 60 || fail "viewer hangs"
	[ "$EXIT_CODE" -eq 0 ] || fail "no match without $ext"
	log "without $ext: $(grep "match after" "$T/viewer.$n.log")"
	alive "$SERVER_PID" || fail "server died without $ext"
}

check_without MIT-SHM
check_without DAMAGE

# XTEST: input cannot be injected, so none is, and the server says so.
check_without XTEST
grep -q "XTEST extension missing: viewer input is ignored" "$SERVER_LOG" ||
	fail "no warning that input is ignored without XTEST"
rec_start
vnctest --type "typed without xtest" --click 20,20 >"$T/typing.log" 2>&1 ||
	fail "a viewer sending input without XTEST failed"
sleep 1
rec_expect "" 1 || fail "input reached the display without XTEST"
rec_stop
alive "$SERVER_PID" || fail "server died on input without XTEST"
