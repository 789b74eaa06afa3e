"""The single-guest storage scenarios (group "storage"), the two-guest lab self-check (group
"pair") and the helpers the other scenario modules share: mirror drivers, leg measurements,
image digests.

Registers its scenarios and both groups in registry.py; runner.py runs them.
"""
import hashlib
import struct
import json
import os
import time

from . import dmstatus
from .guest import LAB_DIR
from .lab import wait_until
from .dmquery import raid_status, wait_array_usable, wait_storage
from .registry import Failure, Skip, register_group, scenario
from .storagefixture import StorageFixture, remove_maps

MIB = 1024 * 1024
AGENT_REL = "usr/lib/ocf/resource.d/twinarray/mirror"
AGENT = "/" + AGENT_REL
LABTOOL = os.path.join(LAB_DIR, "twinlab", "labtool.py")
META_SECTORS = 8192  # 4 MiB carved from the front of each leg (agent's default layout)


# ---------------------------------------------------------------- groups (boot once per group)

def boot_storage_group(lab):
    """One guest, both arrays over two paths each, SBD disk; no network."""
    g = lab.guest("node1")
    g.boot(timeout=300)
    wait_storage(g)
    g.storage_ready_s = round(time.monotonic() - g._t_start, 2)
    return [g]


def boot_pair_group(lab):
    """Two guests sharing both arrays and the SBD disk, networked through the host's UDP hub."""
    gs = [lab.guest("node1", 1, network=True), lab.guest("node2", 2, network=True)]
    for g in gs:
        g.start()
    for g in gs:
        g.wait_ready(timeout=400)
    for g in gs:
        wait_storage(g)
        g.storage_ready_s = round(time.monotonic() - g._t_start, 2)
        g.configure_network()
    return gs


register_group("storage", boot_storage_group, boot_timeout_s=600)
register_group("pair", boot_pair_group, boot_timeout_s=900)


# ---------------------------------------------------------------- helpers

def labtool(g, args, timeout=400, env=None):
    r = g.run(["python3", LABTOOL] + list(args), timeout=timeout, env=env)
    try:
        data = json.loads(r.out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise Failure("labtool %s failed rc=%s: %s" % (args[0], r.rc, r.out[-2000:]))
    data["_rc"] = r.rc
    return data


def leg_written(g, mirror, leg):
    """(kernel name, MiB written so far) of the data map of `leg` ("a" or "b") of the mirror
    called `mirror` (the carved <mirror>-rimage_<leg>): what md wrote to that leg, from the
    kernel's own counter (/sys/block/dm-N/stat)."""
    r = g.sh('n=$(basename "$(readlink -f "/dev/mapper/$1")") && echo "$n" $(cat "/sys/block/$n/stat")',
             "%s-rimage_%s" % (mirror, leg), timeout=20, check=True)
    name, stat = r.out.split(None, 1)
    return name, dmstatus.sectors_written(stat) / 2048


def wipe_leg_fronts(g):
    """Zero the metadata areas (first 4 MiB) of both legs: a brand-new pair for every scenario."""
    for alias in ("arrayA", "arrayB"):
        g.run(["dd", "if=/dev/zero", "of=/dev/mapper/" + alias, "bs=1M", "count=4", "oflag=direct"],
              timeout=60, check=True)


def host_image_digest(path, offset, length):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(offset)
        left = length
        while left > 0:
            b = f.read(min(8 * MIB, left))
            if not b:
                b = b"\0" * min(8 * MIB, left)  # sparse tail past EOF reads as zeros
            h.update(b)
            left -= len(b)
    return h.hexdigest()


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---------------------------------------------------------------- mirror drivers

class AgentDriver:
    """Drives our OCF agent ocf:twinarray:mirror inside the guest."""
    kind = "agent"

    def __init__(self, g, name="twin0", **params):
        self.g = g
        self.name = name
        self.params = {"name": name, "leg_a": "/dev/mapper/arrayA", "leg_b": "/dev/mapper/arrayB"}
        self.params.update(params)

    def env(self, **extra):
        e = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "db-mirror",
             "HA_LOGFILE": "/var/log/twinarray-mirror.log", "OCF_CHECK_LEVEL": "0"}
        for k, v in dict(self.params, **extra).items():
            e["OCF_RESKEY_" + k] = str(v)
        return e

    def action(self, act, timeout=120, **extra):
        r = self.g.run([AGENT, act], timeout=timeout, env=self.env(**extra))
        print("       .. mirror %s -> %s%s" % (act, r.rc, ("  | " + r.out.strip().replace("\n", " | ")[-300:])
                                                if r.out.strip() else ""), flush=True)
        return r

    def trigger_argv(self):
        return [AGENT, "monitor"]

    def start(self, initial_source):
        return self.action("start", initial_source=initial_source).rc

    def monitor(self):
        return self.action("monitor").rc

    def stop(self):
        return self.action("stop").rc

    def validate(self):
        return self.action("validate-all").rc


class DmsetupDriver:
    """Lab self-check only: the same raid1 assembled with dmsetup (no agent), to prove the lab and
    the kernel independently of the product."""
    kind = "dmsetup"
    START = r'''set -e
name=$1; legs=("$2" "$3"); initial=$4
sz=()
for i in 0 1; do
  t=$([ $i = 0 ] && echo a || echo b)
  s=$(blockdev --getsz "${legs[$i]}"); sz+=("$s")
  dmsetup create "$name-rmeta_$t" --table "0 8192 linear ${legs[$i]} 0"
  dmsetup create "$name-rimage_$t" --table "0 $((s-8192)) linear ${legs[$i]} 8192"
done
d=$(( (sz[0] < sz[1] ? sz[0] : sz[1]) - 8192 )); d=$(( d / 1024 * 1024 ))
devs="2 /dev/mapper/$name-rmeta_a /dev/mapper/$name-rimage_a /dev/mapper/$name-rmeta_b /dev/mapper/$name-rimage_b"
if [ "$initial" = yes ]; then p="5 0 region_size 1024 rebuild 1"; else p="3 0 region_size 1024"; fi
dmsetup create "$name" --table "0 $d raid raid1 $p $devs"
'''

    def __init__(self, g, name="twin0"):
        self.g = g
        self.name = name

    def trigger_argv(self):
        return ["sh", "-c", 'dmsetup suspend "$0" && dmsetup resume "$0"', self.name]

    def start(self, initial_source):
        r = self.g.sh(self.START, self.name, "/dev/mapper/arrayA", "/dev/mapper/arrayB",
                      "yes" if initial_source else "no", timeout=120)
        if r.rc:
            print(r.out)
        return 0 if r.rc == 0 else 1

    def monitor(self):
        st = raid_status(self.g, self.name)
        if st is None:
            return 7
        if st.in_sync:
            return 0
        if "A" in st.health or "a" in st.health:
            return 190
        return 1

    def stop(self):
        remove_maps(self.g, self.name)
        return 0 if self.g.run(["dmsetup", "info", self.name]).rc != 0 else 1

    def validate(self):
        return 0


# ---------------------------------------------------------------- scenarios

def check_installed(ctx, g):
    """What the guest runs: the Debian package installed by dpkg (tests/lab/run --deb), or the
    stage tree copied over its root. With --deb, the package must be installed and own the agents."""
    if not ctx.lab.deb_dir:
        ctx.figures["installed_from"] = "stage tree" if ctx.lab.stage else "nothing"
        return
    r = g.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", "twinarray"], timeout=60)
    ctx.check(r.rc == 0 and r.out.startswith("install ok installed"),
              "%s: the twinarray package is not installed: %s (see /run/lab-dpkg.log)"
              % (g.name, r.out.strip()))
    r = g.run(["dpkg-query", "-S", "/usr/lib/ocf/resource.d/twinarray/mirror"], timeout=60)
    ctx.check(r.rc == 0 and r.out.startswith("twinarray:"),
              "%s: the mirror agent does not come from the package: %s" % (g.name, r.out.strip()))
    ctx.figures["installed_from"] = "dpkg -i " + os.listdir(ctx.lab.deb_dir)[0]


@scenario("boot", cost_s=5, timeout=300)
def sc_boot(ctx):
    """Guest boots on Debian's kernel; multipath maps arrayA/arrayB present with 2 paths each."""
    g = ctx.g
    ctx.figures["boot_s"] = g.boot_s
    ctx.figures["storage_ready_s"] = g.storage_ready_s
    check_installed(ctx, g)
    r = g.run(["uname", "-r"], check=True)
    ctx.check(r.out.strip() == ctx.lab.kver, "guest kernel %r, expected %r" % (r.out.strip(), ctx.lab.kver))
    r = g.run(["dmsetup", "targets"], check=True)
    for t in ("raid", "multipath", "linear"):
        ctx.check(any(l.split()[:1] == [t] for l in r.out.splitlines()), "dm target %s missing" % t)
    for tag, alias in (("A", "arrayA"), ("B", "arrayB")):
        arr = ctx.lab.layout.arrays[tag]
        r = g.run(["dmsetup", "status", alias], check=True)
        paths = dmstatus.mpath_paths(r.out)
        ctx.check(len(paths) == 2 and all(s == "A" for _, s in paths),
                  "%s: expected 2 active paths, status %r" % (alias, r.out.strip()))
        r = g.run(["blockdev", "--getsize64", "/dev/mapper/" + alias], check=True)
        ctx.check(int(r.out) == arr.size, "%s size %s != image size %d" % (alias, r.out.strip(), arr.size))
        r = g.run(["multipath", "-ll", alias], check=True)
        ctx.check(arr.wwid in r.out, "%s: wwid %s not in multipath -ll: %s" % (alias, arr.wwid, r.out))
    sbd = ctx.lab.layout.sbd
    r = g.run(["sh", "-c", "ls -l /dev/disk/by-id/ | grep -i wwn-"], timeout=20)
    ctx.check(("%016x" % sbd.wwn) in r.out, "SBD disk not visible by wwn: %s" % r.out)
    r = g.run(["dmsetup", "ls", "--target", "multipath"], check=True)
    maps = sorted(l.split()[0] for l in r.out.splitlines() if l.strip() and "No devices" not in l)
    ctx.check(maps == ["arrayA", "arrayB"], "multipath maps %s (SBD must be blacklisted)" % maps)


@scenario("path-loss", cost_s=6, timeout=300)
def sc_path_loss(ctx):
    """One path of array A removed under O_DIRECT writes: no I/O error; path back -> 2 active paths."""
    g = ctx.g
    with StorageFixture(g) as fx:
        data = fx.delete_at_exit(os.path.join(g.share, "path-loss.bin"))
        with open(data, "wb") as f:
            f.write(os.urandom(16 * MIB))
        g.path_down("dA0")

        def one_active():
            r = g.run(["dmsetup", "status", "arrayA"], check=True)
            return len([p for p in dmstatus.mpath_paths(r.out) if p[1] == "A"]) == 1
        # multipathd handles the removal uevent asynchronously
        t0 = time.monotonic()
        wait_until(one_active, 30, interval=0.2, what="arrayA down to 1 active path")
        ctx.figures["path_removed_seen_s"] = round(time.monotonic() - t0, 2)
        w = labtool(g, ["write", "--dev", "/dev/mapper/arrayA", "--src", "/lab/path-loss.bin",
                        "--offset-mib", "64"])
        ctx.check(w["errors"] == 0, "write error with one path left: %s" % w.get("error"))
        ctx.figures["one_path_max_write_ms"] = w["max_write_ms"]
        t0 = time.monotonic()
        g.path_up("dA0")
        wait_array_usable(g, "arrayA", timeout=60)
        ctx.figures["path_return_s"] = round(time.monotonic() - t0, 2)
        got = g.run(["sh", "-c", "dd if=/dev/mapper/arrayA bs=1M skip=64 count=16 iflag=direct "
                     "2>/dev/null | sha256sum"], check=True).out.split()[0]
        ctx.check(got == file_digest(data), "data read back through multipath differs")


def bitmap_dirty(image):
    """(dirty regions, region bytes, regions) of the md write-intent bitmap that dm-raid keeps
    4 KiB into the metadata area at the front of a leg (bitmap_super_t, then the bits)."""
    with open(image, "rb") as f:
        f.seek(4096)
        sb = f.read(256)
        magic, _version = struct.unpack_from("<II", sb, 0)
        if magic != 0x6d746962:  # "bitm"
            return None
        sync_sectors, = struct.unpack_from("<Q", sb, 40)
        chunk, = struct.unpack_from("<I", sb, 52)
        regions = -(-sync_sectors * 512 // chunk)
        bits = f.read(-(-regions // 8))
    dirty = sum(bin(b).count("1") for b in bits)
    return dirty, chunk, regions


def wait_bitmap_clean(ctx, image, timeout=120):
    """Waits until the on-disk write-intent bitmap of the leg in `image` has no dirty bit.

    md clears the bits of synced regions lazily (bitmap daemon, two passes) and never while
    the array is degraded; a leg lost right after the initial sync would keep the sync's tail
    dirty, and a difference-only resync measured from there would not be difference-only.
    """
    t0 = time.monotonic()
    if bitmap_dirty(image):
        wait_until(lambda: bitmap_dirty(image)[0] == 0, timeout, interval=1,
                   what="the write-intent bitmap of %s to be clean after the sync"
                   % os.path.basename(image))
    ctx.figures["bitmap_clean_after_sync_s"] = round(time.monotonic() - t0, 1)


def diff_resync(ctx, driver, size_written_mib=32, offset_mib=256):
    """The difference-only resync proof, shared by the agent scenario and the dmsetup self-check."""
    g = ctx.g
    name = driver.name
    remove_maps(g, name)
    wipe_leg_fronts(g)
    f = ctx.figures
    f["array_mib"] = ctx.lab.layout.arrays["A"].size // MIB
    f["written_mib"] = size_written_mib
    with StorageFixture(g, driver) as fx:
        data = fx.delete_at_exit(os.path.join(g.share, "diff-resync.bin"))
        with open(data, "wb") as fh:
            fh.write(os.urandom(size_written_mib * MIB))
        ctx.check(driver.validate() == 0, "validate-all failed")
        # 1. create the mirror from leg A (initial full sync A -> B)
        ctx.check(driver.start("a") == 0, "start failed")
        env = driver.env() if driver.kind == "agent" else None
        r = labtool(g, ["resync", "--dm", name], env=env)
        ctx.check(r["_rc"] == 0, "initial sync did not complete: %s" % r)
        f["initial_sync_s"] = r["resync_s"]
        ctx.check(driver.monitor() == 0, "monitor after initial sync is not 0")
        table = g.run(["dmsetup", "table", name], check=True).out.strip()
        length = int(table.split()[1])
        f["mirror_mib"] = length * 512 // MIB
        ctx.check(offset_mib + size_written_mib <= f["mirror_mib"], "mirror too small for the write")
        wait_bitmap_clean(ctx, ctx.lab.layout.arrays["A"].image)

        # 2. array B vanishes (both paths); write D MiB: writes must complete, leg B fails
        g.array_down("B")
        w = labtool(g, ["write", "--dev", "/dev/mapper/" + name, "--src", "/lab/diff-resync.bin",
                        "--offset-mib", str(offset_mib)], timeout=300)
        ctx.check(w["errors"] == 0, "write failed while array B was down: %s" % w.get("error"))
        f["stall_ms"] = w["max_write_ms"]
        f["degraded_write_s"] = w["seconds"]
        st = wait_until(lambda: (lambda s: s if s and s.health == "AD" else None)(raid_status(g, name)),
                        30, what="dm-raid health AD after losing array B")
        ctx.check(driver.monitor() == 190, "monitor with array B down is not 190 (status %r)" % st)

        # 3. array B returns; the monitor re-adds leg B; only dirty regions resync
        g.array_up("B")
        wait_array_usable(g, "arrayB")
        ctx.check(raid_status(g, name).health == "AD", "leg B came back before the re-add")

        def readd():
            r = labtool(g, ["resync", "--dm", name, "--"] + driver.trigger_argv(), env=env)
            ctx.check(r["_rc"] == 0, "re-added leg B did not resync: %s" % r)
            if driver.kind == "agent":
                ctx.check(r["trigger_rc"] in (0, 190), "monitor (re-add) exit %s" % r["trigger_rc"])
            f["resync_s"] = r["resync_s"]
            f["readd_trigger_s"] = r["trigger_s"]
            kd = [k for k in r["kernel"] if k[0] == "recovery"]
            if kd:
                f["resync_kernel_s"] = kd[-1][2]
        f["resync_written_mib"] = round(leg_writes_during(g, name, "b", readd), 1)
        ctx.check(driver.monitor() == 0, "monitor after re-add resync is not 0")

        # 4. forced full resync of leg B (table argument rebuild 1), same run, same measurement
        f["full_resync_written_mib"] = round(leg_writes_during(
            g, name, "b", lambda: forced_full_resync(ctx, g, name, env)), 1)
        ctx.check(driver.monitor() == 0, "monitor after full resync is not 0")
        check_resync_writes(ctx, length / 2048, size_written_mib)

        # 5. stop; legs byte-identical (checked on the host, on the image files themselves)
        ctx.check(driver.stop() == 0, "stop failed")
        ctx.check(driver.monitor() == 7, "monitor after stop is not 7")
        left = g.run(["dmsetup", "ls"]).out
        ctx.check(name not in left, "maps left after stop: %s" % left)
        check_legs_identical(ctx, length, "after resync")
        a, b = ctx.lab.layout.arrays["A"], ctx.lab.layout.arrays["B"]
        want = file_digest(data)
        for arr in (a, b):
            got = host_image_digest(arr.image, META_SECTORS * 512 + offset_mib * MIB,
                                    size_written_mib * MIB)
            ctx.check(got == want, "written data not on leg %s" % arr.tag)
        f["legs_identical"] = True


def leg_writes_during(g, mirror, leg, action):
    """MiB md wrote to the data map of `leg` of `mirror` while action() ran."""
    before = leg_written(g, mirror, leg)
    action()
    return dmstatus.written_since(before, leg_written(g, mirror, leg))


def forced_full_resync(ctx, g, name, env=None):
    """A full resync of leg B (table argument rebuild 1), timed like the re-add; the table is
    put back as it was (no rebuild flag left in the live table)."""
    f = ctx.figures
    full = dmstatus.raid_table_set_arg(table_now(g, name), "rebuild", 1)
    r = labtool(g, ["resync", "--dm", name, "--", "sh", "-c",
                    'dmsetup reload "$0" --table "$1" && dmsetup suspend "$0" && '
                    'dmsetup resume "$0"', name, full], env=env)
    ctx.check(r["_rc"] == 0 and r["trigger_rc"] == 0, "forced full resync failed: %s" % r)
    f["full_resync_s"] = r["resync_s"]
    kd = [k for k in r["kernel"] if k[0] == "recovery"]
    if kd:
        f["full_resync_kernel_s"] = kd[-1][2]
    plain = dmstatus.raid_table_set_arg(table_now(g, name), "rebuild", remove=True)
    g.sh('dmsetup reload "$1" --table "$2" && dmsetup suspend "$1" && dmsetup resume "$1"',
         name, plain, check=True)


def check_resync_writes(ctx, leg_mib, dirty_mib):
    """Difference-only resync judged by what md wrote to the returning leg (figures
    resync_written_mib, full_resync_written_mib), never by time: the re-add copies at least
    what was written while the leg was out and a small part of the leg, the forced full resync
    of the same leg (the measurement's own check) nearly all of it. The times and their ratios
    stay figures: under load the agent's exec and md's speed limits decide them (CI saw a
    ratio of 2.9 with the kernel's own 10.9)."""
    f = ctx.figures
    f["leg_mib"] = round(leg_mib)
    f["ratio_full_vs_diff"] = round(f["full_resync_s"] / max(f["resync_s"], 0.001), 1)
    if "resync_kernel_s" in f and "full_resync_kernel_s" in f:
        f["ratio_full_vs_diff_kernel"] = round(
            f["full_resync_kernel_s"] / max(f["resync_kernel_s"], 0.001), 1)
    ctx.note("re-add: %.1f MiB written to leg B (%.2f s); forced full resync: %.1f MiB "
             "(%.2f s) of a %.0f MiB leg; time ratio %.1fx (a figure)"
             % (f["resync_written_mib"], f["resync_s"], f["full_resync_written_mib"],
                f["full_resync_s"], leg_mib, f["ratio_full_vs_diff"]))
    why = dmstatus.judge_resync_written(f["full_resync_written_mib"], leg_mib, "full")
    ctx.check(why is None, "forced full resync: %s" % why)
    why = dmstatus.judge_resync_written(f["resync_written_mib"], leg_mib, "difference",
                                        dirty_mib=dirty_mib)
    ctx.check(why is None, "re-add of leg B: %s" % why)


def table_now(g, name):
    return g.run(["dmsetup", "table", name], check=True).out.strip()


@scenario("raid-diff-resync", cost_s=57, timeout=900)
def sc_raid_diff_resync(ctx):
    """ocf:twinarray:mirror: array B lost under writes, back -> re-add resyncs only dirty regions."""
    need_agent(ctx)
    diff_resync(ctx, AgentDriver(ctx.g))


def need_agent(ctx):
    if not ctx.lab.stage or not os.path.exists(os.path.join(ctx.lab.stage, AGENT_REL)):
        raise Skip("mirror agent not installed: no %s in the stage tree (give --build or --stage)"
                   % AGENT_REL)
    ctx.check(ctx.g.run(["test", "-x", AGENT]).rc == 0, "agent not installed in the guest")


def only_stale_leg_b(g, fx):
    """Array A lost and array B back, so that only the stale leg B is readable. A's map is held
    open first (by fx.hold_open), so that it stays, without paths, like a SAN LUN behind a held
    map. Returns the holder's PID, for fx.release once A is back."""
    holder = fx.hold_open("/dev/mapper/arrayA")
    g.array_down("A")
    g.array_up("B")
    wait_array_usable(g, "arrayB")
    wait_until(lambda: g.run(["dd", "if=/dev/mapper/arrayA", "of=/dev/null", "bs=4096",
                              "count=1", "iflag=direct"], timeout=60).rc != 0,
               60, interval=1, what="array A unreadable")
    return holder


def write_pattern(ctx, name, fname, mib, offset_mib):
    path = os.path.join(ctx.g.share, fname)
    with open(path, "wb") as fh:
        fh.write(os.urandom(mib * MIB))
    w = labtool(ctx.g, ["write", "--dev", "/dev/mapper/" + name, "--src", "/lab/" + fname,
                        "--offset-mib", str(offset_mib)], timeout=300)
    ctx.check(w["errors"] == 0, "write to %s failed: %s" % (name, w.get("error")))
    return path, w


def read_digest(g, dev, offset_mib, mib):
    r = g.sh('dd if="$1" bs=1M skip="$2" count="$3" iflag=direct 2>/dev/null | sha256sum',
             dev, offset_mib, mib, check=True, timeout=120)
    return r.out.split()[0]


def fresh_mirror(ctx, drv):
    """A brand-new mirror created from leg A, fully synced."""
    remove_maps(ctx.g, drv.name)
    wipe_leg_fronts(ctx.g)
    ctx.check(drv.start("a") == 0, "start (create from leg A) failed")
    r = labtool(ctx.g, ["resync", "--dm", drv.name], env=drv.env())
    ctx.check(r["_rc"] == 0, "initial sync did not complete: %s" % r)
    return r["resync_s"]


@scenario("mirror-lifecycle", cost_s=29, timeout=600)
def sc_mirror_lifecycle(ctx):
    """ocf:twinarray:mirror: create rules, idempotent start/stop, data across restarts, busy stop."""
    need_agent(ctx)
    g = ctx.g
    drv = AgentDriver(g)
    remove_maps(g, drv.name)
    wipe_leg_fronts(g)
    with StorageFixture(g, drv) as fx:
        r = drv.action("start")  # blank legs, initial_source=none: must refuse, create nothing
        ctx.check(r.rc not in (0, 7), "start on blank legs without initial_source succeeded (rc %s)" % r.rc)
        ctx.check(drv.name not in g.run(["dmsetup", "ls"]).out, "maps left after refused start")
        t0 = time.monotonic()
        ctx.check(drv.start("a") == 0, "start (create) failed")
        ctx.figures["create_start_s"] = round(time.monotonic() - t0, 2)
        ctx.check(drv.monitor() in (0, 190), "monitor during initial sync")
        r = labtool(g, ["resync", "--dm", drv.name], env=drv.env())
        ctx.check(r["_rc"] == 0, "initial sync: %s" % r)
        ctx.figures["initial_sync_s"] = r["resync_s"]
        ctx.check(drv.monitor() == 0, "monitor after sync is not 0")
        ctx.check(drv.start("a") == 0, "second start (idempotent) failed")
        r = g.run([AGENT, "monitor"], env=dict(drv.env(), OCF_CHECK_LEVEL="10"))
        ctx.check(r.rc == 0, "monitor depth 10 -> %s: %s" % (r.rc, r.out))
        c = labtool(g, ["exec-cost", "--repeat", "5", "--", AGENT, "monitor"], env=drv.env())
        ctx.check(c["rcs"] == [0] * 5, "monitor exit codes %s" % c["rcs"])
        ctx.figures["monitor_ms"] = c["median_ms"]  # whole exec of the agent under TCG
        ctx.figures["monitor_forks"] = c["forks_min"]
        c = labtool(g, ["exec-cost", "--repeat", "5", "--", "true"])
        ctx.figures["exec_true_ms"] = c["median_ms"]  # the floor: exec of /bin/true under TCG
        path, _ = write_pattern(ctx, drv.name, "life.bin", 8, 100)
        want = file_digest(fx.delete_at_exit(path))
        holder = fx.hold_open("/dev/mapper/" + drv.name)
        t0 = time.monotonic()
        r = drv.action("stop")
        ctx.check(r.rc != 0, "stop reported success while the mirror is held open")
        ctx.check(raid_status(g, drv.name) is not None, "map gone although stop failed")
        ctx.figures["busy_stop_s"] = round(time.monotonic() - t0, 2)
        fx.release(holder)
        t0 = time.monotonic()
        ctx.check(drv.stop() == 0, "stop failed")
        ctx.figures["stop_s"] = round(time.monotonic() - t0, 2)
        ctx.check(drv.stop() == 0, "second stop (idempotent) failed")
        ctx.check(drv.monitor() == 7, "monitor after stop is not 7")
        left = [l for l in g.run(["dmsetup", "ls"]).out.splitlines() if l.startswith(drv.name)]
        ctx.check(not left, "maps left after stop: %s" % left)
        for cycle in range(2):
            t0 = time.monotonic()
            ctx.check(drv.action("start").rc == 0, "restart %d of the existing mirror failed" % cycle)
            ctx.figures["restart_s"] = round(time.monotonic() - t0, 2)
            r = labtool(g, ["resync", "--dm", drv.name, "--timeout", "60"], env=drv.env())
            ctx.check(r["_rc"] == 0, "not in sync after restart: %s" % r)
            ctx.check(drv.monitor() == 0, "monitor after restart is not 0")
            ctx.check(read_digest(g, "/dev/mapper/" + drv.name, 100, 8) == want,
                      "data written before stop is not there after restart %d" % cycle)
            ctx.check(drv.stop() == 0, "stop after restart %d failed" % cycle)


@scenario("mirror-stale-leg", cost_s=38, timeout=900)
def sc_mirror_stale_leg(ctx):
    """ocf:twinarray:mirror: start refuses a lone stale leg (no cluster: superblocks), no rollback."""
    need_agent(ctx)
    g = ctx.g
    drv = AgentDriver(g)
    with StorageFixture(g, drv) as fx:
        fresh_mirror(ctx, drv)
        ctx.check(drv.monitor() == 0, "monitor after sync is not 0")
        # leg B fails; data P lands on leg A only; the mirror is stopped with B still gone
        g.array_down("B")
        path, _ = write_pattern(ctx, drv.name, "stale.bin", 8, 200)
        want = file_digest(fx.delete_at_exit(path))
        ctx.check(drv.monitor() == 190, "monitor with B down is not 190")
        ctx.check(drv.stop() == 0, "stop with B down failed")
        # now only the stale leg B is reachable: start must refuse (it would roll back)
        holder = only_stale_leg_b(g, fx)
        r = drv.action("start")
        ctx.check(r.rc != 0, "start from the stale leg B alone succeeded")
        ctx.check(raid_status(g, drv.name) is None, "a raid map exists after the refused start")
        ctx.check("stale" in r.out.lower() or "force-current" in r.out,
                  "refusal does not explain the stale leg: %r" % r.out)
        ctx.figures["refused_rc"] = r.rc
        ctx.note("admin override (mirror-resync force-current) needs a cluster record: tested in "
                 "the two-node scenarios, not here")
        # array A returns: start uses A (fresher), B is brought up to date, nothing rolled back
        g.array_up("A")
        wait_array_usable(g, "arrayA")
        fx.release(holder)
        ctx.check(drv.action("start").rc == 0, "start with both legs back failed")
        r = labtool(g, ["resync", "--dm", drv.name, "--", AGENT, "monitor"], env=drv.env())
        ctx.check(r["_rc"] == 0, "not in sync after both legs returned: %s" % r)
        ctx.figures["catch_up_resync_s"] = r["resync_s"]
        ctx.check(drv.monitor() == 0, "monitor is not 0 after catch-up")
        ctx.check(read_digest(g, "/dev/mapper/" + drv.name, 200, 8) == want,
                  "data written while B was out is missing: the mirror was rolled back")
        table = table_now(g, drv.name)
        length = int(table.split()[1])
        ctx.check(drv.stop() == 0, "final stop failed")
        check_legs_identical(ctx, length, "after catch-up")


def check_legs_identical(ctx, length_sectors, what):
    """Both data legs byte-identical over the mirror's length, read from the host's image files
    (the mirror must be stopped)."""
    a, b = ctx.lab.layout.arrays["A"], ctx.lab.layout.arrays["B"]
    da = host_image_digest(a.image, META_SECTORS * 512, length_sectors * 512)
    db = host_image_digest(b.image, META_SECTORS * 512, length_sectors * 512)
    ctx.check(da == db, "legs differ %s (A %s, B %s)" % (what, da[:16], db[:16]))


# ocf-tester parameters per agent installed under resource.d/twinarray (add new agents here)
OCF_TESTER_PARAMS = {
    "mirror": ["name=twin0", "leg_a=/dev/mapper/arrayA", "leg_b=/dev/mapper/arrayB"],
    "mpath": ["maps=A:arrayA B:arrayB"],
    # the Oracle agents run against the Oracle stand-in (tests/oracle-standin), home made by
    # prepare_oracle_home() in the guest's writable overlay
    "oracle": ["sid=ORCL", "home=/var/tmp/twinarray-orahome", "oratab=/var/tmp/twinarray-oratab"],
    "oralsnr": ["sid=ORCL", "home=/var/tmp/twinarray-orahome", "oratab=/var/tmp/twinarray-oratab",
                "listener=LT"],
}
STANDIN_DIR = os.path.join(os.path.dirname(LAB_DIR), "oracle-standin")


def prepare_oracle_home(ctx):
    r = ctx.g.run([os.path.join(STANDIN_DIR, "make-home"), "/var/tmp/twinarray-orahome",
                   "--sid", "ORCL", "--listener", "LT:1521", "--oratab",
                   "/var/tmp/twinarray-oratab"], timeout=120)
    ctx.check(r.rc == 0, "make-home of the Oracle stand-in failed: %s" % r.out[-500:])
# Resolved on the host: ../shared is often a symlink, and the guest sees the host's paths.
OCF_RNG = os.path.realpath(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(LAB_DIR))),
                                        "shared", "schemas", "ocf-ra-api-1.1.rng"))
DTD_CHECK = "Your agent produces meta-data which does not conform to ra-api-1.dtd"


def judge_ocf_tester(rc, out):
    """(failed_checks, dtd_only) from ocf-tester's output.

    ocf-tester (resource-agents 4.12) validates meta-data with `xmllint --valid` against the OCF
    1.0 DTD, which has no DOCTYPE-less documents and none of OCF 1.1's attributes (unique-group,
    reloadable, content type="select" with <option>): every OCF 1.1 agent, pacemaker's own Dummy
    included, fails that one check.  dtd_only is True when that check is the only failure."""
    failed = [l.strip() for l in out.splitlines() if l.lstrip().startswith("* rc=")]
    if rc == 0:
        return failed, False
    dtd_only = len(failed) == 1 and DTD_CHECK in failed[0] and "failed 1 tests" in out
    return failed, dtd_only


@scenario("ocf-tester", cost_s=46, timeout=900)
def sc_ocf_tester(ctx):
    """resource-agents' ocf-tester against every twinarray agent, inside the guest."""
    need_agent(ctx)
    g = ctx.g
    agents_dir = os.path.join(ctx.lab.stage, "usr/lib/ocf/resource.d/twinarray")
    agents = sorted(os.listdir(agents_dir))
    failed = []
    for agent in agents:
        params = OCF_TESTER_PARAMS.get(agent)
        if params is None:
            failed.append("%s: the lab has no ocf-tester parameters for it (OCF_TESTER_PARAMS in "
                          "tests/lab/twinlab/scenarios.py)" % agent)
            continue
        if agent == "mirror":  # ocf-tester expects monitor 0 right after start: use a synced mirror
            drv = AgentDriver(g)
            fresh_mirror(ctx, drv)
            ctx.check(drv.stop() == 0, "stop before ocf-tester failed")
        if agent == "oracle":  # runs first (sorted); oralsnr shares the home
            prepare_oracle_home(ctx)
        path = "/usr/lib/ocf/resource.d/twinarray/" + agent
        argv = ["ocf-tester", "-n", "db-" + agent]
        if agent in ("oracle", "oralsnr"):  # reaps the stand-in's exited processes at once
            argv = [os.path.join(STANDIN_DIR, "bin", "standin-reaper")] + argv
        for p in params:
            argv += ["-o", p]
        argv.append(path)
        t0 = time.monotonic()
        r = g.run(argv, timeout=600, env={"OCF_ROOT": "/usr/lib/ocf"})
        ctx.figures["%s_ocf_tester_s" % agent] = round(time.monotonic() - t0, 1)
        with open(os.path.join(g.share, "ocf-tester-%s.log" % agent), "w") as f:
            f.write(r.out)
        print("\n".join("       | " + l for l in r.out.strip().splitlines()[-25:]), flush=True)
        checks, dtd_only = judge_ocf_tester(r.rc, r.out)
        if agent == "mirror":
            remove_maps(g, "twin0")
        if r.rc == 0:
            continue
        if dtd_only:
            # the one known OCF 1.0 DTD check: accepted only if the meta-data is valid OCF 1.1
            v = g.sh('"$1" meta-data > /tmp/md.xml && xmllint --noout --relaxng "$2" /tmp/md.xml',
                     path, OCF_RNG, env={"OCF_ROOT": "/usr/lib/ocf"})
            if v.rc == 0:
                ctx.note("%s: ocf-tester's only failure is its OCF 1.0 DTD meta-data check "
                         "(xmllint --valid against ra-api-1.dtd, which knows no OCF 1.1 "
                         "attributes); the meta-data validates against the OCF 1.1 RNG" % agent)
                ctx.figures["%s_ocf_tester_failed_checks" % agent] = 1
                ctx.figures["%s_ocf_1_1_rng_valid" % agent] = True
                continue
            failed.append("%s: DTD check failed and OCF 1.1 RNG validation failed too: %s"
                          % (agent, v.out.strip()[-1000:]))
        else:
            failed.append("%s: ocf-tester exit %s: %s" % (agent, r.rc, "; ".join(checks) or r.out[-1500:]))
    ctx.figures["agents_tested"] = len(agents)
    ctx.check(not failed, "\n".join(failed))


@scenario("lab-selfcheck-dmraid", default=False, timeout=900)
def sc_selfcheck(ctx):
    """Lab self-check without the product: the same proof with raw dmsetup (not an agent test)."""
    diff_resync(ctx, DmsetupDriver(ctx.g))


@scenario("lab-selfcheck-pair", group="pair", default=False, timeout=900)
def sc_pair(ctx):
    """Lab self-check for two-node work: network, partition/heal, node crash and reboot."""
    n1, n2 = ctx.guests
    hub = ctx.lab.hub
    ctx.figures["boot_s"] = max(n1.boot_s, n2.boot_s)
    wait_until(lambda: n1.can_reach(n2.addr), 30, interval=1, what="node1 -> node2 ping")
    ctx.check(n2.can_reach(n1.addr), "node2 cannot reach node1")
    for g in (n1, n2):  # the shared storage is seen by both
        r = g.run(["dmsetup", "ls", "--target", "multipath"], check=True)
        ctx.check("arrayA" in r.out and "arrayB" in r.out, "%s: maps %r" % (g.name, r.out))
    hub.partition([{0}, {1}])
    ctx.check(not n1.can_reach(n2.addr, 2), "ping crossed the partition")
    ctx.check(not n2.can_reach(n1.addr, 2), "ping crossed the partition")
    hub.heal()
    wait_until(lambda: n1.can_reach(n2.addr), 20, interval=1, what="ping after heal")
    t0 = time.monotonic()
    n2.crash()
    ctx.check(not n2.running(), "node2 qemu still running after crash")
    ctx.check(not os.path.exists(n2.ctl_path) and not os.path.exists(n2.qmp_path),
              "stale sockets after crash")
    ctx.check(not n1.can_reach("10.0.0.2", 2), "crashed node still answers")
    n2.boot(timeout=400)
    wait_storage(n2)
    n2.configure_network()
    ctx.figures["crash_to_back_s"] = round(time.monotonic() - t0, 1)
    wait_until(lambda: n1.can_reach(n2.addr), 30, interval=1, what="ping after reboot")
    ctx.figures["hub_dropped_frames"] = hub.dropped


