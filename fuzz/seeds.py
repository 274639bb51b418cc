#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/NAME/ (small hand-made inputs that
reach each target's interesting paths).  Run from the top directory after
changing an input format; libFuzzer's own finds are not kept in the tree."""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def save(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v & 0xffffffff)


# ---- RFB client messages (rfbproto 7.5) ----
def pixfmt(bpp, depth, be, rmax, gmax, bmax, rs, gs, bs, tc=1):
    return struct.pack(">BBBBHHHBBB3x", bpp, depth, be, tc, rmax, gmax,
                       bmax, rs, gs, bs)


def set_pixfmt(*a, **k):
    return b"\0\0\0\0" + pixfmt(*a, **k)


def set_enc(*encs):
    return b"\2\0" + u16(len(encs)) + b"".join(u32(e) for e in encs)


def fbur(inc, x, y, w, h):
    return bytes([3, inc]) + u16(x) + u16(y) + u16(w) + u16(h)


def key(down, sym):
    return bytes([4, down, 0, 0]) + u32(sym)


def pointer(mask, x, y):
    return bytes([5, mask]) + u16(x) + u16(y)


def cut(text):
    return b"\6\0\0\0" + u32(len(text)) + text


def ext_cut(flags, payload=b""):
    return b"\6\0\0\0" + u32(-(4 + len(payload))) + u32(flags) + payload


def fence(flags, payload=b""):
    return b"\xf8\0\0\0" + u32(flags) + bytes([len(payload)]) + payload


def enable_cu(on, x, y, w, h):
    return bytes([150, on]) + u16(x) + u16(y) + u16(w) + u16(h)


def set_desktop_size(w, h, screens):
    s = b"".join(u32(i) + u16(x) + u16(y) + u16(sw) + u16(sh) + u32(0)
                 for i, x, y, sw, sh in screens)
    return b"\xfb\0" + u16(w) + u16(h) + bytes([len(screens), 0]) + s


def qemu_key(down, sym, code):
    return b"\xff\0" + u16(down) + u32(sym) + u32(code)


ENCODINGS = [0, 1, 2, 4, 5, 6, 7, 8, 15, 16, 17]
PSEUDO = [-223, -224, -232, -239, -240, -307, -308, -312, -313, -314,
          -258, -261, -316, 0xc0a1e5ce]
# Tight quality / compress levels
LEVELS = [-32 + 6, -256 + 3]

PF32 = (32, 24, 0, 255, 255, 255, 16, 8, 0)
PF16 = (16, 16, 1, 31, 63, 31, 11, 5, 0)
PF8 = (8, 8, 0, 7, 7, 3, 0, 3, 6)

NORMAL = (set_pixfmt(*PF16) + set_enc(16, *PSEUDO) + fbur(0, 0, 0, 64, 48) +
          key(1, 0x61) + key(0, 0x61) + pointer(1, 10, 10) +
          pointer(0, 10, 10) + cut(b"caf\xe9\r\nbar") + fbur(1, 0, 0, 64, 48))

# The answers to a challenge of zeros (fuzz/session.h) for "secret" and
# "view", from rfb_auth_vnc_response.
VNC_SECRET = bytes.fromhex("9613a23f1dcac5419613a23f1dcac541")
VNC_VIEW = bytes.fromhex("c03045dc74808a3dc03045dc74808a3d")


def plain(user, pw):
    return u32(len(user)) + u32(len(pw)) + user + pw


def session():
    v8, v7, v3 = b"RFB 003.008\n", b"RFB 003.007\n", b"RFB 003.003\n"
    save("session", "none-38", b"\x00" + v8 + b"\1\1" + NORMAL)
    save("session", "none-37-split", b"\x08" + v7 + b"\1\1" + NORMAL)
    save("session", "none-33", b"\x00" + v3 + b"\1" + NORMAL)
    save("session", "vnc", b"\x01" + v8 + b"\2" + VNC_SECRET + b"\1" +
         NORMAL)
    save("session", "vnc-view", b"\x03" + v8 + b"\2" + VNC_VIEW + b"\1" +
         NORMAL)
    save("session", "vnc-bad", b"\x01" + v8 + b"\2" + bytes(16))
    save("session", "plain", b"\x02" + v8 + b"\x13\0\2" + u32(256) +
         plain(b"user", b"pass") + b"\1" + NORMAL)
    save("session", "plain-split", b"\x1a" + v8 + b"\x13\0\2" + u32(256) +
         plain(b"user", b"pass") + b"\0" + NORMAL)
    save("session", "plain-long", b"\x02" + v8 + b"\x13\0\2" + u32(256) +
         plain(b"u" * 40, b"p"))
    save("session", "tls-refused", b"\x05" + v8 + b"\x13\0\2" + u32(257))
    save("session", "websocket", b"\x00" + upgrade() +
         ws_frame(2, v8) + ws_frame(2, b"\1") + ws_frame(2, b"\1" + NORMAL))
    save("session", "websocket-split", b"\x10" + upgrade() +
         ws_frame(2, v8 + b"\1\1") + ws_frame(2, NORMAL))
    save("session", "tls", b"\x00\x16\x03\x01\x00\x05hello")
    save("session", "unshared-small", b"\xc7" + v8 + b"\1\0" + NORMAL +
         cut(b"x" * 100))


def ops_bytes(data):
    """Client bytes as messages-script ops."""
    out = b""
    while data:
        part, data = data[:4096], data[4096:]
        out += b"\x0a" + u16(len(part) - 1) + part
    return out


def messages():
    hello = set_enc(*ENCODINGS[::-1], *PSEUDO)
    for e in ENCODINGS:
        if e == 1:
            continue
        for name, pf in (("32", PF32), ("16", PF16), ("8", PF8)):
            s = (b"\0" + ops_bytes(set_pixfmt(*pf) + set_enc(e, 1, *PSEUDO,
                                                           *LEVELS) +
                                   fbur(0, 0, 0, 64, 48)) +
                 b"\x03" + bytes([3, 4, 30, 20, 1, 7]) +
                 b"\x02" + bytes([10, 10, 20, 10, 4, 2]) +
                 b"\x04" + bytes([8, 8, 2, 3, 9]) +
                 ops_bytes(fbur(1, 0, 0, 64, 48)) +
                 b"\x05" + bytes([99, 70]) +
                 ops_bytes(fbur(1, 0, 0, 100, 70)))
            if e in (0, 16) or name == "16":
                save("messages", "enc%d-%s" % (e, name), s)
            if e in (7, 16) and name == "16":
                save("messages", "threads-enc%d" % e, b"\x08" + s[1:])
    save("messages", "ext", b"\0" + ops_bytes(
        hello + fence(0x80000003, b"abc") + enable_cu(1, 0, 0, 64, 48) +
        set_desktop_size(80, 60, [(1, 0, 0, 80, 60)]) +
        qemu_key(1, 0x61, 0x1e) + qemu_key(0, 0x61, 0x1e) +
        pointer(0x80, 1, 1) + b"\x08" + enable_cu(0, 0, 0, 64, 48)) +
        b"\x06\x05hello\x07\x08\x05\x09\x03\x04")
    text = zlib.compress(u32(6) + b"hallo\0")
    save("messages", "clipext", b"\0" + ops_bytes(
        hello + ext_cut(0x1f000001 | 0x10000000, u32(1024)) +
        ext_cut(0x10000001, text) + ext_cut(0x08000001) +
        ext_cut(0x02000001) +
        ext_cut(0x04000001)) + b"\x06\x05hello" + ops_bytes(
        ext_cut(0x04000001)))
    save("messages", "cmap", b"\0" + ops_bytes(
        set_pixfmt(8, 8, 0, 0, 0, 0, 0, 0, 0, tc=0) + set_enc(5, 0) +
        fbur(0, 0, 0, 64, 48)))
    save("messages", "caps", b"\7" + ops_bytes(
        hello + cut(b"y" * 200) + fbur(0, 0, 0, 64, 48)) +
        b"\x03" + bytes([0, 0, 63, 47, 2, 9]) + ops_bytes(
        fbur(0, 0, 0, 64, 48) * 30))


def ws_frame(opcode, payload, fin=True, mask=b"\x11\x22\x33\x44",
             length=None):
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + u16(n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


KEY = b"dGhlIHNhbXBsZSBub25jZQ=="


def upgrade(extra=b""):
    return (b"GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY +
            b"\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Protocol: binary, base64\r\n" + extra + b"\r\n")


def ws():
    frames = (ws_frame(2, b"RFB 003.008\n") + ws_frame(9, b"ping") +
              ws_frame(2, b"ab", fin=False) + ws_frame(10, b"") +
              ws_frame(0, b"cd") + ws_frame(1, b"text") +
              ws_frame(2, bytes(150)) + ws_frame(8, u16(1000) + b"bye"))
    save("ws", "head", b"\0" + upgrade())
    save("ws", "path", b"\0/app/%2e%2e/./ui.js?x=1#f")
    save("ws", "upgrade", b"\x01" + upgrade() + frames)
    save("ws", "upgrade-split", b"\x05" + upgrade() + frames)
    save("ws", "files", b"\x01GET /app/ui.js HTTP/1.1\r\nHost: x\r\n\r\n")
    save("ws", "redirect", b"\x21GET / HTTP/1.0\r\n\r\n")
    save("ws", "symlink", b"\x01HEAD /app/up HTTP/1.1\r\n\r\n")
    save("ws", "traversal", b"\x01GET /../secret HTTP/1.1\r\n\r\n")
    save("ws", "too-long", b"\x01GET /" + b"a" * 400 + b" HTTP/1.1\r\n\r\n")
    save("ws", "version", b"\x01" + upgrade().replace(b": 13", b": 8"))
    save("ws", "frames", b"\x02" + frames)
    save("ws", "big-frame", b"\x0e" + ws_frame(2, b"", length=201) +
         ws_frame(2, b"", length=1 << 40))
    save("ws", "unmasked", b"\x02\x82\x02hi")


def plain_seeds():
    save("plain", "plain", b"\x00\0\2" + u32(256) + plain(b"user", b"pass") +
         b"\1" + NORMAL)
    save("plain", "plain-split", b"\x04\0\2" + u32(256) +
         plain(b"user", b"pass") + b"\1" + NORMAL)
    save("plain", "plain-wrong", b"\x08\0\2" + u32(256) +
         plain(b"user", b"nope"))
    save("plain", "plain-over-cap", b"\x00\0\2" + u32(256) +
         plain(b"u" * 17, b""))
    save("plain", "tlsplain", b"\x09\0\2" + u32(259) +
         plain(b"user", b"pass") + b"\1" + NORMAL)
    save("plain", "tlsvnc", b"\x0a\0\2" + u32(258) + VNC_SECRET + b"\1" +
         NORMAL)
    save("plain", "tlsnone", b"\x0e\0\2" + u32(257) + b"\1" + NORMAL)
    save("plain", "x509vnc", b"\x0b\0\2" + u32(261) + VNC_SECRET)
    save("plain", "version", b"\x00\0\1")
    save("plain", "not-offered", b"\x00\0\2" + u32(262))


def rect(x, y, w, h, kind, seed):
    return u16(x) + u16(y) + u16(w) + u16(h) + bytes([kind, seed])


def encode_seeds():
    rects = (rect(0, 0, 320, 240, 0x09, 1) + rect(10, 20, 100, 50, 0x01, 2) +
             rect(0, 0, 64, 64, 0x00, 3) + rect(5, 5, 37, 19, 0x12, 4) +
             rect(300, 200, 20, 40, 0x03, 5) + rect(0, 0, 1, 1, 2, 6))
    for e in range(9):
        for f in (0, 4, 5, 8):
            save("encode", "e%d-f%d" % (e, f), bytes([f, e, 6, 0]) + rects)
        save("encode", "e%d-q" % e, bytes([1, e, 9, 6]) +
             rect(0, 0, 320, 240, 0x04, 9) + rect(0, 0, 100, 80, 0x02, 7))
    save("encode", "fuzzed-fmt", bytes([0x80, 6, 2, 0]) +
         pixfmt(32, 12, 1, 15, 15, 15, 20, 12, 28) + rects)
    save("encode", "trle-pal", bytes([5, 5, 0, 0]) +
         rect(0, 0, 160, 96, 0x39, 8) + rect(0, 0, 160, 96, 0x71, 8) +
         rect(0, 0, 64, 64, 0xf8, 3))


def pixfmt_seeds():
    grey = bytes(range(0, 256, 5)) * 3
    for name, pf in (("32", PF32), ("16", PF16), ("8", PF8),
                     ("32be565", (32, 16, 1, 31, 63, 31, 19, 13, 8)),
                     ("16max1", (16, 3, 0, 1, 1, 1, 15, 0, 7))):
        save("pixfmt", name, pixfmt(*pf) + grey)
    save("pixfmt", "cmap", pixfmt(8, 8, 0, 0, 0, 0, 0, 0, 0, tc=0))
    save("pixfmt", "overlap", pixfmt(16, 16, 0, 255, 255, 255, 0, 4, 8))


def clipboard_seeds():
    save("clipboard", "x11-utf8", b"\0caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
         b"\xc0\xaf \xed\xa0\x80 \xff\0x")
    save("clipboard", "x11-latin1", b"\0" + bytes(range(256)))
    text = b"caf\xe9\r\nline\rend\0!"
    legacy = b"\0" + bytes([len(text)]) + text
    desk = b"\2" + bytes([12]) + b"h\xc3\xa9llo\nw\0rld"
    save("clipboard", "legacy", b"\x01" + legacy + desk)
    caps = b"\1" + u32(0x1f000001) + u16(4) + u32(1024)
    provide = b"\3" + u32(0x10000001) + u16(10) + u32(6) + b"hallo\0"
    save("clipboard", "ext", b"\x03" + caps + provide + desk +
         b"\1" + u32(0x02000001) + u16(0) + b"\1" + u32(0x04000001) +
         u16(0) + b"\1" + u32(0x08000001) + u16(0))
    save("clipboard", "ext-small-view", b"\x0f" + caps + provide + desk +
         b"\2" + bytes([100]) + b"z" * 100)


if __name__ == "__main__":
    session()
    messages()
    ws()
    plain_seeds()
    encode_seeds()
    pixfmt_seeds()
    clipboard_seeds()
