"""The run loop behind tests/lab/run: the scenarios of every scenario module, run group by group.

SCENARIO_MODULES are imported here (each registers its scenarios and groups in registry.py);
SCENARIOS is every registered scenario in the order of SCENARIO_MODULES, each module's in the
order it defines them: the order `run --list` prints and the default set runs in.  A scenario is
a function f(ctx) that asserts real behaviour in booted guests and records figures in
ctx.figures (units in the names: _s, _ms, _mib).  Scenarios of the same group run one after the
other in one booted guest set (boot once per group); each scenario leaves the guest as it found
it (maps removed, paths back).  A scenario that fails gets its guest's logs saved and the guest
rebooted (with fresh array images) before the next scenario, so scenarios stay independent.
"""
import os
import signal
import time
import traceback

from . import admin_scenarios, bench_scenarios, cluster_scenarios, mpath_scenarios, registry
from . import scenarios as storage_scenarios
from .registry import GROUP_BOOT_TIMEOUT_S, GROUP_DIAGNOSIS, GROUPS, Failure, Skip
from .report import ScenarioResult

# In this order: the storage and pair groups' own scenarios; the stale-leg override with a
# cluster record and the on-call story with the admin helpers; benchmarks (bench/README.md:
# figures only); ocf:twinarray:mpath (issue 4); the two-node cluster and its fault matrix
# (group "cluster"), last: one group boot for all of it.
SCENARIO_MODULES = (storage_scenarios, admin_scenarios, bench_scenarios, mpath_scenarios,
                    cluster_scenarios)
_MODULE_ORDER = {m.__name__: i for i, m in enumerate(SCENARIO_MODULES)}
SCENARIOS = sorted(registry.SCENARIOS, key=lambda s: _MODULE_ORDER[s.fn.__module__])


class ScenarioTimeout(Exception):
    """A scenario (or its group's boot) outlasted its alarm."""


def select(names):
    """registry.select over SCENARIOS: the named scenarios, or the default set."""
    return registry.select(names, SCENARIOS)


class Ctx:
    """What a scenario gets: the lab, its group's guests (g: the first), the run's options, the
    figures and notes it records; check() fails the scenario with a message after a snapshot of
    every guest's logs (into logdir/at-failure)."""

    def __init__(self, lab, guests, opts, logdir=None):
        self.logdir = logdir
        self.lab = lab
        self.guests = guests
        self.g = guests[0]
        self.opts = opts
        self.figures = {}
        self.notes = []

    def check(self, cond, msg):
        if not cond:
            self.snapshot()
            raise Failure(msg)

    def snapshot(self):
        """Guest state at the moment of a failure (before the scenario's clean-up changes it)."""
        if not self.logdir:
            return
        for g in self.guests:
            try:
                g.collect_logs(os.path.join(self.logdir, "at-failure"))
            except Exception as e:
                print("       .. no snapshot of %s: %s" % (g.name, e))

    def note(self, msg):
        self.notes.append(msg)
        print("       .. " + msg, flush=True)


def _alarm(signum, frame):
    raise ScenarioTimeout("scenario timed out")


def _print_diagnosis(lab, group, dest):
    """Print the group's diagnosis of a failed scenario and keep it in dest/diagnosis.txt."""
    fn = GROUP_DIAGNOSIS.get(group)
    if fn is None:
        return
    try:
        lines = fn(lab)
    except Exception as e:
        lines = ["diagnosis failed: %s: %s" % (type(e).__name__, e)]
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "diagnosis.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for line in lines:
        print("       ?? " + line, flush=True)


def budget_left(opts):
    """Seconds left of the lab's time budget (opts.deadline, a time.monotonic() value), or
    None without one."""
    deadline = getattr(opts, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def capped(timeout_s, opts):
    """A scenario's alarm: its own timeout, cut to what is left of the time budget."""
    left = budget_left(opts)
    return timeout_s if left is None else max(1, min(timeout_s, int(left)))


def run_all(lab, chosen, opts, results_dir):
    """Runs `chosen` in order, one group boot per run of scenarios of the same group. With a
    time budget (opts.deadline), no scenario starts once it is spent and a running one is cut at
    it: each fails with the reason, so that a run over budget still ends with its report."""
    results = []
    i = 0
    while i < len(chosen):
        group = chosen[i].group
        batch = []
        while i < len(chosen) and chosen[i].group == group:
            batch.append(chosen[i])
            i += 1
        guests = None
        for sc in batch:
            print("---- %s: %s" % (sc.name, sc.doc), flush=True)
            t0 = time.monotonic()
            left = budget_left(opts)
            if left is not None and left <= 0:
                res = ScenarioResult(sc.name, False, {}, error="not run: the lab's time budget "
                                     "(--time-budget-s) ran out before it could start")
                print("%s %s (not started)" % (res.status, sc.name), flush=True)
                print("       .. " + res.error, flush=True)
                results.append(res)
                continue
            res = None
            ctx = None
            old = signal.signal(signal.SIGALRM, _alarm)
            try:
                if guests is None:
                    signal.alarm(capped(GROUP_BOOT_TIMEOUT_S.get(group, sc.timeout), opts))
                    for g in lab.guests.values():
                        g.stop()
                    lab.reset_storage()
                    t_boot = time.monotonic()
                    guests = GROUPS[group](lab)
                    print("       .. group %s booted in %.1f s" % (group, time.monotonic() - t_boot),
                          flush=True)
                signal.alarm(capped(sc.timeout, opts))
                ctx = Ctx(lab, guests, opts, logdir=os.path.join(results_dir, sc.name))
                sc.fn(ctx)
                res = ScenarioResult(sc.name, True, ctx.figures, notes=ctx.notes)
            except Skip as e:
                res = ScenarioResult(sc.name, False, ctx.figures if ctx else {}, skipped=str(e))
            except KeyboardInterrupt:
                raise
            except Exception as e:
                msg = "%s: %s" % (type(e).__name__, e)
                if not isinstance(e, (Failure, ScenarioTimeout)):
                    msg += "\n" + traceback.format_exc(limit=6)
                res = ScenarioResult(sc.name, False, ctx.figures if ctx else {}, error=msg,
                                     notes=ctx.notes if ctx else [])
            finally:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old)
            res.seconds = time.monotonic() - t0
            if not res.passed and not res.skipped or opts.keep:
                dest = os.path.join(results_dir, sc.name)
                for g in lab.guests.values():
                    try:
                        g.collect_logs(dest)
                    except Exception as e:
                        print("       .. could not collect logs of %s: %s" % (g.name, e))
                res.logs = dest
            if not res.passed and not res.skipped:
                _print_diagnosis(lab, group, os.path.join(results_dir, sc.name))
                for g in lab.guests.values():
                    g.stop()
                guests = None  # next scenario of the group gets a fresh boot
            print("%s %s (%.1f s)" % (res.status, sc.name, res.seconds), flush=True)
            if res.error:
                print("       .. " + res.error.replace("\n", "\n       .. "), flush=True)
            results.append(res)
        for g in lab.guests.values():
            g.stop()
    return results
