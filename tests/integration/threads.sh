#!/bin/bash
# The pixel-exact drawing tests again with updates encoded on the main loop
# (-threads 1) and on two worker threads (-threads 2): whichever encodes
# them, every viewer ends with the display's exact picture.
set -eu
. "$(dirname "$0")/../lib.sh"

for n in 1 2; do
	for t in pixels encodings; do
		log "$t with -threads $n"
		if ! XRFB_TEST_ARGS="-threads $n" \
			bash "$TOP/tests/integration/$t.sh" >"$T/$t-$n.log" 2>&1; then
			fail "$t fails with -threads $n"
		fi
		grep -q "args: -threads $n" "$T/$t-$n.log" ||
			fail "$t did not run with -threads $n"
	done
done
