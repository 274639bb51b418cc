#!/bin/bash
# Run the test suite: every unit test binary build/tests/test_* and every
# tests/integration/*.sh, or only the ones named on the command line
# (e.g. `tests/run.sh handshake test_buf`).  Builds nothing: `make check`
# builds first.  Each test's output goes to tests/out/NAME.log; the last
# line is "N passed, N failed" and the exit status is nonzero on failure.
#
# TEST_BIN names the directory of the unit tests and support programs
# (default build/tests), XRFBSHARE the server (see tests/lib.sh).  With
# SANITIZER_LOGS set (make check-asan), each test's sanitized processes
# write their reports into SANITIZER_LOGS/NAME/ and a test that leaves one
# there fails, with the report shown.
set -u

cd "$(dirname "$0")/.." || exit 2
TIMEOUT=${TEST_TIMEOUT:-300}
OUT=tests/out
mkdir -p "$OUT"
TEST_BIN=${TEST_BIN:-build/tests}
case $TEST_BIN in /*) ;; *) TEST_BIN=$PWD/$TEST_BIN ;; esac
export TEST_BIN
SAN_ASAN=${ASAN_OPTIONS:-}
SAN_UBSAN=${UBSAN_OPTIONS:-}

# sanitizer_setup NAME: a fresh report directory for NAME's processes.
sanitizer_setup() {
	local dir=$SANITIZER_LOGS/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	export ASAN_OPTIONS="${SAN_ASAN:+$SAN_ASAN:}log_path=$dir/asan"
	export UBSAN_OPTIONS="${SAN_UBSAN:+$SAN_UBSAN:}log_path=$dir/ubsan"
}

# sanitizer_reports NAME: print the reports NAME's run left; 1 if any.
sanitizer_reports() {
	local f found=0
	for f in "$SANITIZER_LOGS/$1"/*; do
		[ -s "$f" ] || continue
		found=1
		echo "===== sanitizer report $f ====="
		cat "$f"
	done
	[ $found -eq 0 ]
}

# resolve NAME -> command to run; empty if unknown
resolve() {
	local n=${1%.sh}
	n=${n##*/}
	if [ -f "tests/integration/$n.sh" ]; then
		echo "bash tests/integration/$n.sh"
	elif [ -x "$TEST_BIN/$n" ]; then
		echo "$TEST_BIN/$n"
	fi
}

names=()
if [ $# -gt 0 ]; then
	names=("$@")
else
	for f in "$TEST_BIN"/test_*; do
		[ -x "$f" ] && names+=("${f##*/}")
	done
	for f in tests/integration/*.sh; do
		[ -f "$f" ] && names+=("$(basename "$f" .sh)")
	done
fi

passed=0
failed=0
for name in "${names[@]}"; do
	name=${name%.sh}
	name=${name##*/}
	log=$OUT/$name.log
	cmd=$(resolve "$name")
	start=$SECONDS
	san=
	if [ -z "$cmd" ]; then
		echo "no such test: $name" >"$log"
		rc=127
	else
		[ -n "${SANITIZER_LOGS:-}" ] && sanitizer_setup "$name"
		# timeout runs the test in its own process group and signals
		# the whole group, so stray Xvfb/servers die with it.
		timeout -k 10 "$TIMEOUT" $cmd </dev/null >"$log" 2>&1
		rc=$?
		[ $rc -eq 124 ] && echo "TIMEOUT after ${TIMEOUT}s" >>"$log"
		if [ -n "${SANITIZER_LOGS:-}" ]; then
			if sanitizer_reports "$name" >"$OUT/$name.sanitizer"; then
				rm -f "$OUT/$name.sanitizer"
			else
				[ $rc -eq 0 ] && rc=1
				san=$OUT/$name.sanitizer
				cat "$san" >>"$log"
			fi
		fi
	fi
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $name ($((SECONDS - start))s)"
	else
		failed=$((failed + 1))
		echo "FAIL $name (see $log)"
		if [ -n "$san" ]; then
			head -n 150 "$san" | sed 's/^/    | /'
		else
			tail -n 30 "$log" | sed 's/^/    | /'
		fi
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
