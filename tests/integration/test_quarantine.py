# SPDX-License-Identifier: GPL-2.0-only
"""The quarantine against an attacker and under the service's capabilities, with a real
unprivileged user made by the test (useradd; userdel -r at the end):

- the symlink-flip race: the user swaps a banned download with a link to a root file (and
  their download directory with a link to a root directory) with RENAME_EXCHANGE in a loop
  while the real quarantine__put() runs 10,000 times (tests/integration/bin/qrace.c, built
  here against user/enforce/quarantine.c): no link is ever quarantined, the root file never changes;
- restore refuses when the user has replaced the download directory with a link;
- `embargo watch --enforce` under exactly the capabilities of dist/embargo.service plus
  dist/embargo-enforce.conf quarantines a download in the user's home, and it is restored;
  under the unit's capabilities alone it cannot, and the download stays."""
import os
import re
import shutil
import subprocess
import tempfile

from harness import EMBARGO, ROOT, Skip, User, Watch

BIN = os.path.join(ROOT, "tests", "integration", "bin")
UNIT = os.path.join(ROOT, "dist", "embargo.service")
DROP_IN = os.path.join(ROOT, "dist", "embargo-enforce.conf")
FLIPS = 10000
RULES = """\
vendor: Quarantine
rules:
  - id: q-installer
    name: Banned installer downloaded
    severity: high
    on: [file]
    action: block
    match:
      file.name: "*.embargo-q.deb"
"""
NAME = "tool.embargo-q.deb"


def build(tmp):
    """qflip (the attacker) and qrace (quarantine__put in a loop), built for this test."""
    flip, race = os.path.join(tmp, "qflip"), os.path.join(tmp, "qrace")
    cc = ["cc", "-O2", "-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-Werror"]
    subprocess.run(cc + [os.path.join(BIN, "qflip.c"), "-o", flip], check=True)
    subprocess.run(cc + ["-I" + os.path.join(ROOT, d) for d in ("user", "include")] +
                   [os.path.join(BIN, "qrace.c")] +
                   [os.path.join(ROOT, "user", f) for f in
                    ("enforce/quarantine.c", "enforce/quarantine_meta.c", "lib/privs.c",
                     "lib/host.c")] + ["-o", race],
                   check=True)
    os.chmod(tmp, 0o755)
    return flip, race


def fingerprint(path):
    """Everything a chmod, chown, move or write would change; "missing" once moved away."""
    if not os.path.lexists(path):
        return "missing"
    st = os.lstat(path)
    with open(path, "rb") as f:
        return (st.st_ino, st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_ctime_ns,
                f.read())


def race(user, tmp, a, b, put_path, real_dir, names, victim):
    """qflip swaps a and b as the user while qrace puts put_path FLIPS times."""
    flip_bin, race_bin = build(tmp)
    store = os.path.join(tmp, "store")
    flipper = subprocess.Popen(user.argv(flip_bin, a, b), stdout=subprocess.PIPE, text=True)
    try:
        r = subprocess.run([race_bin, store, put_path, real_dir, str(user.uid),
                            str(user.gid), victim, str(FLIPS), *names],
                           capture_output=True, text=True, timeout=300)
    finally:
        flipper.terminate()
        flips = int(flipper.communicate(timeout=30)[0] or 0)
    tally = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", r.stdout))
    return r, tally, flips


def test_the_symlink_flip_race_never_quarantines_a_link_or_touches_the_root_file():
    with User() as user, tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        os.chmod(tmp, 0o755)
        root_dir = os.path.join(tmp, "etc")              # stands for /etc: root's, 0755
        os.mkdir(root_dir, 0o755)
        victim = os.path.join(root_dir, "shadow")
        with open(victim, "w") as f:
            f.write("root:*:19000:0:99999:7:::\n")
        os.chmod(victim, 0o640)
        before = fingerprint(victim)
        downloads = user.mkdir(os.path.join(tmp, "downloads"))
        link = os.path.join(downloads, "tool.link")
        os.symlink(victim, link)
        os.lchown(link, user.uid, user.gid)
        r, tally, flips = race(user, tmp, os.path.join(downloads, NAME), link,
                               os.path.join(downloads, NAME), downloads, [NAME, "tool.link"],
                               victim)
        after = fingerprint(victim)
        store_left = os.listdir(os.path.join(tmp, "store"))
    assert r.returncode == 0 and tally["bad"] == 0, (r.stdout, r.stderr)
    assert tally["puts"] == FLIPS and flips >= FLIPS, (tally, flips)
    # the race was run: some puts met the link (refused), some the download (moved)
    assert tally["link"] > 0 and tally["quarantined"] > 0, tally
    assert tally["other"] == 0, (tally, r.stderr)
    assert after == before          # same inode, mode, owner, links, ctime and bytes
    assert store_left == []         # every entry was checked (and removed) by qrace


def test_the_directory_flip_race_never_quarantines_a_root_file():
    with User() as user, tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        os.chmod(tmp, 0o755)
        root_dir = os.path.join(tmp, "etc")
        os.mkdir(root_dir, 0o755)
        victim = os.path.join(root_dir, NAME)            # root's file of the banned name
        with open(victim, "w") as f:
            f.write("root's own\n")
        os.chmod(victim, 0o644)
        before = fingerprint(victim)
        home = user.mkdir(os.path.join(tmp, "home"))
        downloads = user.mkdir(os.path.join(home, "dl"))
        alt = os.path.join(home, "dl.alt")
        os.symlink(root_dir, alt)
        os.lchown(alt, user.uid, user.gid)
        r, tally, flips = race(user, tmp, downloads, alt, os.path.join(downloads, NAME),
                               downloads, [NAME], victim)
        after = fingerprint(victim)
    assert r.returncode == 0 and tally["bad"] == 0, (r.stdout, r.stderr)
    assert tally["puts"] == FLIPS and flips >= FLIPS, (tally, flips)
    assert tally["link"] > 0 and tally["quarantined"] > 0 and tally["other"] == 0, tally
    assert after == before


def q_alert(name):
    return lambda e: e.get("rule", {}).get("id") == "q-installer" and \
        e.get("file", {}).get("name") == name


def download(user, directory):
    """As the user, browser-style: written as .part, mode 0640, renamed into place."""
    r = user.run(f"cd '{directory}' && umask 027 && head -c 64 /dev/urandom > {NAME}.part "
                 f"&& mv {NAME}.part {NAME}")
    assert r.returncode == 0, r.stderr
    return os.path.join(directory, NAME)


def quarantine(*args):
    return subprocess.run([EMBARGO, "quarantine", *args], capture_output=True, text=True,
                          timeout=30)


class Lab:
    """A root-owned scratch directory with the rules and a quarantine directory path."""

    def __init__(self, store_parent=None):
        self.dir = tempfile.mkdtemp(prefix="embargo-qlab-")
        self.rules = os.path.join(self.dir, "q.yaml")
        with open(self.rules, "w") as f:
            f.write(RULES)
        parent = tempfile.mkdtemp(prefix="embargo-qstore-", dir=store_parent) \
            if store_parent else self.dir
        self.store = os.path.join(parent, "quarantine")
        self.parent = parent

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.parent, ignore_errors=True)

    def watch(self, prefix=()):
        return Watch("--rules", self.rules, "--enforce", "--quarantine-dir", self.store,
                     prefix=prefix)


def test_restore_refuses_a_download_directory_replaced_by_a_link():
    with User() as user, Lab() as lab:
        downloads = user.mkdir(os.path.join(user.home, "Downloads"), 0o700)
        with lab.watch() as w:
            path = download(user, downloads)
            e = w.wait_for(q_alert(NAME), what="the quarantine alert")
        qid = e["embargo"]["enforcement"]["quarantine_id"]
        # the user swaps the download directory for a link to a root directory
        root_dir = os.path.join(lab.dir, "etc")
        os.mkdir(root_dir, 0o755)
        moved = downloads + ".real"
        r = user.run(f"mv '{downloads}' '{moved}' && ln -s '{root_dir}' '{downloads}'")
        assert r.returncode == 0, r.stderr
        refused = quarantine("restore", "--dir", lab.store, qid)
        planted = os.listdir(root_dir)
        still = quarantine("list", "--dir", lab.store)
        # the admin names the real one
        to = quarantine("restore", "--dir", lab.store, "--to", moved, qid)
        back = os.stat(os.path.join(moved, NAME))
    assert e["embargo"]["enforcement"]["result"] == "quarantined"
    assert refused.returncode == 2 and "symbolic link" in refused.stderr, refused.stderr
    assert f"failed to restore '{qid}' to {path}" in refused.stderr
    assert planted == [] and qid in still.stdout
    assert to.returncode == 0 and to.stdout == f"restored {moved}/{NAME}\n", to.stderr
    assert (back.st_uid, back.st_gid, back.st_mode & 0o7777) == (user.uid, user.gid, 0o640)


def unit_caps(*files):
    """The capability bounding set the unit and its drop-ins give (lines add up)."""
    caps = []
    for path in files:
        with open(path) as f:
            for line in f:
                if line.startswith("CapabilityBoundingSet="):
                    caps += line.split("=", 1)[1].lower().replace("cap_", "").split()
    return caps


def as_the_service(caps):
    return ["setpriv", "--bounding-set=-all," + ",".join("+" + c for c in caps),
            "--inh-caps=-all", "--no-new-privs"]


def cap_sets(pid):
    """{name: set of capability numbers} over every thread of pid (capabilities are
    per thread): CapPrm and CapBnd as the main thread has them, CapEff of all together."""
    out = {"CapEff": set()}
    for tid in sorted(os.listdir(f"/proc/{pid}/task")):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith(("CapPrm:", "CapEff:", "CapBnd:")):
                    bits = {n for n in range(64) if int(line.split()[1], 16) >> n & 1}
                    out[line[:6]] = out.get(line[:6], set()) | bits
    out["threads"] = len(os.listdir(f"/proc/{pid}/task"))
    return out


CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER = 0, 1, 3


def quarantined_under_the_units_caps(store_parent=None):
    caps = unit_caps(UNIT, DROP_IN)
    with User() as user, Lab(store_parent) as lab:
        downloads = user.mkdir(os.path.join(user.home, "Downloads"), 0o700)
        with lab.watch(prefix=as_the_service(caps)) as w:
            sets = cap_sets(w.proc.pid)
            path = download(user, downloads)
            e = w.wait_for(q_alert(NAME), what="the quarantine alert")
            gone = not os.path.lexists(path)
        qid = e["embargo"]["enforcement"]["quarantine_id"]
        held = os.lstat(os.path.join(lab.store, qid, "file"))
        restored = quarantine("restore", "--dir", lab.store, qid)
        back = os.stat(path)
    assert caps == ["bpf", "perfmon", "sys_ptrace", "dac_read_search", "kill",
                    "dac_override", "fowner"], caps
    # permitted, but out of the effective set outside the quarantine's own code
    assert {CAP_DAC_OVERRIDE, CAP_FOWNER} <= sets["CapPrm"], sets
    assert not {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER} & sets["CapEff"], sets
    assert sets["threads"] > 1, sets       # the sinks' threads were checked too
    assert CAP_CHOWN not in sets["CapBnd"]
    assert e["embargo"]["enforcement"]["result"] == "quarantined", e["embargo"]
    assert gone and held.st_mode & 0o7777 == 0 and held.st_nlink == 1
    assert restored.returncode == 0 and restored.stdout == f"restored {path}\n", restored.stderr
    assert (back.st_uid, back.st_gid, back.st_mode & 0o7777) == (user.uid, user.gid, 0o640)


def test_quarantine_works_under_the_units_capabilities_with_the_enforce_drop_in():
    quarantined_under_the_units_caps()


def test_quarantine_across_filesystems_under_the_units_capabilities():
    if os.stat("/home").st_dev == os.stat("/dev/shm").st_dev:
        raise Skip("/dev/shm is on the same filesystem as /home here")
    quarantined_under_the_units_caps(store_parent="/dev/shm")


def test_without_the_drop_in_quarantine_is_refused_and_the_download_stays():
    caps = unit_caps(UNIT)
    with User() as user, Lab() as lab:
        downloads = user.mkdir(os.path.join(user.home, "Downloads"), 0o700)
        with lab.watch(prefix=as_the_service(caps)) as w:
            path = download(user, downloads)
            e = w.wait_for(q_alert(NAME), what="the quarantine alert")
            stayed = os.stat(path)
            said = w.stderr()
    assert e["embargo"]["enforcement"]["result"] == "failed", e["embargo"]
    assert stayed.st_uid == user.uid and stayed.st_mode & 0o7777 == 0o640
    # said at start, and again when it failed, in words that name the fix
    assert "lacks CAP_DAC_OVERRIDE and CAP_FOWNER" in said and "embargo-enforce.conf" in said
