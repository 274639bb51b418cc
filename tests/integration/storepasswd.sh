#!/bin/bash
# -storepasswd writes the vncpasswd format, -viewpasswd adds TigerVNC's
# view-only second entry; the server reads both back: the first password
# gets control, the second a view-only session.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest

f=$T/passwd
"$SERVER_BIN" -storepasswd fullpw "$f" -viewpasswd viewpw 2>"$T/store.log" ||
	fail "-storepasswd failed: $(cat "$T/store.log")"
[ "$(stat -c %a "$f")" = 600 ] || fail "password file mode $(stat -c %a "$f")"
[ "$(stat -c %s "$f")" = 16 ] || fail "expected two 8-byte entries"
"$SERVER_BIN" -storepasswd fullpw "$T/one" 2>/dev/null
[ "$(stat -c %s "$T/one")" = 8 ] || fail "without -viewpasswd: one entry"

xvfb_start D 320x240x24
server_start -rfbauth "$f"
"$TBIN/vnctest" --password fullpw --compare-display "$D" "$PORT" \
	>"$T/full.log" 2>&1 || fail "full password refused"
"$TBIN/vnctest" --password viewpw --compare-display "$D" "$PORT" \
	>"$T/view.log" 2>&1 || fail "view-only password refused"
grep -q "session started (view-only)" "$SERVER_LOG" ||
	fail "the second password did not give a view-only session"
"$TBIN/vnctest" --password nope --expect-auth-fail "$PORT" \
	>"$T/bad.log" 2>&1 || fail "a wrong password got in"
