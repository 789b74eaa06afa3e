"""Unit tests of the lab's structure (no qemu): the module graph of twinlab, and the README's
scenario table against the registry."""
import ast
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "twinlab")
README = os.path.join(HERE, "README.md")
sys.path.insert(0, HERE)


def twinlab_imports(path):
    """The twinlab modules a source file imports, at any depth (function-level imports too):
    `from . import x`, `from .x import y`, `from twinlab import x`, `from twinlab.x import y`."""
    found = set()
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        if node.level == 1:
            pass
        elif node.level == 0 and (module == "twinlab" or module.startswith("twinlab.")):
            module = module[len("twinlab"):].lstrip(".")
        else:
            continue
        if module:
            found.add(module.split(".")[0])
        else:
            found.update(a.name for a in node.names)
    return found


def import_graph():
    """{module: the twinlab modules it imports} for every module of the package."""
    return {f[:-3]: twinlab_imports(os.path.join(PACKAGE, f))
            for f in sorted(os.listdir(PACKAGE)) if f.endswith(".py")}


def cycle_through(graph, start):
    """A list of modules start -> ... -> start when one exists in graph, else None."""
    stack = [[start]]
    while stack:
        path = stack.pop()
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == start:
                return path + [nxt]
            if nxt not in path:
                stack.append(path + [nxt])
    return None


class ImportGraphTest(unittest.TestCase):
    def test_no_module_imports_a_module_that_imports_it_back(self):
        graph = import_graph()
        cycles = [" -> ".join(c) for c in (cycle_through(graph, m) for m in graph) if c]
        self.assertEqual(cycles, [], "import cycles among the twinlab modules")

    def test_registry_imports_no_lab_module(self):
        self.assertEqual(import_graph()["registry"], set())

    def test_cycle_finder_finds_one(self):
        self.assertEqual(cycle_through({"a": {"b"}, "b": {"a"}}, "a"), ["a", "b", "a"])
        self.assertIsNone(cycle_through({"a": {"b"}, "b": set()}, "a"))


def readme_scenario_rows(text):
    """[(name, group, default)] from the table of the README's "## Scenarios" section: the rows
    `| `name` | group | default marking | ... |`; default is True for a marking of `yes`, False
    for one that starts with `no`. ValueError for a section without the table, a table whose
    header is not name, group, default, ..., or a marking that is neither."""
    section = text.split("\n## Scenarios\n", 1)[-1].split("\n## ", 1)[0]
    rows = [l for l in section.splitlines() if l.startswith("|")]
    if not rows:
        raise ValueError("README.md: no table in its section ## Scenarios")
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    if header[:3] != ["name", "group", "default"]:
        raise ValueError("README.md: the scenario table's columns are %s, not name, group, "
                         "default, ..." % header)
    out = []
    for row in rows[2:]:
        name, group, marking = [c.strip() for c in row.strip("|").split("|")[:3]]
        name = name.strip("`")
        if marking == "yes":
            default = True
        elif marking.startswith("no"):
            default = False
        else:
            raise ValueError("README.md: scenario %s: default marking %r is neither yes nor "
                             "no (...)" % (name, marking))
        out.append((name, group, default))
    return out


def table_mismatches(rows, scenarios):
    """What is wrong between the README's rows [(name, group, default)] and the registered
    scenarios, one readable line a problem: a scenario with no row, a row naming no scenario,
    a scenario with two rows, a group or default marking other than the registry's."""
    registered = {s.name: s for s in scenarios}
    problems, seen = [], set()
    for name, group, default in rows:
        if name in seen:
            problems.append("README.md names scenario %s in two rows" % name)
        seen.add(name)
        s = registered.get(name)
        if s is None:
            problems.append("README.md has a row for scenario %s, which is not registered "
                            "(no @scenario(%r))" % (name, name))
            continue
        if group != s.group:
            problems.append("README.md gives scenario %s group %s; the registry has %s"
                            % (name, group, s.group))
        if default != s.default:
            problems.append("README.md marks scenario %s default %s; the registry has %s"
                            % (name, "yes" if default else "no", "yes" if s.default else "no"))
    for s in scenarios:
        if s.name not in seen:
            problems.append("README.md has no row for registered scenario %s (group %s, "
                            "default %s)" % (s.name, s.group, "yes" if s.default else "no"))
    return problems


class ReadmeTableTest(unittest.TestCase):
    def test_readme_table_matches_the_registry(self):
        from twinlab import runner
        with open(README) as f:
            rows = readme_scenario_rows(f.read())
        problems = table_mismatches(rows, runner.SCENARIOS)
        if problems:
            self.fail("the scenario table in tests/lab/README.md and the registry disagree:\n  "
                      + "\n  ".join(problems))

    def test_mismatches_are_named(self):
        from twinlab.registry import Scenario
        scenarios = [Scenario("boot", None, "storage", True, 300, "", 5),
                     Scenario("bench", None, "storage", False, 600, "", 60),
                     Scenario("missing", None, "pair", False, 600, "", 60)]
        text = ("intro\n## Scenarios\n\n| name | group | default | what |\n| --- | --- | --- | --- |\n"
                "| `boot` | storage | yes | ... |\n| `bench` | cluster | yes | ... |\n"
                "| `ghost` | storage | no (gone) | ... |\n| `boot` | storage | yes | ... |\n"
                "\n## Layout\n| `not-a-row` | x | yes |\n")
        rows = readme_scenario_rows(text)
        self.assertEqual(rows, [("boot", "storage", True), ("bench", "cluster", True),
                                ("ghost", "storage", False), ("boot", "storage", True)])
        problems = table_mismatches(rows, scenarios)
        self.assertEqual(problems, [
            "README.md gives scenario bench group cluster; the registry has storage",
            "README.md marks scenario bench default yes; the registry has no",
            "README.md has a row for scenario ghost, which is not registered (no @scenario('ghost'))",
            "README.md names scenario boot in two rows",
            "README.md has no row for registered scenario missing (group pair, default no)"])

    def test_unreadable_table_says_why(self):
        with self.assertRaisesRegex(ValueError, "not name, group, default"):
            readme_scenario_rows("## Scenarios\n| name | default |\n| --- | --- |\n")
        with self.assertRaisesRegex(ValueError, "neither yes nor no"):
            readme_scenario_rows("## Scenarios\n| name | group | default |\n| - | - | - |\n"
                                 "| `x` | storage | maybe |\n")


if __name__ == "__main__":
    unittest.main()
