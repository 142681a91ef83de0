# SPDX-License-Identifier: GPL-2.0-only
"""The BPF sensors build on the machine they will run on: vmlinux.h comes from the running
kernel's BTF, so a field only newer kernels have must never be named outside a CO-RE flavor
(a Debian 12 desktop builds against 6.1's types). Built here against this kernel's BTF and
against the BTF inside each kernel of the matrix (tests/kernels: Debian's own packages),
which is the same check as building in each guest, without compiling under emulation."""
import os
import subprocess
import sys
import tempfile

from harness import ROOT, Skip

sys.path.insert(0, os.path.join(ROOT, "tests", "kernels"))
import kernels  # noqa: E402


def build_against(btf, build):
    r = subprocess.run(["make", "-s", "BUILD=" + build, "VMLINUX_BTF=" + btf,
                        os.path.join(build, "embargo.skel.h")],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, btf + ":\n" + r.stdout[-3000:] + r.stderr[-3000:]
    with open(os.path.join(build, "vmlinux.h")) as f:
        assert "struct task_struct {" in f.read()
    assert os.path.getsize(os.path.join(build, "embargo.skel.h")) > 0


def test_bpf_object_builds_against_this_kernels_types():
    with tempfile.TemporaryDirectory() as build:
        build_against("/sys/kernel/btf/vmlinux", build)


def test_bpf_object_builds_against_each_matrix_kernels_types():
    built, unavailable = [], []
    for label in kernels.matrix():
        try:
            kdir = kernels.ensure(label)
        except kernels.Unavailable as why:
            unavailable.append(f"{label}: {why}")
            continue
        with tempfile.TemporaryDirectory() as build:
            btf = os.path.join(build, "vmlinux")
            kernels.vmlinux(kdir, btf)
            build_against(btf, build)
        built.append(f"{label} ({kernels.release(kdir)})")
    print("    built against " + ", ".join(built or ["no kernel"]))
    if unavailable:
        raise Skip("not had here: " + "; ".join(unavailable))
