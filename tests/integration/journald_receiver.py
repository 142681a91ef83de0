# SPDX-License-Identifier: GPL-2.0-only
"""systemd-journald as a private log receiver for the integration tests.

Journald  the system's own /lib/systemd/systemd-journald, run in a private mount namespace whose
          /run/systemd/journal, /run/log and /var/log/journal are its own; commands run inside
          it through prefix() log to it, read() returns what it stored.

A context manager like the others in receivers.py, whose helpers it uses (and which re-exports
it: `from receivers import Journald` works). See docs/testing-receivers.md.
"""
import json
import os
import shutil
import socket
import subprocess

from harness import Skip
from receivers import Daemon, _env, _kill_proc, _pdeathsig, _read, _rmtree, _wait, _workdir

JOURNALD = "/lib/systemd/systemd-journald"

JOURNALD_CONF = {
    "Storage": "volatile",      # /run/log/journal only, which is this instance's directory
    "ReadKMsg": "no",           # not the host's kernel log
    "ForwardToSyslog": "no",
    "ForwardToKMsg": "no",
    "ForwardToConsole": "no",
    "ForwardToWall": "no",
    "RateLimitBurst": "0",      # tests may log a lot at once
    "RuntimeMaxUse": "64M",
    # Empty = leave the kernel's audit setting alone. Unset, Debian's journald turns kernel
    # auditing OFF at start (AUDIT_SET enabled=0) - on the host, which would break auditd.
    "Audit": "",
}

# Runs in the new mount namespace (private propagation): nothing here reaches the host.
_NS_SCRIPT = r"""
set -eu
W=$1
tmpfs() { mount -t tmpfs -o mode=0755,size=64m embargo-journald "$1"; }
if [ -d /run/systemd ] && [ -d /run/log ]; then
    if [ -d /run/systemd/journal ]; then tmpfs /run/systemd/journal
    else tmpfs /run/systemd; mkdir /run/systemd/journal; fi
else
    tmpfs /run; mkdir -p /run/systemd/journal /run/log
fi
mount --bind "$W/runtime" /run/log
if [ -d /var/log/journal ]; then tmpfs /var/log/journal; fi
if [ -f /etc/systemd/journald.conf ]; then
    mount --bind "$W/journald.conf" /etc/systemd/journald.conf
else
    tmpfs /etc/systemd; cp "$W/journald.conf" /etc/systemd/journald.conf
fi
for d in /etc/systemd/journald.conf.d /run/systemd/journald.conf.d \
         /usr/local/lib/systemd/journald.conf.d /usr/lib/systemd/journald.conf.d; do
    if [ -d "$d" ]; then tmpfs "$d"; fi
done
echo ready
exec sleep infinity
"""


class Journald(Daemon):
    """systemd-journald in a private mount namespace.

    prefix() is the command prefix that runs a program in that namespace (its
    /run/systemd/journal/socket is this journald's); read() returns the entries stored, as
    `journalctl -o json` dicts. config overrides/extends JOURNALD_CONF ([Journal] section).
    The journal files are under self.journal_dir on the host's file system (the work dir).
    """

    def __init__(self, config=None):
        self.config = dict(JOURNALD_CONF, **(config or {}))
        self.ns = None      # the namespace holder (sleep infinity)
        self.proc = None    # systemd-journald
        self.work = None

    def close(self):
        _kill_proc(self.proc)
        _kill_proc(self.ns)
        _rmtree(self.work)
        self.work = None

    @staticmethod
    def check():
        if os.geteuid() != 0:
            raise Skip("journald in a private mount namespace needs root")
        if not os.access(JOURNALD, os.X_OK):
            raise Skip(f"{JOURNALD} missing (package systemd)")
        for tool in ("unshare", "nsenter", "journalctl", "mount"):
            if not shutil.which(tool):
                raise Skip(f"no {tool} (util-linux / systemd)")

    def _setup(self):
        self.check()
        self.work = _workdir("journald")
        self.runtime = os.path.join(self.work, "runtime")   # /run/log inside
        os.mkdir(self.runtime)
        self.journal_dir = os.path.join(self.runtime, "journal")
        self.log_path = os.path.join(self.work, "journald.log")
        with open(os.path.join(self.work, "journald.conf"), "w") as f:
            f.write("# written by tests/integration/journald_receiver.py\n[Journal]\n")
            f.writelines(f"{k}={v}\n" for k, v in self.config.items())
        self.ns = subprocess.Popen(
            _pdeathsig() + ["unshare", "--mount", "--propagation", "private", "--",
                            "sh", "-c", _NS_SCRIPT, "sh", self.work],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_env())
        line = self.ns.stdout.readline()   # 'ready', or EOF if the script failed
        if line.strip() != b"ready":
            err = self.ns.stderr.read() if self.ns.poll() is not None else b""
            _kill_proc(self.ns)
            raise AssertionError("private mount namespace for journald failed: "
                                 + err.decode(errors="replace"))
        self.ns.stdout.close()
        self.ns.stderr.close()

    def prefix(self):
        """Command prefix running a program in the namespace, e.g. Watch(..., prefix=j.prefix()).
        nsenter execs the program (no fork), so the pid Popen reports is the program's."""
        return ["nsenter", f"--mount=/proc/{self.ns.pid}/ns/mnt", "--"]

    def run(self, argv, **kw):
        """subprocess.run(argv) inside the namespace."""
        kw.setdefault("capture_output", True)
        kw.setdefault("timeout", 30)
        return subprocess.run(self.prefix() + list(argv), **kw)

    @property
    def socket_path(self):
        """The native socket as seen from the host (through the namespace's root)."""
        return f"/proc/{self.ns.pid}/root/run/systemd/journal/socket"

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=10.0):
        """Starts journald (first call: work dir and namespace) and waits until its native
        socket accepts datagrams. Later calls reuse the namespace and journal files."""
        if self.running:
            raise AssertionError("journald already running")
        if self.work is None:
            self._setup()
        env = _env(SYSTEMD_LOG_TARGET="console",  # its own log to stderr, not /dev/kmsg
                   SYSTEMD_LOG_LEVEL="info",
                   SYSTEMD_PROC_CMDLINE="")       # no systemd.journald.* from the host's
        with open(self.log_path, "ab") as log:
            # no argument: an argument would be a journal namespace name
            self.proc = subprocess.Popen(_pdeathsig() + self.prefix() + [JOURNALD],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         cwd="/", env=env)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"systemd-journald exited ({self.proc.returncode}):\n"
                                     + self.log())
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                try:
                    s.connect(self.socket_path)
                    return True
                except OSError:  # not bound yet, or the previous instance's stale socket
                    return None
        _wait(ready, timeout, "systemd-journald socket")

    def log(self):
        return _read(self.log_path)

    def read(self, match=None, sync=True):
        """Entries stored, oldest first, as journalctl -o json dicts (all fields, none
        shortened; a field given twice is a list, a binary one a list of byte values).
        match: {FIELD: value} that every entry returned has (journalctl's own matching)."""
        if sync and self.running:  # make journald write out what it has queued
            self.run(["journalctl", "--sync"], timeout=10)
        argv = ["journalctl", "--directory", self.journal_dir, "-o", "json", "--all",
                "--no-pager", "-q"]
        argv += [f"{k}={v}" for k, v in (match or {}).items()]
        r = subprocess.run(argv, capture_output=True, timeout=30)
        if r.returncode and not os.path.isdir(self.journal_dir):
            return []
        if r.returncode:
            raise AssertionError("journalctl failed: " + r.stderr.decode(errors="replace"))
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def wait_for(self, what, timeout=10.0):
        """The first entry that what accepts (a callable, or a {FIELD: value} match)."""
        if callable(what):
            return _wait(lambda: next((e for e in self.read() if what(e)), None),
                         timeout, "matching journal entry")
        return _wait(lambda: next(iter(self.read(what)), None), timeout, f"journal entry {what}")
