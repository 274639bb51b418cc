#!/bin/bash
# Run the test suite: every unit test binary build/tests/test_* and every
# tests/integration/*.sh, or only the ones named on the command line
# (e.g. `tests/run.sh handshake test_buf`).  Builds nothing: `make check`
# builds first.  Each test's output goes to tests/out/NAME.log; the last
# line is "N passed, N failed" and the exit status is nonzero on failure.
set -u

cd "$(dirname "$0")/.." || exit 2
TIMEOUT=${TEST_TIMEOUT:-300}
OUT=tests/out
mkdir -p "$OUT"

# resolve NAME -> command to run; empty if unknown
resolve() {
	local n=${1%.sh}
	n=${n##*/}
	if [ -f "tests/integration/$n.sh" ]; then
		echo "bash tests/integration/$n.sh"
	elif [ -x "build/tests/$n" ]; then
		echo "build/tests/$n"
	fi
}

names=()
if [ $# -gt 0 ]; then
	names=("$@")
else
	for f in build/tests/test_*; do
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
	if [ -z "$cmd" ]; then
		echo "no such test: $name" >"$log"
		rc=127
	else
		# timeout runs the test in its own process group and signals
		# the whole group, so stray Xvfb/servers die with it.
		timeout -k 10 "$TIMEOUT" $cmd </dev/null >"$log" 2>&1
		rc=$?
		[ $rc -eq 124 ] && echo "TIMEOUT after ${TIMEOUT}s" >>"$log"
	fi
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $name ($((SECONDS - start))s)"
	else
		failed=$((failed + 1))
		echo "FAIL $name (see $log)"
		tail -n 30 "$log" | sed 's/^/    | /'
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
