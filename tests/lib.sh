# Shared helpers for the integration tests; source it from bash after
# `set -eu`.  Everything here runs on loopback and on a private Xvfb, and
# every process a test starts through these helpers is killed on exit.
#
#   xvfb_start VAR [WxHxD] [Xvfb args...]  start Xvfb, set VAR=":N"
#   server_start [xrfbshare args...]       start the server under test on
#                                          $XVFB_DISPLAY, set SERVER_PID, PORT
#   bg VAR cmd...                          start cmd in the background, set
#                                          VAR to its pid, kill it on exit
#   wait_for SECONDS cmd...                poll cmd until it succeeds
#   wait_exit PID SECONDS                  wait for PID to end, set EXIT_CODE
#   fail "msg"                             report and exit 1
#   rec_start / rec_stop / rec_expect TEXT   an xkeyrec on $XVFB_DISPLAY
#                                          recording typed text in $REC
#   watch_start [vncwatch args] / watch_stop  a well-behaved viewer and an
#                                          animation; stop checks its report
#
# XRFBSHARE names the binary under test (default: ./xrfbshare at the top),
# TEST_BIN the directory of the support programs (default: build/tests).
# XRFB_TEST_ARGS: extra options for every server_start (e.g. "-threads 1").

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TBIN=${TEST_BIN:-$TOP/build/tests}
SUPPORT=$TOP/tests/support
SERVER_BIN=${XRFBSHARE:-$TOP/xrfbshare}
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/xrfbshare-$TEST_NAME.XXXXXX")

CLEANUP_PIDS=()
NSERVERS=0
XVFB_DISPLAY=
SERVER_PID=
SERVER_LOG=
PORT=
EXIT_CODE=
XVFB_PID=

log() {
	echo "[$TEST_NAME $(date +%T)] $*"
}

FAIL_MSG=
fail() {
	FAIL_MSG=$*
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

# Show the logs of everything we started when a test fails, so that the
# runner's tail of tests/out/NAME.log explains the failure.
_dump_logs() {
	local f
	for f in "$T"/*.log; do
		[ -s "$f" ] || continue
		echo "----- $(basename "$f") (last 40 lines) -----"
		tail -n 40 "$f"
	done
}

_cleanup() {
	local rc=$? pid i
	trap - EXIT
	# Newest first: clients before the server before Xvfb.
	for ((i = ${#CLEANUP_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${CLEANUP_PIDS[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
	done
	[ "$rc" -eq 0 ] || _dump_logs >&2
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
	if [ "$rc" -eq 0 ]; then
		echo "PASS: $TEST_NAME"
	else
		# the reason again, last, where the runner's tail shows it
		echo "FAIL: $TEST_NAME: ${FAIL_MSG:-exit status $rc}" >&2
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'FAIL_MSG="status $? at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 143' TERM
trap 'exit 130' INT

# wait_for SECONDS cmd...: run cmd every 0.1 s until it succeeds; 1 if the
# time runs out.
wait_for() {
	local limit=$1 end
	shift
	end=$(($(date +%s%N) + limit * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

alive() {
	kill -0 "$1" 2>/dev/null
}

# Our children turn into zombies when they die; kill -0 still succeeds on a
# zombie, so also look at the process state.
gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	case "$st" in Z*) return 0 ;; esac
	return 1
}

wait_gone() {
	wait_for "$2" gone "$1"
}

# wait_exit PID SECONDS: wait for a child to end; EXIT_CODE gets its status.
# Returns 1 (leaving the process running) if it does not end in time.
wait_exit() {
	EXIT_CODE=
	wait_gone "$1" "$2" || return 1
	EXIT_CODE=0
	wait "$1" || EXIT_CODE=$?
}

# bg VAR cmd...: start cmd in the background and remember it for cleanup.
# VAR gets the pid of cmd itself, so cmd must be a program, not a function
# (bash would fork a subshell for it); "vnctest" is expanded here for that.
bg() {
	local var=$1
	shift
	[ "$1" = vnctest ] && set -- "$TBIN/vnctest" "${@:2}" "$PORT"
	"$@" &
	CLEANUP_PIDS+=($!)
	printf -v "$var" '%s' "$!"
}

need_prog() {
	[ -x "$1" ] || command -v "$1" >/dev/null 2>&1 ||
		fail "required program $1 is missing (make deps-test)"
}

_displayfd_ready() {
	grep -q '^[0-9][0-9]*$' "$1" 2>/dev/null
}

# xvfb_start VAR [WxHxD] [extra Xvfb args...]
xvfb_start() {
	local var=$1 geom=${2:-800x600x24} n file pid
	shift
	[ $# -gt 0 ] && shift
	need_prog Xvfb
	n=$(ls "$T"/xvfb.*.log 2>/dev/null | wc -l)
	file=$T/xvfb.$n.displayfd
	: >"$file"
	bg pid Xvfb -displayfd 3 -nolisten tcp -noreset -screen 0 "$geom" \
		"$@" 3>"$file" 2>"$T/xvfb.$n.log"
	wait_for 15 _displayfd_ready "$file" ||
		fail "Xvfb $geom $* did not start"
	XVFB_DISPLAY=:$(cat "$file")
	XVFB_PID=$pid
	printf -v "$var" '%s' "$XVFB_DISPLAY"
	log "Xvfb $XVFB_DISPLAY ($geom $*) pid $pid"
}

_port_printed() {
	grep -q '^PORT=[0-9][0-9]*' "$1"
}

# server_start [args...]: run the server under test on $XVFB_DISPLAY (or
# $SERVER_DISPLAY), loopback only, on a free port.  Unless -once is given
# it stays up for several clients (-forever).  SERVER_WAIT (default 15)
# is how many seconds it may take to listen (more under valgrind).
server_start() {
	local out keep=-forever a
	[ -x "$SERVER_BIN" ] || fail "server binary $SERVER_BIN missing (make)"
	for a in "$@"; do
		[ "$a" = -once ] && keep=
	done
	NSERVERS=$((NSERVERS + 1))
	out=$T/server.$NSERVERS.out
	SERVER_LOG=$T/server.$NSERVERS.log
	bg SERVER_PID "$SERVER_BIN" -display "${SERVER_DISPLAY:-$XVFB_DISPLAY}" \
		-rfbport 0 -localhost $keep ${XRFB_TEST_ARGS:-} "$@" \
		>"$out" 2>"$SERVER_LOG"
	if ! wait_for "${SERVER_WAIT:-15}" _port_printed "$out"; then
		gone "$SERVER_PID" && fail "server exited before listening"
		fail "server printed no PORT= line within ${SERVER_WAIT:-15} s"
	fi
	PORT=$(sed -n 's/^PORT=\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
	log "server pid $SERVER_PID port $PORT args: ${XRFB_TEST_ARGS:+$XRFB_TEST_ARGS }$*"
}

# vnctest [args...]: run the test viewer against the current server.
vnctest() {
	"$TBIN/vnctest" "$@" "$PORT"
}

# The support programs are built by make; a missing one is a failure.
need_support() {
	local p
	for p in "$@"; do
		[ -x "$TBIN/$p" ] || fail "$TBIN/$p missing (make tests-build)"
	done
}

# rec_start: a fresh xkeyrec (focused, full-screen) on $XVFB_DISPLAY; REC is
# the file it records typed text and button events in.  rec_stop ends it.
NREC=0
rec_start() {
	NREC=$((NREC + 1))
	REC=$T/rec.$NREC
	bg REC_PID "$TBIN/xkeyrec" "$XVFB_DISPLAY" "$REC" \
		>"$T/xkeyrec.$NREC.out" 2>&1
	wait_for 10 grep -q ready "$T/xkeyrec.$NREC.out" ||
		fail "xkeyrec did not get ready: $(cat "$T/xkeyrec.$NREC.out")"
}

rec_stop() {
	kill "$REC_PID" 2>/dev/null || true
	wait "$REC_PID" 2>/dev/null || true
}

_rec_is() {
	[ "$(cat "$REC"; echo .)" = "$1." ]
}

# rec_expect TEXT [SECONDS]: wait (default 5 s) until the recorder holds
# exactly TEXT; otherwise show both (line ends as "|") and return 1.
rec_expect() {
	if wait_for "${2:-5}" _rec_is "$1"; then
		log "recorded as expected: $(printf %q "$1")"
		return 0
	fi
	echo "expected: $(printf %s "$1" | sed 's/$/|/')"
	echo "recorded: $(sed 's/$/|/' "$REC")"
	return 1
}

# Resource readings of a running process, for tests that check that memory,
# file descriptors and shared memory return to a baseline.  Under the
# sanitizers (make check-asan) RSS measures ASan's allocator, whose
# quarantine keeps up to 128 MiB of freed memory resident (mk/asan.mk)
# besides its redzones and shadow, and leaks are judged by LeakSanitizer
# at exit: bounds on RSS growth add RSS_SLACK_KB.
#   proc_rss_kb PID      resident set size in KiB
#   proc_fd_count PID    open file descriptors
#   shm_count PID        SysV shared-memory segments created by PID that
#                        still exist (attached or not yet removed)
RSS_SLACK_KB=0
[ -n "${SANITIZER_LOGS:-}" ] && RSS_SLACK_KB=262144

proc_rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

proc_fd_count() {
	local n
	n=$(ls "/proc/$1/fd" | wc -l)
	echo "$n"
}

shm_count() {
	ipcs -m -p | awk -v p="$1" '$3 == p { n++ } END { print n + 0 }'
}

# A well-behaved viewer watching the server while a test attacks it.
#   watch_start [vncwatch args...]  start build/tests/vncwatch comparing
#                     with $XVFB_DISPLAY on ${WATCH_TARGET:-$PORT}, once it
#                     is connected an xdraw animation; WATCH_PID, ANIM_PID
#   watch_stop        stop both (SIGTERM), then require from the report
#                     ($WATCH_REPORT) that the viewer stayed connected, saw
#                     no update gap over $WATCH_MAX_GAP_MS (default 10000)
#                     and ended with exactly the picture of the display
NWATCH=0
WATCH_PID=
ANIM_PID=
watch_start() {
	need_support vncwatch xdraw
	NWATCH=$((NWATCH + 1))
	WATCH_REPORT=$T/watch.$NWATCH.report
	WATCH_OUT=$T/watch.$NWATCH.out
	bg WATCH_PID "$TBIN/vncwatch" -d "$XVFB_DISPLAY" -r "$WATCH_REPORT" \
		"$@" "${WATCH_TARGET:-$PORT}" >"$WATCH_OUT" 2>"$T/watch.$NWATCH.log"
	wait_for 15 grep -q '^connected' "$WATCH_OUT" ||
		fail "vncwatch did not connect: $(cat "$T/watch.$NWATCH.log")"
	bg ANIM_PID "$TBIN/xdraw" "$XVFB_DISPLAY" animate
	log "vncwatch pid $WATCH_PID watching, animation pid $ANIM_PID"
}

_watch_key() {
	sed -n "s/^$1=//p" "$WATCH_REPORT"
}

watch_stop() {
	local gap=${WATCH_MAX_GAP_MS:-10000}
	kill -TERM "$WATCH_PID" 2>/dev/null || true
	kill -TERM "$ANIM_PID" 2>/dev/null || true
	wait "$ANIM_PID" 2>/dev/null || true
	wait_exit "$WATCH_PID" 30 || fail "vncwatch did not stop"
	[ -s "$WATCH_REPORT" ] || fail "vncwatch wrote no report"
	log "vncwatch report: $(tr '\n' ' ' <"$WATCH_REPORT")"
	[ "$(_watch_key connected_ms)" -ge 0 ] || fail "vncwatch never connected"
	[ "$(_watch_key disconnected)" = 0 ] ||
		fail "the server dropped the well-behaved viewer"
	[ "$(_watch_key updates)" -gt 0 ] || fail "vncwatch got no update"
	[ "$(_watch_key max_gap_ms)" -le "$gap" ] ||
		fail "vncwatch waited $(_watch_key max_gap_ms) ms for an update" \
			"while the screen changed (bound $gap ms)"
	[ "$(_watch_key final_match)" = 1 ] ||
		fail "vncwatch's final picture differs from the display"
	[ "$EXIT_CODE" = 0 ] || fail "vncwatch exited with $EXIT_CODE"
}
