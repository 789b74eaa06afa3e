"""Scenario results: the readable report and $TWINARRAY_REPORT_DIR/lab-report.json."""
import json
import os


# Keys of a scenario's JSON object that are not figures.
_NOT_FIGURES = ("name", "passed", "scenario_s", "skipped", "skip_reason", "error", "logs", "notes")


class ScenarioResult:
    def __init__(self, name, passed, figures=None, seconds=0.0, error=None, skipped=None,
                 notes=None, logs=None):
        self.name = name
        self.passed = bool(passed)
        self.figures = dict(figures or {})
        self.seconds = seconds
        self.error = error
        self.skipped = skipped  # reason, or None
        self.notes = list(notes or [])
        self.logs = logs

    def to_json(self):
        d = {"name": self.name, "passed": self.passed}
        for k, v in self.figures.items():
            if k in _NOT_FIGURES:
                continue
            d[k] = v
        d["scenario_s"] = round(self.seconds, 1)
        if self.skipped:
            d["skipped"] = True
            d["skip_reason"] = self.skipped
        if self.error:
            d["error"] = self.error
        if self.logs:
            d["logs"] = self.logs
        if self.notes:
            d["notes"] = self.notes
        return d

    @classmethod
    def from_json(cls, d):
        """The result to_json wrote (another lab process's report)."""
        return cls(d["name"], d["passed"], {k: v for k, v in d.items() if k not in _NOT_FIGURES},
                   seconds=d.get("scenario_s", 0.0), error=d.get("error"),
                   skipped=d.get("skip_reason") if d.get("skipped") else None,
                   notes=d.get("notes"), logs=d.get("logs"))

    @property
    def status(self):
        return "SKIP" if self.skipped else ("PASS" if self.passed else "FAIL")


def _fmt(v):
    if isinstance(v, float):
        return ("%.3f" % v).rstrip("0").rstrip(".") if abs(v) < 100 else "%.1f" % v
    return str(v)


def text_report(results, title="twinarray lab report"):
    lines = [title, "=" * len(title)]
    for r in results:
        lines.append("%-4s %-28s %7.1f s" % (r.status, r.name, r.seconds))
        if r.figures:
            figs = "  ".join("%s=%s" % (k, _fmt(v)) for k, v in r.figures.items())
            lines.append("       " + figs)
        for n in r.notes:
            lines.append("       note: " + n)
        if r.skipped:
            lines.append("       skipped: " + r.skipped)
        if r.error:
            for el in r.error.splitlines()[:15]:
                lines.append("       ! " + el)
        if r.logs:
            lines.append("       logs: " + r.logs)
    npass = sum(r.passed for r in results)
    nskip = sum(bool(r.skipped) for r in results)
    nfail = len(results) - npass - nskip
    lines.append("-" * len(title))
    lines.append("%d passed, %d failed, %d skipped" % (npass, nfail, nskip))
    return "\n".join(lines) + "\n"


def write_json(results, directory):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "lab-report.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump([r.to_json() for r in results], f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path


def read_json(directory):
    """The results in directory/lab-report.json (as write_json wrote them)."""
    with open(os.path.join(directory, "lab-report.json")) as f:
        return [ScenarioResult.from_json(d) for d in json.load(f)]


def exit_code(results):
    """0 when nothing failed (skips are not failures but are reported), 1 otherwise."""
    return 0 if all(r.passed or r.skipped for r in results) else 1
