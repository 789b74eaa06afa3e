"""The stand-in's faults: the one table of their names.

A fault is a file in the state directory's faults/ (common.faults_dir),
named like the fault, written by standin-ctl and read by the component that
honours it (common.fault). Every place that sets or tests a fault uses the
constants below, never a string literal: a misspelt constant is a NameError,
a misspelt name given to standin-ctl is refused, and a fault file whose name
is not in TABLE makes its reader fail (UnknownFault) instead of being ignored.

The README's list of fault files is generated from TABLE
(`python3 -m standin.faults` prints it; test_faults checks the README).

Not faults (nothing is left in faults/): standin-ctl's immediate actions
`crash instance`, `crash listener`, `kill-bg` (kill -9 of a process).
"""
import collections
import sys

Fault = collections.namedtuple("Fault", "name ctl usage does honoured_by")
Fault.__doc__ = """name: the fault file's name (what `standin-ctl clear NAME` takes);
ctl: the standin-ctl commands that set it (each a tuple of words); usage: their full form;
does: one line; honoured_by: the modules of standin/ that read it."""

# the content of a hang-* fault file set with --ignore-term
IGNORE_TERM = "ignore-term"
# in the refuse-logins file after the code: OS authentication fails too
SYSDBA = "sysdba"

HANG_SQLPLUS = "hang-sqlplus"
SLOW_SQLPLUS = "slow-sqlplus"
HANG_LSNRCTL = "hang-lsnrctl"
HANG_TNSPING = "hang-tnsping"
HANG_LISTENER = "hang-listener"
HANG_COMMIT = "hang-commit"
HANG_INSTANCE = "hang-instance"
REFUSE_LOGINS = "refuse-logins"
LOST_FILES = "lost.json"

TABLE = (
    Fault(HANG_SQLPLUS, (("hang", "sqlplus"),), "hang sqlplus [--ignore-term]",
          "every sqlplus connect and SQL statement blocks forever (--ignore-term: "
          "SIGTERM/SIGINT ignored, only SIGKILL ends it)", ("sqlplus",)),
    Fault(SLOW_SQLPLUS, (("slow", "sqlplus"),), "slow sqlplus SECONDS",
          "each sqlplus connect and SQL statement takes SECONDS longer", ("sqlplus",)),
    Fault(HANG_LSNRCTL, (("hang", "lsnrctl"),), "hang lsnrctl [--ignore-term]",
          "lsnrctl blocks at start", ("listener",)),
    Fault(HANG_TNSPING, (("hang", "tnsping"),), "hang tnsping [--ignore-term]",
          "tnsping blocks at start", ("listener",)),
    Fault(HANG_LISTENER, (("hang", "listener"),), "hang listener",
          "tnslsnr accepts connections but never answers (lsnrctl status, tnsping and "
          "@alias connects block)", ("listener",)),
    Fault(HANG_COMMIT, (("hang", "commit"),), "hang commit",
          "COMMIT and the statements that write the files (DDL, GRANT, ...) block "
          "forever: frozen storage",
          ("engine",)),
    Fault(HANG_INSTANCE, (("hang", "instance"),), "hang instance",
          "the instance freezes: its background processes are stopped (SIGSTOP, state T in "
          "/proc) and every sqlplus connect blocks forever; clear resumes them (SIGCONT)",
          ("sqlplus", "ctl")),
    Fault(REFUSE_LOGINS, (("refuse-logins",),), "refuse-logins [CODE] [--sysdba]",
          "password logins fail with ORA-CODE (default 01017; e.g. 257, 28000, 28001); "
          "--sysdba: OS authentication fails too (ORA-01031)", ("sqlplus",)),
    Fault(LOST_FILES, (("lose-datafile",), ("lose-controlfile",)),
          "lose-datafile [N] / lose-controlfile",
          "lists the data file N (default 4, USERS) or control files renamed to *.lost "
          "(the missing files then give ORA-01157/ORA-00205/ORA-01116); clear renames them "
          "back", ("ctl",)),
)

BY_NAME = {f.name: f for f in TABLE}
NAMES = tuple(f.name for f in TABLE)
# other names `standin-ctl clear` accepts
ALIASES = {"lost": LOST_FILES}


class UnknownFault(Exception):
    """A fault name that is not in TABLE: a typo in code, on standin-ctl's
    command line or in a file of the faults directory."""


def known():
    return ", ".join(NAMES)


def check(name, where=""):
    """NAME if it is a fault of TABLE, else raise UnknownFault."""
    if name not in BY_NAME:
        raise UnknownFault("unknown fault %r%s (known faults: %s)"
                           % (name, " " + where if where else "", known()))
    return name


def unknown(files):
    """The FILES (names in the faults directory) that name no known fault. The
    temporary file common.write_json writes before renaming it (NAME.tmpPID)
    counts as its fault's."""
    return [f for f in files if f not in BY_NAME
            and not (".tmp" in f and f.rsplit(".tmp", 1)[0] in BY_NAME
                     and f.rsplit(".tmp", 1)[1].isdigit())]


def resolve(name):
    """The fault a name given to `standin-ctl clear` means, or None."""
    name = ALIASES.get(name, name)
    return name if name in BY_NAME else None


def target(verb, what):
    """The fault `standin-ctl VERB WHAT` sets (hang sqlplus, slow sqlplus), or None."""
    for f in TABLE:
        if (verb, what) in f.ctl:
            return f.name
    return None


def targets(verb):
    """The WHATs of `standin-ctl VERB WHAT`."""
    return [c[1] for f in TABLE for c in f.ctl if len(c) == 2 and c[0] == verb]


README_BEGIN = "<!-- fault table: generated by `python3 -m standin.faults` from standin/faults.py -->"
README_END = "<!-- end of the fault table -->"


def readme_table():
    """The README's table of fault files (between README_BEGIN and README_END)."""
    lines = [README_BEGIN,
             "| fault file (`clear NAME`) | set by `standin-ctl` | effect | honoured by |",
             "| --- | --- | --- | --- |"]
    for f in TABLE:
        lines.append("| `%s` | `%s` | %s | %s |" % (
            f.name, f.usage, f.does.replace("|", "\\|"),
            ", ".join("`standin/%s.py`" % m for m in f.honoured_by)))
    lines.append(README_END)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(readme_table())
