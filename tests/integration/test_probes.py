# SPDX-License-Identifier: GPL-2.0-only
"""Every probe family loads and reports on this kernel; the fallback chain is real."""
import os

from harness import Watch, exec_event, run

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
