# SPDX-License-Identifier: GPL-2.0-only
"""Install routes that need no privilege or come after start, as a user would take them:

- `flatpak install --user` (no sudo) writes ~/.local/share/flatpak: a real unprivileged user
  (useradd -m; userdel -r at the end) lays down what it leaves, an app directory with an
  `active` link to the deployed commit (flatpak itself is not on this machine), while watch
  runs and before scan; it is an installed package of that user's, also for a user whose
  home was made after watch started;
- /var/lib/flatpak made after watch started (the first system-wide flatpak install) is
  watched from then on: the install in it is seen at once, not at the next dpkg session;
- dpkg with a database of its own (`--admindir`, `--root`), which needs no privilege with
  `--force-not-root`: what it installed there is an install when its session ends."""
import os
import shutil
import subprocess
import tempfile

from harness import ROOT, Skip, Watch
from test_scan import HomeUser, scan

SHIPPED = os.path.join(ROOT, "rules")
APP = "com.tencent.WeChat"
COMMIT = "4f1ad9c3e0b2d7a8"


def flatpak_install(run, apps):
    """What flatpak leaves in an installation's app directory for one deployed app."""
    branch = f"{apps}/{APP}/x86_64/stable"
    run(f'mkdir -p "{branch}/{COMMIT}/files/bin" && ln -s {COMMIT} "{branch}/active" && '
        f'ln -s x86_64/stable "{apps}/{APP}/current"')


def package_alert(path=None):
    """The alert for APP installed in the installation at path (None: the system's); other
    tests' installs of it (test_packages) may come and go meanwhile."""
    return lambda e: (e["event"]["kind"] == "alert" and
                      e.get("package", {}).get("name") == APP and
                      e["package"].get("path") == path)


def test_a_users_own_flatpak_install_is_seen_by_watch_and_scan():
    with HomeUser("f") as u, Watch("--rules", SHIPPED) as w:
        apps = u.path(".local/share/flatpak/app")   # not there when watch started
        flatpak_install(u.run, apps)
        e = w.wait_for(package_alert(apps), timeout=15, what="the user's flatpak install")
        code, alerts, err = scan("--rules", SHIPPED, "--skip", "processes", "--skip", "files")
    assert e["event"]["action"] == "package-installed", e
    assert e["package"]["type"] == "flatpak" and e["package"]["version"] == "stable", e
    assert e["package"]["install_scope"] == "user-local", e
    assert e["rule"]["id"] == "tencent-package", e
    assert code == 1, err
    mine = [a for a in alerts if a["package"].get("path") == apps]
    assert [a["package"]["name"] for a in mine] == [APP], alerts
    assert mine[0]["package"]["install_scope"] == "user-local", mine


def test_a_home_made_after_start_is_watched_too():
    # a first login (useradd -m, pam_mkhomedir) after the daemon started
    with Watch("--rules", SHIPPED) as w, HomeUser("n") as u:
        apps = u.path(".local/share/flatpak/app")
        flatpak_install(u.run, apps)
        e = w.wait_for(package_alert(apps), timeout=10, what="the new user's flatpak install")
    assert e["event"]["action"] == "package-installed", e


def test_a_link_to_a_deployment_elsewhere_is_no_install():
    with HomeUser("g") as u:
        apps = u.path(".local/share/flatpak/app")
        u.run(f'mkdir -p "{apps}/{APP}/x86_64/stable" && '
              f'ln -s /usr "{apps}/{APP}/x86_64/stable/active"')
        code, alerts, err = scan("--rules", SHIPPED, "--skip", "processes", "--skip", "files")
    assert not [a for a in alerts if a["package"].get("path") == apps], alerts


def test_var_lib_flatpak_made_after_start_is_watched():
    if os.path.exists("/var/lib/flatpak"):
        raise Skip("/var/lib/flatpak exists here: it cannot be made after start")
    try:
        with Watch("--rules", SHIPPED) as w:
            flatpak_install(lambda script: os.system(script), "/var/lib/flatpak/app")
            e = w.wait_for(package_alert(), timeout=10,
                           what="the install in a new /var/lib/flatpak")
    finally:
        shutil.rmtree("/var/lib/flatpak", ignore_errors=True)
    assert e["event"]["action"] == "package-installed", e
    assert "install_scope" not in e["package"], e


def qq_deb(d):
    """A package named as QQ's is (tencent-package), with /opt/QQ/qq in it."""
    root = os.path.join(d, "pkg")
    os.makedirs(os.path.join(root, "DEBIAN"))
    os.makedirs(os.path.join(root, "opt/QQ"))
    with open(os.path.join(root, "DEBIAN/control"), "w") as f:
        f.write("Package: linuxqq\nVersion: 3.2.9\nArchitecture: amd64\n"
                "Maintainer: embargo tests <t@example.org>\nDescription: not QQ\n")
    shutil.copy("/usr/bin/true", os.path.join(root, "opt/QQ/qq"))
    deb = os.path.join(d, "qq.deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", root, deb], check=True,
                   capture_output=True)
    os.chmod(d, 0o755)
    return deb


def private_dpkg_alert(admindir, uid):
    return lambda e: (e["event"]["kind"] == "alert" and
                      e.get("package", {}).get("name") == "linuxqq" and
                      e["package"].get("path") == admindir and
                      e.get("user", {}).get("id") == str(uid))


def test_dpkg_with_a_database_of_its_own_is_an_install():
    with tempfile.TemporaryDirectory() as d, HomeUser("d") as u, \
            Watch("--rules", SHIPPED) as w:
        deb = qq_deb(d)
        # --root=DIR: the database is DIR/var/lib/dpkg (relative: to dpkg's cwd, the home)
        u.run('mkdir -p r/var/lib/dpkg/info r/var/lib/dpkg/updates && '
              ': > r/var/lib/dpkg/status && '
              'dpkg --force-not-root --force-script-chrootless --root=r -i "$1"', deb)
        by_root = w.wait_for(private_dpkg_alert(u.path("r/var/lib/dpkg"), u.uid), timeout=15,
                             what="the install under dpkg --root")
        u.run('mkdir -p adm/info adm/updates inst && : > adm/status && '
              'dpkg --force-not-root --force-script-chrootless --admindir="$2/adm" '
              '--instdir="$2/inst" -i "$1"', deb, u.home)
        by_admindir = w.wait_for(private_dpkg_alert(u.path("adm"), u.uid), timeout=15,
                                 what="the install under dpkg --admindir")
        assert os.path.exists(u.path("r/opt/QQ/qq")) and os.path.exists(u.path("inst/opt/QQ/qq"))
    for e in (by_root, by_admindir):
        assert e["event"]["action"] == "package-installed", e
        assert e["rule"]["id"] == "tencent-package", e
        assert e["package"]["version"] == "3.2.9" and e["package"]["type"] == "deb", e
        assert e["process"]["name"] == "dpkg", e
        assert "--force-not-root" in e["process"]["args"], e
