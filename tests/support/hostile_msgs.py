#!/usr/bin/env python3
"""Hostile normal-phase messages (rfbproto 7.5): the "Normal-phase
messages" cases of the hostile-input suite, each a scripted raw client
against a running server.

    CASES = {name: function(host, port) -> str}

A case raises rfbraw.Fail when the server reacts other than it must and
returns a short description of the reaction it saw.  LOG[name] lists the
log lines (regular expressions, after "PEER: ") the case must cause,
each exactly once; SELECTION[name] is the text the X clipboard must hold
after it.  GROUP[name] sorts them: "viewonly" for a -viewonly server (the
others expect full control and the default -maxcuttext), "stall" those
that wait for the server's -msgtimeout, "x" those whose effect on X the
caller checks (keys, buttons, clipboard), "rest" the others.  Cases that
stall wait up to $HOSTILE_STALL_WAIT s (default 40) for the server's
-msgtimeout.  NEEDS, POLICY, SLOW and take_logs() are what the front-end
hostile.py reads.

    hostile_msgs.py [--host H] [--log FILE] [--display :N] PORT CASE...

runs the named cases (or @GROUP for a group, or "list"), printing
"CASE: reaction" for each; with --log it checks the server's log (the lines naming each
connection the case made: exactly the ones LOG wants, plus connects and
a disconnect when the case left on its own); with --display it checks
SELECTION with xclip.  Exit 0, or 1 naming what went wrong.
"""
import argparse
import os
import re
import socket
import struct
import subprocess
import sys
import time
import zlib

import rfbclip
import rfbraw
from rfbraw import Closed, Fail, RAW

try:  # hostile.py reports these as skipped (in --replay, not failed)
    from hostile_hs import Skip
except ImportError:
    class Skip(Exception):
        """The server or screen is not the way this case needs."""

STALL_WAIT = float(os.environ.get("HOSTILE_STALL_WAIT", "40"))
CUT_CAP = 1 << 20  # the server's -maxcuttext, its default
PEERS = []  # "addr:port" of each connection the current case made
PASSWORD = None  # VNC authentication when set (hostile.py --password)

CASES = {}
LOG = {}
SELECTION = {}
GROUP = {}  # name -> "viewonly", "stall", "x" or "rest"
VIEWONLY = set()


def case(log=(), selection=None, group="rest"):
    def register(fn):
        CASES[fn.__name__] = fn
        LOG[fn.__name__] = list(log)
        if selection is not None:
            SELECTION[fn.__name__] = selection
            group_ = "x"
        else:
            group_ = group
        GROUP[fn.__name__] = group_
        if group_ == "viewonly":
            VIEWONLY.add(fn.__name__)
        return fn
    return register


# --- helpers ---

def connect(host, port, encs=(RAW,)):
    """A viewer in the normal phase that announced `encs` (None: sent no
    SetEncodings)."""
    c = rfbraw.Conn(port, host=host)
    addr, cport = c.sock.getsockname()[:2]
    PEERS.append(("[%s]:%d" if ":" in addr else "%s:%d") % (addr, cport))
    try:
        c.handshake(PASSWORD)
    except Fail as e:
        if "lack" in str(e):  # no security type we can do
            raise Skip(str(e))
        raise
    if encs is not None:
        c.set_encodings(list(encs))
    return c


def reset(c):
    """Leave with a TCP reset, as a crashed viewer does."""
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                      struct.pack("ii", 1, 0))
    c.close()


def next_update(c, seconds=10, on_other=None):
    """The next FramebufferUpdate; other messages go to on_other."""
    end = time.time() + seconds
    while time.time() < end:
        m = c.poll(max(0.0, end - time.time()))
        if m is None:
            break
        if m.type == 0:
            return m
        if on_other:
            on_other(m)
    raise Fail("no FramebufferUpdate within %g s" % seconds)


def alive(c, seconds=10):
    """The connection is up and in step: a 1x1 non-incremental request
    at the bottom-right pixel is answered with pixels covering it (after
    an update of pseudo-rectangles only, such as the ExtendedDesktopSize
    one, which travels alone, by the next one)."""
    x, y = c.width - 1, c.height - 1
    c.request(incremental=False, area=(x, y, 1, 1))
    end = time.time() + seconds
    while time.time() < end:
        m = next_update(c, max(0.1, end - time.time()))
        if any(r.enc == RAW and r.x <= x < r.x + r.w and r.y <= y < r.y + r.h
               for r in m.rects):
            return
        c.request(incremental=True, area=(x, y, 1, 1))
    raise Fail("the request for pixel (%d,%d) was not answered" % (x, y))


def closed(c, seconds=5):
    """Wait for the server to close; returns how (EOF or reset) and after
    how long."""
    start = time.time()
    end = start + seconds
    try:
        while time.time() < end:
            c.poll(max(0.0, min(0.5, end - time.time())))
    except Closed as e:
        return "closed (%s) after %.1f s" % (e.how, time.time() - start)
    raise Fail("still connected %g s later" % seconds)


def send_closing(c, data):
    """Send what should make the server close; it may close mid-send."""
    try:
        c.send(data)
    except Closed:
        pass
    return closed(c)


def pixfmt(bpp, depth, maxes, shifts, true_colour=1):
    return struct.pack(">BxxxBBBBHHHBBBxxx", 0, bpp, depth, 0, true_colour,
                       *maxes, *shifts)


def ext_clip(flags, payload=b""):
    """A ClientCutText in the Extended Clipboard's negative-length form."""
    body = struct.pack(">I", flags) + payload
    return struct.pack(">BxxxI", 6, -len(body) & 0xffffffff) + body


def ext_session(host, port):
    """A viewer that announced the Extended Clipboard and got its caps."""
    c = connect(host, port, (RAW, rfbraw.EXT_CLIPBOARD))
    end = time.time() + 10
    while time.time() < end:
        m = c.poll(0.5)
        if m is not None and m.type == 3 and m.ext is not None and \
                struct.unpack(">I", m.ext[:4])[0] & rfbclip.CAPS:
            return c
    raise Fail("no Extended Clipboard caps within 10 s")


def provide(text_bytes):
    """A provide of text (raw bytes, NUL added) as one zlib stream."""
    data = text_bytes + b"\0"
    return ext_clip(rfbclip.PROVIDE | rfbclip.TEXT,
                    zlib.compress(struct.pack(">I", len(data)) + data))


# --- unknown messages ---

@case(log=[r"closed: unknown message type 127$"])
def unknown_type_7f(host, port):
    return send_closing(connect(host, port), b"\x7f" + b"\0" * 15)


@case(log=[r"closed: unknown QEMU submessage 255$"])
def unknown_type_ff(host, port):
    # 255 is the QEMU message; its submessage 255 is unknown
    return send_closing(connect(host, port), b"\xff\xff" + b"\0" * 10)


# --- SetPixelFormat (rfbproto 7.5.1) ---

def bad_pixfmt(host, port, *args):
    return send_closing(connect(host, port), pixfmt(*args))


RGB8 = ((255, 255, 255), (16, 8, 0))


@case(log=[r"closed: unsupported pixel format .*: bits-per-pixel is not "
           r"8, 16 or 32$"])
def pixfmt_bpp_0(host, port):
    return bad_pixfmt(host, port, 0, 0, *RGB8)


@case(log=[r"closed: unsupported pixel format .*: bits-per-pixel is not "
           r"8, 16 or 32$"])
def pixfmt_bpp_24(host, port):
    return bad_pixfmt(host, port, 24, 24, *RGB8)


@case(log=[r"closed: unsupported pixel format .*: bits-per-pixel is not "
           r"8, 16 or 32$"])
def pixfmt_bpp_64(host, port):
    return bad_pixfmt(host, port, 64, 24, *RGB8)


@case(log=[r"closed: unsupported pixel format .*: depth is 0 or above "
           r"bits-per-pixel$"])
def pixfmt_depth_over_bpp(host, port):
    return bad_pixfmt(host, port, 16, 24, (31, 63, 31), (11, 5, 0))


@case(log=[r"closed: unsupported pixel format .*: green-max is not "
           r"2\^n-1$"])
def pixfmt_max_not_2n_minus_1(host, port):
    return bad_pixfmt(host, port, 32, 24, (255, 200, 255), (16, 8, 0))


@case(log=[r"closed: unsupported pixel format .*: colour channels "
           r"overlap$"])
def pixfmt_overlapping(host, port):
    return bad_pixfmt(host, port, 32, 24, (255, 255, 255), (16, 12, 0))


@case(log=[r"closed: unsupported pixel format .*: red channel does not "
           r"fit in bits-per-pixel$"])
def pixfmt_shift_past_bpp(host, port):
    return bad_pixfmt(host, port, 16, 16, (31, 63, 31), (12, 5, 0))


@case(log=[r"closed: unsupported pixel format .*: colour-map \(non "
           r"true-colour\) formats are not supported$"])
def pixfmt_colourmap_16bpp(host, port):
    return bad_pixfmt(host, port, 16, 16, (0, 0, 0), (0, 0, 0), 0)


def grab(c, fmt_bytes, bpp, area):
    """The pixel values of `area` (x, y, w, h) after switching format."""
    x0, y0, w, h = area
    c.send(fmt_bytes)
    c.bpp = bpp
    c.request(incremental=False, area=area)
    pix = [None] * (w * h)
    todo = w * h
    end = time.time() + 10
    while todo and time.time() < end:
        m = next_update(c)
        size = bpp // 8
        for r in m.rects:
            if r.enc != RAW:
                continue
            for i in range(r.w * r.h):
                x, y = r.x + i % r.w - x0, r.y + i // r.w - y0
                if not (0 <= x < w and 0 <= y < h):
                    continue
                if pix[y * w + x] is None:
                    todo -= 1
                pix[y * w + x] = int.from_bytes(
                    r.pixels[i * size:(i + 1) * size], "little")
        if todo:
            c.request(incremental=False, area=area)
    if todo:
        raise Fail("%d pixels never sent" % todo)
    return pix


@case()
def pixfmt_max_over_255(host, port):
    """10 bits a channel (x2rgb10) is a valid format: served, each
    channel the 8-bit one scaled to 0..1023 (compared on the bottom half
    of the screen, away from the watcher's animation at the top)."""
    c = connect(host, port)
    area = (0, c.height // 2, c.width, c.height - c.height // 2)
    for attempt in range(3):
        ref = grab(c, pixfmt(32, 24, *RGB8), 32, area)
        got = grab(c, pixfmt(32, 30, (1023, 1023, 1023), (20, 10, 0)), 32,
                   area)
        again = grab(c, pixfmt(32, 24, *RGB8), 32, area)
        if ref == again:
            break
    else:
        raise Skip("the screen kept changing")
    for i, (a, b) in enumerate(zip(ref, got)):
        want = 0
        for s8, s10 in ((16, 20), (8, 10), (0, 0)):
            want |= ((a >> s8 & 255) * 1023 + 127) // 255 << s10
        if b != want:
            raise Fail("pixel %d: 0x%08x at 8 bits, 0x%08x at 10 bits "
                       "(expected 0x%08x)" % (i, a, b, want))
    c.close()
    return "served; %d pixels match the 8-bit ones scaled" % len(ref)


@case()
def pixfmt_colourmap_8bpp(host, port):
    """True-colour off at 8 bpp: a full colour map arrives before the
    first pixels, and every index used is defined."""
    c = connect(host, port)
    cmap = {}

    def colours(m):
        if m.type == 1:
            for i, rgb in enumerate(m.colours):
                cmap[m.first + i] = rgb

    c.set_pixel_format(8, 8, False)
    c.request(incremental=False)
    m = next_update(c, on_other=colours)
    used = set()
    for r in m.rects:
        used |= set(r.pixels or b"")
    if not cmap:
        raise Fail("pixels before any SetColourMapEntries")
    if used - set(cmap):
        raise Fail("indices %s used, never defined"
                   % sorted(used - set(cmap))[:8])
    alive(c)
    c.close()
    return "%d colours defined before the first update; %d used" % (
        len(cmap), len(used))


# --- SetEncodings (rfbproto 7.5.2) ---

@case()
def encodings_empty(host, port):
    c = connect(host, port, encs=())
    alive(c)  # rfbraw fails on anything but Raw
    c.close()
    return "Raw updates, connection up"


@case()
def encodings_unknown(host, port):
    c = connect(host, port, encs=(12345, -9999, 0x7fffffff, -0x80000000,
                                  0x574d5600))
    alive(c)
    c.close()
    return "Raw updates, connection up"


@case()
def encodings_65535(host, port):
    # none of them is an encoding or pseudo-encoding anyone defined
    encs = [(0x40000000 + i * 7919) * (-1) ** i for i in range(65535)]
    c = connect(host, port, encs=encs)
    alive(c)
    c.close()
    return "%d unknown encodings: Raw updates, connection up" % len(encs)


# --- FramebufferUpdateRequest (rfbproto 7.5.3) ---

@case()
def fbur_empty(host, port):
    c = connect(host, port)
    for area in ((10, 10, 0, 0), (10, 10, 0, 50), (10, 10, 50, 0)):
        c.request(incremental=False, area=area)
    alive(c)
    c.close()
    return "clipped, connection up"


@case()
def fbur_far_corner(host, port):
    c = connect(host, port)
    c.request(incremental=False, area=(65535, 65535, 65535, 65535))
    c.request(incremental=False, area=(65535, 0, 1, 1))
    c.request(incremental=True, area=(0, 65535, 10, 10))
    alive(c)
    c.close()
    return "clipped, connection up"


@case()
def fbur_past_edge(host, port):
    c = connect(host, port)
    c.request(incremental=False, area=(c.width - 5, c.height - 5, 100, 100))
    m = next_update(c)  # rfbraw fails on Raw pixels past the edge
    covered = sum(r.w * r.h for r in m.rects if r.enc == RAW)
    if covered < 25:
        raise Fail("only %d pixels of the 5x5 corner sent" % covered)
    alive(c)
    c.close()
    return "clipped to the framebuffer, connection up"


# --- input (rfbproto 7.5.4, 7.5.5, QEMU 7.5.11) ---

def keys_then_alive(host, port, keysyms):
    c = connect(host, port)
    for k in keysyms:
        c.key(k, True)
        c.key(k, False)
    alive(c)
    c.close()
    return "ignored or typed, connection up"


@case(group="x")
def key_keysym_0(host, port):
    return keys_then_alive(host, port, [0])


@case(group="x")
def key_keysym_ffffffff(host, port):
    return keys_then_alive(host, port, [0xffffffff, 0x20000000])


@case(group="x")
def key_unmapped(host, port):
    # no keysym at all, and a Unicode one no keymap has
    return keys_then_alive(host, port, [0x0000ab12, 0x0010fffd])


@case(group="x")
def qemu_keycode_ffffffff(host, port):
    """No such key: the keysym counts, if any (here "a" is typed once)."""
    c = connect(host, port, (RAW, rfbraw.QEMU_EXT_KEY))
    for keysym, xt in ((0, 0xffffffff), (0x61, 0xffffffff),
                       (0xffffffff, 0xffffffff), (0, 0x7fffffff)):
        for down in (1, 0):
            c.send(struct.pack(">BBHII", 255, 0, down, keysym, xt))
    alive(c)
    c.close()
    return "ignored, connection up"


@case(group="x")
def held_then_reset(host, port):
    """Holds keys by keysym (a modifier, a letter, one only a spare
    keycode can type), a key by QEMU keycode and buttons 1 and 3, then
    resets the connection: the caller checks X saw "q€W" typed and the
    buttons pressed, and that nothing stays held."""
    c = connect(host, port, (RAW, rfbraw.QEMU_EXT_KEY))
    for k in (0xffe1, 0x71, 0x010020ac):  # Shift_L, q, €
        c.key(k, True)
    c.send(struct.pack(">BBHII", 255, 0, 1, 0x77, 0x11))  # w by XT code
    c.pointer(30, 40, 0x05)
    alive(c)
    reset(c)
    return "held 4 keys and 2 buttons, then reset"


@case(group="viewonly")
def viewonly_input(host, port):
    """Against a -viewonly server: every kind of input, the connection
    stays up; the caller checks that none of it reached X."""
    c = ext_session(host, port)
    c.set_encodings([RAW, rfbraw.EXT_CLIPBOARD, rfbraw.QEMU_EXT_KEY,
                     rfbraw.EXT_MOUSE_BUTTONS])
    for k in (0x76, 0xff0d, 0xffe1):
        c.key(k, True)
    for k in (0x76, 0xff0d):
        c.key(k, False)
    c.send(struct.pack(">BBHII", 255, 0, 1, 0x77, 0x11))
    c.pointer(30, 40, 0x01)
    c.pointer(30, 40, 0)
    c.pointer(30, 40, 0x02)  # held
    c.send(struct.pack(">BBHHB", 5, 0x80, 30, 40, 0x01))  # button 8
    c.cut_text(b"view-only latin-1")
    c.send(provide(b"view-only utf-8"))
    c.send(ext_clip(rfbclip.NOTIFY | rfbclip.TEXT))
    alive(c)
    reset(c)
    return "input accepted silently, connection up"


# --- ClientCutText (rfbproto 7.5.6) ---

@case(log=[r"closed: extended clipboard message without negotiating it$"])
def cuttext_len_ffffffff(host, port):
    return send_closing(connect(host, port),
                        struct.pack(">BxxxI", 6, 0xffffffff) + b"x" * 64)


@case(log=[r"closed: extended clipboard message without negotiating it$"])
def cuttext_len_80000000(host, port):
    return send_closing(connect(host, port),
                        struct.pack(">BxxxI", 6, 0x80000000) + b"x" * 64)


@case(log=[r"closed: extended clipboard message of 1 bytes$"])
def cuttext_ext_len_ffffffff(host, port):
    return send_closing(ext_session(host, port),
                        struct.pack(">BxxxI", 6, 0xffffffff) + b"x" * 64)


@case(log=[r"extended clipboard message of 2147483648 bytes over the "
           r"-maxcuttext cap: ignored$",
           r"closed: message unfinished: nothing for \d+ s \(0 bytes "
           r"buffered, 2147483584 to skip\)$"],
      group="stall")
def cuttext_ext_len_80000000(host, port):
    """2 GiB declared: skipped as it arrives (nothing allocated), and a
    client that stops sending it is timed out."""
    c = ext_session(host, port)
    c.send(struct.pack(">BxxxI", 6, 0x80000000) + b"x" * 64)
    return "skipped, then " + closed(c, STALL_WAIT)


@case(log=[r"clipboard text of 1048577 bytes over the -maxcuttext cap "
           r"1048576: ignored$"], selection="after the cap")
def cuttext_over_cap(host, port):
    c = connect(host, port)
    c.cut_text(b"A" * (CUT_CAP + 1))
    alive(c)
    c.cut_text(b"after the cap")
    alive(c)
    c.close()
    return "skipped, connection up and in step"


@case(log=[r"closed: message unfinished: nothing for \d+ s \(18 bytes "
           r"buffered, 0 to skip\)$"],
      group="stall")
def cuttext_stall(host, port):
    c = connect(host, port)
    c.cut_text(b"0123456789", length=CUT_CAP)
    return closed(c, STALL_WAIT)


@case(log=[r"clipboard text of 2097152 bytes over the -maxcuttext cap "
           r"1048576: ignored$",
           r"closed: message unfinished: nothing for \d+ s \(0 bytes "
           r"buffered, 2097142 to skip\)$"],
      group="stall")
def cuttext_over_cap_stall(host, port):
    c = connect(host, port)
    c.cut_text(b"0123456789", length=2 * CUT_CAP)
    return "skipped, then " + closed(c, STALL_WAIT)


# NULs go, CR LF and bare CR become LF, bytes 0x80-0xff are the Latin-1
# characters they stand for
@case(selection="ab\nc\nd\n\ne\u0080\u009f\u00e9\u00ff!")
def cuttext_latin1_sanitised(host, port):
    c = connect(host, port)
    c.cut_text(b"a\0b\rc\r\nd\n\re\x80\x9f\xe9\xff!\0")
    alive(c)
    c.close()
    return "accepted"


# each ill-formed UTF-8 sequence becomes one U+FFFD (Unicode's "maximal
# subpart" rule, as Python's decoder); NULs go; CR LF, bare CR -> LF
UTF8_HOSTILE = (b"ok \xff|\xc0\x80|\xed\xa0\x80|\xf4\x90\x80\x80|\x80|"
                b"a\0b\rc\r\nd \xe2\x82\xac \xe2\x82")


@case(selection="ok \ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd|"
      "\ufffd\ufffd\ufffd\ufffd|\ufffd|ab\nc\nd \u20ac \ufffd")
def cuttext_utf8_sanitised(host, port):
    c = ext_session(host, port)
    c.send(provide(UTF8_HOSTILE))
    alive(c)
    c.close()
    return "accepted"


# --- Extended Clipboard (rfbproto 7.8.22) ---

@case(log=[r"closed: extended clipboard caps shorter than its 4 formats$"])
def clipext_caps_short(host, port):
    c = ext_session(host, port)
    return send_closing(c, ext_clip(rfbclip.CAPS | 0x0f,
                                    struct.pack(">I", 1000)))


@case(log=[r"closed: extended clipboard message with actions "
           r"0x80000000$"])
def clipext_unknown_action(host, port):
    return send_closing(ext_session(host, port),
                        ext_clip(0x80000000 | rfbclip.TEXT))


@case(log=[r"closed: extended clipboard message with actions "
           r"0x0a000000$"])
def clipext_two_actions(host, port):
    return send_closing(ext_session(host, port),
                        ext_clip(rfbclip.REQUEST | rfbclip.NOTIFY |
                                 rfbclip.TEXT))


@case()
def clipext_unknown_flags(host, port):
    """Reserved bits and formats we do not know: understood as far as
    they go, the connection stays up."""
    c = ext_session(host, port)
    sizes = struct.pack(">3I", 100, 200, 300)
    c.send(ext_clip(rfbclip.CAPS | 0x00ff0000 | 1 << 15 | 1 << 9 |
                    rfbclip.TEXT | rfbclip.REQUEST, sizes))
    c.send(ext_clip(rfbclip.REQUEST | 0x00ff0000 | 1 << 9))
    c.send(ext_clip(rfbclip.NOTIFY | 1 << 12))
    c.send(ext_clip(rfbclip.PEEK | 0x00ff0000))
    alive(c)
    c.close()
    return "connection up"


@case(log=[r"clipboard text over the -maxcuttext cap 1048576: ignored$"],
      selection="after the bomb")
def clipext_provide_bomb(host, port):
    """A provide inflating to 64 MiB: inflation stops at the cap, the
    text is dropped, the connection stays up."""
    c = ext_session(host, port)
    size = 64 << 20
    z = zlib.compressobj(9)
    body = z.compress(struct.pack(">I", size))
    chunk = b"\0" * (1 << 20)
    for _ in range(64):
        body += z.compress(chunk)
    body += z.flush()
    c.send(ext_clip(rfbclip.PROVIDE | rfbclip.TEXT, body))
    alive(c)
    c.send(provide(b"after the bomb"))
    alive(c)
    c.close()
    return "%d compressed bytes ignored, connection up" % len(body)


@case()
def clipext_request_flood(host, port):
    """2000 requests and 2000 notifies sent without reading: the server
    answers each (a provide if the desktop has text, a request) and stays
    in step."""
    n = 2000
    c = ext_session(host, port)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.send((ext_clip(rfbclip.REQUEST | rfbclip.TEXT) +
            ext_clip(rfbclip.NOTIFY | rfbclip.TEXT)) * n)
    time.sleep(1)
    got = {}

    def count(m):
        if m.type == 3 and m.ext is not None:
            f = struct.unpack(">I", m.ext[:4])[0] & 0xff000000
            got[f] = got.get(f, 0) + 1

    x, y = c.width - 1, c.height - 1
    c.request(incremental=False, area=(x, y, 1, 1))
    next_update(c, 30, on_other=count)
    c.close()
    if got.get(rfbclip.REQUEST, 0) != n:
        raise Fail("%d requests answered %s" % (n, got))
    if got.get(rfbclip.PROVIDE, 0) not in (0, n):
        raise Fail("%d provides for %d requests" % (got.get(
            rfbclip.PROVIDE, 0), n))
    return "all answered (%d requests, %d provides back), in step" % (
        got[rfbclip.REQUEST], got.get(rfbclip.PROVIDE, 0))


# --- Fence (rfbproto 7.5.8) ---

@case(log=[r"closed: fence payload of 65 bytes \(limit 64\)$"])
def fence_payload_65(host, port):
    c = connect(host, port, (RAW, rfbraw.FENCE))
    return send_closing(c, struct.pack(">BxxxIB", 248, rfbraw.FENCE_REQUEST,
                                       65) + b"f" * 65)


@case(log=[r"closed: fence payload of 255 bytes \(limit 64\)$"])
def fence_payload_255(host, port):
    c = connect(host, port, (RAW, rfbraw.FENCE))
    return send_closing(c, struct.pack(">BxxxIB", 248, 0, 255) +
                        b"f" * 255)


def fences(c, count):
    """Collect the server's fence answers until `count` arrived."""
    got = []
    end = time.time() + 30
    while len(got) < count and time.time() < end:
        m = c.poll(1)
        if m is not None and m.type == 248:
            got.append(m)
        elif m is not None and m.type == 0:
            c.request(incremental=True)
    return got


@case()
def fence_empty(host, port):
    c = connect(host, port, (RAW, rfbraw.FENCE))
    # the server's own request comes first
    if not fences(c, 1)[0].flags & rfbraw.FENCE_REQUEST:
        raise Fail("the first fence from the server is not a request")
    c.fence(rfbraw.FENCE_REQUEST | 0x7ffffff8 | 7)
    c.fence(0)  # a response to nothing: ignored
    (m,) = fences(c, 1) or [None]
    if m is None or m.payload or m.flags != 7:
        raise Fail("empty fence answered with %s" % (
            "nothing" if m is None else "flags 0x%08x, %d bytes" % (
                m.flags, len(m.payload))))
    alive(c)
    c.close()
    return "answered: flags 0x7 (unknown ones dropped), no payload"


@case()
def fence_storm(host, port):
    n = 20000
    c = connect(host, port, (RAW, rfbraw.FENCE))
    fences(c, 1)
    c.send(b"".join(struct.pack(">BxxxIB", 248, rfbraw.FENCE_REQUEST | 4,
                                64) + struct.pack(">I", i) * 16
                    for i in range(n)))
    got = fences(c, n)
    if len(got) != n:
        raise Fail("%d of %d fences answered" % (len(got), n))
    for i, m in enumerate(got):
        if m.payload != struct.pack(">I", i) * 16:
            raise Fail("answer %d carries another fence's payload" % i)
    alive(c)
    c.close()
    return "%d fences answered in order" % n


# --- EnableContinuousUpdates (rfbproto 7.5.7) ---

def cu_session(host, port):
    c = connect(host, port, (RAW, rfbraw.CONTINUOUS_UPDATES))
    m = c.poll(5)
    while m is not None and m.type != 150:
        m = c.poll(5)
    if m is None:
        raise Fail("no EndOfContinuousUpdates for the announcement")
    return c


@case()
def cu_outside(host, port):
    c = cu_session(host, port)
    c.enable_cu(True, (65535, 65535, 65535, 65535))
    c.enable_cu(True, (c.width - 10, c.height - 10, 65535, 65535))
    # updates that come must fit the framebuffer (rfbraw checks)
    end = time.time() + 1
    while time.time() < end:
        c.poll(0.2)
    c.enable_cu(False, (0, 0, 0, 0))
    m = c.poll(5)
    while m is not None and m.type != 150:
        m = c.poll(5)
    if m is None:
        raise Fail("no EndOfContinuousUpdates after disabling")
    alive(c)
    c.close()
    return "clipped, connection up"


@case()
def cu_toggle_storm(host, port):
    n = 5000
    c = cu_session(host, port)
    c.send((struct.pack(">BBHHHH", 150, 1, 0, 0, c.width, c.height) +
            struct.pack(">BBHHHH", 150, 0, 0, 0, 0, 0)) * n)
    ends = 0
    end = time.time() + 30
    while ends < n and time.time() < end:
        m = c.poll(1)
        if m is not None and m.type == 150:
            ends += 1
    if ends != n:
        raise Fail("%d EndOfContinuousUpdates for %d disables" % (ends, n))
    alive(c)
    c.close()
    return "%d toggles, each disable answered, connection up" % n


# --- SetDesktopSize (rfbproto 7.5.9) ---

def eds_session(host, port):
    """A viewer with ExtendedDesktopSize; returns it and the layout."""
    c = connect(host, port, (RAW, rfbraw.EXT_DESKTOP_SIZE))
    c.request(incremental=False)
    for r in next_update(c).rects:
        if r.enc == rfbraw.EXT_DESKTOP_SIZE:
            return c, r
    raise Fail("no ExtendedDesktopSize rectangle for the first request")


def resize_status(c, old, msg):
    """Send SetDesktopSize bytes; the answer's status, which must carry
    the unchanged size."""
    c.send(msg)
    c.request(incremental=True)
    end = time.time() + 10
    while time.time() < end:
        for r in next_update(c).rects:
            if r.enc == rfbraw.EXT_DESKTOP_SIZE and r.x == 1:
                if r.y != 0 and (r.w, r.h) != (old.w, old.h):
                    raise Fail("refusal %d carries %dx%d, the size is "
                               "%dx%d" % (r.y, r.w, r.h, old.w, old.h))
                return r.y
        c.request(incremental=True)
    raise Fail("no answer to SetDesktopSize")


def setsize(w, h, screens, n=None):
    msg = struct.pack(">BxHHBx", 251, w, h,
                      len(screens) if n is None else n)
    for s in screens:
        msg += struct.pack(">IHHHHI", *s)
    return msg


def refused(host, port, status, make):
    c, lay = eds_session(host, port)
    sid = lay.screens[0][0]
    got = resize_status(c, lay, make(lay, sid))
    if got != status:
        raise Fail("status %d, expected %d" % (got, status))
    alive(c)
    c.close()
    return "status %d, size stays %dx%d" % (got, lay.w, lay.h)


@case()
def desktop_size_zero(host, port):
    refused(host, port, 3, lambda l, i: setsize(0, 480, [(i, 0, 0, 0, 480,
                                                          0)]))
    return refused(host, port, 3, lambda l, i: setsize(640, 0, [(i, 0, 0,
                                                                 640, 0,
                                                                 0)]))


@case()
def desktop_size_over_16384(host, port):
    refused(host, port, 3, lambda l, i: setsize(16385, 480, [
        (i, 0, 0, 16385, 480, 0)]))
    return refused(host, port, 3, lambda l, i: setsize(65535, 65535, [
        (i, 0, 0, 65535, 65535, 0)]))


@case()
def desktop_size_overlapping(host, port):
    return refused(host, port, 3, lambda l, i: setsize(640, 480, [
        (i, 0, 0, 400, 480, 0), (i + 1, 300, 0, 340, 480, 0)]))


@case()
def desktop_size_screen_outside(host, port):
    refused(host, port, 3, lambda l, i: setsize(640, 480, [
        (i, 600, 0, 100, 480, 0)]))
    return refused(host, port, 3, lambda l, i: setsize(640, 480, [
        (i, 65535, 65535, 65535, 65535, 0)]))


@case()
def desktop_size_no_screens(host, port):
    return refused(host, port, 3, lambda l, i: setsize(640, 480, []))


@case(log=[r"asked for a 16384x16384 desktop: refused \(invalid for this "
           r"screen\)$"])
def desktop_size_beyond_x(host, port):
    """Within the protocol's limits but past the X screen's (Xvfb's is its
    start size): refused before RandR is asked to set it."""
    return refused(host, port, 3, lambda l, i: setsize(16384, 16384, [
        (i, 0, 0, 16384, 16384, 0)]))


@case(group="viewonly")
def desktop_size_not_allowed(host, port):
    return refused(host, port, 1, lambda l, i: setsize(640, 480, [
        (i, 0, 0, 640, 480, 0)]))


@case(log=[r"closed: message unfinished: nothing for \d+ s \(24 bytes "
           r"buffered, 0 to skip\)$"],
      group="stall")
def desktop_size_screens_missing(host, port):
    """255 screens announced, one sent: the server waits for the rest,
    then times the client out; nothing reaches RandR."""
    c, lay = eds_session(host, port)
    c.send(setsize(640, 480, [(1, 0, 0, 640, 480, 0)], n=255))
    return closed(c, STALL_WAIT)


@case(log=[r"closed: SetDesktopSize without announcing "
           r"ExtendedDesktopSize$"])
def desktop_size_unannounced(host, port):
    c = connect(host, port)
    return send_closing(c, setsize(640, 480, [(1, 0, 0, 640, 480, 0)]))


# --- for tests/support/hostile.py, the suite's front-end ---

# "msgs": a server of its own, full control, security None (or VNC auth
# with PASSWORD); hostile.py --needs any leaves them out, --replay has
# them
NEEDS = {n: "viewonly" if g == "viewonly" else "msgs"
         for n, g in GROUP.items()}
POLICY = {"viewonly"}
SLOW = {n for n, g in GROUP.items() if g == "stall"}


def take_logs():
    """The log lines of our connections are checked by our own runner
    (they include "session started" lines hostile.py does not expect)."""
    return []


# --- the runner ---

BOILERPLATE = re.compile(r"(connected|RFB 3\.\d session started"
                         r"( \(view-only\))?)$")
LEFT = re.compile(r"closed: (client disconnected|.*reset by peer.*)$")


def peer_lines(path, offset, peer):
    with open(path, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    tag = " %s: " % peer
    return [ln.split(tag, 1)[1] for ln in text.splitlines() if tag in ln]


def check_log(name, path, offset):
    """Every line naming one of the case's connections is boilerplate, or
    one of LOG[name] (each exactly once, on one of them), or the
    connection's own leaving where the server closed nothing."""
    want = LOG[name]
    end = time.time() + 5
    while True:
        lines = {p: peer_lines(path, offset, p) for p in PEERS}
        if all(any(ln.startswith("closed: ") for ln in v)
               for v in lines.values()):
            break
        if time.time() > end:
            raise Fail("log: no closing line for %s" % ", ".join(
                p for p, v in lines.items()
                if not any(ln.startswith("closed: ") for ln in v)))
        time.sleep(0.1)
    seen = [0] * len(want)
    for p, v in lines.items():
        for ln in v:
            hits = [i for i, w in enumerate(want) if re.search(w, ln)]
            if hits:
                seen[hits[0]] += 1
            elif not BOILERPLATE.match(ln) and not LEFT.match(ln):
                raise Fail("log: unexpected line for %s: %s" % (p, ln))
    for w, n in zip(want, seen):
        if n != 1:
            raise Fail("log: %d lines match %r (expected one)" % (n, w))
    return sum(seen)


def selection(display):
    r = subprocess.run(["xclip", "-display", display, "-o", "-selection",
                        "clipboard"], capture_output=True, timeout=5)
    return r.stdout.decode("utf-8", "replace") if r.returncode == 0 \
        else None


def check_selection(name, display):
    want = SELECTION[name]
    end = time.time() + 5
    while selection(display) != want:
        if time.time() > end:
            raise Fail("clipboard holds %r, expected %r" % (
                selection(display), want))
        time.sleep(0.1)


def run_case(name, a):
    del PEERS[:]
    offset = os.path.getsize(a.log) if a.log else 0
    start = time.time()
    what = CASES[name](a.host, a.port)
    if a.log:
        n = check_log(name, a.log, offset)
        what += "; %d log line%s" % (n, "" if n == 1 else "s")
    if a.display and name in SELECTION:
        check_selection(name, a.display)
        what += "; clipboard as expected"
    return "%s (%.1f s)" % (what, time.time() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--log")
    p.add_argument("--display")
    p.add_argument("port", type=int)
    p.add_argument("cases", nargs="+")
    a = p.parse_args()
    if a.cases == ["list"]:
        print("\n".join(CASES))
        return 0
    names = []
    for n in a.cases:
        names += [k for k in CASES if GROUP[k] == n[1:]] if n[0] == "@" \
            else [n]
    bad = [n for n in names if n not in CASES]
    if bad:
        p.error("no such case: %s" % ", ".join(bad))
    failed = 0
    for name in names:
        try:
            print("%s: %s" % (name, run_case(name, a)), flush=True)
        except (Fail, OSError, Skip) as e:
            print("FAIL %s: %s" % (name, e), flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
