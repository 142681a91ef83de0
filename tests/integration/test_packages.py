# SPDX-License-Identifier: GPL-2.0-only
"""Package installs with the real dpkg and apt-get: who installed what, within seconds."""
import os
import shutil
import subprocess
import tempfile

from harness import Skip, Watch

NAME = "embargo-test-banned"

RULES = f"""\
vendor: Package tests
rules:
  - id: test-banned-package
    name: The banned test package
    severity: high
    on: [package]
    match:
      all:
        - package.name: {NAME}
        - event.action: [package-installed, package-upgraded]
"""


class Deb:
    """A real .deb built with dpkg-deb; purged again whatever the test did."""

    def __init__(self, version="1.2-3"):
        self.dir = tempfile.mkdtemp(prefix="embargo-deb-")
        self.version = version
        self.path = self.build(version)
        self.rules = os.path.join(self.dir, "rules.yaml")
        with open(self.rules, "w") as f:
            f.write(RULES)

    def build(self, version):
        root = os.path.join(self.dir, "pkg-" + version)
        os.makedirs(os.path.join(root, "DEBIAN"))
        os.makedirs(os.path.join(root, "usr/share", NAME))
        with open(os.path.join(root, "DEBIAN/control"), "w") as f:
            f.write(f"Package: {NAME}\nVersion: {version}\nArchitecture: all\n"
                    "Maintainer: embargo tests <tests@example.org>\n"
                    "Description: a package the tests ban\n")
        with open(os.path.join(root, "usr/share", NAME, "README"), "w") as f:
            f.write("test\n")
        deb = os.path.join(self.dir, f"{NAME}_{version}_all.deb")
        subprocess.run(["dpkg-deb", "-b", root, deb], check=True, capture_output=True)
        return deb

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run(["dpkg", "--purge", NAME], capture_output=True)
        shutil.rmtree(self.dir)


def package_alert(action):
    return lambda e: e["event"]["kind"] == "alert" and e.get("package", {}).get("name") == NAME \
        and e["event"]["action"] == action


def package_event(action):
    return lambda e: e["event"]["kind"] == "event" and \
        e.get("package", {}).get("name") == NAME and e["event"]["action"] == action


def test_dpkg_install_alerts_with_package_and_installer():
    with Deb() as deb, Watch("--all", "--rules", deb.rules) as w:
        subprocess.run(["dpkg", "-i", deb.path], check=True, capture_output=True)
        e = w.wait_for(package_alert("package-installed"), timeout=15)
        placed = w.wait_for(lambda e: e["event"]["category"] == ["file"] and
                            e["file"]["path"] == f"/usr/share/{NAME}/README" and
                            e["event"]["action"] == "file-renamed")
        subprocess.run(["dpkg", "--purge", NAME], check=True, capture_output=True)
        gone = w.wait_for(package_event("package-removed"), timeout=15)
        deleted = w.wait_for(lambda e: e["event"]["category"] == ["file"] and
                             e["file"]["path"] == f"/usr/share/{NAME}/README" and
                             e["event"]["action"] == "file-deleted")
    assert placed["process"]["name"] == "dpkg" and deleted["process"]["name"] == "dpkg"
    installed = e["package"].pop("installed")
    assert e["package"] == {"name": NAME, "version": "1.2-3", "type": "deb",
                            "architecture": "all"}
    assert installed[:4].isdigit() and installed.endswith("Z")
    assert e["event"]["category"] == ["package"] and e["event"]["type"] == ["installation"]
    assert e["rule"]["id"] == "test-banned-package"
    assert e["process"]["name"] == "dpkg"
    assert e["process"]["args"] == ["dpkg", "-i", deb.path]
    assert e["process"]["parent"]["pid"] == os.getpid()
    assert e["user"]["name"] == "root"
    assert gone["process"]["args"] == ["dpkg", "--purge", NAME]


def test_a_renamed_or_copied_dpkg_keeps_the_attribution():
    """dpkg under another name installs as dpkg does, and the alert names the program that
    did it: a hard link (the same inode: the kernel begins the session) and a copy (another
    inode: known by its content when its hash comes)."""
    with Deb() as deb, Watch("--all", "--rules", deb.rules) as w:
        linked, copied = os.path.join(deb.dir, "pm-linked"), os.path.join(deb.dir, "pm-copied")
        try:
            os.link("/usr/bin/dpkg", linked)
        except OSError as exc:
            raise Skip(f"cannot hard-link /usr/bin/dpkg into {deb.dir}: {exc}")
        shutil.copy2("/usr/bin/dpkg", copied)

        def installed_by(prog):
            return lambda e: package_alert("package-installed")(e) and \
                e.get("process", {}).get("args", [None])[0] == prog

        subprocess.run([linked, "-i", deb.path], check=True, capture_output=True)
        by_link = w.wait_for(installed_by(linked), timeout=15, what="the linked dpkg's install")
        subprocess.run(["dpkg", "--purge", NAME], check=True, capture_output=True)
        w.wait_for(package_event("package-removed"), timeout=15)
        subprocess.run([copied, "-i", deb.path], check=True, capture_output=True)
        by_copy = w.wait_for(installed_by(copied), timeout=15, what="the copied dpkg's install")
    for e, prog in ((by_link, linked), (by_copy, copied)):
        assert e["process"]["executable"] == prog, e["process"]
        assert e["process"]["args"] == [prog, "-i", deb.path]
        assert e["process"]["name"] == os.path.basename(prog)
        assert e["process"]["parent"]["pid"] == os.getpid()


def test_upgrade_reports_both_versions():
    with Deb() as deb, Watch("--rules", deb.rules) as w:
        subprocess.run(["dpkg", "-i", deb.path], check=True, capture_output=True)
        w.wait_for(package_alert("package-installed"), timeout=15)
        newer = deb.build("2.0-1")
        subprocess.run(["dpkg", "-i", newer], check=True, capture_output=True)
        e = w.wait_for(package_alert("package-upgraded"), timeout=15)
    assert e["package"]["version"] == "2.0-1"
    assert e["embargo"]["package"]["previous_version"] == "1.2-3"
    assert e["event"]["type"] == ["change"]


def test_apt_get_install_names_apt_get_and_the_human_behind_it():
    with Deb() as deb, Watch("--rules", deb.rules) as w:
        # what sudo leaves behind: a login uid (set once per session by pam_loginuid)
        script = (f"echo 4242 > /proc/self/loginuid && exec apt-get install -y -q "
                  f"./{os.path.basename(deb.path)}")
        r = subprocess.run(["/bin/sh", "-c", script], capture_output=True, cwd=deb.dir,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        e = w.wait_for(package_alert("package-installed"), timeout=30)
    assert e["process"]["name"] == "apt-get"
    assert e["process"]["args"][:3] == ["apt-get", "install", "-y"]
    assert e["embargo"]["process"]["login_user"]["id"] == "4242"
    assert e["package"]["version"] == "1.2-3"


FLATPAK_APPS = "/var/lib/flatpak/app"


def test_flatpak_install_is_seen_in_its_tree():
    # what `flatpak install com.tencent.WeChat` leaves: an active deployment in the tree
    made = not os.path.exists("/var/lib/flatpak")
    os.makedirs(FLATPAK_APPS, exist_ok=True)
    app = os.path.join(FLATPAK_APPS, "com.tencent.WeChat")
    try:
        with Watch("--rules", os.path.join(os.path.dirname(__file__), "..", "..", "rules")) as w:
            os.makedirs(os.path.join(app, "x86_64", "stable", "active"))
            e = w.wait_for(lambda e: e["event"]["kind"] == "alert" and
                           e.get("package", {}).get("name") == "com.tencent.WeChat", timeout=15)
    finally:
        shutil.rmtree(app, ignore_errors=True)
        if made:
            shutil.rmtree("/var/lib/flatpak", ignore_errors=True)
    assert e["package"]["type"] == "flatpak"
    assert e["package"]["version"] == "stable" and e["package"]["architecture"] == "x86_64"
    assert e["rule"]["id"] == "tencent-package"


def test_rpm_inventory_needs_librpm():
    if shutil.which("rpm") is None:
        raise Skip("rpm is not installed on this machine (and librpm is not an embargo "
                   "dependency): rpm inventories are not read yet")
    raise AssertionError("rpm is present but embargo does not read its database yet")
