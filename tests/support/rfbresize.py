#!/usr/bin/env python3
"""Raw RFB 3.8 viewers for the desktop-resizing tests.

    rfbresize.py noresize PORT [--timeout S]
    rfbresize.py setsize PORT W H --expect-status N [--timeout S]

noresize: a viewer that announces neither DesktopSize nor
ExtendedDesktopSize (SetEncodings [Raw]) and keeps asking for updates.
It prints "ready" after the first update.  When the desktop changes size
the server cannot tell it, so it must close the connection: exit 0 when
it does, 1 if the server sends anything this viewer never enabled or
pixels outside the size it announced, 2 if still connected after S s.

setsize: announces ExtendedDesktopSize (rfbproto 7.8.10), waits for the
rectangle that must answer the first non-incremental request, then sends
SetDesktopSize (7.5.9) for one W x H screen with the id the server gave.
The answer must be an ExtendedDesktopSize rectangle with x = 1 (this
client asked) and y = N (0 success, 1 prohibited, 2 out of resources,
3 invalid), of the new size on success and of the unchanged size
otherwise; updates after it must fit that size.  Exit 0 or 1.
"""
import argparse
import sys
import time

import rfbraw
from rfbraw import Fail


def noresize(a):
    c = rfbraw.Conn(a.port)
    c.handshake()
    w, h = c.width, c.height
    c.set_encodings([rfbraw.RAW])
    c.request(incremental=False)
    updates = 0
    end = time.time() + a.timeout
    try:
        while time.time() < end:
            m = c.poll(0.5)
            if m is None or m.type != 0:
                continue
            for r in m.rects:
                if r.enc != rfbraw.RAW:
                    raise Fail("%r sent to a viewer that asked for Raw "
                               "only" % r)
            if (c.width, c.height) != (w, h):
                raise Fail("size changed to %dx%d" % (c.width, c.height))
            updates += 1
            if updates == 1:
                print("ready", flush=True)
            c.request(incremental=True)
    except rfbraw.Closed as e:
        return 0, "closed by the server (%s) after %d updates" % (
            e.how, updates)
    return 2, "still connected after %d s (%d updates)" % (a.timeout,
                                                         updates)


def first_layout(c, limit):
    """The ExtendedDesktopSize rect answering the first full request."""
    end = time.time() + limit
    while time.time() < end:
        m = c.poll(0.5)
        if m is None or m.type != 0:
            continue
        for r in m.rects:
            if r.enc == rfbraw.EXT_DESKTOP_SIZE:
                return r
        raise Fail("the update answering a non-incremental request has no "
                   "ExtendedDesktopSize rectangle (rfbproto 7.8.10)")
    raise Fail("no update within %d s" % limit)


def setsize(a):
    c = rfbraw.Conn(a.port)
    c.handshake()
    c.set_encodings([rfbraw.RAW, rfbraw.EXT_DESKTOP_SIZE,
                     rfbraw.DESKTOP_SIZE])
    c.request(incremental=False)
    r = first_layout(c, a.timeout)
    if (r.w, r.h) != (c.width, c.height) or not r.screens:
        raise Fail("initial ExtendedDesktopSize %dx%d with %d screens, "
                   "ServerInit said %dx%d" % (r.w, r.h, len(r.screens or
                                                          []),
                                              c.width, c.height))
    old = (r.w, r.h)
    sid, _, _, _, _, flags = r.screens[0]
    c.set_desktop_size(a.w, a.h, [(sid, 0, 0, a.w, a.h, flags)])
    c.request(incremental=True)
    end = time.time() + a.timeout
    answer = None
    while answer is None:
        if time.time() > end:
            raise Fail("no ExtendedDesktopSize answer within %d s"
                       % a.timeout)
        m = c.poll(0.5)
        if m is None or m.type != 0:
            continue
        for r in m.rects:
            if r.enc == rfbraw.EXT_DESKTOP_SIZE and r.x == 1:
                answer = r
        c.request(incremental=True)
    if answer.y != a.expect_status:
        raise Fail("SetDesktopSize %dx%d answered with status %d, expected "
                   "%d" % (a.w, a.h, answer.y, a.expect_status))
    # A refusal carries the size that stays, as TigerVNC's server sends it;
    # libvncclient 0.9.14 resizes its framebuffer to the rectangle's size
    # whatever the status, so anything else breaks its viewers.
    want = (a.w, a.h) if a.expect_status == 0 else old
    if (answer.w, answer.h) != want:
        raise Fail("answer (status %d) says %dx%d, expected %dx%d"
                   % (answer.y, answer.w, answer.h, *want))
    # what follows must fit the size the answer gave (rfbraw checks Raw
    # rectangles against it)
    end = time.time() + 2
    while time.time() < end:
        m = c.poll(0.2)
        if m is not None and m.type == 0:
            c.request(incremental=True)
    return 0, "SetDesktopSize %dx%d: status %d, size %dx%d (was %dx%d)" % (
        a.w, a.h, answer.y, answer.w, answer.h, *old)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["noresize", "setsize"])
    ap.add_argument("port", type=int)
    ap.add_argument("w", type=int, nargs="?")
    ap.add_argument("h", type=int, nargs="?")
    ap.add_argument("--expect-status", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    if a.mode == "setsize" and a.h is None:
        ap.error("setsize needs W H")
    try:
        rc, msg = noresize(a) if a.mode == "noresize" else setsize(a)
    except (Fail, OSError) as e:
        print("rfbresize: FAIL: %s" % e)
        return 1
    print("rfbresize: %s: %s" % ("ok" if rc == 0 else "FAIL", msg))
    return rc


if __name__ == "__main__":
    sys.exit(main())
