# SPDX-License-Identifier: GPL-2.0-only
"""embargo scan (packages, processes, files at rest) and the scan watch runs at start.

Homes are scanned as a user would fill them: real unprivileged users made by the test
(useradd -m; userdel -r at the end), their files written by them (setpriv)."""
import json
import os
import shutil
import subprocess
import tempfile

import squashfs
from harness import EMBARGO, ROOT, Watch, embargo
from stallfs import INIT, StallFS
from test_packages import NAME, RULES, Deb
from test_quarantine import User

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
    assert r.returncode == 2 and b"--skip takes packages, processes, files or an absolute PATH" \
        in r.stderr
    for bad in (["--max-depth", "0"], ["--max-depth", "x"], ["--max-time", "-1"]):
        r = embargo("scan", *bad)
        assert r.returncode == 2 and bad[0].encode() in r.stderr, bad


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


# Wine prefixes hold Windows programs: the shipped rules name them by argv under wine, so a
# path rule of the test's own says what a vendor tree in a prefix is (the walk finds it).
WINE_RULES = """\
vendor: Test
rules:
  - id: test-wine-vendor-tree
    name: Vendor tree in a wine prefix
    severity: high
    on: [process]
    match:
      process.executable:
        - "*/drive_c/Program Files*/Tencent/*"
        - "*/drive_c/Program Files*/Kaspersky Lab/*"
"""
ELF = open("/usr/bin/true", "rb").read()


class HomeUser(User):
    """A fresh unprivileged user (test_quarantine.User) who fills their home."""

    def __init__(self, tag):
        super().__init__("s" + tag)

    def path(self, rel):
        return os.path.join(self.home, rel)

    def run(self, script, *args):
        r = subprocess.run(self.argv("sh", "-ec", script, "sh", *args), capture_output=True,
                           text=True, timeout=60, cwd=self.home)
        assert r.returncode == 0, r.stderr
        return r

    def put(self, rel, data=ELF, mode=0o755):
        """The user makes the file ~/rel (and its directories); its bytes are data."""
        full = self.path(rel)
        self.run(f'mkdir -p "$(dirname "$1")"; : > "$1"; chmod {mode:o} "$1"', full)
        with open(full, "r+b") as f:
            f.write(data)
        return full


def regular_files(top):
    """How many regular files are below top, symlinks not followed."""
    return sum(len([f for f in files if os.path.isfile(os.path.join(d, f)) and
                    not os.path.islink(os.path.join(d, f))])
               for d, _, files in os.walk(top))


def home_scan(*args, rules=(SHIPPED,)):
    argv = [a for r in rules for a in ("--rules", r)]
    return scan(*argv, "--skip", "packages", "--skip", "processes", *args)


def by_path(alerts):
    found = {}
    for a in alerts:
        path = a.get("file", {}).get("path") or a.get("process", {}).get("executable")
        found.setdefault(path, []).append(a)
    return found


PLANTED = {
    "Applications/WeChatLinux_x86_64.AppImage": 0o755,
    "Applications/QQ_3.2.9_240617_x86_64_01.AppImage": 0o755,
    "Downloads/kvrt.run": 0o755,
    "kesl/opt/kaspersky/kesl/bin/kesl": 0o755,     # an extracted .deb
    ".wine/drive_c/Program Files (x86)/Tencent/WeChat/WeChat.exe": 0o644,
    ".local/share/wineprefixes/office/drive_c/Program Files/Kaspersky Lab/"
    "Kaspersky Free 21.3/avp.exe": 0o644,
    ".deepinwine/Deepin-QQ/drive_c/Program Files/Tencent/QQ/Bin/QQ.exe": 0o644,
    ".local/share/flatpak/app/com.tencent.WeChat/x86_64/stable/"
    "4f1ad9c3e0b2/files/bin/wechat": 0o755,      # flatpak install --user
}


def test_every_home_is_scanned_and_each_finding_names_its_user():
    with tempfile.TemporaryDirectory() as d, HomeUser("a") as u:
        wine_rules = os.path.join(d, "wine.yaml")
        with open(wine_rules, "w") as f:
            f.write(WINE_RULES)
        planted = [u.put(rel, mode=mode) for rel, mode in PLANTED.items()]
        # saved under names that say nothing: known by what they say they are
        says = {u.put("Downloads/x.zip", appimage_bytes("wechat"), 0o644): "wechat",
                u.put("Downloads/y.zip", deb_bytes("linuxqq"), 0o644): "linuxqq"}
        # the whole machine's homes, install locations left out to keep the test short
        code, alerts, err = home_scan("--skip", "/opt", "--skip", "/usr/local",
                                      "--skip", "/root", "--max-time", "20",
                                      rules=(SHIPPED, wine_rules))
    assert code == 1, err
    found = by_path(alerts)
    for path in planted:
        assert path in found, (path, err)
        for a in found[path]:
            assert a["user"]["name"] == u.name and a["user"]["id"] == str(u.uid), a
    for path, name in says.items():
        assert [(a["rule"]["id"], a["package"]["name"]) for a in found.get(path, [])] == \
            [("tencent-installer-download", name)], (path, err)
    kvrt = {a["rule"]["id"]: a for a in found[u.path("Downloads/kvrt.run")]}
    assert kvrt["kaspersky-installer-download"]["event"]["action"] == "file-present", kvrt
    assert kvrt["kaspersky-kvrt-process"]["event"]["action"] == "program-present", kvrt
    assert kvrt["kaspersky-kvrt-process"]["process"]["user"]["name"] == u.name, kvrt
    assert not [p for p in found if p and p.startswith("/root/")], err
    assert " homes" in err and "0 homes" not in err, err


def deb_bytes(package):
    """A real .deb of package, as bytes (built by dpkg-deb)."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "pkg/DEBIAN"))
        with open(os.path.join(d, "pkg/DEBIAN/control"), "w") as f:
            f.write(f"Package: {package}\nVersion: 1.0\nArchitecture: amd64\n"
                    "Maintainer: T <t@example.org>\nDescription: benign\n")
        subprocess.run(["dpkg-deb", "--root-owner-group", "-b", os.path.join(d, "pkg"),
                        os.path.join(d, "x.deb")], check=True, capture_output=True)
        with open(os.path.join(d, "x.deb"), "rb") as f:
            return f.read()


def appimage_bytes(desktop_id):
    with tempfile.TemporaryDirectory() as d:
        path = squashfs.appimage(os.path.join(d, "x"), {f"{desktop_id}.desktop":
                                                        b"[Desktop Entry]\n"})
        with open(path, "rb") as f:
            return f.read()


# a desktop user's home with none of the banned software, and the near misses of issue 19
CLEAN_HOME = {
    "Applications/Krita-5.2.2-x86_64.AppImage": (ELF, 0o755),
    "Applications/WeChat-Notes.AppImage": (appimage_bytes("wechat-notes"), 0o755),
    "Downloads/notes.txt": (b"qq wechat kvrt kaspersky\n", 0o644),
    "Downloads/qq_notes_1.0_amd64.deb": (deb_bytes("qq-notes"), 0o644),
    "Downloads/zoom_amd64.deb": (deb_bytes("zoom"), 0o644),
    "Downloads/com.qq.QQMusic.flatpakref": (
        b"[Flatpak Ref]\nName=com.qq.QQMusic\nBranch=stable\n", 0o644),
    "Downloads/firefox-128.0.tar.bz2": (b"BZh91AY&SY", 0o644),
    "Documents/WeChat export 2024.txt": (b"chat log\n", 0o644),
    "bin/qqmail-helper": (b"#!/bin/sh\necho mail\n", 0o755),
    ".config/autostart/org.gnome.Evolution-alarm-notify.desktop": (
        b"[Desktop Entry]\nExec=/usr/libexec/evolution-data-server/evolution-alarm-notify\n",
        0o644),
    ".local/share/applications/wechat-notes.desktop": (
        b"[Desktop Entry]\nExec=/home/x/Applications/WeChat-Notes.AppImage\n", 0o644),
    ".mozilla/firefox/abc.default-release/prefs.js": (b"user_pref();\n", 0o644),
    ".wine/drive_c/Program Files/Notepad++/notepad++.exe": (b"MZ", 0o644),
    ".wine/drive_c/Program Files/Mozilla Firefox/firefox.exe": (b"MZ", 0o644),
    ".local/share/flatpak/app/org.kde.krita/x86_64/stable/ab12/files/bin/krita": (ELF, 0o755),
}


def test_a_home_with_none_of_them_is_clean():
    with HomeUser("c") as u:
        for rel, (data, mode) in CLEAN_HOME.items():
            u.put(rel, data, mode)
        code, alerts, err = home_scan("--path", u.home)
        files = regular_files(u.home)
    assert code == 0 and alerts == [], err
    assert f" {files} files, 1 homes" in err, err


def test_symlinks_in_a_home_are_not_followed():
    with HomeUser("l") as a, HomeUser("v") as b, tempfile.TemporaryDirectory() as d:
        outside = os.path.join(d, "kvrt.run")      # root's, outside every home and root
        with open(outside, "wb") as f:
            f.write(ELF)
        os.chmod(outside, 0o755)
        victim = b.put("Downloads/kvrt.run")
        a.run(f"mkdir Downloads; ln -s /etc etc; ln -s /etc Downloads/etc; "
              f"ln -s {outside} Downloads/kvrt.run; ln -s {victim} Downloads/b-kvrt.run; "
              f"ln -s {b.home}/Downloads Desktop; ln -s /etc Applications")
        code, alerts, err = home_scan("--path", a.home)
        assert code == 0 and alerts == [], err
        assert f" {regular_files(a.home)} files, 1 homes" in err, err  # /etc never walked
        # both homes: b's file is b's, found once, never under a's name
        code, alerts, err = home_scan("--path", a.home, "--path", b.home)
    assert code == 1, err
    assert sorted({x["file"]["path"] if "file" in x else x["process"]["executable"]
                   for x in alerts}) == [victim], alerts
    assert {x["user"]["name"] for x in alerts} == {b.name}, alerts
    assert len([x for x in alerts if x["event"]["action"] == "file-present"]) == 1, alerts


def test_depth_bound():
    with HomeUser("d") as u:
        deep = u.put("a/b/c/d/e/f/kvrt.run")        # 7 directories below the home
        code, alerts, err = home_scan("--path", u.home)
        assert code == 0 and alerts == [], err
        assert "below the depth bound (6) not entered" in err, err
        code, alerts, err = home_scan("--path", u.home, "--max-depth", "7")
    assert code == 1 and deep in by_path(alerts), err


def test_time_bound_leaves_the_rest_but_not_the_download_places():
    with HomeUser("t") as u:
        kvrt = u.put("Downloads/kvrt.run")
        u.run("mkdir junk; cd junk; seq 1 30000 | xargs touch")
        code, alerts, err = home_scan("--path", u.home, "--max-time", "0.05")
    assert code == 1 and kvrt in by_path(alerts), err
    assert "stopped at the time bound (50 ms)" in err and "1 cut short at --max-time" in err, \
        err
    checked = int(err.split(" files,")[0].rsplit(" ", 1)[1])
    assert 1 <= checked < 30001, err


def test_skip_leaves_trees_out():
    with HomeUser("k") as u:
        kvrt = u.put("Downloads/kvrt.run")
        u.put("VMs/kesl/opt/kaspersky/kesl/bin/kesl")
        code, alerts, err = home_scan("--path", u.home, "--skip", u.path("VMs"))
        assert code == 1 and set(by_path(alerts)) == {kvrt}, err
        code, alerts, err = home_scan("--path", u.home, "--skip", "/home/*/Downloads",
                                      "--skip", u.path("VMs/kesl"))
    assert code == 0 and alerts == [], err


def test_other_filesystems_in_a_home_are_left_unless_asked_and_fuse_never_entered():
    with HomeUser("m") as u:
        mnt = u.path("usb")
        u.run("mkdir usb")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "embargo-scan", mnt],
                       check=True)
        try:
            with open(os.path.join(mnt, "kvrt.run"), "wb") as f:
                f.write(ELF)
            code, alerts, err = home_scan("--path", u.home)
            assert code == 0 and alerts == [], err
            assert "1 other filesystems mounted in it not entered" in err, err
            code, alerts, err = home_scan("--path", u.home, "--cross-mounts")
            assert code == 1 and os.path.join(mnt, "kvrt.run") in by_path(alerts), err
        finally:
            subprocess.run(["umount", "-l", mnt])
        # a FUSE server in the home that never answers anything: not even asked
        u.run("mkdir fuse")
        fs = Unanswering({"kvrt.run": 4096})
        os.rmdir(fs.dir)
        fs.dir = u.path("fuse")
        with fs:
            r = subprocess.run([EMBARGO, "scan", "--format", "json", "--rules", SHIPPED,
                                "--skip", "packages", "--skip", "processes", "--path",
                                u.home, "--cross-mounts"], capture_output=True, timeout=30)
            # nor when an administrator names it
            code, alerts, err = home_scan("--path", fs.dir + "/")
            asked = fs.asked
    assert r.returncode == 0 and r.stdout == b"", r.stderr
    assert code == 0 and "is on FUSE or a network filesystem, not walked" in err, err
    assert asked == 0, f"the FUSE server was asked {asked} questions"


class Unanswering(StallFS):
    """A FUSE server that answers INIT and nothing else: any question to it would hang."""

    asked = 0

    def _answer(self, opcode, unique, node, body):
        if opcode == INIT:
            return super()._answer(opcode, unique, node, body)
        self.asked += 1
        self.held.append(unique)
        return None
