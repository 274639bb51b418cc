#!/bin/bash
# VNC authentication: -storepasswd writes a private vncpasswd-format file;
# a server using it lets the right password in and refuses wrong ones, and
# offers no way around it.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest vncpwfile xdraw

pw=$T/passwd
"$SERVER_BIN" -storepasswd secret "$pw" || fail "-storepasswd failed"
[ -f "$pw" ] || fail "-storepasswd wrote no file"
mode=$(stat -c %a "$pw")
[ "$mode" = 600 ] || fail "password file mode $mode, expected 600"
"$TBIN/vncpwfile" secret >"$T/expected"
cmp "$pw" "$T/expected" ||
	fail "password file is not in vncpasswd format:
$(od -An -tx1 "$pw") vs
$(od -An -tx1 "$T/expected")"

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" text
server_start -rfbauth "$pw"

vnctest --password secret --compare-display "$D" ||
	fail "right password: no matching session"
vnctest --password wrong --expect-auth-fail ||
	fail "wrong password was not refused"
vnctest --password secretX --expect-auth-fail ||
	fail "a longer password was not refused"

# no security type None on offer, neither in 3.8 nor in 3.3 style
for v in 3.8 3.3; do
	if out=$(python3 "$SUPPORT/rfbhand.py" "$PORT" "$v"); then
		fail "RFB $v connected without a password: $out"
	fi
	log "without password, RFB $v: $out"
	case "$out" in
	*"lack None"* | *"security type 2"*) ;;
	*) fail "unexpected failure for RFB $v: $out" ;;
	esac
done

vnctest --password secret --compare-display "$D" ||
	fail "right password refused after failed attempts"
