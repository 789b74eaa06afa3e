"""standin-ctl: fault injection and inspection for the Oracle stand-in.

usage: standin-ctl [--home DIR] [--sid SID] COMMAND ...
  hang sqlplus|lsnrctl|tnsping|listener|commit|instance [--ignore-term]
                         sqlplus: every connect/statement blocks forever
                         listener: tnslsnr stops answering (clients block)
                         commit: COMMIT blocks (frozen storage)
  slow sqlplus SECONDS   every connect/statement takes SECONDS longer
  crash instance         kill -9 PMON (the instance dies, leftovers remain)
  crash listener [NAME]  kill -9 the tnslsnr process
  kill-bg NAME           kill -9 one background process (smon, lgwr, ...)
  refuse-logins [CODE] [--sysdba]
                         password logins fail with ORA-CODE (default 1017,
                         e.g. 257 archiver stuck, 28000 locked); --sysdba:
                         OS authentication fails too (ORA-01031)
  lose-datafile [N]      rename data file N (default 4, USERS) away: OPEN
                         stops at MOUNTED with ORA-01157/ORA-01110
  lose-controlfile       rename the control file away (ORA-00205 at mount)
  clear [FAULT]          remove all faults (or one) and restore lost files
  status                 JSON: instance, listeners, faults, processes
Defaults: ORACLE_HOME / ORACLE_SID from the environment.
Faults (standin/faults.py; an unknown name is refused): %s"""
import json
import os
import signal
import sys

from . import common as C
from . import db as D
from . import faults as F
from . import instance as I
from . import listener as L

__doc__ %= ", ".join(F.NAMES)


def _unknown(what):
    print("standin-ctl: %s (known faults: %s)" % (what, F.known()), file=sys.stderr)
    return 2


def _signal_instance(inst, sig):
    """Sends SIG to every live process of the instance (hang instance: SIGSTOP; clear: SIGCONT)."""
    for pid in inst.alive_procs():
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _params(home, sid):
    inst = I.Inst(home, C.state_dir(home), sid)
    if inst.st.get("params"):
        return inst.st["params"]
    pf = C.find_param_file(home, sid)
    return C.parse_params(pf) if pf else {}


def main():
    args = sys.argv[1:]
    home = os.environ.get("ORACLE_HOME", "")
    sid = os.environ.get("ORACLE_SID", "")
    while args and args[0] in ("--home", "--sid"):
        opt = args.pop(0)
        val = args.pop(0)
        if opt == "--home":
            home = val
        else:
            sid = val
    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if not home:
        print("standin-ctl: ORACLE_HOME not set (use --home)", file=sys.stderr)
        return 2
    home = os.path.abspath(home)
    sdir = C.state_dir(home)
    fdir = C.faults_dir(sdir)
    cmd = args.pop(0)
    flags = [a for a in args if a.startswith("--")]
    args = [a for a in args if not a.startswith("--")]

    def setf(name, content=""):
        F.check(name)
        with open(os.path.join(fdir, name), "w") as f:
            f.write(content)
        os.chmod(os.path.join(fdir, name), 0o666)
        C.fix_owner(os.path.join(fdir, name))

    if cmd == "hang":
        what = args[0] if args else "sqlplus"
        name = F.target("hang", what)
        if name is None:
            return _unknown("cannot hang %r: no such fault; hang takes one of %s"
                            % (what, ", ".join(F.targets("hang"))))
        setf(name, F.IGNORE_TERM if "--ignore-term" in flags else "")
        if name == F.HANG_INSTANCE:
            _signal_instance(I.Inst(home, sdir, sid), signal.SIGSTOP)
        return 0
    if cmd == "slow":
        name = F.target("slow", args[0]) if args else None
        if args and name is None:
            return _unknown("cannot slow %r: no such fault; slow takes one of %s"
                            % (args[0], ", ".join(F.targets("slow"))))
        if len(args) != 2:
            print("standin-ctl: usage: slow %s SECONDS" % "|".join(F.targets("slow")),
                  file=sys.stderr)
            return 2
        setf(name, str(float(args[1])))
        return 0
    if cmd == F.REFUSE_LOGINS:    # the command is named like its fault
        code = args[0] if args else "1017"
        code = code.upper().replace("ORA-", "").lstrip("0") or "0"
        setf(F.REFUSE_LOGINS, code + (" " + F.SYSDBA if "--sysdba" in flags else ""))
        return 0
    if cmd == "crash":
        what = args[0] if args else "instance"
        if what == "instance":
            inst = I.Inst(home, sdir, sid)
            if not inst.running:
                print("standin-ctl: instance %s is not running" % sid, file=sys.stderr)
                return 1
            pm = inst.st["pmon"]["pid"]
            os.kill(pm, signal.SIGKILL)
            C.wait_gone(inst.alive_procs(), 10)
            return 0
        if what == "listener":
            name = (args[1] if len(args) > 1 else "LISTENER").upper()
            st = L.lsnr_running(sdir, name)
            if not st:
                print("standin-ctl: listener %s is not running" % name, file=sys.stderr)
                return 1
            os.kill(st["pid"], signal.SIGKILL)
            C.wait_gone([st["pid"]], 10)
            return 0
        return 2
    if cmd == "kill-bg":
        name = args[0] if args else "smon"
        inst = I.Inst(home, sdir, sid)
        for p in inst.st.get("procs", []):
            if p["name"] == "ora_%s_%s" % (name, sid) and C.proc_alive(p["pid"], p["starttime"]):
                os.kill(p["pid"], signal.SIGKILL)
                C.wait_gone([inst.st["pmon"]["pid"]], 10)
                return 0
        print("standin-ctl: no process ora_%s_%s" % (name, sid), file=sys.stderr)
        return 1
    if cmd in ("lose-datafile", "lose-controlfile"):
        database = D.Database(_params(home, sid))
        if cmd == "lose-controlfile":
            paths = database.control_files
        else:
            n = int(args[0]) if args else 4
            ctl = database.read_control()
            paths = [df["name"] for df in ctl["datafiles"] if df["file"] == n]
        lost = C.read_json(os.path.join(fdir, F.LOST_FILES), []) or []
        for p in paths:
            if os.path.exists(p):
                os.rename(p, p + ".lost")
                lost.append(p)
        C.write_json(os.path.join(fdir, F.LOST_FILES), lost)
        return 0
    if cmd == "clear":
        which = F.resolve(args[0]) if args else None
        if args and which is None:
            return _unknown("cannot clear %r: no such fault" % args[0])
        for f in os.listdir(fdir):     # without FAULT also files of no known fault
            if which and f != which:
                continue
            if f == F.HANG_INSTANCE:
                _signal_instance(I.Inst(home, sdir, sid), signal.SIGCONT)
            if f == F.LOST_FILES:
                for p in C.read_json(os.path.join(fdir, f), []) or []:
                    if os.path.exists(p + ".lost"):
                        os.rename(p + ".lost", p)
            os.unlink(os.path.join(fdir, f))
        return 0
    if cmd == "status":
        faults = sorted(os.listdir(fdir))
        for f in F.unknown(faults):
            print("standin-ctl: fault file %s names no known fault (known faults: %s); "
                  "standin-ctl clear removes it" % (os.path.join(fdir, f), F.known()),
                  file=sys.stderr)
            return 1
        res = {"home": home, "state": sdir, "faults": faults,
               "instances": {}, "listeners": {}}
        for fn in sorted(os.listdir(sdir)):
            if fn.startswith("inst-") and fn.endswith(".json"):
                s = fn[5:-5]
                inst = I.Inst(home, sdir, s)
                res["instances"][s] = {"running": inst.running, "status": inst.status,
                                       "leftovers": inst.leftovers(),
                                       "pids": inst.alive_procs(),
                                       "logins": inst.st.get("logins"),
                                       "database_status": inst.st.get("database_status")}
            if fn.startswith("lsnr-") and fn.endswith(".json"):
                n = fn[5:-5]
                st = L.lsnr_running(sdir, n)
                res["listeners"][n] = {"running": bool(st), "pid": st and st["pid"]}
        print(json.dumps(res, indent=1, sort_keys=True))
        return 0
    print("standin-ctl: unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
