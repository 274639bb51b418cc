#!/bin/bash
# Install the npm packages the browser tests use (tests/support/node/:
# playwright-core, pinned by its package-lock.json) into build/node/, or
# into the directory given as $1.  A no-op when that exact lock file is
# installed already.  Never downloads a browser: the tests drive Debian's
# /usr/bin/chromium (contrib/install-deps.sh test).
#
#   tests/support/node-setup.sh [DIR]    prints DIR/node_modules when ready
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$TOP/tests/support/node
DEST=${1:-$TOP/build/node}
STAMP=$DEST/.installed-lock

die() {
	echo "node-setup: $*" >&2
	exit 1
}

command -v node >/dev/null 2>&1 ||
	die "node is missing (contrib/install-deps.sh test)"
command -v npm >/dev/null 2>&1 ||
	die "npm is missing (Node.js 20 or newer with npm is needed)"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] ||
	die "node $(node --version) is too old: playwright-core needs 20+"

if [ -f "$STAMP" ] && cmp -s "$STAMP" "$SRC/package-lock.json" &&
	[ -f "$DEST/node_modules/playwright-core/package.json" ]; then
	echo "$DEST/node_modules"
	exit 0
fi

mkdir -p "$DEST"
cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
rm -f "$STAMP"
# playwright-core has no install script, but say so anyway: a browser
# download would fail on a closed network and is not wanted.
(cd "$DEST" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2 ||
	die "npm ci in $DEST failed"
cp "$SRC/package-lock.json" "$STAMP"
echo "$DEST/node_modules"
