# SPDX-License-Identifier: GPL-2.0-only
"""Self-tests of the receiver harness (receivers.py): real rsyslogd and systemd-journald get
what plain Python clients send, and leave nothing behind. No embargo here."""
import os
import socket
import ssl
import time
import uuid

from receivers import FrameCapture, Journald, Rsyslog
from syslog_client import frame, parse_frames, send_tcp, send_tls, send_udp, tls_refused

MSG = "<134>1 2026-01-02T03:04:05.678Z host embargo 42 alert - {}"


def unique(what):
    return MSG.format(f"{what} {uuid.uuid4().hex}")


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_rsyslog_tcp_octet_counted():
    a, b = unique("first"), unique("second") + "\nsecond line"
    with Rsyslog() as r:
        send_tcp(r.tcp_port, a, b)  # one connection, two frames back to back
        got = r.wait_for("tcp", 2)
        # unwrapped, one per line; an LF inside a frame as rsyslog escapes it
        assert got == [a, b.replace("\n", "#012")], got
        assert r.messages("tls") == [] and r.messages("udp") == []


def test_rsyslog_tls_anon():
    m1, m2 = unique("tls ip"), unique("tls dns é")
    with Rsyslog() as r:
        send_tls(r.tls_port, m1, ca=r.pki.ca)                              # IP SAN
        send_tls(r.tls_port, m2, ca=r.pki.ca, server_hostname="localhost")  # DNS SAN
        assert r.wait_for("tls", 2) == [m1, m2]
        try:  # a client that trusts another CA refuses the server
            send_tls(r.tls_port, unique("wrong ca"), ca=r.pki.other_ca)
        except ssl.SSLCertVerificationError:
            pass
        else:
            raise AssertionError("server certificate accepted under the wrong CA")


def test_rsyslog_tls_client_cert_required():
    good = unique("with client cert")
    with Rsyslog(tls_auth="x509/certvalid") as r:
        for cert, key in ((None, None), (r.pki.other_client_cert, r.pki.other_client_key)):
            why = tls_refused(r.tls_port, ca=r.pki.ca, cert=cert, key=key)
            assert why, f"TLS client with certificate {cert} not refused"
        send_tls(r.tls_port, good, ca=r.pki.ca, cert=r.pki.client_cert, key=r.pki.client_key)
        assert r.wait_for("tls", 1) == [good]
        assert r.messages("tls") == [good]  # nothing from the refused clients
        assert "peer did not return a certificate" in r.log(), r.log()


def test_rsyslog_tls_permitted_peer():
    # Only the accepting side: rsyslog 8.2302's own x509/name check races with the first
    # record (rsyslog issue #6350), so a refused name sometimes gets its message stored.
    with Rsyslog(tls_auth="x509/name", permitted_peers=["embargo-test-client"]) as r:
        m = unique("named peer")
        send_tls(r.tls_port, m, ca=r.pki.ca, cert=r.pki.client_cert, key=r.pki.client_key)
        assert r.wait_for("tls", 1) == [m]


def test_rsyslog_udp():
    m = unique("udp")
    with Rsyslog() as r:
        send_udp(r.udp_port, m)
        assert r.wait_for("udp", 1) == [m]


def test_rsyslog_stop_restart_same_ports():
    before, after = unique("before"), unique("after")
    with Rsyslog() as r:
        ports, paths = dict(r.ports), dict(r.paths)
        send_tcp(r.tcp_port, before)
        r.wait_for("tcp", 1)
        r.stop()
        assert not r.running
        assert refused(r.tcp_port) and refused(r.tls_port)
        r.start()
        assert r.ports == ports and r.paths == paths
        send_tcp(r.tcp_port, after)
        assert r.wait_for("tcp", 2) == [before, after]
        r.kill()  # no graceful shutdown: what was written stays
        assert refused(r.tcp_port)
        r.restart()
        send_udp(r.udp_port, after)
        assert r.wait_for("udp", 1) == [after]
        work, pid = r.work, r.proc.pid
    assert not os.path.exists(work), "work dir left behind"
    assert not os.path.exists(f"/proc/{pid}"), "rsyslogd left running"


def test_frame_capture_strict():
    with FrameCapture() as cap:
        send_tcp(cap.port, "<14>1 - - - - - - a", "<14>1 - - - - - - bb")
        assert cap.wait_for(2) == [b"<14>1 - - - - - - a", b"<14>1 - - - - - - bb"]
    assert parse_frames(frame("x") + frame("é")) == [b"x", "é".encode()]
    for bad in (b"<14>1 - - - - - - lf\n", b"5 abc", b"03 abc", b" 3 abc"):
        try:
            parse_frames(bad)
        except AssertionError:
            continue
        raise AssertionError(f"{bad!r} parsed as octet-counted")


def host_state():
    """What of the host's journal locations exists, to compare before and after."""
    state = {}
    for path in ("/run/systemd/journal", "/run/log/journal", "/var/log/journal", "/dev/log"):
        state[path] = sorted(os.listdir(path)) if os.path.isdir(path) else os.path.lexists(path)
    return state


def wait_count(j, match, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        got = j.read(match)
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_journald_round_trip():
    host = host_state()
    marker = uuid.uuid4().hex
    with Journald() as j:
        assert host_state() == host, "journald's sockets or files visible on the host"
        # native protocol with custom fields, through the namespace's socket
        fields = f"MESSAGE=hello {marker}\nFOO=bar\nEMBARGO_TEST={marker}\nPRIORITY=3\n"
        r = j.run(["logger", "--journald"], input=fields.encode())
        assert r.returncode == 0, r.stderr
        entry = j.wait_for({"EMBARGO_TEST": marker})
        assert entry["MESSAGE"] == f"hello {marker}" and entry["FOO"] == "bar", entry
        assert entry["PRIORITY"] == "3"
        # the stdout stream protocol too
        r = j.run(["systemd-cat", "-t", "embargo-selftest", "echo", f"cat {marker}"])
        assert r.returncode == 0, r.stderr
        e = j.wait_for({"SYSLOG_IDENTIFIER": "embargo-selftest"})
        assert e["MESSAGE"] == f"cat {marker}", e
        # restart keeps the namespace and the journal
        j.restart()
        j.run(["logger", "--journald"], input=f"MESSAGE=again\nEMBARGO_TEST={marker}\n".encode())
        got = wait_count(j, {"EMBARGO_TEST": marker}, 2)
        assert [e["MESSAGE"] for e in got] == [f"hello {marker}", "again"], got
        work, pids = j.work, (j.proc.pid, j.ns.pid)
    assert not os.path.exists(work), "work dir left behind"
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), f"pid {pid} left running"
    assert host_state() == host, "host journal locations changed"
