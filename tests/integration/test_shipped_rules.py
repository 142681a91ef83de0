# SPDX-License-Identifier: GPL-2.0-only
"""Every shipped rule, one case at a time: what a user does that it must alert on, and the
near miss (an admin's tool naming the same file, a look-alike name) that it must not.

Each case is run by `embargo rules test` as a rule author would: the file is real, and
--as/--arg/--cwd/--app/--file/--package say how it was run, written or installed. A rule
that lacks a positive or a near-miss negative case fails the coverage test."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import squashfs
from harness import EMBARGO, ROOT, embargo

PRINTF = "/usr/bin/printf"
HOME = "/home/ada"
WINE = "/usr/lib/wine/wine64-preloader"
FLATPAK = "/usr/bin/flatpak"
QQ_APPIMAGE = "QQ_3.2.9_240617_amd64_01.AppImage"


def case(rule, positive, what, file=None, *opts, kind="exec"):
    """file: a name made in the lab (a copy of printf, or a script for *.run), an absolute
    program path of this system, or None with --package; opts: rules test's options."""
    return {"rule": rule, "positive": positive, "what": what, "file": file,
            "opts": list(opts), "kind": kind}


def pos(rule, what, file=None, *opts, kind="exec"):
    return case(rule, True, what, file, *opts, kind=kind)


def neg(rule, what, file=None, *opts, kind="exec"):
    return case(rule, False, what, file, *opts, kind=kind)


def download(rule, positive, name):
    return case(rule, positive, f"a browser saves {name}", name, "--file", kind="file")


def content(rule, positive, name, says):
    """A download named name whose content says what it is: says is "deb:PACKAGE" (a real
    .deb built by dpkg-deb), "ref:APP_ID" (a .flatpakref) or "appimage:DESKTOP_ID" (an
    AppImage with DESKTOP_ID.desktop at its root, squashfs.py)."""
    c = case(rule, positive, f"a browser saves {name}, which is {says}", name, "--file",
             kind="file")
    c["says"] = says
    return c


def package(rule, positive, name):
    return case(rule, positive, f"package {name} installed", None, "--package", name,
                kind="package")


def as_(path, *args):
    """The lab's program as if run from path, with args."""
    opts = ["--as", path]
    for a in args:
        opts += ["--arg", a]
    return ("prog", *opts)


def argv(program, *args, cwd=None):
    """A program of this system run with args (a shell, rm, grep...)."""
    opts = []
    for a in args:
        opts += ["--arg", a]
    if cwd:
        opts += ["--cwd", cwd]
    return (program, *opts)


CASES = [
    # Kaspersky
    pos("kaspersky-kesl-process", "kesl-control run from a folder", "kesl-control"),
    pos("kaspersky-kesl-process", "the KESL daemon", *as_("/opt/kaspersky/kesl/libexec/kesl")),
    neg("kaspersky-kesl-process", "a look-alike name", "kesl-controller"),
    neg("kaspersky-kesl-process", "a look-alike tree", *as_("/opt/kaspersky-fans/kesl/bin/tool")),
    pos("kaspersky-klnagent-process", "the network agent", *as_("/opt/kaspersky/klnagent64/sbin/klnagent")),
    pos("kaspersky-klnagent-process", "klnagchk from a folder", "klnagchk"),
    neg("kaspersky-klnagent-process", "a look-alike name", "klnagent-status"),
    pos("kaspersky-ksc-server-process", "the KSC server", *as_("/opt/kaspersky/ksc64/sbin/klsrvconfig")),
    pos("kaspersky-ksc-server-process", "klserver from a folder", "klserver"),
    neg("kaspersky-ksc-server-process", "a look-alike name", "klservers"),
    pos("kaspersky-kvrt-process", "./kvrt.run", "kvrt.run"),
    pos("kaspersky-kvrt-process", "sh kvrt.run in its folder (no slash)",
        *argv("/bin/sh", "kvrt.run", cwd=f"{HOME}/Downloads")),
    pos("kaspersky-kvrt-process", "bash on a browser's duplicate", *argv("/bin/bash", f"{HOME}/Downloads/kvrt (1).run")),
    pos("kaspersky-kvrt-process", "the browser's duplicate run directly", "kvrt (1).run"),
    pos("kaspersky-kvrt-process", "the AUR wrapper", *as_("/usr/bin/kvrt")),
    neg("kaspersky-kvrt-process", "rm on the download", *argv("/usr/bin/rm", f"{HOME}/Downloads/kvrt.run")),
    neg("kaspersky-kvrt-process", "sha256sum on the download", *argv("/usr/bin/sha256sum", f"{HOME}/Downloads/kvrt.run")),
    neg("kaspersky-kvrt-process", "embargo inspect on the download", *argv(EMBARGO, "inspect", f"{HOME}/Downloads/kvrt.run")),
    neg("kaspersky-kvrt-process", "a shell on a look-alike", *argv("/bin/sh", "kvrt.run.sha256")),
    pos("kaspersky-consumer-unpacker", "./kaspl.run", "kaspl.run"),
    pos("kaspersky-consumer-unpacker", "sh kaspl.run in its folder", *argv("/bin/sh", "kaspl.run", cwd=f"{HOME}/Downloads")),
    pos("kaspersky-consumer-unpacker", "a program of its tree", *as_("/var/opt/kaspersky/Kaspersky 24.0/bin/kav")),
    neg("kaspersky-consumer-unpacker", "cp of the download", *argv("/usr/bin/cp", f"{HOME}/Downloads/kaspl.run", "/tmp")),
    neg("kaspersky-consumer-unpacker", "a shell on a look-alike", *argv("/bin/sh", "kaspl.run.txt")),
    pos("kaspersky-server-products-process", "KWTS control", *as_("/opt/kaspersky/kwts/bin/kwts-control")),
    pos("kaspersky-server-products-process", "kavicapd from a folder", "kavicapd"),
    neg("kaspersky-server-products-process", "a look-alike name", "kavicapd2"),
    pos("kaspersky-any-program", "a product no other rule names", *as_("/opt/kaspersky/newproduct/bin/tool")),
    pos("kaspersky-any-program", "a program under /etc/opt/kaspersky", *as_("/etc/opt/kaspersky/hook")),
    neg("kaspersky-any-program", "a look-alike tree", *as_("/opt/kaspersky-fans/bin/tool")),
    pos("kaspersky-os-sdk", "the SDK's compiler", *as_("/opt/KasperskyOS-Community-Edition-1.2.0.45/toolchain/bin/gcc")),
    neg("kaspersky-os-sdk", "a look-alike tree", *as_("/opt/KasperskyOS-Community/bin/gcc")),
    package("kaspersky-package", True, "kesl"),
    package("kaspersky-package", True, "kesl-astra"),
    package("kaspersky-package", False, "kessel"),
    download("kaspersky-installer-download", True, "kesl_12.1.0-1432_amd64.deb"),
    download("kaspersky-installer-download", True, "kesl-astra_12.1.0-1432_amd64.deb"),
    download("kaspersky-installer-download", True, "kvrt (1).run"),
    download("kaspersky-installer-download", True, "kaspl.run"),
    download("kaspersky-installer-download", False, "kesl_notes_1.0_all.deb"),
    download("kaspersky-installer-download", False, "kvrt.run.txt"),
    content("kaspersky-installer-download", True, "setup.deb", "deb:kesl"),
    content("kaspersky-installer-download", False, "notes.deb", "deb:kesl-notes"),
    # Tencent
    pos("tencent-wechat-native", "/opt/wechat/wechat", *as_("/opt/wechat/wechat")),
    pos("tencent-wechat-native", "a helper", *as_("/opt/wechat/crashpad_handler")),
    pos("tencent-wechat-native", "~/bin/WeChat", *as_(f"{HOME}/bin/WeChat")),
    pos("tencent-wechat-native", "/opt/WeChat", *as_("/opt/WeChat")),
    pos("tencent-wechat-native", "UOS WeChat unpacked in a home",
        *as_(f"{HOME}/apps/opt/apps/com.tencent.weixin/files/weixin")),
    neg("tencent-wechat-native", "a look-alike name", "wechat.sh"),
    neg("tencent-wechat-native", "a look-alike tree", *as_("/opt/wechat-tools/bin/export")),
    pos("tencent-wechat-appimage", "the AppImage run from Downloads", "WeChatLinux_x86_64.AppImage"),
    pos("tencent-wechat-appimage", "a program in its mount",
        *as_("/tmp/.mount_WeChatAbCdEf/opt/wechat/wxplayer"),
        "--app", f"appimage:{HOME}/Downloads/WeChatLinux_x86_64.AppImage"),
    neg("tencent-wechat-appimage", "WeChat-Notes.AppImage run", "WeChat-Notes.AppImage"),
    neg("tencent-wechat-appimage", "a program in WeChat-Notes' mount (/tmp/.mount_WeChat...)",
        *as_("/tmp/.mount_WeChatXyZ123/usr/bin/notes"),
        "--app", f"appimage:{HOME}/WeChat-Notes.AppImage"),
    pos("tencent-wechat-flatpak", "flatpak run", *as_(FLATPAK, "run", "com.tencent.WeChat")),
    pos("tencent-wechat-flatpak", "flatpak run of a branch", *as_(FLATPAK, "run", "com.tencent.WeChat//stable")),
    pos("tencent-wechat-flatpak", "a program in its scope", *as_("/app/bin/launch.sh"),
        "--app", "flatpak:com.tencent.WeChat"),
    pos("tencent-wechat-flatpak", "bwrap binding its tree",
        *as_("/usr/bin/bwrap", "--ro-bind",
             "/var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable/abc/files", "/app")),
    pos("tencent-wechat-flatpak", "a program of its user install tree",
        *as_(f"{HOME}/.local/share/flatpak/app/com.tencent.WeChat/x86_64/stable/active/files/bin/x")),
    neg("tencent-wechat-flatpak", "an admin's flatpak uninstall", *as_(FLATPAK, "uninstall", "com.tencent.WeChat")),
    neg("tencent-wechat-flatpak", "ls on the tree", *argv("/usr/bin/ls", "/var/lib/flatpak/app/com.tencent.WeChat/")),
    neg("tencent-wechat-flatpak", "rm -rf of the user tree",
        *argv("/usr/bin/rm", "-rf", f"{HOME}/.local/share/flatpak/app/com.tencent.WeChat/x86_64")),
    neg("tencent-wechat-flatpak", "grep in the tree",
        *argv("/usr/bin/grep", "-r", "x", "/var/lib/flatpak/app/com.tencent.WeChat/")),
    pos("tencent-wechat-wine", "WeChat.exe under wine",
        *as_(WINE, "C:\\Program Files\\Tencent\\WeChat\\WeChat.exe")),
    pos("tencent-wechat-wine", "the deepin-wine packaging", *as_("/opt/apps/com.qq.weixin.deepin/files/run.sh")),
    neg("tencent-wechat-wine", "grep WeChat.exe", *argv("/usr/bin/grep", "-r", "WeChat.exe", HOME)),
    neg("tencent-wechat-wine", "wine running notepad", *as_(WINE, "C:\\windows\\notepad.exe")),
    pos("tencent-wecom-wine", "WXWork.exe under wine",
        *as_(WINE, "C:\\Program Files (x86)\\WXWork\\WXWork.exe")),
    pos("tencent-wecom-wine", "the deepin-wine packaging", *as_("/opt/apps/com.qq.weixin.work.deepin/files/run.sh")),
    neg("tencent-wecom-wine", "find -name WXWork.exe", *argv("/usr/bin/find", HOME, "-name", "WXWork.exe")),
    pos("tencent-qq", "/opt/QQ/qq", *as_("/opt/QQ/qq")),
    pos("tencent-qq", "QQ unpacked in a home", *as_(f"{HOME}/apps/opt/QQ/qq")),
    pos("tencent-qq", "the QQ AppImage run from Downloads", QQ_APPIMAGE),
    pos("tencent-qq", "a program in the QQ AppImage's mount", *as_("/tmp/.mount_QQ_3.2AbCdEf/qq"),
        "--app", f"appimage:{HOME}/Downloads/{QQ_APPIMAGE}"),
    pos("tencent-qq", "flatpak run com.qq.QQ//stable (no scope)", *as_(FLATPAK, "run", "com.qq.QQ//stable")),
    pos("tencent-qq", "a program in its scope", *as_("/app/bin/launch.sh"), "--app", "flatpak:com.qq.QQ"),
    pos("tencent-qq", "QQ.exe under wine", *as_(WINE, "C:\\Program Files\\Tencent\\QQ\\Bin\\QQ.exe")),
    neg("tencent-qq", "a note app qq_notes", "qq_notes_1.0.AppImage"),
    neg("tencent-qq", "an admin's flatpak uninstall", *as_(FLATPAK, "uninstall", "com.qq.QQ")),
    neg("tencent-qq", "flatpak run of another qq app", *as_(FLATPAK, "run", "com.qq.QQMusic")),
    neg("tencent-qq", "grep QQ.exe", *argv("/usr/bin/grep", "-r", "C:\\QQ\\Bin\\QQ.exe", HOME)),
    package("tencent-package", True, "wechat-universal-bwrap"),
    package("tencent-package", True, "linuxqq"),
    package("tencent-package", True, "com.tencent.WeChat"),
    package("tencent-package", False, "python3-wechatpy"),
    download("tencent-installer-download", True, "QQ_3.2.9_240617_amd64_01.deb"),
    download("tencent-installer-download", True, "WeChatLinux_x86_64.deb"),
    download("tencent-installer-download", True, "linuxqq_3.0.0-571_amd64.deb"),
    download("tencent-installer-download", True, "com.tencent.WeChat.flatpakref"),
    download("tencent-installer-download", True, "com.qq.QQ (1).flatpakref"),
    download("tencent-installer-download", False, "qq_notes_1.0_amd64.deb"),
    download("tencent-installer-download", False, "com.qq.QQMusic.flatpakref"),
    content("tencent-installer-download", True, "wechat.deb", "deb:wechat"),
    content("tencent-installer-download", True, "x.zip", "deb:linuxqq"),
    content("tencent-installer-download", True, "install.flatpakref", "ref:com.qq.QQ"),
    content("tencent-installer-download", False, "x.zip", "deb:wechat-notes"),
    content("tencent-installer-download", False, "install.flatpakref", "ref:com.qq.QQMusic"),
    content("tencent-installer-download", True, "x.bin.zip", "appimage:wechat"),
    content("tencent-installer-download", False, "x.bin.zip", "appimage:wechat-notes"),
    pos("tencent-meeting", "the Meeting client", *as_("/opt/wemeet/bin/wemeetapp")),
    pos("tencent-meeting", "its flatpak run", *as_(FLATPAK, "run", "com.tencent.wemeet")),
    neg("tencent-meeting", "an admin's flatpak uninstall", *as_(FLATPAK, "uninstall", "com.tencent.wemeet")),
    pos("tencent-cloud-agent", "YDService from a folder", "YDService"),
    pos("tencent-cloud-agent", "a program of the agent's tree", *as_("/usr/local/qcloud/YunJing/YDEyes/YDEyes")),
    neg("tencent-cloud-agent", "a look-alike name", "YDServices"),
]


class Lab:
    """The shipped rules with every rule switched on, and a folder for the files tested."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="embargo-shipped-")
        self.rules = os.path.join(self.dir, "rules")
        os.mkdir(self.rules)
        for name in os.listdir(os.path.join(ROOT, "rules")):
            with open(os.path.join(ROOT, "rules", name)) as f:
                text = re.sub(r"(?m)^(\s*)enabled: false$", r"\1enabled: true", f.read())
            with open(os.path.join(self.rules, name), "w") as f:
                f.write(text)

    def make(self, name, says=None):
        """A file named name in the lab: what says says it is, a shell script for *.run,
        else a copy of printf."""
        path = os.path.join(self.dir, "files", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if says:
            self.write_content(path, *says.split(":", 1))
        elif name.endswith(".run"):
            with open(path, "w") as f:
                f.write("#!/bin/sh\necho unpacking\n")
            os.chmod(path, 0o755)
        else:
            shutil.copy(PRINTF, path)
        return path

    def write_content(self, path, kind, name):
        if kind == "appimage":
            squashfs.appimage(path, {f"{name}.desktop": b"[Desktop Entry]\n",
                                     "AppRun": b"#!/bin/sh\n"})
            return
        if kind == "ref":
            with open(path, "w") as f:
                f.write(f"[Flatpak Ref]\nTitle=App\nName={name}\nBranch=stable\n"
                        "Url=https://dl.flathub.org/repo/\nIsRuntime=false\n")
            return
        root = os.path.join(self.dir, "deb", name)
        os.makedirs(os.path.join(root, "DEBIAN"), exist_ok=True)
        with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
            f.write(f"Package: {name}\nVersion: 1.0\nArchitecture: amd64\n"
                    "Maintainer: Test <t@example.org>\nDescription: a test\n")
        # dpkg-deb's defaults (control.tar.xz), as most .debs are built
        subprocess.run(["dpkg-deb", "--root-owner-group", "--build", root, path],
                       check=True, capture_output=True)

    def alerts(self, c):
        args = ["rules", "test", "--rules", self.rules, "--format", "json", *c["opts"]]
        if c["file"]:
            args.append(c["file"] if c["file"].startswith("/") else
                        self.make(c["file"], c.get("says")))
        r = embargo(*args)
        assert r.returncode in (0, 1), (c, r.stderr.decode())
        return [json.loads(line) for line in r.stdout.splitlines()]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)


def test_every_shipped_rule_has_a_positive_and_a_near_miss():
    with Lab() as lab:
        listing = embargo("rules", "list", "--rules", lab.rules, "--format", "json")
    ids = {json.loads(line)["rule"]["id"] for line in listing.stdout.splitlines()}
    assert ids, listing.stderr.decode()
    have = {(c["rule"], c["positive"]) for c in CASES}
    missing = sorted(f"{i} lacks a {'positive' if p else 'near-miss negative'} case"
                     for i in ids for p in (True, False) if (i, p) not in have)
    assert not missing, missing
    unknown = sorted({c["rule"] for c in CASES} - ids)
    assert not unknown, f"cases for rules that are not shipped: {unknown}"


def test_shipped_rules_cases():
    failed = []
    with Lab() as lab:
        for c in CASES:
            found = lab.alerts(c)
            got = [a["rule"]["id"] for a in found]
            if c["positive"] and c.get("says") and found:
                assert found[0]["package"]["name"] == c["says"].split(":", 1)[1], found[0]
            if c["positive"] and c["rule"] not in got:
                failed.append(f"{c['rule']}: {c['what']}: no alert (got {got})")
            if not c["positive"] and got:
                failed.append(f"{c['rule']}: {c['what']}: a near miss raised {got}")
    assert not failed, "\n".join(failed)
    print(f"    {len(CASES)} cases over the shipped rules: each positive alerts, no near miss does")
