"""Read an X display's pixels without extra packages: run `xwd` (x11-apps)
and parse its XWD dump (X11/XWDFile.h).

    img = xwdimg.grab(":1")             # the root window
    img = xwdimg.load("shot.xwd")
    img.width, img.height, img.pixels   # pixels: 0xRRGGBB ints, row-major

The header and colour entries are big-endian; the image is in the byte
order the header names, as XGetImage gave it.
"""
import array
import struct
import subprocess
import sys

HEADER_FIELDS = 25


class XwdError(Exception):
    pass


class Image:
    def __init__(self, width, height, pixels):
        self.width = width
        self.height = height
        self.pixels = pixels

    def row(self, y):
        return self.pixels[y * self.width:(y + 1) * self.width]

    def write_ppm(self, path):
        out = bytearray()
        for p in self.pixels:
            out += bytes((p >> 16 & 255, p >> 8 & 255, p & 255))
        with open(path, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (self.width, self.height))
            f.write(out)


def _channel(mask):
    """(shift, max) of a visual's channel mask."""
    shift = 0
    while mask and not mask >> shift & 1:
        shift += 1
    return shift, mask >> shift


def _to_rgb(masks):
    """A function from a pixel value to 0xRRGGBB, scaling each channel to
    8 bits (with the usual replication of the top bits)."""
    chans = [_channel(m) for m in masks]
    if masks == (0xff0000, 0xff00, 0xff):
        return None  # the value is the colour already

    def conv(v):
        rgb = 0
        for shift, mx in chans:
            c = v >> shift & mx
            rgb = rgb << 8 | (c * 255 + mx // 2) // mx if mx else rgb << 8
        return rgb
    return conv


def parse(data):
    if len(data) < HEADER_FIELDS * 4:
        raise XwdError("short XWD file (%d bytes)" % len(data))
    h = struct.unpack(">%dI" % HEADER_FIELDS, data[:HEADER_FIELDS * 4])
    (hsize, version, fmt, depth, width, height, _xoff, byte_order, _unit,
     _bit_order, _pad, bpp, bpl, vclass, rmask, gmask, bmask, _bits_rgb,
     _cmap_entries, ncolors) = h[:20]
    if version != 7 or fmt != 2:
        raise XwdError("XWD version %d format %d, want 7 ZPixmap" %
                       (version, fmt))
    if vclass not in (4, 5):  # TrueColor, DirectColor
        raise XwdError("visual class %d is not TrueColor" % vclass)
    if bpp not in (16, 24, 32):
        raise XwdError("%d bits per pixel not handled" % bpp)
    off = hsize + ncolors * 12
    if len(data) < off + bpl * height:
        raise XwdError("XWD image truncated")
    code = "H" if bpp == 16 else "I"
    nbytes = bpp // 8
    swap = (byte_order == 1) != (sys.byteorder == "big")
    pixels = array.array(code)
    for y in range(height):
        raw = data[off + y * bpl:off + y * bpl + width * nbytes]
        if bpp == 24:
            # xwd composes windows of several visuals (a toolkit's ARGB
            # window) into 3-byte pixels: pad them to words
            word = bytearray(width * 4)
            o = 1 if byte_order == 1 else 0
            for k in range(3):
                word[o + k::4] = raw[k::3]
            raw = word
        row = array.array(code, raw)
        if swap:
            row.byteswap()
        pixels.extend(row)
    conv = _to_rgb((rmask, gmask, bmask))
    if conv is None:
        # the padding byte of a depth-24 pixel is whatever the drawing
        # client left there
        if bpp == 32:
            pixels = array.array("I", (p & 0xffffff for p in pixels))
        return Image(width, height, pixels)
    cache = {}
    out = array.array("I")
    for p in pixels:
        v = cache.get(p)
        if v is None:
            v = cache[p] = conv(p)
        out.append(v)
    return Image(width, height, out)


def load(path):
    with open(path, "rb") as f:
        return parse(f.read())


def grab(display, window="root"):
    """The pixels of `window` ("root" or an id) on `display`."""
    args = ["xwd", "-silent", "-display", display]
    args += ["-root"] if window == "root" else ["-id", str(window)]
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise XwdError("xwd failed: %s" % e)
    if r.returncode != 0:
        raise XwdError("xwd failed: %s" % r.stderr.decode(errors="replace"))
    return parse(r.stdout)
