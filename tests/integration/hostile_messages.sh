#!/bin/bash
# The hostile-input suite, normal-phase messages (tests/support/
# hostile_msgs.py): unknown message types, bad pixel formats, odd
# SetEncodings, requests outside the screen, cut text with lying lengths,
# stalls in the middle of a message, hostile Extended Clipboard, Fence,
# ContinuousUpdates and SetDesktopSize messages.  Each case checks its
# own reaction (close, ExtendedDesktopSize status, answers) and that the
# server logged exactly the lines it must about that connection.
# Meanwhile a well-behaved viewer (vncwatch, with an animation on the
# screen) keeps getting updates and ends with the exact picture; the X
# screen never changes size; descriptors and memory stay bounded.
# Keyboard, pointer, view-only and clipboard contents: hostile_input.sh.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncwatch xdraw
need_prog python3
need_prog xclip
need_prog xdpyinfo

HOSTILE="python3 $SUPPORT/hostile_msgs.py"

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
# -msgtimeout 2: the stalled clients are dropped 2 s after their last byte
server_start -msgtimeout 2
export HOSTILE_STALL_WAIT=15
size0=$(xdpyinfo -display "$D" | grep dimensions:)

watch_start

vm_peak_kb() {
	awk '/^VmPeak:/ { print $2 }' "/proc/$1/status"
}
fds0=$(proc_fd_count "$SERVER_PID")
rss0=$(proc_rss_kb "$SERVER_PID")
peak0=$(vm_peak_kb "$SERVER_PID")

# desktop text, so that clipboard requests are answered with provides
printf 'desktop text' | xclip -display "$D" -i -selection clipboard

# The stalled ones run alongside the rest, each waiting for -msgtimeout.
bg STALL $HOSTILE --log "$SERVER_LOG" "$PORT" @stall >"$T/stalled.out" 2>&1
$HOSTILE --log "$SERVER_LOG" --display "$D" "$PORT" @rest \
	>"$T/cases.out" 2>&1 || { cat "$T/cases.out"; fail "hostile cases"; }
cat "$T/cases.out"
[ "$(wc -l <"$T/cases.out")" -ge 30 ] || fail "too few cases ran"

wait_exit "$STALL" 60 || fail "stalled cases hang"
cat "$T/stalled.out"
[ "$EXIT_CODE" -eq 0 ] || fail "stalled cases"

alive "$SERVER_PID" || fail "server died"
# Every hostile connection is gone; memory stays within bounds: the
# largest buffer a case may cost is -maxcuttext, and the 2 GiB of cut text
# declared must never be allocated (even untouched, it would show in the
# peak virtual size).  ASan's shadow memory and quarantine make these
# numbers meaningless, so an instrumented server is not measured.
wait_for 5 test "$(proc_fd_count "$SERVER_PID")" -eq "$fds0" ||
	fail "$(proc_fd_count "$SERVER_PID") fds open, $fds0 before"
rss=$(proc_rss_kb "$SERVER_PID")
peak=$(vm_peak_kb "$SERVER_PID")
log "server RSS ${rss0} -> ${rss} KiB, peak virtual ${peak0} -> ${peak} KiB"
if { nm -D "$SERVER_BIN"; nm "$SERVER_BIN"; } 2>/dev/null |
	grep -q __asan_init; then
	log "AddressSanitizer build: memory not measured"
else
	[ "$rss" -lt $((rss0 + 65536)) ] ||
		fail "RSS grew from $rss0 to $rss KiB"
	[ "$peak" -lt $((peak0 + 262144)) ] ||
		fail "peak virtual size grew from $peak0 to $peak KiB"
fi
[ "$(xdpyinfo -display "$D" | grep dimensions:)" = "$size0" ] ||
	fail "the screen changed size: $(xdpyinfo -display "$D" |
		grep dimensions:)"
grep "asked for a" "$SERVER_LOG" | grep -v ": refused" &&
	fail "a resize was made"

watch_stop
grep -c "closed:" "$SERVER_LOG" | sed 's/^/server closed lines: /'
