#!/bin/sh
# `make run`: share $DISPLAY when it is reachable, else a private virtual
# display (-create).  Extra arguments go to xrfbshare.
cd "$(dirname "$0")/.." || exit 1
if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1; then
	echo "run: sharing DISPLAY=$DISPLAY" >&2
	exec ./xrfbshare -display "$DISPLAY" "$@"
fi
echo "run: no reachable X display in \$DISPLAY; starting a private one" \
	"(-create)" >&2
exec ./xrfbshare -create "$@"
