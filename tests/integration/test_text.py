# SPDX-License-Identifier: GPL-2.0-only
"""The text format: one readable line per event, nothing a terminal would interpret."""
import os
import subprocess
import time

from harness import EMBARGO

PRINTF = "/usr/bin/printf"


def test_text_line_is_readable_and_escaped():
    out = open(f"/tmp/embargo-text-{os.getpid()}", "w+b")
    err = open(f"/tmp/embargo-text-err-{os.getpid()}", "w+b")
    try:
        w = subprocess.Popen([EMBARGO, "watch", "--all", "--format", "text", "--control", "none"], stdout=out,
                             stderr=err)
        for _ in range(200):
            err.seek(0)
            if b"ready" in err.read():
                break
            time.sleep(0.05)
        p = subprocess.Popen([PRINTF, "esc\x1b[2Jhere", "two\nlines"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        p.wait()
        time.sleep(0.3)
        w.terminate()
        assert w.wait(30) == 0
        out.seek(0)
        lines = [l for l in out.read().split(b"\n") if b"pid=%d " % p.pid in l]
    finally:
        out.close(), err.close()
        os.unlink(out.name), os.unlink(err.name)
    assert len(lines) == 1, lines
    line = lines[0]
    assert b"\x1b" not in line
    assert b' exe="/usr/bin/printf"' in line
    assert b' cmd="/usr/bin/printf esc\\u001b[2Jhere two\\nlines"' in line
    assert b" exec pid=%d ppid=%d " % (p.pid, os.getpid()) in line
    assert b' user="root"' in line
