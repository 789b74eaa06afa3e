"""Tests of the stand-in's fault table (standin/faults.py): one table, used by
every setter and reader, typos refused, every fault honoured, README in step.

Run: python3 -m unittest discover -s tests/oracle-standin -v
"""
import ast
import glob
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from standin import common as C  # noqa: E402
from standin import faults as F  # noqa: E402
from test_standin import Base  # noqa: E402

TYPO = "hang-sqlpls"
# the module-level constants of faults.py that name a fault: {constant: name}
CONSTANTS = {k: v for k, v in vars(F).items()
             if k.isupper() and isinstance(v, str) and v in F.NAMES}


def implementation_files():
    """The stand-in's code outside the table: standin/*.py, bin/*, make-home."""
    files = [p for p in glob.glob(os.path.join(HERE, "standin", "*.py"))
             if os.path.basename(p) != "faults.py"]
    files += sorted(glob.glob(os.path.join(HERE, "bin", "*")))
    files.append(os.path.join(HERE, "make-home"))
    return sorted(files)


def parse(path):
    with open(path) as f:
        return ast.parse(f.read(), path)


def f_attributes(tree):
    """The names X of every F.X in TREE (the modules import faults as F)."""
    return {n.attr for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "F"}


class TestTable(unittest.TestCase):

    def test_names_unique_and_each_has_one_constant(self):
        self.assertEqual(len(F.NAMES), len(set(F.NAMES)))
        self.assertEqual(sorted(CONSTANTS.values()), sorted(F.NAMES))
        for f in F.TABLE:
            self.assertTrue(f.does and f.usage and f.ctl and f.honoured_by, f)
            for m in f.honoured_by:
                self.assertTrue(os.path.exists(os.path.join(HERE, "standin", m + ".py")), f)

    def test_unknown_name_refused(self):
        self.assertEqual(F.check(F.HANG_SQLPLUS), F.HANG_SQLPLUS)
        with self.assertRaises(F.UnknownFault) as cm:
            F.check(TYPO)
        for n in F.NAMES:
            self.assertIn(n, str(cm.exception))
        self.assertIsNone(F.resolve(TYPO))
        self.assertEqual(F.resolve("lost"), F.LOST_FILES)
        self.assertIsNone(F.target("hang", "sqlpls"))
        # write_json's temporary file counts as its fault's, nothing else does
        self.assertEqual(F.unknown([F.LOST_FILES, F.LOST_FILES + ".tmp123", TYPO,
                                    F.LOST_FILES + ".tmp", "x.tmp1"]),
                         [TYPO, F.LOST_FILES + ".tmp", "x.tmp1"])

    def test_every_fault_is_honoured_by_its_components(self):
        """Each fault's constant is used by every module the table says honours it,
        and by code other than the table and the setter."""
        used = {}
        for path in implementation_files():
            for attr in f_attributes(parse(path)):
                used.setdefault(attr, set()).add(os.path.basename(path))
        for const, name in CONSTANTS.items():
            f = F.BY_NAME[name]
            for m in f.honoured_by:
                self.assertIn(m + ".py", used.get(const, set()),
                              "%s (%s) is said to be honoured by %s, which never uses F.%s"
                              % (name, f.usage, m, const))
            self.assertTrue(used.get(const, set()) - {"faults.py"},
                            "F.%s is used by no code but the table" % const)
            if name != F.LOST_FILES:     # standin-ctl alone sets and honours lost.json
                self.assertTrue(used[const] - {"ctl.py"},
                                "F.%s is set by standin-ctl but read by nothing" % const)

    def test_no_fault_name_literal_outside_the_table(self):
        """A fault is named through its constant only: no string literal equal to a
        fault name or to a prefix that builds one ("hang-" + what). (Not the alias
        "lost": sqlplus' conn["lost"] is a lost connection.)"""
        bad = set(F.NAMES)
        prefixes = {n[:i + 1] for n in F.NAMES for i, ch in enumerate(n) if ch == "-"}
        found = []
        for path in implementation_files():
            for n in ast.walk(parse(path)):
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and \
                        (n.value in bad or n.value in prefixes):
                    found.append("%s:%d: %r" % (os.path.relpath(path, HERE), n.lineno, n.value))
        self.assertEqual(found, [])

    def test_readme_lists_the_table(self):
        with open(os.path.join(HERE, "README.md")) as f:
            text = f.read()
        self.assertIn(F.readme_table(), text,
                      "README.md's fault table is not the one generated from standin/faults.py "
                      "(cd tests/oracle-standin && python3 -m standin.faults)")
        self.assertEqual(text.count(F.README_BEGIN), 1)
        r = subprocess.run([sys.executable, "-m", "standin.faults"], cwd=HERE,
                           capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, F.readme_table()))

    def test_reader_refuses_unknown_fault(self):
        sdir = tempfile.mkdtemp(prefix="standin-faults-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", sdir]))
        fdir = C.faults_dir(sdir)
        self.assertIsNone(C.fault(sdir, F.HANG_COMMIT))
        with self.assertRaises(F.UnknownFault):
            C.fault(sdir, TYPO)
        with open(os.path.join(fdir, F.SLOW_SQLPLUS), "w") as f:
            f.write("0.5\n")
        self.assertEqual(C.fault(sdir, F.SLOW_SQLPLUS), "0.5")
        open(os.path.join(fdir, TYPO), "w").close()
        with self.assertRaises(F.UnknownFault) as cm:
            C.fault(sdir, F.HANG_COMMIT)
        self.assertIn(os.path.join(fdir, TYPO), str(cm.exception))


class TestCtl(Base):
    sid = "TSTG"

    def ctl(self, *args):
        return self.h.run([os.path.join(HERE, "bin", "standin-ctl")] + list(args))

    def fault_files(self):
        return sorted(os.listdir(C.faults_dir(C.state_dir(self.h.home))))

    def assertRefused(self, r):
        self.assertEqual(r.returncode, 2, r.stderr)
        for n in F.NAMES:
            self.assertIn(n, r.stderr)

    def test_typos_refused(self):
        self.assertRefused(self.ctl("hang", "sqlpls"))
        self.assertRefused(self.ctl("hang", "sqlpls", "--ignore-term"))
        self.assertRefused(self.ctl("clear", TYPO))
        self.assertRefused(self.ctl("slow", "sqlpls", "1"))
        self.assertEqual(self.ctl("slow", "sqlplus").returncode, 2)     # usage
        self.assertEqual(self.fault_files(), [])
        self.assertIn(F.HANG_SQLPLUS, self.ctl("help").stdout)

    def test_each_setter_writes_its_table_name(self):
        sample = {"slow": ["0.1"], "lose-datafile": ["4"]}
        for f in F.TABLE:
            for command in f.ctl:
                argv = list(command) + sample.get(command[0], [])
                r = self.ctl(*argv)
                self.assertEqual(r.returncode, 0, (argv, r.stderr))
                self.assertEqual(self.fault_files(), [f.name], argv)
                self.assertEqual(self.ctl("clear", f.name).returncode, 0)
                self.assertEqual(self.fault_files(), [], argv)
        self.ctl("lose-datafile")
        self.assertEqual(self.ctl("clear", "lost").returncode, 0)     # the alias
        self.assertEqual(self.fault_files(), [])

    def test_unknown_fault_file_fails_its_readers(self):
        fdir = C.faults_dir(C.state_dir(self.h.home))
        open(os.path.join(fdir, TYPO), "w").close()
        bad = os.path.join(fdir, TYPO)
        r = self.h.sql("select 1 from dual;\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("UnknownFault", r.stderr)
        self.assertIn(bad, r.stderr)
        for argv in (["lsnrctl", "status"], ["tnsping", self.h.sid]):
            r = self.h.run(argv)
            self.assertNotEqual(r.returncode, 0, argv)
            self.assertIn(bad, r.stderr, argv)
        r = self.ctl("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn(bad, r.stderr)
        self.assertEqual(self.ctl("clear").returncode, 0)     # clear removes it
        self.assertEqual(self.fault_files(), [])
        self.assertEqual(self.ctl("status").returncode, 0)
        self.assertIn("Connected to an idle instance.", self.h.sql("").stdout)

    def test_unknown_fault_file_stops_the_listener(self):
        r = self.h.run(["lsnrctl", "start"])
        self.assertEqual(r.returncode, 0, r.stdout)
        log = [l for l in r.stdout.splitlines() if l.startswith("Listener Log File")][0].split()[-1]
        fdir = C.faults_dir(C.state_dir(self.h.home))
        open(os.path.join(fdir, TYPO), "w").close()
        def logged():
            try:
                with open(log) as f:
                    return f.read()
            except OSError:
                return ""
        end = time.time() + 10
        while time.time() < end and TYPO not in logged():
            time.sleep(0.1)
        self.assertIn(os.path.join(fdir, TYPO), logged())
        self.ctl("clear")
        self.assertEqual(self.h.run(["lsnrctl", "status"]).returncode, 1)    # it is gone


if __name__ == "__main__":
    unittest.main()
