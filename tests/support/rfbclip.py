#!/usr/bin/env python3
"""A raw RFB 3.8 viewer speaking the Extended Clipboard (rfbproto 7.8.22,
pseudo-encoding 0xc0a1e5ce), for the clipboard tests.

    rfbclip.py PORT [options]

It announces the pseudo-encoding and waits for the server's caps, answers
with its own (text, and the actions request, peek, notify and provide;
--caps-max is its largest unsolicited text, default 0: "always notify
me"), prints "ready", then does what the options say.  Text on the wire
is UTF-8 with CR LF line ends and a terminating NUL, inside one zlib
stream per provide message; files and comparisons use LF.

  --send FILE      put FILE's text on the desktop clipboard as a careful
                   viewer does: a provide if it fits the size the server's
                   caps allow, else a notify and a provide on request
  --provide FILE   always an unsolicited provide (as naive viewers do)
  --notify FILE    always a notify first, the text only on request
  --expect FILE    wait for the desktop's text to be FILE's: a notify is
                   answered with a request, the provide must hold the text
                   (other texts on the way are shown, not failures)
  --forbid FILE    fail if FILE's text, or a truncated part of it, arrives
  --silence        fail on any clipboard message after the caps
  --legacy         do not announce the Extended Clipboard (a Latin-1
                   viewer: texts go as ClientCutText, as they also do
                   when the server announces no Extended Clipboard);
                   --silence still applies
  --no-caps-ok     the server need not announce it (e.g. -noclipboard)
  --password PASS  log in with VNC Authentication
  --stay S         stay connected S s after the rest, answering requests
  --timeout S      limit for the caps and for --expect (default 10)

Exit 0 when everything asked for happened, 1 otherwise (the reason on
stderr), 2 on a usage error.
"""
import argparse
import struct
import sys
import time
import zlib

import rfbraw
from rfbraw import Fail

TEXT = 1 << 0
FORMATS = 0xffff
CAPS, REQUEST, PEEK, NOTIFY, PROVIDE = (1 << 24, 1 << 25, 1 << 26, 1 << 27,
                                        1 << 28)
ACTIONS = {CAPS: "caps", REQUEST: "request", PEEK: "peek",
           NOTIFY: "notify", PROVIDE: "provide"}
# the spec's defaults when caps say nothing else
DEFAULT_TEXT_MAX = 20 << 20


def describe(flags):
    acts = [n for b, n in sorted(ACTIONS.items()) if flags & b]
    fmts = [("text", "rtf", "html", "dib", "files")[i] if i < 5 else
            "format%d" % i for i in range(16) if flags & (1 << i)]
    return "%s [%s]" % ("+".join(acts) or "no action", ",".join(fmts))


def to_wire(text):
    """LF text -> UTF-8 with CR LF and a terminating NUL."""
    return text.replace("\n", "\r\n").encode("utf-8") + b"\0"


def from_wire(data):
    """The provide's text data back to LF text; strict about the format."""
    if not data.endswith(b"\0"):
        raise Fail("provide text of %d bytes lacks the terminating NUL"
                   % len(data))
    data = data[:-1]
    if b"\0" in data:
        raise Fail("provide text has a NUL inside, at byte %d"
                   % data.index(b"\0"))
    bare = data.replace(b"\r\n", b"")
    if b"\n" in bare or b"\r" in bare:
        raise Fail("provide text has a line end other than CR LF at byte "
                   "%d" % data.index(b"\n" if b"\n" in bare else b"\r"))
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as e:
        raise Fail("provide text is not UTF-8: %s" % e)


class Viewer:
    def __init__(self, a):
        self.a = a
        self.c = rfbraw.Conn(a.port, timeout=30)
        self.server_caps = None    # flags
        self.server_max = {}       # format bit -> size
        self.mine = None           # text we offer (LF form)
        self.received = []         # texts the server gave us (LF form)
        self.caps_sent = False
        self.awaiting = 0          # our requests not answered yet

    # --- sending (rfbproto 7.5.6 ClientCutText, extended form) ---
    def send_ext(self, flags, payload=b""):
        body = struct.pack(">I", flags) + payload
        self.c.send(struct.pack(">BxxxI", 6, (-len(body)) & 0xffffffff) +
                    body)

    def send_caps(self):
        self.send_ext(CAPS | TEXT | REQUEST | PEEK | NOTIFY | PROVIDE,
                      struct.pack(">I", self.a.caps_max))
        self.caps_sent = True

    def send_provide(self):
        data = to_wire(self.mine)
        z = zlib.compress(struct.pack(">I", len(data)) + data)
        self.send_ext(PROVIDE | TEXT, z)
        print("sent provide: %d bytes of text, %d compressed"
              % (len(data), len(z)), flush=True)

    def send_notify(self):
        self.send_ext(NOTIFY | (TEXT if self.mine is not None else 0))
        print("sent notify", flush=True)

    # --- receiving ---
    def handle(self, m):
        """One server message; returns a text received, or None."""
        if m.type != 3:
            return None
        if m.ext is None:
            text = m.text.decode("latin-1").replace("\r\n", "\n")
            print("legacy ServerCutText: %d bytes" % len(m.text),
                  flush=True)
            if self.a.silence:
                raise Fail("ServerCutText (%d bytes) although clipboard "
                           "exchange should be off" % len(m.text))
            return self.got(text)
        flags = struct.unpack(">I", m.ext[:4])[0]
        print("server: %s (%d bytes)" % (describe(flags), len(m.ext)),
              flush=True)
        if flags & CAPS:
            return self.caps(flags, m.ext[4:])
        if self.a.silence:
            raise Fail("Extended Clipboard %s although clipboard exchange "
                       "should be off" % describe(flags))
        if flags & REQUEST:
            if flags & TEXT and self.mine is not None:
                self.send_provide()
            else:
                print("request for nothing we announced", flush=True)
        elif flags & PEEK:
            self.send_notify()
        elif flags & NOTIFY:
            if flags & TEXT:
                self.send_ext(REQUEST | TEXT)
                self.awaiting += 1
                print("sent request", flush=True)
        elif flags & PROVIDE:
            return self.provide(flags, m.ext[4:])
        return None

    def caps(self, flags, rest):
        n = bin(flags & FORMATS).count("1")
        if len(rest) < 4 * n:
            raise Fail("caps announce %d formats but carry %d bytes of "
                       "sizes" % (n, len(rest)))
        sizes = struct.unpack(">%dI" % n, rest[:4 * n])
        bits = [i for i in range(16) if flags & (1 << i)]
        self.server_caps = flags
        self.server_max = dict(zip(bits, sizes))
        print("server caps: %s, sizes %s" % (describe(flags),
                                            self.server_max), flush=True)
        return None

    def provide(self, flags, z):
        d = zlib.decompressobj()
        try:
            raw = d.decompress(z)
        except zlib.error as e:
            raise Fail("provide: bad zlib stream: %s" % e)
        if not d.eof:
            raise Fail("provide: the zlib stream does not end in the "
                       "message")
        text = None
        for bit in range(16):
            if not flags & (1 << bit):
                continue
            if len(raw) < 4:
                raise Fail("provide: no size for format %d" % bit)
            size = struct.unpack(">I", raw[:4])[0]
            if len(raw) < 4 + size:
                raise Fail("provide: format %d says %d bytes, %d there"
                           % (bit, size, len(raw) - 4))
            if bit == 0:
                text = from_wire(raw[4:4 + size])
            raw = raw[4 + size:]
        solicited = self.awaiting > 0
        self.awaiting = max(0, self.awaiting - 1)
        if text is None:
            print("provide without text", flush=True)
            return None
        wire = len(to_wire(text))
        if not solicited and self.caps_sent and wire > self.a.caps_max:
            raise Fail("unsolicited provide of %d bytes of text although "
                       "our caps allow %d (the server must notify)"
                       % (wire, self.a.caps_max))
        return self.got(text)

    def got(self, text):
        self.received.append(text)
        show = text if len(text) <= 80 else "%r... (%d chars)" % (
            text[:40], len(text))
        print("received text: %s" % show, flush=True)
        forbid = self.a.forbid_text
        if forbid is not None and text and forbid.startswith(text):
            raise Fail("the server passed on text it must not (%d of %d "
                       "chars)" % (len(text), len(forbid)))
        return text

    def pump(self, seconds, done=lambda t: False):
        """Handle messages for `seconds` or until done(text)."""
        end = time.time() + seconds
        while time.time() < end:
            m = self.c.poll(max(0.0, min(0.2, end - time.time())))
            if m is None:
                continue
            t = self.handle(m)
            if t is not None and done(t):
                return True
        return False


def load(path):
    if path is None:
        return None
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def run(a):
    v = Viewer(a)
    v.c.handshake(a.password)
    encs = [rfbraw.RAW] + ([] if a.legacy else [rfbraw.EXT_CLIPBOARD])
    v.c.set_encodings(encs)
    v.c.request(incremental=False)
    if not a.legacy:
        end = time.time() + a.timeout
        while v.server_caps is None and time.time() < end:
            v.pump(0.2)
        if v.server_caps is None:
            if not a.no_caps_ok:
                raise Fail("no Extended Clipboard caps from the server "
                           "within %g s" % a.timeout)
            print("server announced no Extended Clipboard", flush=True)
        else:
            v.send_caps()
    v.mine = load(a.send or a.provide or a.notify)
    if v.mine is not None:
        if a.legacy or v.server_caps is None:
            # rfbproto 7.5.6: Latin-1, '?' for the rest
            data = v.mine.encode("latin-1", "replace")
            v.c.send(struct.pack(">BxxxI", 6, len(data)) + data)
            print("sent Latin-1 ClientCutText", flush=True)
        elif a.provide:
            v.send_provide()
        elif a.notify:
            v.send_notify()
        else:
            limit = v.server_max.get(0, DEFAULT_TEXT_MAX)
            if v.server_caps is not None and not v.server_caps & PROVIDE:
                limit = -1
            if len(to_wire(v.mine)) <= limit:
                v.send_provide()
            else:
                print("text over the server's %d: notify" % limit,
                      flush=True)
                v.send_notify()
    print("ready", flush=True)
    if a.expect is not None:
        want = load(a.expect)
        if not v.pump(a.timeout, lambda t: t == want):
            got = v.received[-1] if v.received else None
            raise Fail("the desktop's text never arrived; last received: %s"
                       % ("nothing" if got is None else
                          "%d chars, first difference at %d" % (
                              len(got), next((i for i, (x, y) in
                                              enumerate(zip(got, want))
                                              if x != y),
                                             min(len(got), len(want))))))
        print("expected text arrived", flush=True)
    if a.stay:
        v.pump(a.stay)
    v.c.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--send")
    g.add_argument("--provide")
    g.add_argument("--notify")
    p.add_argument("--expect")
    p.add_argument("--forbid")
    p.add_argument("--silence", action="store_true")
    p.add_argument("--legacy", action="store_true")
    p.add_argument("--no-caps-ok", action="store_true")
    p.add_argument("--password")
    p.add_argument("--caps-max", type=int, default=0)
    p.add_argument("--stay", type=float, default=0)
    p.add_argument("--timeout", type=float, default=10)
    a = p.parse_args()
    a.forbid_text = load(a.forbid)
    try:
        return run(a)
    except Fail as e:
        print("rfbclip: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
