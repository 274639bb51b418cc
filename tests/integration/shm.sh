#!/bin/bash
# MIT-SHM segments of the server: private (mode 600) and already marked
# for removal (IPC_RMID once attached) while it runs, and none left
# behind once it has gone, whether it exits on SIGTERM or is killed.
# With -noshm it makes none at all.  At depth 24 there are two: the grab
# and the framebuffer, which trade places on whole-screen grabs.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog ipcs

# segments PID: "shmid perms [dest]" of each segment PID created
segments() {
	local ids
	ids=$(ipcs -m -p | awk -v pid="$1" '$3 == pid { print $1 }')
	[ -n "$ids" ] || return 0
	ipcs -m | awk -v ids=" $(echo $ids) " \
		'index(ids, " " $2 " ") { print $2, $4, $7 }'
}

no_segments() {
	[ -z "$(segments "$1")" ]
}

# check_gone PID HOW: no segment of the dead server PID may remain; leaked
# ones are removed so that a failing run does not litter the machine.
check_gone() {
	local left id
	wait_for 5 no_segments "$1" && return 0
	left=$(segments "$1")
	for id in $(echo "$left" | awk '{ print $1 }'); do
		ipcrm -m "$id" || true
	done
	fail "segments left after $2 (remove them with IPC_RMID once" \
		"attached): $left"
}

xvfb_start D 640x480x24
"$TBIN/xdraw" "$D" rects

# run_with_viewer: start the server with "$@", have a viewer match the
# display, and leave SEGS holding the server's segments meanwhile.
run_with_viewer() {
	server_start "$@"
	bg V vnctest --compare-display "$D" --stay 3 >"$T/viewer.log" 2>&1
	wait_for 10 grep -q "match after" "$T/viewer.log" ||
		fail "viewer does not match the display"
	SEGS=$(segments "$SERVER_PID")
	log "server $SERVER_PID segments: ${SEGS:-none}"
}

run_with_viewer
[ -n "$SEGS" ] ||
	fail "server uses no MIT-SHM segment on a display with MIT-SHM"
# In the X server's own format the framebuffer is a shared image too, and
# a whole-screen grab takes its place instead of being copied into it.
[ "$(wc -l <<<"$SEGS")" = 2 ] ||
	fail "expected 2 segments (grab and framebuffer), got: $SEGS"
while read -r id perms status; do
	[ "$perms" = 600 ] || fail "segment $id has mode $perms, expected 600"
	[ "$status" = dest ] ||
		fail "segment $id is not marked for removal (status '$status')"
done <<<"$SEGS"
pid=$SERVER_PID
kill -TERM "$pid"
wait_exit "$pid" 10 || fail "server ignores SIGTERM"
check_gone "$pid" SIGTERM

run_with_viewer
pid=$SERVER_PID
kill -KILL "$pid"
wait_exit "$pid" 10 || true
check_gone "$pid" SIGKILL

run_with_viewer -noshm
[ -z "$SEGS" ] || fail "-noshm server created segments: $SEGS"
