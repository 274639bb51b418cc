#!/bin/bash
# noVNC (Debian's novnc package) in headless Chromium, served by xrfbshare
# itself with -httpdir and connected by WebSocket to the VNC port, no
# websockify: over ws:// and over wss:// with our own certificate.  The
# canvas must equal the shared display pixel for pixel (noVNC asks for
# Tight with JPEG: the server's lossless refresh must follow), after
# connecting and after more drawing; a click and typed text must reach an
# X client with the right button, place and characters.
#
# playwright-core drives Chromium (tests/support/novnc_check.mjs); it is
# installed from npm into build/node by tests/support/node-setup.sh.  With
# KEEP_TMP=1 a failed comparison leaves both pictures as PPM files.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xdraw xkeyrec
need_prog python3
need_prog xwd
need_prog node
need_prog openssl
need_prog /usr/bin/chromium

NOVNC=/usr/share/novnc
for f in vnc_lite.html core/rfb.js; do
	[ -f "$NOVNC/$f" ] ||
		fail "$NOVNC/$f is missing (contrib/install-deps.sh test)"
done
# vnc_lite.html's query parameters and the encodings asked for are those
# of noVNC 1.3 (Debian 12); say which one ran.
log "noVNC $(dpkg-query -W -f='${Version}' novnc 2>/dev/null || echo '?')," \
	"$(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
MODULES=$("$SUPPORT/node-setup.sh") || fail "installing playwright-core failed"

PPM="python3 $SUPPORT/ppmtool.py"
# Chromium and our certificate stay out of the real home directory.
export HOME=$T/home
mkdir -p "$HOME"

xvfb_start D 640x480x24
for scene in text gradient; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done

# A self-signed certificate for 127.0.0.1; Chromium is told to trust its
# public key (and only that) by its SPKI hash.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.log" ||
	fail "openssl could not make a certificate"
SPKI=$(openssl x509 -in "$T/cert.pem" -pubkey -noout |
	openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)

# The browser: commands go in through a FIFO (held open here, so that it
# never reads end-of-file), answers come back one line each in $T/drv.out
# (line 1 is "ok ready").
mkfifo "$T/drv.in"
exec {DRV_IN}<>"$T/drv.in"
bg DRV_PID node "$SUPPORT/novnc_check.mjs" "$MODULES" "$T/profile" \
	"$T/drv.in" "$SPKI" >"$T/drv.out" 2>"$T/browser.log"
DRV_N=1
ANSWER=

_drv_answered() {
	[ "$(wc -l <"$T/drv.out")" -ge "$DRV_N" ] || gone "$DRV_PID"
}

# drv_wait SECONDS: wait for the next answer into ANSWER; 0 if it is ok.
drv_wait() {
	wait_for "$1" _drv_answered ||
		fail "the browser did not answer within $1 s"
	ANSWER=$(sed -n "${DRV_N}p" "$T/drv.out")
	[ -n "$ANSWER" ] || fail "the browser driver exited"
	log "browser: $ANSWER"
	case "$ANSWER" in ok*) return 0 ;; esac
	return 1
}

# drv SECONDS COMMAND...: run a command in the browser; 1 on an error.
drv() {
	local limit=$1
	shift
	DRV_N=$((DRV_N + 1))
	printf '%s\n' "$*" >&"$DRV_IN"
	drv_wait "$limit"
}

drv_wait 40 || fail "browser: $ANSWER"

NSHOT=0
# shot: the display as $T/shot.N.ppm, named in SHOT
shot() {
	NSHOT=$((NSHOT + 1))
	SHOT=$T/shot.$NSHOT.ppm
	$PPM grab "$D" "$SHOT" || fail "could not read $D with xwd"
}

# same WHEN: wait until the canvas equals the display as it is now; JPEGS
# gets how many JPEG rectangles the page has drawn so far.
same() {
	shot
	drv 25 match "$SHOT" 20 || fail "$1: canvas is not the display: $ANSWER"
	JPEGS=${ANSWER##* jpegs=}
	[[ $JPEGS =~ ^[0-9]+$ ]] || fail "no JPEG count in: $ANSWER"
}

# lossless WHEN BEFORE: noVNC asks for Tight with JPEG (quality 6), and a
# full-colour picture went as JPEG since BEFORE, so the exact match just
# seen was the server's lossless refresh.
lossless() {
	[ "$JPEGS" -gt "$2" ] ||
		fail "$1: no JPEG was drawn: the lossless refresh went untested"
}

# open SCHEME URL: load the viewer, see it connect over SCHEME.
open_viewer() {
	drv 40 open "$2" || fail "noVNC did not connect: $ANSWER"
	case "$ANSWER" in
	"ok 640x480 ws=$1://127.0.0.1:$PORT/"*) ;;
	*) fail "expected a 640x480 desktop over $1://, got: $ANSWER" ;;
	esac
}

# input WHEN: clicks and typing in the page reach an X client (xkeyrec,
# whose white window then covers the screen).
input() {
	local text='Hello noVNC 123'
	rec_start
	same "$1, recorder window shown"
	drv 10 click 123 45 1 || fail "click: $ANSWER"
	drv 10 click 600 470 3 || fail "click: $ANSWER"
	drv 20 type "$text" || fail "type: $ANSWER"
	rec_expect "button 1 press at 123,45
button 1 release at 123,45
button 3 press at 600,470
button 3 release at 600,470
$text" 10 || fail "$1: the X client got other input"
	rec_stop
}

# viewer_url SCHEME [MORE]: noVNC 1.3's lite viewer on this server.  It
# does not scale, so canvas pixels are display pixels (that is its default:
# it reads any scale= value, "false" and "0" too, as true); path is what it
# puts in the WebSocket URL.
viewer_url() {
	local q="host=127.0.0.1&port=$PORT&path=websockify${2:-}"
	echo "$1://127.0.0.1:$PORT/vnc_lite.html?$q"
}

# --- ws:// -------------------------------------------------------------
server_start -httpdir "$NOVNC"
open_viewer ws "$(viewer_url http)"
same "ws, connected"
lossless "ws, connected" 0
first=$SHOT

# The comparison is exact: one pixel off is found, and only that one.
$PPM poke "$first" "$T/poked.ppm" 321 123
drv 10 match "$T/poked.ppm" 0 && fail "a changed pixel went unnoticed"
case "$ANSWER" in
"error 1 pixels differ, first at 321,123:"*) ;;
*) fail "one changed pixel reported as: $ANSWER" ;;
esac

for scene in scroll move; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done
same "ws, after drawing"
# ... and the old picture is now wrong by exactly what the drawing changed.
n=$($PPM diff "$first" "$SHOT")
[ "$n" -gt 1000 ] || fail "the drawing changed only $n pixels"
drv 10 match "$first" 0 && fail "the canvas still matches the old display"
case "$ANSWER" in
"error $n pixels differ"*) ;;
*) fail "expected $n differing pixels against the old display: $ANSWER" ;;
esac

input ws
grep -q "WebSocket viewer" "$SERVER_LOG" ||
	fail "the server log has no WebSocket viewer"

# --- wss:// ------------------------------------------------------------
kill "$SERVER_PID"
wait_exit "$SERVER_PID" 10 || fail "server did not stop on SIGTERM"
# the root window lost the drawing under the recorder's window: redraw
for scene in rects text; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done
server_start -httpdir "$NOVNC" -cert "$T/cert.pem" -key "$T/key.pem"
# vnc_lite.html takes wss:// from the https: page (encrypt=1 is for
# vnc.html; the lite viewer ignores it)
open_viewer wss "$(viewer_url https '&encrypt=1')"
same "wss, connected"
before=$JPEGS
"$TBIN/xdraw" "$D" gradient || fail "xdraw gradient failed"
same "wss, after drawing"
lossless "wss, after drawing" "$before"
input wss
grep -q "WebSocket viewer" "$SERVER_LOG" ||
	fail "the server log has no WebSocket viewer"

printf 'quit\n' >&"$DRV_IN"
wait_exit "$DRV_PID" 15 || fail "the browser did not close"
alive "$SERVER_PID" || fail "server died"
