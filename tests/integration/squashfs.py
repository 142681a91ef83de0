# SPDX-License-Identifier: GPL-2.0-only
"""A squashfs 4.0 image of a few files at its root, and an AppImage made of it, for the tests
of a download's content markers (user/process/appimage.c). Written from the format
(linux/fs/squashfs/squashfs_fs.h), not from embargo's reader: the tests check each image by
mounting it with the kernel's own squashfs, so the two cannot share a misreading.
Metadata is gzip (zlib) or stored; file data is stored; no fragments, no xattrs."""
import shutil
import struct
import zlib

MAGIC = 0x73717368
BLOCK_SIZE = 1 << 17
GZIP, XZ, ZSTD = 1, 4, 6
NO_FRAGMENTS, NO_XATTRS = 0x0010, 0x0200
INVALID = 0xFFFFFFFFFFFFFFFF
DIR_T, FILE_T, LDIR_T = 1, 2, 8
META_PLAIN = 0x8000


def meta_block(data, compress):
    """One metadata block (at most 8 KiB of data) with its 2-byte header."""
    assert len(data) <= 8192
    packed = zlib.compress(data) if compress else data
    if compress and len(packed) < len(data):
        return struct.pack("<H", len(packed)) + packed
    return struct.pack("<H", len(data) | META_PLAIN) + data


def image(files, compressor=GZIP, compress=True, long_dir=False):
    """files: {name: bytes} at the root. Returns the image's bytes. compressor is only what the
    superblock says (ZSTD: a header an unsupported image has); compress: gzip the metadata."""
    names = sorted(files)
    n = len(names)
    out = bytearray(96)                      # the superblock, filled in last
    starts = {}
    for name in names:                       # data blocks, stored uncompressed
        starts[name] = len(out)
        out += files[name]
    inodes = bytearray()
    offsets = {}
    for i, name in enumerate(names, start=1):
        size = len(files[name])
        nblocks = (size + BLOCK_SIZE - 1) // BLOCK_SIZE
        offsets[name] = len(inodes)
        inodes += struct.pack("<HHHHII", FILE_T, 0o644, 0, 0, 0, i)
        inodes += struct.pack("<IIII", starts[name], 0xFFFFFFFF, 0, size)
        for b in range(nblocks):
            chunk = min(BLOCK_SIZE, size - b * BLOCK_SIZE)
            inodes += struct.pack("<I", chunk | (1 << 24))
    listing = bytearray()
    if n:
        listing += struct.pack("<III", n - 1, 0, 1)
        for i, name in enumerate(names, start=1):
            raw = name.encode()
            listing += struct.pack("<HhHH", offsets[name], i - 1, FILE_T, len(raw) - 1) + raw
    root_off = len(inodes)
    root_no = n + 1
    if long_dir:
        inodes += struct.pack("<HHHHII", LDIR_T, 0o755, 0, 0, 0, root_no)
        inodes += struct.pack("<IIIIHHI", 2, len(listing) + 3, 0, root_no + 1, 0, 0, INVALID & 0xFFFFFFFF)
    else:
        inodes += struct.pack("<HHHHII", DIR_T, 0o755, 0, 0, 0, root_no)
        inodes += struct.pack("<IIHHI", 0, 2, len(listing) + 3, 0, root_no + 1)
    assert len(inodes) <= 8192 and len(listing) <= 8192
    inode_table = len(out)
    out += meta_block(bytes(inodes), compress)
    dir_table = len(out)
    out += meta_block(bytes(listing), compress)
    id_block = len(out)
    out += meta_block(struct.pack("<I", 0), compress)
    id_table = len(out)
    out += struct.pack("<Q", id_block)
    used = len(out)
    struct.pack_into("<IIIIIHHHHHHQQQQQQQQ", out, 0, MAGIC, n + 1, 0, BLOCK_SIZE, 0,
                     compressor, 17, NO_FRAGMENTS | NO_XATTRS, 1, 4, 0, root_off,
                     used, id_table, INVALID, inode_table, dir_table, INVALID, INVALID)
    out += b"\0" * (-len(out) % 4096)        # padded as mksquashfs pads
    return bytes(out)


def appimage(path, files, runtime="/usr/bin/true", **kw):
    """An AppImage at path: runtime (an ELF) with the AppImage type 2 magic in its
    identification bytes, the image right after its section headers."""
    with open(runtime, "rb") as f:
        elf = bytearray(f.read())
    assert elf[:4] == b"\x7fELF" and elf[4] == 2
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    entsize, num = struct.unpack_from("<HH", elf, 0x3A)
    end = shoff + entsize * num
    elf = elf[:end] + b"\0" * (end - len(elf))
    elf[8:11] = b"AI\x02"
    with open(path, "wb") as f:
        f.write(bytes(elf) + image(files, **kw))
    shutil.copymode(runtime, path)
    return path


if __name__ == "__main__":
    # for the unit tests (tests/unit/process/test_appimage.c):
    # squashfs.py OUT KIND: an AppImage of /usr/bin/true at OUT whose root holds, by KIND,
    # gzip: wechat.desktop and AppRun (gzip metadata); plain: the same, metadata stored, the
    # root an extended directory; zstd: a superblock saying zstd; none: AppRun alone
    import sys
    out, kind = sys.argv[1], sys.argv[2]
    files = {"wechat.desktop": b"[Desktop Entry]\nName=WeChat\nExec=wechat\n",
             "AppRun": b"#!/bin/sh\nexec \"$APPDIR/wechat\" \"$@\"\n"}
    if kind == "none":
        del files["wechat.desktop"]
    appimage(out, files, compress=kind != "plain", long_dir=kind == "plain",
             compressor=ZSTD if kind == "zstd" else GZIP)
