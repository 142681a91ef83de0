# SPDX-License-Identifier: GPL-2.0-only
"""Every probe family loads and reports on this kernel; the fallback chain is real."""
import os
import subprocess

from harness import EMBARGO, Watch, exec_event, run

PRIVATE_MOUNTS = ["unshare", "--mount", "--propagation", "private"]


def check_family(family, prefix=()):
    with Watch("--all", "--probes", family, prefix=prefix) as w:
        pid = run(["/usr/bin/printf", family])
        e = w.wait_for(exec_event(pid))
        code, _ = w.stop()
    assert f"process probes attached as {family}" in w.stderr()
    assert code == 0
    assert e["process"]["executable"] == "/usr/bin/printf"
    assert e["process"]["args"] == ["/usr/bin/printf", family]
    assert e["process"]["parent"]["pid"] == os.getpid()
    return e, w


def test_tp_btf_family():
    check_family("tp_btf")


def test_raw_tp_family():
    check_family("raw_tp")


def test_tracepoint_family_mounts_tracefs_privately():
    # tracefs is mounted by embargo when needed; a private mount namespace keeps the
    # test from leaving it mounted on the machine
    e, w = check_family("tracepoint", prefix=PRIVATE_MOUNTS)
    assert e["process"]["args_count"] == 2


def test_default_picks_tp_btf():
    with Watch("--all") as w:
        pass
    assert "process probes attached as tp_btf" in w.stderr()


def _with_fault(fault, *args):
    os.environ["EMBARGO_FAULT"] = fault
    try:
        with Watch("--all", *args, prefix=PRIVATE_MOUNTS) as w:
            pid = run(["/usr/bin/printf", "fallback"])
            e = w.wait_for(exec_event(pid))
    finally:
        del os.environ["EMBARGO_FAULT"]
    return e, w.stderr()


def test_failed_tp_btf_falls_back_to_raw_tp_and_says_why():
    e, err = _with_fault("load:tp_btf")
    assert "failed to load tp_btf probes: fault injected" in err
    assert "falling back from tp_btf to raw_tp probes" in err
    assert "process probes attached as raw_tp" in err
    assert e["process"]["args"] == ["/usr/bin/printf", "fallback"]


def test_failed_tp_btf_and_raw_tp_fall_back_to_tracepoint():
    e, err = _with_fault("load:tp_btf,raw_tp")
    assert "falling back from raw_tp to tracepoint probes" in err
    assert "process probes attached as tracepoint" in err
    assert e["process"]["args"] == ["/usr/bin/printf", "fallback"]


def test_pinned_family_that_fails_is_a_runtime_error():
    os.environ["EMBARGO_FAULT"] = "load:raw_tp"
    try:
        r = subprocess.run([EMBARGO, "watch", "--probes", "raw_tp"], capture_output=True,
                           timeout=30)
    finally:
        del os.environ["EMBARGO_FAULT"]
    assert r.returncode == 2
    assert b"failed to load raw_tp probes" in r.stderr
    assert b"failed to load the process probes" in r.stderr
    assert b"falling back" not in r.stderr
