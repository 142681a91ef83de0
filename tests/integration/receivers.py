# SPDX-License-Identifier: GPL-2.0-only
"""Real log receivers for the integration tests: rsyslogd and systemd-journald, both private.

Rsyslog   the Debian 12 rsyslogd unpacked under build/receivers/root (`make receivers`; never
          installed system-wide), listening on 127.0.0.1 with three inputs: plain TCP, TLS (the
          ossl netstream driver, certificates generated per instance) and UDP. Every message is
          written to one file per input, its raw text (%rawmsg%) and nothing else, one a line.
Journald  systemd-journald in a private mount namespace: in journald_receiver.py, re-exported
          here (`from receivers import Journald`).
FrameCapture  a plain TCP listener that keeps the bytes it gets, to check RFC 6587 octet
          counting strictly (rsyslog also accepts LF-terminated frames, so it cannot tell).
The sending side (framing, TCP/UDP/TLS senders) is syslog_client.py.

Each is a context manager; leaving it always kills its processes and removes its work dir
(EMBARGO_KEEP_RECEIVERS=1 keeps the dir and prints where). Children get PDEATHSIG=KILL, so they
die with the test process even if it is killed. A receiver that cannot run here raises Skip.
See docs/testing-receivers.md.
"""
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from harness import ROOT, Skip
from syslog_client import parse_frames

RECEIVERS = os.environ.get("EMBARGO_RECEIVERS", os.path.join(ROOT, "build", "receivers"))
RSYSLOG_ROOT = os.path.join(RECEIVERS, "root")
RSYSLOGD = os.path.join(RSYSLOG_ROOT, "usr", "sbin", "rsyslogd")
KEEP = os.environ.get("EMBARGO_KEEP_RECEIVERS") == "1"
# Variables that would make a daemon talk to the host's service manager.
_HOST_ENV = ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_PID",
             "WATCHDOG_USEC", "INVOCATION_ID", "JOURNAL_STREAM")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in _HOST_ENV}
    env.update(extra)
    return env


def _pdeathsig():
    """Prefix that kills the command when the test process dies (it execs, so it stays)."""
    return ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []


def _free_port(kind, taken=()):
    """A port free now for kind (rsyslogd binds it a moment later; a first start that loses
    the race picks again). Below the ephemeral range, so that no outgoing connection takes it
    while the receiver is stopped between stop() and start()."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError("no free port below the ephemeral range")


def _socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _bound_ports(pid, table, state=None):
    """Local ports of pid's sockets in /proc/net/<table> (state '0A' = TCP LISTEN)."""
    inodes = _socket_inodes(pid)
    ports = set()
    with open(f"/proc/net/{table}") as f:
        next(f)
        for line in f:
            cols = line.split()
            if cols[9] in inodes and (state is None or cols[3] == state):
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def _stop_proc(proc, timeout=10.0):
    """SIGTERM, wait; SIGKILL if it will not go. Returns its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"pid {proc.pid} ignored SIGTERM for {timeout}s; killed")
    return proc.returncode


def _kill_proc(proc):
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _wait(poll, timeout, what):
    """Polls poll() until it returns something other than None; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = poll()
        if got is not None:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout}s")
        time.sleep(0.02)


def _workdir(kind):
    d = tempfile.mkdtemp(prefix=f"embargo-{kind}-")
    os.chmod(d, 0o755)
    return d


def _rmtree(path):
    if not path:
        return
    if KEEP:
        print(f"(kept {path})")
        return
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------- certificates

class Certs:
    """A throwaway CA, a server certificate for 127.0.0.1 and localhost, a client certificate,
    and a second CA with its own client certificate (for 'untrusted' cases). ECDSA P-256."""

    def __init__(self, directory, days=7):
        self.dir = directory
        p = lambda name: os.path.join(directory, name)  # noqa: E731
        self.ca, self.ca_key = p("ca.pem"), p("ca.key")
        self.server_cert, self.server_key = p("server.pem"), p("server.key")
        self.client_cert, self.client_key = p("client.pem"), p("client.key")
        self.other_ca, self.other_ca_key = p("other-ca.pem"), p("other-ca.key")
        self.other_client_cert, self.other_client_key = p("other-client.pem"), p("other-client.key")
        self.days = str(days)
        self._ca(self.ca, self.ca_key, "embargo test CA")
        self._leaf(self.server_cert, self.server_key, "localhost", self.ca, self.ca_key,
                   "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        self._leaf(self.client_cert, self.client_key, "embargo-test-client", self.ca,
                   self.ca_key, "extendedKeyUsage=clientAuth\n")
        self._ca(self.other_ca, self.other_ca_key, "embargo untrusted CA")
        self._leaf(self.other_client_cert, self.other_client_key, "embargo-untrusted-client",
                   self.other_ca, self.other_ca_key, "extendedKeyUsage=clientAuth\n")

    def _openssl(self, *args):
        r = subprocess.run(["openssl", *args], capture_output=True, cwd=self.dir)
        if r.returncode:
            raise AssertionError(f"openssl {' '.join(args)}: {r.stderr.decode(errors='replace')}")

    def _ca(self, cert, key, cn):
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-nodes", "-keyout", key, "-out", cert, "-days", self.days,
                      "-subj", f"/CN={cn}",
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                      "-addext", "subjectKeyIdentifier=hash")

    def _leaf(self, cert, key, cn, ca, ca_key, ext):
        csr, extfile = cert + ".csr", cert + ".ext"
        with open(extfile, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n" + ext)
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", key, "-out", csr, "-subj", f"/CN={cn}")
        self._openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                      "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
                      "-out", cert, "-days", self.days, "-extfile", extfile)
        os.unlink(csr)
        os.unlink(extfile)


# ---------------------------------------------------------------------------- rsyslog

RSYSLOG_CONF = """\
# written by tests/integration/receivers.py; rsyslogd writes nothing outside {work}
global(workDirectory="{work}/spool"
       processInternalMessages="on"
       maxMessageSize="{max_message_size}"
       net.enableDNS="off")
module(load="imtcp" maxSessions="1000")
module(load="imudp")
template(name="embargo_raw" type="string" string="%rawmsg%\\n")
ruleset(name="tcp") {{ action(type="omfile" file="{work}/tcp.log" template="embargo_raw") }}
ruleset(name="tls") {{ action(type="omfile" file="{work}/tls.log" template="embargo_raw") }}
ruleset(name="udp") {{ action(type="omfile" file="{work}/udp.log" template="embargo_raw") }}
input(type="imtcp" name="tcp" address="127.0.0.1" port="{tcp}" ruleset="tcp")
input(type="imtcp" name="tls" address="127.0.0.1" port="{tls}" ruleset="tls"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="{auth}"{peers}
      streamDriver.CAFile="{ca}" streamDriver.CertFile="{cert}" streamDriver.KeyFile="{key}")
input(type="imudp" name="udp" address="127.0.0.1" port="{udp}" ruleset="udp")
# rsyslogd's own messages (start, stop, TLS errors): the default ruleset, never /dev/log
action(type="omfile" file="{work}/rsyslogd.log")
"""


def rsyslog_modules():
    found = glob.glob(os.path.join(RSYSLOG_ROOT, "usr", "lib", "*", "rsyslog", "imtcp.so"))
    return os.path.dirname(found[0]) if found else None


class Daemon:
    """A receiver run for a test: start() on entering, close() (kill, remove its work dir)
    on leaving, whatever happened."""

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def stop(self, timeout=10.0):
        """Graceful stop (SIGTERM, as at shutdown); its sockets refuse senders afterwards."""
        if self.proc is not None:
            _stop_proc(self.proc, timeout)

    def kill(self):
        _kill_proc(self.proc)

    def restart(self, timeout=10.0):
        self.stop()
        self.start(timeout)


class Rsyslog(Daemon):
    """rsyslogd on 127.0.0.1 with a plain TCP, a TLS and a UDP input.

    tls_auth: streamDriver.authMode of the TLS input: "anon" (no client certificate asked),
    "x509/certvalid" (a client certificate signed by self.pki.ca is required, enforced by
    OpenSSL in the handshake) or "x509/name" (also its name in permitted_peers; NOT reliable
    for refusals: rsyslog 8.2302 checks the name racily and sometimes stores the first message
    of a refused peer, rsyslog issue #6350).
    Messages land in paths[input], one %rawmsg% a line: octet-counted frames arrive unwrapped
    (rsyslog accepts LF-terminated ones too: FrameCapture checks the framing), control bytes
    below 0x20 as rsyslog escapes them on receipt, '#' and 3 octal digits (LF '#012', TAB
    '#011', CR '#015', NUL '#000'); DEL and bytes >= 0x80 as sent; one trailing LF of a UDP
    datagram dropped. A message longer than max_message_size is cut there, and the rest of
    an octet-counted frame arrives as a message of its own.
    """

    INPUTS = ("tcp", "tls", "udp")

    def __init__(self, tls_auth="anon", permitted_peers=(), max_message_size="64k"):
        if tls_auth not in ("anon", "x509/certvalid", "x509/name"):
            raise ValueError(f"tls_auth {tls_auth!r}")
        self.tls_auth = tls_auth
        self.permitted_peers = list(permitted_peers)
        self.max_message_size = max_message_size
        self.proc = None
        self.work = None
        self.ports = {}
        self.paths = {}

    # -- lifecycle
    def close(self):
        _kill_proc(self.proc)
        _rmtree(self.work)
        self.work = None

    @staticmethod
    def check():
        """Raises Skip if the unpacked rsyslogd is missing or cannot run here."""
        if not os.path.exists(RSYSLOGD) or not rsyslog_modules():
            raise Skip(f"rsyslogd not unpacked under {RSYSLOG_ROOT}: run `make receivers`")
        if not os.path.exists(os.path.join(rsyslog_modules(), "lmnsd_ossl.so")):
            raise Skip("rsyslog-openssl not unpacked (lmnsd_ossl.so): run `make receivers`")
        if not shutil.which("openssl"):
            raise Skip("no openssl command to make the test certificates")
        r = subprocess.run([RSYSLOGD, "-v"], capture_output=True, env=_env())
        if r.returncode:
            missing = subprocess.run(["ldd", RSYSLOGD], capture_output=True, text=True).stdout
            missing = [l.split()[0] for l in missing.splitlines() if "not found" in l]
            raise Skip(f"unpacked rsyslogd does not run (missing libraries {missing}): "
                       "run `make deps`")

    def _setup(self):
        self.check()
        self.work = _workdir("rsyslog")
        os.mkdir(os.path.join(self.work, "spool"))
        self.pki = Certs(self.work)
        self.conf = os.path.join(self.work, "rsyslog.conf")
        self.pidfile = os.path.join(self.work, "rsyslogd.pid")
        self.internal_log = os.path.join(self.work, "rsyslogd.log")
        self.stderr_log = os.path.join(self.work, "rsyslogd.stderr")
        self.paths = {i: os.path.join(self.work, f"{i}.log") for i in self.INPUTS}
        self._pick_ports()

    def _pick_ports(self):
        tcp = _free_port(socket.SOCK_STREAM)
        tls = _free_port(socket.SOCK_STREAM, (tcp,))
        self.ports = {"tcp": tcp, "tls": tls, "udp": _free_port(socket.SOCK_DGRAM)}
        peers = ""
        if self.permitted_peers:
            peers = "\n      permittedPeer=[" + ", ".join(
                json.dumps(p) for p in self.permitted_peers) + "]"
        with open(self.conf, "w") as f:
            f.write(RSYSLOG_CONF.format(
                work=self.work, max_message_size=self.max_message_size, auth=self.tls_auth,
                peers=peers, ca=self.pki.ca, cert=self.pki.server_cert,
                key=self.pki.server_key, **self.ports))

    @property
    def ca(self):
        """The CA file a client (embargo) must trust; the certificates are all in self.pki."""
        return self.pki.ca

    @property
    def client_cert(self):
        return self.pki.client_cert

    @property
    def client_key(self):
        return self.pki.client_key

    @property
    def tcp_port(self):
        return self.ports["tcp"]

    @property
    def tls_port(self):
        return self.ports["tls"]

    @property
    def udp_port(self):
        return self.ports["udp"]

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=10.0):
        """Starts rsyslogd (first call: new work dir, certificates, ports) and waits until all
        three inputs listen. Later calls reuse the ports and files."""
        if self.running:
            raise AssertionError("rsyslogd already running")
        first = self.work is None
        if first:
            self._setup()
        for attempt in range(3):
            try:
                self._spawn(timeout)
                return
            except AssertionError:
                # a port picked was taken meanwhile: only the first start may move
                lost = "Could not create" in self._new_log()
                _kill_proc(self.proc)
                if not (first and attempt < 2 and lost):
                    raise
                self._pick_ports()

    def _new_log(self):
        """rsyslogd's own messages since the last start."""
        with open(self.internal_log, "a+", errors="replace") as f:
            f.seek(self._mark)
            return f.read()

    def _spawn(self, timeout):
        try:
            self._mark = os.path.getsize(self.internal_log)
        except OSError:
            self._mark = 0
        argv = _pdeathsig() + [RSYSLOGD, "-n", "-f", self.conf, "-i", self.pidfile,
                               "-M", rsyslog_modules()]
        with open(self.stderr_log, "ab") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         cwd=self.work, env=_env())

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"rsyslogd exited ({self.proc.returncode}):\n{self.log()}")
            tcp = _bound_ports(self.proc.pid, "tcp", "0A")
            udp = _bound_ports(self.proc.pid, "udp")
            if {self.tcp_port, self.tls_port} <= tcp and self.udp_port in udp:
                return True
            if "Could not create" in self._new_log():  # a port taken meanwhile: fail now
                raise AssertionError("rsyslogd could not bind its ports")
            return None
        try:
            _wait(ready, timeout, "rsyslogd listening")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.log()}") from None

    def log(self):
        """rsyslogd's own messages and stderr (errors, TLS refusals), for failure reports."""
        return _read(self.internal_log) + _read(self.stderr_log)

    # -- what arrived
    def messages(self, input, raw=False):
        """Every message received on input ('tcp', 'tls', 'udp'), oldest first: str (invalid
        UTF-8 as surrogate escapes), or bytes if raw."""
        try:
            with open(self.paths[input], "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")
        lines.pop()  # b"" after the last LF, or a line still being written
        return lines if raw else [l.decode("utf-8", "surrogateescape") for l in lines]

    def wait_for(self, input, what=1, timeout=10.0):
        """what=N: waits until N messages arrived on input, returns them all.
        what=callable: returns the first message it accepts."""
        if callable(what):
            return _wait(lambda: next((m for m in self.messages(input) if what(m)), None),
                         timeout, f"matching message on rsyslog {input}")
        return _wait(lambda: (lambda m: m if len(m) >= what else None)(self.messages(input)),
                     timeout, f"{what} messages on rsyslog {input}")


def __getattr__(name):
    """Journald, from journald_receiver.py (which uses the helpers above): imported on first
    use, so that either module can be imported first."""
    if name == "Journald":
        from journald_receiver import Journald
        return Journald
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------- raw capture

class FrameCapture:
    """A plain TCP listener on 127.0.0.1 keeping each connection's bytes as received.
    frames() parses them strictly as RFC 6587 octet-counted frames (AssertionError if not)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._conns = []
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            buf = bytearray()
            with self._lock:
                self._conns.append(buf)
            threading.Thread(target=self._recv, args=(conn, buf), daemon=True).start()

    def _recv(self, conn, buf):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    buf.extend(data)

    def data(self):
        """Bytes received, one bytes per connection, in accept order."""
        with self._lock:
            return [bytes(b) for b in self._conns]

    def frames(self):
        """Every frame of every connection (bytes), in order; a connection must end on a
        frame boundary."""
        return [f for d in self.data() for f in parse_frames(d)]

    def wait_for(self, count=1, timeout=10.0):
        """Waits for count frames; returns them all. Malformed data fails with the reason."""
        def poll():
            try:
                got = self.frames()
            except AssertionError:  # maybe a frame still arriving
                return None
            return got if len(got) >= count else None
        try:
            return _wait(poll, timeout, f"{count} octet-counted frames")
        except AssertionError:
            self.frames()  # raises what is wrong with the bytes, if anything
            raise
