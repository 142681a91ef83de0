# SPDX-License-Identifier: GPL-2.0-only
"""Never silent: a file a user controls cannot stall identity, alerts, or stop (issue 18).

A program grown to 15 TB after its size was seen, and files on a FUSE mount that never
answers a read (stallfs.py), are hashed within bounds off the event loop: another banned
program started at the same time is alerted at once, and `stop` ends in seconds.
"""
import os
import subprocess
import time

from harness import BannedCopy, Skip, Watch, exec_event, run
from stallfs import StallFS

LDSO = "/lib64/ld-linux-x86-64.so.2"
ALERT_WITHIN_S = 2.0
STOP_WITHIN_S = 5.0

RULES = """\
vendor: Stall tests
rules:
  - id: stall-banned-by-hash
    name: The banned test program, by content
    severity: high
    match:
      process.hash.sha256: "{sha}"
"""


class Lab(BannedCopy):
    """A banned program: a copy of true with bytes of its own, and a rule on its hash."""

    def __init__(self):
        super().__init__("embargo-stall-", "/usr/bin/true")
        self.true = self.original
        self.banned = self.place("banned")
        self.rules = self.place("rules.yaml", RULES.format(sha=self.sha).encode(), 0o644)

    def write(self, name, data):
        return self.place(name, data)


def alert_on(pid):
    return lambda e: e["event"]["kind"] == "alert" and \
        e["rule"]["id"] == "stall-banned-by-hash" and e.get("process", {}).get("pid") == pid


def exec_record(pid):
    return lambda e: exec_event(pid)(e) and e["event"]["kind"] == "event"


def banned_alerted_soon(w, lab):
    start = time.monotonic()
    pid = run([lab.banned])
    w.wait_for(alert_on(pid), timeout=10, what="the banned program's alert")
    return time.monotonic() - start


def stop_timed(w):
    start = time.monotonic()
    code, summary = w.stop(timeout=30)
    return code, time.monotonic() - start, summary


def test_a_program_grown_to_15_tb_stalls_nothing():
    with Lab() as lab:
        big = lab.write("grown", lab.true)
        os.truncate(big, 500 << 20)              # a 500 MB program (sparse): under the limit
        with Watch("--rules", lab.rules, "--all") as w:
            pid = run([big])
            os.truncate(big, 15 << 40)           # grown to 15 TB once its size was seen
            took = banned_alerted_soon(w, lab)
            grown = w.wait_for(exec_record(pid), what="the grown program's exec record")
            code, stop_s, summary = stop_timed(w)
    print(f"    banned program alerted {took:.2f}s after its exec; stop took {stop_s:.2f}s")
    assert took < ALERT_WITHIN_S, took
    assert code == 0 and stop_s < STOP_WITHIN_S, (code, stop_s)
    # read no further than it was: changed while hashed, or already too large to hash
    why = grown["embargo"]["process"].get("identity_unavailable_reason")
    assert why in ("changed-while-hashing", "too-large"), grown["embargo"]["process"]
    assert "hash" not in grown["process"]


class StalledLoaders:
    """n files on a FUSE server that never answers a read, and `ld.so FILE` run on each once
    start() is called: the loader hangs in its read; embargo must hash FILE."""

    def __init__(self, lab, n):
        self.names = [f"stalled-{i}" for i in range(n)]
        self.fs = StallFS({name: len(lab.true) for name in self.names})
        self.procs = []

    def __enter__(self):
        try:
            self.fs.__enter__()
        except OSError as e:
            raise Skip(f"cannot mount a FUSE file system here: {e}")
        return self

    def start(self):
        self.procs = [subprocess.Popen([LDSO, self.fs.path(n)]) for n in self.names]
        return self.procs

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        self.fs.__exit__()                      # answers the held reads: they can die now
        for p in self.procs:
            p.wait(10)


def test_a_stalled_fuse_file_delays_no_other_alert_and_no_stop():
    # more stalled files than there are workers for FUSE and network files
    with Lab() as lab, StalledLoaders(lab, 4) as stalled:
        with Watch("--rules", lab.rules, "--all") as w:
            stuck = stalled.start()
            took = banned_alerted_soon(w, lab)
            records = [w.wait_for(exec_record(p.pid), what="the stalled exec's record")
                       for p in stuck]
            held = stalled.fs.reads
            code, stop_s, summary = stop_timed(w)
    print(f"    {held} reads held by the stalled server; banned program alerted {took:.2f}s "
          f"after its exec; stop took {stop_s:.2f}s")
    assert held >= len(stuck), held              # the loaders (and embargo's copiers) wait
    assert took < ALERT_WITHIN_S, took
    assert code == 0 and stop_s < STOP_WITHIN_S, (code, stop_s, summary)
    for r in records:
        assert r["embargo"]["process"]["identity_unavailable_reason"] == \
            "timeout-remote-filesystem", r["embargo"]["process"]


def test_a_hash_backlog_fails_the_heartbeat():
    n = 150                                     # more than the FUSE pool's queue (64) holds
    with Lab() as lab, StalledLoaders(lab, n) as stalled:
        with Watch("--rules", lab.rules, "--heartbeat", "1") as w:
            stalled.start()
            beat = w.wait_for(lambda e: e["event"]["action"] == "heartbeat" and
                              e["embargo"]["health"].get("hash_backlog", 0) > 0,
                              timeout=15, what="a heartbeat with a hash backlog")
            took = banned_alerted_soon(w, lab)
            code, stop_s, _ = stop_timed(w)
    health = beat["embargo"]["health"]
    print(f"    {n} stalled files: heartbeat {beat['event']['outcome']}, hash_backlog "
          f"{health['hash_backlog']}, pending {health.get('hash_pending', 0)}; banned program "
          f"alerted {took:.2f}s after its exec; stop took {stop_s:.2f}s")
    assert beat["event"]["outcome"] == "failure", beat
    assert took < ALERT_WITHIN_S, took
    assert code == 0 and stop_s < STOP_WITHIN_S, (code, stop_s)
