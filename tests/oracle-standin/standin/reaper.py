"""Prompt reaping of the stand-in's daemon processes.

The instance and listener processes are daemons (double fork): they end up
children of the nearest "child subreaper", normally init. On this project's
test machines PID 1 reaps orphans only every second or two, so a stopped
ora_pmon_SID lingers as a zombie ("[ora_pmon_ORCL] <defunct>" in ps) - which
fools ps-based checks such as resource-agents' is_proc_running(). A test
harness can become the subreaper itself and reap them at once:

  in Python:  from standin import reaper; reaper.install()
  any command: tests/oracle-standin/bin/standin-reaper CMD [ARGS...]
"""
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)
_installed = False
NAMES = ("ora_", "tnslsnr")


def _children(pid):
    res = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                res.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return res


def _zombie_name(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    name = data[data.index("(") + 1:data.rindex(")")]
    state = data[data.rindex(")") + 2]
    return name if state == "Z" else None


def reap_once():
    me = os.getpid()
    for pid in _children(me):
        name = _zombie_name(pid)
        if name and name.startswith(NAMES):
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def install(interval=0.02):
    """Make this process the subreaper of its descendants and reap the
    stand-in's orphans (only those: subprocess keeps its own children)."""
    global _installed
    if _installed:
        return
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _installed = True

    def loop():
        while True:
            reap_once()
            time.sleep(interval)

    threading.Thread(target=loop, name="standin-reaper", daemon=True).start()


def main():
    """standin-reaper CMD [ARGS...]: run CMD as a subreaper, reaping every
    orphan at once; exit with CMD's status."""
    if len(sys.argv) < 2:
        print("usage: standin-reaper CMD [ARGS...]", file=sys.stderr)
        return 2
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        except OSError as e:
            print("standin-reaper: %s: %s" % (sys.argv[1], e), file=sys.stderr)
            os._exit(127)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda n, f, pid=pid: os.kill(pid, n))
    while True:
        try:
            p, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 1
        except InterruptedError:
            continue
        if p == pid:
            return os.waitstatus_to_exitcode(status) & 0xff if hasattr(
                os, "waitstatus_to_exitcode") else status >> 8
