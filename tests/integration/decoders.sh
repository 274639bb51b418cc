#!/bin/bash
# Every encoder against libvncclient's decoders: build/tests/decodecheck
# runs the RFB engine over synthetic content and, for each encoding and
# client pixel format, a libvncclient viewer that must reproduce it pixel
# for pixel (or above a PSNR floor for lossy requests).  One line per
# combination; extra arguments (e.g. "tight tight:q5") replace the
# default list.  No X server needed.
set -eu
cd "$(dirname "$0")/../.."
bin=${TEST_BIN:-build/tests}/decodecheck
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin is missing (make build/tests/decodecheck)" >&2
	exit 1
fi
"$bin" "$@"
