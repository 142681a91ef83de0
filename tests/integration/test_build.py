# SPDX-License-Identifier: GPL-2.0-only
"""The BPF sensors build on the machine they will run on: vmlinux.h comes from the running
kernel's BTF, so a field only newer kernels have must never be named outside a CO-RE flavor
(a Debian 12 desktop builds against 6.1's types). Run on every kernel of the matrix."""
import os
import subprocess
import tempfile

from harness import ROOT


def test_bpf_object_builds_against_this_kernels_types():
    with tempfile.TemporaryDirectory() as build:
        r = subprocess.run(["make", "-s", "BUILD=" + build, os.path.join(build, "embargo.skel.h")],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        with open(os.path.join(build, "vmlinux.h")) as f:
            assert "struct task_struct {" in f.read()
        assert os.path.getsize(os.path.join(build, "embargo.skel.h")) > 0
