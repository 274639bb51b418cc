#!/usr/bin/env python3
"""The soak: many viewers come and go for a long time while the screen
changes and a hostile client attacks; the server must not crash, leak or
serve wrong pixels.

    soak.py [--seconds S] [--viewers N] [--seed N] [--out DIR]

It starts a private Xvfb and the server (TCP, a unix socket, WebSocket on
the TCP port, VeNCrypt TLSNone, wss://), then runs N viewer slots (default
20) until S seconds (default $SOAK_SECONDS, else 600) have passed:

- Each libvncclient slot (tests/support/vnctest) connects again and again,
  each time with the next encoding/pixel-format pair of a shuffled list of
  every pair libvncclient decodes right (see ENCODINGS below) and a random
  transport: TCP, unix socket, ws:// and wss:// through
  tests/support/wsbridge.py, or VeNCrypt TLSNone.  Some of its viewers are
  dropped after a random time (SIGTERM or SIGKILL), the others stay until
  the screen stops changing and must then hold the display pixel for
  pixel; "match" is the time that took (latency).
- One slot is a colour-mapped viewer (tests/support/rfbcmap.py).
- Two slots are long-lived watchers (build/tests/vncwatch when it is
  built): connected for the whole run, they report their longest gap
  between updates and must match at the end.
- xdraw scenes and root colour changes draw in phases; between phases the
  screen stays still until every measuring viewer has matched.
- A hostile client replays the hostile-input suite all the time
  (tests/support/hostile.py --port P --replay; --hostile CMD picks
  another command, in which {port} and {unix} are replaced; --no-replay
  none), and another runs the sequences of hostile_builtin.py (WebSocket
  frames, TLS records, stalls, resets...).
- Every --check seconds the churning viewers and hostile clients are
  drained and the server's RSS, file descriptors and SysV SHM segments
  are read idle.

The report (stdout and OUT/report.txt) gives crashes, RSS start/peak/end
and the idle RSS series, fd and SHM counts, latencies, connection counts
and a last line "SOAK: PASS" or "SOAK: FAIL: reasons".  Exit status 1 on a
crash, a leak beyond the bounds below (RSS_DRIFT_KB, RSS_END_KB), a
viewer with wrong pixels or one the server dropped.
"""
import argparse
import collections
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import hostile_builtin

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TBIN = os.path.join(TOP, "build", "tests")
SUPPORT = os.path.join(TOP, "tests", "support")
SERVER = os.environ.get("XRFBSHARE", os.path.join(TOP, "xrfbshare"))

# Leak bounds.  Idle means: only the watchers connected (or nobody at the
# start and end).  File descriptors and SHM segments must come back
# exactly.  RSS does not: glibc keeps freed memory after the peaks of 20
# viewers (its mmap threshold rises with the largest block freed, and
# each encoding thread has its own arena), and that high-water mark
# still rises now and then in the first minutes.  So the leak bound is
# on the second half: the highest idle reading after it starts (or the
# end) may exceed the first one taken in it (or the last before it, in
# short runs) by RSS_DRIFT_KB; and the end may not exceed the reading
# before the first viewer by more than RSS_END_KB.  Leaks proper are
# LeakSanitizer's job: XRFBSHARE=an ASan build reports them at exit.
RSS_DRIFT_KB = 8 * 1024
RSS_END_KB = 96 * 1024

# encoding:format[:extra vnctest options] that libvncclient 0.9.14
# decodes exactly (tests/integration/encodings.sh explains the gaps:
# Tight into 32 bpp big-endian, JPEG into 8 bpp).
ENCODINGS = []
for _f in ("32le", "16", "8"):
    ENCODINGS += ["raw:" + _f, "hextile:" + _f, "rre:" + _f,
                  "corre:" + _f, "trle:" + _f, "zrle:" + _f,
                  "zlib:%s:--compress 9" % _f,
                  "tight:%s:--no-jpeg --compress 1" % _f]
ENCODINGS += ["zywrle:32le:--quality 9", "zywrle:32le", "zywrle:16",
              "zywrle:8", "tight:32le:--quality 5", "tight:16:--quality 2",
              "tight:8:--quality 5", "tight:32le", "raw:32be",
              "hextile:32be", "rre:32be", "corre:32be", "zlib:32be",
              "trle:32bex", "zrle:32bex", "zywrle:32bex"]

TRANSPORTS = ["tcp", "unix", "ws", "wss", "tls"]

# WebSocket and HTTP come from here: the server waits longer for the
# first bytes from an address that spoke HTTP lately (src/front.c), which
# native viewers from 127.0.0.1 should not pay for.
BROWSER_ADDR = "127.0.0.2"

# How long a measuring viewer may take to match once the screen is still.
MATCH_TIMEOUT = 40


def now():
    return time.monotonic()


def log(msg):
    print("[soak %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def shm_count(pid):
    """SysV segments created by pid that still exist."""
    out = subprocess.run(["ipcs", "-m", "-p"], capture_output=True,
                         text=True).stdout
    n = 0
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0].isdigit() and f[2] == str(pid):
            n += 1
    return n


def exit_text(rc):
    if rc < 0:
        return "killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name)
    return "exited with status %d" % rc


def pct(values, p):
    if not values:
        return 0
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


class Soak:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.tmp = tempfile.mkdtemp(prefix="xrfbshare-soak.")
        self.out = a.out
        os.makedirs(self.out, exist_ok=True)
        self.procs = []
        self.lock = threading.Condition()
        self.stopping = False
        self.draining = False
        self.next_quiet = 0          # the quiet file new viewers wait for
        self.pending = collections.Counter()  # measuring viewers per epoch
        self.running = 0             # churning viewers alive
        self.hostile_busy = 0           # hostile clients at work
        self.quiet_longest = 0.0
        self.still_longest = 0.0     # longest time without drawing
        self.last_draw_end = None
        self.epochs = 0
        self.failures = []           # (what, detail): verdict FAIL
        self.warnings = []
        self.crash = None
        self.latency = collections.defaultdict(list)  # transport -> ms
        self.started = collections.Counter()          # transport -> n
        self.dropped = 0
        self.matched = 0
        self.cmap_ok = 0
        self.hostile_runs = collections.Counter()   # built-in cases
        self.replay_runs = 0
        self.replay_cases = collections.Counter()   # ok, skip, FAIL
        self.rss_peak = 0
        self.fd_peak = 0
        self.idle = []               # (elapsed s, rss, fds, shm)
        self.combo_i = 0
        self.combos = list(ENCODINGS)
        self.rng.shuffle(self.combos)
        self.fail_logs = 0
        self.t0 = now()
        with open(SERVER, "rb") as f:
            self.asan = b"__asan_init" in f.read()

    # ---- processes ----

    def spawn(self, argv, log_name=None, **kw):
        out = open(os.path.join(self.tmp, log_name), "w") if log_name \
            else subprocess.DEVNULL
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT
                             if log_name else subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, **kw)
        if log_name:
            out.close()
        with self.lock:
            self.procs.append(p)
        return p

    def reap(self, p):
        with self.lock:
            if p in self.procs:
                self.procs.remove(p)

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
        if not self.a.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def read_port(self, path, what, proc, limit=15):
        end = now() + limit
        while now() < end:
            try:
                with open(path) as f:
                    m = re.search(r"^PORT=(\d+)", f.read(), re.M)
                if m:
                    return int(m.group(1))
            except OSError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit("soak: %s did not start (%s)" % (what, path))

    def start_xvfb(self):
        r, w = os.pipe()
        p = self.spawn(["Xvfb", "-displayfd", str(w), "-nolisten", "tcp",
                        "-noreset", "-screen", "0", self.a.geometry + "x24"],
                       "xvfb.log", pass_fds=(w,))
        os.close(w)
        num = b""
        while not num.endswith(b"\n"):
            c = os.read(r, 1)
            if not c:
                raise SystemExit("soak: Xvfb did not start")
            num += c
        os.close(r)
        self.display = ":" + num.decode().strip()
        self.xvfb = p

    def start_server(self):
        t = self.tmp
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "2", "-subj", "/CN=localhost", "-keyout",
                        t + "/key.pem", "-out", t + "/cert.pem"],
                       check=True, capture_output=True)
        self.unix = t + "/vnc.sock"
        env = dict(os.environ, HOME=t)
        self.server_log = t + "/server.log"
        out = open(t + "/server.out", "w")
        err = open(self.server_log, "w")
        self.server = subprocess.Popen(
            [SERVER, "-display", self.display, "-rfbport", "0",
             "-localhost", "-forever", "-shared", "-unixsock", self.unix,
             "-securitytypes", "None,TLSNone", "-cert", t + "/cert.pem",
             "-key", t + "/key.pem"], stdout=out, stderr=err,
            stdin=subprocess.DEVNULL, env=env)
        out.close()
        err.close()
        self.port = self.read_port(t + "/server.out", "server",
                                   self.server)
        self.pid = self.server.pid

    def start_bridges(self):
        self.bridge = {}
        for name, extra in (("ws", []), ("wss", ["--tls"])):
            p = self.spawn(["python3", SUPPORT + "/wsbridge.py", "--seed",
                            str(self.rng.randrange(1 << 30)),
                            "--source", BROWSER_ADDR] + extra +
                           [str(self.port)], "bridge-%s.log" % name)
            self.bridge[name] = self.read_port(
                "%s/bridge-%s.log" % (self.tmp, name), name + " bridge", p)

    # ---- viewers ----

    def vnctest_can(self, option):
        r = subprocess.run([TBIN + "/vnctest"], capture_output=True,
                           text=True)
        return option in r.stderr

    def target(self, transport):
        if transport == "unix":
            return self.unix
        if transport in ("ws", "wss"):
            return "127.0.0.1:%d" % self.bridge[transport]
        return "127.0.0.1:%d" % self.port

    def next_combo(self):
        with self.lock:
            c = self.combos[self.combo_i % len(self.combos)]
            self.combo_i += 1
        enc, fmt, *extra = c.split(":")
        return enc, fmt, shlex.split(extra[0]) if extra else []

    def register(self, measure):
        """The epoch whose quiet file this viewer waits for; None while
        draining or stopping."""
        with self.lock:
            while self.draining and not self.stopping:
                self.lock.wait(1)
            if self.stopping:
                return None
            e = self.next_quiet
            if measure:
                self.pending[e] += 1
            self.running += 1
            return e

    def unregister(self, epoch, measure):
        with self.lock:
            if measure:
                self.pending[epoch] -= 1
            self.running -= 1
            self.lock.notify_all()

    def quiet_file(self, epoch):
        return "%s/quiet.%d" % (self.tmp, epoch)

    def record_failure(self, what, logfile):
        with self.lock:
            self.fail_logs += 1
            n = self.fail_logs
        dest = "%s/failed-%d.log" % (self.out, n)
        try:
            shutil.copy(logfile, dest)
        except OSError:
            dest = "(no log)"
        tail = ""
        try:
            with open(logfile) as f:
                tail = " | ".join(f.read().strip().splitlines()[-3:])
        except OSError:
            pass
        try:
            with open(logfile) as f:
                wrong = re.search(r"pixels differ|rfbcmap: FAIL: after",
                                  f.read())
        except OSError:
            wrong = None
        self.fail("wrong pixels" if wrong else "viewer",
                  "%s: %s (%s)" % (what, tail, dest))

    def fail(self, kind, detail):
        with self.lock:
            self.failures.append((kind, detail))
        log("FAILURE %s: %s" % (kind, detail))

    def run_viewer(self, slot, seq, argv, logfile, measure, kind):
        """Run one viewer to its end or drop it; returns its output or
        None when it was dropped."""
        p = self.spawn(argv, logfile)
        path = os.path.join(self.tmp, logfile)
        if measure:
            deadline = None
        else:
            deadline = now() + self.rng.uniform(0.3, 8)
        while p.poll() is None:
            if self.stopping or self.draining or \
                    (deadline and now() > deadline):
                if self.rng.random() < 0.5:
                    p.kill()
                else:
                    p.terminate()
                p.wait()
                self.reap(p)
                with self.lock:
                    self.dropped += 1
                return None
            time.sleep(0.05)
        self.reap(p)
        with open(path) as f:
            text = f.read()
        if p.returncode != 0:
            self.record_failure("%s slot %d #%d %s" % (
                kind, slot, seq, " ".join(argv[1:])), path)
            return None
        return text

    def slot_vnctest(self, slot):
        seq = 0
        tls = self.vnctest_can("--security")
        while not self.stopping:
            measure = self.rng.random() < 0.6
            epoch = self.register(measure)
            if epoch is None:
                break
            seq += 1
            enc, fmt, extra = self.next_combo()
            choices = TRANSPORTS if tls else TRANSPORTS[:-1]
            tr = self.rng.choice(choices)
            argv = [TBIN + "/vnctest", "--encodings", enc, "--format", fmt]
            argv += extra
            if tr == "tls":
                argv += ["--security", "vencrypt"]
            argv += ["--wait-for", self.quiet_file(epoch),
                     "--compare-display", self.display, "--timeout",
                     str(MATCH_TIMEOUT), self.target(tr)]
            with self.lock:
                self.started[tr] += 1
            logfile = "view-%d.log" % slot
            try:
                text = self.run_viewer(slot, seq, argv, logfile, measure,
                                       "%s/%s/%s" % (tr, enc, fmt))
            finally:
                self.unregister(epoch, measure)
            m = re.search(r"match after (\d+) ms", text or "")
            if m:
                with self.lock:
                    self.latency[tr].append(int(m.group(1)))
                    self.matched += 1
            time.sleep(self.rng.uniform(0, 0.5))

    def slot_cmap(self, slot):
        seq = 0
        while not self.stopping:
            measure = self.rng.random() < 0.6
            epoch = self.register(measure)
            if epoch is None:
                break
            seq += 1
            argv = ["python3", SUPPORT + "/rfbcmap.py", "--display",
                    self.display, "--wait-for", self.quiet_file(epoch),
                    "--timeout", str(MATCH_TIMEOUT), str(self.port)]
            with self.lock:
                self.started["tcp (colour map)"] += 1
            try:
                text = self.run_viewer(slot, seq, argv, "cmap.log", measure,
                                       "colour-map")
            finally:
                self.unregister(epoch, measure)
            m = re.search(r"after (\d+\.\d) s", text or "")
            if m:
                with self.lock:
                    self.latency["tcp (colour map)"].append(
                        int(float(m.group(1)) * 1000))
                    self.cmap_ok += 1
            time.sleep(self.rng.uniform(0, 0.5))

    def start_watchers(self):
        self.watchers = []
        if not os.access(TBIN + "/vncwatch", os.X_OK):
            return
        for i, (enc, fmt) in enumerate((("tight", "32le"),
                                        ("zrle", "16"))):
            rep = "%s/watch-%d.report" % (self.tmp, i)
            p = self.spawn([TBIN + "/vncwatch", "-e", enc, "-f", fmt, "-d",
                            self.display, "-r", rep,
                            "127.0.0.1:%d" % self.port], "watch-%d.log" % i)
            self.watchers.append((p, rep, "%s/%s" % (enc, fmt)))

    def wait_watchers(self):
        end = now() + 15
        for p, rep, name in self.watchers:
            path = "%s/watch-%d.log" % (self.tmp, self.watchers.index(
                (p, rep, name)))
            while now() < end:
                with open(path) as f:
                    if re.search(r"^connected", f.read(), re.M):
                        break
                time.sleep(0.1)
            else:
                raise SystemExit("soak: watcher %s did not connect" % name)
        time.sleep(0.5)

    def note_still(self):
        if self.last_draw_end is not None:
            self.still_longest = max(self.still_longest,
                                     now() - self.last_draw_end)

    def stop_watchers(self):
        self.watch_results = []
        self.note_still()
        for p, rep, name in self.watchers:
            p.terminate()
        for p, rep, name in self.watchers:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            kv = {}
            try:
                with open(rep) as f:
                    kv = dict(l.strip().split("=", 1) for l in f if "=" in l)
            except OSError:
                pass
            self.watch_results.append((name, p.returncode, kv))
            if p.returncode != 0:
                self.fail("watcher", "%s exited %s: %s" % (
                    name, p.returncode, kv or "no report"))
            gap = int(kv.get("max_gap_ms", "0"))
            # no update is due while nothing draws
            if gap > (self.still_longest + 5) * 1000:
                self.fail("watcher", "%s: an update gap of %d ms, longer "
                          "than the screen was ever still (%.1f s) + 5 s"
                          % (name, gap, self.still_longest))

    # ---- the screen ----

    def draw_phase(self, seconds):
        scenes = ["text", "rects", "gradient", "scroll", "move", "root"]
        end = now() + seconds
        self.note_still()
        # a square sliding along the top all through the phase
        anim = self.spawn([TBIN + "/xdraw", self.display, "animate"])
        while now() < end and not self.stopping:
            s = self.rng.choice(scenes)
            if s == "root":
                argv = ["xsetroot", "-display", self.display, "-solid",
                        "#%06x" % self.rng.randrange(1 << 24)]
            else:
                argv = [TBIN + "/xdraw", self.display, s]
            p = self.spawn(argv)
            p.wait()
            self.reap(p)
            time.sleep(self.rng.uniform(0, 0.3))
        anim.terminate()
        anim.wait()
        self.reap(anim)
        self.last_draw_end = now()

    def quiet_phase(self):
        """Stop drawing until every measuring viewer of this epoch has
        matched (or failed)."""
        with self.lock:
            e = self.next_quiet
            self.next_quiet += 1
            self.epochs += 1
        open(self.quiet_file(e), "w").close()
        start = now()
        with self.lock:
            while self.pending[e] > 0 and now() - start < MATCH_TIMEOUT + 30:
                self.lock.wait(0.5)
            stuck = self.pending[e]
        if stuck:
            self.fail("viewer", "%d viewers of epoch %d still running %d s "
                      "after the screen stopped" % (stuck, e,
                                                   now() - start))
        time.sleep(self.rng.uniform(0.5, 2))
        self.quiet_longest = max(self.quiet_longest, now() - start)

    # ---- resources ----

    def sample(self):
        try:
            r, f = rss_kb(self.pid), fd_count(self.pid)
        except OSError:
            return None
        self.rss_peak = max(self.rss_peak, r)
        self.fd_peak = max(self.fd_peak, f)
        return r, f

    def monitor(self):
        while not self.stopping:
            if self.server.poll() is not None:
                self.crash = "server %s during the run" % exit_text(
                    self.server.returncode)
                log("FAILURE: " + self.crash)
                self.stopping = True
                with self.lock:
                    self.lock.notify_all()
                return
            if self.xvfb.poll() is not None:
                self.crash = "Xvfb exited during the run"
                self.stopping = True
                return
            self.sample()
            time.sleep(1)

    def settle(self, want_fds, limit=15):
        """Wait until the server holds want_fds descriptors (its clients
        are gone), then a moment for its buffers to be freed."""
        end = now() + limit
        while now() < end and fd_count(self.pid) > want_fds:
            time.sleep(0.2)
        time.sleep(1)

    def idle_reading(self, want_fds):
        hostile_builtin.STOP.set()
        with self.lock:
            self.draining = True
            while (self.running > 0 or self.hostile_busy) and \
                    not self.stopping:
                self.lock.wait(0.5)
        self.settle(want_fds)
        r = (round(now() - self.t0), rss_kb(self.pid), fd_count(self.pid),
             shm_count(self.pid))
        self.idle.append(r)
        log("idle at %d s: RSS %d KiB, %d fds, %d SHM segments" % r)
        with self.lock:
            if not self.stopping:
                hostile_builtin.STOP.clear()
            self.draining = False
            self.lock.notify_all()

    # ---- hostile client ----

    def hostile_cmd(self):
        cmd = self.a.hostile
        if not cmd and os.path.exists(SUPPORT + "/hostile.py"):
            cmd = "python3 %s/hostile.py --port {port} --replay" % SUPPORT
        return cmd

    def hostile(self, cmd):
        """One hostile client: the suite's replay (cmd), or the built-in
        sequences (cmd None)."""
        while not self.stopping:
            with self.lock:
                while self.draining and not self.stopping:
                    self.lock.wait(1)
                self.hostile_busy += 1
            try:
                self.hostile_once(cmd)
            finally:
                with self.lock:
                    self.hostile_busy -= 1
                    self.lock.notify_all()
            time.sleep(self.rng.uniform(0.2, 1.5))

    def hostile_once(self, cmd):
        if cmd:
            argv = shlex.split(cmd.format(port=self.port,
                                          unix=self.unix))
            p = self.spawn(argv, "hostile.log")
            while p.poll() is None and not self.stopping:
                time.sleep(0.2)
            if p.poll() is None:
                p.terminate()
                p.wait()
                self.reap(p)
                return
            self.reap(p)
            self.replay_runs += 1
            with open(self.tmp + "/hostile.log", errors="replace") as f:
                text = f.read()
            for name, verdict, why in re.findall(
                    r"^(\w+): (ok|skip|FAIL): ?(.*)$", text, re.M):
                self.replay_cases[verdict] += 1
                if verdict == "FAIL":
                    self.warnings.append("hostile replay %s: %s" % (
                        name, why))
            if p.returncode != 0:
                # --replay: nonzero when the server stopped answering
                keep = "%s/hostile-%d.log" % (self.out, self.replay_runs)
                shutil.copy(self.tmp + "/hostile.log", keep)
                self.fail("hostile", "the replay exited %d (%s)" % (
                    p.returncode, keep))
        else:
            name, fn = self.rng.choice(hostile_builtin.CASES)
            try:
                problem = fn(self.port, self.rng)
            except Exception as e:  # noqa: BLE001 (its own failure)
                problem = "raised %r" % e
            self.hostile_runs[name] += 1
            if problem:
                self.warnings.append("hostile %s: %s" % (name, problem))

    # ---- the run ----

    def warm_up(self):
        """One viewer over each transport, so that the readings taken
        before the run already include whatever is made once."""
        tls = self.vnctest_can("--security")
        for tr in TRANSPORTS if tls else TRANSPORTS[:-1]:
            argv = [TBIN + "/vnctest", "--encodings", "zrle",
                    "--compare-display", self.display]
            if tr == "tls":
                argv += ["--security", "vencrypt"]
            argv.append(self.target(tr))
            t = now()
            r = subprocess.run(argv, capture_output=True, text=True)
            log("warm-up viewer over %s: %.1f s" % (tr, now() - t))
            if os.environ.get("SOAK_DEBUG"):
                print(r.stdout, r.stderr)
            if r.returncode != 0:
                raise SystemExit("soak: warm-up viewer over %s failed:\n%s"
                                 % (tr, r.stderr))
        if not tls:
            self.warnings.append("vnctest has no --security: no VeNCrypt "
                                 "TLS viewers")

    def run(self):
        a = self.a
        self.start_xvfb()
        subprocess.run([TBIN + "/xdraw", self.display, "all"], check=True)
        self.start_server()
        self.start_bridges()
        log("Xvfb %s, server pid %d port %d, bridges ws %d wss %d" % (
            self.display, self.pid, self.port, self.bridge["ws"],
            self.bridge["wss"]))
        self.first = (rss_kb(self.pid), fd_count(self.pid),
                      shm_count(self.pid))
        t = now()
        self.warm_up()
        log("warm-up took %.1f s" % (now() - t))
        self.settle(self.first[1])
        self.start_reading = (rss_kb(self.pid), fd_count(self.pid),
                              shm_count(self.pid))
        log("start (idle after warm-up): RSS %d KiB, %d fds, %d SHM" %
            self.start_reading)
        self.start_watchers()
        self.wait_watchers()
        watch_fds = fd_count(self.pid)
        self.t0 = now()
        # the suite's replay when there is one, and the built-in
        # sequences (WebSocket, TLS records, stalls) beside it
        cmd = self.hostile_cmd() if a.replay else None
        hostile = [None] + ([cmd] if cmd else [])
        threads = [threading.Thread(target=self.monitor, daemon=True)]
        threads += [threading.Thread(target=self.hostile, args=(c,),
                                     daemon=True) for c in hostile]
        nfixed = len(threads)
        nwatch = len(self.watchers)
        for i in range(a.viewers - nwatch):
            fn = self.slot_cmap if i == 0 else self.slot_vnctest
            threads.append(threading.Thread(target=fn, args=(i,),
                                            daemon=True))
        for t in threads:
            t.start()
        end = self.t0 + a.seconds
        next_check = now() + a.check
        while now() < end and not self.stopping:
            self.draw_phase(min(self.rng.uniform(3, 10), end - now()))
            if self.stopping:
                break
            self.quiet_phase()
            if now() >= next_check and now() < end - 5:
                self.idle_reading(watch_fds)
                next_check = now() + a.check
        log("time is up: stopping the viewers")
        self.finish(threads, nfixed)

    def finish(self, threads, nfixed):
        crashed = self.stopping and self.crash
        self.stopping = True
        hostile_builtin.STOP.set()
        with self.lock:
            self.lock.notify_all()
        # the viewer slots first: then the screen is still for the
        # watchers' last picture; the hostile client may take longer
        for t in threads[nfixed:]:
            t.join(60)
        if crashed:
            return
        self.stop_watchers()
        for t in threads[:nfixed]:
            t.join(60)
        if self.server.poll() is not None:
            self.crash = "server %s" % exit_text(self.server.returncode)
            return
        self.settle(self.start_reading[1])
        self.end_reading = (rss_kb(self.pid), fd_count(self.pid),
                            shm_count(self.pid))
        self.server.terminate()
        try:
            self.server.wait(10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
            self.failures.append(("exit", "server did not exit on SIGTERM"))
        if self.server.returncode != 0:
            self.failures.append(("exit", "server exit status %d after "
                                  "SIGTERM" % self.server.returncode))
        left = shm_count(self.pid)
        if left:
            self.failures.append(("leak", "%d SHM segments left after the "
                                  "server exited" % left))

    def server_log_counts(self):
        with open(self.server_log, errors="replace") as f:
            text = f.read()
        return (len(re.findall(r": connected$", text, re.M)),
                len(re.findall(r"session started", text)),
                re.findall(r"^.*(?:AddressSanitizer|runtime error|"
                           r"LeakSanitizer).*$", text, re.M))

    def drift_base(self):
        """Index of the idle reading the drift is measured from."""
        for i, r in enumerate(self.idle):
            if r[0] >= self.a.seconds / 2:
                return i
        return len(self.idle) - 1

    def drift(self):
        en = getattr(self, "end_reading", None)
        if not self.idle or not en:
            return None
        i = self.drift_base()
        return max([r[1] for r in self.idle[i:]] + [en[0]]) - \
            self.idle[i][1]

    def verdict(self):
        reasons = []
        if self.crash:
            reasons.append("crash: " + self.crash)
        if self.failures:
            kinds = collections.Counter(k for k, _ in self.failures)
            reasons += ["%d %s failure(s)" % (n, k) for k, n in
                        kinds.items()]
        if getattr(self, "end_reading", None):
            s, e = self.start_reading, self.end_reading
            if self.asan:
                e = (s[0],) + e[1:]  # ASan's quarantine: no RSS bounds
            if e[1] != s[1]:
                reasons.append("fd leak: %d at the start, %d at the end" %
                               (s[1], e[1]))
            if e[2] != s[2]:
                reasons.append("SHM segments: %d at the start, %d at the "
                               "end" % (s[2], e[2]))
            if e[0] - s[0] > RSS_END_KB:
                reasons.append("RSS grew by %d KiB (bound %d)" % (
                    e[0] - s[0], RSS_END_KB))
        if len(self.idle) >= 2:
            fds = {f for _, _, f, _ in self.idle}
            if len(fds) > 1:
                reasons.append("idle fd counts differ: %s" % sorted(fds))
        drift = self.drift()
        if drift is not None and drift > RSS_DRIFT_KB and not self.asan:
            reasons.append("idle RSS drifted by %d KiB (bound %d)" % (
                drift, RSS_DRIFT_KB))
        return reasons

    def report(self):
        lines = []
        out = lines.append
        el = now() - self.t0
        conns, sessions, sanit = self.server_log_counts()
        out("xrfbshare soak: %.0f s (asked %d), %d viewer slots, seed %d, "
            "display %s" % (el, self.a.seconds, self.a.viewers, self.a.seed,
                            self.a.geometry))
        out("crashes: %s" % (self.crash or "none"))
        if self.asan:
            out("server built with AddressSanitizer: no RSS bounds, "
                "LeakSanitizer reports at exit instead")
        for s in sanit[:5]:
            out("  sanitizer: " + s)
        if sanit:
            self.failures.append(("sanitizer", "%d reports" % len(sanit)))
        st = self.start_reading
        en = getattr(self, "end_reading", None)
        out("RSS KiB: first %d, start %d, peak %d, end %s" % (
            self.first[0], st[0], self.rss_peak, en[0] if en else "-"))
        out("idle readings (s, RSS KiB, fds, SHM): %s" % " ".join(
            "%d:%d/%d/%d" % r for r in self.idle))
        if self.drift() is not None:
            out("RSS drift in the second half (from the idle reading at "
                "%d s to the highest after it or at the end): %+d KiB "
                "(bound %d); end - start %+d KiB (bound %d)" % (
                    self.idle[self.drift_base()][0], self.drift(),
                    RSS_DRIFT_KB, en[0] - st[0], RSS_END_KB))
        out("fds: start %d, peak %d, end %s; SHM segments: start %d, end %s"
            % (st[1], self.fd_peak, en[1] if en else "-", st[2],
               en[2] if en else "-"))
        out("connections: %d accepted by the server, %d RFB sessions; "
            "viewers started %d (%s), %d matched, %d dropped on purpose, "
            "%d colour-map matches" % (
                conns, sessions, sum(self.started.values()),
                ", ".join("%s %d" % kv for kv in sorted(
                    self.started.items())),
                self.matched, self.dropped, self.cmap_ok))
        out("screen phases: %d, longest quiet phase %.1f s, longest time "
            "without drawing %.1f s" % (self.epochs, self.quiet_longest,
                                        self.still_longest))
        allv = [v for vs in self.latency.values() for v in vs]
        out("match latency after the screen stops, ms (n p50 p95 max): "
            "all %d %d %d %d" % (len(allv), pct(allv, 50), pct(allv, 95),
                                 max(allv or [0])))
        for tr, vs in sorted(self.latency.items()):
            out("  %-17s %d %d %d %d" % (tr, len(vs), pct(vs, 50),
                                         pct(vs, 95), max(vs)))
        for name, rc, kv in getattr(self, "watch_results", []):
            out("watcher %s: exit %s, updates %s, max_gap_ms %s, "
                "match_ms %s" % (name, rc, kv.get("updates"),
                                 kv.get("max_gap_ms"), kv.get("match_ms")))
        if not getattr(self, "watchers", None):
            out("watchers: none (build/tests/vncwatch not built)")
        cmd = self.hostile_cmd() if self.a.replay else None
        out("hostile replay (%s): %d runs, cases %s" % (
            cmd or "none", self.replay_runs, ", ".join(
                "%s %d" % kv for kv in sorted(self.replay_cases.items()))
            or "-"))
        out("hostile built-in cases: %s" % (", ".join(
            "%s %d" % kv for kv in sorted(self.hostile_runs.items()))
            or "none"))
        for w in self.warnings[:20]:
            out("warning: " + w)
        if len(self.warnings) > 20:
            out("warning: ... %d more" % (len(self.warnings) - 20))
        for k, d in self.failures[:20]:
            out("failure: %s: %s" % (k, d))
        reasons = self.verdict()
        out("SOAK: PASS" if not reasons else "SOAK: FAIL: " +
            "; ".join(reasons))
        text = "\n".join(lines) + "\n"
        with open(os.path.join(self.out, "report.txt"), "w") as f:
            f.write(text)
        try:
            shutil.copy(self.server_log, os.path.join(self.out,
                                                      "server.log"))
        except OSError:
            pass
        sys.stdout.write(text)
        return not reasons


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int,
                    default=int(os.environ.get("SOAK_SECONDS", "600")),
                    help="length of the run (default $SOAK_SECONDS or 600)")
    ap.add_argument("--viewers", type=int, default=20,
                    help="viewer slots (default 20)")
    ap.add_argument("--seed", type=int, default=int(
        os.environ.get("SOAK_SEED", str(int(time.time()) % 100000))),
                    help="seed of the random choices (default $SOAK_SEED "
                    "or the time); threads make runs differ anyway")
    ap.add_argument("--check", type=int,
                    default=int(os.environ.get("SOAK_CHECK", "0")),
                    help="seconds between idle readings (default: a "
                    "quarter of the run, at most 120)")
    ap.add_argument("--geometry", default="640x480",
                    help="Xvfb screen size")
    ap.add_argument("--hostile", default=os.environ.get("SOAK_HOSTILE"),
                    help="hostile client command ({port}, {unix})")
    ap.add_argument("--no-replay", dest="replay", action="store_false",
                    help="only the built-in hostile sequences")
    ap.add_argument("--out", default=os.path.join(TOP, "build", "soak"),
                    help="report, server log and failed viewers' logs "
                    "(default build/soak)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    a = ap.parse_args()
    if a.viewers < 4:
        ap.error("at least 4 viewers")
    if a.check <= 0:
        a.check = min(120, max(5, a.seconds // 4))
    s = Soak(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        s.run()
        ok = s.report()
    finally:
        s.stopping = True
        s.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
