# SPDX-License-Identifier: GPL-2.0-only
"""Operations: the control socket (status, rules reload), systemd's notify protocol, the
settings file, and the service's capability set, all against the real daemon."""
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile

from harness import EMBARGO, Watch, embargo, run

RULE = """\
vendor: Ops
rules:
  - id: ops-banned
    name: Ops test program
    severity: high
    match:
      any:
        - process.name: embargo-ops-banned
        - process.hash.sha256: "{sha}"
"""
BROKEN = "vendor: Broken\nrules:\n  - id: b\n    name: B\n    severity: huge\n    match: {}\n"
CAPS = ["bpf", "perfmon", "sys_ptrace", "dac_read_search", "kill"]   # dist/embargo.service


class Lab:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="embargo-ops-")
        os.chmod(self.dir, 0o755)
        self.sock = os.path.join(self.dir, "run", "control.sock")
        self.rules = os.path.join(self.dir, "rules")
        os.mkdir(self.rules)
        self.write_rules(RULE.format(sha="0" * 64))

    def write_rules(self, text, name="ops.yaml"):
        with open(os.path.join(self.rules, name), "w") as f:
            f.write(text)

    def ask(self, *args):
        return subprocess.run([EMBARGO, *args, "--socket", self.sock], capture_output=True,
                              text=True, timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)


def test_status_answers_in_text_and_json():
    with Lab() as lab, Watch("--rules", lab.rules, "--control", lab.sock) as w:
        run(["/bin/true"])
        text = lab.ask("status")
        js = lab.ask("status", "--format", "json")
        assert oct(os.stat(os.path.dirname(lab.sock)).st_mode & 0o777) == "0o700"
        assert oct(os.stat(lab.sock).st_mode & 0o777) == "0o600"
    assert text.returncode == 0, text.stderr
    assert "rules: 1 from 1 files" in text.stdout and "probes tp_btf" in text.stdout
    assert "output ecs:stdout: up" in text.stdout
    assert js.returncode == 0
    st = json.loads(js.stdout)
    assert st["pid"] == w.proc.pid and st["probes"] == "tp_btf"
    assert st["rules"]["count"] == 1 and len(st["rules"]["version"]) == 16
    assert st["kernel"]["exec"] >= 1 and st["kernel"]["dropped"] == 0
    assert st["outputs"] == [{"spec": "ecs:stdout", "state": "up", "queued": False,
                              "written": st["outputs"][0]["written"], "failed": 0,
                              "spooled": 0, "evicted": 0}]


def test_rules_reload_reports_success_and_refusal():
    with Lab() as lab, Watch("--rules", lab.rules, "--control", lab.sock) as w:
        lab.write_rules(BROKEN, "zz.yaml")
        refused = lab.ask("rules", "reload")
        refused_js = lab.ask("rules", "reload", "--format", "json")
        os.unlink(os.path.join(lab.rules, "zz.yaml"))
        lab.write_rules(RULE.format(sha="0" * 64) + "  - id: ops-two\n    name: Two\n"
                        "    severity: low\n    match:\n      process.name: two\n")
        ok = lab.ask("rules", "reload")
        states = [e for e in w.events if e["event"]["action"] == "rules-reload"]
    broken = os.path.join(lab.rules, "zz.yaml")
    assert refused.returncode == 1
    assert "rules reload failed; keeping 1 rules" in refused.stdout
    assert f"{broken}:5:15: severity must be low, medium, high or critical" in refused.stdout
    js = json.loads(refused_js.stdout)
    assert js["outcome"] == "failure" and any(e.startswith(f"{broken}:5:15:")
                                               for e in js["errors"])
    assert ok.returncode == 0 and "rules reloaded: 2 rules" in ok.stdout
    # the SIEM hears of each, as with SIGHUP
    assert [e["event"]["outcome"] for e in states] == ["failure", "failure", "success"]


def test_only_root_may_ask_and_an_absent_daemon_is_exit_two():
    with Lab() as lab, Watch("--rules", lab.rules, "--control", lab.sock):
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            EMBARGO, "status", "--socket", lab.sock], capture_output=True,
                           text=True)
    assert r.returncode == 2 and "Permission denied" in r.stderr
    gone = lab.ask("status")
    assert gone.returncode == 2 and "is embargo watch running?" in gone.stderr


def test_a_second_daemon_does_not_take_the_socket():
    with Lab() as lab, Watch("--rules", lab.rules, "--control", lab.sock) as first:
        with Watch("--rules", lab.rules, "--control", lab.sock) as second:
            assert "another embargo watch answers there" in second.stderr()
        st = json.loads(lab.ask("status", "--format", "json").stdout)
    assert st["pid"] == first.proc.pid


def test_systemd_hears_ready_reloading_and_stopping():
    with Lab() as lab:
        path = os.path.join(lab.dir, "notify")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(10)
        os.environ["NOTIFY_SOCKET"] = path
        try:
            with Watch("--rules", lab.rules, "--control", lab.sock) as w:
                ready = s.recv(4096).decode()
                w.proc.send_signal(signal.SIGHUP)
                reloading, ready_again = s.recv(4096).decode(), s.recv(4096).decode()
                code, _ = w.stop()
                stopping = s.recv(4096).decode()
        finally:
            del os.environ["NOTIFY_SOCKET"]
            s.close()
    assert code == 0
    assert re.match(r"READY=1\nSTATUS=started: probes tp_btf \(paths: (bpf_loop|bounded), "
                    r"kernel [^)]+\), 1 rules", ready), ready
    assert f"MAINPID={w.proc.pid}" in ready
    assert (reloading, ready_again, stopping) == ("RELOADING=1", "READY=1", "STOPPING=1")


def test_settings_file_control_socket_and_its_errors():
    with Lab() as lab:
        conf = os.path.join(lab.dir, "embargo.conf")
        with open(conf, "w") as f:
            f.write(f"rules: [{lab.rules}]\ncontrol_socket: {lab.sock}\n")
        with Watch("--config", conf):
            assert lab.ask("status").returncode == 0
        with open(conf, "w") as f:
            f.write("heartbeat: 60\ncontrol_socket: run/relative.sock\n")
        r = embargo("watch", "--config", conf)
    assert r.returncode == 2
    assert f"{conf}:2:17: control_socket needs an absolute path or 'none'" in r.stderr.decode()


def setpriv_caps(caps):
    return ["setpriv", "--bounding-set=-all," + ",".join("+" + c for c in caps),
            "--inh-caps=-all", "--no-new-privs"]


def test_the_service_capability_set_is_enough():
    """The daemon as the unit runs it: only CAPS. A program of another user, unreadable
    to others, is still hashed (CAP_DAC_READ_SEARCH) and alerted on by that hash."""
    with Lab() as lab:
        prog = os.path.join(lab.dir, "renamed")
        shutil.copy("/usr/bin/true", prog)
        with open(prog, "ab") as f:
            f.write(b"\0embargo-ops-" + os.urandom(8))
        with open(prog, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        os.chown(prog, 65534, 65534)
        os.chmod(prog, 0o100)                     # only its owner may even execute it
        lab.write_rules(RULE.format(sha=sha))
        with Watch("--rules", lab.rules, "--control", lab.sock,
                   prefix=setpriv_caps(CAPS)) as w:
            pid = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", prog])
            e = w.wait_for(lambda e: e.get("rule", {}).get("id") == "ops-banned" and
                           e["process"]["pid"] == pid, what="hash alert under the unit's caps")
            st = lab.ask("status", "--format", "json")
    assert e["process"]["hash"]["sha256"] == sha and e["user"]["id"] == "65534"
    assert st.returncode == 0


def test_each_capability_of_the_set_is_needed():
    with Lab() as lab:
        for cap in ("bpf", "perfmon"):
            r = subprocess.run(setpriv_caps([c for c in CAPS if c != cap]) +
                               [EMBARGO, "watch", "--rules", lab.rules, "--control", "none"],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 2, (cap, r.stderr)
            # said before anything is loaded, in one line
            errors = [l for l in r.stderr.splitlines() if "error:" in l]
            assert len(errors) == 1 and "Operation not permitted" in errors[0], r.stderr
        prog = os.path.join(lab.dir, "private")
        shutil.copy("/usr/bin/true", prog)
        os.chown(prog, 65534, 65534)
        os.chmod(prog, 0o100)
        without = [c for c in CAPS if c not in ("dac_read_search", "sys_ptrace")]
        with Watch("--rules", lab.rules, "--control", "none", "--all",
                   prefix=setpriv_caps(without)) as w:
            pid = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", prog])
            # the same pid execs setpriv first: wait for the program's own exec
            e = w.wait_for(lambda e: e.get("process", {}).get("pid") == pid and
                           e["event"]["action"] == "exec" and
                           e["process"].get("executable") == prog)
    assert e["embargo"]["process"].get("identity_unavailable") is True, e["embargo"]["process"]
    assert "hash" not in e["process"]


def test_hash_size_limit_from_the_command_line_and_the_settings_file():
    with Lab() as lab:
        big = os.path.join(lab.dir, "big-program")
        shutil.copy("/usr/bin/true", big)
        with open(big, "ab") as f:
            f.write(b"\0" * (2 << 20))            # still runs: trailing bytes
        with Watch("--rules", lab.rules, "--all", "--hash-max-size", "1M",
                   "--control", lab.sock) as w:
            pid = run([big])
            e = w.wait_for(lambda e: e.get("process", {}).get("pid") == pid and
                           e["event"]["action"] == "exec")
            st = json.loads(lab.ask("status", "--format", "json").stdout)
        conf = os.path.join(lab.dir, "embargo.conf")
        with open(conf, "w") as f:
            f.write("heartbeat: 60\n\nhash_max_size: 10k\n")
        r = embargo("watch", "--config", conf)
    assert e["embargo"]["process"]["identity_unavailable"] is True
    assert st["hash"]["too_large"] >= 1
    assert r.returncode == 2
    assert f"{conf}:3:16: hash_max_size must be a size of at least 1M" in r.stderr.decode()
