"""A small raw-socket RFB 3.8 client for tests that need to say or see
what libvncclient cannot: colour-map formats, SetDesktopSize, a viewer
without DesktopSize.  Security type None, or VNC Authentication with a
password; Raw pixels only.

    c = rfbraw.Conn(port)
    c.handshake()                      # 3.8, None, shared ClientInit
    c.handshake(password="pw")         # 3.8, VNC Authentication
    c.set_pixel_format(bpp=8, depth=8, true_colour=False)
    c.set_encodings([rfbraw.RAW, rfbraw.EXT_DESKTOP_SIZE])
    c.request(incremental=False)
    msg = c.read_message()             # a Message, see below
    c.key(0x61, True); c.pointer(10, 20, 1); c.cut_text(b"text")
    c.fence(flags, payload); c.enable_cu(True, (x, y, w, h))

Every protocol violation raises Fail with a readable reason.
"""
import select
import socket
import struct
import subprocess

RAW = 0
DESKTOP_SIZE = -223
EXT_DESKTOP_SIZE = -308
LAST_RECT = -224
QEMU_EXT_KEY = -258
QEMU_LED_STATE = -261
EXT_MOUSE_BUTTONS = -316
FENCE = -312
CONTINUOUS_UPDATES = -313
FENCE_REQUEST = 1 << 31
EXT_CLIPBOARD = -1063131698  # 0xc0a1e5ce as a signed S32
# largest Extended Clipboard message we accept from the server
MAX_EXT_CLIP = 64 << 20


class Fail(Exception):
    pass


def vnc_auth_response(password, challenge):
    """rfbproto 7.2.2: the challenge DES-encrypted with the password (8
    bytes at most, zero-padded, each byte's bits mirrored) as the key.
    openssl does the DES (its legacy provider has it)."""
    key = bytes(int("{:08b}".format(b)[::-1], 2)
                for b in password.encode("latin-1")[:8].ljust(8, b"\0"))
    r = subprocess.run(["openssl", "enc", "-des-ecb", "-nopad", "-K",
                        key.hex(), "-provider", "legacy", "-provider",
                        "default"], input=challenge, capture_output=True)
    if r.returncode != 0 or len(r.stdout) != 16:
        raise Fail("openssl DES failed: %s" % r.stderr.decode().strip())
    return r.stdout


class Closed(Fail):
    """The server closed the connection (how: "EOF" or "reset")."""

    def __init__(self, how, what):
        Fail.__init__(self, "server closed the connection (%s) while we "
                      "read %s" % (how, what))
        self.how = how


class Rect:
    def __init__(self, x, y, w, h, enc):
        self.x, self.y, self.w, self.h, self.enc = x, y, w, h, enc
        self.pixels = None    # Raw: the bytes
        self.screens = None   # ExtendedDesktopSize: [(id, x, y, w, h, f)]
        self.leds = None      # QEMU LED State: the state byte

    def __repr__(self):
        return "rect %dx%d+%d+%d enc %d" % (self.w, self.h, self.x, self.y,
                                            self.enc)


class Message:
    """type 0: rects; type 1: first, colours [(r, g, b) 16 bit]; 2: bell;
    3: text, or with a negative length (Extended Clipboard) ext: the
    bytes after the length (flags first); 150: EndOfContinuousUpdates;
    248: ServerFence, flags and payload."""

    def __init__(self, mtype):
        self.type = mtype
        self.rects = []
        self.first = 0
        self.colours = []
        self.text = b""
        self.ext = None
        self.flags = 0
        self.payload = b""


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=10, bind=None):
        """bind: our source address (another loopback address, say)."""
        self.sock = socket.create_connection(
            (host, port), timeout=timeout,
            source_address=(bind, 0) if bind else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.width = self.height = 0
        self.bpp = 32
        self.name = ""

    def close(self):
        self.sock.close()

    @property
    def local(self):
        """Our end as the server's log names its peer: "ADDR:PORT"."""
        addr = self.sock.getsockname()
        fmt = "[%s]:%d" if ":" in addr[0] else "%s:%d"
        return fmt % (addr[0], addr[1])

    def reset(self):
        """Close with a TCP RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        self.sock.close()

    def wait_closed(self, seconds=5):
        """Wait for the server to close without sending anything more;
        returns how ("EOF" or "reset"), Fail if it stays open or talks."""
        self.sock.settimeout(seconds)
        try:
            extra = self.sock.recv(256)
        except socket.timeout:
            raise Fail("connection still open %g s later" % seconds)
        except ConnectionResetError:
            return "reset"
        if extra:
            raise Fail("unexpected bytes instead of a close: %r" % extra)
        return "EOF"

    def reason(self, what):
        """rfbproto 7.1.2/7.1.3: a u32 length, then the reason text."""
        n = self.u32(what + " reason length")
        if n > 65536:
            raise Fail("%s: absurd reason length %d" % (what, n))
        return self.recv(n, what + " reason").decode("utf-8", "replace")

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise Closed("reset", "nothing (we were sending)")

    def recv(self, n, what):
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except socket.timeout:
                raise Fail("timeout reading %s (%d of %d bytes)"
                           % (what, len(buf), n))
            except ConnectionResetError:
                raise Closed("reset", what)
            if not chunk:
                raise Closed("EOF", what)
            buf += chunk
        return bytes(buf)

    def u8(self, what):
        return self.recv(1, what)[0]

    def u16(self, what):
        return struct.unpack(">H", self.recv(2, what))[0]

    def u32(self, what):
        return struct.unpack(">I", self.recv(4, what))[0]

    # rfbproto 7.1-7.3
    def handshake(self, password=None, shared=True):
        v = self.recv(12, "ProtocolVersion")
        if not v.startswith(b"RFB 003."):
            raise Fail("server version %r" % v)
        self.send(b"RFB 003.008\n")
        n = self.u8("number of security types")
        if n == 0:
            raise Fail("server refused: %r"
                       % self.recv(self.u32("reason length"), "reason"))
        types = list(self.recv(n, "security types"))
        want = 1 if password is None else 2
        if want not in types:
            raise Fail("security types %s lack %s" % (
                types, "None" if want == 1 else "VNC Authentication"))
        self.send(bytes([want]))
        if want == 2:
            challenge = self.recv(16, "VNC Authentication challenge")
            self.send(vnc_auth_response(password, challenge))
        if self.u32("SecurityResult") != 0:
            raise Fail("SecurityResult: failed: %r" % self.recv(
                self.u32("reason length"), "reason"))
        self.send(bytes([int(shared)]))  # ClientInit
        self.width, self.height = self.u16("width"), self.u16("height")
        pf = self.recv(16, "pixel format")
        self.bpp = pf[0]
        n = self.u32("name length")
        self.name = self.recv(n, "name").decode("utf-8", "replace")

    # rfbproto 7.5.1
    def set_pixel_format(self, bpp, depth, true_colour, big_endian=False,
                         maxes=(0, 0, 0), shifts=(0, 0, 0)):
        self.send(struct.pack(">BxxxBBBBHHHBBBxxx", 0, bpp, depth,
                              int(big_endian), int(true_colour), *maxes,
                              *shifts))
        self.bpp = bpp

    # rfbproto 7.5.2
    def set_encodings(self, encs):
        self.send(struct.pack(">BxH%di" % len(encs), 2, len(encs), *encs))

    # rfbproto 7.5.3
    def request(self, incremental=True, area=None):
        x, y, w, h = area or (0, 0, self.width, self.height)
        self.send(struct.pack(">BBHHHH", 3, int(incremental), x, y, w, h))

    # rfbproto 7.5.9
    def set_desktop_size(self, w, h, screens):
        msg = struct.pack(">BxHHBx", 251, w, h, len(screens))
        for s in screens:
            msg += struct.pack(">IHHHHI", *s)
        self.send(msg)

    # rfbproto 7.5.4, 7.5.5 (without the extended form), 7.5.6
    def key(self, keysym, down):
        self.send(struct.pack(">BBxxI", 4, int(down), keysym & 0xffffffff))

    def pointer(self, x, y, mask):
        self.send(struct.pack(">BBHH", 5, mask, x, y))

    def cut_text(self, data, length=None):
        """ClientCutText of `data`; `length` lies about its size."""
        n = len(data) if length is None else length
        self.send(struct.pack(">BxxxI", 6, n & 0xffffffff) + data)

    # rfbproto 7.5.7 EnableContinuousUpdates
    def enable_cu(self, enable, area):
        self.send(struct.pack(">BBHHHH", 150, int(enable), *area))

    # rfbproto 7.5.8 ClientFence; `length` lies about the payload's size
    def fence(self, flags, payload=b"", length=None):
        n = len(payload) if length is None else length
        self.send(struct.pack(">BxxxIB", 248, flags, n) + payload)

    def poll(self, seconds):
        """The next message if one starts arriving within `seconds`."""
        r, _, _ = select.select([self.sock], [], [], seconds)
        return self.read_message() if r else None

    def read_message(self):
        t = self.u8("message type")
        m = Message(t)
        if t == 0:
            self.recv(1, "pad")
            for i in range(self.u16("number of rectangles")):
                r = self._read_rect(i)
                if r.enc == LAST_RECT:
                    break
                m.rects.append(r)
        elif t == 1:  # rfbproto 7.6.2 SetColourMapEntries
            self.recv(1, "pad")
            m.first = self.u16("first colour")
            n = self.u16("number of colours")
            data = self.recv(6 * n, "colours")
            m.colours = [struct.unpack(">HHH", data[i:i + 6])
                         for i in range(0, 6 * n, 6)]
        elif t in (2, 150):
            pass
        elif t == 248:  # rfbproto 7.6.5 ServerFence
            self.recv(3, "pad")
            m.flags = self.u32("fence flags")
            m.payload = self.recv(self.u8("fence length"), "fence payload")
        elif t == 3:
            self.recv(3, "pad")
            n = struct.unpack(">i", self.recv(4, "cut text length"))[0]
            if n >= 0:
                m.text = self.recv(n, "cut text")
            elif -n > MAX_EXT_CLIP or -n < 4:
                raise Fail("Extended Clipboard message of %d bytes" % -n)
            else:
                m.ext = self.recv(-n, "Extended Clipboard message")
        else:
            raise Fail("server message type %d, which we never enabled" % t)
        return m

    def _read_rect(self, i):
        r = Rect(*struct.unpack(">HHHHi", self.recv(12, "rect header")))
        if r.enc == RAW:
            if r.x + r.w > self.width or r.y + r.h > self.height:
                raise Fail("Raw %r outside the %dx%d framebuffer"
                           % (r, self.width, self.height))
            r.pixels = self.recv(r.w * r.h * self.bpp // 8,
                                 "Raw pixels of rect %d" % i)
        elif r.enc == DESKTOP_SIZE:
            self.width, self.height = r.w, r.h
        elif r.enc == EXT_DESKTOP_SIZE:
            n = self.u8("number of screens")
            self.recv(3, "pad")
            data = self.recv(16 * n, "screens")
            r.screens = [struct.unpack(">IHHHHI", data[k:k + 16])
                         for k in range(0, 16 * n, 16)]
            # a failed request (x 1, status y non-zero) changes nothing
            if r.x != 1 or r.y == 0:
                self.width, self.height = r.w, r.h
        elif r.enc == QEMU_LED_STATE:
            r.leds = self.u8("LED state")
        elif r.enc in (QEMU_EXT_KEY, EXT_MOUSE_BUTTONS):
            pass
        elif r.enc != LAST_RECT:
            raise Fail("rect %d has encoding %d, which we never asked for"
                       % (i, r.enc))
        return r

