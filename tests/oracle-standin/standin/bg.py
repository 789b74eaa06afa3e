"""Bodies of the background processes (run with argv[0] = ora_<name>_<SID>
or tnslsnr; see common.exec_named). Only the standard library."""
import fcntl
import json
import os
import signal
import time

from . import common as C
from . import instance as I


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def child_main(cfg):
    cfg = json.loads(cfg)
    child_body(cfg["name"], cfg["ppid"], cfg["ready_fd"])


def child_body(name, ppid, ready_fd):
    C.set_comm(name)
    C.set_pdeathsig(signal.SIGKILL)
    if os.getppid() != ppid:
        os._exit(1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.write(ready_fd, b"1")
    os.close(ready_fd)
    while True:
        signal.pause()


def pmon_main(cfg):
    cfg = json.loads(cfg)
    sid = cfg["sid"]
    me = "ora_pmon_%s" % sid
    C.set_comm(me)
    signal.signal(signal.SIGUSR2, _raise_stop)
    ready_fd = cfg["ready_fd"]
    # hold the lock file the way the instance does (fcntl lock)
    os.makedirs(os.path.dirname(cfg["lk"]), exist_ok=True)
    lkfd = os.open(cfg["lk"], os.O_RDWR | os.O_CREAT, 0o640)
    C.fix_owner(cfg["lk"])
    try:
        fcntl.lockf(lkfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        pass
    if cfg.get("shmid") is not None:
        C.shm_attach(cfg["shmid"])
    r, w = os.pipe()
    cfg_ppid = os.getpid()
    children = {}
    env = C.clean_env({"ORACLE_SID": sid, "ORACLE_HOME": cfg["home"]})
    for name in I.BG_PROCS[1:]:
        argv0 = "ora_%s_%s" % (name, sid)
        ccfg = json.dumps({"name": argv0, "ppid": os.getpid(), "ready_fd": w})
        code = ("import sys\nsys.path.insert(0, %r)\nfrom standin import bg\nbg.child_main(%r)\n"
                % (cfg["libdir"], ccfg))
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                signal.signal(signal.SIGUSR2, signal.SIG_DFL)
                # cheap path: a forked copy of PMON renamed in place (all
                # names ora_XXXX_SID have the same length); else exec
                if C.rename_argv_in_place(argv0):
                    for fd in range(3, 1024):   # not PMON's pipe to sqlplus, lock...
                        if fd != w:
                            try:
                                os.close(fd)
                            except OSError:
                                pass
                    child_body(argv0, cfg_ppid, w)
                C.exec_named(cfg["exe"], [argv0], code, env, pass_fds=(w,))
            finally:
                os._exit(1)
        children[pid] = name
    os.close(w)
    got = 0
    end = time.time() + 15
    while got < len(children) and time.time() < end:
        b = os.read(r, 16)
        if not b:
            break
        got += len(b)
    os.close(r)
    procs = [{"name": me, "pid": os.getpid(), "starttime": C.proc_starttime(os.getpid())}]
    for pid, name in children.items():
        procs.append({"name": "ora_%s_%s" % (name, sid), "pid": pid,
                      "starttime": C.proc_starttime(pid)})
    try:    # the sqlplus that started us may be gone (killed by a timeout)
        os.write(ready_fd, json.dumps({"pmon": procs[0], "procs": procs,
                                       "ok": got == len(children)}).encode())
    except OSError:
        pass
    os.close(ready_fd)
    I.alert(cfg["sdir"], sid, "PMON started with pid=2, OS id=%d" % os.getpid())
    try:
        while children:
            pid, status = os.wait()
            name = children.pop(pid, None)
            if name is None:
                continue
            # a background process died: the instance terminates, leaving
            # the SGA and the lock file behind (like a real crash)
            err = I.BG_DEATH_ERRORS.get(name, 471)
            I.alert(cfg["sdir"], sid,
                    "Errors in file %s/trace/%s_pmon_%d.trc:\nORA-%05d: %s process "
                    "terminated with error\nPMON (ospid: %d): terminating the instance "
                    "due to ORA error %d" % (cfg["sdir"], sid, os.getpid(), err,
                                             name.upper(), os.getpid(), err))
            for p in children:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            os._exit(1)
    except _Stop:
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        for p in list(children):
            try:
                os.kill(p, signal.SIGTERM)
            except OSError:
                pass
        for p in list(children):
            try:
                os.waitpid(p, 0)
            except OSError:
                pass
        I.alert(cfg["sdir"], sid, "Instance shutdown complete (OS id: %d)" % os.getpid())
        os._exit(0)
