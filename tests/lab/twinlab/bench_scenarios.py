"""Benchmarks in the lab (bench/README.md): the monitor cost of ocf:twinarray:mirror against
resource-agents' mdraid and LVM-activate, each monitoring an equivalent raid1 over the same two
multipath maps, in the same guest and the same run. Figures only; nothing here asserts a timing.

Cost is measured by labtool's exec-cost: wall time of the whole agent exec (median of N) and the
forks it makes (the kernel's fork counter), as Pacemaker's executor would run it.
"""

from .registry import scenario
from .scenarios import AGENT, AgentDriver, fresh_mirror, labtool, need_agent, wipe_leg_fronts
from .storagefixture import StorageFixture, remove_maps

REPEAT = 7
RA = "/usr/lib/ocf/resource.d/heartbeat"
LEGS = ["/dev/mapper/arrayA", "/dev/mapper/arrayB"]
MD_DEV = "/dev/md/bench"
VG, LV = "vgbench", "lv"


def cost(ctx, argv, env, what):
    c = labtool(ctx.g, ["exec-cost", "--repeat", str(REPEAT), "--"] + argv, env=env)
    ctx.check(c["rcs"] == [0] * REPEAT, "%s monitor exit codes %s" % (what, c["rcs"]))
    print("       .. %s monitor: median %.1f ms, forks %d..%d" % (
        what, c["median_ms"], c["forks_min"], c["forks_max"]), flush=True)
    return c


def ocf_env(**params):
    e = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "bench", "OCF_CHECK_LEVEL": "0",
         "OCF_RESKEY_CRM_meta_interval": "10000", "HA_LOGFACILITY": "none"}
    for k, v in params.items():
        e["OCF_RESKEY_" + k] = v
    return e


@scenario("bench-monitor", default=False, timeout=900)  # bench/run; not in CI (figures only)
def sc_bench_monitor(ctx):
    """Benchmark: mirror monitor (depth 0) vs resource-agents' mdraid and LVM-activate on an
    equivalent raid1 over the same legs: wall time and forks, as ratios."""
    need_agent(ctx)
    g = ctx.g
    for tool in ("mdadm", "lvcreate"):
        if g.run(["sh", "-c", "command -v " + tool]).rc != 0:
            ctx.check(False, "%s is not installed (tests/lab/setup installs mdadm and lvm2)" % tool)
    figures = ctx.figures
    drv = AgentDriver(g)
    with StorageFixture(g, drv) as fx:
        fx.at_exit_first(lambda: g.run(
            ["sh", "-c", "vgchange -an %s; vgremove -ff -y %s; pvremove -ff -y %s; "
             "mdadm --stop %s; mdadm --zero-superblock %s" % (
                 VG, VG, " ".join(LEGS), MD_DEV, " ".join(LEGS))], timeout=180))
        fx.at_exit_last(lambda: wipe_leg_fronts(g))
        # ocf:twinarray:mirror, in sync, steady state (the record's cache warm, as in a cluster).
        fresh_mirror(ctx, drv)
        ctx.check(drv.monitor() == 0, "mirror monitor is not 0")
        env = dict(drv.env(), OCF_RESKEY_CRM_meta_interval="10000", HA_LOGFACILITY="none")
        mine = cost(ctx, [AGENT, "monitor"], env, "twinarray mirror")
        floor = cost(ctx, ["/bin/true"], {}, "/bin/true (exec floor)")
        ctx.check(drv.stop() == 0, "mirror stop failed")
        remove_maps(g, drv.name)

        # resource-agents mdraid over an md raid1 with an internal bitmap on the same legs.
        wipe_leg_fronts(g)
        r = g.run(["mdadm", "--create", MD_DEV, "--level=1", "--raid-devices=2",
                   "--metadata=1.2", "--bitmap=internal", "--assume-clean", "--run", "--force",
                   "--homehost=any"] + LEGS, timeout=120, stdin=b"y\n")
        ctx.check(r.rc == 0, "mdadm --create failed: %s" % r.out[-300:])
        r = g.run(["sh", "-c", "mdadm --detail --scan > /lab/mdadm.conf"], timeout=60)
        ctx.check(r.rc == 0, "mdadm --detail --scan failed")
        md = cost(ctx, [RA + "/mdraid", "monitor"],
                  ocf_env(mdadm_conf="/lab/mdadm.conf", md_dev=MD_DEV), "resource-agents mdraid")
        g.run(["mdadm", "--stop", MD_DEV], timeout=60)
        for leg in LEGS:
            g.run(["mdadm", "--zero-superblock", leg], timeout=60)

        # resource-agents LVM-activate over an LVM raid1 LV on the same legs.
        wipe_leg_fronts(g)
        lvm = ["--config", "devices { filter = [ \"a|/dev/mapper/array|\", \"r|.*|\" ] }"]
        for argv in (["pvcreate", "-ff", "-y"] + lvm + LEGS,
                     ["vgcreate", "-y"] + lvm + [VG] + LEGS,
                     ["lvcreate", "-y"] + lvm + ["--type", "raid1", "-m", "1", "--nosync",
                                                 "-L", "256M", "-n", LV, VG]):
            r = g.run(argv, timeout=180)
            ctx.check(r.rc == 0, "%s failed: %s" % (argv[0], r.out[-300:]))
        lvm_cost = cost(ctx, [RA + "/LVM-activate", "monitor"],
                        ocf_env(vgname=VG, lvname=LV, vg_access_mode="system_id"),
                        "resource-agents LVM-activate")

    figures["mirror_monitor_ms"] = mine["median_ms"]
    figures["mirror_monitor_forks"] = mine["forks_min"]
    figures["exec_true_ms"] = floor["median_ms"]
    figures["mdraid_monitor_ms"] = md["median_ms"]
    figures["mdraid_monitor_forks"] = md["forks_min"]
    figures["lvm_activate_monitor_ms"] = lvm_cost["median_ms"]
    figures["lvm_activate_monitor_forks"] = lvm_cost["forks_min"]
    figures["ratio_mdraid_vs_mirror_time"] = round(md["median_ms"] / mine["median_ms"], 1)
    figures["ratio_lvm_activate_vs_mirror_time"] = round(
        lvm_cost["median_ms"] / mine["median_ms"], 1)
    ctx.note("monitor wall time: mdraid %.1fx, LVM-activate %.1fx the mirror agent's; forks: "
             "mirror %d, mdraid %d, LVM-activate %d" % (
                 figures["ratio_mdraid_vs_mirror_time"],
                 figures["ratio_lvm_activate_vs_mirror_time"], mine["forks_min"],
                 md["forks_min"], lvm_cost["forks_min"]))
