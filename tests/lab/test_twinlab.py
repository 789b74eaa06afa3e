"""Unit tests of the lab's own logic (no qemu needed).

  python3 -m unittest discover -s tests/lab -t tests/lab      (or: tests/lab/unit-tests)
"""
import contextlib
import gzip
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from twinlab import dmstatus, kernel, proto, report, storage  # noqa: E402
from twinlab.guest import ControlChannel, GuestError  # noqa: E402
from twinlab.netrelay import UdpHub  # noqa: E402


class ProtoTest(unittest.TestCase):
    def test_roundtrip_and_split_reads(self):
        msgs = [{"op": "hello", "nonce": "x"},
                {"op": "result", "id": 3, "rc": 0, "out": proto.b64(bytes(range(256)) + b"\n\xff")}]
        wire = b"".join(proto.encode(m) for m in msgs)
        dec = proto.Decoder()
        got = []
        for i in range(len(wire)):  # one byte at a time
            got += dec.feed(wire[i:i + 1])
        self.assertEqual(got, msgs)
        self.assertEqual(proto.unb64(got[1]["out"]), bytes(range(256)) + b"\n\xff")

    def test_one_line_per_message(self):
        line = proto.encode({"op": "run", "id": 1, "argv": ["sh", "-c", "echo a\nb"]})
        self.assertEqual(line.count(b"\n"), 1)
        self.assertTrue(line.endswith(b"\n"))

    def test_garbage_is_skipped(self):
        dec = proto.Decoder()
        got = dec.feed(b"\x00\x00garbage\n[1,2]\n{\"no_op\":1}\n"
                       b"junk{\"op\":\"hello\",\"nonce\":\"n\"}\n{broken\n")
        self.assertEqual(got, [{"op": "hello", "nonce": "n"}])
        self.assertEqual(dec.skipped, 4)

    def test_partial_line_waits(self):
        dec = proto.Decoder()
        self.assertEqual(dec.feed(b'{"op":"hel'), [])
        self.assertEqual(dec.feed(b'lo"}\n'), [{"op": "hello"}])

    def test_encode_rejects_non_messages(self):
        with self.assertRaises(ValueError):
            proto.encode({"id": 1})


class FakeAgent:
    """The guest agent's protocol over a socketpair-like unix socket, for ControlChannel tests."""

    def __init__(self, path, answer_hello_after=0, drop_first=0):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(1)
        self.answer_hello_after = answer_hello_after
        self.drop_first = drop_first
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        c, _ = self.srv.accept()
        dec = proto.Decoder()
        hellos = 0
        dropped = 0
        while True:
            data = c.recv(65536)
            if not data:
                c.close()
                return
            for m in dec.feed(data):
                if m["op"] == "hello":
                    hellos += 1
                    if hellos > self.answer_hello_after:
                        c.sendall(b"noise\n" + proto.encode({"op": "hello", "nonce": m["nonce"]}))
                elif m["op"] == "run":
                    if dropped < self.drop_first:
                        dropped += 1
                        continue
                    out = ("%s|%s" % (" ".join(m["argv"]), m.get("env", {}).get("K", ""))).encode()
                    rc = 3 if m["argv"][0] == "fail" else 0
                    c.sendall(proto.encode({"op": "result", "id": m["id"], "rc": rc,
                                            "out": proto.b64(out), "timed_out": False}))

    def close(self):
        self.srv.close()


class ControlChannelTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "ctl.sock")

    def tearDown(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        os.rmdir(self.dir)

    def test_handshake_retries_until_a_live_agent_answers(self):
        agent = FakeAgent(self.path, answer_hello_after=2)  # first two hellos are "lost"
        ch = ControlChannel(self.path)
        ch.connect(timeout=5)
        t0 = time.monotonic()
        self.assertTrue(ch.hello(timeout=10))
        self.assertGreater(time.monotonic() - t0, 0.9)  # retried twice at 0.5 s
        r = ch.run(["echo", "hi"], timeout=5, env={"K": "v"})
        self.assertEqual((r.rc, r.out), (0, "echo hi|v"))
        r = ch.run(["fail"], timeout=5)
        self.assertEqual(r.rc, 3)
        ch.close()
        agent.close()

    def test_concurrent_commands_are_routed_by_id(self):
        agent = FakeAgent(self.path)
        ch = ControlChannel(self.path)
        ch.connect(timeout=5)
        ch.hello(timeout=5)
        outs = {}

        def worker(i):
            outs[i] = ch.run(["n", str(i)], timeout=5).out

        ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(outs, {i: "n %d|" % i for i in range(8)})
        ch.close()
        agent.close()

    def test_closed_channel_raises(self):
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.path)
        srv.listen(1)
        ch = ControlChannel(self.path)
        ch.connect(timeout=5)
        c, _ = srv.accept()
        c.close()
        srv.close()
        with self.assertRaises(GuestError):
            ch.run(["true"], timeout=2)
        ch.close()


class CpioTest(unittest.TestCase):
    def test_newc_layout(self):
        buf = io.BytesIO()
        w = kernel.CpioWriter(buf)
        w.dir("bin")
        w.file("init", b"#!/bin/sh\n", 0o755)
        w.symlink("bin/sh", "busybox")
        w.trailer()
        data = buf.getvalue()
        self.assertEqual(len(data) % 4, 0)
        # walk the archive back
        off, names = 0, []
        while True:
            hdr = data[off:off + 110]
            self.assertEqual(hdr[:6], b"070701")
            f = [int(hdr[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
            mode, fsize, nsize = f[1], f[6], f[11]
            name = data[off + 110:off + 110 + nsize - 1].decode()
            off += 110 + nsize
            off += (4 - off % 4) % 4
            body = data[off:off + fsize]
            off += fsize
            off += (4 - off % 4) % 4
            names.append((name, oct(mode), body))
            if name == "TRAILER!!!":
                break
        self.assertEqual(names[0][:2], ("bin", oct(0o040755)))
        self.assertEqual(names[1], ("init", oct(0o100755), b"#!/bin/sh\n"))
        self.assertEqual(names[2], ("bin/sh", oct(0o120777), b"busybox"))
        self.assertEqual(off, len(data))

    def test_find_kernel_picks_newest_with_modules(self):
        d = tempfile.mkdtemp()
        boot, mods = os.path.join(d, "boot"), os.path.join(d, "mods")
        for v in ("6.1.0-9-amd64", "6.1.0-10-amd64", "6.5.0-1-amd64"):
            os.makedirs(boot, exist_ok=True)
            open(os.path.join(boot, "vmlinuz-" + v), "w").close()
        for v in ("6.1.0-9-amd64", "6.1.0-10-amd64"):  # 6.5 has no modules
            os.makedirs(os.path.join(mods, v, "kernel"))
        self.assertEqual(kernel.find_kernel(boot, mods), "6.1.0-10-amd64")
        with self.assertRaises(kernel.LabUnavailable):
            kernel.find_kernel(os.path.join(d, "nope"), mods)


class DmStatusTest(unittest.TestCase):
    def test_raid_status(self):
        s = dmstatus.RaidStatus("0 2088960 raid raid1 2 AA 2088960/2088960 idle 0 0 -")
        self.assertTrue(s.in_sync)
        for line in ("0 2088960 raid raid1 2 aa 1024/2088960 resync 0 0 -",
                     "0 2088960 raid raid1 2 AD 2088960/2088960 idle 0 0 -",
                     "0 2088960 raid raid1 2 Aa 99/2088960 recover 0 0 -",
                     "0 2088960 raid raid1 2 AA 2088960/2088960 check 0 0 -"):
            self.assertFalse(dmstatus.RaidStatus(line).in_sync, line)
        with self.assertRaises(ValueError):
            dmstatus.RaidStatus("0 100 linear 8:0 0")

    def test_raid_status_fields_the_cluster_scenarios_read(self):
        s = dmstatus.RaidStatus("0 2088960 raid raid1 2 Aa 1024/2088960 recover 0 0 -")
        self.assertEqual((s.health, s.action, s.sync_done, s.sync_total), ("Aa", "recover", 1024, 2088960))
        # a status without the mismatch count (what cluster.mirror_in_sync accepted before it
        # used RaidStatus): 8 fields, mismatch 0
        s = dmstatus.RaidStatus("0 2088960 raid raid1 2 AA 2088960/2088960 idle")
        self.assertEqual((s.health, s.action, s.mismatch), ("AA", "idle", 0))
        with self.assertRaises(ValueError):
            dmstatus.RaidStatus("0 2088960 raid raid1 2 AA 2088960/2088960")

    def test_table_add_and_remove_rebuild(self):
        t = "0 2088960 raid raid1 3 0 region_size 1024 2 253:2 253:3 253:4 253:5"
        r = dmstatus.raid_table_set_arg(t, "rebuild", 1)
        self.assertEqual(r, "0 2088960 raid raid1 5 0 region_size 1024 rebuild 1 2 253:2 253:3 253:4 253:5")
        self.assertEqual(dmstatus.raid_table_set_arg(r, "rebuild", 1), r)  # idempotent
        self.assertEqual(dmstatus.raid_table_set_arg(r, "rebuild", remove=True), t)
        t2 = "0 8 raid raid1 5 0 region_size 1024 max_recovery_rate 100 2 - 8:1 - 8:2"
        self.assertEqual(dmstatus.raid_table_set_arg(t2, "rebuild", 0),
                         "0 8 raid raid1 7 0 region_size 1024 max_recovery_rate 100 rebuild 0 2 - 8:1 - 8:2")

    def test_mpath_paths(self):
        st = ("0 2097152 multipath 2 0 0 0 1 1 A 0 2 2 8:32 A 0 0 1 8:48 F 1 0 1")
        self.assertEqual(dmstatus.mpath_paths(st), [("8:32", "A"), ("8:48", "F")])
        self.assertEqual(dmstatus.mpath_paths("0 2097152 multipath 2 1 0 0 0 0"), [])

    def test_md_durations(self):
        text = ("[  10.000100] md: recovery of RAID array mdX\n"
                "[  10.100000] other\n"
                "[  10.553100] md: mdX: recovery done.\n"
                "[  20.0] md: resync of RAID array mdX\n")
        self.assertEqual(dmstatus.md_durations(text), [("recovery", "mdX", 0.553)])


class LegWritesTest(unittest.TestCase):
    """Difference-only resync judged by what md wrote to the returning leg (issue 15, 0)."""

    def test_sectors_written_is_the_seventh_field(self):
        stat = "  187  0  9120  52  26112  0  2088960  6931  0  1204  6983  0 0 0 0 0 0"
        self.assertEqual(dmstatus.sectors_written(stat), 2088960)
        for bad in ("", "1 2 3", "a b c d e f g h i j k"):
            with self.assertRaises(ValueError):
                dmstatus.sectors_written(bad)

    def test_written_since_sees_a_recreated_device(self):
        self.assertEqual(dmstatus.written_since(("dm-7", 1020.0), ("dm-7", 1052.0)), 32.0)
        self.assertEqual(dmstatus.written_since(("dm-7", 1020.0), ("dm-9", 32.0)), 32.0)
        self.assertEqual(dmstatus.written_since(("dm-7", 1020.0), ("dm-7", 32.0)), 32.0)

    def test_difference_only_is_judged_by_size_not_time(self):
        leg = 1020.0
        self.assertIsNone(dmstatus.judge_resync_written(32.0, leg, "difference", dirty_mib=32))
        self.assertIsNone(dmstatus.judge_resync_written(40.5, leg, "difference", dirty_mib=32))
        # two regions short of the bitmap's 32 MiB (seen once in CI) still copied the difference
        self.assertIsNone(dmstatus.judge_resync_written(31.0, leg, "difference", dirty_mib=32))
        self.assertIn("did not copy the difference",
                      dmstatus.judge_resync_written(28.0, leg, "difference", dirty_mib=32))
        # a full copy through the re-add path, and one that copied less than was written
        self.assertIn("not difference-only",
                      dmstatus.judge_resync_written(1020.0, leg, "difference", dirty_mib=32))
        self.assertIn("not difference-only",
                      dmstatus.judge_resync_written(255.0, leg, "difference"))
        self.assertIn("did not copy the difference",
                      dmstatus.judge_resync_written(0.0, leg, "difference", dirty_mib=32))

    def test_full_resync_must_write_nearly_the_whole_leg(self):
        self.assertIsNone(dmstatus.judge_resync_written(1020.0, 1020.0, "full"))
        self.assertIn("does not see the copy", dmstatus.judge_resync_written(32.0, 1020.0, "full"))
        with self.assertRaises(ValueError):
            dmstatus.judge_resync_written(1.0, 2.0, "fast")

    def test_mpath_features(self):
        queueing = "0 2097152 multipath 1 queue_if_no_path 0 1 1 service-time 0 2 1 8:32 1 8:48 1"
        self.assertEqual(dmstatus.mpath_features(queueing), ["queue_if_no_path"])
        failing = "0 2097152 multipath 0 0 1 1 service-time 0 2 1 8:32 1 8:48 1"
        self.assertEqual(dmstatus.mpath_features(failing), [])
        with self.assertRaises(ValueError):
            dmstatus.mpath_features("0 100 linear 8:0 0")


class StorageTest(unittest.TestCase):
    def setUp(self):
        self.l = storage.Layout("/lab", array_mib=512)

    def test_two_paths_same_wwn_different_hba(self):
        a = self.l.arrays["A"]
        p0, p1 = a.paths
        self.assertEqual((p0.id, p1.id), ("dA0", "dA1"))
        d0, d1 = p0.device_props(), p1.device_props()
        self.assertEqual(d0["wwn"], d1["wwn"])
        self.assertEqual(d0["serial"], d1["serial"])
        self.assertNotEqual(d0["bus"], d1["bus"])
        self.assertEqual(p0.device_arg(),
                         "scsi-hd,bus=hba0.0,scsi-id=0,lun=0,drive=arrA_p0,id=dA0,serial=ARRAYA,"
                         "wwn=0x5000c5000000a001,share-rw=on")
        self.assertEqual(a.wwid, "35000c5000000a001")
        self.assertIn("file.locking=off", p0.blockdev_arg())

    def test_multipath_conf(self):
        c = self.l.multipath_conf()
        for want in ("user_friendly_names no", "find_multipaths no", "polling_interval 2",
                     "path_grouping_policy multibus", "no_path_retry 3",
                     "alias arrayA", "alias arrayB", "wwid 35000c5000000a001"):
            self.assertIn(want, c)
        self.assertIn("blacklist {\n    wwid %s" % self.l.sbd.wwid, c)
        self.assertNotIn("queue", c)  # never queue forever

    def test_sparse_images(self):
        d = tempfile.mkdtemp()
        l = storage.Layout(d, array_mib=4, sbd_mib=1)
        l.create_images()
        st = os.stat(l.arrays["A"].image)
        self.assertEqual(st.st_size, 4 * storage.MIB)
        self.assertLess(st.st_blocks * 512, storage.MIB)
        for a in l.all_disks():
            os.unlink(a.image)
        os.rmdir(l.dir)
        os.rmdir(d)


class UdpHubTest(unittest.TestCase):
    def _guest_socks(self, hub):
        socks = []
        for i in range(hub.n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", hub.guest_ports[i]))
            s.settimeout(0.5)
            socks.append(s)
        return socks

    def _recv(self, s):
        try:
            return s.recv(100)
        except socket.timeout:
            return None

    def test_forward_partition_heal(self):
        hub = UdpHub(3)
        socks = self._guest_socks(hub)
        hub.start()
        try:
            def send(i, payload):
                socks[i].sendto(payload, ("127.0.0.1", hub.relay_ports[i]))

            send(0, b"hello")
            self.assertEqual(self._recv(socks[1]), b"hello")
            self.assertEqual(self._recv(socks[2]), b"hello")
            hub.partition([{0}, {1, 2}])
            self.assertFalse(hub.connected(0, 1))
            self.assertTrue(hub.connected(1, 2))
            send(0, b"lost")
            send(1, b"kept")
            self.assertEqual(self._recv(socks[2]), b"kept")
            self.assertIsNone(self._recv(socks[1]))
            self.assertIsNone(self._recv(socks[0]))
            hub.heal()
            send(1, b"back")
            self.assertEqual(self._recv(socks[0]), b"back")
        finally:
            hub.stop()
            for s in socks:
                s.close()


class OcfTesterJudgeTest(unittest.TestCase):
    DTD_FAIL = ("Beginning tests for /x...\n-:2: validity error : Validation failed: no DTD found !\n"
                "* rc=4: Your agent produces meta-data which does not conform to ra-api-1.dtd\n"
                "* Your agent does not support the notify action (optional)\n"
                "Tests failed: /x failed 1 tests\n")

    def test_dtd_only(self):
        from twinlab.scenarios import judge_ocf_tester
        checks, dtd_only = judge_ocf_tester(1, self.DTD_FAIL)
        self.assertTrue(dtd_only)
        self.assertEqual(len(checks), 1)

    def test_other_failures_are_not_excused(self):
        from twinlab.scenarios import judge_ocf_tester
        out = self.DTD_FAIL.replace("failed 1 tests", "failed 2 tests") + \
            "* rc=1: Monitoring a stopped resource should return 7\n"
        checks, dtd_only = judge_ocf_tester(1, out)
        self.assertFalse(dtd_only)
        self.assertEqual(len(checks), 2)
        self.assertEqual(judge_ocf_tester(0, "/x passed all tests\n"), ([], False))


class StaleWorkdirTest(unittest.TestCase):
    def test_only_dead_owners_unkept_are_removed(self):
        from twinlab.lab import WORK_PREFIX, remove_stale_workdirs
        parent = tempfile.mkdtemp()
        dead, alive, kept, other = (os.path.join(parent, n) for n in
                                    (WORK_PREFIX + "dead", WORK_PREFIX + "alive", WORK_PREFIX + "kept", "other"))
        for d, pid in ((dead, 2 ** 22 + 12345), (alive, os.getpid()), (kept, 2 ** 22 + 12345),
                       (other, 2 ** 22 + 12345)):
            os.makedirs(d)
            with open(os.path.join(d, "owner.pid"), "w") as f:
                f.write("%d\n" % pid)
        open(os.path.join(kept, "KEEP"), "w").close()
        self.assertEqual(remove_stale_workdirs(parent), [dead])
        self.assertEqual(sorted(os.listdir(parent)), sorted(os.path.basename(p) for p in (alive, kept, other)))
        import shutil
        shutil.rmtree(parent)


class ShareOutTest(unittest.TestCase):
    def test_equal_cost_shares_in_registry_order(self):
        from twinlab import registry
        mk = lambda name, cost: registry.Scenario(name, None, "storage", True, 60, "", cost)
        chosen = [mk("boot", 5), mk("a", 100), mk("b", 90), mk("c", 60), mk("d", 40), mk("e", 5)]
        shares = registry.share_out(chosen, 2)
        self.assertEqual(sorted(s.name for sh in shares for s in sh),
                         sorted(s.name for s in chosen))
        totals = [sum(s.cost_s for s in sh) for sh in shares]
        self.assertLessEqual(max(totals) - min(totals), 10, totals)
        for sh in shares:
            names = [s.name for s in sh]
            self.assertEqual(names, [s.name for s in chosen if s.name in names])
        self.assertEqual(registry.share_out(chosen, 1), [chosen])


class TimeBudgetTest(unittest.TestCase):
    def test_running_scenario_is_cut_and_later_ones_fail_unstarted(self):
        from types import SimpleNamespace
        from twinlab import registry, runner
        ran = []

        def slow(ctx):
            ran.append("slow")
            time.sleep(30)

        def later(ctx):
            ran.append("later")
        registry.GROUPS["t-budget"] = lambda lab: ["guest"]
        mk = lambda name, fn: registry.Scenario(name, fn, "t-budget", False, 600, name, 1)
        lab = SimpleNamespace(guests={}, reset_storage=lambda: None)
        opts = SimpleNamespace(keep=False, deadline=time.monotonic() + 1)
        out = io.StringIO()  # run_all's PASS/FAIL lines: not the lab's own results
        with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(out):
            t0 = time.monotonic()
            results = runner.run_all(lab, [mk("slow", slow), mk("later", later)], opts, d)
        self.assertIn("FAIL later (not started)", out.getvalue())
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(ran, ["slow"])
        self.assertEqual([(r.name, r.passed) for r in results], [("slow", False), ("later", False)])
        self.assertIn("ScenarioTimeout", results[0].error)
        self.assertIn("time budget", results[1].error)
        self.assertEqual(runner.capped(600, SimpleNamespace(deadline=None)), 600)
        self.assertEqual(runner.capped(600, SimpleNamespace()), 600)


class ReportTest(unittest.TestCase):
    def test_json_and_text(self):
        rs = [report.ScenarioResult("boot", True, {"boot_s": 12.5}, seconds=13),
              report.ScenarioResult("raid-diff-resync", False, {"resync_s": 0.4}, seconds=60,
                                    error="Failure: monitor is not 0", logs="/r/x"),
              report.ScenarioResult("x", False, skipped="agent missing")]
        d = tempfile.mkdtemp()
        path = report.write_json(rs, d)
        data = json.load(open(path))
        self.assertEqual([o["name"] for o in data], ["boot", "raid-diff-resync", "x"])
        self.assertIs(data[0]["passed"], True)
        self.assertEqual(data[0]["boot_s"], 12.5)
        self.assertIs(data[1]["passed"], False)
        self.assertEqual(data[1]["error"], "Failure: monitor is not 0")
        self.assertTrue(data[2]["skipped"])
        text = report.text_report(rs)
        self.assertIn("PASS boot", text)
        self.assertIn("FAIL raid-diff-resync", text)
        self.assertIn("SKIP x", text)
        self.assertIn("1 passed, 1 failed, 1 skipped", text)
        self.assertEqual(report.exit_code(rs), 1)
        self.assertEqual(report.exit_code([rs[0], rs[2]]), 0)
        # another lab process's report reads back as the same results (--storage-labs)
        rs[0].notes.append("booted")
        report.write_json(rs, d)
        back = report.read_json(d)
        self.assertEqual([r.to_json() for r in back], [r.to_json() for r in rs])
        self.assertEqual(back[0].figures, {"boot_s": 12.5})
        self.assertEqual(back[2].skipped, "agent missing")
        self.assertEqual(report.text_report(back), report.text_report(rs))
        os.unlink(path)
        os.rmdir(d)


if __name__ == "__main__":
    unittest.main()
