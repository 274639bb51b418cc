#!/bin/bash
# Unicode clipboard through the Extended Clipboard (rfbproto 7.8.22):
# viewer to desktop (a provide, or a notify answered on request) lands in
# CLIPBOARD and PRIMARY as UTF-8 with LF line ends; desktop to viewer goes
# notify -> request -> provide with CR LF and a NUL; 2 MB texts cross both
# ways (X INCR transfers) under a raised -maxcuttext and are dropped with a
# log line over the cap; -noclipboard passes nothing either way;
# -noprimary leaves PRIMARY alone; a Latin-1 viewer still gets desktop
# text, with '?' for what Latin-1 lacks.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vncclip
need_prog xclip
need_prog python3

xvfb_start D 320x240x24

printf 'héllo wörld — 你好 😀\nsecond line' >"$T/v2d.txt"
printf 'notify first: ünïcödé ✓ — 𝄞' >"$T/notify.txt"
printf 'desktop → viewer: 日本語 한국어 😀🎉\nline two\n' >"$T/d2v.txt"
printf 'only in PRIMARY: ½ ☃' >"$T/primary.txt"
printf 'grüße — 你好 😀' >"$T/legacy.txt"
printf 'before' >"$T/before.txt"
python3 - "$T/big.txt" "$T/big2.txt" <<'EOF'
import random
import sys

r = random.Random(4)
for path, tag in zip(sys.argv[1:], "AB"):
    lines, n = [], 0
    while n < 2000000:
        line = "%s %06d: héllo wörld — 你好 😀 %016x" % (
            tag, len(lines), r.getrandbits(64))
        lines.append(line)
        n += len(line.encode()) + 1
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines))
EOF

# sel_is SELECTION FILE: the X selection holds exactly FILE's text.
sel_is() {
	timeout 5 xclip -display "$D" -o -selection "$1" >"$T/sel.out" \
		2>/dev/null && cmp -s "$T/sel.out" "$2"
}

# x_set SELECTION FILE: an X client (xclip, staying in the background)
# takes SELECTION with FILE's text, as a desktop application copying.
x_set() {
	xclip -display "$D" -i -selection "$1" <"$2" >/dev/null 2>&1
}

# clip NAME ARGS...: run the Extended Clipboard viewer; NAME.log keeps
# what it saw.
clip() {
	local name=$1
	shift
	python3 "$SUPPORT/rfbclip.py" "$PORT" "$@" >"$T/$name.log" 2>&1 ||
		fail "$name: $(tail -n 1 "$T/$name.log")"
}

# clip_bg VAR NAME ARGS...: the same in the background, once it is ready.
clip_bg() {
	local var=$1 name=$2
	shift 2
	bg "$var" python3 "$SUPPORT/rfbclip.py" "$PORT" "$@" \
		>"$T/$name.log" 2>&1
	wait_for 15 grep -q '^ready' "$T/$name.log" ||
		fail "$name: never ready: $(tail -n 1 "$T/$name.log")"
}

# clip_done PID NAME: the background viewer must end successfully.
clip_done() {
	wait_exit "$1" 40 || fail "$2: still running"
	[ "$EXIT_CODE" -eq 0 ] || fail "$2: $(tail -n 1 "$T/$2.log")"
	log "$2: ok"
}

# Server log lines since log_mark.
log_mark() {
	MARK=$(wc -l <"$SERVER_LOG")
}

logged_since() {
	tail -n +$((MARK + 1)) "$SERVER_LOG" | grep -qiE "$1"
}

# --- a server that accepts large texts ---
server_start -maxcuttext 8000000

clip v2d --send "$T/v2d.txt"
for sel in clipboard primary; do
	wait_for 5 sel_is $sel "$T/v2d.txt" ||
		fail "viewer text not in $sel: $(head -c 200 "$T/sel.out")"
done
log "viewer -> desktop: UTF-8 text in CLIPBOARD and PRIMARY"

# TigerVNC's way: announce, send the text when the server asks for it.
clip_bg N notify --notify "$T/notify.txt" --stay 30
for sel in clipboard primary; do
	wait_for 10 sel_is $sel "$T/notify.txt" ||
		fail "notified text never reached $sel: $(head -c 200 \
			"$T/sel.out"); viewer: $(tail -n 3 "$T/notify.log")"
done
grep -q '^sent provide' "$T/notify.log" ||
	fail "the server never requested the notified text"
kill "$N"
log "viewer -> desktop: notify, request, provide"

clip_bg E d2v --expect "$T/d2v.txt"
x_set clipboard "$T/d2v.txt"
clip_done "$E" d2v

clip_bg E primary --expect "$T/primary.txt"
x_set primary "$T/primary.txt"
clip_done "$E" primary

# A Latin-1 viewer next to a Unicode one.
bg L "$TBIN/vncclip" --expect 'grüße ? ?? ?' "$PORT" >"$T/vncclip.log" 2>&1
wait_for 10 grep -q ready "$T/vncclip.log" || fail "vncclip never ready"
clip_bg E legacy --expect "$T/legacy.txt"
x_set clipboard "$T/legacy.txt"
clip_done "$E" legacy
wait_exit "$L" 20 || fail "Latin-1 viewer: still waiting"
[ "$EXIT_CODE" -eq 0 ] ||
	fail "Latin-1 viewer did not get 'grüße ? ?? ?': $(tail -n 1 \
		"$T/vncclip.log")"
log "Latin-1 viewer got the desktop text with '?' for the rest"

# 2 MB both ways: X moves these in INCR transfers.
clip big_v2d --send "$T/big.txt" --timeout 30
for sel in clipboard primary; do
	wait_for 20 sel_is $sel "$T/big.txt" ||
		fail "2 MB viewer text not in $sel ($(wc -c \
			<"$T/sel.out") bytes)"
done
log "2 MB viewer -> desktop"
clip_bg E big_d2v --expect "$T/big2.txt" --timeout 30
x_set clipboard "$T/big2.txt"
clip_done "$E" big_d2v

# --- the default cap (1 MiB): 2 MB is dropped, with a log line ---
kill "$SERVER_PID"
wait_exit "$SERVER_PID" 10 || fail "server did not stop"
server_start
x_set clipboard "$T/before.txt"
wait_for 5 sel_is clipboard "$T/before.txt" || fail "xclip did not take it"
log_mark
python3 "$SUPPORT/rfbclip.py" "$PORT" --provide "$T/big.txt" --stay 1 \
	>"$T/over_v2d.log" 2>&1 || log "over-cap viewer: $(tail -n 1 \
		"$T/over_v2d.log")"
wait_for 10 logged_since 'maxcuttext|cap' ||
	fail "no log line about the viewer's text over -maxcuttext"
sel_is clipboard "$T/before.txt" ||
	fail "text over -maxcuttext reached the clipboard ($(wc -c \
		<"$T/sel.out") bytes)"
log "2 MB viewer text over the cap dropped: $(tail -n +$((MARK + 1)) \
	"$SERVER_LOG" | grep -iE 'maxcuttext|cap' | head -n 1)"

# A careful viewer only announces a text over the server's caps; if the
# server asks for it anyway, the answer is dropped, but the viewer did
# nothing wrong and stays connected.
clip over_notify --send "$T/big.txt" --stay 3
sel_is clipboard "$T/before.txt" ||
	fail "announced text over -maxcuttext reached the clipboard"
log "2 MB announced by a careful viewer: $(grep -c '^sent provide' \
	"$T/over_notify.log") provide(s) asked for, still connected"

clip_bg F over_d2v --forbid "$T/big.txt" --stay 5
log_mark
x_set clipboard "$T/big.txt"
wait_for 10 logged_since 'maxcuttext|cap' ||
	fail "no log line about the desktop's text over -maxcuttext"
clip_done "$F" over_d2v
log "2 MB desktop text over the cap not sent"

# --- -noclipboard: nothing either way ---
kill "$SERVER_PID"
wait_exit "$SERVER_PID" 10 || fail "server did not stop"
server_start -noclipboard
for sel in clipboard primary; do
	x_set $sel "$T/before.txt"
	wait_for 5 sel_is $sel "$T/before.txt" || fail "xclip did not take it"
done
clip nc_send --send "$T/v2d.txt" --no-caps-ok --silence --stay 1
"$TBIN/vncclip" --send "intruder" "$PORT" >"$T/nc_vncclip.log" 2>&1 ||
	fail "Latin-1 viewer could not connect to -noclipboard"
for sel in clipboard primary; do
	sel_is $sel "$T/before.txt" ||
		fail "-noclipboard: $sel changed to \"$(head -c 200 \
			"$T/sel.out")\""
done
clip_bg S nc_ext --no-caps-ok --silence --stay 3
clip_bg S2 nc_legacy --legacy --silence --stay 3
x_set clipboard "$T/d2v.txt"
clip_done "$S" nc_ext
clip_done "$S2" nc_legacy
log "-noclipboard: nothing crossed"

# --- -noprimary: CLIPBOARD only ---
kill "$SERVER_PID"
wait_exit "$SERVER_PID" 10 || fail "server did not stop"
server_start -noprimary
x_set primary "$T/before.txt"
wait_for 5 sel_is primary "$T/before.txt" || fail "xclip did not take it"
clip np_send --send "$T/v2d.txt"
wait_for 5 sel_is clipboard "$T/v2d.txt" ||
	fail "-noprimary: viewer text not in CLIPBOARD"
sel_is primary "$T/before.txt" ||
	fail "-noprimary: PRIMARY changed to \"$(head -c 200 "$T/sel.out")\""
clip_bg P np_recv --forbid "$T/primary.txt" --expect "$T/d2v.txt"
x_set primary "$T/primary.txt"
sleep 1.5 # a wrong server would pass PRIMARY on by now
x_set clipboard "$T/d2v.txt"
clip_done "$P" np_recv
log "-noprimary: PRIMARY left alone both ways, CLIPBOARD works"
