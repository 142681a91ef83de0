# SPDX-License-Identifier: GPL-2.0-only
"""Installer downloads: any process writing a file named like a banned installer, by every
route a user has to put a file in place: open/creat, rename, link/linkat (O_TMPFILE too),
io_uring requests and 32-bit int $0x80 syscalls (bpf/fileroute.bpf.h). A route this kernel
cannot show is said in the started record's capabilities, and its test skips with that."""
import os
import subprocess
import tempfile

from harness import ROOT, Skip, User, Watch

SHIPPED = os.path.join(ROOT, "rules")
DLROUTE = os.path.join(ROOT, "build", "test", "dlroute")
UNSUPPORTED = 77   # dlroute: the kernel refuses the route itself
# under emulation (the kernel matrix) a download's check takes longer than the default wait
WAIT = 10.0 * float(os.environ.get("EMBARGO_TIME_SCALE", "1"))


def download_alert(name):
    return lambda e: e["event"]["kind"] == "alert" and e.get("file", {}).get("name") == name


def test_browser_style_download_renamed_into_place():
    with tempfile.TemporaryDirectory() as d, Watch("--rules", SHIPPED) as w:
        part = os.path.join(d, "kesl_12.0.0_amd64.deb.part")
        with open(part, "wb") as f:
            f.write(b"!<arch>\n")
        os.rename(part, os.path.join(d, "kesl_12.0.0_amd64.deb"))
        e = w.wait_for(download_alert("kesl_12.0.0_amd64.deb"))
    assert e["rule"]["id"] == "kaspersky-installer-download"
    assert e["event"]["action"] == "file-renamed" and e["event"]["category"] == ["file"]
    assert e["file"]["path"] == os.path.join(d, "kesl_12.0.0_amd64.deb")
    assert e["process"]["pid"] == os.getpid()


def test_direct_write_relative_to_cwd():
    with tempfile.TemporaryDirectory() as d, Watch("--rules", SHIPPED) as w:
        old = os.getcwd()
        os.chdir(d)
        try:
            with open("WeChatLinux_x86_64.AppImage", "wb") as f:
                f.write(b"\x7fELF")
        finally:
            os.chdir(old)
        e = w.wait_for(download_alert("WeChatLinux_x86_64.AppImage"))
    assert e["rule"]["id"] == "tencent-installer-download"
    assert e["event"]["action"] == "file-created"
    assert e["file"]["path"] == os.path.join(d, "WeChatLinux_x86_64.AppImage")


def test_failed_create_is_not_reported():
    with tempfile.TemporaryDirectory() as d, Watch("--all", "--rules", SHIPPED) as w:
        try:
            open(os.path.join(d, "missing-dir", "kvrt.run"), "wb")
        except FileNotFoundError:
            pass
        marker = os.path.join(d, "kaspl.run")
        open(marker, "wb").close()
        w.wait_for(download_alert("kaspl.run"))
        events = list(w.events)
    assert not [e for e in events if e.get("file", {}).get("name") == "kvrt.run"]


def test_ordinary_files_are_not_reported():
    with tempfile.TemporaryDirectory() as d, Watch("--all", "--rules", SHIPPED) as w:
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("hello")
        marker = os.path.join(d, "kaspl.run")
        open(marker, "wb").close()
        w.wait_for(download_alert("kaspl.run"))
        events = list(w.events)
    assert not [e for e in events if e.get("file", {}).get("name") == "notes.txt"]


def test_download_known_by_hash_whatever_its_name():
    content = b"banned installer bytes " + os.urandom(16)
    import hashlib
    sha = hashlib.sha256(content).hexdigest()
    with tempfile.TemporaryDirectory() as d:
        rules = os.path.join(d, "r.yaml")
        with open(rules, "w") as f:
            f.write("vendor: T\nrules:\n  - id: dl-hash\n    name: banned installer by hash\n"
                    f"    severity: high\n    on: [file]\n    match:\n"
                    f"      file.hash.sha256: \"{sha}\"\n")
        with Watch("--rules", rules) as w:
            part = os.path.join(d, "innocent.zip.crdownload")
            with open(part, "wb") as f:
                f.write(content)
            os.rename(part, os.path.join(d, "innocent.zip"))
            e = w.wait_for(download_alert("innocent.zip"))
    assert e["rule"]["id"] == "dl-hash"
    assert e["file"]["hash"]["sha256"] == sha


def unavailable(w, what):
    """The started record's line saying `what` is not seen on this kernel, or None."""
    started = w.wait_for(lambda e: e.get("event", {}).get("action") == "started")
    caps = started["embargo"]["capabilities"]
    return next((l for l in caps.get("unavailable", []) if l.startswith(what)), None)


def route(user, *argv, refused=None):
    """dlroute ROUTE ... as the user, in its home. When the kernel refuses the route itself
    there is nothing to see: Skip, or, given a list, the reason is added to it and False
    returned (the test's other routes still run)."""
    p = subprocess.run(user.argv(DLROUTE, *argv), capture_output=True, text=True, timeout=30,
                       cwd=user.home)
    if p.returncode == UNSUPPORTED and refused is None:
        raise Skip(p.stderr.strip())
    if p.returncode == UNSUPPORTED:
        refused.append(p.stderr.strip())
        return False
    assert p.returncode == 0, p.stderr
    return True


def written_by_user(user, name):
    """A file of the user's home, full of the user's bytes, for a route to link or rename."""
    path = os.path.join(user.home, name)
    assert user.run(f"printf '!<arch>\\n' > {path}").returncode == 0
    return path


def assert_alerted(w, user, path, action, program):
    try:
        e = w.wait_for(download_alert(os.path.basename(path)), timeout=WAIT, what=path)
    except AssertionError as missed:  # what came instead, and what embargo said
        raise AssertionError(f"{missed}: {w.events[1:]}; {w.stderr()[-1500:]}") from None
    assert e["rule"]["id"] == "kaspersky-installer-download"
    assert e["event"]["action"] == action, e["event"]
    assert e["file"]["path"] == path
    assert e["process"]["name"] == program
    assert e["user"]["id"] == str(user.uid)
    return e


def test_hard_link_into_place_by_an_unprivileged_user():
    """ln (linkat) and link(2): the content was written under another name."""
    with User() as u, Watch("--rules", SHIPPED) as w:
        blob = written_by_user(u, "notes.bin")
        assert u.run(f"cd {u.home} && ln notes.bin kesl_12.0.1_amd64.deb").returncode == 0
        assert_alerted(w, u, os.path.join(u.home, "kesl_12.0.1_amd64.deb"), "file-linked",
                       "ln")
        route(u, "link", blob, "kesl_12.0.2_amd64.deb")
        assert_alerted(w, u, os.path.join(u.home, "kesl_12.0.2_amd64.deb"), "file-linked",
                       "dlroute")


def test_o_tmpfile_linked_into_place():
    """A file with no name while written, named at once by linkat: through /proc/self/fd
    (any user), and with AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH before 6.10: as root)."""
    with User() as u, Watch("--rules", SHIPPED) as w:
        route(u, "tmpfile", u.home, "kesl_12.0.3_amd64.deb")
        assert_alerted(w, u, os.path.join(u.home, "kesl_12.0.3_amd64.deb"), "file-linked",
                       "dlroute")
        with tempfile.TemporaryDirectory() as d:
            dst = os.path.join(d, "kesl_12.0.4_amd64.deb")
            subprocess.run([DLROUTE, "tmpfile-empty", d, dst], check=True, timeout=30)
            e = w.wait_for(download_alert("kesl_12.0.4_amd64.deb"))
            assert e["event"]["action"] == "file-linked" and e["file"]["path"] == dst


def test_io_uring_open_rename_and_link_by_an_unprivileged_user():
    """An opcode the kernel does not know (RENAMEAT came in 5.11, LINKAT in 5.15) is no route
    there: the others are still checked, then the test skips naming it."""
    refused = []
    with User() as u, Watch("--rules", SHIPPED) as w:
        gap = unavailable(w, "io_uring")
        if gap:
            raise Skip(gap)
        if route(u, "uring-open", "kesl_12.0.5_amd64.deb", refused=refused):
            assert_alerted(w, u, os.path.join(u.home, "kesl_12.0.5_amd64.deb"),
                           "file-created", "dlroute")
        if route(u, "uring-rename", written_by_user(u, "a.part"), "kesl_12.0.6_amd64.deb",
                 refused=refused):
            assert_alerted(w, u, os.path.join(u.home, "kesl_12.0.6_amd64.deb"),
                           "file-renamed", "dlroute")
        if route(u, "uring-link", written_by_user(u, "b.bin"), "kesl_12.0.7_amd64.deb",
                 refused=refused):
            assert_alerted(w, u, os.path.join(u.home, "kesl_12.0.7_amd64.deb"),
                           "file-linked", "dlroute")
    if refused:
        raise Skip("; ".join(refused))


def test_32_bit_syscalls_from_a_64_bit_program_by_an_unprivileged_user():
    """int $0x80 from a 64-bit program: no syscalls:sys_enter_* tracepoint fires for it."""
    creates = {"open": "10", "openat": "11", "creat": "12"}
    moves = {"rename": ("13", "file-renamed"), "renameat2": ("14", "file-renamed"),
             "link": ("15", "file-linked"), "linkat": ("16", "file-linked")}
    with User() as u, Watch("--rules", SHIPPED) as w:
        gap = unavailable(w, "file probe raw_tp/sys_enter")
        if gap:
            raise Skip(gap)
        for how, n in creates.items():
            route(u, "int80-" + how, f"kesl_12.0.{n}_amd64.deb")
            assert_alerted(w, u, os.path.join(u.home, f"kesl_12.0.{n}_amd64.deb"),
                           "file-created", "dlroute")
        for how, (n, action) in moves.items():
            route(u, "int80-" + how, written_by_user(u, how + ".bin"), f"kesl_12.0.{n}_amd64.deb")
            assert_alerted(w, u, os.path.join(u.home, f"kesl_12.0.{n}_amd64.deb"), action,
                           "dlroute")


def test_a_route_the_kernel_cannot_show_is_said_in_the_capabilities():
    os.environ["EMBARGO_FAULT"] = "feature:io_uring"
    try:
        with Watch("--rules", SHIPPED) as w:
            gap = unavailable(w, "io_uring")
    finally:
        del os.environ["EMBARGO_FAULT"]
    assert gap and "opens, renames and links submitted through io_uring are not seen" in gap
