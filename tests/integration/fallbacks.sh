#!/bin/bash
# Without MIT-SHM, and separately without DAMAGE, on the X server, the
# server must still deliver every change: a viewer connected during the
# drawing matches the display afterwards.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
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
