# SPDX-License-Identifier: GPL-2.0-only
"""The sending side of the receiver tests: RFC 6587 octet-counted framing, and one-shot
senders over TCP, UDP and TLS (plus a probe of whether a TLS server refuses a client).
The receivers themselves are in receivers.py; docs/testing-receivers.md."""
import fcntl
import socket
import ssl
import struct
import termios
import time


# ---------------------------------------------------------------------------- syslog framing

def frame(msg):
    """RFC 6587 octet counting: 'LEN SP MSG', LEN the byte length of MSG."""
    if isinstance(msg, str):
        msg = msg.encode()
    return b"%d %s" % (len(msg), msg)


def parse_frames(data):
    """Splits a TCP byte stream into octet-counted frames; AssertionError if it is not one."""
    frames, i = [], 0
    while i < len(data):
        sp = data.find(b" ", i, i + 11)
        digits = data[i:sp] if sp > i else b""
        if not digits.isdigit() or digits.startswith(b"0"):
            raise AssertionError(f"no octet count at byte {i}: {data[i:i + 40]!r}")
        n = int(digits)
        if sp + 1 + n > len(data):
            raise AssertionError(f"frame at byte {i} says {n} bytes, only "
                                 f"{len(data) - sp - 1} follow")
        frames.append(data[sp + 1:sp + 1 + n])
        i = sp + 1 + n
    return frames


def send_tcp(port, *msgs, octet_counting=True, host="127.0.0.1"):
    """One connection, msgs framed (octet counting, else LF-terminated), then closed."""
    data = b"".join(frame(m) if octet_counting else
                    (m.encode() if isinstance(m, str) else m) + b"\n" for m in msgs)
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(data)
        _settle(s)


def send_udp(port, msg, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(msg.encode() if isinstance(msg, str) else msg, (host, port))


def tls_context(ca, cert=None, key=None):
    """Client context that trusts ca (and presents cert/key if given)."""
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def _settle(sock, timeout=5.0):
    """Wait until the receiver's kernel acknowledged everything, and a moment for it to read:
    closing earlier can reset the connection (unread TLS 1.3 tickets) and lose the data."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        unacked = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
        if unacked == 0:
            break
        time.sleep(0.01)
    time.sleep(0.1)


def send_tls(port, *msgs, ca, cert=None, key=None, server_hostname="127.0.0.1",
             host="127.0.0.1"):
    """One TLS connection, octet-counted msgs, then close_notify. Raises on a handshake the
    client refuses (ssl.SSLCertVerificationError: wrong CA or name). A server refusing the
    client shows only later, in TLS 1.3: see tls_refused()."""
    ctx = tls_context(ca, cert, key)
    with socket.create_connection((host, port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
            s.sendall(b"".join(frame(m) for m in msgs))
            _settle(s)
            try:
                s.unwrap()  # close_notify, so the server logs a clean close
            except (OSError, ssl.SSLError):
                pass


def tls_refused(port, *, ca, cert=None, key=None, server_hostname="127.0.0.1",
                host="127.0.0.1", msg="<14>1 - - - - - - embargo tls probe", timeout=5.0):
    """Why the server refused this client (its alert or its close), or None if it kept the
    connection open for timeout seconds after a message was sent (then: accepted; that costs
    the whole timeout, so call it where refusal is expected)."""
    ctx = tls_context(ca, cert, key)
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
            s.settimeout(timeout)
            try:
                s.sendall(frame(msg))
                return "server closed the connection" if s.recv(1) == b"" else None
            except socket.timeout:
                return None
            except (ssl.SSLError, ConnectionError) as e:
                return str(e)
