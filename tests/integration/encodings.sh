#!/bin/bash
# Every encoding in every pixel format, through libvncclient's decoders:
# one viewer per combination, all connected to one server while xdraw
# draws text, a gradient, a scrolling terminal and a moving window; each
# must then hold a picture equal to the display pixel for pixel.  The
# lossy ones (Tight with JPEG, ZYWRLE) too: the server owes them a
# lossless refresh of what stopped changing.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw

xvfb_start D 640x480x24
server_start -shared

# ENCODING:FORMAT[:vnctest options joined by +].  libvncclient's
# Tight asks for JPEG (quality 5) unless told --no-jpeg, and its ZYWRLE
# always sends a quality level (5 unless --quality).
combos=()
for f in 32le 16 8; do
	combos+=("raw:$f" "hextile:$f" "rre:$f" "corre:$f" "trle:$f"
		"zrle:$f" "zlib:$f:--compress+9"
		"tight:$f:--no-jpeg+--compress+1")
done
# ZYWRLE at quality 9 is lossless; at libvncclient's default 5 it is
# wavelet-coded where libvncclient can invert it (32le 8-8-8 and 16-bit
# 5-6-5) and lossless elsewhere (8 bpp).
combos+=(zywrle:32le:--quality+9 zywrle:32le zywrle:16 zywrle:8)
# Tight with JPEG.  libvncclient 0.9.14 decodes JPEG right only into
# 32le (shifts 16/8/0 or 0/8/16) and 16-bit little-endian; at 8 bpp the
# server must not use JPEG at all.
combos+=(tight:32le:--quality+5 tight:16:--quality+2 tight:8:--quality+5)
# 32 bpp big endian.  libvncclient stores the pixels of the byte-stream
# encodings as they come, so these decode right with colour in the low
# three bytes ("32be"); it reads the 3-byte CPIXELs of the ZRLE family as
# a host word, which on a little-endian host is right only with the
# colour in the high three bytes ("32bex", see vnctest.c).  Tight is left
# out: libvncclient 0.9.14 builds Tight's 3-byte TPIXELs (solid fills,
# palettes, gradient filter, JPEG) into host-order words, so every
# non-Raw Tight pixel lands byte-swapped in a big-endian framebuffer
# (tight.c RGB24_TO_PIXEL32); Raw covers 32be instead.
combos+=(raw:32be hextile:32be rre:32be corre:32be zlib:32be
	trle:32bex zrle:32bex zywrle:32bex)

names=()
pids=()
for c in "${combos[@]}"; do
	IFS=: read -r enc fmt extra <<<"$c"
	name=$enc-$fmt${extra:+-$(tr -d -- '-' <<<"$extra" | tr + -)}
	# shellcheck disable=SC2046
	bg pid vnctest --encodings "$enc" --format "$fmt" \
		$(tr + ' ' <<<"$extra") --wait-for "$T/drawn" \
		--compare-display "$D" --timeout 30 \
		--dump "$T/$name.ppm" >"$T/view-$name.log" 2>&1
	names+=("$name")
	pids+=("$pid")
done
log "${#names[@]} viewers"

all_connected() {
	local n
	for n in "${names[@]}"; do
		grep -q "vnctest: connected" "$T/view-$n.log" || return 1
	done
}
wait_for 30 all_connected || fail "not every viewer connected"

for scene in text gradient scroll move; do
	"$TBIN/xdraw" "$D" "$scene" || fail "xdraw $scene failed"
done
touch "$T/drawn"

bad=
for i in "${!names[@]}"; do
	n=${names[i]}
	wait_exit "${pids[i]}" 90 || fail "viewer $n hangs"
	if [ "$EXIT_CODE" -ne 0 ]; then
		echo "viewer $n failed:"
		tail -n 12 "$T/view-$n.log"
		bad="$bad $n"
	else
		log "$n: $(grep "match after" "$T/view-$n.log")"
	fi
done
alive "$SERVER_PID" || fail "server died"
[ -z "$bad" ] || fail "display mismatch for:$bad"

# Guard against comparing two blank screens: the picture is colourful.
colours=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
px = d.split(b"\n", 3)[3]
print(len({px[i:i + 3] for i in range(0, len(px), 3)}))' "$T/zrle-32le.ppm")
log "$colours colours on screen"
[ "$colours" -gt 1000 ] || fail "only $colours colours: did xdraw draw?"
