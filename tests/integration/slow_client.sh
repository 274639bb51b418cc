#!/bin/bash
# A viewer that stops reading must not stall the others, and must not cost
# unbounded memory: its updates are deferred while its queue is full, and
# once what is queued for it passes -maxqueue it is dropped with a log line.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog xclip

rss_kb() {
	awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status"
}

xvfb_start D 640x480x24
server_start -maxqueue 3000000
base=$(rss_kb)

bg S python3 "$SUPPORT/rfbstall.py" "$PORT" 60 >"$T/stall.log" 2>&1
wait_for 10 grep -q stalled "$T/stall.log" || fail "stalling client never got in"

# The screen changes a lot while it stalls; a good viewer stays exact.
bg A vnctest --encodings zrle --wait-for "$T/drawn" --compare-display "$D" \
	>"$T/viewer-a.log" 2>&1
"$TBIN/xdraw" "$D" all
touch "$T/drawn"
wait_exit "$A" 60 || fail "viewer hangs while another client stalls"
[ "$EXIT_CODE" -eq 0 ] || fail "viewer wrong while another client stalls"
grep -q "closed: not reading" "$SERVER_LOG" &&
	fail "stalled client dropped before its queue reached the cap"
grow=$(($(rss_kb) - base))
log "server RSS grew by $grow KiB with a stalled client"
[ "$grow" -lt $((20000 + RSS_SLACK_KB)) ] ||
	fail "RSS grew by $grow KiB: queue not bounded"

# Clipboard text is queued regardless of update flow control: that is
# what pushes the stalled client past the cap.
for i in $(seq 1 40); do
	{ echo "clip $i"; head -c 150000 /dev/zero | tr '\0' "$((i % 10))"; } |
		xclip -display "$D" -selection clipboard
	sleep 0.2
	grep -q "closed: not reading" "$SERVER_LOG" && break
done
grep -q "closed: not reading" "$SERVER_LOG" ||
	fail "stalled client never dropped at the -maxqueue cap"
[ "$(grep -c 'closed: not reading' "$SERVER_LOG")" -eq 1 ] ||
	fail "more than the stalled client was dropped"
alive "$SERVER_PID" || fail "server died"

# And the server still serves a new viewer exactly.
bg B vnctest --encodings raw --compare-display "$D" >"$T/viewer-b.log" 2>&1
wait_exit "$B" 30 || fail "new viewer hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "new viewer does not match the display"
