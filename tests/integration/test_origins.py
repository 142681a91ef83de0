# SPDX-License-Identifier: GPL-2.0-only
"""A vendor's file is known by inode, whatever path runs it (issue 19).

The rules name a vendor tree (/opt/...); a real unprivileged user runs a file of it through a
hard link in their home and through a bind mount they make in their own user namespace
(`unshare -Urm`, no privilege at all), and root runs it in a chroot that bind-mounts the tree.
Each is alerted, with the path as seen and embargo.process.origin.path, the file's path in
its tree; a copy (another inode) under the same names is not.
"""
import os
import shutil
import subprocess
import tempfile
import time

from harness import ROOT, Skip, User, Watch

TOOL = os.path.join(ROOT, "build", "test", "nop")   # static: runs in an empty chroot

RULES = """\
vendor: Origin tests
rules:
  - id: origin-vendor-tree
    name: A program of the test vendor's tree ran
    severity: high
    match:
      process.executable: "{tree}/*"
"""


class Vendor:
    """A vendor tree under /opt (the root filesystem) with one program, and a rule for it."""

    def __enter__(self):
        self.tree = tempfile.mkdtemp(prefix="embargo-origin-", dir="/opt")
        os.chmod(self.tree, 0o755)
        self.tool = os.path.join(self.tree, "bin", "vendor-tool")
        os.mkdir(os.path.dirname(self.tool), 0o755)
        shutil.copy(TOOL, self.tool)
        os.chmod(self.tool, 0o755)
        self.rules = self.tree + ".yaml"
        with open(self.rules, "w") as f:
            f.write(RULES.format(tree=self.tree))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.tree)
        os.unlink(self.rules)


def alert_for(path):
    return lambda e: e["event"]["kind"] == "alert" and \
        e["rule"]["id"] == "origin-vendor-tree" and \
        e.get("process", {}).get("executable") == path


def test_a_vendor_file_is_known_by_inode_through_links_mounts_and_chroots():
    with Vendor() as v, User() as u, Watch("--rules", v.rules) as w:
        # a hard link in the user's home (same filesystem), under an innocent name
        link = os.path.join(u.home, "innocent")
        os.link(v.tool, link)
        assert u.run(link).returncode == 0
        linked = w.wait_for(alert_for(link), what="the hard link's alert")
        # a bind mount in the user's own namespace: no privilege at all
        view = u.mkdir(os.path.join(u.home, "view"))
        r = u.run(f"unshare -Urm sh -c 'mount --bind {v.tree} {view} && "
                  f"exec {view}/bin/vendor-tool'")
        assert r.returncode == 0, r.stderr
        bound = w.wait_for(alert_for(f"{view}/bin/vendor-tool"), what="the bind mount's alert")
        # root in a chroot whose /opt/vendor is the tree
        jail = tempfile.mkdtemp(prefix="embargo-jail-")
        try:
            os.makedirs(os.path.join(jail, "opt", "vendor"))
            r = subprocess.run(["unshare", "-m", "sh", "-c",
                                f"mount --bind {v.tree} {jail}/opt/vendor && "
                                f"chroot {jail} /opt/vendor/bin/vendor-tool"],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            jailed = w.wait_for(lambda e: e["event"]["kind"] == "alert" and
                                e["rule"]["id"] == "origin-vendor-tree" and
                                e["process"]["executable"].endswith(
                                    "/opt/vendor/bin/vendor-tool"),
                                what="the chroot's alert")
        finally:
            shutil.rmtree(jail)
        # a copy is another file: not the vendor's by inode (its hash is another rule's job)
        copy = os.path.join(u.home, "copy")
        shutil.copy(v.tool, copy)
        os.chmod(copy, 0o755)
        assert u.run(copy).returncode == 0
        time.sleep(1.0)                         # what the copy would raise has come by now
        copied = [e for e in w.events if e["event"]["kind"] == "alert" and
                  e.get("process", {}).get("executable") == copy]
    for e, seen in ((linked, link), (bound, f"{view}/bin/vendor-tool")):
        assert e["process"]["executable"] == seen
        assert e["embargo"]["process"]["origin"]["path"] == v.tool, e["embargo"]["process"]
        assert e["embargo"]["process"]["origin"]["source"] == v.tree
        assert "embargo.process.origin.path" in " ".join(e["embargo"]["match"])
    assert jailed["embargo"]["process"]["origin"]["path"] == v.tool or \
        jailed["process"]["executable"] == v.tool
    assert not copied, copied


GLOB_RULES = """\
vendor: Origin tests
rules:
  - id: origin-vendor-glob
    name: A program of a test vendor's tree ran (a pattern, not a tree the index can hold)
    severity: high
    match:
      process.executable: "/opt/embargo-origin-*/bin/vendor-tool"
"""


def test_a_bind_mount_in_a_users_namespace_is_named_by_the_hosts_path():
    """No index: the kernel walks the file's own filesystem, the host's mount table names it."""
    with Vendor() as v, User() as u:
        with open(v.rules, "w") as f:
            f.write(GLOB_RULES)
        with Watch("--rules", v.rules, "--all") as w:
            started = w.wait_for(lambda e: e["event"].get("action") == "started")
            if started["embargo"]["capabilities"]["path_walk"] == "bounded":
                raise Skip("no bpf_loop() on this kernel: a bind mount's root is not walked "
                           "(the inode index still names the trees the rules name)")
            view = u.mkdir(os.path.join(u.home, "view"))
            r = u.run(f"unshare -Urm sh -c 'mount --bind {v.tree} {view} && "
                      f"exec {view}/bin/vendor-tool'")
            assert r.returncode == 0, r.stderr
            bound = w.wait_for(lambda e: e["event"]["kind"] == "alert" and
                               e["rule"]["id"] == "origin-vendor-glob", what="the alert")
            # the user's own tmpfs, which the host does not show: the path as seen only
            r = u.run("unshare -Urm sh -c 'mount -t tmpfs t /mnt && cp /usr/bin/true /mnt/t "
                      "&& /mnt/t'")
            assert r.returncode == 0, r.stderr
            private = w.wait_for(lambda e: e["event"]["kind"] == "event" and
                                 e.get("process", {}).get("executable") == "/mnt/t",
                                 what="the private tmpfs exec")
    assert bound["process"]["executable"] == f"{view}/bin/vendor-tool"
    origin = bound["embargo"]["process"]["origin"]
    assert origin == {"path": v.tool, "name": "vendor-tool", "source": "mount"}, origin
    assert "embargo.process.origin.path" in " ".join(bound["embargo"]["match"])
    assert "origin" not in private["embargo"]["process"], private["embargo"]["process"]
