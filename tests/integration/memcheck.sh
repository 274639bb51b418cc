#!/bin/bash
# Every byte the server sends is initialised, padding included: the server
# runs under valgrind memcheck for a short session that makes it send all
# it can, and any memcheck error fails the test ("Syscall param
# write(buf) points to uninitialised byte(s)", "uninitialised value",
# invalid reads and writes):
#  - every encoding in every pixel format (colour map included), with the
#    cursor in each form, pointer position, Fence, ContinuousUpdates,
#    SetDesktopSize answers, LEDs, the Extended Clipboard (rfbwire.py)
#    while the screen changes, the screen is resized (DesktopSize and
#    ExtendedDesktopSize) and the cursor changes (vncclip); some over
#    WebSocket and secure WebSocket, and the web server's answers;
#  - the clipboard both ways, legacy and extended, and the bell;
#  - the handshake with each security type (VeNCrypt over TLS too: the
#    plaintext under the encryption must be defined as well) and its
#    errors: a garbage version, an unoffered type, 3.3, wrong passwords,
#    a refused Plain login.
# make check-asan runs the normal build here (UNSANITIZED_XRFBSHARE), since
# valgrind cannot run an AddressSanitizer binary.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest vncclip xdraw
need_prog valgrind
need_prog python3
need_prog xclip
need_prog xrandr
need_prog openssl

REAL=${UNSANITIZED_XRFBSHARE:-$SERVER_BIN}
[ -x "$REAL" ] || fail "server binary $REAL missing (make)"
cat >"$T/vg-server" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --track-origins=yes --leak-check=no \
	--num-callers=30 --log-file=$T/valgrind.%p.txt "$REAL" "\$@"
EOF
chmod +x "$T/vg-server"
SERVER_BIN=$T/vg-server
SERVER_WAIT=120
PY="python3 $SUPPORT"

# stop_server: SIGTERM, and the server must exit cleanly
stop_server() {
	kill -TERM "$SERVER_PID"
	wait_exit "$SERVER_PID" 60 || fail "server did not stop on SIGTERM"
	[ "$EXIT_CODE" -eq 0 ] || fail "server exited with status $EXIT_CODE"
}

# The memcheck verdict of every server run so far.
check_valgrind() {
	local f bad=0
	for f in "$T"/valgrind.*.txt; do
		grep -q "ERROR SUMMARY: 0 errors" "$f" && continue
		bad=1
		echo "----- $f -----"
		cat "$f"
	done
	[ $bad -eq 0 ] || fail "memcheck found errors (above)"
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text
"$REAL" -storepasswd secret "$T/passwd" >/dev/null 2>&1 ||
	fail "-storepasswd failed"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$T/key.pem" -out "$T/cert.pem" >"$T/openssl.log" 2>&1 ||
	fail "openssl could not make a certificate"
x509=(-cert "$T/cert.pem" -key "$T/key.pem")

# ---- a session with every encoding, format and extension ----
server_start -rfbauth "$T/passwd" -shared "${x509[@]}"
pids=()
n=0
for enc in raw rre corre hextile zlib tight trle zrle zywrle; do
	for fmt in 32le 32be 16 15be 8 cmap; do
		q=
		case $enc in tight | zywrle) q="--quality $((n % 10))" ;; esac
		case $((n % 3)) in 0) cur=alpha ;; 1) cur=rich ;; 2) cur=x ;; esac
		# shellcheck disable=SC2086
		bg pid python3 "$SUPPORT/rfbwire.py" "$PORT" --password secret \
			--encoding "$enc" --format "$fmt" --cursor "$cur" $q \
			--wait-for "$T/drawn" --timeout 600 \
			>"$T/wire-$enc-$fmt.log" 2>&1
		pids+=("$pid")
		n=$((n + 1))
	done
done
all_ready() {
	[ "$(cat "$T"/wire-*.log | grep -c '^ready')" -eq ${#pids[@]} ]
}
wait_for 300 all_ready || fail "the rfbwire viewers did not all get in"
# The web server on the same port: a page, a missing one, bad requests,
# from 127.0.0.2.  After that the server waits longer for that address's
# first bytes (a browser's), which the WebSocket viewers on a busy machine
# need, while it speaks first at once to the others on 127.0.0.1.
python3 "$SUPPORT/rfbwire.py" "$PORT" --http --bind 127.0.0.2 \
	>"$T/http.log" 2>&1 ||
	fail "http: $(cat "$T/http.log")"
# then WebSocket and secure WebSocket viewers on the same port
for c in tight:32le:--ws zrle:16:--wss raw:cmap:--ws hextile:8:--wss; do
	IFS=: read -r enc fmt how <<<"$c"
	bg pid python3 "$SUPPORT/rfbwire.py" "$PORT" --password secret \
		--encoding "$enc" --format "$fmt" "$how" --bind 127.0.0.2 \
		--wait-for "$T/drawn" --timeout 600 \
		>"$T/wire-$enc-$fmt$how.log" 2>&1
	pids+=("$pid")
done
wait_for 300 all_ready || fail "the WebSocket viewers did not all get in"
# the screen changes while they watch: text, scrolling, moving windows
"$TBIN/xdraw" "$D" all >"$T/xdraw.log" 2>&1 || fail "xdraw all failed"
"$TBIN/vncclip" --password secret --cursor "$D" "$PORT" \
	>"$T/cursor.log" 2>&1 || fail "cursor: $(tail -3 "$T/cursor.log")"
# a smaller screen and back: DesktopSize / ExtendedDesktopSize
xrandr -display "$D" --newmode 256x192 60 256 272 336 416 192 195 198 222 \
	2>/dev/null || true
xrandr -display "$D" --addmode screen 256x192 2>/dev/null || true
xrandr -display "$D" --output screen --mode 256x192 --fb 256x192 ||
	fail "xrandr could not shrink the screen"
sleep 2
xrandr -display "$D" --output screen --mode 320x240 --fb 320x240 ||
	fail "xrandr could not restore the screen"
"$TBIN/xdraw" "$D" text >>"$T/xdraw.log" 2>&1 || fail "xdraw text failed"
touch "$T/drawn"
for pid in "${pids[@]}"; do
	wait_exit "$pid" 300 || fail "an rfbwire viewer hangs"
	[ "$EXIT_CODE" -eq 0 ] || {
		cat "$T"/wire-*.log
		fail "an rfbwire viewer failed"
	}
done
log "$(grep -c bytes "$T"/wire-*.log | grep -c :1) rfbwire viewers done"

# clipboard both ways, legacy and Extended, and the bell
printf 'desktop text\n' >"$T/desk.txt"
printf 'viewer text\n' >"$T/viewer.txt"
bg C python3 "$SUPPORT/rfbclip.py" "$PORT" --password secret \
	--expect "$T/desk.txt" --stay 2 --timeout 60 >"$T/rfbclip.log" 2>&1
wait_for 60 grep -q ready "$T/rfbclip.log" || fail "rfbclip not ready"
xclip -display "$D" -selection clipboard <"$T/desk.txt"
wait_exit "$C" 120 || fail "rfbclip hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "rfbclip: $(tail -3 "$T/rfbclip.log")"
python3 "$SUPPORT/rfbclip.py" "$PORT" --password secret \
	--send "$T/viewer.txt" --timeout 60 >"$T/rfbclip-send.log" 2>&1 ||
	fail "rfbclip --send: $(tail -3 "$T/rfbclip-send.log")"
"$TBIN/vncclip" --password secret --timeout 60 --send "legacy é" \
	--bell "$D" "$PORT" >"$T/vncclip.log" 2>&1 ||
	fail "vncclip: $(tail -3 "$T/vncclip.log")"
bg C "$TBIN/vncclip" --password secret --timeout 60 --expect "to legacy" \
	"$PORT" >"$T/vncclip-expect.log" 2>&1
sleep 3
printf 'to legacy' | xclip -display "$D" -selection clipboard
wait_exit "$C" 120 || fail "vncclip --expect hangs"
[ "$EXIT_CODE" -eq 0 ] || fail "vncclip: $(tail -3 "$T/vncclip-expect.log")"

# handshake errors
$PY/rfbhand.py "$PORT" garbage >"$T/garbage.log" 2>&1 ||
	fail "garbage version: $(cat "$T/garbage.log")"
got=$($PY/rfbsec.py --pick 1 "$PORT" | paste -sd ' ')
case "$got" in
*"result: failed: "*) ;;
*) fail "unoffered type: $got" ;;
esac
got=$($PY/rfbsec.py --version 3.3 "$PORT" | paste -sd ' ')
[ "$got" = "type: 2" ] || fail "3.3: $got"
vnctest --password wrong --timeout 60 --expect-auth-fail \
	>"$T/wrong.log" 2>&1 || fail "a wrong password got in"
stop_server
check_valgrind
log "session: every encoding and format, clean"

# ---- each security type ----
vt() {
	"$TBIN/vnctest" --timeout 60 "$@" "localhost:$PORT"
}

server_start -securitytypes None
$PY/rfbhand.py "$PORT" 3.7 >"$T/v37.log" 2>&1 || fail "3.7: $(cat "$T/v37.log")"
vt --encodings raw >"$T/none.log" 2>&1 || fail "None: $(tail -3 "$T/none.log")"
stop_server

server_start -securitytypes TLSNone
vt >"$T/tlsnone.log" 2>&1 || fail "TLSNone: $(tail -3 "$T/tlsnone.log")"
stop_server

server_start -securitytypes TLSVnc -rfbauth "$T/passwd"
vt --password secret >"$T/tlsvnc.log" 2>&1 ||
	fail "TLSVnc: $(tail -3 "$T/tlsvnc.log")"
vt --password wrong --expect-auth-fail >"$T/tlsvnc-wrong.log" 2>&1 ||
	fail "TLSVnc: a wrong password got in"
stop_server

server_start -securitytypes X509None "${x509[@]}"
vt --x509-ca "$T/cert.pem" >"$T/x509none.log" 2>&1 ||
	fail "X509None: $(tail -3 "$T/x509none.log")"
stop_server

server_start -securitytypes X509Vnc -rfbauth "$T/passwd" "${x509[@]}"
vt --x509-ca "$T/cert.pem" --password secret >"$T/x509vnc.log" 2>&1 ||
	fail "X509Vnc: $(tail -3 "$T/x509vnc.log")"
stop_server

# Plain logins go to PAM: a wrong password is refused.
me=$(id -un)
for t in TLSPlain X509Plain; do
	server_start -securitytypes "$t" -plainusers "$me" "${x509[@]}"
	vt --x509-ca "$T/cert.pem" --user "$me" --password wrong \
		--expect-auth-fail >"$T/$t.log" 2>&1 ||
		fail "$t: a wrong password got in: $(tail -3 "$T/$t.log")"
	stop_server
done
check_valgrind
log "every security type, clean"
