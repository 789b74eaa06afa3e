"""ocf:twinarray:mpath in the real-kernel lab (issue 4): path loss, array loss, monitor cost.

The agent runs as Pacemaker's executor would run it (OCF environment of a clone instance, the
parameters of cib/site.conf.example, recurring-monitor meta attributes). The storage group has no
cluster, so `attrd_updater` is a recording stand-in first in the agent's PATH (/lab/mpbin): it
logs every call and succeeds, which lets the scenarios assert what the agent publishes
(`twinarray-arrays`) and gives the steady state a cluster has (the agent's attribute cache warm).

Writes run all along in a background writer (/lab/mpwriter.py, below): O_DIRECT chunks written
round-robin over a small window, each completed write timestamped; it reports errors, the longest
single write (the stall the database sees) and the longest gap between two completed writes. Every
chunk carries its write number, so the host can tell afterwards from the image files which
content each chunk must hold: no write lost, on both legs.
"""
import json
import os
import struct
import threading
import time

from . import dmstatus
from .lab import wait_until
from .dmquery import raid_status, wait_array_usable
from .registry import Skip, scenario
from .scenarios import (AGENT, META_SECTORS, MIB, AgentDriver, bitmap_dirty,
                        check_legs_identical, check_resync_writes, forced_full_resync,
                        fresh_mirror, labtool, leg_writes_during, need_agent, table_now,
                        wait_bitmap_clean)
from .storagefixture import StorageFixture

MPATH = "/usr/lib/ocf/resource.d/twinarray/mpath"
MPATH_REL = MPATH.lstrip("/")
MAPS = "A:arrayA B:arrayB"  # MPATH_MAPS of cib/site.conf.example
ATTR_LOG = "attrd.log"
BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), "bench")
SHELL_MONITOR = os.path.join(BENCH_DIR, "mpath-shell-monitor")

ATTRD_STANDIN = """#!/bin/sh
# lab stand-in for pacemaker's attrd_updater (no cluster in the storage group): record, succeed
echo "$*" >> /lab/%s
exit 0
""" % ATTR_LOG

WRITER = r'''
import json, mmap, os, struct, sys, time
dev, off_mib, span_mib, chunk_kib, pause_ms, status, stop = sys.argv[1:8]
chunk = int(chunk_kib) * 1024
nchunks = int(span_mib) * 1024 // int(chunk_kib)
base = int(off_mib) * 1024 * 1024
buf = mmap.mmap(-1, chunk)  # page-aligned for O_DIRECT
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
n = errors = 0
first_error = None
worst = worst_at = max_gap = 0.0
slow = []
t0 = last = time.monotonic()
dumped = 0.0
def dump(final):
    d = {"writes": n, "errors": errors, "first_error": first_error, "chunk_kib": int(chunk_kib),
         "nchunks": nchunks, "max_write_ms": round(worst * 1000, 1),
         "max_write_at_s": round(worst_at, 3), "max_gap_ms": round(max_gap * 1000, 1),
         "slow_writes": slow[-20:], "seconds": round(time.monotonic() - t0, 3), "final": final}
    with open(status + ".tmp", "w") as f:
        json.dump(d, f)
    os.rename(status + ".tmp", status)
while not os.path.exists(stop):
    k = n % nchunks
    buf.seek(0)
    buf.write(struct.pack("<QQ", n, k) * (chunk // 16))
    t = time.monotonic()
    try:
        if os.pwrite(fd, buf, base + k * chunk) != chunk:
            raise OSError("short write")
    except OSError as e:
        errors += 1
        first_error = first_error or "%s at %.3f s" % (e, t - t0)
        time.sleep(0.05)
        continue
    done = time.monotonic()
    if done - t > worst:
        worst, worst_at = done - t, t - t0
    if done - t > 0.2:
        slow.append([round(t - t0, 3), round((done - t) * 1000, 1)])
    max_gap = max(max_gap, done - last)
    last = done
    n += 1
    if done - dumped > 0.3:
        dump(False)
        dumped = done
    if int(pause_ms):
        time.sleep(int(pause_ms) / 1000.0)
os.fsync(fd)
os.close(fd)
dump(True)
'''


class MpathAgent:
    """ocf:twinarray:mpath as Pacemaker runs the clone instance p-mpath:0."""

    def __init__(self, g, **params):
        self.g = g
        self.params = {"maps": MAPS}
        self.params.update(params)

    def env(self, action, interval_ms=0):
        timeout = {"start": 60000, "stop": 60000}.get(action, 30000)
        e = {"PATH": "/lab/mpbin:/usr/sbin:/usr/bin:/sbin:/bin",
             "OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
             "OCF_RESOURCE_INSTANCE": "p-mpath:0", "OCF_RESOURCE_TYPE": "mpath",
             "OCF_RESOURCE_PROVIDER": "twinarray", "OCF_CHECK_LEVEL": "0",
             "HA_LOGFILE": "/var/log/twinarray-mpath.log", "HA_LOGFACILITY": "none",
             "OCF_RESKEY_CRM_meta_interval": str(interval_ms),
             "OCF_RESKEY_CRM_meta_timeout": str(timeout),
             "OCF_RESKEY_CRM_meta_clone": "0", "OCF_RESKEY_CRM_meta_clone_max": "2",
             "OCF_RESKEY_CRM_meta_clone_node_max": "1", "OCF_RESKEY_CRM_meta_globally_unique":
             "false", "OCF_RESKEY_CRM_meta_notify": "false",
             "OCF_RESKEY_CRM_meta_interleave": "true"}
        for k, v in self.params.items():
            e["OCF_RESKEY_" + k] = str(v)
        return e

    def action(self, act, interval_ms=0, quiet=False):
        r = self.g.run([MPATH, act], timeout=90, env=self.env(act, interval_ms))
        if not quiet:
            print("       .. mpath %s -> %s%s" % (act, r.rc, ("  | " + r.out.strip().replace(
                "\n", " | ")[-300:]) if r.out.strip() else ""), flush=True)
        return r

    def monitor(self, quiet=False):
        """The recurring monitor (interval 10 s, as in cib/configure-*)."""
        return self.action("monitor", interval_ms=10000, quiet=quiet)

    def monitor_argv_env(self):
        return [MPATH, "monitor"], self.env("monitor", 10000)


def exit_reason(out):
    lines = [l.split("ocf-exit-reason:", 1)[1] for l in out.splitlines() if "ocf-exit-reason:" in l]
    return lines[-1].strip() if lines else ""


def need_mpath(ctx):
    if not ctx.lab.stage or not os.path.exists(os.path.join(ctx.lab.stage, MPATH_REL)):
        raise Skip("mpath agent not installed: no %s in the stage tree (give --build or --stage)"
                   % MPATH_REL)
    ctx.check(ctx.g.run(["test", "-x", MPATH]).rc == 0, "mpath agent not installed in the guest")


def prepare(ctx):
    """attrd_updater stand-in, the writer; no state left by an earlier run of the agent."""
    g = ctx.g
    os.makedirs(os.path.join(g.share, "mpbin"), exist_ok=True)
    p = os.path.join(g.share, "mpbin", "attrd_updater")
    with open(p, "w") as f:
        f.write(ATTRD_STANDIN)
    os.chmod(p, 0o755)
    with open(os.path.join(g.share, "mpwriter.py"), "w") as f:
        f.write(WRITER)
    for name in (ATTR_LOG, "mpwriter.json", "mpwriter.stop"):
        try:
            os.unlink(os.path.join(g.share, name))
        except FileNotFoundError:
            pass
    g.run(["sh", "-c", "rm -f /run/twinarray/mpath-p-mpath.started "
           "/run/twinarray/node-attr-twinarray-arrays"])


def attr_updates(ctx):
    """The values the agent gave attrd_updater --update-both, in order."""
    try:
        with open(os.path.join(ctx.g.share, ATTR_LOG)) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for l in lines:
        w = l.split()
        if "--update-both" in w and "twinarray-arrays" in w:
            out.append(w[w.index("--update-both") + 1])
    return out


class Writer:
    """The background O_DIRECT writer in the guest (WRITER above)."""

    def __init__(self, ctx, dev, offset_mib, span_mib, chunk_kib=256, pause_ms=5):
        self.ctx, self.g = ctx, ctx.g
        self.dev, self.offset_mib, self.chunk_kib = dev, offset_mib, chunk_kib
        self.status_path = os.path.join(self.g.share, "mpwriter.json")
        self.stop_path = os.path.join(self.g.share, "mpwriter.stop")
        r = self.g.sh('python3 /lab/mpwriter.py "$@" > /lab/mpwriter.out 2>&1 & echo $!',
                      dev, offset_mib, span_mib, chunk_kib, pause_ms, "/lab/mpwriter.json",
                      "/lab/mpwriter.stop", check=True)
        self.pid = int(r.out.split()[-1])
        self.result = None
        self.wait_writes(20, 60)

    def status(self):
        try:
            with open(self.status_path) as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return {"writes": 0, "errors": 0}

    def wait_writes(self, more, timeout):
        """Until `more` further writes completed (writes continue)."""
        start = self.status().get("writes", 0)
        wait_until(lambda: self.status().get("writes", 0) >= start + more, timeout, interval=0.2,
                   what="%d more writes to %s" % (more, self.dev))
        return self.status()

    def stop(self):
        if self.result is not None:
            return self.result
        with open(self.stop_path, "w"):
            pass
        self.result = wait_until(lambda: (lambda s: s if s.get("final") else None)(self.status()),
                                 120, interval=0.2, what="writer to finish")
        os.unlink(self.stop_path)
        return self.result

    def kill(self):
        if self.result is None:
            try:
                self.stop()
            except Exception:
                self.g.run(["kill", "-9", str(self.pid)])

    def expected_chunks(self):
        """{chunk index: bytes it must hold} from the writer's final count."""
        n, nch, size = self.result["writes"], self.result["nchunks"], self.chunk_kib * 1024
        out = {}
        for k in range(min(n, nch)):
            last = k + ((n - 1 - k) // nch) * nch  # the last write number that hit chunk k
            out[k] = struct.pack("<QQ", last, k) * (size // 16)
        return out

    def check_image(self, image, data_offset):
        """Every chunk of the window holds its last write, read from a host image file."""
        size = self.chunk_kib * 1024
        bad = []
        with open(image, "rb") as f:
            for k, want in self.expected_chunks().items():
                f.seek(data_offset + self.offset_mib * MIB + k * size)
                if f.read(size) != want:
                    bad.append(k)
        return bad


def poll_monitor(ctx, agent, want_rc, timeout, what):
    """Runs the recurring monitor until it returns want_rc; (ms since call, last result)."""
    t0 = time.monotonic()
    last = [None]

    def done():
        last[0] = agent.monitor(quiet=True)
        return last[0].rc == want_rc
    wait_until(done, timeout, interval=0.05, what=what)
    return round((time.monotonic() - t0) * 1000), last[0]


# ---------------------------------------------------------------- path loss

@scenario("mpath-path-loss", cost_s=13, timeout=600)
def sc_mpath_path_loss(ctx):
    """ocf:twinarray:mpath: one path of array A lost under O_DIRECT writes -> monitor 190 with the
    reason, no I/O error, writes go on; path back -> monitor 0."""
    need_mpath(ctx)
    g = ctx.g
    f = ctx.figures
    prepare(ctx)
    agent = MpathAgent(g)
    with StorageFixture(g) as fx:
        fx.at_exit_last(lambda: agent.action("stop", quiet=True))
        ctx.check(agent.action("validate-all").rc == 0, "validate-all failed")
        ctx.check(agent.monitor().rc == 7, "monitor before start is not 7 (not running)")
        ctx.check(agent.action("start").rc == 0, "start failed")
        r = agent.monitor()
        ctx.check(r.rc == 0, "monitor with every path up is not 0: %s" % r.out)
        ctx.check(attr_updates(ctx) == ["2"], "attribute published at start: %s (want ['2'])"
                  % attr_updates(ctx))
        writer = Writer(ctx, "/dev/mapper/arrayA", offset_mib=64, span_mib=16)
        fx.at_exit_first(writer.kill)

        t0 = time.monotonic()
        g.path_down("dA0")
        f["path_unplug_ms"] = round((time.monotonic() - t0) * 1000)
        ms, r = poll_monitor(ctx, agent, 190, 60, "mpath monitor 190 after losing path dA0")
        f["detect_ms"] = f["path_unplug_ms"] + ms
        reason = exit_reason(r.out)
        ctx.note("monitor 190 after %d ms (unplug %d ms): %s" % (f["detect_ms"],
                                                                f["path_unplug_ms"], reason))
        ctx.check(reason.startswith("paths missing, every array still reachable")
                  and "map arrayA: 1 of 2 paths active" in reason and "arrayB" not in reason,
                  "unclear or wrong reason for one lost path: %r" % reason)
        s = writer.wait_writes(50, 60)
        ctx.check(s["errors"] == 0, "I/O error with one path of A left: %s" % s.get("first_error"))
        r = agent.monitor()
        ctx.check(r.rc == 190, "monitor is not 190 a second time with a path gone")

        t0 = time.monotonic()
        g.path_up("dA0")
        ms, r = poll_monitor(ctx, agent, 0, 90, "mpath monitor 0 after the path returned")
        f["return_ms"] = round((time.monotonic() - t0) * 1000)
        s = writer.wait_writes(50, 60)
        res = writer.stop()
        ctx.check(res["errors"] == 0, "I/O error during path loss/return: %s" % res["first_error"])
        f["writes"] = res["writes"]
        f["max_write_ms"] = res["max_write_ms"]
        f["max_gap_ms"] = res["max_gap_ms"]
        ctx.check(attr_updates(ctx) == ["2"],
                  "attribute changed although every array stayed reachable: %s" % attr_updates(ctx))
        r = g.run(["dmsetup", "status", "arrayA"], check=True)
        paths = dmstatus.mpath_paths(r.out)
        ctx.check(len(paths) == 2 and all(s == "A" for _, s in paths),
                  "arrayA not back to 2 active paths: %r" % r.out)
        ctx.check(agent.action("stop").rc == 0, "stop failed")
        ctx.check(agent.monitor().rc == 7, "monitor after stop is not 7")
        ctx.check(g.run(["dmsetup", "info", "arrayA"]).rc == 0, "stop removed the map")
        bad = writer.check_image(ctx.lab.layout.arrays["A"].image, 0)
        ctx.check(not bad, "chunks not holding their last write on array A: %s" % bad[:10])
        f["writes_verified"] = True


# ---------------------------------------------------------------- array loss

@scenario("mpath-array-loss", cost_s=69, timeout=1200)
def sc_mpath_array_loss(ctx):
    """ocf:twinarray:mpath + mirror: both paths of array B lost under writes -> the map fails I/O
    in bounded time, leg B fails, writes go on on A (longest stall); back -> dirty-only resync."""
    need_mpath(ctx)
    need_agent(ctx)
    g = ctx.g
    f = ctx.figures
    prepare(ctx)
    agent = MpathAgent(g)
    drv = AgentDriver(g)
    a, b = ctx.lab.layout.arrays["A"], ctx.lab.layout.arrays["B"]
    with StorageFixture(g, drv) as fx:
        fx.at_exit_last(lambda: agent.action("stop", quiet=True))
        ctx.check(agent.action("start").rc == 0, "mpath start failed")
        ctx.check(agent.monitor().rc == 0, "mpath monitor with every path up is not 0")
        fresh_mirror(ctx, drv)
        ctx.check(drv.monitor() == 0, "mirror monitor after initial sync is not 0")
        length = int(table_now(g, drv.name).split()[1])
        f["mirror_mib"] = length * 512 // MIB
        wait_bitmap_clean(ctx, a.image)
        writer = Writer(ctx, "/dev/mapper/" + drv.name, offset_mib=256, span_mib=32)
        fx.at_exit_first(writer.kill)
        f["writer_window_mib"] = 32

        # array B vanishes: a read on its map right away shows when the map fails I/O
        io = {}

        def read_b():
            t = time.monotonic()
            r = g.run(["dd", "if=/dev/mapper/arrayB", "of=/dev/null", "bs=4096", "count=1",
                       "skip=1000", "iflag=direct"], timeout=180)
            io["rc"], io["s"], io["out"] = r.rc, time.monotonic() - t, r.out
        t0 = time.monotonic()
        g.array_down("B")
        f["array_unplug_ms"] = round((time.monotonic() - t0) * 1000)
        reader = threading.Thread(target=read_b, daemon=True)
        reader.start()
        st = wait_until(lambda: (lambda s: s if s and s.health == "AD" else None)(
            raid_status(g, drv.name)), 120, interval=0.2, what="dm-raid leg B failed (AD)")
        f["leg_failed_s"] = round(time.monotonic() - t0, 2)
        reader.join(150)
        ctx.check(not reader.is_alive(), "a read of the map of array B still hangs after 150 s: "
                  "I/O queues instead of failing")
        ctx.check(io["rc"] != 0, "a read of arrayB with both paths gone succeeded: %s" % io["out"])
        f["map_io_error_s"] = round(f["array_unplug_ms"] / 1000.0 + io["s"], 2)
        ctx.note("array B gone: map I/O error after %.1f s, leg B failed after %.1f s (%r)"
                 % (f["map_io_error_s"], f["leg_failed_s"], st))
        # bounded queueing, judged by what the map does, not how soon (map_io_error_s is a
        # figure): the read ended in an error, and multipathd has switched queueing off once
        # no_path_retry ran out (the table's features no longer hold queue_if_no_path)
        table_b = g.run(["dmsetup", "table", "arrayB"], timeout=20, check=True).out.strip()
        ctx.check("queue_if_no_path" not in dmstatus.mpath_features(table_b),
                  "the map of array B still queues I/O with no path left: %s" % table_b)

        s = writer.wait_writes(50, 120)
        ctx.check(s["errors"] == 0, "write error on the mirror after losing array B: %s"
                  % s.get("first_error"))
        ctx.check(drv.monitor() == 190, "mirror monitor with leg B failed is not 190")
        r = agent.monitor()
        reason = exit_reason(r.out)
        ctx.check(r.rc == 190, "mpath monitor with array B gone is not 190: %s" % r.out)
        ctx.check(reason.startswith("array B unreachable from this node") and
                  "1 of 2 arrays reachable" in reason,
                  "unclear reason for a lost array: %r" % reason)
        ctx.check(attr_updates(ctx)[-1:] == ["1"], "attribute not 1 with array B gone: %s"
                  % attr_updates(ctx))
        res = writer.stop()
        ctx.check(res["errors"] == 0, "write error while array B was lost: %s" % res["first_error"])
        f["longest_write_stall_ms"] = res["max_write_ms"]
        f["longest_gap_between_writes_ms"] = res["max_gap_ms"]
        f["writes"] = res["writes"]
        ctx.note("writer: %d writes, longest write %.0f ms (at %.1f s), slow writes %s"
                 % (res["writes"], res["max_write_ms"], res["max_write_at_s"],
                    res["slow_writes"]))
        dirty = bitmap_dirty(a.image)
        dirty_mib = 0.0
        if dirty:
            n, chunk, regions = dirty
            f["bitmap_dirty_regions"] = n
            f["bitmap_regions"] = regions
            dirty_mib = n * chunk / MIB
            f["bitmap_dirty_mib"] = round(dirty_mib, 1)
            ctx.check(0 < n * chunk <= (32 + 2) * MIB,
                      "write-intent bitmap of leg A marks %.1f MiB dirty; the writer touched 32 MiB"
                      % (n * chunk / MIB))
        else:
            ctx.note("no md bitmap superblock found 4 KiB into leg A: no bitmap figure")

        # array B returns: mpath sees it at once; the mirror's own monitor re-adds leg B
        t0 = time.monotonic()
        g.array_up("B")
        wait_array_usable(g, "arrayB")
        ms, r = poll_monitor(ctx, agent, 0, 90, "mpath monitor 0 with array B back")
        f["mpath_back_ms"] = round((time.monotonic() - t0) * 1000)
        ctx.check(attr_updates(ctx)[-1:] == ["2"],
                  "attribute not back to 2: %s" % attr_updates(ctx))
        ctx.check(raid_status(g, drv.name).health == "AD", "leg B came back before the re-add")

        def readd():
            r = labtool(g, ["resync", "--dm", drv.name, "--", AGENT, "monitor"], env=drv.env())
            ctx.check(r["_rc"] == 0, "leg B not re-added and in sync after the mirror monitor: %s"
                      % r)
            ctx.check(r["trigger_rc"] in (0, 190), "mirror monitor (re-add) exit %s"
                      % r["trigger_rc"])
            f["resync_s"] = r["resync_s"]
        f["resync_written_mib"] = round(leg_writes_during(g, drv.name, "b", readd), 1)
        ctx.check(drv.monitor() == 0, "mirror monitor after the re-add resync is not 0")

        # the same mirror, forced full resync of leg B, measured the same way (as raid-diff-resync)
        f["full_resync_written_mib"] = round(leg_writes_during(
            g, drv.name, "b", lambda: forced_full_resync(ctx, g, drv.name, drv.env())), 1)
        # the re-add copies every region the bitmap marked (read above from leg A's image)
        check_resync_writes(ctx, length / 2048, dirty_mib)

        ctx.check(drv.stop() == 0, "mirror stop failed")
        ctx.check(agent.action("stop").rc == 0, "mpath stop failed")
        check_legs_identical(ctx, length, "at the end")
        for arr in (a, b):
            bad = writer.check_image(arr.image, META_SECTORS * 512)
            ctx.check(not bad, "chunks not holding their last write on leg %s: %s"
                      % (arr.tag, bad[:10]))
        f["legs_identical"] = True


# ---------------------------------------------------------------- benchmark

BENCH_REPEAT = 7


@scenario("bench-mpath", default=False, timeout=600)  # bench/run; not in CI (figures only)
def sc_bench_mpath(ctx):
    """Benchmark: mpath monitor (depth 0, steady state) vs a shell agent's monitor parsing
    `multipath -ll` / `multipathd show paths`: wall time and forks, as ratios (bench/README.md)."""
    need_mpath(ctx)
    g = ctx.g
    f = ctx.figures
    prepare(ctx)
    agent = MpathAgent(g)
    ctx.check(os.path.exists(SHELL_MONITOR), "%s missing" % SHELL_MONITOR)
    with StorageFixture(g) as fx:
        fx.at_exit_last(lambda: agent.action("stop", quiet=True))
        ctx.check(agent.action("start").rc == 0, "mpath start failed")
        ctx.check(agent.monitor().rc == 0, "mpath monitor is not 0")
        argv, env = agent.monitor_argv_env()
        shell_env = dict(env, OCF_FUNCTIONS_DIR="/usr/lib/ocf/lib/heartbeat")

        def cost(what, argv, env):
            c = labtool(g, ["exec-cost", "--repeat", str(BENCH_REPEAT), "--"] + argv, env=env)
            ctx.check(c["rcs"] == [0] * BENCH_REPEAT, "%s exit codes %s" % (what, c["rcs"]))
            print("       .. %s: median %.1f ms, forks %d..%d" % (
                what, c["median_ms"], c["forks_min"], c["forks_max"]), flush=True)
            return c
        mine = cost("ocf:twinarray:mpath monitor", argv, env)
        ll = cost("shell monitor, multipath -ll", [SHELL_MONITOR, "ll", "arrayA", "arrayB"],
                  shell_env)
        show = cost("shell monitor, multipathd show paths",
                    [SHELL_MONITOR, "show", "arrayA", "arrayB"], shell_env)
        floor = cost("/bin/true (exec floor)", ["/bin/true"], {})
        # the shell monitors must see what the agent sees: one path gone -> non-zero
        g.path_down("dA0")
        wait_until(lambda: agent.monitor(quiet=True).rc == 190, 60, interval=0.2,
                   what="mpath monitor 190 with a path gone")
        for mode in ("ll", "show"):
            r = g.run([SHELL_MONITOR, mode, "arrayA", "arrayB"], env=shell_env)
            ctx.check(r.rc == 190, "shell monitor (%s) with a path gone -> %s: %s"
                      % (mode, r.rc, r.out))
        g.restore_paths()
        wait_array_usable(g, "arrayA")
        wait_until(lambda: agent.monitor(quiet=True).rc == 0, 60, interval=0.2,
                   what="mpath monitor 0 with the path back")
    f["mpath_monitor_ms"] = mine["median_ms"]
    f["mpath_monitor_forks"] = mine["forks_min"]
    f["shell_ll_monitor_ms"] = ll["median_ms"]
    f["shell_ll_monitor_forks"] = ll["forks_min"]
    f["shell_show_monitor_ms"] = show["median_ms"]
    f["shell_show_monitor_forks"] = show["forks_min"]
    f["exec_true_ms"] = floor["median_ms"]
    f["ratio_shell_ll_vs_mpath_time"] = round(ll["median_ms"] / mine["median_ms"], 1)
    f["ratio_shell_show_vs_mpath_time"] = round(show["median_ms"] / mine["median_ms"], 1)
    ctx.note("monitor wall time: shell with multipath -ll %.1fx, shell with multipathd show paths "
             "%.1fx the agent's; forks: agent %d, shell -ll %d, shell show %d" % (
                 f["ratio_shell_ll_vs_mpath_time"], f["ratio_shell_show_vs_mpath_time"],
                 mine["forks_min"], ll["forks_min"], show["forks_min"]))
