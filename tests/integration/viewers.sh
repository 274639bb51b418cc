#!/bin/bash
# Real viewers, each on a display of its own: TigerVNC's vncviewer (ZRLE
# without JPEG, and its defaults: Tight with JPEG, which the server must
# follow with a lossless refresh) and gtk-vnc's gvncviewer.  A screenshot
# of each viewer's display must contain the shared display pixel for
# pixel, after connecting and again after more drawing.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support xdraw
need_prog python3
need_prog xwd
need_prog vncviewer
need_prog gvncviewer

SHOT="python3 $SUPPORT/viewshot.py"

xvfb_start D 640x480x24
for scene in text gradient; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done
server_start -shared

# No dialogs, no reconnecting, no resizing the shared desktop to fit.
tiger="-SecurityTypes None -Shared -RemoteResize=0 -AlertOnFatalError=0
	-ReconnectOnError=0"

# start_viewer NAME cmd...: run cmd with @ in its arguments replaced by a
# new display of its own.
names=()
start_viewer() {
	local name=$1 vd pid
	shift
	xvfb_start vd 1024x768x24
	bg pid "${@//@/$vd}" >"$T/$name.log" 2>&1
	eval "VD_$name=\$vd PID_$name=\$pid"
	names+=("$name")
}
# shellcheck disable=SC2086
start_viewer tiger_zrle vncviewer -display @ $tiger -AutoSelect=0 \
	-FullColor -PreferredEncoding ZRLE -NoJPEG "127.0.0.1::$PORT"
# shellcheck disable=SC2086
start_viewer tiger_default vncviewer -display @ $tiger "127.0.0.1::$PORT"
# gvncviewer takes a display number: port 5900 + N
[ "$PORT" -ge 5900 ] || fail "port $PORT is below 5900: gvncviewer cannot say it"
start_viewer gvnc gvncviewer --display=@ "127.0.0.1:$((PORT - 5900))"

# check WHEN: every viewer's display shows the shared one.
check() {
	local when=$1 n vd pid bad=
	for n in "${names[@]}"; do
		eval "vd=\$VD_$n pid=\$PID_$n"
		alive "$pid" && ! gone "$pid" ||
			{ tail -n 20 "$T/$n.log"; fail "$n exited ($when)"; }
		mkdir -p "$T/shots-$n-$when"
		if $SHOT --timeout 30 --save "$T/shots-$n-$when" "$D" "$vd" \
			>"$T/shot-$n.out" 2>&1; then
			log "$n $when: $(cat "$T/shot-$n.out")"
		else
			cat "$T/shot-$n.out"
			bad="$bad $n"
		fi
	done
	[ -z "$bad" ] || fail "$when: the shared display is not on:$bad"
}

check connected

for scene in scroll move; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done
check "after-drawing"

alive "$SERVER_PID" || fail "server died"
n=$(grep -c "session started" "$SERVER_LOG")
[ "$n" -ge 3 ] || fail "only $n sessions in the server log"
