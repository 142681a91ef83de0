# SPDX-License-Identifier: GPL-2.0-only
"""Every probe family loads and reports on this kernel; the fallback chain is real; the
started record says what the kernel gave; a refusal is said in the verifier's own words."""
import os
import platform
import re
import subprocess
import tempfile

from harness import EMBARGO, Watch, exec_event, run

PRIVATE_MOUNTS = ["unshare", "--mount", "--propagation", "private"]


def check_family(family, prefix=()):
    """family None: the default, which must be tp_btf on every kernel of the matrix."""
    pin = ("--probes", family) if family else ()
    family = family or "tp_btf"
    with Watch("--all", *pin, prefix=prefix) as w:
        pid = run(["/usr/bin/printf", family])
        e = w.wait_for(exec_event(pid))
        code, _ = w.stop()
    assert f"process probes attached as {family}" in w.stderr()
    assert code == 0
    assert e["process"]["executable"] == "/usr/bin/printf"
    assert e["process"]["args"] == ["/usr/bin/printf", family]
    assert e["process"]["parent"]["pid"] == os.getpid()
    return e, w


def test_tp_btf_family_is_the_default():
    check_family(None)


def test_raw_tp_family_and_its_started_record():
    # the started record says what the kernel gave (one watch for both: each start is
    # ~10 s under the kernel matrix's emulation)
    e, w = check_family("raw_tp")
    caps = next(r for r in w.events if r.get("event", {}).get("action") == "started")[
        "embargo"]["capabilities"]
    assert caps["kernel"] == platform.release()
    assert caps["probes"] == "raw_tp"
    assert caps["path_walk"] == ("bpf_loop" if kernel_has_bpf_loop() else "bounded")
    assert "unavailable" not in caps  # every file probe attached
    if kernel_has_bpf_loop():
        assert "fallbacks" not in caps  # the best of everything: nothing to say
    else:
        assert any(f.startswith("path walk: bounded loop") for f in caps["fallbacks"])


def test_tracepoint_family_mounts_tracefs_privately():
    # tracefs is mounted by embargo when needed; a private mount namespace keeps the
    # test from leaving it mounted on the machine
    e, w = check_family("tracepoint", prefix=PRIVATE_MOUNTS)
    assert e["process"]["args_count"] == 2


def _with_fault(fault, *args):
    os.environ["EMBARGO_FAULT"] = fault
    try:
        with Watch("--all", *args, prefix=PRIVATE_MOUNTS) as w:
            pid = run(["/usr/bin/printf", "fallback"])
            e = w.wait_for(exec_event(pid))
    finally:
        del os.environ["EMBARGO_FAULT"]
    return e, w.stderr()


def test_failed_tp_btf_falls_back_to_raw_tp_and_says_why():
    e, err = _with_fault("load:tp_btf")
    assert "failed to load tp_btf probes: fault injected" in err
    assert "falling back from tp_btf to raw_tp probes" in err
    assert "process probes attached as raw_tp" in err
    assert e["process"]["args"] == ["/usr/bin/printf", "fallback"]


def test_failed_tp_btf_and_raw_tp_fall_back_to_tracepoint():
    e, err = _with_fault("load:tp_btf,raw_tp")
    assert "falling back from raw_tp to tracepoint probes" in err
    assert "process probes attached as tracepoint" in err
    assert e["process"]["args"] == ["/usr/bin/printf", "fallback"]


def test_pinned_family_that_fails_is_a_runtime_error():
    os.environ["EMBARGO_FAULT"] = "load:raw_tp"
    try:
        r = subprocess.run([EMBARGO, "watch", "--probes", "raw_tp"], capture_output=True,
                           timeout=30)
    finally:
        del os.environ["EMBARGO_FAULT"]
    assert r.returncode == 2
    assert b"failed to load raw_tp probes" in r.stderr
    assert b"failed to load the process probes" in r.stderr
    assert b"falling back" not in r.stderr


def kernel_has_bpf_loop():
    """bpf_loop() came in 5.17 (the Debian kernels of the matrix have no backport)."""
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", platform.release()).groups())
    return (major, minor) >= (5, 17)


def started_record(w):
    return w.wait_for(lambda e: e.get("event", {}).get("action") == "started")


def test_fallbacks_are_in_the_started_record():
    os.environ["EMBARGO_FAULT"] = "load:tp_btf,feature:bpf_loop"
    try:
        with Watch(prefix=PRIVATE_MOUNTS) as w:
            caps = started_record(w)["embargo"]["capabilities"]
    finally:
        del os.environ["EMBARGO_FAULT"]
    assert caps["probes"] == "raw_tp"
    assert caps["path_walk"] == "bounded"
    assert caps["fallbacks"][0].startswith("falling back from tp_btf to raw_tp probes")
    assert caps["fallbacks"][1].startswith("path walk: bounded loop")
    assert "path walk: bounded loop" in w.stderr()  # said at start too, once
    assert w.stderr().count("path walk: bounded loop") == 1


def exec_paths(env_fault, runs):
    """[(executable, cwd, args)] of each (argv, cwd) exec, as the probes saw them."""
    if env_fault:
        os.environ["EMBARGO_FAULT"] = env_fault
    try:
        with Watch("--all") as w:
            events = [w.wait_for(exec_event(run(argv, cwd=cwd))) for argv, cwd in runs]
    finally:
        os.environ.pop("EMBARGO_FAULT", None)
    return [(e["process"]["executable"], e["process"]["working_directory"],
             e["process"]["args"]) for e in events]


def test_bounded_walk_gives_the_same_paths_as_bpf_loop():
    # 30 components deep, across the /dev/shm, /dev and /sys mounts: what the walk must
    # get right on kernels without bpf_loop()
    with tempfile.TemporaryDirectory(dir="/dev/shm") as top:
        deep = os.path.join(top, *["d%02d" % i for i in range(30)])
        os.makedirs(deep)
        prog = os.path.join(deep, "prog")
        with open("/usr/bin/true", "rb") as src, open(prog, "wb") as dst:
            dst.write(src.read())
        os.chmod(prog, 0o755)
        runs = [([prog, "x"], "/sys/kernel"), (["/usr/bin/true"], deep)]
        with_loop = exec_paths(None, runs)
        bounded = exec_paths("feature:bpf_loop", runs)
        assert bounded == with_loop
        assert with_loop == [(os.path.realpath(argv[0]), os.path.realpath(cwd), argv)
                             for argv, cwd in runs]


def test_refused_program_is_said_in_the_verifiers_words():
    os.environ["EMBARGO_FAULT"] = "refuse:tracepoint"
    try:
        r = subprocess.run([EMBARGO, "watch", "--probes", "tracepoint"], capture_output=True,
                           timeout=60)
        rv = subprocess.run([EMBARGO, "watch", "-v", "--probes", "tracepoint"],
                            capture_output=True, timeout=60)
    finally:
        del os.environ["EMBARGO_FAULT"]
    err = r.stderr.decode()
    assert r.returncode == 2
    # the exec program of the family, or its bounded copy on kernels without bpf_loop()
    assert re.search(r"the kernel refused program 'handle_exec_tp(_bounded)?'", err), err
    # the verdict without -v: the instruction, the reason, the count
    assert "invalid access to map value, value_size=8" in err
    assert re.search(r"processed \d+ insns", err)
    assert len(err.splitlines()) < 20
    # -v: the whole log, from its first instruction, never cut
    verbose = rv.stderr.decode()
    assert re.search(r"libbpf: 0: \(", verbose)
    assert len(verbose.splitlines()) > len(err.splitlines())
    assert err.count("error:") == 1


def test_no_btf_or_ring_buffer_is_one_clear_line():
    for feature, words in (("btf", "has no BTF"), ("ringbuf", "needs Linux 5.8 or later")):
        os.environ["EMBARGO_FAULT"] = "feature:" + feature
        try:
            r = subprocess.run([EMBARGO, "watch", "--rules", "rules"], capture_output=True,
                               timeout=30)
        finally:
            del os.environ["EMBARGO_FAULT"]
        err = r.stderr.decode()
        assert r.returncode == 2
        errors = [l for l in err.splitlines() if "error:" in l]
        assert len(errors) == 1 and words in errors[0] and platform.release() in errors[0]
