"""Unit tests of the lab's structure (no qemu): the module graph of twinlab."""
import ast
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "twinlab")


def twinlab_imports(path):
    """The twinlab modules a source file imports, at any depth (function-level imports too):
    `from . import x`, `from .x import y`, `from twinlab import x`, `from twinlab.x import y`."""
    found = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
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


if __name__ == "__main__":
    unittest.main()
