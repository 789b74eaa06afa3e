"""Shared helpers of the Oracle stand-in: where things live, state files,
locking, /proc process checks, the spawning of Oracle-named processes.

Nothing here talks to a real Oracle; see README.md for the model.
"""
import ctypes
import fcntl
import json
import os
import signal
import socket
import sys
import time
import zlib

from . import faults as F

LIBDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

VERSION_FULL = "19.0.0.0.0"
VERSION_RU = "19.3.0.0.0"
DB_BANNER = "Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production"

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15
PR_SET_PDEATHSIG = 1


class StandinError(Exception):
    """Environment error that the real tool would report in its own words."""


# --------------------------------------------------------------------------
# environment and paths
# --------------------------------------------------------------------------

def oracle_home(required=True):
    home = os.environ.get("ORACLE_HOME", "")
    if home:
        return os.path.abspath(home)
    if required:
        raise StandinError("ORACLE_HOME")
    return ""


def makedirs(d):
    """os.makedirs, giving new directories to the owner of their parent
    when run as root (see fix_owner)."""
    d = os.path.abspath(d)
    if os.path.isdir(d):
        return d
    makedirs(os.path.dirname(d))
    try:
        os.mkdir(d)
    except FileExistsError:
        return d
    fix_owner(d)
    return d


def state_dir(home=None):
    d = os.environ.get("TWINARRAY_STANDIN_STATE")
    if not d:
        d = os.path.join(home or oracle_home(), "standin")
    makedirs(d)
    return d


def tns_admin(home):
    return os.environ.get("TNS_ADMIN") or os.path.join(home, "network", "admin")


def faults_dir(sdir):
    d = os.path.join(sdir, "faults")
    makedirs(d)
    return d


def fault(sdir, name):
    """Return the content of fault file NAME ('' if set without content),
    or None when the fault is not set. NAME must be one of faults.TABLE, and
    so must every file in the faults directory: else faults.UnknownFault
    (a typo must not silently never fire)."""
    F.check(name)
    d = os.path.join(sdir, "faults")
    try:
        present = os.listdir(d)
    except OSError:
        present = []
    for f in F.unknown(present):
        F.check(f, "in fault file %s (remove it: standin-ctl clear)" % os.path.join(d, f))
    p = os.path.join(d, name)
    try:
        with open(p) as f:
            return f.read().strip()
    except OSError:
        return None


def hang_forever(ignore_term=False):
    """Block like a process stuck in a system call."""
    if ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        time.sleep(3600)


class Lock:
    """Exclusive lock on a file in the state directory (serialises
    concurrent sqlplus / lsnrctl invocations)."""

    def __init__(self, sdir, name="lock"):
        self.path = os.path.join(sdir, name)

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        fix_owner(self.path)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def fix_owner(path):
    """When root writes into a state directory owned by the Oracle owner,
    give the file to that owner so that the owner can still update it."""
    if os.geteuid() != 0:
        return
    try:
        st = os.stat(os.path.dirname(os.path.abspath(path)))
        if st.st_uid != 0:
            os.lchown(path, st.st_uid, st.st_gid)
    except OSError:
        pass


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default
    except ValueError:
        return default


def write_json(path, data, sync=False):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
        if sync:
            f.flush()
            os.fsync(f.fileno())
    fix_owner(tmp)
    os.replace(tmp, path)
    if sync:
        dfd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


# --------------------------------------------------------------------------
# parameter files (init<SID>.ora / spfile<SID>.ora, text "name = value")
# --------------------------------------------------------------------------

def parse_params(path):
    params = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line or "=" not in line:
                continue
            k, v = line.split("=", 1)
            k = k.strip().lower()
            if k.startswith("*."):
                k = k[2:]
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            params[k] = v
    return params


def find_param_file(home, sid):
    """Search order of STARTUP without PFILE: spfileSID.ora, spfile.ora,
    initSID.ora (Oracle Database Administrator's Guide, 'About Initialization
    Parameter Files and Startup')."""
    dbs = os.path.join(home, "dbs")
    for name in ("spfile%s.ora" % sid, "spfile.ora", "init%s.ora" % sid):
        p = os.path.join(dbs, name)
        if os.path.isfile(p):
            return p
    return None


# --------------------------------------------------------------------------
# Oracle Net configuration files (listener.ora, tnsnames.ora)
# --------------------------------------------------------------------------

def _parse_nv(text, i):
    """Parse one '(NAME = value-or-children)' group starting at text[i]=='('.
    Returns ((name, value), next_index); value is str or list of pairs."""
    assert text[i] == "("
    i += 1
    j = text.index("=", i)
    name = text[i:j].strip().upper()
    i = j + 1
    children = []
    val = ""
    while i < len(text):
        c = text[i]
        if c == "(":
            child, i = _parse_nv(text, i)
            children.append(child)
        elif c == ")":
            return (name, children if children else val.strip()), i + 1
        else:
            val += c
            i += 1
    raise ValueError("unbalanced parentheses")


def parse_net_file(path):
    """Parse listener.ora / tnsnames.ora into {NAME: (text, tree)} where tree
    is a list of (name, value) pairs."""
    try:
        with open(path, errors="replace") as f:
            lines = [l for l in f if not l.lstrip().startswith("#")]
    except OSError:
        return {}
    return parse_net_text("".join(lines))


def parse_net_file_text(text):
    """Tree of the single 'NAME = (...)' entry in TEXT."""
    d = parse_net_text(text)
    return list(d.values())[0][1]


def parse_net_text(text):
    out = {}
    i = 0
    n = len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        j = text.find("=", i)
        if j < 0:
            break
        name = text[i:j].strip()
        i = j + 1
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == "(":
            start = i
            depth = 0
            trees = []
            while i < n:
                # one or more top-level groups, possibly separated by spaces
                if text[i] == "(":
                    tree, i = _parse_nv(text, i)
                    trees.append(tree)
                    k = i
                    while k < n and text[k].isspace():
                        k += 1
                    if k < n and text[k] == "(":
                        i = k
                        continue
                    break
                i += 1
            raw = text[start:i]
            for alias in name.split(","):
                out[alias.strip().upper()] = (raw, trees)
        else:
            j = text.find("\n", i)
            if j < 0:
                j = n
            for alias in name.split(","):
                out[alias.strip().upper()] = (text[i:j].strip(), text[i:j].strip())
            i = j
    return out


def nv_find_all(tree, key):
    """All values named KEY anywhere in an NV tree (list of pairs)."""
    res = []
    if isinstance(tree, list):
        for name, val in tree:
            if name == key:
                res.append(val)
            res.extend(nv_find_all(val, key))
    return res


def nv_get(tree, key, default=""):
    vals = nv_find_all(tree, key)
    return vals[0] if vals and isinstance(vals[0], str) else default


def addresses(tree):
    """[(protocol, host, port_or_key)] of every ADDRESS in an NV tree."""
    res = []
    for a in nv_find_all(tree, "ADDRESS"):
        proto = nv_get(a, "PROTOCOL").lower()
        if proto == "ipc":
            res.append(("ipc", "", nv_get(a, "KEY")))
        else:
            port = nv_get(a, "PORT", "1521")
            try:
                port = int(port)
            except ValueError:
                port = 1521
            res.append((proto or "tcp", nv_get(a, "HOST", socket.gethostname()), port))
    return res


def addr_text(a, upper=True):
    proto, host, port = a
    if proto == "ipc":
        return "(ADDRESS=(PROTOCOL=%s)(KEY=%s))" % ("IPC" if upper else "ipc", port)
    return "(ADDRESS=(PROTOCOL=%s)(HOST=%s)(PORT=%d))" % (
        proto.upper() if upper else proto.lower(), host, port)


def squeeze(text):
    return " ".join(text.split())


# --------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------

def proc_starttime(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    if rest[0] == "Z":
        return None
    return int(rest[19])


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return []


def proc_alive(pid, starttime=None, argv0=None):
    """True when PID exists, is not a zombie and (if given) has the same
    start time and argv[0] as recorded - guards against PID reuse."""
    if not pid:
        return False
    st = proc_starttime(pid)
    if st is None:
        return False
    if starttime is not None and st != starttime:
        return False
    if argv0 is not None:
        cl = proc_cmdline(pid)
        if not cl or cl[0].decode(errors="replace") != argv0:
            return False
    return True


def find_procs(argv0):
    """PIDs whose argv[0] is exactly ARGV0 (a /proc scan)."""
    want = argv0.encode()
    res = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            cl = proc_cmdline(int(d))
            if cl and cl[0] == want and proc_starttime(int(d)) is not None:
                res.append(int(d))
    return res


def set_comm(name):
    _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name[:15].encode()), 0, 0, 0)


def rename_argv_in_place(name):
    """Overwrite this process's argument area with NAME when it fits exactly
    (same length as the original single argument), so that
    /proc/self/cmdline becomes exactly NAME. Returns True on success."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state); arg_start/arg_end are fields 48/49
        start, end = int(fields[45]), int(fields[46])
    except (OSError, IndexError, ValueError):
        return False
    data = name.encode() + b"\0"
    if end - start != len(data):
        return False
    ctypes.memmove(start, data, len(data))
    return proc_cmdline(os.getpid()) == [name.encode()]


def set_pdeathsig(sig=signal.SIGKILL):
    _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


def python_link(sdir, name):
    """A symlink named NAME to the Python interpreter inside the state
    directory, so that an exec of it gets comm=NAME from the kernel."""
    d = os.path.join(sdir, "exe")
    makedirs(d)
    p = os.path.join(d, name)
    if not os.path.islink(p):
        try:
            os.symlink(os.path.realpath(sys.executable or "/usr/bin/python3"), p)
            fix_owner(p)
        except FileExistsError:
            pass
    return p


def clean_env(extra=None):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C"}
    for k in ("ORACLE_HOME", "ORACLE_SID", "TNS_ADMIN", "TWINARRAY_STANDIN_STATE"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return env


def exec_named(exe, argv, code, env, cwd="/", pass_fds=()):
    """In a forked child: exec the Python interpreter (via EXE, a link named
    like the Oracle binary) with exactly ARGV as its argument vector and
    CODE fed as the script on standard input, so that /proc/PID/cmdline is
    exactly ARGV (no interpreter arguments) - the way Oracle background
    processes look. Python runs a script from stdin when it has no
    arguments; argv beyond [0] must therefore be empty."""
    assert len(argv) == 1
    r, w = os.pipe()
    data = code.encode()
    if len(data) > 60000:
        raise ValueError("bootstrap too large for a pipe")
    os.write(w, data)
    os.close(w)
    os.dup2(r, 0)
    if r != 0:
        os.close(r)
    os.chdir(cwd)
    keep = set(pass_fds) | {0, 1, 2}
    for fd in range(3, 1024):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    for fd in pass_fds:
        os.set_inheritable(fd, True)
    os.execve(exe, argv, env)


def daemonize_child():
    """In a forked child: new session, stdio to /dev/null. Caller forks
    again if needed."""
    os.setsid()
    nul = os.open(os.devnull, os.O_RDWR)
    os.dup2(nul, 0)
    os.dup2(nul, 1)
    os.dup2(nul, 2)
    if nul > 2:
        os.close(nul)


def spawn_daemon(fn):
    """Run FN() in a grandchild detached from us (new session, reparented),
    returns after the intermediate child exited. FN must not return."""
    pid = os.fork()
    if pid == 0:
        try:
            daemonize_child()
            if os.fork() == 0:
                fn()
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.waitpid(pid, 0)


# How long wait_gone waits, once the processes have exited, for their zombies
# to be reaped (README: "Zombies and standin-reaper").
REAP_GRACE_S = 2.0


def wait_gone(pids, timeout):
    """True when none of PIDS runs any more (a zombie counts as gone), within
    TIMEOUT seconds. Before returning True it also waits, at most REAP_GRACE_S,
    for the zombies to be reaped: Oracle's shutdown returns once its processes
    have exited, and on a system whose init reaps at once `ps | grep` checks
    (resource-agents' is_proc_running) then see nothing."""
    end = time.time() + timeout
    while any(proc_starttime(p) is not None for p in pids):
        if time.time() >= end:
            return False
        time.sleep(0.02)
    reaped_by = time.time() + REAP_GRACE_S
    while time.time() < reaped_by and any(os.path.exists("/proc/%d" % p) for p in pids):
        time.sleep(0.02)
    return True


# --------------------------------------------------------------------------
# SysV shared memory: the "SGA" of an instance
# --------------------------------------------------------------------------

IPC_CREAT = 0o1000
IPC_EXCL = 0o2000
IPC_RMID = 0


def sga_key(home, sid):
    return (zlib.crc32(("%s\0%s" % (home, sid)).encode()) & 0x3fffffff) | 0x1000000


def shm_get(key, create=False, size=65536):
    flags = 0o640
    if create:
        flags |= IPC_CREAT | IPC_EXCL
    shmid = _libc.shmget(ctypes.c_int(key), ctypes.c_size_t(size if create else 0), flags)
    if shmid < 0:
        return None
    return shmid


def shm_exists(shmid):
    if shmid is None or shmid < 0:
        return False
    buf = ctypes.create_string_buffer(256)
    return _libc.shmctl(shmid, 2, buf) == 0  # IPC_STAT


def shm_remove(shmid):
    if shmid is None or shmid < 0:
        return
    _libc.shmctl(shmid, IPC_RMID, None)


def shm_attach(shmid):
    _libc.shmat.restype = ctypes.c_void_p
    return _libc.shmat(shmid, None, 0)


# --------------------------------------------------------------------------
# dates in Oracle's default formats
# --------------------------------------------------------------------------

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def ora_date(t=None, with_time=True):
    """DD-MON-YYYY HH24:MI:SS as in lsnrctl / tnsping banners."""
    lt = time.localtime(t if t is not None else time.time())
    s = "%02d-%s-%04d" % (lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year)
    if with_time:
        s += " %02d:%02d:%02d" % (lt.tm_hour, lt.tm_min, lt.tm_sec)
    return s


def nls_date(t):
    """Default NLS_DATE_FORMAT DD-MON-RR."""
    lt = time.localtime(t)
    return "%02d-%s-%02d" % (lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year % 100)
