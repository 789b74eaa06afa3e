#!/usr/bin/python3
"""The cluster configuration from cib/: both scripts build a CIB that crm_verify accepts, and
crm_simulate (the scheduler, no cluster needed) takes the intended decisions.

Usage: cib_test.py STAGE_DIR   (a DESTDIR tree with the agents under usr/lib/ocf/resource.d)

pcs and crmsh read each agent's meta-data, so the staged agents are made visible at
/usr/lib/ocf/resource.d/twinarray inside a private mount namespace (unshare -m): the host's
files are never changed. Needs root for that.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = os.path.join(TOP, "cib", "site.conf.example")
OCF_DIR = "/usr/lib/ocf/resource.d"
STAGE = None
NODES = ("node1", "node2")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def set_node_attr(path, node, name, value):
    """Sets a transient node attribute in a CIB's status section, as attrd would."""
    tree = ET.parse(path)
    for state in tree.getroot().iter("node_state"):
        if state.get("uname") != node:
            continue
        ta = state.find("transient_attributes")
        if ta is None:
            ta = ET.SubElement(state, "transient_attributes", id=state.get("id"))
        ia = ta.find("instance_attributes")
        if ia is None:
            ia = ET.SubElement(ta, "instance_attributes", id="status-" + state.get("id"))
        for nv in ia.findall("nvpair"):
            if nv.get("name") == name:
                nv.set("value", value)
                break
        else:
            ET.SubElement(ia, "nvpair", id="status-%s-%s" % (state.get("id"), name), name=name,
                          value=value)
    tree.write(path)


def simulate(cib, *args, save=None):
    """One scheduler run with the transition executed; returns the transition summary lines."""
    argv = ["crm_simulate", "-x", cib, "-S", "-q", "true"] + list(args)
    if save:
        argv += ["-O", save]
    r = run(argv)
    if r.returncode != 0:
        raise AssertionError("crm_simulate failed: %s" % r.stderr)
    out = r.stdout
    start = out.find("Transition Summary:")
    end = out.find("Executing Cluster Transition:")
    summary = [line.strip() for line in out[start:end].splitlines()[1:] if line.strip()]
    return summary, out


def placement(summary_and_out):
    """Node each group member runs on after the transition (from the revised status)."""
    out = summary_and_out[1]
    revised = out[out.find("Revised Cluster Status:"):]
    where = {}
    for line in revised.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "*" and parts[-2] == "Started":
            where[parts[1]] = parts[-1]
    return where


class CibTestBase:
    tool = None  # "pcs" or "crmsh"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="twinarray-cib-")
        overlay = os.path.join(cls.tmp, "resource.d")
        shutil.copytree(OCF_DIR, overlay, symlinks=True)
        staged = os.path.join(STAGE, OCF_DIR.lstrip("/"), "twinarray")
        shutil.rmtree(os.path.join(overlay, "twinarray"), ignore_errors=True)
        shutil.copytree(staged, os.path.join(overlay, "twinarray"))
        cls.overlay = overlay
        cls.cib = os.path.join(cls.tmp, cls.tool + ".xml")
        r = cls.configure(SITE, cls.cib)
        if r.returncode != 0:
            raise AssertionError("configure-%s failed: %s%s" % (cls.tool, r.stdout, r.stderr))
        # Both nodes up, both seeing both arrays; run transitions until the cluster is steady.
        cls.steady = os.path.join(cls.tmp, cls.tool + "-steady.xml")
        simulate(cls.cib, "-u", NODES[0], "-u", NODES[1], save=cls.steady)
        for node in NODES:
            set_node_attr(cls.steady, node, "twinarray-arrays", "2")
        for _ in range(6):
            summary, _ = simulate(cls.steady, save=cls.steady)
            if not summary:
                break
        cls.active = placement(simulate(cls.steady)).get("p-ora")
        cls.other = NODES[1] if cls.active == NODES[0] else NODES[0]

    @classmethod
    def configure(cls, site, cib, tool=None):
        """cib/configure-<tool> SITE --cib CIB with the staged agents visible."""
        script = os.path.join(TOP, "cib", "configure-" + (tool or cls.tool))
        inner = 'mount --bind "$1" "$2" && exec "$3" "$4" --cib "$5"'
        return run(["unshare", "-m", "bash", "-c", inner, "bash", cls.overlay, OCF_DIR, script,
                    site, cib])

    def site_with(self, name, extra):
        path = os.path.join(self.tmp, "%s-%s.conf" % (self.tool, name))
        with open(SITE) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text + "\n" + extra + "\n")
        return path

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy(self, name):
        path = os.path.join(self.tmp, "%s-%s.xml" % (self.tool, name))
        shutil.copy(self.steady, path)
        return path

    def test_crm_verify(self):
        r = run(["crm_verify", "-V", "-x", self.cib])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_fencing_is_configured(self):
        tree = ET.parse(self.cib)
        props = {nv.get("name"): nv.get("value") for nv in tree.getroot().iter("nvpair")}
        self.assertEqual(props.get("stonith-enabled"), "true")
        stonith = [p for p in tree.getroot().iter("primitive") if p.get("class") == "stonith"]
        self.assertTrue(stonith, "no fencing device")

    def test_sbd_fences_from_a_static_host_list_after_the_site_priority_delay(self):
        def fencing(cib):
            root = ET.parse(cib).getroot()
            props = {nv.get("name"): nv.get("value") for nv in root.iter("nvpair")}
            sbd = [p for p in root.iter("primitive") if p.get("id") == "st-sbd"]
            self.assertEqual(len(sbd), 1, "no st-sbd")
            params = {nv.get("name"): nv.get("value") for nv in sbd[0].iter("nvpair")}
            return (props.get("priority-fencing-delay"), props.get("stonith-timeout"),
                    params.get("pcmk_host_list"))
        self.assertEqual(fencing(self.cib), ("15s", "75s", " ".join(NODES)))
        # the delay counts inside stonith-timeout: a longer delay lengthens it (the lab's crash
        # scenario saw the survivor's fencing time out with 60 s of delay in the default 60 s)
        slow = os.path.join(self.tmp, self.tool + "-slow-split.xml")
        r = self.configure(self.site_with("slow-split", "PRIORITY_FENCING_DELAY_S=60\n"
                                          "FENCE_DEVICE_TIMEOUT_S=40"), slow)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(fencing(slow)[:2], ("60s", "100s"))
        bad = os.path.join(self.tmp, self.tool + "-bad-delay.xml")
        r = self.configure(self.site_with("bad-delay", "PRIORITY_FENCING_DELAY_S=15s"), bad)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("PRIORITY_FENCING_DELAY_S must be whole seconds", r.stderr)

    def test_op_timeout_scale_multiplies_every_operation_timeout(self):
        def timeouts(cib):
            return {op.get("id"): op.get("timeout") for op in ET.parse(cib).getroot().iter("op")}
        scaled = os.path.join(self.tmp, self.tool + "-scaled.xml")
        r = self.configure(self.site_with("scaled", "OP_TIMEOUT_SCALE=4"), scaled)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        base, four = timeouts(self.cib), timeouts(scaled)
        self.assertEqual(sorted(base), sorted(four))
        self.assertTrue(base and all(v and v.endswith("s") for v in base.values()),
                        "an operation without a timeout in seconds: %s" % base)
        for op_id, value in base.items():
            self.assertEqual(int(four[op_id][:-1]), 4 * int(value[:-1]), op_id)

    def test_site_sets_the_shell_agents_monitor_intervals(self):
        def intervals(cib):
            return {p.get("id"): [op.get("interval") for op in p.iter("op")
                                  if op.get("name") == "monitor"]
                    for p in ET.parse(cib).getroot().iter("primitive")}
        base = intervals(self.cib)
        self.assertEqual((base["p-fs"], base["p-ip"]), (["20s"], ["10s"]))
        lab = os.path.join(self.tmp, self.tool + "-intervals.xml")
        r = self.configure(self.site_with("intervals", "WORKLOAD=pgsql\nFS_MONITOR_INTERVAL_S=60\n"
                                          "IP_MONITOR_INTERVAL_S=45\n"
                                          "PGSQL_MONITOR_INTERVAL_S=90"), lab)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = intervals(lab)
        self.assertEqual((got["p-fs"], got["p-ip"], got["p-pgsql"]), (["60s"], ["45s"], ["90s"]))
        # only those: the twinarray agents' monitors keep their intervals
        for rid in ("p-mirror", "p-mpath", "p-lsnr", "p-ora"):
            self.assertEqual(got[rid], base[rid], rid)
        bad = os.path.join(self.tmp, self.tool + "-bad-interval.xml")
        r = self.configure(self.site_with("bad-interval", "IP_MONITOR_INTERVAL_S=0"), bad)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("IP_MONITOR_INTERVAL_S must be whole seconds from 1 to 3600, not 0",
                      r.stderr)

    def test_pcs_and_crmsh_configure_the_same_operations(self):
        if self.tool != "pcs":
            self.skipTest("compared once, in the pcs class")
        crmsh = os.path.join(self.tmp, "crmsh-compare.xml")
        r = self.configure(SITE, crmsh, tool="crmsh")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def ops(cib):
            return sorted((p.get("id"), op.get("name"), op.get("interval").rstrip("s") or "0",
                           op.get("timeout"))
                          for p in ET.parse(cib).getroot().iter("primitive")
                          for op in p.iter("op"))
        self.assertEqual(ops(self.cib), ops(crmsh))

    def test_invalid_op_timeout_scale_is_refused(self):
        out = os.path.join(self.tmp, self.tool + "-bad-scale.xml")
        r = self.configure(self.site_with("bad-scale", "OP_TIMEOUT_SCALE=0"), out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("OP_TIMEOUT_SCALE must be a whole number", r.stderr)
        self.assertFalse(os.path.exists(out) and os.path.getsize(out) > 0,
                         "a CIB was written from an invalid site file")

    def test_steady_state_whole_group_on_one_node(self):
        where = placement(simulate(self.steady))
        self.assertIn(self.active, NODES)
        for member in ("p-mirror", "p-fs", "p-ip", "p-lsnr", "p-ora"):
            self.assertEqual(where.get(member), self.active, member)

    def test_active_node_lost_fenced_then_everything_moves(self):
        summary, out = simulate(self.copy("node-lost"), "-f", self.active)
        self.assertTrue(any(s.startswith("* Fence (reboot) " + self.active) for s in summary),
                        summary)
        where = placement((summary, out))
        for member in ("p-mirror", "p-fs", "p-ip", "p-lsnr", "p-ora"):
            self.assertEqual(where.get(member), self.other, member)
        # Nothing starts before the fencing is done.
        self.assertLess(out.find("Fencing " + self.active), out.find("p-mirror        start"))

    def test_mirror_degraded_moves_nothing(self):
        summary, _ = simulate(self.copy("degraded"), "-i",
                              "p-mirror_monitor_10000@%s=190" % self.active)
        self.assertEqual(summary, [])

    def test_instance_fails_once_local_restart(self):
        summary, _ = simulate(self.copy("ora-fail"), "-i",
                              "p-ora_monitor_30000@%s=7" % self.active)
        self.assertEqual(summary, ["* Recover    p-ora   ( %s )" % self.active])

    def test_listener_fails_once_local_restart(self):
        summary, _ = simulate(self.copy("lsnr-fail"), "-i",
                              "p-lsnr_monitor_30000@%s=7" % self.active)
        self.assertIn("* Recover    p-lsnr     ( %s )" % self.active, summary)
        self.assertFalse([s for s in summary if "Move" in s], summary)

    def test_instance_past_threshold_fails_over(self):
        cib = self.copy("ora-threshold")
        set_node_attr(cib, self.active, "fail-count-p-ora#monitor_30000", "3")
        set_node_attr(cib, self.active, "last-failure-p-ora#monitor_30000", str(int(time.time())))
        where = placement(simulate(cib))
        for member in ("p-mirror", "p-fs", "p-ip", "p-lsnr", "p-ora"):
            self.assertEqual(where.get(member), self.other, member)

    def test_array_lost_on_active_node_only_moves_to_the_healthier_node(self):
        cib = self.copy("array-lost-active")
        set_node_attr(cib, self.active, "twinarray-arrays", "1")
        where = placement(simulate(cib))
        self.assertEqual(where.get("p-ora"), self.other)
        self.assertEqual(where.get("p-mirror"), self.other)

    def test_array_lost_on_every_node_moves_nothing(self):
        cib = self.copy("array-lost-everywhere")
        for node in NODES:
            set_node_attr(cib, node, "twinarray-arrays", "1")
        summary, _ = simulate(cib)
        self.assertEqual(summary, [])

    def test_node_seeing_no_array_never_runs_the_database(self):
        cib = self.copy("no-array")
        set_node_attr(cib, self.other, "twinarray-arrays", "0")
        summary, out = simulate(cib, "-f", self.active)
        where = placement((summary, out))
        self.assertNotIn("p-mirror", where)


class PcsTest(CibTestBase, unittest.TestCase):
    tool = "pcs"


class CrmshTest(CibTestBase, unittest.TestCase):
    tool = "crmsh"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: cib_test.py STAGE_DIR")
    STAGE = os.path.abspath(sys.argv.pop(1))
    if os.geteuid() != 0:
        print("skip cib tests: need root for a private mount namespace (unshare -m)")
        sys.exit(0)
    for tool in ("pcs", "crm", "crm_simulate", "crm_verify", "unshare"):
        if shutil.which(tool) is None:
            sys.exit("cib tests need %s (tests/setup-deps installs it)" % tool)
    unittest.main(verbosity=2)
