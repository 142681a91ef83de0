# SPDX-License-Identifier: GPL-2.0-only
"""Self-checks against the real daemon: root changing the kernel's lists with bpftool, as an
attacker would, is a `sensor-tampered` record and a failing heartbeat, and the lists are
written again; root closing the exec probe's link inside the daemon (gdb) is a detached
probe and a `sensor-blind` record once the canary misses; `embargo status` says so."""
import json
import os
import shutil
import subprocess
import tempfile

from harness import EMBARGO, ROOT, Skip, Watch

RULES = os.path.join(ROOT, "rules")
SCALE = float(os.environ.get("EMBARGO_TIME_SCALE", "1"))


def state(action, outcome=None):
    return lambda e: e.get("event", {}).get("kind") == "state" and \
        e["event"].get("action") == action and \
        (outcome is None or e["event"].get("outcome") == outcome)


def ask(d, *args):
    p = subprocess.run([EMBARGO, *args, "--socket", f"{d}/c.sock"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout


def wait_after(w, earlier, pred, timeout, what):
    """The first event after earlier (None: any) that pred accepts."""
    def later(e):
        if earlier is None:
            return True
        mark = next(i for i, x in enumerate(w.events) if x is earlier)
        return any(e is x for x in w.events[mark + 1:])
    return w.wait_for(lambda e: pred(e) and later(e), timeout=timeout, what=what)


def bpftool(*args):
    if not shutil.which("bpftool"):
        raise Skip("no bpftool here to change the maps with")
    p = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"bpftool {' '.join(args)}: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else None


def fdinfo(pid, fd):
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def bpf_fds(pid, kind):
    """{fd: fdinfo} of the process's BPF objects of one kind: map, prog or link."""
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target in (f"anon_inode:bpf-{kind}", f"anon_inode:bpf_{kind}"):
            out[int(fd)] = fdinfo(pid, fd)
    return out


def map_id(pid, name):
    """The id of the running daemon's map of that name (not another embargo's)."""
    for info in bpf_fds(pid, "map").values():
        shown = bpftool("map", "show", "id", info["map_id"])
        if shown.get("name") == name:
            return info["map_id"]
    raise AssertionError(f"embargo (pid {pid}) holds no map {name}")


def key_bytes(value, size):
    return [str(b) for b in value.to_bytes(size, "little")]


def lookup(mid, key):
    return bpftool("map", "lookup", "id", mid, "key", *key)["value"]


def test_zeroed_download_suffix_is_tampering_and_is_written_again():
    with tempfile.TemporaryDirectory(prefix="embargo-selfcheck-") as d, \
            Watch("--rules", RULES, "--heartbeat", "1", "--control", f"{d}/c.sock") as w:
        mid = map_id(w.proc.pid, "emb_dl_suffix")
        key = key_bytes(0, 4)
        before = lookup(mid, key)
        assert any(b != "0x00" for b in before), f"suffix 0 is empty: {before}"
        w.wait_for(lambda e: state("heartbeat", "success")(e) and
                   e["embargo"]["health"]["sensor_state"] == "ok", timeout=10 * SCALE,
                   what="a heartbeat with the sensor ok")
        bpftool("map", "update", "id", mid, "key", *key, "value", *(["0"] * len(before)))
        told = w.wait_for(state("sensor-tampered", "failure"), timeout=3 * SCALE,
                          what="sensor-tampered within one heartbeat")
        hb = w.wait_for(lambda e: state("heartbeat")(e) and
                        e["embargo"]["health"]["sensor_state"] == "tampered",
                        timeout=3 * SCALE, what="a tampered heartbeat")
        after = lookup(mid, key)
        wait_after(w, hb, lambda e: state("heartbeat")(e) and
                   e["embargo"]["health"]["sensor_state"] == "ok", 5 * SCALE,
                   "an ok heartbeat after the repair")
        st = json.loads(ask(d, "status", "--format", "json"))
    msg = told["message"]
    assert "emb_dl_suffix: 1 changed" in msg and "written again" in msg, msg
    assert hb["event"]["outcome"] == "failure"
    assert after == before, "the suffix was not written again"
    assert st["selfcheck"]["state"] == "ok" and st["selfcheck"]["tamperings"] >= 1
    assert "emb_dl_suffix: 1 changed" in st["selfcheck"]["last_problem"]


def test_an_entry_added_to_the_hot_list_is_extra_and_deleted():
    with Watch("--rules", RULES, "--heartbeat", "1") as w:
        mid = map_id(w.proc.pid, "emb_hot_names")
        key = [str(b) for b in b"embargo-extra".ljust(32, b"\0")]
        bpftool("map", "update", "id", mid, "key", *key, "value", "1")
        told = w.wait_for(state("sensor-tampered", "failure"), timeout=3 * SCALE,
                          what="sensor-tampered")
        gone = subprocess.run(["bpftool", "map", "lookup", "id", mid, "key", *key],
                              capture_output=True, text=True, timeout=30)
    assert "emb_hot_names: 1 extra" in told["message"], told["message"]
    assert gone.returncode != 0, "the extra key is still in the hot list"


def test_a_normal_run_says_nothing_and_status_says_ok():
    with tempfile.TemporaryDirectory(prefix="embargo-selfcheck-") as d, \
            Watch("--rules", RULES, "--all", "--heartbeat", "1",
                  "--control", f"{d}/c.sock") as w:
        hbs = []
        while len(hbs) < 3:
            hbs.append(wait_after(w, hbs[-1] if hbs else None, state("heartbeat"),
                                  5 * SCALE, "three heartbeats"))
        text = ask(d, "status")
        st = json.loads(ask(d, "status", "--format", "json"))
        events = list(w.events)
    assert all(h["event"]["outcome"] == "success" and
               h["embargo"]["health"]["sensor_state"] == "ok" for h in hbs), hbs
    assert not [e for e in events if state("sensor-tampered")(e) or state("sensor-blind")(e)]
    # the canary is embargo's own: --all prints every exec but that one (another embargo's
    # canary, from a test running beside this one, is an exec like any other here)
    assert not [e for e in events if e.get("process", {}).get("args") == ["embargo", "canary"]
                and e["process"].get("parent", {}).get("pid") == w.proc.pid]
    assert "self-check: ok, every 1s" in text and ", 0 missed" in text, text
    assert st["selfcheck"]["canaries"] >= 2 and st["selfcheck"]["canaries_missed"] == 0, st


def exec_link_fd(pid):
    """The fd of the daemon's link that attaches its exec probe."""
    for fd, info in bpf_fds(pid, "link").items():
        prog = bpftool("prog", "show", "id", info["prog_id"])
        if prog.get("name", "").startswith("handle_exec"):
            return fd
    raise AssertionError(f"embargo (pid {pid}) holds no link of an exec probe")


def test_a_closed_exec_probe_link_is_a_detached_probe_and_a_blind_sensor():
    if not shutil.which("gdb"):
        raise Skip("no gdb here to close the probe's link inside the daemon with")
    with tempfile.TemporaryDirectory(prefix="embargo-selfcheck-") as d, \
            Watch("--rules", RULES, "--heartbeat", "1", "--control", f"{d}/c.sock") as w:
        w.wait_for(lambda e: state("heartbeat")(e) and
                   e["embargo"]["health"]["sensor_state"] == "ok", timeout=10 * SCALE,
                   what="a heartbeat with the sensor ok")
        fd = exec_link_fd(w.proc.pid)
        # what root can do to any process: close the link, and the kernel detaches the probe
        gdb = subprocess.run(["gdb", "-p", str(w.proc.pid), "-batch", "-nx",
                              "-ex", f"call (int)close({fd})"], capture_output=True, text=True,
                             timeout=60 * SCALE)
        assert "$1 = 0" in gdb.stdout, gdb.stdout + gdb.stderr
        detached = w.wait_for(state("sensor-tampered", "failure"), timeout=3 * SCALE,
                              what="sensor-tampered")
        # the next canary starts within a second and has 5 s to come back
        blind = w.wait_for(state("sensor-blind", "failure"), timeout=10 * SCALE,
                           what="sensor-blind")
        hb = wait_after(w, blind, state("heartbeat"), 3 * SCALE, "a heartbeat after")
        st = json.loads(ask(d, "status", "--format", "json"))
    assert "probe handle_exec" in detached["message"] and \
        "no longer attached" in detached["message"], detached["message"]
    assert "did not come through the sensor within 5 s" in blind["message"], blind["message"]
    assert hb["event"]["outcome"] == "failure"
    assert hb["embargo"]["health"]["sensor_state"] == "tampered,blind"
    assert st["selfcheck"]["state"] == "tampered,blind" and st["selfcheck"]["canaries_missed"] >= 1
