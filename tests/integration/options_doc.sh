#!/bin/bash
# Users see every option: each one --help lists is in the man page and in
# README, and each one the man page documents is accepted by --help.
set -eu
cd "$(dirname "$0")/../.."
help=$("${XRFBSHARE:-./xrfbshare}" -help)
opts=$(printf '%s\n' "$help" | grep -oE '^  -[a-z]+(, -[a-z]+)?' |
	grep -oE -- '-[a-z]+' | sort -u)
[ "$(echo "$opts" | wc -l)" -gt 30 ] || { echo "too few options: $opts"; exit 1; }
bad=0
for o in $opts; do
	man=$(printf '%s' "$o" | sed 's/-/\\\\-/')
	grep -q -- "$man\b" doc/xrfbshare.1 || { echo "man page lacks $o"; bad=1; }
	grep -q -- "$o\b" README || { echo "README lacks $o"; bad=1; }
done
for o in $(grep -oE '^\.(B|BI|BR) \\-[a-z]+' doc/xrfbshare.1 |
	   grep -oE '[a-z]+$' | sort -u); do
	printf '%s\n' "$help" | grep -q -- "-$o\b" ||
		{ echo "--help lacks -$o from the man page"; bad=1; }
done
exit $bad
