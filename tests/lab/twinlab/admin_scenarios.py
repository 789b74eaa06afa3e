"""Admin scenarios on one guest: the stale-leg guard with a cluster record and its deliberate
override, and the on-call story with mirror-resync and twinarray-status.

The cluster record lives in a CIB file (CIB_file) in the guest: the agent, the
helpers and crm_attribute use it exactly as they would use a running cluster's CIB, so the guard
and the override are tested end to end with the real Pacemaker tools, without a cluster.
"""
import os
import re
import shlex
import time

from .dmquery import raid_status, wait_array_usable
from .registry import scenario
from .scenarios import (AGENT, AgentDriver, check_legs_identical, fresh_mirror, labtool, need_agent,
                        only_stale_leg_b, read_digest, table_now, write_pattern, file_digest)
from .storagefixture import StorageFixture

RESYNC = "/usr/sbin/mirror-resync"
STATUS = "/usr/sbin/twinarray-status"
# The CIB file, on the guest's own tmpfs. (No crm_feature_set in the template: a feature set newer
# than the installed Pacemaker's makes every update fail with "Protocol not supported".)
GUEST_CIB = "/run/twinarray-lab-cib.xml"
RECORD = "twinarray-twin0-current"
OVERRIDE = "twinarray-twin0-override"
REBUILD = "twinarray-twin0-rebuild"

CIB_TEMPLATE = """<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0"
 admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-enabled" value="true"/>
      </cluster_property_set>
    </crm_config>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <primitive id="st-sbd" class="stonith" type="fence_sbd"/>
      <primitive id="p-mirror" class="ocf" provider="twinarray" type="mirror">
        <instance_attributes id="p-mirror-ia">
          <nvpair id="m1" name="name" value="twin0"/>
          <nvpair id="m2" name="leg_a" value="/dev/mapper/arrayA"/>
          <nvpair id="m3" name="leg_b" value="/dev/mapper/arrayB"/>
        </instance_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
"""


class RecordedDriver(AgentDriver):
    """The mirror agent with its cluster record in the CIB file on the share."""

    def env(self, **extra):
        e = super().env(**extra)
        e["CIB_file"] = GUEST_CIB
        return e


def setup_cib(ctx):
    """A fresh CIB file for the scenario. The node had no cluster in the scenarios before: the
    record's runtime cache remembers that (no cluster reachable, retried after a while) and
    the last values, so it is cleared as a node's would be when it joins a cluster."""
    with open(os.path.join(ctx.g.share, "cib.xml"), "w") as f:
        f.write(CIB_TEMPLATE)
    r = ctx.g.run(["cp", "/lab/cib.xml", GUEST_CIB])
    ctx.check(r.rc == 0, "cannot place the CIB file: %s" % r.out)
    clear_runtime_cache(ctx)


def record(ctx, key=RECORD):
    r = ctx.g.run(["crm_attribute", "--type", "crm_config", "--name", key, "--query", "--quiet"],
                  env={"CIB_file": GUEST_CIB})
    return r.out.strip() if r.rc == 0 else None


def helper(ctx, argv, timeout=300):
    """Runs an admin helper the way the on-call person would, without a terminal."""
    r = ctx.g.run(argv, timeout=timeout, env={"CIB_file": GUEST_CIB, "HA_LOGFACILITY": "none"},
                  stdin=b"")
    print("       .. %s -> %s%s" % (" ".join(os.path.basename(a) if i == 0 else a
                                            for i, a in enumerate(argv)), r.rc,
                                   "  | " + r.out.strip().replace("\n", " | ")[-400:]
                                   if r.out.strip() else ""), flush=True)
    return r


RUNBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), "docs", "runbook.md")


def runbook_block(name, variables):
    """The commands of the runbook's block marked `<!-- lab: NAME -->`, as argument vectors with
    $VARIABLES substituted (the check-runbook test keeps each line one plain command)."""
    text = open(RUNBOOK).read()
    m = re.search(r"<!-- lab: %s -->\s*```sh\n(.*?)```" % re.escape(name), text, re.S)
    if not m:
        raise AssertionError("docs/runbook.md has no block marked <!-- lab: %s -->" % name)
    cmds = []
    for line in m.group(1).splitlines():
        if line.strip():
            cmds.append([variables.get(w[1:], w) if w.startswith("$") else w
                         for w in shlex.split(line)])
    return cmds


def run_runbook(ctx, name, variables, instead=None):
    """Runs the runbook's block `name` as the on-call person would; each command must succeed.
    `instead` maps a command prefix to a callable run in its place (what the single-guest lab
    cannot do with a CIB file), returning the exit status."""
    for argv in runbook_block(name, variables):
        line = " ".join(argv)
        alt = [fn for prefix, fn in (instead or {}).items() if line.startswith(prefix)]
        if alt:
            rc = alt[0]()
            print("       .. (runbook) %s -> done in its place, %s" % (line, rc), flush=True)
        else:
            rc = helper(ctx, argv).rc
        ctx.check(rc == 0, "runbook %s: '%s' exited %s" % (name, line, rc))


def clear_runtime_cache(ctx):
    # The record's local cache belongs to the node; the override changed the CIB behind it,
    # as another node or an admin would.
    ctx.g.run(["rm", "-rf", "/run/twinarray"])


def recorded_mirror(ctx):
    """The mirror agent with its cluster record in a fresh CIB file (setup_cib); skips without
    the agent."""
    need_agent(ctx)
    setup_cib(ctx)
    return RecordedDriver(ctx.g)


@scenario("mirror-override", cost_s=60, timeout=900)
def sc_mirror_override(ctx):
    """Stale-leg guard with a cluster record: start refuses the stale leg; mirror-resync
    force-current refuses without --yes, then overrides deliberately; start follows it."""
    drv = recorded_mirror(ctx)
    g = ctx.g
    with StorageFixture(g, drv) as fx:
        fresh_mirror(ctx, drv)
        ctx.check(drv.monitor() == 0, "monitor after sync is not 0")
        ctx.check(record(ctx) == "a,b", "record after sync is %r, not a,b" % record(ctx))
        # Array B fails; the monitor records that only A is current; data lands on A only.
        g.array_down("B")
        path = fx.delete_at_exit(write_pattern(ctx, drv.name, "override.bin", 8, 300)[0])
        ctx.check(drv.monitor() == 190, "monitor with B down is not 190")
        ctx.check(record(ctx) == "a", "record with B failed is %r, not a" % record(ctx))
        r = helper(ctx, [STATUS])
        ctx.check("data protected: no" in r.out, "twinarray-status does not say unprotected")
        ctx.check(drv.stop() == 0, "stop with B down failed")
        ctx.check(record(ctx) == "a", "stop changed the record to %r" % record(ctx))
        # Only the stale leg B comes back: the guard refuses, naming the override.
        holder = only_stale_leg_b(g, fx)
        r = drv.action("start")
        ctx.check(r.rc == 1, "start from the stale leg B returned %s, not 1" % r.rc)
        ctx.check("the cluster records only leg A as current" in r.out,
                  "refusal does not cite the cluster record: %r" % r.out)
        ctx.check("force-current --leg B" in r.out, "refusal does not name the override")
        ctx.check(raid_status(g, drv.name) is None, "a raid map exists after the refused start")
        # The override without a terminal and without --yes: refused, nothing changed.
        r = helper(ctx, [RESYNC, "force-current", "twin0", "--leg", "B"])
        ctx.check(r.rc == 69, "force-current without --yes returned %s, not 69" % r.rc)
        ctx.check(record(ctx) == "a", "refused force-current changed the record")
        ctx.check(record(ctx, OVERRIDE) is None, "refused force-current wrote an audit record")
        # The deliberate override, as docs/runbook.md says (section 8, its lab block); the
        # cleanup that lets Pacemaker start the mirror is the agent's start here (crm_resource
        # --cleanup needs a running cluster, not a CIB file).
        clear_runtime_cache(ctx)  # the node's cache: the override changes the CIB behind it
        run_runbook(ctx, "mirror-override", {"MIRROR": "p-mirror"},
                    instead={"crm_resource --cleanup": lambda: drv.action("start").rc})
        ctx.check(record(ctx) == "b", "record after override is %r, not b" % record(ctx))
        ctx.check(record(ctx, REBUILD) == "a", "rebuild mark after override is %r, not a"
                  % record(ctx, REBUILD))
        audit = record(ctx, OVERRIDE) or ""
        ctx.check("legs=b" in audit and "was=a" in audit, "audit record is %r" % audit)
        ctx.check(drv.monitor() == 190, "mirror on leg B alone is not degraded (190)")
        # Array A returns while the mirror runs on B. It holds writes B never saw, so the
        # monitor must rebuild it in full from B (the rebuild mark), never through B's bitmap:
        # the admin chose B's data, and the writes made while B was away are gone, on both legs.
        g.array_up("A")
        wait_array_usable(g, "arrayA")
        fx.release(holder)
        r = labtool(g, ["resync", "--dm", drv.name, "--", AGENT, "monitor"], env=drv.env())
        ctx.check(r["_rc"] == 0, "not in sync after A returned: %s" % r)
        ctx.figures["rebuild_from_b_s"] = r["resync_s"]
        r = g.run(["dmesg"], timeout=30)
        ctx.check("rebuild 0" in table_now(g, drv.name) or "recovery of RAID array" in r.out,
                  "no full rebuild of leg A seen")
        ctx.check(drv.monitor() == 0, "monitor after the rebuild is not 0")
        ctx.check(record(ctx) == "a,b", "record after the rebuild is %r" % record(ctx))
        ctx.check(record(ctx, REBUILD) is None, "rebuild mark %r left after the rebuild"
                  % record(ctx, REBUILD))
        ctx.check(read_digest(g, "/dev/mapper/" + drv.name, 300, 8) != file_digest(path),
                  "leg A's newer data survived although the admin declared leg B current")
        length = int(table_now(g, drv.name).split()[1])
        ctx.check(drv.stop() == 0, "final stop failed")
        check_legs_identical(ctx, length, "after the rebuild from B")


@scenario("admin-story", cost_s=109, timeout=900)
def sc_admin_story(ctx):
    """On-call story: array B lost -> twinarray-status "data protected: no"; B back ->
    mirror-resync resync --wait; verify --wait reports 0 mismatches; throttle changes the table."""
    drv = recorded_mirror(ctx)
    g = ctx.g
    with StorageFixture(g, drv) as fx:
        fresh_mirror(ctx, drv)
        r = helper(ctx, [STATUS])
        ctx.check("data protected: yes" in r.out, "in sync but not protected: %r" % r.out[-300:])
        g.array_down("B")
        path = fx.delete_at_exit(write_pattern(ctx, drv.name, "story.bin", 16, 400)[0])
        ctx.check(drv.monitor() == 190, "monitor with B down is not 190")
        r = helper(ctx, [STATUS])
        ctx.check("data protected: no — running on array A only" in r.out,
                  "twinarray-status: %r" % r.out[-300:])
        r = helper(ctx, [RESYNC, "status", "twin0"])
        ctx.check(r.rc == 0 and "B" in r.out, "mirror-resync status failed: %s" % r.rc)
        g.array_up("B")
        wait_array_usable(g, "arrayB")
        r = helper(ctx, [RESYNC, "resync", "twin0", "--wait", "--timeout", "300"])
        ctx.check(r.rc == 0, "resync --wait failed (%s)" % r.rc)
        ctx.check(drv.monitor() == 0, "monitor after resync is not 0")
        r = helper(ctx, [STATUS])
        ctx.check("data protected: yes" in r.out, "after resync: %r" % r.out[-300:])
        r = helper(ctx, [RESYNC, "verify", "twin0", "--wait", "--timeout", "300"])
        ctx.check(r.rc == 0, "verify --wait failed (%s)" % r.rc)
        ctx.check("check finished: 0 mismatched sectors" in r.out,
                  "verify did not report 0 mismatches: %r" % r.out[-300:])
        r = helper(ctx, [RESYNC, "throttle", "twin0", "--max-rate", "20480"])
        ctx.check(r.rc == 0, "throttle failed (%s)" % r.rc)
        ctx.check("max_recovery_rate 20480" in table_now(g, drv.name),
                  "throttle did not change the live table")
        ctx.check(read_digest(g, "/dev/mapper/" + drv.name, 400, 16) == file_digest(path),
                  "data written while B was out is wrong")


@scenario("mirror-replace", cost_s=95, timeout=900)
def sc_mirror_replace(ctx):
    """Array B replaced by a blank LUN: mirror-resync replace rebuilds it in full from leg A
    only (after confirmation), and the legs end byte-identical."""
    drv = recorded_mirror(ctx)
    g = ctx.g
    with StorageFixture(g, drv) as fx:
        fresh_mirror(ctx, drv)
        g.array_down("B")
        path = fx.delete_at_exit(write_pattern(ctx, drv.name, "replace.bin", 16, 500)[0])
        ctx.check(drv.monitor() == 190, "monitor with B down is not 190")
        # The old array B is gone for good: a new, blank LUN appears under the same name.
        b = ctx.lab.layout.arrays["B"]
        with open(b.image, "r+b") as f:
            f.truncate(0)
            f.truncate(b.size)
        g.array_up("B")
        wait_array_usable(g, "arrayB")
        r = helper(ctx, [RESYNC, "replace", "twin0", "--leg", "A", "--device",
                         "/dev/mapper/arrayA", "--yes"])
        ctx.check(r.rc != 0, "replace of the current leg A was accepted")
        # The replacement as docs/runbook.md says (section 9a, its lab block).
        t0 = time.monotonic()
        run_runbook(ctx, "mirror-replace", {"MIRROR": "p-mirror",
                                            "NEW_DEVICE": "/dev/mapper/arrayB"})
        ctx.figures["replace_runbook_s"] = round(time.monotonic() - t0, 1)
        r = labtool(g, ["resync", "--dm", drv.name, "--", AGENT, "monitor"], env=drv.env())
        ctx.check(r["_rc"] == 0, "not in sync after replace: %s" % r)
        ctx.check(drv.monitor() == 0, "monitor after replace is not 0")
        ctx.check(record(ctx) == "a,b", "record after replace is %r" % record(ctx))
        ctx.check(read_digest(g, "/dev/mapper/" + drv.name, 500, 16) == file_digest(path),
                  "data written before the replacement is wrong")
        length = int(table_now(g, drv.name).split()[1])
        ctx.check(drv.stop() == 0, "final stop failed")
        check_legs_identical(ctx, length, "after replace")
