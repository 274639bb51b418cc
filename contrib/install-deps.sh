#!/bin/sh
# Install the Debian packages xrfbshare needs for one purpose:
#   build  compile xrfbshare
#   run    build, plus what `make run` / -create use (Xvfb, a terminal)
#   fuzz   test, plus clang and its sanitizer and libFuzzer runtimes
#   bench  test, plus x11vnc and x0vncserver to compare against
#   test   run, plus the real X server tools and VNC clients `make check` uses
#          (noVNC in Chromium too: tests/support/node-setup.sh adds the
#          npm package that drives it)
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get command is printed and the script fails.
set -eu

build="gcc make autoconf automake pkg-config libx11-dev libxext-dev
libxdamage-dev libxfixes-dev libxtst-dev libxrandr-dev libxi-dev zlib1g-dev
libpixman-1-dev nettle-dev libturbojpeg0-dev libgnutls28-dev libpam0g-dev"
run="$build xvfb xterm x11-utils"
test="$run x11-xserver-utils xclip xdotool libvncserver-dev vncsnapshot
python3 socat procps x11-apps tigervnc-viewer gvncviewer chromium novnc
nodejs openssl systemd iproute2 passwd x11-xkb-utils valgrind"
fuzz="$test clang libclang-rt-14-dev"
bench="$test x11vnc tigervnc-scraping-server"

case "${1:-}" in
build) want=$build ;;
run) want=$run ;;
test) want=$test ;;
fuzz) want=$fuzz ;;
bench) want=$bench ;;
*) echo "usage: $0 build|run|test|fuzz|bench" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian system; make sure these are installed:" >&2
	echo "  $want" | tr '\n' ' ' >&2; echo >&2
	exit 0
fi

missing=
for p in $want; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages. Install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends $missing ||
	{ apt-get update -q && apt-get install -y -q --no-install-recommends $missing; }
