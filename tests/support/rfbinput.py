#!/usr/bin/env python3
"""Raw RFB 3.8 viewers for the input-extension tests.

    rfbinput.py leds PORT DISPLAY [--timeout S]
    rfbinput.py buttons PORT [--timeout S]
    rfbinput.py inject PORT --password PASS [--clip TEXT] [--stay S]

leds: a viewer announcing the QEMU LED State pseudo-encoding (-261) keeps
asking for updates.  The first LED state it gets must be the desktop's
(CapsLock is turned on before it connects, so that is 0x04); then it
toggles NumLock and CapsLock on DISPLAY with xdotool, one at a time, and
each new state must arrive: 0x06, 0x02, 0x00 (bit 0 Scroll, 1 Num, 2 Caps).
A second viewer that did not announce -261 must never get such a
rectangle.  Exit 0 or 1.

buttons: a viewer announcing ExtendedMouseButtons (-316) must get the
empty -316 pseudo-rectangle; it then sends, at (50,60), extended
PointerEvents (marker bit 7 and a second mask byte) for button 8 (back)
and button 9 (forward), normal PointerEvents for buttons 1, 3, 4 and 7,
and an extended one for button 1, each pressed and released.  A second
viewer that did not announce -316 sends a normal PointerEvent with bit 7
(button 8) at (70,80).  Which buttons X saw is for the caller to check.
Exit 0 when everything was sent.

inject: logs in with VNC Authentication and announces QEMU Extended Key
Events, ExtendedMouseButtons and the Extended Clipboard, then sends every
kind of input at (30,40): KeyEvents v and Return, a QEMU key event for the
US "w" key (when announced) and Return, clicks of buttons 1 and 3, an
extended click of button 8 (when announced), --clip TEXT as Latin-1
ClientCutText and as an Extended Clipboard provide (when announced); then
it presses Shift_L and button 2, prints "holding" and stays S seconds
(default 2) before it leaves.  An X client would see v, Return, w, Return,
the button lines, and button 2 pressed until the server releases it.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import time

import rfbraw
from rfbraw import Fail

LED_NAMES = {0: "Scroll Lock", 1: "Num Lock", 2: "Caps Lock"}


def x_leds(display):
    """The lock LEDs of DISPLAY as the RFB state byte, from `xset q`."""
    out = subprocess.run(["xset", "-display", display, "q"], check=True,
                         capture_output=True, text=True).stdout
    state = 0
    for bit, name in LED_NAMES.items():
        m = re.search(r"%s:\s+(on|off)" % name, out)
        if not m:
            raise Fail("xset q shows no %s state" % name)
        if m.group(1) == "on":
            state |= 1 << bit
    return state


def press(display, key, want):
    subprocess.run(["xdotool", "key", key], check=True,
                   env=dict(os.environ, DISPLAY=display))
    end = time.time() + 3
    while x_leds(display) != want:
        if time.time() > end:
            raise Fail("after xdotool key %s the display's LEDs are 0x%02x"
                       ", not 0x%02x" % (key, x_leds(display), want))
        time.sleep(0.05)


def updates(c, allowed, seconds):
    """Yield each update's rectangles for `seconds`, asking for the next
    one after each; a rectangle of an encoding not in `allowed` fails."""
    end = time.time() + seconds
    while time.time() < end:
        m = c.poll(max(0.0, min(0.2, end - time.time())))
        if m is None or m.type != 0:
            continue
        for r in m.rects:
            if r.enc not in allowed:
                raise Fail("%r (encoding %d) sent to a viewer that did not "
                           "announce it" % (r, r.enc))
        c.request(incremental=True)
        yield m.rects


def next_led_state(c, old, want, timeout):
    """Wait for an LED rectangle with state `want`; repeats of `old` are
    allowed on the way, any other state is wrong."""
    for rects in updates(c, (rfbraw.RAW, rfbraw.QEMU_LED_STATE), timeout):
        for r in rects:
            if r.enc != rfbraw.QEMU_LED_STATE:
                continue
            if r.leds & 7 == want:
                return
            if old is None or r.leds & 7 != old:
                raise Fail("LED state 0x%02x, expected 0x%02x%s" % (
                    r.leds, want, "" if old is None else
                    " (or the previous 0x%02x)" % old))
    raise Fail("no LED state 0x%02x within %g s" % (want, timeout))


def leds(a):
    if x_leds(a.display) & 4 == 0:
        press(a.display, "Caps_Lock", x_leds(a.display) | 4)
    if x_leds(a.display) != 4:
        raise Fail("display LEDs 0x%02x before the test, expected 0x04"
                   % x_leds(a.display))
    plain = rfbraw.Conn(a.port)
    plain.handshake()
    plain.set_encodings([rfbraw.RAW])
    plain.request(incremental=False)
    c = rfbraw.Conn(a.port)
    c.handshake()
    c.set_encodings([rfbraw.RAW, rfbraw.QEMU_LED_STATE])
    c.request(incremental=False)
    next_led_state(c, None, 4, a.timeout)
    print("initial LED state 0x04 (Caps Lock)", flush=True)
    state = 4
    for key, bit in (("Num_Lock", 2), ("Caps_Lock", 4), ("Num_Lock", 2)):
        new = state ^ bit
        press(a.display, key, new)
        next_led_state(c, state, new, a.timeout)
        print("after %s: LED state 0x%02x" % (key, new), flush=True)
        state = new
    for _ in updates(plain, (rfbraw.RAW,), 0.5):
        pass
    return 0


def pointer(c, x, y, mask, ext=None):
    """rfbproto 7.5.5 PointerEvent; with `ext` the extended form (marker
    bit 7 of the mask and a second mask byte, buttons 8-15)."""
    if ext is None:
        c.send(struct.pack(">BBHH", 5, mask, x, y))
    else:
        c.send(struct.pack(">BBHHB", 5, 0x80 | mask, x, y, ext))
    time.sleep(0.05)


def click(c, x, y, mask, ext=None):
    pointer(c, x, y, mask, ext)
    pointer(c, x, y, 0, None if ext is None else 0)


def buttons(a):
    c = rfbraw.Conn(a.port)
    c.handshake()
    c.set_encodings([rfbraw.RAW, rfbraw.EXT_MOUSE_BUTTONS])
    c.request(incremental=False)
    allowed = (rfbraw.RAW, rfbraw.EXT_MOUSE_BUTTONS)
    for rects in updates(c, allowed, a.timeout):
        acks = [r for r in rects if r.enc == rfbraw.EXT_MOUSE_BUTTONS]
        if acks:
            print("server confirmed ExtendedMouseButtons: %r" % acks[0],
                  flush=True)
            break
    else:
        raise Fail("no ExtendedMouseButtons (-316) pseudo-rectangle "
                   "within %g s" % a.timeout)
    pointer(c, 50, 60, 0, 0)
    click(c, 50, 60, 0, 0x01)   # button 8, back
    click(c, 50, 60, 0, 0x02)   # button 9, forward
    for mask in (0x01, 0x04, 0x08, 0x40):  # buttons 1, 3, 4, 7
        click(c, 50, 60, mask)
    click(c, 50, 60, 0x01, 0)   # button 1, extended form
    legacy = rfbraw.Conn(a.port)
    legacy.handshake()
    legacy.set_encodings([rfbraw.RAW])
    click(legacy, 70, 80, 0x80)  # bit 7 is button 8 without -316
    time.sleep(0.3)
    legacy.close()
    c.close()
    return 0


def key(c, keysym, down):
    c.send(struct.pack(">BBxxI", 4, int(down), keysym))  # rfbproto 7.5.4


def qemu_key(c, keysym, xt, down):
    c.send(struct.pack(">BBHII", 255, 0, int(down), keysym, xt))


def inject(a):
    import zlib
    c = rfbraw.Conn(a.port)
    c.handshake(a.password)
    c.set_encodings([rfbraw.RAW, rfbraw.QEMU_EXT_KEY,
                     rfbraw.EXT_MOUSE_BUTTONS, rfbraw.EXT_CLIPBOARD])
    c.request(incremental=False)
    seen, caps = set(), False
    end = time.time() + 1.5
    while time.time() < end:
        m = c.poll(0.1)
        if m is not None and m.type == 0:
            seen |= {r.enc for r in m.rects}
            c.request(incremental=True)
        elif m is not None and m.type == 3 and m.ext:
            caps = caps or bool(struct.unpack(">I", m.ext[:4])[0] & 1 << 24)
    qemu = rfbraw.QEMU_EXT_KEY in seen
    ext = rfbraw.EXT_MOUSE_BUTTONS in seen
    print("server announced: QEMU keys %s, ExtendedMouseButtons %s, "
          "Extended Clipboard %s" % (qemu, ext, caps), flush=True)
    for ks in (0x76, 0xff0d):  # v, Return
        key(c, ks, True)
        key(c, ks, False)
    if qemu:
        for ks, xt in ((0x77, 0x11), (0xff0d, 0x1c)):  # w, Return
            qemu_key(c, ks, xt, True)
            qemu_key(c, ks, xt, False)
    time.sleep(0.1)
    click(c, 30, 40, 0x01)
    click(c, 30, 40, 0x04)
    if ext:
        click(c, 30, 40, 0, 0x01)
    if a.clip is not None:
        data = a.clip.encode("latin-1", "replace")
        c.send(struct.pack(">BxxxI", 6, len(data)) + data)
        if caps:
            text = a.clip.encode("utf-8") + b"\0"
            z = zlib.compress(struct.pack(">I", len(text)) + text)
            body = struct.pack(">I", 1 << 28 | 1) + z
            c.send(struct.pack(">BxxxI", 6, -len(body) & 0xffffffff) + body)
    key(c, 0xffe1, True)  # Shift_L
    pointer(c, 30, 40, 0x02)
    print("holding", flush=True)
    end = time.time() + a.stay
    while time.time() < end:
        if c.poll(0.1) is not None:
            c.request(incremental=True)
    c.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("leds")
    q.add_argument("port", type=int)
    q.add_argument("display")
    q.add_argument("--timeout", type=float, default=5)
    q = sub.add_parser("buttons")
    q.add_argument("port", type=int)
    q.add_argument("--timeout", type=float, default=5)
    q = sub.add_parser("inject")
    q.add_argument("port", type=int)
    q.add_argument("--password", required=True)
    q.add_argument("--clip")
    q.add_argument("--stay", type=float, default=2)
    a = p.parse_args()
    try:
        return {"leds": leds, "buttons": buttons, "inject": inject}[a.cmd](a)
    except Fail as e:
        print("rfbinput %s: %s" % (a.cmd, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
