#!/bin/bash
# The network misbehaving under the server (net/fault.c, switched on by
# XRFBSHARE_FAULTS): short reads and writes, EAGAIN, EINTR and a full
# send buffer must be invisible -- every viewer, whatever its encoding,
# still ends with the exact picture, and clipboard text crosses both
# ways.  With connection resets as well, every viewer either completes or
# is closed cleanly (never hangs).  Either way the server stays up and
# its file descriptors, shared memory and memory return to where they
# were before the session.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw vncclip
need_prog python3
need_prog xclip

xvfb_start D 640x480x24
"$TBIN/xdraw" "$D" rects

# encodings offered, and more vnctest options, per viewer
ENCODINGS=("raw" "zrle" "tight" "hextile" "zlib" "trle" "rre" "corre"
	"copyrect zrle" "tight" "zywrle")
OPTS=("" "--format 16" "--no-jpeg" "" "--format 8" "" "" "" "" "--quality 5"
	"--quality 9")

nclients() {
	[ "$(proc_fd_count "$SERVER_PID")" -le "$1" ]
}

# baseline: a first viewer warms the server up (shared memory, encoder
# tables), then its resources are what every session must return to.
baseline() {
	bg W vnctest --compare-display "$D" >"$T/warm.$NSERVERS.log" 2>&1
	wait_exit "$W" 30 || fail "warm-up viewer hangs"
	[ "$EXIT_CODE" -eq 0 ] || fail "warm-up viewer does not match"
	sleep 0.5
	FD0=$(proc_fd_count "$SERVER_PID")
	SHM0=$(shm_count "$SERVER_PID")
	RSS0=$(proc_rss_kb "$SERVER_PID")
	log "baseline: $FD0 fds, $SHM0 shm segments, $RSS0 KiB"
}

# back_to_baseline TAG: once the viewers are gone, so are their costs.
back_to_baseline() {
	local fds shm rss
	wait_for 10 nclients "$FD0" ||
		fail "$1: $(proc_fd_count "$SERVER_PID") fds, baseline $FD0"
	fds=$(proc_fd_count "$SERVER_PID")
	shm=$(shm_count "$SERVER_PID")
	rss=$(proc_rss_kb "$SERVER_PID")
	log "$1: $fds fds, $shm shm segments, $rss KiB"
	[ "$shm" -eq "$SHM0" ] || fail "$1: $shm shm segments, baseline $SHM0"
	# generous: encoders, output queues and the allocator keep what a
	# dozen viewers needed; a leak shows as growth from round to round
	[ "$rss" -lt $((RSS0 + 60000 + RSS_SLACK_KB)) ] ||
		fail "$1: RSS $rss KiB, baseline $RSS0 KiB"
	if [ -n "${RSS_LAST:-}" ] &&
		[ "$rss" -gt $((RSS_LAST + 15000 + RSS_SLACK_KB)) ]; then
		fail "$1: RSS $rss KiB, $RSS_LAST KiB after the same session before"
	fi
	RSS_LAST=$rss
}

# session TAG: all the viewers at once while the screen changes and the
# clipboard goes both ways; PIDS/NAMES hold them afterwards.
session() {
	local tag=$1 i pid
	PIDS=() NAMES=()
	for i in "${!ENCODINGS[@]}"; do
		# shellcheck disable=SC2086
		bg pid vnctest --encodings "${ENCODINGS[i]}" ${OPTS[i]} \
			--timeout 60 \
			--wait-for "$T/drawn.$tag" --compare-display "$D" \
			>"$T/$tag.view$i.log" 2>&1
		PIDS+=("$pid") NAMES+=("view$i (${ENCODINGS[i]} ${OPTS[i]})")
	done
	printf "from the desktop %s" "$tag" >"$T/d2v.$tag"
	bg pid python3 "$SUPPORT/rfbclip.py" "$PORT" --expect "$T/d2v.$tag" \
		--timeout 60 >"$T/$tag.clipext.log" 2>&1
	PIDS+=("$pid") NAMES+=("rfbclip")
	bg pid "$TBIN/vncclip" --expect "from the desktop $tag" --timeout 60 \
		"$PORT" >"$T/$tag.vncclip.log" 2>&1
	PIDS+=("$pid") NAMES+=("vncclip")
	sleep 2
	"$TBIN/xdraw" "$D" all
	xclip -display "$D" -i -selection clipboard <"$T/d2v.$tag" \
		>/dev/null 2>&1
	touch "$T/drawn.$tag"
}

# ---- faults that lose nothing: every viewer must be exact ----
export XRFBSHARE_FAULTS="seed=7,short=0.5,eagain=0.1,eintr=0.1,full=0.05"
server_start
unset XRFBSHARE_FAULTS
grep -q "fault injection on every connection" "$SERVER_LOG" ||
	fail "the server does not say that faults are injected"
baseline
session lossless
for i in "${!PIDS[@]}"; do
	wait_exit "${PIDS[i]}" 90 || fail "${NAMES[i]} hangs under faults"
	[ "$EXIT_CODE" -eq 0 ] || {
		tail -n 5 "$T"/lossless.*.log
		fail "${NAMES[i]} failed under short I/O, EAGAIN, EINTR"
	}
done
grep -q "closed:.*\(fail\|error\|memory\)" "$SERVER_LOG" &&
	fail "a client was closed for a fault that loses nothing"
# and the other way: a viewer's text reaches the X clipboard
"$TBIN/vncclip" --send "from a viewer" --timeout 30 "$PORT" \
	>"$T/v2d.log" 2>&1 || fail "vncclip --send failed under faults"
wait_for 10 sh -c "xclip -display $D -o -selection clipboard 2>/dev/null |
	grep -q 'from a viewer'" || fail "viewer's text never reached X"
alive "$SERVER_PID" || fail "server died"
back_to_baseline "after lossless faults"

# ---- resets too: each viewer completes or is closed, none hangs ----
export XRFBSHARE_FAULTS="seed=11,short=0.3,eagain=0.1,eintr=0.1,full=0.05,reset=0.002"
server_start
unset XRFBSHARE_FAULTS
baseline
RSS_LAST=
for round in 1 2 3; do
	session reset$round
	ok=0 closed=0
	for i in "${!PIDS[@]}"; do
		wait_exit "${PIDS[i]}" 90 ||
			fail "${NAMES[i]} hangs with resets injected"
		if [ "$EXIT_CODE" -eq 0 ]; then
			ok=$((ok + 1))
		else
			closed=$((closed + 1))
		fi
	done
	resets=$(grep -c "fault: injected connection reset" "$SERVER_LOG" ||
		true)
	log "round $round: $ok viewers completed, $closed closed;" \
		"$resets resets injected so far"
	[ "$closed" -le "$resets" ] ||
		fail "$closed viewers failed but only $resets resets injected"
	alive "$SERVER_PID" || fail "server died"
	back_to_baseline "after round $round with resets"
done
[ "$resets" -gt 0 ] || fail "no reset was injected: the test tests nothing"

