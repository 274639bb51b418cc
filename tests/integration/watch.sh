#!/bin/bash
# The well-behaved watcher the hostile-input tests rely on (vncwatch and
# watch_start/watch_stop in lib.sh) must be able to fail:
#  - with the screen animating it stays connected, gets updates without a
#    long gap and ends with the display's exact picture;
#  - when the server goes away it reports disconnected=1 and exits 1;
#  - a bound no update can meet (max gap 0 ms) makes watch_stop fail.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncwatch xdraw

xvfb_start D 640x480x24
server_start
watch_start -e "zrle raw"
sleep 3
watch_stop
log "clean run: $(tr '\n' ' ' <"$WATCH_REPORT")"
[ "$(_watch_key updates)" -ge 5 ] ||
	fail "only $(_watch_key updates) updates in 3 s of animation"

# An impossible stall bound must fail (in a subshell: fail exits).
watch_start -f 16
sleep 1
if (WATCH_MAX_GAP_MS=0 watch_stop) >"$T/strict.out" 2>&1; then
	fail "watch_stop accepted a 0 ms stall bound"
fi
grep -q "waited .* ms for an update" "$T/strict.out" ||
	fail "unexpected watch_stop failure: $(cat "$T/strict.out")"

# The server dies under the watcher.
watch_start
kill -KILL "$SERVER_PID"
wait_exit "$WATCH_PID" 10 || fail "vncwatch outlived its server"
[ "$EXIT_CODE" = 1 ] || fail "vncwatch exited $EXIT_CODE, not 1"
grep -qx "disconnected=1" "$WATCH_REPORT" ||
	fail "no disconnected=1 in $(cat "$WATCH_REPORT")"
grep -qx "final_match=skipped" "$WATCH_REPORT" ||
	fail "a dead link was compared: $(cat "$WATCH_REPORT")"
