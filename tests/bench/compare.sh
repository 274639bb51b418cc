#!/bin/bash
# `make bench`: xrfbshare, x11vnc and x0vncserver one after another, each
# on a fresh Xvfb, each measured by benchclient with the same encodings and
# the same benchdraw workloads; then table.py prints them side by side.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS    timed phase of each workload [6]
#   BENCH_HZ         drawing rate [30]
#   BENCH_SETTLE     wait after the drawing stops before comparing [2]
#   BENCH_SERVERS    [xrfbshare x11vnc x0vncserver]
#   BENCH_ENCODINGS  [zrle tight jpeg]
#   BENCH_WORKLOADS  [term,drag,blink,full,idle]
#   BENCH_GEOM       Xvfb screen [1920x1080x24]
#   BENCH_OUT        directory for results and logs [build/bench]
#   XRFBSHARE        the binary under test [./xrfbshare]
#   BENCH_BIN        where benchclient and benchdraw are [build/bench]
#
# Why a fresh Xvfb per server: each server leaves state in the X server
# (Damage and XFixes objects, SHM segments, x11vnc's RECORD context), and
# the Xvfb CPU we charge to a server must be its own.  A new Xvfb gives
# every server the same starting point for ~1 s of set-up.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BENCH_OUT:-$TOP/build/bench}
BIN=${BENCH_BIN:-$TOP/build/bench}
SECS=${BENCH_SECONDS:-6}
HZ=${BENCH_HZ:-30}
SETTLE=${BENCH_SETTLE:-2}
SERVERS=${BENCH_SERVERS:-xrfbshare x11vnc x0vncserver}
ENCODINGS=${BENCH_ENCODINGS:-zrle tight jpeg}
WORKLOADS=${BENCH_WORKLOADS:-term,drag,blink,full,idle}
GEOM=${BENCH_GEOM:-1920x1080x24}
XRFBSHARE=${XRFBSHARE:-$TOP/xrfbshare}
RESULTS=$OUT/results.txt
X0VNC=$(command -v X0tigervnc || echo x0vncserver)

mkdir -p "$OUT"
for p in Xvfb python3 ss "$BIN/benchclient" "$BIN/benchdraw"; do
	command -v "$p" >/dev/null ||
		{ echo "bench: $p missing (make deps-bench)" >&2; exit 1; }
done

PIDS=()
cleanup() {
	local i j
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill "${PIDS[i]}" 2>/dev/null || true
		# a server that ignores SIGTERM (x11vnc once did) gets SIGKILL
		for ((j = 0; j < 50; j++)); do
			kill -0 "${PIDS[i]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "${PIDS[i]}" 2>/dev/null || true
		wait "${PIDS[i]}" 2>/dev/null || true
	done
	PIDS=()
	rm -f "$OUT"/xvfb.displayfd
}
trap cleanup EXIT

wait_for() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

listening() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# xvfb: a fresh display; sets DISPLAY_, XVFB_PID
xvfb() {
	local fd=$OUT/xvfb.displayfd
	: >"$fd"
	Xvfb -displayfd 3 -nolisten tcp -noreset -screen 0 "$GEOM" \
		3>"$fd" 2>"$OUT/xvfb.log" &
	XVFB_PID=$!
	PIDS+=($XVFB_PID)
	wait_for 15 grep -q '^[0-9]' "$fd" || { echo "bench: no Xvfb" >&2; exit 1; }
	DISPLAY_=:$(cat "$fd")
}

# server NAME: start it on $DISPLAY_, loopback only, no password, for
# any number of successive viewers; sets SERVER_PID, PORT.  Each runs with
# its defaults otherwise (doc/performance.md says why).
server() {
	local log=$OUT/$1.log
	case $1 in
	xrfbshare)
		: >"$OUT/xrfbshare.out"
		"$XRFBSHARE" -display "$DISPLAY_" -rfbport 0 -localhost \
			-forever >"$OUT/xrfbshare.out" 2>"$log" &
		SERVER_PID=$!
		PIDS+=($SERVER_PID)
		wait_for 15 grep -q '^PORT=' "$OUT/xrfbshare.out" ||
			{ echo "bench: xrfbshare did not start" >&2; exit 1; }
		PORT=$(sed -n 's/^PORT=\([0-9]*\).*/\1/p' "$OUT/xrfbshare.out")
		return ;;
	x11vnc)
		PORT=$(python3 "$TOP/tests/support/freeport.py")
		x11vnc -display "$DISPLAY_" -rfbport "$PORT" -localhost -nopw \
			-shared -forever >"$log" 2>&1 &
		;;
	x0vncserver)
		PORT=$(python3 "$TOP/tests/support/freeport.py")
		# Debian's x0vncserver is a Perl wrapper: run the server
		# itself, whose CPU we measure.
		"$X0VNC" -display "$DISPLAY_" -rfbport "$PORT" -localhost \
			-SecurityTypes None >"$log" 2>&1 &
		;;
	*) echo "bench: unknown server $1" >&2; exit 2 ;;
	esac
	SERVER_PID=$!
	PIDS+=($SERVER_PID)
	wait_for 20 listening "$PORT" ||
		{ echo "bench: $1 did not listen on $PORT" >&2; exit 1; }
}

load() {
	echo "# load $1: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
}

{
	echo "# date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# machine $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "# seconds $SECS hz $HZ settle $SETTLE geometry $GEOM"
	echo "# versions xrfbshare $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?'), $(x11vnc -version 2>/dev/null | head -n 1), $(x0vncserver -version 2>&1 | grep -m1 -o 'TigerVNC.*version [0-9.]*')"
	load start
} >"$RESULTS"

start=$SECONDS
for s in $SERVERS; do
	xvfb
	server "$s"
	for e in $ENCODINGS; do
		echo "bench: $s $e on $DISPLAY_ port $PORT" >&2
		err=$OUT/client-$s-$e.log
		"$BIN/benchclient" --label "$s" --encoding "$e" \
			--display "$DISPLAY_" --server-pid "$SERVER_PID" \
			--xvfb-pid "$XVFB_PID" --workloads "$WORKLOADS" \
			--seconds "$SECS" --hz "$HZ" --settle "$SETTLE" \
			--out "$RESULTS" "$PORT" 2>"$err" >&2 ||
			echo "# failed $s $e: $(tail -n 1 "$err")" >>"$RESULTS"
		cat "$err" >&2
	done
	cleanup
done
load end >>"$RESULTS"
echo "# took $((SECONDS - start)) s" >>"$RESULTS"
python3 "$TOP/tests/bench/table.py" "$RESULTS"
