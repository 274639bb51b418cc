#!/bin/bash
# A viewer stopped (SIGSTOP) for 30 s while the screen keeps changing: a
# well-behaved viewer meanwhile keeps getting updates (no gap over 10 s)
# and ends with the exact picture; what the server holds for the stopped
# one stays bounded (its updates wait, they do not pile up); after
# SIGCONT the stopped viewer either catches up to the exact picture, or
# -- had its queue passed -maxqueue -- was dropped with the documented
# "closed: not reading" line.  Afterwards the server's file descriptors
# are back where they were.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncwatch xdraw

xvfb_start D 640x480x24
"$TBIN/xdraw" "$D" rects
server_start
FD0=$(proc_fd_count "$SERVER_PID")

watch_start -e "zrle raw"
# the one to be stopped takes raw: the most bytes per change
bg B "$TBIN/vncwatch" -e raw -d "$D" -r "$T/stopped.report" "$PORT" \
	>"$T/stopped.out" 2>"$T/stopped.log"
wait_for 15 grep -q '^connected' "$T/stopped.out" ||
	fail "the viewer to be stopped did not connect"
bg L bash -c "while '$TBIN/xdraw' '$D' all; do :; done" 2>/dev/null
sleep 2
rss0=$(proc_rss_kb "$SERVER_PID")

kill -STOP "$B"
log "viewer $B stopped; server RSS $rss0 KiB"
max=$rss0
for i in $(seq 1 15); do
	sleep 2
	alive "$SERVER_PID" || fail "server died"
	rss=$(proc_rss_kb "$SERVER_PID")
	[ "$rss" -gt "$max" ] && max=$rss
done
log "after 30 s stopped: server RSS at most $max KiB"
# generous; a queue that grew with every change would be far past it
[ "$max" -lt $((rss0 + 30000 + RSS_SLACK_KB)) ] ||
	fail "server RSS grew from $rss0 to $max KiB for a stopped viewer"
kill -CONT "$B"
sleep 3
kill -TERM "$L" 2>/dev/null || true
wait "$L" 2>/dev/null || true
"$TBIN/xdraw" "$D" text
watch_stop

kill -TERM "$B"
wait_exit "$B" 30 || fail "the stopped viewer does not end after SIGCONT"
cat "$T/stopped.report"
if grep -q '^disconnected=1' "$T/stopped.report"; then
	grep -q "closed: not reading" "$SERVER_LOG" ||
		fail "stopped viewer lost without the documented log line"
	log "the stopped viewer was dropped (not reading)"
else
	grep -q '^final_match=1' "$T/stopped.report" ||
		fail "the stopped viewer did not catch up after SIGCONT"
	log "the stopped viewer caught up after SIGCONT"
fi
nfds() {
	[ "$(proc_fd_count "$SERVER_PID")" -le "$FD0" ]
}
wait_for 10 nfds || fail "$(proc_fd_count "$SERVER_PID") fds, baseline $FD0"
