# SPDX-License-Identifier: GPL-2.0-only
"""Rules against real execs: alerts by name, path, hash and argv; reloads; shipped rules."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile

from harness import EMBARGO, ROOT, Watch, embargo, run, stat_counter

PRINTF = "/usr/bin/printf"

RULES = """\
vendor: Testvendor
references: [https://example.org/ban-policy]
rules:
  - id: test-by-name
    name: Banned tool by name
    severity: low
    match:
      process.name: embargo-banned-name
  - id: test-by-path
    name: Banned tool by path
    severity: medium
    match:
      process.executable: "{dir}/banned-dir/*"
  - id: test-by-hash
    name: Banned tool by content
    description: any copy of the banned binary, whatever its name
    severity: high
    references: [https://example.org/hash-rule]
    match:
      process.hash.sha256: "{sha}"
  - id: test-by-argv
    name: Banned tool by argv
    severity: critical
    match:
      all:
        - process.args: "--embargo-test-marker=*"
        - not:
            process.name: never-this
"""


class Lab:
    """A directory with a unique test binary (so its hash is ours alone) and a rules file."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="embargo-rules-")
        self.binary = os.path.join(self.dir, "unique-tool")
        with open(PRINTF, "rb") as f:
            data = f.read() + b"\0embargo-test-" + os.urandom(16)  # still runs: trailing bytes
        with open(self.binary, "wb") as f:
            f.write(data)
        os.chmod(self.binary, 0o755)
        self.sha = hashlib.sha256(data).hexdigest()
        self.rules_dir = os.path.join(self.dir, "rules.d")
        os.mkdir(self.rules_dir)
        self.write("test.yaml", RULES.format(dir=self.dir, sha=self.sha))

    def write(self, name, text):
        with open(os.path.join(self.rules_dir, name), "w") as f:
            f.write(text)

    def copy(self, relpath):
        path = os.path.join(self.dir, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy(self.binary, path)
        return path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)


def alert_for(pid, rule_id):
    return lambda e: e.get("event", {}).get("kind") == "alert" and \
        e.get("process", {}).get("pid") == pid and e.get("rule", {}).get("id") == rule_id


def state(action):
    return lambda e: e.get("event", {}).get("kind") == "state" and \
        e["event"].get("action") == action


def test_alert_by_name_has_rule_and_reason():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        path = lab.copy("x/embargo-banned-name")
        pid = run([path, "hello"])
        e = w.wait_for(alert_for(pid, "test-by-name"))
    assert e["event"]["kind"] == "alert" and e["event"]["severity"] == 21
    assert e["rule"] == {"id": "test-by-name", "name": "Banned tool by name",
                         "ruleset": "Testvendor", "reference": "https://example.org/ban-policy"}
    assert e["embargo"]["match"] == ['process.name == "embargo-banned-name"']
    assert e["event"]["reason"] == 'rule test-by-name matched: process.name == "embargo-banned-name"'
    assert e["process"]["executable"] == path and e["process"]["args"] == [path, "hello"]
    assert e["process"]["parent"]["pid"] == os.getpid()
    assert e["user"]["name"] == "root"


def test_alert_by_path_glob():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        path = lab.copy("banned-dir/deep/sub/tool")
        pid = run([path])
        e = w.wait_for(alert_for(pid, "test-by-path"))
    assert e["event"]["severity"] == 47
    assert e["embargo"]["match"] == [
        f'process.executable ~ "{lab.dir}/banned-dir/*" ("{path}")']


def test_alert_by_hash_whatever_the_name():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        renamed = shutil.copy(lab.binary, "/dev/shm/innocent-%d" % os.getpid())
        try:
            pid = run([renamed, "x"])
            e = w.wait_for(alert_for(pid, "test-by-hash"))
        finally:
            os.unlink(renamed)
    assert e["process"]["hash"]["sha256"] == lab.sha
    assert e["process"]["name"] == os.path.basename(renamed)
    assert e["rule"]["description"] == "any copy of the banned binary, whatever its name"
    assert e["rule"]["reference"] == "https://example.org/hash-rule"
    assert e["embargo"]["rule"]["references"] == ["https://example.org/hash-rule",
                                                   "https://example.org/ban-policy"]
    assert e["embargo"]["match"] == [f'process.hash.sha256 == "{lab.sha}"']


def test_alert_by_argv_pattern():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        pid = run([PRINTF, "%s", "--embargo-test-marker=42"])
        e = w.wait_for(alert_for(pid, "test-by-argv"))
    assert e["event"]["severity"] == 99
    assert e["embargo"]["rule"]["severity"] == "critical"
    assert e["embargo"]["match"][0] == \
        'process.args ~ "--embargo-test-marker=*" ("--embargo-test-marker=42")'
    assert e["embargo"]["match"][1].startswith("not process.name")


def test_without_all_only_alerts_and_state_are_printed():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        innocent = run([PRINTF, "innocent"])
        pid = run([PRINTF, "%s", "--embargo-test-marker=1"])
        w.wait_for(alert_for(pid, "test-by-argv"))
        events = list(w.events)
    assert all(e["event"]["kind"] in ("alert", "state") for e in events)
    assert not [e for e in events if e.get("process", {}).get("pid") == innocent]
    started = [e for e in events if e["event"]["kind"] == "state"][0]
    assert started["event"]["action"] == "started"
    assert "4 rules" in started["message"]


def test_sighup_with_broken_file_keeps_old_rules():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        lab.write("zz-broken.yaml", "vendor: Broken\nrules:\n  - id: x\n    severity: huge\n")
        w.proc.send_signal(signal.SIGHUP)
        failed = w.wait_for(state("rules-reload"))
        pid = run([PRINTF, "%s", "--embargo-test-marker=after"])
        w.wait_for(alert_for(pid, "test-by-argv"))
    broken = os.path.join(lab.rules_dir, "zz-broken.yaml")
    assert failed["event"]["outcome"] == "failure"
    assert "keeping 4 rules" in failed["message"]
    assert f"{broken}:4:15: severity must be low, medium, high or critical, not 'huge'" in \
        failed["error"]["message"]
    assert f"{broken}:3:5: rule 'x' is missing 'name'" in failed["error"]["message"]
    assert "rules reload failed" in w.stderr()


def test_sighup_with_new_rule_starts_alerting():
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        before = run([PRINTF, "new-rule-marker"])
        lab.write("new.yaml", "vendor: New\nrules:\n  - id: test-new\n    name: New rule\n"
                              "    severity: high\n    match:\n      process.args: new-rule-marker\n")
        w.proc.send_signal(signal.SIGHUP)
        ok = w.wait_for(state("rules-reload"))
        pid = run([PRINTF, "new-rule-marker"])
        w.wait_for(alert_for(pid, "test-new"))
        events = list(w.events)
    assert ok["event"]["outcome"] == "success" and "5 rules" in ok["message"]
    assert not [e for e in events if e.get("process", {}).get("pid") == before]


def test_named_executables_wake_the_daemon_at_once():
    """Names and paths from the rules go to the kernel's hot list; a reload replaces it."""
    with Lab() as lab, Watch("--rules", lab.rules_dir) as w:
        named = lab.copy("x/embargo-banned-name")
        pid = run([named])
        w.wait_for(alert_for(pid, "test-by-name"))
        pid = run([lab.copy("banned-dir/tool")])
        w.wait_for(alert_for(pid, "test-by-path"))
        run([PRINTF, "not on the list"])
        lab.write("test.yaml", "vendor: New\nrules:\n  - id: test-new-hot\n    name: New\n"
                               "    severity: high\n    match:\n"
                               "      process.name: Embargo-New-Hot\n")
        w.proc.send_signal(signal.SIGHUP)
        assert w.wait_for(state("rules-reload"))["event"]["outcome"] == "success"
        run([named])                                   # its rule is gone: not hot any more
        pid = run([lab.copy("y/embargo-new-hot")])     # the key is lowercase: hot
        code, summary = w.stop()
    assert code == 0
    assert "hot list: 1 names, 1 paths" in w.stderr(), w.stderr()
    assert "hot list: 1 names, 0 paths" in w.stderr()
    assert stat_counter(summary, "hot") == 3, summary


def test_broken_rules_at_start_are_a_runtime_error():
    with Lab() as lab:
        lab.write("bad.yaml", "vendor: X\nrules: [\n")
        r = subprocess.run([EMBARGO, "watch", "--rules", lab.rules_dir], capture_output=True,
                           timeout=30)
    assert r.returncode == 2
    assert b"failed to load rules" in r.stderr and b"bad.yaml:3:1: YAML:" in r.stderr


def test_rules_check_reports_file_line_col_and_exit_codes():
    with Lab() as lab:
        good = embargo("rules", "check", lab.rules_dir)
        lab.write("bad.yaml", "vendor: X\nrules:\n  - id: a\n    name: A\n    severity: low\n"
                              "    match:\n      process.nmae: x\n")
        bad = embargo("rules", "check", lab.rules_dir)
        bad_json = embargo("rules", "check", "--format", "json", lab.rules_dir)
    assert good.returncode == 0 and good.stdout.startswith(b"ok: 4 rules in 1 files")
    assert bad.returncode == 1
    path = os.path.join(lab.rules_dir, "bad.yaml")
    assert f"{path}:7:7: unknown field 'process.nmae'\n".encode() in bad.stdout
    report = json.loads(bad_json.stdout)
    assert report["valid"] is False and report["errors"] == [f"{path}:7:7: unknown field 'process.nmae'"]


def test_shipped_rules_are_valid_and_listed():
    r = embargo("rules", "check", os.path.join(ROOT, "rules"))
    assert r.returncode == 0, r.stdout
    listing = embargo("rules", "list", "--rules", os.path.join(ROOT, "rules"), "--format", "json")
    rules = [json.loads(l) for l in listing.stdout.splitlines()]
    assert {r["rule"]["ruleset"] for r in rules} == {"Kaspersky", "Tencent"}
    assert all(r["references"] for r in rules), "every shipped rule cites its sources"


def elf_files(top):
    """Every ELF file below top (programs, libraries, modules), symlinks not followed."""
    found = []
    for d, _, names in os.walk(top):
        for name in names:
            path = os.path.join(d, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as f:
                    if f.read(4) == b"\x7fELF":
                        found.append(path)
            except OSError:
                pass
    return sorted(found)


def test_shipped_rules_match_no_benign_program():
    files = elf_files("/usr")
    # two halves at once: every file is hashed (5.8 GB here), one core each
    halves = [subprocess.Popen([EMBARGO, "rules", "test", "--rules", os.path.join(ROOT, "rules"),
                                "--format", "json", *files[i::2]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in (0, 1)]
    for p in halves:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, out.decode()[:2000] + err.decode()[:2000]
        assert out == b""
    assert len(files) > 1000, files
    print(f"    {len(files)} ELF files under /usr: no shipped rule matches")


def test_shipped_rules_match_a_kaspersky_layout():
    with tempfile.TemporaryDirectory() as d:
        kesl = os.path.join(d, "kesl-control")
        shutil.copy(PRINTF, kesl)
        r = embargo("rules", "test", "--rules", os.path.join(ROOT, "rules"), "--format", "json",
                    kesl)
    assert r.returncode == 1
    alert = json.loads(r.stdout.splitlines()[0])
    assert alert["rule"]["id"] == "kaspersky-kesl-process"
    assert alert["rule"]["ruleset"] == "Kaspersky"


def test_shipped_rule_alerts_under_watch():
    # the shipped rules as `make run` loads them: a Kaspersky tool started from a folder
    with tempfile.TemporaryDirectory() as d, \
            Watch("--rules", os.path.join(ROOT, "rules")) as w:
        kesl = os.path.join(d, "kesl-control")
        shutil.copy(PRINTF, kesl)
        pid = run([kesl, "--app-info"])
        e = w.wait_for(alert_for(pid, "kaspersky-kesl-process"))
    assert e["rule"]["ruleset"] == "Kaspersky"
    assert e["process"]["executable"] == kesl
    assert e["process"]["args"] == [kesl, "--app-info"]
