# SPDX-License-Identifier: GPL-2.0-only
"""Every field embargo emits is an ECS 9.4 field of the right type, or one of our own."""
import csv
import os
import re
import shutil
import signal
import subprocess
import tempfile

from harness import ROOT, Watch, exec_event, run

# ECS 9.4.0 field list, Apache-2.0, carried in the tree: tests/data/ecs/README.md says whence
SCHEMA = os.path.join(ROOT, "tests", "data", "ecs", "fields-9.4.0.csv")
OWN_PREFIXES = ("embargo.", "labels.")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
KEYWORDS = {"keyword", "wildcard", "constant_keyword", "match_only_text", "text", "flattened"}


def load_schema():
    with open(SCHEMA, newline="") as f:
        return {row["Field"]: row for row in csv.DictReader(f)}


def flatten(obj, prefix=""):
    for key, value in obj.items():
        name = prefix + key
        if isinstance(value, dict):
            yield from flatten(value, name + ".")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:  # ECS nested: an array of objects
                yield from flatten(item, name + ".")
        else:
            yield name, value


def type_ok(ecs_type, value):
    if ecs_type in KEYWORDS or ecs_type == "ip":
        return isinstance(value, str)
    if ecs_type in ("long", "integer", "short", "byte", "unsigned_long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if ecs_type in ("float", "scaled_float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if ecs_type == "boolean":
        return isinstance(value, bool)
    if ecs_type == "date":
        return isinstance(value, str) and DATE.match(value)
    return False


def run_problems(event):
    """Ours: every record names its run and its number in it (docs/outputs.md)."""
    own = event.get("embargo", {})
    problems = []
    seq = own.get("sequence")
    if not (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1):
        problems.append(f"embargo.sequence: the record's number, missing or {seq!r}")
    run = own.get("run", {})
    if not (isinstance(run.get("id"), str) and re.match(r"^[0-9a-z-]+-\d+$", run["id"])):
        problems.append(f"embargo.run.id: missing or {run.get('id')!r}")
    if not (isinstance(run.get("start"), str) and DATE.match(run["start"])):
        problems.append(f"embargo.run.start: missing or {run.get('start')!r}")
    return problems


def check_event(schema, event):
    problems = run_problems(event)
    for name, value in flatten(event):
        if name.startswith(OWN_PREFIXES):
            continue
        row = schema.get(name)
        if row is None:
            problems.append(f"{name}: not an ECS 9.4 field")
            continue
        is_array = "array" in row["Normalization"]
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not is_array:
            problems.append(f"{name}: ECS says scalar, got an array")
        if not isinstance(value, list) and is_array:
            problems.append(f"{name}: ECS says array, got a scalar")
        for v in values:
            if not type_ok(row["Type"], v):
                problems.append(f"{name}: {v!r} is not of ECS type {row['Type']}")
    return problems


ALERT_RULES = """\
vendor: ECS check
references: [https://example.org/a, https://example.org/b]
rules:
  - id: ecs-alert
    name: an alert for the schema check
    description: matches printf with a marker
    severity: high
    match:
      process.args: ecs-alert-marker
"""


def test_every_emitted_field_is_in_ecs_with_its_type():
    schema = load_schema()
    rules = tempfile.mkdtemp()
    with open(os.path.join(rules, "r.yaml"), "w") as f:
        f.write(ALERT_RULES)
    with Watch("--all", "--rules", rules) as w:
        alert_pid = run(["/usr/bin/printf", "ecs-alert-marker"])
        w.wait_for(lambda e: e["event"]["kind"] == "alert" and e["process"]["pid"] == alert_pid)
        with open(os.path.join(rules, "z.yaml"), "w") as f:
            f.write("vendor: [broken\n")
        w.proc.send_signal(signal.SIGHUP)
        w.wait_for(lambda e: e["event"]["kind"] == "state" and e.get("error"))
        pids = [run(["/usr/bin/printf", "x"]),
                run(["/bin/sh", "-c", "/bin/true; /bin/true"]),
                run(["/usr/bin/env", "-i", "/bin/true", "\xff"])]
        for pid in pids:
            w.wait_for(exec_event(pid))
        # a process with a controlling terminal: script(1) gives it one
        out = subprocess.run(["script", "-qc", "/bin/true tty-check", "/dev/null"],
                             capture_output=True)
        assert out.returncode == 0, out
        tty = w.wait_for(lambda e: e.get("process", {}).get("args") == ["/bin/true", "tty-check"])
        events = list(w.events)
    shutil.rmtree(rules)
    assert {e["event"]["kind"] for e in events} == {"event", "alert", "state"}
    assert tty["process"]["interactive"] is True
    assert tty["process"]["tty"]["char_device"]["major"] == 136
    problems = {}
    for event in events:
        for p in check_event(schema, event):
            problems[p] = problems.get(p, 0) + 1
    assert not problems, "\n".join(problems)
    print(f"    {len(events)} events, every field valid ECS 9.4")
