#!/usr/bin/env python3
"""Run the hostile-input cases of hostile-inputs.md against a server.

    hostile.py [--host H] --port P [--list] [--needs WHAT] [--replay]
               [--log SERVER_LOG] [--password PW] [--hs-timeout S]
               [CASE...]

Cases come from hostile_hs.py (handshake and security) and, when it is
there, hostile_msgs.py (normal-phase messages); each module exposes
CASES = {name: function(host, port) -> str} and may expose NEEDS = {name:
what the server must offer}, take_logs() (the (peer, regex) pairs of the
connections the calling thread opened since the last call) and SLOW (cases
that wait for a timeout).

  --list        print "NAME NEEDS" per case and exit
  --needs LIST  run the cases whose NEEDS is in the comma-separated
                LIST ("any": they work on every server), plus the CASEs
  --log FILE    after each case, require for every connection it opened
                exactly one line in FILE naming the peer (besides
                "connected"), matching the case's pattern
  --replay      run every case once, only checking the client-side
                reaction: a case whose server configuration differs is
                reported and skipped, not failed (for the soak test);
                cases needing a policy the wire does not show (a module's
                POLICY, e.g. -noshared -dontdisconnect) only with --needs

Slow cases (timeouts) run side by side.  Prints "NAME: ok: WHAT" or
"NAME: FAIL: WHY" per case; exit 0 if every case passed (with --replay:
if the server still answers at the end).
"""
import argparse
import concurrent.futures
import os
import re
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_hs  # noqa: E402
import rfbraw  # noqa: E402

MODULES = [hostile_hs]
# hostile_msgs.py may not be written yet; once it is, it must import
if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "hostile_msgs.py")):
    import hostile_msgs  # noqa: E402
    MODULES.append(hostile_msgs)


def all_cases():
    """name -> (module, function, needs)"""
    out = {}
    for m in MODULES:
        needs = getattr(m, "NEEDS", {})
        for name, fn in m.CASES.items():
            out[name] = (m, fn, needs.get(name, "any"))
    return out


def logged_lines(path, peer):
    """The server's lines naming peer, but the "connected" one."""
    pat = re.compile(r"(^|\s)%s: " % re.escape(peer))
    with open(path, errors="replace") as f:
        return [ln.rstrip("\n") for ln in f
                if pat.search(ln) and not ln.rstrip().endswith(
                    "%s: connected" % peer)]


def check_log(path, expects, seconds=5):
    """Each (peer, regex): one line, matching; wait a little for it."""
    for peer, rx in expects:
        end = time.monotonic() + seconds
        while True:
            lines = logged_lines(path, peer)
            if len(lines) == 1 and re.search(rx, lines[0]):
                break
            if time.monotonic() > end:
                raise rfbraw.Fail("server log for %s: expected one line "
                                  "matching %r, got %r" % (peer, rx, lines))
            time.sleep(0.1)
        # one more look: a second line must not follow the first
    time.sleep(0.2)
    for peer, rx in expects:
        lines = logged_lines(path, peer)
        if len(lines) != 1:
            raise rfbraw.Fail("server log for %s: %d lines: %r"
                              % (peer, len(lines), lines))


def run_case(a, name, mod, fn):
    """(ok, text): ok is True, False, or None for a skip."""
    take = getattr(mod, "take_logs", lambda: [])
    take()
    try:
        res = True, fn(a.host, a.port)
    except hostile_hs.Skip as e:
        res = None, "skipped: %s" % e
    except (rfbraw.Fail, OSError, StopIteration) as e:
        res = False, "%s: %s" % (type(e).__name__, e)
    except Exception:
        res = False, traceback.format_exc().strip()
    return res + (take(),)


def server_answers(a):
    try:
        s = socket.create_connection((a.host, a.port), timeout=10)
        v = s.recv(12)
        s.close()
        return v.startswith(b"RFB ")
    except OSError:
        return False


def select_cases(a, cases):
    wanted = a.needs.split(",") if a.needs else []
    if a.replay:
        policy = set()
        for m in MODULES:
            policy |= set(getattr(m, "POLICY", ()))
        return [n for n, (_, _, needs) in cases.items()
                if needs not in policy or needs in wanted]
    names = [n for n, (_, _, needs) in cases.items() if needs in wanted]
    for n in a.cases:
        if n not in cases:
            sys.exit("hostile.py: no case %s (see --list)" % n)
        if n not in names:
            names.append(n)
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--needs")
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--password")
    ap.add_argument("--hs-timeout", type=float)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = all_cases()
    if a.list:
        for n, (_, _, needs) in cases.items():
            print(n, needs)
        return 0
    if not a.port:
        ap.error("--port is needed")
    for m in MODULES:
        if a.password is not None and hasattr(m, "PASSWORD"):
            m.PASSWORD = a.password
        if a.hs_timeout and hasattr(m, "HS_TIMEOUT"):
            m.HS_TIMEOUT = a.hs_timeout
    names = select_cases(a, cases)
    if not names:
        ap.error("no case selected")
    slow = set()
    for m in MODULES:
        slow |= set(getattr(m, "SLOW", ()))
        # hostile_msgs.py marks its timeout cases as GROUP "stall"
        slow |= {n for n, g in getattr(m, "GROUP", {}).items()
                 if g == "stall"}
    failed = 0

    def report(name, res):
        nonlocal failed
        ok, text, expects = res
        if ok and a.log and not a.replay:
            try:
                check_log(a.log, expects)
                text += "; logged: " + " | ".join(
                    logged_lines(a.log, p)[0].split(": ", 1)[1]
                    for p, _ in expects)
            except rfbraw.Fail as e:
                ok, text = False, str(e)
        if ok is None and not a.replay:
            ok = False
        if ok is False:
            failed += 1
        state = "ok" if ok else "skip" if ok is None else "FAIL"
        print("%s: %s: %s" % (name, state, text), flush=True)

    with concurrent.futures.ThreadPoolExecutor(max(1, len(slow))) as pool:
        futures = {n: pool.submit(run_case, a, n, *cases[n][:2])
                   for n in names if n in slow}
        for n in names:
            if n not in slow:
                report(n, run_case(a, n, *cases[n][:2]))
        for n, f in futures.items():
            report(n, f.result())
    if a.replay:
        if not server_answers(a):
            print("hostile.py: the server no longer answers")
            return 1
        return 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
