# SPDX-License-Identifier: GPL-2.0-only
"""Integration test harness: runs the real embargo binary with the real BPF probes.

Tests are functions named test_* in tests/integration/test_*.py; each runs on its own and
raises AssertionError (or anything else) to fail. The runner ends with 'N passed, N failed'.
Needs root: the probes load for real, as they do in CI.
"""
import hashlib
import json
import os
import pwd
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMBARGO = os.environ.get("EMBARGO", os.path.join(ROOT, "build", "san", "embargo"))
# How long `watch` may take to say ready. Under emulation (tests/kernels/matrix sets
# EMBARGO_TIME_SCALE for its TCG guests) every instruction costs 20-30 times more and the
# guest reads the host's files over 9p, cold at first: the same start takes 10-50 s there
# (BENCHMARKS.md). A bound on waiting, not a measure: startup is measured in make bench.
READY_TIMEOUT = 30.0 * float(os.environ.get("EMBARGO_TIME_SCALE", "1"))
# ASan reports go to stderr and fail the run; leaks are checked at exit.
os.environ.setdefault("ASAN_OPTIONS", "abort_on_error=0:exitcode=99")
os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:exitcode=98:print_stacktrace=1")


class Skip(Exception):
    """Raised by a test that cannot run here; the runner counts it and says why."""


class Watch:
    """`embargo watch` running in the background, its JSON lines parsed as they come."""

    def __init__(self, *args, prefix=()):
        # the default control socket and state directory are the installed service's: tests
        # name their own (a run's marker in /var/lib/embargo would tell the next test's
        # start of a run it never had)
        own = [] if {"--control", "--config"} & set(args) else ["--control", "none"]
        self.state_dir = None
        if not {"--state-dir", "--config"} & set(args):
            self.state_dir = tempfile.mkdtemp(prefix="embargo-state-")
            own += ["--state-dir", self.state_dir]
        self.argv = list(prefix) + [EMBARGO, "watch", "--format", "json", *own, *args]
        self.events = []
        self.stderr_lines = []
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._new = threading.Condition(self._lock)
        self.bad_lines = []

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if not self._ready.wait(READY_TIMEOUT):
            self.__exit__()
            raise AssertionError("embargo watch never said ready; stderr:\n" + self.stderr())
        if self.proc.poll() is not None:
            self.__exit__()
            raise AssertionError("embargo watch exited early; stderr:\n" + self.stderr())
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def _read_stdout(self):
        for raw in self.proc.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                with self._lock:
                    self.bad_lines.append(raw)
                continue
            with self._new:
                self.events.append(event)
                self._new.notify_all()

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.stderr_lines.append(line)
            if "ready" in line:
                self._ready.set()
        self._ready.set()

    def stderr(self):
        with self._lock:
            return "\n".join(self.stderr_lines)

    def wait_for(self, pred, timeout=10.0, what="event"):
        """The first event pred() accepts; fails after timeout."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._new:
            while True:
                for event in self.events[seen:]:
                    if pred(event):
                        return event
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what} within {timeout}s ({seen} events seen)")
                self._new.wait(left)

    def stop(self, sig=signal.SIGTERM, timeout=60.0):
        """Stop it as an operator would; returns (exit code, summary line)."""
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        time.sleep(0.1)  # let the reader threads drain the pipes
        summary = next((l for l in reversed(self.stderr_lines) if "stopped:" in l), "")
        return code, summary


def exec_event(pid, action="exec"):
    return lambda e: e.get("process", {}).get("pid") == pid and \
        e.get("event", {}).get("action") == action


def stat_counter(summary, name):
    m = re.search(r"\b%s=(\d+)" % re.escape(name), summary)
    if not m:
        raise AssertionError(f"counter {name} missing from summary: {summary!r}")
    return int(m.group(1))


def kernel_device(path):
    """The device the kernel knows a file by (the exec probe's): stat's, except on overlayfs,
    whose files stat() puts on a per-layer device when the layers are on different file
    systems (a qemu guest's root, a live image): there, the overlay's own (user/lib/fsdev.h)."""
    path = os.path.realpath(path)
    best = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            fstype = fields[fields.index("-") + 1]
            inside = path == point or path.startswith(point.rstrip("/") + "/")
            if inside and (best is None or len(point) >= len(best[0])):
                best = (point, fstype, fields[2])
    if best and best[1] == "overlay":
        major, minor = best[2].split(":")
        return os.makedev(int(major), int(minor))
    return os.stat(path).st_dev


def run(argv, **kw):
    """Run a short program to completion and return its pid."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    p.wait()
    return p.pid


def embargo(*args, timeout=30):
    return subprocess.run([EMBARGO, *args], capture_output=True, timeout=timeout)


class BannedCopy:
    """A temporary directory holding a copy of SOURCE with bytes of its own (so its hash is
    unique: no other file on the machine matches a rule on it), removed at the end."""

    def __init__(self, prefix, source):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        with open(source, "rb") as f:
            self.original = f.read()
        self.data = self.original + b"\0" + os.urandom(16)
        self.sha = hashlib.sha256(self.data).hexdigest()

    def place(self, relpath, data=None, mode=0o755):
        """Write the banned copy (or DATA) at RELPATH under the directory."""
        path = os.path.join(self.dir, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(self.data if data is None else data)
        os.chmod(path, mode)
        return path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)


class User:
    """A fresh unprivileged user with a home under /home, removed with it at the end."""

    def __init__(self, tag="q"):
        self.name = f"embargo-{tag}{os.getpid() % 100000}"
        self.home = f"/home/{self.name}"

    def __enter__(self):
        if subprocess.run(["id", self.name], capture_output=True).returncode == 0:
            subprocess.run(["userdel", "-r", self.name], capture_output=True)  # a crashed run's
        subprocess.run(["useradd", "-m", "-d", self.home, "-s", "/usr/sbin/nologin",
                        self.name], check=True, capture_output=True)
        pw = pwd.getpwnam(self.name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.chmod(self.home, 0o700)
        return self

    def __exit__(self, *exc):
        subprocess.run(["userdel", "-r", self.name], capture_output=True)

    def argv(self, *argv):
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                *argv]

    def run(self, script):
        return subprocess.run(self.argv("sh", "-c", script), capture_output=True, text=True,
                              timeout=30, cwd="/")

    def mkdir(self, path, mode=0o755):
        os.mkdir(path, mode)
        os.chown(path, self.uid, self.gid)
        return path
