# SPDX-License-Identifier: GPL-2.0-only
"""A FUSE file system that never answers a read: the stalled mount a user can make.

It speaks the kernel's FUSE protocol on /dev/fuse itself (include/uapi/linux/fuse.h), so the
tests need neither libfuse nor a Python binding: one directory holding regular files whose
lookups, attributes and opens are answered at once and whose reads never are. Mounted by
root (as a test runs), so root's own opens and reads reach it.
"""
import ctypes
import errno
import os
import struct
import tempfile
import threading

IN_HEADER = struct.Struct("<IIQQIIIHH")       # fuse_in_header
OUT_HEADER = struct.Struct("<IiQ")            # fuse_out_header
ATTR = struct.Struct("<QQQQQQIIIIIIIIII")     # fuse_attr
ENTRY = struct.Struct("<QQQQII")              # fuse_entry_out, before its attr
ATTR_OUT = struct.Struct("<QII")              # fuse_attr_out, before its attr
OPEN_OUT = struct.Struct("<QII")
INIT_OUT = struct.Struct("<IIIIHHIIHHI28x")   # fuse_init_out (7.31)
STATFS_OUT = struct.Struct("<QQQQQIIII24x")   # fuse_kstatfs

LOOKUP, FORGET, GETATTR, OPEN, READ, STATFS, RELEASE = 1, 2, 3, 14, 15, 17, 18
FLUSH, INIT, OPENDIR, RELEASEDIR, BATCH_FORGET, DESTROY = 25, 26, 27, 29, 42, 38
NO_REPLY = (FORGET, BATCH_FORGET)
ROOT_ID = 1


class StallFS:
    """`with StallFS({"prog": size}) as fs:` fs.path("prog") is a file whose reads hang."""

    def __init__(self, files):
        self.files = {name.encode(): (i + 2, size) for i, (name, size) in enumerate(files.items())}
        self.dir = tempfile.mkdtemp(prefix="embargo-stallfs-")
        self.held = []                        # read requests held, never answered
        self.fd = None
        self.name = b"embargo-stallfs"         # the mount's source and FUSE subtype

    def path(self, name):
        return os.path.join(self.dir, name)

    def __enter__(self):
        if not os.path.exists("/dev/fuse"):
            os.rmdir(self.dir)
            raise OSError(errno.ENODEV, "no /dev/fuse")
        self.fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
        opts = f"fd={self.fd},rootmode=40755,user_id=0,group_id=0".encode()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mount(self.name, self.dir.encode(), b"fuse." + self.name, 0, opts) != 0:
            err = ctypes.get_errno()
            os.close(self.fd)
            os.rmdir(self.dir)
            raise OSError(err, "mount fuse: " + os.strerror(err))
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    @property
    def reads(self):
        return len(self.held)

    def release(self):
        """Answer every held read with EIO: the readers (stuck even to SIGKILL) wake up."""
        while self.held:
            try:
                self._reply(self.held.pop(), error=errno.EIO)
            except OSError:
                pass

    def __exit__(self, *exc):
        self.release()
        os.system(f"umount -l {self.dir} 2>/dev/null")
        try:
            os.close(self.fd)
        except OSError:
            pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass

    def _attr(self, node):
        if node == ROOT_ID:
            return ATTR.pack(ROOT_ID, 0, 0, 0, 0, 0, 0, 0, 0, 0o40755, 2, 0, 0, 0, 4096, 0)
        size = next(s for n, s in self.files.values() if n == node)
        return ATTR.pack(node, size, (size + 511) // 512, 0, 0, 0, 0, 0, 0, 0o100755, 1, 0,
                         0, 0, 4096, 0)

    def _reply(self, unique, body=b"", error=0):
        os.write(self.fd, OUT_HEADER.pack(OUT_HEADER.size + len(body), -error, unique) + body)

    def _answer(self, opcode, unique, node, body):
        if opcode == INIT:
            major, minor, readahead, _ = struct.unpack_from("<IIII", body)
            return self._reply(unique, INIT_OUT.pack(7, 31, readahead, 0, 16, 12, 1 << 17, 1,
                                                     32, 0, 0))
        if opcode == LOOKUP and node == ROOT_ID:
            found = self.files.get(body.split(b"\0", 1)[0])
            if not found:
                return self._reply(unique, error=errno.ENOENT)
            return self._reply(unique, ENTRY.pack(found[0], 0, 60, 60, 0, 0) +
                               self._attr(found[0]))
        if opcode == GETATTR:
            return self._reply(unique, ATTR_OUT.pack(60, 0, 0) + self._attr(node))
        if opcode in (OPEN, OPENDIR):
            return self._reply(unique, OPEN_OUT.pack(node, 0, 0))
        if opcode == STATFS:
            return self._reply(unique, STATFS_OUT.pack(0, 0, 0, 0, 0, 4096, 255, 4096, 0))
        if opcode == READ:
            self.held.append(unique)          # the stall
            return None
        if opcode in (RELEASE, RELEASEDIR, FLUSH):
            return self._reply(unique)
        return self._reply(unique, error=errno.ENOSYS)

    def _serve(self):
        while True:
            try:
                msg = os.read(self.fd, (1 << 17) + 4096)
            except OSError:
                return                        # unmounted or aborted
            if len(msg) < IN_HEADER.size:
                return
            _, opcode, unique, node, *_ = IN_HEADER.unpack_from(msg)
            if opcode == DESTROY:
                return
            if opcode in NO_REPLY:
                continue
            try:
                self._answer(opcode, unique, node, msg[IN_HEADER.size:])
            except OSError:
                return
