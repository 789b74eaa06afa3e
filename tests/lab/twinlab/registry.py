"""The scenario registry: what scenarios and groups exist, found by name, shared out by cost.

Scenario modules register here (the `scenario` decorator, `register_group`); the runner
(runner.py) imports the scenario modules and runs what is registered.  This module imports no
other module of the lab, so any module may import it.
"""


class Failure(AssertionError):
    """A scenario's check failed: the system did not do what the scenario asserts."""


class Skip(Exception):
    """A scenario cannot run here (say, no agent in the stage tree); not a failure."""


class Scenario:
    """One registered scenario: fn(ctx), its group (the guests it needs, booted once for a run
    of scenarios of the same group), whether it is in the default set, its alarm (timeout, s),
    the first line of fn's docstring (doc) and its usual duration on the CI machine (cost_s)."""

    def __init__(self, name, fn, group, default, timeout, doc, cost_s):
        self.name, self.fn, self.group, self.default, self.timeout, self.doc = \
            name, fn, group, default, timeout, doc
        self.cost_s = cost_s


# Every registered scenario, in the order the scenario modules were imported and, within a
# module, defined. runner.SCENARIOS is the ordered list the lab runs and lists.
SCENARIOS = []

# group name -> boot(lab) returning its guests (a list; the first is ctx.g)
GROUPS = {}
# How long a group's boot may take (s), on its own alarm: a scenario's timeout starts after it, so
# the fresh boot that follows a failed scenario does not eat the next scenario's time.
GROUP_BOOT_TIMEOUT_S = {}
# What to print when a scenario of the group fails, before its guests are stopped: fn(lab) ->
# list of lines. CI keeps only the printed output, so this is what explains a failure there.
GROUP_DIAGNOSIS = {}


def scenario(name, group="storage", default=True, timeout=600, cost_s=60):
    """Registers fn(ctx) as a scenario. cost_s: its usual duration alone on the CI machine (a
    hint for sharing scenarios among labs, never asserted)."""
    def deco(fn):
        SCENARIOS.append(Scenario(name, fn, group, default, timeout,
                                  (fn.__doc__ or "").strip().splitlines()[0], cost_s))
        return fn
    return deco


def register_group(name, boot, boot_timeout_s, diagnosis=None):
    """Registers group `name`: boot(lab) -> its guests, within boot_timeout_s; diagnosis(lab) ->
    lines printed when one of its scenarios fails (optional)."""
    GROUPS[name] = boot
    GROUP_BOOT_TIMEOUT_S[name] = boot_timeout_s
    if diagnosis is not None:
        GROUP_DIAGNOSIS[name] = diagnosis


def select(names, candidates):
    """The scenarios of `candidates` named in `names`, in the order of `names`; with no names,
    the default set in the order of `candidates`. An unknown name ends the program with a
    message naming it."""
    if not names:
        return [s for s in candidates if s.default]
    byname = {s.name: s for s in candidates}
    unknown = [n for n in names if n not in byname]
    if unknown:
        raise SystemExit("unknown scenario(s): %s (see --list)" % ", ".join(unknown))
    return [byname[n] for n in names]


def share_out(chosen, n):
    """chosen dealt to n lists of about equal total cost_s (longest first, each to the least
    loaded list), each list in the order of chosen."""
    loads = [[0, []] for _ in range(n)]
    for s in sorted(chosen, key=lambda s: -s.cost_s):
        least = min(loads, key=lambda l: l[0])
        least[0] += s.cost_s
        least[1].append(s)
    order = {s.name: i for i, s in enumerate(chosen)}
    return [sorted(l[1], key=lambda s: order[s.name]) for l in loads]
