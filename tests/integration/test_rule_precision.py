# SPDX-License-Identifier: GPL-2.0-only
"""The shipped rules under watch, as people use a desktop (issue 19, false alarms):

- a real unprivileged user hashes, greps, copies and removes ~/Downloads/kvrt.run, greps for
  WeChat.exe and lists and removes a WeChat flatpak tree in their home, and an admin runs
  `embargo inspect` on the download: no alert; then the user runs `sh kvrt.run` from the
  folder (argv has no slash) and that alone is alerted;
- an AppImage's FUSE mount, made as the AppImage runtime makes it (/tmp/.mount_ and the
  image's first letters, the image's name as the FUSE subtype): a program of
  WeChat-Notes.AppImage's mount is named by that image and raises nothing, one of
  WeChatLinux_x86_64.AppImage's mount is alerted;
- a user downloads WeChat's .deb (built here by dpkg-deb, Package: wechat) as x.zip, the way
  a browser does (x.zip.crdownload renamed): alerted by what the file says it is, with
  package.name; a note app's .deb (Package: wechat-notes) saved as wechat-notes.deb is not;
- the same for AppImages (built by squashfs.py, each image first mounted by the kernel's own
  squashfs to show it is one): WeChat's (wechat.desktop at its root) saved as x.zip is
  alerted as package type appimage; a note app's (wechat-notes.desktop) is not."""
import os
import struct
import subprocess
import tempfile
import time

import squashfs
from harness import EMBARGO, ROOT, Skip, User, Watch, run
from stallfs import READ, StallFS

RULES = os.path.join(ROOT, "rules")
SLEEP = "/usr/bin/sleep"
READ_IN = struct.Struct("<QQI")               # fuse_read_in: fh, offset, size


def alerts(w, pids=(), uid=None):
    """Alerts for these pids or this user's processes (other tests may run meanwhile)."""
    return [e for e in w.events if e.get("event", {}).get("kind") == "alert" and
            (e.get("process", {}).get("pid") in pids or
             (uid is not None and e.get("process", {}).get("real_user", {}).get("id") == str(uid)))]


def test_admin_and_user_tools_on_vendor_files_raise_nothing_running_them_does():
    with User() as user:
        downloads = user.mkdir(os.path.join(user.home, "Downloads"))
        # downloaded before: saving it is an alert of its own (kaspersky-installer-download)
        assert user.run(f"printf '#!/bin/sh\\nexit 0\\n' > {downloads}/kvrt.run").returncode == 0
        with Watch("--rules", RULES) as w:
            tools_then_run(user, downloads, w)


def tools_then_run(user, downloads, w):
    tree = f"{user.home}/.local/share/flatpak/app/com.tencent.WeChat"
    quiet = user.run(
        f"cd {downloads} && chmod +x kvrt.run"
        f" && sha256sum kvrt.run && grep -c exit kvrt.run && cp kvrt.run kvrt.bak"
        f" && rm kvrt.bak && sha256sum {downloads}/kvrt.run"
        f" && grep -r WeChat.exe {user.home} ; mkdir -p {tree}/x86_64/stable"
        f" && ls {tree}/ && grep -r x {tree}/ ; rm -rf {tree}")
    assert quiet.returncode == 0, quiet.stderr
    admin = run([EMBARGO, "inspect", os.path.join(downloads, "kvrt.run")])
    shell = run(user.argv("sh", "-c", f"cd {downloads} && exec sh kvrt.run"))
    e = w.wait_for(lambda e: e.get("rule", {}).get("id") == "kaspersky-kvrt-process" and
                   e["process"]["pid"] == shell, what="alert for sh kvrt.run")
    time.sleep(0.5)  # anything the earlier commands raised has been printed by now
    assert e["process"]["args"] == ["sh", "kvrt.run"]
    assert e["process"]["working_directory"] == downloads
    got = [(a["rule"]["id"], a["process"]["args"])
           for a in alerts(w, pids=(admin, shell), uid=user.uid)]
    assert got == [("kaspersky-kvrt-process", ["sh", "kvrt.run"])], got


class ImageFS(StallFS):
    """An AppImage's mount as its runtime makes it: at /tmp/.mount_ plus the image name's
    first six letters and six random ones, the image's file name as the FUSE subtype and
    source; its one program is a copy of sleep, whose reads are answered."""

    def __init__(self, image, program):
        with open(SLEEP, "rb") as f:
            self.data = f.read()
        super().__init__({program: len(self.data)})
        os.rmdir(self.dir)
        self.dir = f"/tmp/.mount_{image[:6]}{os.urandom(3).hex()}"
        os.mkdir(self.dir)
        self.name = image.encode()

    def _answer(self, opcode, unique, node, body):
        if opcode != READ:
            return super()._answer(opcode, unique, node, body)
        _, offset, size = READ_IN.unpack_from(body)
        return self._reply(unique, self.data[offset:offset + size])


def start(program, apps):
    """A program of the image, running a while (an app does), its pid."""
    apps.append(subprocess.Popen([program, "2"]))
    return apps[-1].pid


def test_appimage_programs_are_named_by_their_image_not_their_mount_point():
    if not os.path.exists("/dev/fuse"):
        raise Skip("no /dev/fuse: an AppImage's mount cannot be made here")
    apps = []
    with Watch("--rules", RULES, "--all") as w, \
            ImageFS("WeChat-Notes.AppImage", "wechat-notes") as notes, \
            ImageFS("WeChatLinux_x86_64.AppImage", "wxplayer") as wechat:
        assert notes.dir[:18] == wechat.dir[:18] == "/tmp/.mount_WeChat"
        quiet = start(notes.path("wechat-notes"), apps)
        e = w.wait_for(lambda e: e.get("process", {}).get("pid") == quiet and
                       e["event"]["action"] == "exec", what="exec of the notes app")
        assert e["embargo"]["process"]["app"]["type"] == "appimage", e
        assert e["embargo"]["process"]["app"]["id"] == "WeChat-Notes.AppImage", e
        loud = start(wechat.path("wxplayer"), apps)
        a = w.wait_for(lambda e: e.get("process", {}).get("pid") == loud and
                       e.get("rule", {}).get("id") == "tencent-wechat-appimage",
                       what="alert for WeChat's AppImage")
        assert a["embargo"]["process"]["app"]["id"] == "WeChatLinux_x86_64.AppImage"
        for p in apps:
            p.wait()
        time.sleep(0.3)
    assert not alerts(w, pids=(quiet,))


def deb(root, package, out):
    """A real .deb of package (gzip control), built by dpkg-deb at out."""
    os.makedirs(os.path.join(root, "DEBIAN"))
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        f.write(f"Package: {package}\nVersion: 4.0.1\nArchitecture: amd64\n"
                "Maintainer: Test <t@example.org>\nDescription: a test\n")
    subprocess.run(["dpkg-deb", "-Zgzip", "--root-owner-group", "--build", root, out],
                   check=True, capture_output=True)
    os.chmod(out, 0o644)


def browser_saves(user, *saves):
    """Under watch, the user's browser saves each (source, name) into ~/Downloads as browsers
    do (NAME.crdownload renamed); the Tencent installer alert (one is expected) and all the
    user's alerts."""
    downloads = user.mkdir(os.path.join(user.home, "Downloads"))
    script = " && ".join(f'cp "{src}" "{name}.crdownload" && mv "{name}.crdownload" "{name}"'
                         for src, name in saves)
    with Watch("--rules", RULES) as w:
        browser = user.run(f"cd {downloads} && {script}")
        assert browser.returncode == 0, browser.stderr
        e = w.wait_for(lambda e: e.get("rule", {}).get("id") == "tencent-installer-download",
                       what="the installer alert")
        time.sleep(0.5)
        return downloads, e, alerts(w, uid=user.uid)


def test_a_download_is_known_by_what_it_says_it_is_whatever_its_name():
    with User() as user, tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        deb(os.path.join(d, "w"), "wechat", os.path.join(d, "wechat.deb"))
        deb(os.path.join(d, "n"), "wechat-notes", os.path.join(d, "notes.deb"))
        downloads, e, mine = browser_saves(user, (f"{d}/notes.deb", "wechat-notes.deb"),
                                           (f"{d}/wechat.deb", "x.zip"))
    assert e["file"]["path"] == os.path.join(downloads, "x.zip")
    assert e["package"]["name"] == "wechat" and e["package"]["type"] == "deb"
    assert e["user"]["id"] == str(user.uid)
    assert [a["file"]["name"] for a in mine] == ["x.zip"], mine


def kernel_lists(path):
    """The root of the AppImage at path as the kernel's squashfs mounts it."""
    with open(path, "rb") as f:
        head = f.read(64)
    shoff, = struct.unpack_from("<Q", head, 0x28)
    entsize, num = struct.unpack_from("<HH", head, 0x3A)
    r = subprocess.run(["unshare", "-m", "sh", "-ec",
                        'd=$(mktemp -d); mount -t squashfs -o loop,ro,offset="$2" "$1" "$d"; '
                        'ls "$d"; umount "$d"; rmdir "$d"', "sh", path,
                        str(shoff + entsize * num)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_an_appimage_is_known_by_its_desktop_file_whatever_its_name():
    with User() as user, tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        wechat = squashfs.appimage(os.path.join(d, "wechat"), {
            "wechat.desktop": b"[Desktop Entry]\nName=WeChat\nExec=wechat\n",
            "AppRun": b"#!/bin/sh\n"})
        notes = squashfs.appimage(os.path.join(d, "notes"), {
            "wechat-notes.desktop": b"[Desktop Entry]\nName=WeChat Notes\n",
            "AppRun": b"#!/bin/sh\n"})
        assert kernel_lists(wechat) == ["AppRun", "wechat.desktop"]
        assert kernel_lists(notes) == ["AppRun", "wechat-notes.desktop"]
        downloads, e, mine = browser_saves(user, (notes, "WeChat-Notes.AppImage"),
                                           (wechat, "x.zip"))
    assert e["file"]["path"] == os.path.join(downloads, "x.zip")
    assert e["package"] == {"name": "wechat", "type": "appimage"}, e
    assert [a["file"]["name"] for a in mine] == ["x.zip"], mine
