# SPDX-License-Identifier: GPL-2.0-only
"""Binary identity: a banned binary is known by content however it is run."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

from harness import (EMBARGO, ROOT, BannedCopy, Skip, Watch, embargo, exec_event, run,
                     stat_counter)

MARKED = os.path.join(ROOT, "build", "test", "marked")
LDSO = "/lib64/ld-linux-x86-64.so.2"
MARKER = "EMBARGO-TEST-ELF-MARKER"

RULES = """\
vendor: Identity tests
rules:
  - id: ban-by-hash
    name: The banned test binary, by content
    severity: high
    match:
      process.hash.sha256: "{sha}"
  - id: ban-by-elf-string
    name: Any binary carrying the test vendor's string
    severity: medium
    match:
      embargo.elf.strings: "{marker}"
  - id: ban-script-by-hash
    name: The banned wrapper script, by content
    severity: low
    match:
      embargo.process.script.hash.sha256: "{script_sha}"
"""

SCRIPT = "#!/bin/sh\n# embargo identity test wrapper\nexec {binary} \"$@\"\n"


class Banned(BannedCopy):
    """A copy of the marked binary with bytes of its own, a wrapper script, and rules."""

    def __init__(self):
        super().__init__("embargo-ident-", MARKED)
        self.binary = self.place("original/banned-tool")
        script = SCRIPT.format(binary=self.binary).encode()
        self.script = self.place("wrapper.sh", script)
        self.rules = self.place("rules.yaml", RULES.format(
            sha=self.sha, marker=MARKER, script_sha=hashlib.sha256(script).hexdigest()).encode(),
            0o644)


def alert(pid, rule_id):
    return lambda e: e["event"]["kind"] == "alert" and e["rule"]["id"] == rule_id and \
        e.get("process", {}).get("pid") == pid


def test_renamed_copy_is_known_by_hash():
    with Banned() as b, Watch("--rules", b.rules) as w:
        renamed = b.place("elsewhere/totally-innocent")
        pid = run([renamed])
        e = w.wait_for(alert(pid, "ban-by-hash"))
    assert e["process"]["executable"] == renamed
    assert e["process"]["hash"]["sha256"] == b.sha


def test_copy_in_dev_shm_is_known_by_hash():
    with Banned() as b, Watch("--rules", b.rules) as w:
        shm = "/dev/shm/embargo-ident-%d" % os.getpid()
        with open(shm, "wb") as f:
            f.write(b.data)
        os.chmod(shm, 0o755)
        try:
            pid = run([shm])
            e = w.wait_for(alert(pid, "ban-by-hash"))
        finally:
            os.unlink(shm)
    assert e["process"]["executable"] == shm


def test_copy_deleted_after_exec_is_known_by_hash():
    with Banned() as b, Watch("--rules", b.rules) as w:
        doomed = b.place("doomed/tool")
        p = subprocess.Popen([doomed, "wait"], stdin=subprocess.PIPE)
        os.unlink(doomed)  # gone from disk while it runs; /proc/PID/exe still reaches it
        e = w.wait_for(alert(p.pid, "ban-by-hash"))
        p.stdin.close()
        p.wait()
    assert e["process"]["hash"]["sha256"] == b.sha


def test_memfd_exec_is_known_by_hash():
    # a memfd has no path: its content is reachable only while the process runs
    with Banned() as b, Watch("--rules", b.rules) as w:
        fd = os.memfd_create("innocent", 0)
        os.write(fd, b.data)
        try:
            p = subprocess.Popen(["/proc/self/fd/%d" % fd, "wait"], pass_fds=(fd,),
                                 stdin=subprocess.PIPE)
            e = w.wait_for(alert(p.pid, "ban-by-hash"))
            p.stdin.close()
            p.wait()
        finally:
            os.close(fd)
    assert e["process"]["executable"] == "/memfd:innocent"
    assert e["embargo"]["process"]["exe"]["deleted"] is True


def test_dynamic_loader_invocation_names_the_real_program():
    with Banned() as b, Watch("--rules", b.rules) as w:
        pid = run([LDSO, "--argv0", "fake", b.binary])
        e = w.wait_for(alert(pid, "ban-by-hash"))
    assert e["process"]["executable"] == b.binary
    assert e["process"]["name"] == "banned-tool"
    assert e["embargo"]["process"]["loader"] == os.path.realpath(LDSO)
    assert e["embargo"]["process"]["exe_source"] == "loader"


def test_script_wrapper_is_caught_and_the_script_identified():
    with Banned() as b, Watch("--all", "--rules", b.rules) as w:
        pid = run([b.script, "arg"])
        binary = w.wait_for(alert(pid, "ban-by-hash"))  # `exec` keeps the pid
        script = w.wait_for(lambda e: e["event"]["kind"] == "alert" and
                            e["rule"]["id"] == "ban-script-by-hash")
    assert binary["process"]["executable"] == b.binary
    assert script["embargo"]["process"]["script"]["path"] == b.script
    assert script["embargo"]["process"]["interpreter"] == "/bin/sh"
    assert script["process"]["executable"] == os.path.realpath("/bin/sh")


def test_exec_a_rename_does_not_hide_the_program():
    with Banned() as b, Watch("--rules", b.rules) as w:
        pid = run(["/bin/bash", "-c", f"exec -a innocent-name {b.binary}"])
        e = w.wait_for(alert(pid, "ban-by-hash"))
    assert e["process"]["args"][0] == "innocent-name"
    assert e["process"]["name"] == "banned-tool"


def test_elf_string_rule_matches_and_names_the_string():
    with Banned() as b, Watch("--rules", b.rules) as w:
        pid = run([b.binary])
        e = w.wait_for(alert(pid, "ban-by-elf-string"))
    assert e["embargo"]["elf"]["strings"] == [MARKER]
    assert e["embargo"]["match"] == [f'embargo.elf.strings == "{MARKER}"']
    assert e["process"]["elf"]["architecture"] == "x86_64"
    assert "libc.so.6" in e["process"]["elf"]["shared_libraries"]
    assert {"name": ".rodata"} in e["process"]["elf"]["sections"]
    assert len(e["embargo"]["elf"]["build_id"]) == 40


def test_second_exec_is_a_cache_hit():
    # every alert out, so the second exec shows on its own (folding is tested in test_outputs)
    with Banned() as b, Watch("--rules", b.rules, "--fold-window", "0") as w:
        first = run([b.binary])
        w.wait_for(alert(first, "ban-by-hash"))
        second = run([b.binary])
        w.wait_for(alert(second, "ban-by-hash"))
        code, summary = w.stop()
    assert code == 0
    assert stat_counter(summary, "hits") >= 1


def test_inspect_prints_identity_and_matching_rules():
    with Banned() as b:
        r = embargo("inspect", "--rules", b.rules, "--format", "json", b.binary)
        text = embargo("inspect", "--rules", b.rules, b.binary)
    assert r.returncode == 1, r.stderr
    info = json.loads(r.stdout)
    assert info["file"]["hash"]["sha256"] == b.sha
    assert info["file"]["path"] == b.binary
    assert info["file"]["elf"]["architecture"] == "x86_64"
    assert "libc.so.6" in info["file"]["elf"]["shared_libraries"]
    assert info["embargo"]["elf"]["strings"] == [MARKER]
    assert info["embargo"]["rules"] == ["ban-by-hash", "ban-by-elf-string"]
    assert text.returncode == 1 and b"ban-by-hash (high)" in text.stdout


def test_inspect_names_the_owning_package():
    r = embargo("inspect", "--rules", os.path.join(ROOT, "rules"), "--format", "json",
                "/usr/bin/ls")
    assert r.returncode == 0
    assert json.loads(r.stdout)["package"]["name"] == "coreutils"


def test_inspect_of_hostile_files_never_crashes():
    with tempfile.TemporaryDirectory() as d:
        samples = {
            "empty": b"",
            "elf-magic-only": b"\x7fELF",
            "truncated": open(MARKED, "rb").read()[:200],
            "garbage-header": b"\x7fELF\x02\x01\x01" + os.urandom(4000),
        }
        paths = []
        for name, data in samples.items():
            paths.append(os.path.join(d, name))
            with open(paths[-1], "wb") as f:
                f.write(data)
        r = subprocess.run([EMBARGO, "inspect", "--format", "json", *paths],
                           capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == len(samples)


def test_program_gone_before_hashing_says_so():
    with Banned() as b, Watch("--all", "--rules", b.rules) as w:
        fd = os.memfd_create("short-lived", 0)
        os.write(fd, b.data)
        try:
            pid = run(["/proc/self/fd/%d" % fd], pass_fds=(fd,))
        finally:
            os.close(fd)
        e = w.wait_for(lambda e: e["event"]["kind"] == "event" and
                       e.get("process", {}).get("pid") == pid)
    if "hash" in e["process"]:  # it may still have been running when user space looked
        assert e["process"]["hash"]["sha256"] == b.sha
    else:
        assert e["embargo"]["process"]["identity_unavailable"] is True


def _cgroup2_root():
    for root in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(root, "cgroup.procs")) and \
                os.path.exists(os.path.join(root, "cgroup.controllers")):
            return root
    raise AssertionError("no cgroup v2 hierarchy mounted")


def test_flatpak_app_is_named_by_its_scope():
    # what flatpak does: run the app in a systemd scope named after its app id
    scope = os.path.join(_cgroup2_root(), "app-flatpak-com.tencent.WeChat-%d.scope" % os.getpid())
    os.mkdir(scope)
    try:
        with Watch("--rules", os.path.join(ROOT, "rules")) as w:
            sh = subprocess.Popen(["/bin/sh", "-c",
                                   f"echo $$ > {scope}/cgroup.procs && exec /usr/bin/printf x"],
                                  stdout=subprocess.DEVNULL)
            sh.wait()
            e = w.wait_for(alert(sh.pid, "tencent-wechat-flatpak"))
    finally:
        os.rmdir(scope)
    app = e["embargo"]["process"]["app"]
    assert app == {"type": "flatpak", "id": "com.tencent.WeChat"}
    assert e["embargo"]["match"] == ['embargo.process.app.id == "com.tencent.WeChat"']
    assert e["process"]["executable"] == "/usr/bin/printf"


OVERLAY_RULES = """\
vendor: Identity tests on overlayfs
rules:
  - id: ban-by-name
    name: The banned test binary, by name
    severity: high
    match:
      process.name: "banned-overlay-*"
"""


class Overlay:
    """An overlay mount in a temp dir, its layers on different filesystems (lower in the temp
    dir, upper on a tmpfs of its own) and xino off: a live image's or a 9p guest's root, where
    stat() gives a file a per-layer device and the kernel the overlay's own."""

    def __init__(self, lower_files):
        self.dir = tempfile.mkdtemp(prefix="embargo-ovl-")
        self.mounts = []
        self.lower_files = lower_files

    def path(self, name):
        return os.path.join(self.dir, "merged", name)

    def _mount(self, *args):
        r = subprocess.run(["mount", *args], capture_output=True, text=True)
        with open("/proc/filesystems") as f:
            if r.returncode and "overlay" not in f.read():
                raise Skip("this kernel has no overlayfs")
        assert r.returncode == 0, r.stderr
        self.mounts.append(args[-1])

    def __enter__(self):
        d = self.dir
        try:
            for sub in ("lower", "rw", "merged"):
                os.mkdir(os.path.join(d, sub))
            for name, data in self.lower_files.items():
                with open(os.path.join(d, "lower", name), "wb") as f:
                    f.write(data)
                os.chmod(os.path.join(d, "lower", name), 0o755)
            self._mount("-t", "tmpfs", "-o", "size=64m", "embargo-ovl-rw", f"{d}/rw")
            os.mkdir(f"{d}/rw/upper")
            os.mkdir(f"{d}/rw/work")
            self._mount("-t", "overlay", "-o", f"lowerdir={d}/lower,upperdir={d}/rw/upper,"
                        f"workdir={d}/rw/work,xino=off", "embargo-ovl", f"{d}/merged")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for mount in reversed(self.mounts):
            subprocess.run(["umount", mount], capture_output=True)
        if not any(os.path.ismount(m) for m in self.mounts):
            shutil.rmtree(self.dir)


def _exec_on(w, path):
    """The name rule's alert goes out before the hash is made; the exec's own record (--all)
    carries the hash once it is."""
    pid = run([path])
    w.wait_for(alert(pid, "ban-by-name"), what="alert for " + path)
    return w.wait_for(lambda e: exec_event(pid)(e) and e["event"]["kind"] == "event",
                      what="exec record of " + path)


def test_overlay_programs_are_hashed_in_every_layer():
    with Banned() as b, Overlay({"banned-overlay-lower": b.data,
                                 "banned-overlay-copied": b.data}) as ovl:
        rules = os.path.join(b.dir, "overlay.yaml")
        with open(rules, "w") as f:
            f.write(OVERLAY_RULES)
        copied = b.data + b"\0copied up"
        with open(ovl.path("banned-overlay-copied"), "ab") as f:  # copy-up: now in upper
            f.write(b"\0copied up")
        fresh = ovl.path("banned-overlay-upper")  # only ever in the upper layer
        with open(fresh, "wb") as f:
            f.write(copied + b"!")
        os.chmod(fresh, 0o755)
        expect = {ovl.path("banned-overlay-lower"): b.data,
                  ovl.path("banned-overlay-copied"): copied, fresh: copied + b"!"}
        with Watch("--rules", rules, "--all") as w:
            seen = {path: _exec_on(w, path) for path in expect}
        st_dev = {path: os.stat(path).st_dev for path in expect}
    for path, data in expect.items():
        e = seen[path]
        assert e["process"]["executable"] == path
        # the case this is about: the kernel's device is not the one stat() gives
        assert e["embargo"]["process"]["exe"]["device"] != st_dev[path], e["embargo"]
        assert "identity_unavailable" not in e["embargo"]["process"], e["embargo"]
        assert e["process"]["hash"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_overlay_file_at_rest_has_the_device_an_exec_reports():
    # what the kernel's block list is keyed by, learned from files at rest, must be the
    # device the kernel will see when they run
    with Banned() as b, Overlay({"banned-overlay-tool": b.data}) as ovl:
        rules = os.path.join(b.dir, "overlay.yaml")
        with open(rules, "w") as f:
            f.write(OVERLAY_RULES)
        path = ovl.path("banned-overlay-tool")
        with Watch("--rules", rules, "--all") as w:
            ran = _exec_on(w, path)["embargo"]["process"]["exe"]
        r = embargo("rules", "test", "--rules", rules, "--format", "json", path)
    assert r.returncode == 1, r.stderr
    at_rest = json.loads(r.stdout.splitlines()[0])["embargo"]["process"]["exe"]
    assert (at_rest["device"], at_rest["inode"]) == (ran["device"], ran["inode"])


def _runs_through(runner):
    """The banned binary run by `runner PROG`: named PROG, the runner kept as its loader."""
    with Banned() as b:
        path = os.path.join(b.dir, runner[0])
        runner[1](os.path.realpath(LDSO), path)
        with Watch("--rules", b.rules) as w:
            pid = run([path, b.binary])
            e = w.wait_for(alert(pid, "ban-by-hash"))
    assert e["process"]["executable"] == b.binary
    assert e["embargo"]["process"]["loader"] == path
    assert e["embargo"]["process"]["exe_source"] == "loader"


def test_a_loader_hard_linked_under_another_name_is_known_by_inode():
    _runs_through(("innocent-runner", os.link))


def test_a_loader_copied_under_another_name_is_known_by_content():
    _runs_through(("innocent-copy", shutil.copy2))
