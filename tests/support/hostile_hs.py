"""Hostile clients for the handshake and security phase: the section
"Handshake and security" of hostile-inputs.md, one function per case.

    CASES = {name: function(host, port) -> str}

Each function plays one hostile client against a running server and
returns a one-line description of how the server reacted, or raises Fail
(or Skip, when the server is not configured for the case) if the reaction
is not the specific one expected: the error text the protocol can carry
(3.8 SecurityResult reason, 3.3 failure string, VeNCrypt status byte), then
a close.  NEEDS[name] says what the server must offer ("any", "vncauth",
"vencrypt" with Plain and a TLS subtype, "dontdisconnect" for -noshared
-dontdisconnect with another viewer connected, "shared" for -shared,
"noshared" for -noshared: it evicts the other viewers).

Every connection a case opens is recorded as (peer, regex): the server
must log exactly one line naming that peer (besides "connected"), and it
must match regex.  take_logs() hands over (and forgets) what the calling
thread recorded; hostile.py checks it against the server log.

Settings a front-end may change: HS_TIMEOUT (the server's
-handshaketimeout in seconds), PASSWORD (the right VNC password, for the
viewer that must still get in while an address is blocked).
"""
import random
import re
import select
import socket
import ssl
import struct
import threading
import time

import rfbraw
from rfbraw import Fail

HS_TIMEOUT = 30
PASSWORD = None

# (peer, regex) per connection opened, per thread: slow cases run side
# by side
_tls = threading.local()


def expect_log(c, regex):
    if not hasattr(_tls, "logs"):
        _tls.logs = []
    _tls.logs.append((c.local, regex))


def take_logs():
    logs = getattr(_tls, "logs", [])
    _tls.logs = []
    return logs

SEC_NONE, SEC_VNCAUTH, SEC_VENCRYPT = 1, 2, 19
VC_PLAIN, VC_TLSNONE, VC_TLSVNC, VC_TLSPLAIN, VC_X509NONE = (256, 257, 258,
                                                            259, 260)
KEY_Q = 0x71


class Skip(Exception):
    """The server is not configured the way this case needs."""


def connect(host, port, log, bind=None):
    """A connection whose one log line must match `log` (None: not
    checked, for connections that are let in)."""
    c = rfbraw.Conn(port, host, bind=bind)
    if log is not None:
        expect_log(c, log)
    return c


def version(c, minor=8):
    v = c.recv(12, "ProtocolVersion")
    if v != b"RFB 003.008\n":
        raise Fail("server version %r" % v)
    c.send(b"RFB 003.%03d\n" % minor)


def offered(c):
    """rfbproto 7.1.2 (3.7/3.8): the list of security types."""
    n = c.u8("number of security types")
    if n == 0:
        raise Fail("refused before any type: %s"
                   % c.reason("connection failed"))
    return list(c.recv(n, "security types"))


def need(types, t, what):
    if t not in types:
        raise Skip("the server offers %s, not %s" % (types, what))


def probe_input(c):
    """Act as if an illegal step had worked: ClientInit, SetEncodings, a
    request, the key q and a click at (300, 300).  None of it may reach
    the X server (the test watches with xkeyrec)."""
    msg = (b"\x01" + struct.pack(">BxHi", 2, 1, 0) +
           struct.pack(">BBHHHH", 3, 0, 0, 0, 16, 16) +
           struct.pack(">BBxxI", 4, 1, KEY_Q) +
           struct.pack(">BBxxI", 4, 0, KEY_Q) +
           struct.pack(">BBHH", 5, 1, 300, 300) +
           struct.pack(">BBHH", 5, 0, 300, 300))
    try:
        c.sock.sendall(msg)
    except OSError:
        pass  # already closed on us: just as good


def closed(c, seconds=5):
    how = c.wait_closed(seconds)
    c.close()
    return "closed (%s)" % how


def result_failed(c, minor=8):
    """rfbproto 7.1.3 SecurityResult: failed, with the reason in 3.8."""
    r = c.u32("SecurityResult")
    if r == 0:
        raise Fail("SecurityResult ok where it must fail")
    return c.reason("SecurityResult") if minor >= 8 else ""


# ---- ProtocolVersion ----

def garbage_version(data, log):
    def case(host, port):
        c = connect(host, port, log)
        c.recv(12, "ProtocolVersion")
        c.send(data)
        return closed(c)
    return case


def version_889(host, port):
    """Apple's 3.889 is spoken to as 3.8, as viewers expect."""
    c = connect(host, port, r"closed: client disconnected")
    c.recv(12, "ProtocolVersion")
    c.send(b"RFB 003.889\n")
    types = offered(c)
    c.close()
    return "answered as 3.8, offered %s" % types


def version_short_eof(host, port):
    """11 of the 12 bytes, then EOF."""
    c = connect(host, port, r"closed: client disconnected")
    c.recv(12, "ProtocolVersion")
    c.send(b"RFB 003.008")
    c.sock.shutdown(socket.SHUT_WR)
    return closed(c)


# ---- stalls: closed at the handshake timeout ----

def _closed_at_timeout(c, t0, send_more=None):
    """Wait for the close, sending a byte every HS_TIMEOUT/3 s if asked;
    it must come at the handshake timeout, not before."""
    end = t0 + HS_TIMEOUT + 5
    step = HS_TIMEOUT / 3.0
    nxt = t0 + step
    while True:
        now = time.monotonic()
        if now > end:
            raise Fail("still open %.1f s after connecting (timeout %d s)"
                       % (now - t0, HS_TIMEOUT))
        r, _, _ = select.select([c.sock], [], [], max(0, min(nxt, end) -
                                                       now))
        if r:
            break
        if send_more and time.monotonic() >= nxt:
            try:
                send_more()
            except rfbraw.Closed:
                break
            nxt += step
    how = c.wait_closed(1)
    took = time.monotonic() - t0
    if took < HS_TIMEOUT - 0.5:
        raise Fail("closed after %.1f s, before the %d s timeout"
                   % (took, HS_TIMEOUT))
    c.close()
    return "closed (%s) after %.1f s" % (how, took)


TIMEOUT_LOG = r"closed: handshake not finished within \d+ s"


def silent(host, port):
    c = connect(host, port, TIMEOUT_LOG)
    t0 = time.monotonic()
    c.recv(12, "ProtocolVersion")
    return _closed_at_timeout(c, t0)


def trickle(host, port):
    """One byte of the version every HS_TIMEOUT/3 s (10 s of 30)."""
    c = connect(host, port, TIMEOUT_LOG)
    t0 = time.monotonic()
    c.recv(12, "ProtocolVersion")
    data = iter(b"RFB 003.008\n")
    return _closed_at_timeout(c, t0, lambda: c.send(bytes([next(data)])))


def vncauth_truncated(host, port):
    """Half a VNC-auth response, then nothing: the timeout closes it, no
    check is made on partial data (no "authentication failed")."""
    c = connect(host, port, TIMEOUT_LOG)
    t0 = time.monotonic()
    version(c)
    need(offered(c), SEC_VNCAUTH, "VNC authentication")
    c.send(bytes([SEC_VNCAUTH]))
    c.recv(16, "challenge")
    c.send(b"\0" * 8)
    return _closed_at_timeout(c, t0)


# ---- security types not offered ----

def pick_type(pick, minor):
    """Pick a type the server did not offer (pick None: the first of
    None, VncAuth, VeNCrypt, Tight that it did not offer)."""
    def case(host, port):
        c = connect(host, port, None)
        version(c, minor)
        types = offered(c)
        t = pick
        if t is None:
            t = next(x for x in (SEC_NONE, SEC_VNCAUTH, SEC_VENCRYPT, 16)
                     if x not in types)
        expect_log(c, r"refused: security type %d was not offered" % t)
        c.send(bytes([t]))
        if minor >= 8:
            why = result_failed(c)
            if "not offered" not in why:
                raise Fail("reason %r does not say why" % why)
        else:
            why = "(3.7 has no reason)"
        probe_input(c)
        return "type %d of %s: %s, %s" % (t, types, why, closed(c))
    return case


def type_after_33(host, port):
    """A 3.3 client answers the server's choice (VNC auth) with a type of
    its own (VeNCrypt) and a ClientInit: that is a wrong response."""
    c = connect(host, port, r"authentication failed: Authentication failed",
                bind="127.0.0.9")
    version(c, 3)
    t = c.u32("3.3 security type")
    if t != SEC_VNCAUTH:
        raise Skip("3.3 security type %d, not VNC authentication" % t)
    c.recv(16, "challenge")
    c.send(bytes([SEC_VENCRYPT, 1]) + b"\0" * 14)
    result_failed(c, 3)
    probe_input(c)
    return "3.3 auth failed, %s" % closed(c)


def rfb33_vencrypt_only(host, port):
    c = connect(host, port, r"refused: This server requires VeNCrypt")
    version(c, 3)
    t = c.u32("3.3 security type")
    if t != 0:
        raise Skip("3.3 got security type %d: not VeNCrypt-only" % t)
    why = c.reason("3.3 failure")
    if "VeNCrypt" not in why:
        raise Fail("3.3 failure string %r does not say why" % why)
    probe_input(c)
    return "%r, %s" % (why, closed(c))


# ---- VNC authentication ----

def _vncauth_wrong(host, port, bind):
    """One wrong response; returns (reason, seconds the failure took)."""
    c = connect(host, port, r"authentication failed: Authentication failed",
                bind=bind)
    version(c)
    types = offered(c)
    need(types, SEC_VNCAUTH, "VNC authentication")
    c.send(bytes([SEC_VNCAUTH]))
    challenge = c.recv(16, "challenge")
    t0 = time.monotonic()
    c.send(rfbraw.vnc_auth_response("wrong-pw", challenge))
    why = result_failed(c)
    took = time.monotonic() - t0
    probe_input(c)
    closed(c)
    return why, took


def vncauth_wrong(host, port):
    why, took = _vncauth_wrong(host, port, "127.0.0.10")
    if why != "Authentication failed":
        raise Fail("reason %r" % why)
    # the server waits before it answers (500 ms), so guesses cost time
    if took < 0.3:
        raise Fail("failure told after %.2f s, without a delay" % took)
    return "%r after %.2f s, closed" % (why, took)


def vncauth_block(host, port):
    """Five failures from one address block it; a viewer from another
    address with the right password still gets in meanwhile."""
    bad, good = "127.0.0.11", "127.0.0.12"
    fails = 0
    for _ in range(5):
        c = connect(host, port, None, bind=bad)
        version(c)
        n = c.u8("number of security types")
        if n == 0:  # blocked already (a replay): that is the point
            why = c.reason("refusal")
            expect_log(c, r"refused: Too many")
            c.close()
            break
        c.close()
        _vncauth_wrong(host, port, bad)
        fails += 1
    c = connect(host, port, r"refused: Too many authentication failures "
                r"from %s" % re.escape(bad), bind=bad)
    version(c)
    if c.u8("number of security types") != 0:
        raise Fail("%s not blocked after %d failures" % (bad, fails))
    why = c.reason("refusal")
    closed(c)
    if PASSWORD is None:
        raise Skip("no --password for the viewer that must get in")
    ok = connect(host, port, None, bind=good)
    ok.handshake(password=PASSWORD)
    ok.close()
    return "blocked after %d failures: %r; %s got in" % (fails, why, good)


# ---- VeNCrypt ----

def vencrypt_start(c):
    """Up to the server's VeNCrypt version (rfbproto 7.2.19)."""
    version(c)
    need(offered(c), SEC_VENCRYPT, "VeNCrypt")
    c.send(bytes([SEC_VENCRYPT]))
    v = c.recv(2, "VeNCrypt version")
    if v != b"\x00\x02":
        raise Fail("VeNCrypt version %r" % v)


def vencrypt_subtypes(c):
    c.send(b"\x00\x02")
    if c.u8("VeNCrypt version ack") != 0:
        raise Fail("VeNCrypt 0.2 refused")
    n = c.u8("number of subtypes")
    return list(struct.unpack(">%dI" % n, c.recv(4 * n, "subtypes")))


def vencrypt_version(major, minor):
    def case(host, port):
        c = connect(host, port, r"refused: VeNCrypt version %d\.%d"
                    % (major, minor))
        vencrypt_start(c)
        c.send(bytes([major, minor]))
        ack = c.u8("VeNCrypt version ack")
        if ack == 0:
            raise Fail("VeNCrypt %d.%d accepted" % (major, minor))
        probe_input(c)
        return "status %d, %s" % (ack, closed(c))
    return case


def vencrypt_subtype_unoffered(host, port):
    c = connect(host, port, None)
    vencrypt_start(c)
    subs = vencrypt_subtypes(c)
    t = next(x for x in (VC_X509NONE, VC_TLSNONE, VC_PLAIN, 0xffffffff)
             if x not in subs)
    expect_log(c, r"refused: VeNCrypt subtype %d was not offered" % t)
    c.send(struct.pack(">I", t))
    if c.u8("subtype ack") != 0:
        raise Fail("subtype %d of %s accepted" % (t, subs))
    probe_input(c)
    return "subtype %d of %s refused, %s" % (t, subs, closed(c))


def plain_lengths(ulen, plen):
    """Plain (no TLS) with lengths a 32-bit sum or an allocation would
    choke on: refused with a SecurityResult reason before any wait."""
    def case(host, port):
        c = connect(host, port, r"Plain credentials of %d\+%d bytes"
                    % (ulen, plen), bind="127.0.0.13")
        vencrypt_start(c)
        need(vencrypt_subtypes(c), VC_PLAIN, "Plain")
        # no ack for a subtype without TLS (rfbproto 7.2.19)
        c.send(struct.pack(">I", VC_PLAIN))
        c.send(struct.pack(">II", ulen, plen) + b"x" * 64)
        why = result_failed(c)
        if "Plain credentials" not in why:
            raise Fail("reason %r" % why)
        probe_input(c)
        return "%r, %s" % (why, closed(c))
    return case


def tls_subtype(c, prefer):
    """Pick the first offered TLS subtype of prefer; read the ack."""
    subs = vencrypt_subtypes(c)
    t = next((x for x in prefer if x in subs), None)
    if t is None:
        raise Skip("no subtype of %s among %s" % (prefer, subs))
    c.send(struct.pack(">I", t))
    return t


def plain_with_subtype(host, port):
    """TLSPlain's credentials sent with the subtype, before TLS."""
    c = connect(host, port, r"closed: sent data before TLS started")
    vencrypt_start(c)
    subs = vencrypt_subtypes(c)
    need(subs, VC_TLSPLAIN, "TLSPlain")
    c.send(struct.pack(">IIII", VC_TLSPLAIN, 4, 4, 0) + b"userpass")
    return closed(c)


def client_hello():
    """The first flight of a real TLS client."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


TLS_FAIL_LOG = r"closed: TLS: "


def alert_then_closed(c):
    """A failed TLS handshake: the server may send an alert record (TLS
    says why that way), then it must close."""
    c.sock.settimeout(5)
    data = b""
    try:
        while True:
            chunk = c.sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        raise Fail("still open 5 s later (got %r)" % data[:32])
    except ConnectionResetError:
        pass
    c.close()
    if not data:
        return "closed"
    if data[0] != 0x15 or len(data) != 7:
        raise Fail("not a TLS alert before the close: %r" % data[:32])
    return "TLS alert %d, closed" % data[6]


def tls_after_ack(what):
    """After the ack of a TLS subtype: Plain credentials in clear, random
    bytes, half a ClientHello then a RST, or a ClientHello and silence."""
    def case(host, port):
        log = TIMEOUT_LOG if what == "abandon" else \
            r"closed: client disconnected|closed: .*reset" \
            if what == "rst" else TLS_FAIL_LOG
        c = connect(host, port, log)
        t0 = time.monotonic()
        vencrypt_start(c)
        t = tls_subtype(c, (VC_TLSPLAIN, VC_TLSNONE, VC_TLSVNC))
        if c.u8("subtype ack") != 1:
            raise Fail("TLS subtype %d refused" % t)
        if what == "plain":
            c.send(struct.pack(">II", 4, 4) + b"userpass")
            return "subtype %d, %s" % (t, alert_then_closed(c))
        if what == "garbage":
            rng = random.Random(19)
            c.send(bytes(rng.randrange(256) for _ in range(300)))
            return "subtype %d, %s" % (t, alert_then_closed(c))
        hello = client_hello()
        c.send(hello[:len(hello) // 2])
        if what == "rst":
            time.sleep(0.2)
            c.reset()
            return "subtype %d, half a ClientHello, then RST" % t
        return "subtype %d, half a ClientHello: %s" % (
            t, _closed_at_timeout(c, t0))
    return case


# ---- ClientInit ----

def exclusive(expect_refused):
    """Exclusive access asked while the watcher is connected: refused
    under -noshared -dontdisconnect, ignored under -shared."""
    def case(host, port):
        c = connect(host, port, r"refused: asked for exclusive access"
                    if expect_refused else None)
        try:
            c.handshake(password=PASSWORD, shared=False)
        except rfbraw.Closed:
            if not expect_refused:
                raise
            probe_input(c)
            return "refused at ClientInit, %s" % closed(c)
        if expect_refused:
            raise Fail("exclusive access granted: ServerInit %dx%d"
                       % (c.width, c.height))
        c.close()
        return "shared anyway: ServerInit %dx%d" % (c.width, c.height)
    return case


def exclusive_evicts(host, port):
    """Under -noshared (without -dontdisconnect) an exclusive ClientInit
    disconnects the viewers already there: the documented policy."""
    first = connect(host, port, None)
    first.handshake(password=PASSWORD)
    c = connect(host, port, None)
    c.handshake(password=PASSWORD, shared=False)
    end = time.monotonic() + 5
    try:
        while time.monotonic() < end:
            first.poll(0.5)
        raise Fail("the shared viewer stayed connected")
    except rfbraw.Closed as e:
        how = e.how
    c.close()
    return "granted; the shared viewer was closed (%s)" % how


_rng = random.Random(6)
RANDOM_VERSION = bytes(_rng.randrange(256) for _ in range(12))
NOT_RFB = r"closed: not an RFB 3\.x client"

CASES = {
    "version_889": version_889,
    "version_random": garbage_version(RANDOM_VERSION, NOT_RFB),
    "version_nuls": garbage_version(b"\0" * 12, NOT_RFB),
    "version_short_eof": version_short_eof,
    "silent": silent,
    "trickle": trickle,
    "unoffered_38": pick_type(None, 8),
    "unoffered_37": pick_type(None, 7),
    "type0_38": pick_type(0, 8),
    "type255_38": pick_type(255, 8),
    "type0_37": pick_type(0, 7),
    "type255_37": pick_type(255, 7),
    "type_after_33": type_after_33,
    "rfb33_vencrypt_only": rfb33_vencrypt_only,
    "vncauth_wrong": vncauth_wrong,
    "vncauth_block": vncauth_block,
    "vncauth_truncated": vncauth_truncated,
    "vencrypt_version_01": vencrypt_version(0, 1),
    "vencrypt_version_99": vencrypt_version(9, 9),
    "vencrypt_subtype_unoffered": vencrypt_subtype_unoffered,
    "plain_ulen_max": plain_lengths(0xffffffff, 0),
    "plain_plen_max": plain_lengths(0, 0xffffffff),
    "plain_sum_wraps": plain_lengths(0x80000000, 0x80000000),
    "plain_with_subtype": plain_with_subtype,
    "plain_before_tls": tls_after_ack("plain"),
    "tls_garbage": tls_after_ack("garbage"),
    "tls_rst": tls_after_ack("rst"),
    "tls_abandoned": tls_after_ack("abandon"),
    "exclusive_refused": exclusive(True),
    "exclusive_ignored": exclusive(False),
    "exclusive_evicts": exclusive_evicts,
}

NEEDS = dict.fromkeys(CASES, "any")
NEEDS.update({
    "type_after_33": "vncauth",
    "vncauth_wrong": "vncauth",
    "vncauth_block": "vncauth",
    "vncauth_truncated": "vncauth",
    "rfb33_vencrypt_only": "vencrypt",
    "vencrypt_version_01": "vencrypt",
    "vencrypt_version_99": "vencrypt",
    "vencrypt_subtype_unoffered": "vencrypt",
    "plain_ulen_max": "vencrypt",
    "plain_plen_max": "vencrypt",
    "plain_sum_wraps": "vencrypt",
    "plain_with_subtype": "vencrypt",
    "plain_before_tls": "vencrypt",
    "tls_garbage": "vencrypt",
    "tls_rst": "vencrypt",
    "tls_abandoned": "vencrypt",
    "exclusive_refused": "dontdisconnect",
    "exclusive_ignored": "shared",
    "exclusive_evicts": "noshared",
})

# Needs a client cannot see on the wire: a replay runs such cases only
# when told the server is configured so.
POLICY = {"dontdisconnect", "shared", "noshared"}

# Cases that wait for the handshake timeout: run them side by side.
SLOW = {"silent", "trickle", "vncauth_truncated", "tls_abandoned"}
