#!/usr/bin/python3
"""tests/floor-check fails on each kind of upward include and passes a tree that has none."""
import os
import subprocess
import tempfile
import unittest

FLOOR_CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor-check")


def run_on(files):
    with tempfile.TemporaryDirectory() as root:
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
        r = subprocess.run([FLOOR_CHECK, root], capture_output=True, text=True)
        return r.returncode, r.stdout


GOOD = {
    "lib/sys/clock.h": "#include <ctime>\n",
    "lib/ocf/deadline.h": '#include "lib/sys/clock.h"\n',
    "lib/mirror/guards.h": '#include "lib/ocf/deadline.h"\n#include "lib/mirror/layout.h"\n',
    "agents/mirror.h": '#include "lib/mirror/guards.h"\n',
    "helpers/view.h": '#include "lib/mirror/guards.h"\n#include "helpers/json.h"\n',
    "lib/mirror/guards_test.cc": '#include "tests/fakes.h"\n',
}


class FloorCheckTest(unittest.TestCase):
    def test_a_tree_without_upward_includes_passes(self):
        code, out = run_on(GOOD)
        self.assertEqual(code, 0, out)
        self.assertIn("6 files, 0 upward includes", out)

    def check_refused(self, path, include, why):
        files = dict(GOOD)
        files[path] = '#include "%s"\n' % include
        code, out = run_on(files)
        self.assertEqual(code, 1, out)
        self.assertIn("%s includes %s: %s" % (path, include, why), out)

    def test_a_helper_including_an_agent_header_fails(self):
        self.check_refused("helpers/view.h", "agents/mirror.h", "helpers/ includes only lib/")

    def test_lib_including_an_agent_or_helper_header_fails(self):
        self.check_refused("lib/mirror/raid_map.h", "agents/mirror.h", "lib/ includes only lib/")
        self.check_refused("lib/sys/x.cc", "helpers/view.h", "lib/ includes only lib/")

    def test_a_lower_floor_including_a_higher_one_fails(self):
        self.check_refused("lib/sys/clock.cc", "lib/ocf/deadline.h",
                           "lib/sys may include only lower floors")

    def test_side_by_side_floors_do_not_include_each_other(self):
        self.check_refused("lib/oracle/common.cc", "lib/multipath/daemon.h",
                           "lib/oracle may include only lower floors")

    def test_fakes_only_in_tests(self):
        self.check_refused("lib/mirror/guards.cc", "tests/fakes.h", "lib/ includes only lib/")


if __name__ == "__main__":
    unittest.main()
