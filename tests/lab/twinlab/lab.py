"""The Lab: working directory, kernel + initramfs, storage images, guests, network hub, cleanup.

Use as a context manager.  On any exit — normal, exception, KeyboardInterrupt, or SIGTERM/SIGHUP
(turned into KeyboardInterrupt) — every guest it started is stopped by PID and its sockets are
removed; the hub thread stops.  An atexit hook is a last safety net.
"""
import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time

from . import kernel
from .guest import Guest
from .netrelay import UdpHub
from .storage import Layout


WORK_PARENT = "/var/tmp"
WORK_PREFIX = "twinarray-lab-"


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_stale_workdirs(parent=WORK_PARENT):
    """Remove work dirs left by a lab process that was SIGKILLed (its qemu died with it through
    PR_SET_PDEATHSIG, but its images and sockets stayed).  Dirs kept on purpose (--keep) stay."""
    removed = []
    for d in os.listdir(parent):
        path = os.path.join(parent, d)
        if not d.startswith(WORK_PREFIX) or os.path.exists(os.path.join(path, "KEEP")):
            continue
        try:
            with open(os.path.join(path, "owner.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class Lab:
    def __init__(self, workdir=None, array_mib=1024, stage=None, keep=False, mem_mib=1024):
        self.keep = keep
        self.own_workdir = workdir is None
        if self.own_workdir:
            for p in remove_stale_workdirs():
                print("lab: removed stale work dir %s (its lab process is gone)" % p)
        self.workdir = os.path.abspath(workdir or tempfile.mkdtemp(prefix=WORK_PREFIX,
                                                                   dir=WORK_PARENT))
        os.makedirs(self.workdir, exist_ok=True)
        with open(os.path.join(self.workdir, "owner.pid"), "w") as f:
            f.write("%d\n" % os.getpid())
        self.kver = kernel.find_kernel()
        self.vmlinuz = kernel.vmlinuz(self.kver)
        self.qemu = kernel.qemu_binary()
        self.initramfs = os.path.join(self.workdir, "initramfs.cpio.gz")
        self.layout = Layout(self.workdir, array_mib=array_mib)
        self.stage = os.path.abspath(stage) if stage else None
        # a directory holding one .deb: the guests install it with dpkg -i instead of copying
        # the stage tree (which is then the package's contents, for host-side use)
        self.deb_dir = None
        self.mem_mib = mem_mib
        self.guests = {}
        self._running = {}
        self.hub = None
        self.cleanups = []  # callables run first by cleanup() (e.g. the client's netns and relay)
        self._old_handlers = {}

    # ---------- context ----------
    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        atexit.register(self.cleanup)
        kernel.build_initramfs(self.kver, self.initramfs)
        self.layout.create_images(fresh=True)
        return self

    def __exit__(self, *exc):
        self.cleanup()
        for sig, h in self._old_handlers.items():
            signal.signal(sig, h)
        return False

    @staticmethod
    def _on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)

    def track(self, guest):
        self._running[guest.name] = guest

    def untrack(self, guest):
        self._running.pop(guest.name, None)

    def cleanup(self):
        while self.cleanups:
            fn = self.cleanups.pop()
            try:
                fn()
            except Exception as e:
                print("lab: clean-up %r failed: %s" % (fn, e))
        for g in list(self._running.values()):
            try:
                g.stop(timeout=6)
            except Exception:
                if g.proc is not None and g.proc.poll() is None:
                    g.proc.kill()
                    g.proc.wait()
        if self.hub is not None:
            self.hub.stop()
            self.hub = None
        if self.own_workdir and not self.keep and os.path.isdir(self.workdir):
            shutil.rmtree(self.workdir, ignore_errors=True)
        elif self.keep and os.path.isdir(self.workdir):
            open(os.path.join(self.workdir, "KEEP"), "w").close()

    # ---------- guests ----------
    def guest(self, name, index=None, network=False):
        """Create (not start) a guest; network=True wires it to the UDP hub (created on demand)."""
        old = self.guests.get(name)
        if old is not None:
            if bool(old.net) == network and (index is None or old.index == index):
                return old
            # Another group made this guest with other wiring (the storage group's node1 has no
            # NIC): it is stopped between groups, so it is made anew.
            old.stop()
            del self.guests[name]
        index = len(self.guests) + 1 if index is None else index
        net = None
        if network:
            if self.hub is None:
                self.hub = UdpHub(4)
                self.hub.start()
            net = self.hub.netdev(index - 1)
        g = Guest(self, name, index, mem_mib=self.mem_mib, net=net)
        self.guests[name] = g
        return g

    def reset_storage(self):
        """Zero the array images (all guests must be stopped)."""
        assert not self._running, "reset_storage with guests running"
        self.layout.create_images(fresh=True)


def install_stage(build_dir, stage_dir):
    """DESTDIR=stage cmake --install build --prefix /usr; returns stage_dir."""
    if os.path.isdir(stage_dir):
        shutil.rmtree(stage_dir)
    os.makedirs(stage_dir)
    env = dict(os.environ, DESTDIR=stage_dir)
    if os.path.exists(os.path.join(build_dir, "cmake_install.cmake")):
        cmd = ["cmake", "--install", build_dir, "--prefix", "/usr"]
    elif os.path.exists(os.path.join(build_dir, "Makefile")):
        cmd = ["make", "-C", build_dir, "install", "DESTDIR=" + stage_dir]
    else:
        raise RuntimeError("%s is neither a CMake nor an automake build directory" % build_dir)
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("installing %s into the stage failed (is the build up to date?):\n%s"
                           % (build_dir, r.stdout[-3000:]))
    return stage_dir


def stage_from_deb(deb, lab):
    """Prepares `lab` to install the package `deb` in every guest (dpkg -i at boot): the .deb is
    copied into its own share, and the stage tree (host side: meta-data, cib/ checks) is the
    package's contents (dpkg-deb -x). Returns the stage directory."""
    if not os.path.isfile(deb):
        raise RuntimeError("no such package: %s" % deb)
    lab.deb_dir = os.path.join(lab.workdir, "deb")
    stage_dir = os.path.join(lab.workdir, "stage")
    for d in (lab.deb_dir, stage_dir):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    shutil.copy(deb, lab.deb_dir)
    r = subprocess.run(["dpkg-deb", "-x", deb, stage_dir], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("dpkg-deb -x %s failed:\n%s" % (deb, r.stdout[-3000:]))
    lab.stage = stage_dir
    return stage_dir


def wait_until(pred, timeout, interval=0.5, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)
