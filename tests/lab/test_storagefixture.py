"""Unit tests of storagefixture.StorageFixture (no qemu): its clean-up order and errors."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twinlab.guest import GuestError  # noqa: E402
from twinlab.storagefixture import StorageFixture  # noqa: E402


class FakeGuest:
    """Records what the fixture asks of a guest."""

    def __init__(self, log, fail_restore=False):
        self.log, self.fail_restore = log, fail_restore
        self.next_pid = 100

    def sh(self, script, *args, **kw):
        if script.startswith("sleep 3600"):
            self.next_pid += 1
            self.log.append("hold %s" % args[0])
            return type("R", (), {"out": "%d\n" % self.next_pid})()
        self.log.append("remove maps %s" % args[0])

    def run(self, argv, **kw):
        self.log.append(" ".join(argv))

    def restore_paths(self):
        self.log.append("restore paths")
        if self.fail_restore:
            raise GuestError("control channel closed")


class FakeDriver:
    name = "twin0"

    def __init__(self, log):
        self.log = log

    def stop(self):
        self.log.append("stop mirror")
        raise GuestError("stop timed out")  # best effort: never raised


class StorageFixtureTest(unittest.TestCase):
    def test_clean_up_order(self):
        log = []
        with tempfile.NamedTemporaryFile(delete=False) as f:
            path = f.name
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            with StorageFixture(FakeGuest(log), FakeDriver(log)) as fx:
                fx.at_exit_last(lambda: log.append("last"))
                released = fx.hold_open("/dev/mapper/arrayB")
                fx.hold_open("/dev/mapper/arrayA")
                fx.release(released)
                fx.delete_at_exit(path)
                fx.at_exit_first(lambda: log.append("first"))
        self.assertEqual(log, ["hold /dev/mapper/arrayB", "hold /dev/mapper/arrayA", "kill 101",
                               "first", "kill 102", "restore paths", "stop mirror",
                               "remove maps twin0", "last"])
        self.assertFalse(os.path.exists(path))
        self.assertIn("stop mirror twin0 failed", out.getvalue())

    def test_clean_up_error_fails_a_passing_block(self):
        with self.assertRaises(GuestError):
            with StorageFixture(FakeGuest([], fail_restore=True)):
                pass

    def test_block_error_is_not_hidden_by_clean_up_errors(self):
        log = []
        with contextlib.redirect_stdout(io.StringIO()) as out:
            with self.assertRaises(AssertionError):
                with StorageFixture(FakeGuest(log, fail_restore=True), FakeDriver(log)):
                    raise AssertionError("the scenario's own failure")
        self.assertIn("restore paths failed", out.getvalue())
        self.assertEqual(log[-1], "remove maps twin0")  # every step ran


if __name__ == "__main__":
    unittest.main()
