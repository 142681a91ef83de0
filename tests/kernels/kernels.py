# SPDX-License-Identifier: GPL-2.0-only
"""Debian's kernels for tests/kernels/boot: the matrix, the cache, the download, the initramfs.

The cache (EMBARGO_KERNEL_CACHE, default /var/cache/embargo-kernels):
  apt/SUITE/          private apt state: sources.list, lists/, cache/ (/etc/apt is left alone)
  LABEL/*.deb         the linux-image-*-unsigned package, kept to rebuild the initramfs offline
  LABEL/vmlinuz       the kernel
  LABEL/initramfs.gz  busybox, the kernel's virtio/9p/overlay modules, tests/kernels/init
  LABEL/release       `uname -r` of that kernel and the package's version
  LABEL/stamp         hash of what made initramfs.gz: a changed init or builder rebuilds it
  LABEL/console.log   the last boot's kernel console (tests/kernels/boot)
Nothing is installed: the package is only unpacked, with dpkg-deb, into a temporary directory.
"""
import fcntl
import glob
import gzip
import hashlib
import lzma
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.realpath(__file__))
MIRROR = "http://deb.debian.org/debian"
SECURITY = "http://deb.debian.org/debian-security"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
BUSYBOX = "/bin/busybox"
# What init needs: 9p over virtio-pci (the host's root, the job, the shares), overlay (the
# writable root) and virtio_console (the port the command's output leaves by). Debian builds
# them as modules; whatever they depend on comes along (virtio, netfs, fscache, ... by version).
WANTED = ("virtio_pci", "9pnet_virtio", "9p", "overlay", "virtio_console")


class Unavailable(Exception):
    """The kernel cannot be had here (no network, no cache): the text is the one-line reason."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cache_root():
    return os.environ.get("EMBARGO_KERNEL_CACHE") or "/var/cache/embargo-kernels"


def matrix():
    """label -> (suite, release it stands for), in the order of kernels.list."""
    kernels = {}
    with open(os.path.join(HERE, "kernels.list")) as f:
        for line in f:
            fields = line.split("#", 1)[0].split(None, 2)
            if fields:
                kernels[fields[0]] = (fields[1], fields[2].strip())
    return kernels


# --- the package, through a private apt configuration ---------------------------------------

def apt(suite, tool, args, cwd=None):
    """Runs apt-get/apt-cache on SUITE's own lists; the system's sources are never read."""
    state = os.path.join(cache_root(), "apt", suite)
    for d in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(state, d), exist_ok=True)
    sources = os.path.join(state, "sources.list")
    with open(sources, "w") as f:
        for uri, dist in ((MIRROR, suite), (MIRROR, suite + "-updates"),
                          (SECURITY, suite + "-security")):
            f.write(f"deb [signed-by={KEYRING}] {uri} {dist} main\n")
    opts = {"Dir::Etc::SourceList": sources, "Dir::Etc::SourceParts": "/dev/null",
            "Dir::Etc::Preferences": "/dev/null", "Dir::Etc::PreferencesParts": "/dev/null",
            "Dir::State::Lists": os.path.join(state, "lists"),
            "Dir::Cache": os.path.join(state, "cache"),
            "APT::Sandbox::User": "root"}  # the download goes to a root-only cache
    argv = [tool, "-q"] + [a for k, v in opts.items() for a in ("-o", f"{k}={v}")] + args
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise Unavailable(f"{tool} is not installed (not a Debian system?)")


def problems(result):
    """apt's own word on why a lookup or a download failed: its first error, else the first
    source it could not fetch, else its last line."""
    lines = result.stderr.strip().splitlines() or ["no message"]
    for prefix in ("E:", "W: Failed to fetch"):
        for line in lines:
            if line.startswith(prefix):
                return " ".join(line.split()[1:])
    return lines[-1]


def download(label, suite, kdir):
    """Fetches SUITE's current linux-image-ABI-amd64-unsigned into KDIR; returns its path."""
    log(f"{label}: apt-get update ({suite}, private lists under {cache_root()}/apt)")
    update = apt(suite, "apt-get", ["update"])
    # apt-get update only warns when a source cannot be reached: the lookup says it.
    deps = apt(suite, "apt-cache", ["depends", "linux-image-amd64"])
    found = re.search(r"Depends: (linux-image-\S+-amd64)\b", deps.stdout)
    if not found:
        raise Unavailable(f"cannot fetch kernel {label}: no linux-image-amd64 in {suite} "
                          f"({problems(update) if update.stderr.strip() else problems(deps)})")
    package = found.group(1) + "-unsigned"
    log(f"{label}: apt-get download {package}")
    with tempfile.TemporaryDirectory(dir=kdir) as tmp:
        got = apt(suite, "apt-get", ["download", package], cwd=tmp)
        debs = glob.glob(os.path.join(tmp, "*.deb"))
        if got.returncode or len(debs) != 1:
            raise Unavailable(f"cannot fetch kernel {label}: apt-get download {package}: "
                              f"{problems(got)}")
        for old in glob.glob(os.path.join(kdir, "*.deb")):
            os.unlink(old)
        deb = os.path.join(kdir, os.path.basename(debs[0]))
        os.rename(debs[0], deb)
    return deb


# --- the modules init loads -----------------------------------------------------------------

def modinfo_depends(image):
    """The depends= of a module's .modinfo section: what `modinfo -F depends` prints."""
    if image[:5] != b"\x7fELF\x02":
        raise ValueError("not a 64-bit ELF module")
    shoff, = struct.unpack_from("<Q", image, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", image, 0x3A)

    def section(i):  # sh_name, sh_offset, sh_size of section header I
        name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", image, shoff + i * shentsize)
        return name, off, size

    strtab = section(shstrndx)[1]
    for i in range(shnum):
        name, off, size = section(i)
        if image[strtab + name:strtab + name + 9] == b".modinfo\0":
            for item in image[off:off + size].split(b"\0"):
                if item.startswith(b"depends="):
                    return [d.replace("-", "_") for d in item[8:].decode().split(",") if d]
    return []


def module_image(path):
    """The module uncompressed: busybox insmod takes a plain .ko only."""
    if path.endswith(".xz"):
        return lzma.decompress(open(path, "rb").read())
    if path.endswith(".gz"):
        return gzip.decompress(open(path, "rb").read())
    if path.endswith(".zst"):
        try:
            return subprocess.run(["zstd", "-dcq", path], capture_output=True,
                                  check=True).stdout
        except FileNotFoundError:
            raise Unavailable("zstd is not installed: it is needed for this kernel's modules")
    return open(path, "rb").read()


def load_order(moddir):
    """[(name, image)] of WANTED and their dependencies, each after what it needs."""
    index = {}
    for top, _, files in os.walk(os.path.join(moddir, "kernel")):
        for f in files:
            if ".ko" in f:
                index[f.split(".ko")[0].replace("-", "_")] = os.path.join(top, f)
    with open(os.path.join(moddir, "modules.builtin")) as f:
        builtin = {os.path.basename(ln.strip()).split(".ko")[0].replace("-", "_") for ln in f}
    order = {}

    def visit(name, chain):
        if name in order or name in builtin:
            return
        if name in chain or name not in index:
            raise RuntimeError(f"module {name} (needed by {' <- '.join(chain) or 'init'}) "
                               f"is {'in a cycle' if name in chain else 'not in the package'}")
        image = module_image(index[name])
        for dep in modinfo_depends(image):
            visit(dep, chain + [name])
        order[name] = image

    for name in WANTED:
        visit(name, [])
    return list(order.items())


# --- the initramfs --------------------------------------------------------------------------

def cpio(entries):
    """A cpio newc archive of (path, mode, data, rdev) entries; a symlink's data is its target."""
    out = bytearray()
    for ino, (path, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))]):
        name = path.encode() + b"\0"
        fields = (ino + 1, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name), 0)
        out += b"070701" + b"".join(b"%08x" % v for v in fields) + name
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def initramfs(modules):
    """busybox (all applets linked), /dev/console for init's stdio, the modules, init."""
    if not os.access(BUSYBOX, os.X_OK):
        raise Unavailable(f"{BUSYBOX} is missing (apt-get install busybox-static)")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    d, f, link = 0o40755, 0o100755, 0o120777
    entries = [(p, d, b"", (0, 0)) for p in
               ("bin", "dev", "proc", "sys", "job", "lower", "ovl", "newroot", "modules")]
    entries.append(("dev/console", 0o20600, b"", (5, 1)))
    entries.append(("bin/busybox", f, open(BUSYBOX, "rb").read(), (0, 0)))
    entries += [(f"bin/{a}", link, b"busybox", (0, 0)) for a in applets if a != "busybox"]
    entries.append(("init", f, open(os.path.join(HERE, "init"), "rb").read(), (0, 0)))
    entries += [(f"modules/{n}.ko", 0o100644, image, (0, 0)) for n, image in modules]
    order = "".join(n + "\n" for n, _ in modules).encode()
    entries.append(("modules/order", 0o100644, order, (0, 0)))
    return gzip.compress(cpio(entries), compresslevel=6, mtime=0)


def builder_hash():
    """What initramfs.gz is made of besides the package: init, this builder, busybox."""
    h = hashlib.sha256()
    for path in (os.path.join(HERE, "init"), os.path.realpath(__file__), BUSYBOX):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def write_atomic(path, data, mode="wb"):
    with open(path + ".tmp", mode) as f:
        f.write(data)
    os.rename(path + ".tmp", path)


def build(label, kdir, deb):
    """Unpacks DEB and makes KDIR's vmlinuz, initramfs.gz, release and stamp from it."""
    log(f"{label}: building the initramfs from {os.path.basename(deb)}")
    with tempfile.TemporaryDirectory(dir=kdir) as tmp:
        subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
        kernels = glob.glob(os.path.join(tmp, "boot", "vmlinuz-*"))
        moddirs = glob.glob(os.path.join(tmp, "lib", "modules", "*")) + \
            glob.glob(os.path.join(tmp, "usr", "lib", "modules", "*"))
        if len(kernels) != 1 or len(moddirs) != 1:
            raise RuntimeError(f"{deb}: expected one boot/vmlinuz-* and one lib/modules/*")
        modules = load_order(moddirs[0])
        write_atomic(os.path.join(kdir, "initramfs.gz"), initramfs(modules))
        write_atomic(os.path.join(kdir, "vmlinuz"), open(kernels[0], "rb").read())
    version = os.path.basename(deb).split("_")[1]
    write_atomic(os.path.join(kdir, "release"),
                 f"{os.path.basename(moddirs[0])} {version}\n", "w")
    write_atomic(os.path.join(kdir, "stamp"), builder_hash() + "\n", "w")
    log(f"{label}: modules in the initramfs: {' '.join(n for n, _ in modules)}")


def complete(kdir):
    """The cache has all boot needs and they were made by the current init and builder."""
    try:
        with open(os.path.join(kdir, "stamp")) as f:
            stamp = f.read().strip()
    except FileNotFoundError:
        return False
    return stamp == builder_hash() and all(
        os.path.exists(os.path.join(kdir, f)) for f in ("vmlinuz", "initramfs.gz", "release"))


def ensure(label, refresh=False):
    """KDIR of LABEL with vmlinuz and initramfs.gz, fetching or building only what is missing.
    REFRESH looks for a newer package. Raises Unavailable when the kernel cannot be had."""
    kernels = matrix()
    if label not in kernels:
        raise KeyError(f"unknown kernel {label!r} (kernels.list has: {' '.join(kernels)})")
    kdir = os.path.join(cache_root(), label)
    try:
        os.makedirs(kdir, exist_ok=True)
        lock = open(os.path.join(kdir, ".lock"), "w")
    except OSError as e:
        raise Unavailable(f"cannot use the kernel cache {kdir}: {e.strerror}")
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two boots of one kernel fetch it once
        if complete(kdir) and not refresh:
            return kdir
        debs = glob.glob(os.path.join(kdir, "*.deb"))
        deb = debs[0] if debs and not refresh else download(label, kernels[label][0], kdir)
        build(label, kdir, deb)
    return kdir


def unxz(data):
    try:
        return lzma.LZMADecompressor().decompress(data)
    except lzma.LZMAError:
        return b""


def gunzip(data):
    try:
        return zlib.decompressobj(31).decompress(data)
    except zlib.error:
        return b""


def unzstd(data):
    """Python 3.11 has no zstd: Debian's zstd (a make deps package); the data after the
    frame (the bzImage's size field) makes it complain, the frame itself comes out whole."""
    return subprocess.run(["zstd", "-dcq"], input=data, capture_output=True).stdout


def vmlinux(kdir, out):
    """Write to OUT the ELF kernel (with its .BTF section) that KDIR's vmlinuz wraps: the
    payload of a bzImage is one xz, gzip or zstd stream (Debian 13's is zstd); the first that decompresses to an ELF is
    it (the kernel's scripts/extract-vmlinux does the same). Raises RuntimeError if none."""
    with open(os.path.join(kdir, "vmlinuz"), "rb") as f:
        image = f.read()
    for magic, decompress in ((b"\xfd7zXZ\x00", unxz), (b"\x1f\x8b\x08", gunzip),
                              (b"\x28\xb5\x2f\xfd", unzstd)):
        at = image.find(magic)
        while at >= 0:
            elf = decompress(image[at:])
            if elf.startswith(b"\x7fELF"):
                write_atomic(out, elf)
                return
            at = image.find(magic, at + 1)
    raise RuntimeError(f"{kdir}/vmlinuz: no xz, gzip or zstd stream holding an ELF kernel")


def release(kdir):
    """'UNAME-R (package VERSION)' of the cached kernel."""
    with open(os.path.join(kdir, "release")) as f:
        uname, version = f.read().split()
    return f"{uname} (package {version})"
