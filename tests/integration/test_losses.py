# SPDX-License-Identifier: GPL-2.0-only
"""Losses are records: what embargo could not deliver, or did not get to say, is said where
a SIEM sees it.

A spool on a small tmpfs that another file fills: the records it cannot take are counted, a
spool-write-failed record says so at once on the other outputs, heartbeats turn to failure,
and once there is room the output that lost records says so itself, before its next record.
A run killed with SIGKILL: the next start says it did not stop in order, and how far it got.
"""
import contextlib
import errno
import json
import os
import subprocess
import time

from test_outputs import Lab, is_alert, state, syslog_body
from receivers import Rsyslog

SPOOL_FS_KIB = 512


@contextlib.contextmanager
def small_tmpfs(path, kib):
    """A tmpfs of kib KiB at path, unmounted again whatever happens."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=0700", "tmpfs", path],
                   check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def fill(path):
    """Write path until the file system is full."""
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
                return


def body_of(msg):
    return json.loads(syslog_body(msg)[3])


def spool_loss(e):
    return state("spool-write-failed")(e)


def test_full_spool_disk_is_reported_on_the_other_outputs_and_after_it():
    with Lab() as lab, Rsyslog() as r, \
            small_tmpfs(lab.path("spoolfs"), SPOOL_FS_KIB) as fs:
        tcp = f"ecs:tcp://127.0.0.1:{r.tcp_port}"
        other = lab.path("other.json")
        filler = os.path.join(fs, "filler")
        with lab.watch("--spool-dir", os.path.join(fs, "spool"), "--heartbeat", "1",
                       "--fold-window", "0", "--output", tcp,
                       "--output", f"ecs:file:{other}") as w:
            pid = lab.fire(0)
            w.wait_for(lambda e: is_alert(e) and e["process"]["pid"] == pid)
            r.wait_for("tcp", lambda m: f'pid="{pid}"' in m)
            fill(filler)
            full_at = time.monotonic()
            pids = [lab.fire(i) for i in range(1, 6)]
            for p in pids:
                w.wait_for(lambda e, p=p: is_alert(e) and e["process"]["pid"] == p)
            lost = w.wait_for(spool_loss, timeout=10, what="spool-write-failed")
            hb = w.wait_for(lambda e: state("heartbeat")(e) and
                            e["embargo"]["health"]["spool_write_failed"] > 0, timeout=10,
                            what="heartbeat counting the loss")
            os.unlink(filler)
            full_s = time.monotonic() - full_at
            after = lab.fire(99)
            w.wait_for(lambda e: is_alert(e) and e["process"]["pid"] == after)
            back = w.wait_for(lambda e: spool_loss(e) and e["embargo"]["spool"]["recovered"],
                              timeout=10, what="spool-write-failed, recovered")
            r.wait_for("tcp", lambda m: f'pid="{after}"' in m, timeout=20)
            code, summary = w.stop()
        stderr = w.stderr()
        events = list(w.events)
        in_file = [json.loads(l) for l in open(other)]
        tcp_bodies = [body_of(m) for m in r.messages("tcp")]
    assert code == 0
    # said at once on the other outputs, with the output and the count
    assert lost["event"]["outcome"] == "failure" and lost["event"]["kind"] == "state"
    assert lost["embargo"]["spool"]["output"] == tcp
    assert lost["embargo"]["spool"]["write_failed"] >= 1
    assert lost["embargo"]["spool"]["recovered"] is False
    assert lost["error"]["message"] == "No space left on device"
    assert any(spool_loss(e) for e in in_file), "the file output did not hear of the loss"
    # the heartbeat says failure, and why
    assert hb["event"]["outcome"] == "failure"
    assert hb["embargo"]["health"]["outputs_down"] == 0  # the receiver was up all along
    # once there is room, the output that lost records says how many, before its next record
    # what the disk's last half-used page could still take went in; the rest was lost, and
    # the count is exactly the records (by number) stdout got and the receiver never did
    spooled = {e["process"]["pid"] for e in tcp_bodies if is_alert(e)}
    lost_pids = [p for p in pids if p not in spooled]
    assert len(lost_pids) >= 3, lost_pids
    back_seq = back["embargo"]["sequence"]
    lost_seqs = {e["embargo"]["sequence"] for e in events if e["embargo"]["sequence"] < back_seq} \
        - {e["embargo"]["sequence"] for e in tcp_bodies}
    assert back["embargo"]["spool"]["write_failed"] == len(lost_seqs) >= len(lost_pids)
    i = next(i for i, e in enumerate(tcp_bodies) if spool_loss(e) and
             e["embargo"]["spool"]["recovered"])
    assert tcp_bodies[i]["embargo"]["spool"]["write_failed"] == \
        back["embargo"]["spool"]["write_failed"]
    # the first report came through the full disk too: the spool's reserve took it
    assert any(spool_loss(e) and not e["embargo"]["spool"]["recovered"] for e in tcp_bodies[:i])
    later = [e for e in tcp_bodies[i + 1:] if is_alert(e)]
    assert later and later[0]["process"]["pid"] == after
    # stderr: said at once, then at most every 10 s, not once a record
    said = stderr.count("could not be spooled (")
    assert 1 <= said <= 1 + full_s // 10, stderr
    assert said < back["embargo"]["spool"]["write_failed"]
    assert "spool_write_failed=" in summary
    assert int(summary.split("spool_write_failed=")[1].split(";")[0]) >= len(lost_pids)



def test_a_killed_run_is_said_unclean_at_the_next_start():
    with Lab() as lab:
        args = ("--state-dir", lab.path("state"), "--heartbeat", "1")
        with lab.watch(*args) as w:
            first = w.wait_for(state("started"))
            hb = w.wait_for(state("heartbeat"), timeout=10)
            w.proc.kill()  # the marker still says running, as after a crash or power loss
            w.proc.wait()
        with lab.watch(*args) as w:
            second = w.wait_for(state("started"))
            assert w.stop()[0] == 0
            stopped = next(e for e in w.events if state("stopped")(e))
        with lab.watch(*args) as w:
            third = w.wait_for(state("started"))
    prev = second["embargo"]["previous_run"]
    assert prev["state"] == "unclean"
    assert prev["run_id"] == first["embargo"]["run"]["id"] != second["embargo"]["run"]["id"]
    assert prev["last_sequence"] >= hb["embargo"]["sequence"] > first["embargo"]["sequence"]
    assert prev["last_heartbeat"] >= hb["@timestamp"]
    assert second["event"]["outcome"] == "failure"
    assert f"the previous run {prev['run_id']} did not stop in order" in second["message"]
    assert second["message"].startswith("started: probes ")
    # stopped in order: the next start says so, and where the run ended
    prev = third["embargo"]["previous_run"]
    assert (prev["state"], prev["run_id"], prev["last_sequence"]) == \
        ("clean", second["embargo"]["run"]["id"], stopped["embargo"]["sequence"])
    assert third["event"]["outcome"] == "success"
    assert "did not stop" not in third["message"]
