# SPDX-License-Identifier: GPL-2.0-only
"""embargo scan (packages, processes, files at rest) and the scan watch runs at start."""
import json
import os
import shutil
import subprocess
import tempfile

from harness import EMBARGO, ROOT, Watch, embargo
from test_packages import NAME, RULES, Deb

SHIPPED = os.path.join(ROOT, "rules")


def scan(*args):
    r = subprocess.run([EMBARGO, "scan", "--format", "json", *args], capture_output=True,
                       timeout=300)
    return r.returncode, [json.loads(l) for l in r.stdout.splitlines()], r.stderr.decode()


def test_files_at_rest_in_an_install_tree():
    with tempfile.TemporaryDirectory() as d:
        kesl = os.path.join(d, "opt/kaspersky/kesl/bin/kesl")
        os.makedirs(os.path.dirname(kesl))
        shutil.copy("/usr/bin/true", kesl)
        os.makedirs(os.path.join(d, "home/u/Downloads"))
        with open(os.path.join(d, "home/u/Downloads/WeChatLinux_x86_64.deb"), "wb") as f:
            f.write(b"!<arch>\n")
        code, alerts, err = scan("--rules", SHIPPED, "--path", d, "--skip", "packages",
                                 "--skip", "processes")
    assert code == 1, err
    by_rule = {a["rule"]["id"]: a for a in alerts}
    prog = by_rule["kaspersky-kesl-process"]
    assert prog["process"]["executable"] == kesl
    assert prog["event"]["action"] == "program-present"
    dl = by_rule["tencent-installer-download"]
    assert dl["file"]["name"] == "WeChatLinux_x86_64.deb"
    assert dl["event"]["category"] == ["file"]
    assert "findings; checked 0 packages, 0 processes, 2 files" in err


def test_clean_tree_exits_zero():
    with tempfile.TemporaryDirectory() as d:
        shutil.copy("/usr/bin/true", os.path.join(d, "true"))
        code, alerts, err = scan("--rules", SHIPPED, "--path", d, "--skip", "packages",
                                 "--skip", "processes")
    assert code == 0 and alerts == [], err


def test_installed_package_is_a_finding():
    with Deb() as deb:
        subprocess.run(["dpkg", "-i", deb.path], check=True, capture_output=True)
        code, alerts, err = scan("--rules", deb.rules, "--skip", "processes", "--skip", "files")
    assert code == 1, err
    assert [a["package"]["name"] for a in alerts] == [NAME]
    assert alerts[0]["package"]["version"] == "1.2-3"


def test_usage_error_exits_two():
    r = embargo("scan", "--skip", "everything")
    assert r.returncode == 2 and b"--skip takes packages, processes or files" in r.stderr


def test_watch_reports_what_ran_before_it_started():
    with tempfile.TemporaryDirectory() as d:
        kesl = os.path.join(d, "kesl")
        shutil.copy("/usr/bin/sleep", kesl)
        before = subprocess.Popen([kesl, "30"])
        try:
            with Watch("--rules", SHIPPED) as w:
                e = w.wait_for(lambda e: e["event"]["kind"] == "alert" and
                               e["process"]["pid"] == before.pid)
        finally:
            before.kill()
            before.wait()
    assert e["event"]["action"] == "process-running"
    assert e["rule"]["id"] == "kaspersky-kesl-process"
    assert e["process"]["hash"]["sha256"]
