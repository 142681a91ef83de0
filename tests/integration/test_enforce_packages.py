# SPDX-License-Identifier: GPL-2.0-only
"""A banned Debian package under --enforce, with the real dpkg: its own programs die at exec
and each kill is an alert naming the package; a symlink it ships to a system program leaves
that program working; a copy of its program elsewhere, or its program run through ld.so, is
killed too; and it stays removable: its prerm runs its own tool, and the purge succeeds."""
import os
import shutil
import subprocess

from harness import Skip, Watch
from test_enforce import FIRSTACT, Lab

PKG = "embargo-test-pkgbanned"
TOOL = "/usr/local/bin/embargo-pkg-tool"
RULES = f"""\
vendor: Packages
rules:
  - id: pkg-banned
    name: Banned test package installed
    severity: high
    on: [package]
    action: block
    match:
      package.name: {PKG}
"""
LDSO = "/lib64/ld-linux-x86-64.so.2"
DYNAMIC = os.path.join(os.path.dirname(FIRSTACT), "marked")   # a dynamic program


def build_deb(lab, links=(), prerm=None, postinst=None, dynamic=False):
    """The package: TOOL (the static first-act program), optionally a dynamic tool next to
    it, symlinks (name -> target) and maintainer scripts."""
    root = os.path.join(lab.dir, "deb")
    bindir = os.path.join(root, "usr", "local", "bin")
    os.makedirs(os.path.join(root, "DEBIAN"))
    os.makedirs(bindir)
    shutil.copy(FIRSTACT, os.path.join(root, TOOL.lstrip("/")))
    if dynamic:
        shutil.copy(DYNAMIC, os.path.join(bindir, "embargo-pkg-dynamic"))
    for name, target in links:
        os.symlink(target, os.path.join(bindir, name))
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        f.write(f"Package: {PKG}\nVersion: 1.0\nArchitecture: amd64\n"
                "Maintainer: embargo tests <t@example.org>\nDescription: banned\n")
    for name, text in (("prerm", prerm), ("postinst", postinst)):
        if text:
            path = os.path.join(root, "DEBIAN", name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\nset -e\n" + text)
            os.chmod(path, 0o755)
    deb = os.path.join(lab.dir, "pkg.deb")
    subprocess.run(["dpkg-deb", "-b", root, deb], check=True, capture_output=True)
    return deb


def rules_file(lab):
    path = os.path.join(lab.dir, "p.yaml")
    with open(path, "w") as f:
        f.write(RULES)
    return path


def purge():
    return subprocess.run(["dpkg", "--purge", PKG], capture_output=True, text=True)


def pkg_alert(w):
    return w.wait_for(lambda e: e.get("rule", {}).get("id") == "pkg-banned" and
                      e.get("event", {}).get("category") == ["package"],
                      timeout=20, what="package alert")


def exec_alert(pid):
    return lambda e: e.get("process", {}).get("pid") == pid and \
        e.get("rule", {}).get("id") == "pkg-banned"


def test_its_programs_die_at_exec_and_each_kill_is_an_alert_naming_the_package():
    with Lab() as lab:
        deb = build_deb(lab)
        try:
            with Watch("--rules", rules_file(lab), "--enforce") as w:
                subprocess.run(["dpkg", "-i", deb], check=True, capture_output=True)
                listed = pkg_alert(w)
                pid, code, ran = lab.run(TOOL, "pkg-marker")
                kill = w.wait_for(exec_alert(pid), what="the kill's alert")
        finally:
            purge()
    assert listed["embargo"]["enforcement"] == {"mode": "on", "method": "kernel",
                                                "result": "listed", "programs": 1}
    assert code == -9 and not ran
    assert kill["embargo"]["enforcement"] == {"mode": "on", "method": "kernel",
                                              "result": "killed"}
    assert kill["event"]["type"] == ["denied"] and kill["package"]["name"] == PKG
    assert kill["process"]["executable"] == TOOL
    assert any(PKG in m and "SHA-256" in m for m in kill["embargo"]["match"])
    assert not os.path.exists(TOOL)


def test_a_symlink_it_ships_to_a_system_program_leaves_that_program_working():
    with Lab() as lab:
        deb = build_deb(lab, links=[("embargo-pkg-factor", "/usr/bin/factor"),
                                    ("embargo-pkg-sh", "/bin/sh")])
        try:
            with Watch("--rules", rules_file(lab), "--enforce") as w:
                subprocess.run(["dpkg", "-i", deb], check=True, capture_output=True)
                listed = pkg_alert(w)
                factor = subprocess.run(["/usr/bin/factor", "6"], capture_output=True,
                                        text=True)
                via_link = subprocess.run(["/usr/local/bin/embargo-pkg-factor", "6"],
                                          capture_output=True, text=True)
                sh = subprocess.run(["/bin/sh", "-c", "echo ok"], capture_output=True,
                                    text=True)
        finally:
            purge()
    assert listed["embargo"]["enforcement"]["programs"] == 1     # the tool, not the links
    assert factor.returncode == 0 and factor.stdout == "6: 2 3\n"
    assert via_link.returncode == 0 and via_link.stdout == "6: 2 3\n"
    assert sh.returncode == 0 and sh.stdout == "ok\n"


def test_a_copy_elsewhere_and_an_ld_so_run_are_killed_too():
    with Lab() as lab:
        deb = build_deb(lab, dynamic=True)
        try:
            with Watch("--rules", rules_file(lab), "--enforce") as w:
                subprocess.run(["dpkg", "-i", deb], check=True, capture_output=True)
                pkg_alert(w)
                copy = lab.program("innocent-name", open(TOOL, "rb").read())
                pid, code, _ = lab.run(copy, "copy-marker", "10")
                first = w.wait_for(exec_alert(pid), what="the copy's alert")
                pid2, code2, ran2 = lab.run(copy, "copy-again")
                again = w.wait_for(exec_alert(pid2), what="the copy's next exec")
                ld = subprocess.Popen([LDSO, "/usr/local/bin/embargo-pkg-dynamic", "wait"],
                                      stdin=subprocess.PIPE)
                via_ld = w.wait_for(exec_alert(ld.pid), what="the ld.so run's alert")
                ld_code = ld.wait(10)
        finally:
            purge()
    assert code == -9 and first["embargo"]["enforcement"]["method"] == "user-space"
    assert first["embargo"]["enforcement"]["result"] == "killed"
    assert first["package"]["name"] == PKG
    assert any("a copy of" in m for m in first["embargo"]["match"])
    # the copy went on the kernel's list: its next exec never runs
    assert code2 == -9 and not ran2 and again["embargo"]["enforcement"]["method"] == "kernel"
    assert ld_code == -9 and via_ld["embargo"]["enforcement"]["result"] == "killed"


def stays_removable(dpkg):
    """Install and purge with DPKG: its maintainer scripts run the banned tool, never killed;
    the tool run outside dpkg is."""
    marker_in = "/tmp/embargo-postinst-ran"
    marker_out = "/tmp/embargo-prerm-ran"
    with Lab() as lab:
        deb = build_deb(lab, postinst=f"{TOOL} {marker_in}\n", prerm=f"{TOOL} {marker_out}\n")
        for m in (marker_in, marker_out):
            if os.path.exists(m):
                os.unlink(m)
        try:
            with Watch("--rules", rules_file(lab), "--enforce") as w:
                installed = subprocess.run([dpkg(lab), "-i", deb], capture_output=True,
                                           text=True)
                pkg_alert(w)
                pid, code, ran = lab.run(TOOL, "user-run")     # outside dpkg: killed
                w.wait_for(exec_alert(pid))
                purged = subprocess.run([dpkg(lab), "--purge", PKG], capture_output=True,
                                        text=True)
                removed = w.wait_for(lambda e: e.get("event", {}).get("action") ==
                                     "package-removed" and
                                     e.get("package", {}).get("name") == PKG, timeout=20,
                                     what="removal alert")
            status = subprocess.run(["dpkg-query", "-W", PKG], capture_output=True)
        finally:
            purge()
            ran_in, ran_out = os.path.exists(marker_in), os.path.exists(marker_out)
            for m in (marker_in, marker_out):
                if os.path.exists(m):
                    os.unlink(m)
    assert installed.returncode == 0, installed.stderr
    assert code == -9 and not ran
    assert purged.returncode == 0, purged.stderr
    assert ran_in and ran_out            # the tool ran under dpkg: never killed there
    assert status.returncode != 0 and removed      # gone from dpkg's database


def test_it_stays_removable_its_maintainer_scripts_run_its_tool():
    stays_removable(lambda lab: "dpkg")


def test_a_renamed_dpkg_is_a_package_manager_by_its_inode():
    """dpkg hard-linked under another name: the kernel knows it by inode, so its maintainer
    scripts are its own session's (a name-only list would kill the postinst's tool)."""
    def linked(lab):
        path = os.path.join(lab.dir, "renamed-pm")
        if not os.path.exists(path):
            try:
                os.link("/usr/bin/dpkg", path)
            except OSError as exc:
                raise Skip(f"cannot hard-link /usr/bin/dpkg into {lab.dir}: {exc}")
        return path
    stays_removable(linked)


def test_a_reload_learns_its_programs_again():
    import signal
    with Lab() as lab:
        deb = build_deb(lab)
        try:
            with Watch("--rules", rules_file(lab), "--enforce") as w:
                subprocess.run(["dpkg", "-i", deb], check=True, capture_output=True)
                pkg_alert(w)
                w.proc.send_signal(signal.SIGHUP)
                w.wait_for(lambda e: e.get("event", {}).get("action") == "rules-reload",
                           what="reload record")
                pid, code, ran = lab.run(TOOL, "after-reload")
                kill = w.wait_for(exec_alert(pid), what="the kill's alert")
                alerts = [e for e in w.events if e.get("rule", {}).get("id") == "pkg-banned"
                          and e.get("event", {}).get("category") == ["package"]]
        finally:
            purge()
    assert code == -9 and not ran and kill["embargo"]["enforcement"]["method"] == "kernel"
    assert len(alerts) == 1             # learned again quietly: no second package alert
