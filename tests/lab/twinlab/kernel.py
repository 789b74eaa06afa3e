"""The guest kernel (Debian's, installed on the host) and the busybox initramfs that boots it."""
import gzip
import io
import lzma
import os
import re
import shutil
import subprocess

INITRAMFS_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]
BUSYBOX = "/bin/busybox"
HERE = os.path.dirname(os.path.abspath(__file__))
INIT_SCRIPT = os.path.join(os.path.dirname(HERE), "guest", "init")


class LabUnavailable(Exception):
    """The lab cannot run on this machine (missing kernel, qemu, busybox...)."""


def _vkey(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", v)]


def find_kernel(boot="/boot", modules="/lib/modules"):
    """Newest kernel version that has both boot/vmlinuz-<v> and modules/<v>/kernel."""
    try:
        names = os.listdir(boot)
    except OSError:
        names = []
    versions = [n[len("vmlinuz-"):] for n in names if n.startswith("vmlinuz-")]
    versions = [v for v in versions if os.path.isdir(os.path.join(modules, v, "kernel"))]
    if not versions:
        raise LabUnavailable("no kernel with modules found (need %s/vmlinuz-<ver> and %s/<ver>); "
                             "run tests/lab/setup" % (boot, modules))
    versions.sort(key=_vkey)
    return versions[-1]


def module_files(kver, modules):
    """Ordered, de-duplicated .ko paths needed to load `modules`, from modprobe --show-depends."""
    seen, order = set(), []
    for m in modules:
        try:
            out = subprocess.run(["modprobe", "-S", kver, "--show-depends", m], check=True,
                                 capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise LabUnavailable("modprobe -S %s --show-depends %s failed: %s" % (kver, m, e))
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "insmod" and parts[1] not in seen:
                seen.add(parts[1])
                order.append(parts[1])
    return order


class CpioWriter:
    """Minimal cpio 'newc' archive writer (what the kernel unpacks as an initramfs)."""

    def __init__(self, fileobj):
        self.f = fileobj
        self.ino = 1000

    def _entry(self, name, mode, data=b"", nlink=1):
        self.ino += 1
        nameb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nameb), 0))
        self.f.write(hdr.encode() + nameb)
        self.f.write(b"\0" * ((4 - (110 + len(nameb)) % 4) % 4))
        self.f.write(data)
        self.f.write(b"\0" * ((4 - len(data) % 4) % 4))

    def dir(self, name, mode=0o755):
        self._entry(name, 0o040000 | mode, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name, target):
        self._entry(name, 0o120000 | 0o777, target.encode())

    def trailer(self):
        self._entry("TRAILER!!!", 0, nlink=1)


def _read_module(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    elif path.endswith(".gz"):
        data = gzip.decompress(data)
    elif path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return data


def build_initramfs(kver, out_path):
    """Write a gzipped newc initramfs: busybox, the 9p/overlay/virtio modules, and guest/init."""
    if not os.access(BUSYBOX, os.X_OK):
        raise LabUnavailable("%s missing (apt-get install busybox-static)" % BUSYBOX)
    kos = module_files(kver, INITRAMFS_MODULES)
    buf = io.BytesIO()
    w = CpioWriter(buf)
    for d in ("bin", "dev", "proc", "sys", "lib", "lib/modules", "lower", "rw", "newroot"):
        w.dir(d)
    with open(BUSYBOX, "rb") as f:
        w.file("bin/busybox", f.read(), 0o755)
    w.symlink("bin/sh", "busybox")
    names = []
    for i, ko in enumerate(kos):
        base = re.sub(r"\.(xz|gz|zst)$", "", os.path.basename(ko))
        name = "%02d-%s" % (i, base)
        w.file("lib/modules/" + name, _read_module(ko))
        names.append(name)
    w.file("lib/modules/order", ("\n".join(names) + "\n").encode())
    with open(INIT_SCRIPT, "rb") as f:
        w.file("init", f.read(), 0o755)
    w.trailer()
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(gzip.compress(buf.getvalue(), compresslevel=6))
    os.replace(tmp, out_path)
    return out_path


def vmlinuz(kver):
    p = "/boot/vmlinuz-" + kver
    if not os.access(p, os.R_OK):
        raise LabUnavailable("%s not readable" % p)
    return p


def qemu_binary():
    q = shutil.which("qemu-system-x86_64")
    if not q:
        raise LabUnavailable("qemu-system-x86_64 not found; run tests/lab/setup")
    return q
