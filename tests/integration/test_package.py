# SPDX-License-Identifier: GPL-2.0-only
"""The Debian package: built with dpkg-buildpackage from a copy of the tree, checked by
lintian, installed with dpkg, its service started the way its unit says, an alert seen in
the service's log, then purged: nothing of it may be left on the machine.

This machine has no systemd as PID 1, so the unit is started by this test as systemd would
(its directories, ExecStartPre with full privileges, ExecStart with only the unit's
capability bounding set and NoNewPrivileges, NOTIFY_SOCKET for Type=notify); the unit file
itself is checked by `systemd-analyze verify` and scored by `systemd-analyze security`."""
import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

from harness import ROOT, Skip, run

UNIT = "/lib/systemd/system/embargo.service"
WATCHED = ["/etc", "/usr/sbin", "/usr/share/embargo", "/usr/share/man", "/usr/share/doc",
           "/lib/systemd/system", "/var/lib/embargo", "/var/log/embargo", "/run/embargo",
           "/var/lib/dpkg/info"]
MAX_EXPOSURE = 3.5   # systemd-analyze security: 3.1 when written (docs/operations.md)


def embargo_files():
    """Every path on the machine that the package or its service could leave behind."""
    found = set()
    for top in WATCHED:
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if "embargo" in path:
                    found.add(path)
    return found


def build_package(tmp):
    src = os.path.join(tmp, "embargo-0.9.0")
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard"],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for rel in filter(None, files):
        if not os.path.isfile(os.path.join(ROOT, rel)):
            continue          # deleted in the work tree
        os.makedirs(os.path.join(src, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(src, rel))
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b", "-j2"], cwd=src,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    debs = glob.glob(os.path.join(tmp, "embargo_*.deb"))
    assert len(debs) == 1, os.listdir(tmp)
    return debs[0]


def unit_lines(key):
    with open(UNIT) as f:
        return [l.split("=", 1)[1].strip() for l in f if l.startswith(key + "=")]


def start_like_systemd(notify_path):
    """The service as its unit describes it, without a systemd to start it."""
    for d in ("/run/embargo", "/var/lib/embargo", "/var/log/embargo"):   # *Directory=
        os.makedirs(d, mode=0o700, exist_ok=True)
    for pre in unit_lines("ExecStartPre"):
        assert pre.startswith("+")          # full privileges, before the sandbox
        subprocess.run(shlex.split(pre[1:]), check=True)
    caps = unit_lines("CapabilityBoundingSet")[0].lower().replace("cap_", "").split()
    argv = ["setpriv", "--bounding-set=-all," + ",".join("+" + c for c in caps),
            "--inh-caps=-all", "--no-new-privs"] + shlex.split(unit_lines("ExecStart")[0])
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def alerts_in_log(rule_id, pid):
    try:
        with open("/var/log/embargo/embargo.json") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    events = [json.loads(l) for l in lines if l.strip()]
    return [e for e in events if e.get("rule", {}).get("id") == rule_id and
            e.get("process", {}).get("pid") == pid]


def check_installed_service(tmp):
    notify = os.path.join(tmp, "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(notify)
    s.settimeout(60)
    proc = start_like_systemd(notify)
    try:
        assert s.recv(4096).decode().startswith("READY=1"), "no READY=1 from the service"
        kesl = os.path.join(tmp, "kesl")      # a name the shipped Kaspersky rules ban
        shutil.copy("/usr/bin/true", kesl)
        pid = run([kesl])
        deadline = time.monotonic() + 10
        while not alerts_in_log("kaspersky-kesl-process", pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alerts_in_log("kaspersky-kesl-process", pid), "no alert in the service's log"
        st = subprocess.run(["/usr/sbin/embargo", "status", "--format", "json"],
                            capture_output=True, text=True, timeout=30)
        assert st.returncode == 0, st.stderr
        assert json.loads(st.stdout)["rules"]["count"] >= 20
    finally:
        proc.terminate()
        code = proc.wait(30)
        s.close()
    assert code == 0, proc.stderr.read()


def test_deb_builds_installs_runs_and_purges_clean():
    if not shutil.which("dpkg-buildpackage") or not shutil.which("dh"):
        raise Skip("dpkg-dev and debhelper are not installed (make deps installs them)")
    if subprocess.run(["dpkg-query", "-W", "embargo"], capture_output=True).returncode == 0:
        raise Skip("an embargo package is installed here already: not touching it")
    tmp = tempfile.mkdtemp(prefix="embargo-deb-")
    before = embargo_files()
    try:
        deb = build_package(tmp)
        contents = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True,
                                  check=True).stdout
        for path in ("./usr/sbin/embargo", "./lib/systemd/system/embargo.service",
                     "./usr/share/embargo/rules/kaspersky.yaml", "./etc/embargo/embargo.conf",
                     "./usr/share/man/man8/embargo.8.gz", "./usr/share/man/man5/embargo-rules.5.gz",
                     "./etc/logrotate.d/embargo", "./etc/embargo/rules.d/"):
            assert path in contents, path
        if shutil.which("lintian"):
            lint = subprocess.run(["lintian", "--no-tag-display-limit", deb],
                                  capture_output=True, text=True, timeout=600)
            errors = [l for l in lint.stdout.splitlines() if l.startswith("E:")]
            print("    lintian: %d errors, %d warnings" % (
                len(errors), sum(l.startswith("W:") for l in lint.stdout.splitlines())))
            for line in lint.stdout.splitlines():
                print("      " + line)
            assert not errors, lint.stdout

        subprocess.run(["dpkg", "-i", deb], check=True, capture_output=True, timeout=300)
        # postinst enabled the service (systemd is not running here to start it)
        assert os.path.islink("/etc/systemd/system/multi-user.target.wants/embargo.service")
        assert subprocess.run(["man", "-w", "embargo"], capture_output=True).returncode == 0
        verify = subprocess.run(["systemd-analyze", "verify", UNIT], capture_output=True,
                                text=True)
        assert verify.returncode == 0, verify.stderr
        sec = subprocess.run(["systemd-analyze", "security", "--offline=yes", UNIT],
                             capture_output=True, text=True).stdout
        score = float(re.search(r"Overall exposure level for embargo.service: ([\d.]+)",
                                sec).group(1))
        print("    systemd-analyze security: %.1f" % score)
        assert score <= MAX_EXPOSURE, sec
        check_installed_service(tmp)

        subprocess.run(["dpkg", "--purge", "embargo"], check=True, capture_output=True,
                       timeout=300)
        left = embargo_files() - before
        assert not left, sorted(left)
    finally:
        if subprocess.run(["dpkg-query", "-W", "embargo"], capture_output=True).returncode == 0:
            subprocess.run(["dpkg", "--purge", "embargo"], capture_output=True)
        shutil.rmtree(tmp)
