"""The instance: background processes named like Oracle's, the SGA (a SysV
shared memory segment), the lock file $ORACLE_HOME/dbs/lk<DB_NAME>, and a
small state file. The truth is the processes: the state file only says what
the instance was doing; if its PMON is gone the instance is down (crashed
when leftovers remain).
"""
import json
import os
import select
import signal
import time

from . import common as C

BG_PROCS = ["pmon", "smon", "dbw0", "lgwr", "ckpt"]
# Error an instance dies with when a background process disappears; texts
# from the Oracle Database Error Messages reference (ORA-00469..ORA-00474).
BG_DEATH_ERRORS = {
    "smon": 474, "dbw0": 471, "lgwr": 470, "ckpt": 469,
}


def inst_path(sdir, sid):
    return os.path.join(sdir, "inst-%s.json" % sid)


def alert(sdir, sid, msg):
    d = C.makedirs(os.path.join(sdir, "trace"))
    try:
        p = os.path.join(d, "alert_%s.log" % sid)
        with open(p, "a") as f:
            f.write("%s\n%s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), msg))
        C.fix_owner(p)
    except OSError:
        pass


def lk_path(home, db_name):
    return os.path.join(home, "dbs", "lk%s" % db_name.upper())


class Inst:
    """Snapshot of an instance as seen from the outside."""

    def __init__(self, home, sdir, sid):
        self.home, self.sdir, self.sid = home, sdir, sid
        self.st = C.read_json(inst_path(sdir, sid), {}) or {}
        pm = self.st.get("pmon") or {}
        self.running = bool(pm) and C.proc_alive(
            pm.get("pid"), pm.get("starttime"), "ora_pmon_%s" % sid)

    @property
    def ident(self):
        pm = self.st.get("pmon") or {}
        return (pm.get("pid"), pm.get("starttime"))

    @property
    def status(self):
        """STARTED / MOUNTED / OPEN, or None when down."""
        return self.st.get("status") if self.running else None

    def leftovers(self):
        """ORA-01081 leftovers of a dead instance: the lock file and the SGA
        segment both still there, or any process of the instance alive."""
        if self.running:
            return False
        if self.alive_procs():
            return True
        shmid = self.st.get("shmid")
        lk = self.st.get("lk") or lk_path(self.home, self.st.get("db_name") or self.sid)
        return bool(self.st) and os.path.exists(lk) and C.shm_exists(shmid)

    def alive_procs(self):
        """PIDs of this instance's processes: those recorded in the state
        and any other ora_*_SID process of this ORACLE_HOME (e.g. left by a
        sqlplus killed during STARTUP before it recorded them)."""
        res = []
        for p in self.st.get("procs", []):
            if C.proc_alive(p["pid"], p["starttime"], p["name"]):
                res.append(p["pid"])
        for pid in stray_procs(self.home, self.sid):
            if pid not in res:
                res.append(pid)
        return res


    def save(self):
        C.write_json(inst_path(self.sdir, self.sid), self.st)

    def set(self, **kw):
        self.st.update(kw)
        self.save()


def _exe(home, sdir):
    p = os.path.join(home, "bin", "oracle")
    if os.path.islink(p) and "python" in os.path.basename(os.path.realpath(p)):
        return p
    return C.python_link(sdir, "oracle")


def start_processes(home, sdir, sid, db_name, params):
    """Start PMON (which starts the other background processes) and return
    its report {pmon:{pid,starttime}, procs:[...]} or raise OSError."""
    r, w = os.pipe()
    cfg = {
        "sid": sid, "home": home, "sdir": sdir, "ready_fd": w,
        "lk": lk_path(home, db_name), "shmid": params.get("_shmid"),
        "exe": _exe(home, sdir), "libdir": C.LIBDIR,
    }
    code = ("import sys\nsys.path.insert(0, %r)\nfrom standin import bg\nbg.pmon_main(%r)\n"
            % (C.LIBDIR, json.dumps(cfg)))
    env = C.clean_env({"ORACLE_SID": sid, "ORACLE_HOME": home})
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            C.daemonize_child()
            if os.fork() == 0:
                C.exec_named(cfg["exe"], ["ora_pmon_%s" % sid], code, env, pass_fds=(w,))
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.close(w)
    os.waitpid(pid, 0)
    data = b""
    end = time.time() + 20
    while time.time() < end:
        rl, _, _ = select.select([r], [], [], max(0.0, end - time.time()))
        if not rl:
            break
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    try:
        return json.loads(data.decode())
    except ValueError:
        raise OSError("background processes did not start")


def stop_processes(inst, abort, timeout=10.0):
    """Stop the instance's processes: SIGUSR2 to PMON for an orderly stop,
    SIGKILL to every process for abort. Returns when they are gone."""
    pids = inst.alive_procs()
    pm = (inst.st.get("pmon") or {}).get("pid")
    if not abort and pm in pids:
        try:
            os.kill(pm, signal.SIGUSR2)
        except OSError:
            pass
        if C.wait_gone(pids, timeout):
            return True
    for p in inst.alive_procs():
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    return C.wait_gone(pids, timeout)


def cleanup_leftovers(inst):
    """Release the SGA and forget the instance. The lock file stays, as
    Oracle's does (it is only unlocked)."""
    C.shm_remove(inst.st.get("shmid"))
    if not inst.st.get("shmid"):
        old = C.shm_get(C.sga_key(inst.home, inst.sid))
        if old is not None:
            C.shm_remove(old)
    try:
        os.unlink(inst_path(inst.sdir, inst.sid))
    except OSError:
        pass
    inst.st = {}
    inst.running = False


def create_sga(home, sid):
    key = C.sga_key(home, sid)
    old = C.shm_get(key)
    if old is not None:
        C.shm_remove(old)
    return C.shm_get(key, create=True)


def stray_procs(home, sid):
    res = []
    suffix = ("_%s" % sid).encode()
    want = ("ORACLE_HOME=%s" % home).encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        cl = C.proc_cmdline(int(d))
        if len(cl) != 1 or not cl[0].startswith(b"ora_") or not cl[0].endswith(suffix):
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if want in env and C.proc_starttime(int(d)) is not None:
            res.append(int(d))
    return res
