#!/bin/bash
# Allocation failures at every call site of the program during a scripted
# session (tests/support/preload/failmalloc.c, preloaded into the server):
# while armed, each site's first allocation fails (then, on a second
# server, each site's fourth, which reaches other buffers behind shared
# helpers).  The server must stay up -- closing the client concerned with
# a log line, or doing without -- no viewer may hang, and once the
# viewers are gone its file descriptors, shared memory and memory are
# back to where they were; a session once disarmed is exact.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw vncclip failmalloc.so
need_prog python3
need_prog xclip
need_prog addr2line
# A preloaded malloc cannot replace a sanitized binary's own: make
# check-asan names the normal build for this test.
SERVER_BIN=${UNSANITIZED_XRFBSHARE:-$SERVER_BIN}

xvfb_start D 640x480x24
"$TBIN/xdraw" "$D" rects

ENCODINGS=("raw" "zrle" "tight" "hextile" "zlib" "trle" "rre" "corre"
	"copyrect zrle" "tight" "zywrle")
OPTS=("" "--format 16" "--no-jpeg" "--format 8" "" "" "" "" "" "--quality 5"
	"--quality 9")

fds_at_most() {
	[ "$(proc_fd_count "$SERVER_PID")" -le "$1" ]
}

# session TAG: the viewers at once, the screen changing, the clipboard
# both ways; NBAD gets how many did not complete.
session() {
	local tag=$1 i pid pids=()
	for i in "${!ENCODINGS[@]}"; do
		# shellcheck disable=SC2086
		bg pid vnctest --encodings "${ENCODINGS[i]}" ${OPTS[i]} \
			--timeout 40 --wait-for "$T/drawn.$tag" \
			--compare-display "$D" >"$T/$tag.view$i.log" 2>&1
		pids+=("$pid")
	done
	printf "desktop text %s" "$tag" >"$T/d2v.$tag"
	bg pid python3 "$SUPPORT/rfbclip.py" "$PORT" --expect "$T/d2v.$tag" \
		--timeout 15 >"$T/$tag.clipext.log" 2>&1
	pids+=("$pid")
	bg pid "$TBIN/vncclip" --expect "desktop text $tag" --timeout 15 \
		"$PORT" >"$T/$tag.vncclip.log" 2>&1
	pids+=("$pid")
	sleep 2
	"$TBIN/xdraw" "$D" all
	xclip -display "$D" -i -selection clipboard <"$T/d2v.$tag" \
		>/dev/null 2>&1
	bg pid "$TBIN/vncclip" --send "viewer text $tag" --timeout 10 \
		"$PORT" >"$T/$tag.v2d.log" 2>&1
	pids+=("$pid")
	touch "$T/drawn.$tag"
	NBAD=0
	for pid in "${pids[@]}"; do
		wait_exit "$pid" 60 || fail "$tag: a viewer hangs"
		[ "$EXIT_CODE" -eq 0 ] || NBAD=$((NBAD + 1))
	done
	alive "$SERVER_PID" || fail "$tag: the server died"
}

# pass SKIP: a server whose every allocation site fails once, at its
# call number SKIP + 1 after arming, through two sessions.
pass() {
	local skip=$1 n shm rss fd0 shm0 rss0
	export LD_PRELOAD=$TBIN/failmalloc.so FAILMALLOC_ARM=$T/arm.$skip \
		FAILMALLOC_LOG=$T/fails.$skip FAILMALLOC_SKIP=$skip
	server_start
	unset LD_PRELOAD FAILMALLOC_ARM FAILMALLOC_LOG FAILMALLOC_SKIP

	bg W vnctest --compare-display "$D" >"$T/warm.$skip.log" 2>&1
	wait_exit "$W" 30 && [ "$EXIT_CODE" -eq 0 ] ||
		fail "warm-up viewer failed"
	sleep 0.5
	fd0=$(proc_fd_count "$SERVER_PID")
	shm0=$(shm_count "$SERVER_PID")
	rss0=$(proc_rss_kb "$SERVER_PID")
	log "skip $skip baseline: $fd0 fds, $shm0 shm segments, $rss0 KiB"

	touch "$T/arm.$skip"
	sleep 0.2
	for round in 1 2; do
		session s$skip.round$round
		n=$(wc -l <"$T/fails.$skip" 2>/dev/null || echo 0)
		log "skip $skip round $round: $NBAD of" \
			"$((${#ENCODINGS[@]} + 3)) clients did not complete;" \
			"$n allocation sites failed so far"
	done
	[ "$n" -ge 10 ] ||
		fail "only $n allocation sites failed: the test tests little"
	# every failed site, by function and line, for the log
	while read -r _ off caller _; do
		echo "  site: $(addr2line -f -p -e "$SERVER_BIN" "$off")" \
			"<- $(addr2line -f -p -e "$SERVER_BIN" "$caller")"
	done <"$T/fails.$skip"
	# each client closed for it was told so in one line
	grep "closed:" "$SERVER_LOG" | grep -v "client disconnected" |
		grep -Eiv "memory|failed" && fail "a close that is not about memory"

	wait_for 10 fds_at_most "$fd0" || fail "$(proc_fd_count \
		"$SERVER_PID") fds after the sessions, baseline $fd0"
	shm=$(shm_count "$SERVER_PID")
	rss=$(proc_rss_kb "$SERVER_PID")
	log "skip $skip after: $(proc_fd_count "$SERVER_PID") fds," \
		"$shm shm segments, $rss KiB"
	[ "$shm" -eq "$shm0" ] || fail "$shm shm segments, baseline $shm0"
	[ "$rss" -lt $((rss0 + 60000)) ] ||
		fail "RSS $rss KiB, baseline $rss0 KiB"

	# Allocations succeed again: a last session must be exact.
	rm "$T/arm.$skip"
	sleep 0.2
	session s$skip.final
	[ "$NBAD" -eq 0 ] || fail "$NBAD viewers failed after the faults"
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 10 || fail "server ignores SIGTERM"
	[ "$EXIT_CODE" -eq 0 ] || fail "server exit status $EXIT_CODE"
}

pass 0
pass 3
