"""One lab guest: qemu/TCG with Debian's kernel and the host's userspace as root.

Everything started here is tracked by PID and stopped by PID (stop(), crash(), and the Lab's
cleanup on any exit path); qemu also gets PR_SET_PDEATHSIG so that it dies with the lab process
even if the lab is SIGKILLed.  Sockets are removed when the guest stops.
"""
import ctypes
import itertools
import os
import shlex
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid

from . import proto
from .qmp import QMP

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEND_TIMEOUT_S = 30  # control channel: how long a send may wait for the guest to read
STAGE2 = os.path.join(LAB_DIR, "guest", "stage2")
# The guest CPU: x86-64-v2 (what Debian's userspace can use, SSE4.2/POPCNT) rather than "max":
# under TCG, max's AVX2 makes glibc pick vector string and memory routines that qemu emulates
# slowly, and it makes the guest kernel build in Spectre mitigations (retpolines) that cost every
# syscall and context switch. A guest is a test machine, never exposed: mitigations=off. Measured
# (qemu CPU time inside one guest, fork/exec, python3, an OCF shell agent, dd, gzip): 15-55 %
# less per task than "-cpu max" (tests/lab/README.md).
GUEST_CPU = "qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16"
GUEST_KERNEL_ARGS = "console=ttyS0 quiet loglevel=4 panic=-1 net.ifnames=0 mitigations=off"
GUEST_MODULES = ("virtio_console virtio_scsi sd_mod virtio_net dm_mod raid1 dm_raid dm_multipath "
                 "dm_round_robin dm_service_time scsi_dh_alua softdog")


class GuestError(Exception):
    pass


class Result:
    def __init__(self, rc, out, timed_out=False, elapsed=0.0, argv=None):
        self.rc, self.out, self.timed_out, self.elapsed, self.argv = rc, out, timed_out, elapsed, argv

    @property
    def ok(self):
        return self.rc == 0

    def __repr__(self):
        return "Result(rc=%r, timed_out=%r, out=%r)" % (self.rc, self.timed_out, self.out[-500:])


class ControlChannel:
    """Host side of the virtio-serial control channel (see proto.py and guestagent.py).

    One connection for the guest's whole life; a reader thread routes results by request id, so
    several commands may be outstanding at once (from different host threads)."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._results = {}
        self._hellos = set()
        self._closed = False
        self._reader = None

    def connect(self, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > deadline:
                    raise GuestError("cannot connect to control socket %s" % self.path)
                time.sleep(0.1)
        # A guest that stops reading (agent dead or never started) must not hang the lab on a
        # full socket buffer: sends give up after SEND_TIMEOUT_S (recv stays blocking).
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", SEND_TIMEOUT_S, 0))
        self.sock = s
        self._reader = threading.Thread(target=self._read_loop, name="ctl-" + self.path, daemon=True)
        self._reader.start()

    def _read_loop(self):
        dec = proto.Decoder()
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            msgs = dec.feed(data)
            if msgs:
                with self._cond:
                    for m in msgs:
                        if m["op"] == "hello":
                            self._hellos.add(m.get("nonce"))
                        elif m["op"] == "result":
                            self._results[m.get("id")] = m
                    self._cond.notify_all()

    def _send(self, msg):
        data = proto.encode(msg)
        with self._lock:
            if self._closed:
                raise GuestError("control channel closed (guest gone?)")
            try:
                self.sock.sendall(data)
            except OSError as e:
                self._closed = True
                raise GuestError("control channel broken (guest gone?): %s" % e)

    def hello(self, timeout):
        """Handshake: repeat a hello until the live agent echoes our nonce."""
        nonce = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        while True:
            self._send({"op": "hello", "nonce": nonce})
            with self._cond:
                self._cond.wait_for(lambda: nonce in self._hellos or self._closed, timeout=0.5)
                if nonce in self._hellos:
                    return True
                if self._closed:
                    raise GuestError("control channel closed during handshake")
            if time.monotonic() > deadline:
                raise GuestError("no answer on the control channel after %.0f s" % timeout)

    def run(self, argv, timeout=60, env=None, stdin=None, cwd=None):
        rid = next(self._ids)
        msg = {"op": "run", "id": rid, "argv": [str(a) for a in argv], "timeout": float(timeout)}
        if env:
            msg["env"] = {str(k): str(v) for k, v in env.items()}
        if stdin:
            msg["stdin"] = proto.b64(stdin if isinstance(stdin, bytes) else stdin.encode())
        if cwd:
            msg["cwd"] = cwd
        self._send(msg)
        with self._cond:
            ok = self._cond.wait_for(lambda: rid in self._results or self._closed,
                                     timeout=timeout + 30)
            if rid in self._results:
                r = self._results.pop(rid)
                return Result(r["rc"], proto.unb64(r["out"]).decode("utf-8", "replace"),
                              r.get("timed_out", False), r.get("elapsed", 0.0), argv)
        if not ok:
            raise GuestError("no result for %s after %.0f s" % (argv, timeout + 30))
        raise GuestError("control channel closed while running %s (guest gone?)" % (argv,))

    def close(self):
        with self._lock:
            self._closed = True
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
        if self._reader:
            self._reader.join(timeout=5)


def _pdeathsig():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Guest:
    def __init__(self, lab, name, index, mem_mib=1024, net=None, env=None):
        self.lab = lab
        self.name = name
        self.index = index
        self.mem_mib = mem_mib
        self.net = net  # (relay_port, local_port) or None
        self.extra_env = env or {}
        self.dir = os.path.join(lab.workdir, name)
        self.share = os.path.join(self.dir, "share")
        self.console = os.path.join(self.dir, "console.log")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.ctl_path = os.path.join(self.dir, "ctl.sock")
        self.pidfile = os.path.join(self.dir, "qemu.pid")
        self.proc = None
        self.qmp = None
        self.ctl = None
        self.boot_s = None
        self.boots = 0
        self.down_paths = set()  # path ids removed by fault injection
        os.makedirs(self.share, exist_ok=True)

    @property
    def mac(self):
        return "52:54:00:00:00:%02x" % self.index

    # ---------- lifecycle ----------
    def qemu_cmd(self):
        lab = self.lab
        append = "%s lab.stage2=%s" % (GUEST_KERNEL_ARGS, STAGE2)
        # one vCPU: two guests with two vCPUs each on the 2 host cores crawled (a vCPU spinning
        # on a lock whose holder's host thread is not running); dpkg -i at boot took minutes
        cmd = [lab.qemu, "-machine", "pc", "-accel", "tcg,tb-size=256", "-cpu", GUEST_CPU,
               "-smp", "1",
               "-m", str(self.mem_mib), "-display", "none", "-no-reboot", "-nodefaults",
               "-kernel", lab.vmlinuz, "-initrd", lab.initramfs, "-append", append,
               "-chardev", "file,id=con,path=%s,append=on" % self.console, "-serial", "chardev:con",
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path, "-pidfile", self.pidfile,
               "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
               "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
               "-fsdev", "local,id=labshare,path=%s,security_model=none" % self.share,
               "-device", "virtio-9p-pci,fsdev=labshare,mount_tag=labshare",
               "-device", "virtio-serial-pci",
               "-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % self.ctl_path,
               "-device", "virtserialport,chardev=ctl,name=ctl"]
        if lab.stage:  # its own read-only share: host paths like /tmp are shadowed in the guest
            shared = lab.deb_dir or lab.stage
            cmd += ["-fsdev", "local,id=labstage,path=%s,security_model=none,readonly=on" % shared,
                    "-device", "virtio-9p-pci,fsdev=labstage,mount_tag=labstage"]
        cmd += lab.layout.qemu_args()
        if self.net:
            relay_port, local_port = self.net
            cmd += ["-netdev", "socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d"
                    % (relay_port, local_port),
                    "-device", "virtio-net-pci,netdev=n0,mac=%s" % self.mac]
        return cmd

    def write_env(self):
        stage = "" if not self.lab.stage else "deb" if self.lab.deb_dir else "yes"
        env = {"LAB_HOSTNAME": self.name, "LAB_DIR": LAB_DIR, "LAB_STAGE": stage,
               "LAB_MODULES": GUEST_MODULES}
        env.update(self.extra_env)
        with open(os.path.join(self.share, "guest.env"), "w") as f:
            for k, v in env.items():
                f.write("%s=%s\n" % (k, shlex.quote(str(v))))
        with open(os.path.join(self.share, "multipath.conf"), "w") as f:
            f.write(self.lab.layout.multipath_conf())

    def start(self):
        if self.running():
            raise GuestError("%s already running" % self.name)
        for p in (self.qmp_path, self.ctl_path, self.pidfile):
            if os.path.exists(p):
                os.unlink(p)
        self.write_env()
        with open(self.console, "ab") as f:
            f.write(("\n===== lab: boot %d of %s at %s =====\n"
                     % (self.boots + 1, self.name, time.strftime("%H:%M:%S"))).encode())
        self._t_start = time.monotonic()
        self.down_paths = set()
        log = open(os.path.join(self.dir, "qemu.stderr"), "ab")
        self.proc = subprocess.Popen(self.qemu_cmd(), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=log, start_new_session=True, preexec_fn=_pdeathsig)
        log.close()
        self.boots += 1
        self.lab.track(self)
        try:
            self.qmp = QMP(self.qmp_path, timeout=30)
            self.ctl = ControlChannel(self.ctl_path)
            self.ctl.connect(timeout=30)
        except Exception:
            self.stop()
            raise

    def wait_ready(self, timeout=240):
        try:
            self.ctl.hello(timeout)
        except GuestError as e:
            raise GuestError("%s did not come up: %s (see %s)" % (self.name, e, self.console))
        self.boot_s = round(time.monotonic() - self._t_start, 2)
        return self.boot_s

    def boot(self, timeout=240):
        self.start()
        return self.wait_ready(timeout)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _close_channels(self):
        for c in (self.ctl, self.qmp):
            if c is not None:
                try:
                    c.close()
                except Exception:
                    pass
        self.ctl = self.qmp = None

    def _reap(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, timeout=10):
        """Stop qemu (QMP quit, then SIGTERM, then SIGKILL — by PID) and remove its sockets."""
        if self.proc is not None:
            if self.proc.poll() is None and self.qmp is not None:
                try:
                    self.qmp.execute("quit", timeout=3)
                except Exception:
                    pass
            if not self._reap(timeout / 2):
                self.proc.send_signal(signal.SIGTERM)
                if not self._reap(timeout / 2):
                    self.proc.kill()
                    self.proc.wait()
        self._close_channels()
        for p in (self.qmp_path, self.ctl_path, self.pidfile):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        self.lab.untrack(self)

    def crash(self):
        """Node crash: SIGKILL the guest's qemu (no shutdown, no flush)."""
        if self.running():
            self.proc.kill()
            self.proc.wait()
        self.stop()

    # ---------- commands ----------
    def run(self, argv, timeout=60, env=None, stdin=None, check=False):
        if self.ctl is None:
            raise GuestError("%s is not running" % self.name)
        r = self.ctl.run(argv, timeout=timeout, env=env, stdin=stdin)
        if check and r.rc != 0:
            raise GuestError("%s: %s failed rc=%s%s:\n%s" % (
                self.name, " ".join(map(str, argv)), r.rc, " (timed out)" if r.timed_out else "",
                r.out[-3000:]))
        return r

    def sh(self, script, *args, timeout=60, env=None, check=False):
        """Run a fixed bash script; values go in as positional args ($1...) or env, never spliced."""
        return self.run(["bash", "-c", script, "lab-sh"] + [str(a) for a in args],
                        timeout=timeout, env=env, check=check)

    # ---------- network ----------
    def configure_network(self, prefix="10.0.0", timeout=30):
        """Give the NIC (found by MAC: udev renames it) address <prefix>.<index>/24; returns it."""
        if not self.net:
            raise GuestError("%s has no NIC" % self.name)
        addr = "%s.%d" % (prefix, self.index)
        script = r'''mac=$1; addr=$2
for d in /sys/class/net/*; do
  if [ "$(cat "$d/address")" = "$mac" ]; then
    dev=${d##*/}; ip addr flush dev "$dev"; ip addr add "$addr/24" dev "$dev"; ip link set "$dev" up
    echo "$dev"; exit 0
  fi
done
echo "no NIC with MAC $mac" >&2; exit 1'''
        self.sh(script, self.mac, addr, timeout=timeout, check=True)
        self.addr = addr
        return addr

    def can_reach(self, addr, timeout=3):
        return self.run(["ping", "-c", "1", "-W", str(timeout), addr], timeout=timeout + 10).rc == 0

    # ---------- fault injection ----------
    def path_down(self, path_id, timeout=30):
        self.paths_down([path_id], timeout)

    def paths_down(self, path_ids, timeout=30):
        for pid_ in path_ids:
            self.qmp.execute("device_del", {"id": pid_})
        for pid_ in path_ids:
            self.qmp.wait_event("DEVICE_DELETED", {"device": pid_}, timeout=timeout)
            self.down_paths.add(pid_)

    def path_up(self, path_id):
        self.paths_up([path_id])

    def paths_up(self, path_ids):
        for pid_ in path_ids:
            self.qmp.execute("device_add", self.lab.layout.path(pid_).device_props())
            self.down_paths.discard(pid_)

    def restore_paths(self):
        """Bring back every path this lab removed (scenario clean-up)."""
        if self.down_paths:
            self.paths_up(sorted(self.down_paths))

    def array_down(self, tag, timeout=30):
        self.paths_down([p.id for p in self.lab.layout.arrays[tag].paths], timeout)

    def array_up(self, tag):
        self.paths_up([p.id for p in self.lab.layout.arrays[tag].paths])

    # ---------- logs ----------
    def collect_logs(self, dest):
        """Copy console log and, if the guest is alive, dmesg and agent/daemon logs to dest."""
        os.makedirs(dest, exist_ok=True)
        import shutil
        # share/pacemaker.log: a cluster node's Pacemaker log, kept on the host across fencing
        for f in ("console.log", "qemu.stderr", os.path.join("share", "pacemaker.log")):
            src = os.path.join(self.dir, f)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(dest, "%s-%s" % (self.name, os.path.basename(f))))
        if self.running() and self.ctl is not None:
            for fname, argv in (("dmesg.txt", ["dmesg", "-T"]),
                                ("dmsetup.txt", ["sh", "-c", "dmsetup ls; dmsetup table; dmsetup status"]),
                                ("multipath.txt", ["multipath", "-ll"]),
                                ("agent-logs.txt", ["sh", "-c", "cat /run/guestagent.log /var/log/twinarray*.log "
                                                    "/var/log/ha-log /var/log/pacemaker/pacemaker.log "
                                                    "/var/log/cluster/* 2>/dev/null | tail -n 3000"])):
                try:
                    r = self.run(argv, timeout=30)
                    with open(os.path.join(dest, "%s-%s" % (self.name, fname)), "w") as f:
                        f.write(r.out)
                except Exception as e:
                    with open(os.path.join(dest, "%s-%s" % (self.name, fname)), "w") as f:
                        f.write("could not collect: %s\n" % e)
