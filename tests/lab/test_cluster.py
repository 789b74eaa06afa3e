"""Unit tests of the cluster lab's own logic: commit-client protocol and figures, crm_mon parsing,
generated corosync/site files (no qemu, no cluster needed)."""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from twinlab import cluster, workload  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def msg(t, payload):
    return t + struct.pack("!I", len(payload) + 4) + payload


class FakeServer:
    """A scripted PostgreSQL backend: trust auth, then answers each Query from `answers`."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.queries = []
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        c, _ = self.srv.accept()
        ln = struct.unpack("!I", c.recv(4))[0]
        c.recv(ln - 4)
        c.sendall(msg(b"R", struct.pack("!I", 0)) + msg(b"S", b"a\0b\0") + msg(b"Z", b"I"))
        buf = b""
        while self.answers:
            while len(buf) < 5:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
            ln = struct.unpack("!I", buf[1:5])[0]
            while len(buf) < ln + 1:
                buf += c.recv(4096)
            self.queries.append(buf[5:ln + 1].rstrip(b"\0").decode())
            buf = buf[ln + 1:]
            c.sendall(self.answers.pop(0))
        c.close()
        self.srv.close()


class PgProtocolTest(unittest.TestCase):
    def test_insert_ack_rows_and_error(self):
        ok = msg(b"C", b"INSERT 0 1\0") + msg(b"Z", b"I")
        row = struct.pack("!H", 1) + struct.pack("!i", 2) + b"42"
        rows = (msg(b"T", b"x") + msg(b"D", row) + msg(b"D", struct.pack("!H", 1) + struct.pack("!i", -1))
                + msg(b"C", b"SELECT 2\0") + msg(b"Z", b"I"))
        err = msg(b"E", b"SERROR\0C25006\0Mread-only\0\0") + msg(b"Z", b"I")
        srv = FakeServer([ok, rows, err])
        c = workload.PgConn("127.0.0.1", srv.port, timeout=5)
        self.assertEqual(c.query("INSERT 1"), ([], ["INSERT 0 1"]))
        self.assertEqual(c.query("SELECT")[0], [["42"], [None]])
        with self.assertRaises(workload.PgError) as cm:
            c.query("INSERT 2")
        self.assertEqual(cm.exception.fields["C"], "25006")
        self.assertEqual(srv.queries, ["INSERT 1", "SELECT", "INSERT 2"])

    def test_startup_message(self):
        m = workload.startup_message("postgres", "postgres")
        self.assertEqual(struct.unpack("!I", m[:4])[0], len(m))
        self.assertEqual(struct.unpack("!I", m[4:8])[0], 196608)
        self.assertTrue(m.endswith(b"\0\0"))


class FiguresTest(unittest.TestCase):
    LOG = "\n".join([
        '{"ev": "start", "t": 0.0}', '{"ev": "connect", "t": 0.1}',
        "1 1.0 1.01", "2 1.05 1.06", "3 1.1 3.6",            # a 2.5 s commit (storage stall)
        '{"ev": "lost-conn", "id": 4, "t": 9.0}', '{"ev": "connect", "t": 20.0}',
        "5 20.0 20.02", "6 20.1 20.11",
        '{"ev": "end", "t": 21.0, "last_id": 6}', "garbage line", ""])

    def test_analyse(self):
        acks, events = workload.parse_log(self.LOG)
        self.assertEqual([a[0] for a in acks], [1, 2, 3, 5, 6])
        f = workload.analyse(acks, events, [1, 2, 3, 4, 5, 6])
        self.assertEqual(f["lost_commits"], 0)
        self.assertEqual(f["rto_s"], 16.42)          # 3.6 -> 20.02
        self.assertEqual(f["stall_ms"], 2500.0)
        self.assertEqual(f["in_doubt"], 1)           # id 4: sent, never acknowledged
        self.assertEqual(f["reconnects"], 1)

    def test_lost_and_window(self):
        acks, events = workload.parse_log(self.LOG)
        f = workload.analyse(acks, events, [1, 2, 5], t_from=1.0, t_to=30.0)
        self.assertEqual(f["lost_commits"], 2)
        self.assertEqual(f["lost_ids_sample"], [3, 6])
        self.assertEqual(f["rto_s"], 16.42)
        f = workload.analyse(acks, events, [1, 2, 3, 5, 6], t_to=60.0)
        self.assertAlmostEqual(f["rto_s"], 39.89)    # nothing after the last commit


CRM_MON = """<pacemaker-result api-version="2.30" request="crm_mon --output-as=xml">
  <nodes>
    <node name="node1" id="1" online="true" standby="false" unclean="false" type="member"/>
    <node name="node2" id="2" online="false" standby="false" unclean="true" type="member"/>
  </nodes>
  <resources>
    <resource id="st-sbd" role="Started" active="true" failed="false"><node name="node1" id="1" cached="true"/></resource>
    <clone id="cl-mpath">
      <resource id="p-mpath" role="Started" failed="false"><node name="node1" id="1" cached="true"/></resource>
      <resource id="p-mpath" role="Stopped" failed="false"/>
    </clone>
    <group id="g-db" number_resources="2">
      <resource id="p-mirror" role="Started" failed="false"><node name="node1" id="1" cached="true"/></resource>
      <resource id="p-fs" role="Started" failed="true"><node name="node1" id="1" cached="true"/></resource>
    </group>
  </resources>
  <failures>
    <failure op_key="p-mirror_start_0" node="node2" exitstatus="error" exitreason="leg B is stale" exitcode="1" task="start"/>
  </failures>
</pacemaker-result>"""


class CrmMonTest(unittest.TestCase):
    def test_parse(self):
        st = cluster.parse_crm_mon(CRM_MON)
        self.assertTrue(st["nodes"]["node1"]["online"])
        self.assertTrue(st["nodes"]["node2"]["unclean"])
        self.assertEqual(st["resources"]["p-mpath"], [("node1", "Started", False), (None, "Stopped", False)])
        self.assertEqual(st["resources"]["p-fs"], [("node1", "Started", True)])
        self.assertEqual(st["failures"], [("p-mirror", "node2", "start", "error")])

    def test_db_node_needs_every_member_healthy(self):
        c = cluster.Cluster.__new__(cluster.Cluster)
        st = cluster.parse_crm_mon(CRM_MON)
        self.assertIsNone(c.db_node(st))   # p-fs failed, others missing
        for rid in cluster.GROUP_MEMBERS:
            st["resources"][rid] = [("node1", "Started", False)]
        self.assertEqual(c.db_node(st), "node1")


CIB_STATUS = """<status>
  <node_state id="1" uname="node1"><lrm id="1"><lrm_resources>
    <lrm_resource id="p-mirror" type="mirror" class="ocf" provider="twinarray">
      <lrm_rsc_op id="p-mirror_last_0" operation="start" interval="0" rc-code="0" op-status="0"
       last-rc-change="100"/>
      <lrm_rsc_op id="p-mirror_monitor_10000" operation="monitor" interval="10000" rc-code="0"
       op-status="0" last-rc-change="110"/>
      <lrm_rsc_op id="p-mirror_monitor_60000" operation="monitor" interval="60000" rc-code="190"
       op-status="0" last-rc-change="120"/>
    </lrm_resource>
    <lrm_resource id="p-fs" type="Filesystem" class="ocf" provider="heartbeat">
      <lrm_rsc_op id="p-fs_monitor_60000" operation="monitor" interval="60000" rc-code="1"
       op-status="0"/>
    </lrm_resource>
  </lrm_resources></lrm></node_state>
  <node_state id="2" uname="node2"><lrm id="2"><lrm_resources>
    <lrm_resource id="p-mirror" type="mirror" class="ocf" provider="twinarray">
      <lrm_rsc_op id="p-mirror_last_0" operation="monitor" interval="0" rc-code="7" op-status="0"/>
      <lrm_rsc_op id="p-mirror_last_failure_0" operation="start" interval="0" rc-code="1"
       op-status="0" last-rc-change="90"/>
    </lrm_resource>
  </lrm_resources></lrm></node_state>
</status>"""


class OpHistoryTest(unittest.TestCase):
    def test_history_of_one_resource_on_every_node(self):
        h = cluster.op_history(CIB_STATUS, "p-mirror")
        self.assertEqual([(x["node"], x["id"]) for x in h],
                         [("node1", "p-mirror_last_0"), ("node1", "p-mirror_monitor_10000"),
                          ("node1", "p-mirror_monitor_60000"), ("node2", "p-mirror_last_0"),
                          ("node2", "p-mirror_last_failure_0")])
        self.assertEqual(h[2]["rc"], 190)
        self.assertEqual(h[2]["interval_ms"], 60000)

    def test_bad_ops_degraded_monitor_and_new_failures(self):
        h = cluster.op_history(CIB_STATUS, "p-mirror")
        bad = [x["id"] for x in cluster.bad_ops(h)]
        # the 190 monitor and the failure; a probe's 7 on the other node is no failure
        self.assertEqual(bad, ["p-mirror_monitor_60000", "p-mirror_last_failure_0"])
        # a failure already in the baseline is not new; a later one (new last-rc-change) is
        self.assertEqual([x["id"] for x in cluster.bad_ops(h, baseline=h)],
                         ["p-mirror_monitor_60000"])
        later = [dict(x, last_rc_change="200") if "failure" in x["id"] else x for x in h]
        self.assertIn("p-mirror_last_failure_0", [x["id"] for x in cluster.bad_ops(later, h)])

    def test_pending_monitor_is_not_a_result(self):
        h = [{"node": "node1", "id": "p-mirror_monitor_10000", "operation": "monitor",
              "interval_ms": 10000, "rc": 193, "op_status": -1, "last_rc_change": "1"}]
        self.assertEqual(cluster.bad_ops(h), [])

    def test_interval(self):
        self.assertEqual(cluster.parse_interval_s("10s"), 10)
        self.assertEqual(cluster.parse_interval_s("60"), 60)
        self.assertEqual(cluster.parse_interval_s("2min"), 120)
        self.assertEqual(cluster.parse_interval_s("500ms"), 0.5)
        for bad in ("", "s", "10 parsecs"):
            with self.assertRaises(ValueError):
                cluster.parse_interval_s(bad)

    def test_logged_results(self):
        log = ("Dec 04 03:00:01 node1 pacemaker-controld  [812] (log_executor_event) notice: "
               "Result of monitor operation for p-mirror on node1: ok | rc=0 call=40 "
               "key=p-mirror_monitor_10000 confirmed=false cib-update=51\n"
               "Dec 04 03:00:11 node1 pacemaker-controld  [812] (log_executor_event) notice: "
               "Result of monitor operation for p-mirror on node1: degraded (leg B failed) | "
               "rc=190\n"
               "Dec 04 03:00:12 node1 pacemaker-controld  [812] notice: Result of monitor "
               "operation for p-mirror-x on node1: error\n")
        self.assertEqual(cluster.logged_results(log, "p-mirror"),
                         [("monitor", "node1", "ok"),
                          ("monitor", "node1", "degraded (leg B failed)")])


class FilesTest(unittest.TestCase):
    def test_corosync_conf(self):
        text = cluster.corosync_conf(["10.0.0.1", "10.0.0.2"])
        self.assertIn("two_node: 1", text)
        self.assertIn("ring0_addr: 10.0.0.2\n    name: node2\n    nodeid: 2", text)
        self.assertIn("token: %d" % cluster.TOKEN_MS, text)

    def test_site_file_is_accepted_by_cib_scripts(self):
        if not os.path.exists("/usr/lib/postgresql"):
            self.skipTest("PostgreSQL not installed")
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(cluster.site_conf(0x5000c50000005bd1))
        try:
            r = subprocess.run(["bash", "-c", '. "$1"; site_load "$2" && echo "${SITE[WORKLOAD]}'
                                ' ${SITE[SBD_DEVICE]}"', "x",
                                os.path.join(REPO, "cib", "site-config.sh"), f.name],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(r.stdout.strip(), "pgsql /dev/disk/by-id/wwn-0x5000c50000005bd1")
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
