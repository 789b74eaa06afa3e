"""lsnrctl, tnsping and the tnslsnr process of the stand-in.

The listener is a real process (argv: $ORACLE_HOME/bin/tnslsnr NAME -inherit)
that binds the TCP (and IPC, as a Unix socket in the state directory)
addresses of listener.ora and answers a tiny line protocol (PING, STATUS,
STOP, CONNECT service). Services are registered dynamically from running
instances of the same state directory whose local_listener matches (or, when
local_listener is unset, listeners on port 1521), statically from
SID_LIST_<NAME>."""
import json
import re
import os
import select
import signal
import socket
import sys
import time

from . import common as C
from . import faults as F
from . import instance as I

HEADER_LSNRCTL = ("\nLSNRCTL for Linux: Version %s - Production on %s\n\n"
                  "Copyright (c) 1991, 2019, Oracle.  All rights reserved.\n")
HEADER_TNSPING = ("\nTNS Ping Utility for Linux: Version %s - Production on %s\n\n"
                  "Copyright (c) 1997, 2019, Oracle.  All rights reserved.\n")
# Error stacks as printed by lsnrctl / tnsping on Linux (see README.md)
NO_LISTENER = ["TNS-12541: TNS:no listener",
               " TNS-12560: TNS:protocol adapter error",
               "  TNS-00511: No listener",
               "   Linux Error: 111: Connection refused"]
ADDR_IN_USE = ["TNS-12542: TNS:address already in use",
               " TNS-12560: TNS:protocol adapter error",
               "  TNS-00512: Address already in use",
               "   Linux Error: 98: Address already in use"]
NO_HOST = ["TNS-12545: Connect failed because target host or object does not exist",
           " TNS-12560: TNS:protocol adapter error",
           "  TNS-00515: Connect failed because target host or object does not exist",
           "   Linux Error: 99: Cannot assign requested address"]


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def lsnr_path(sdir, name):
    return os.path.join(sdir, "lsnr-%s.json" % name)


def listener_config(home, name):
    """(endpoints, static services, listener.ora path) or None if NAME is
    not configured (LISTENER gets the default address)."""
    path = os.path.join(C.tns_admin(home), "listener.ora")
    conf = C.parse_net_file(path)
    if name in conf and isinstance(conf[name][1], list):
        eps = C.addresses(conf[name][1])
    elif name == "LISTENER":
        eps = [("tcp", socket.gethostname(), 1521)]
    else:
        return None
    static = []
    sl = conf.get("SID_LIST_" + name)
    if sl and isinstance(sl[1], list):
        for sd in C.nv_find_all(sl[1], "SID_DESC"):
            sid = C.nv_get(sd, "SID_NAME")
            gdb = C.nv_get(sd, "GLOBAL_DBNAME") or sid
            if sid:
                static.append((gdb, sid))
    return eps, static, path


def ipc_path(sdir, key):
    d = C.makedirs(os.path.join(sdir, "ipc"))
    return os.path.join(d, "s" + key)


def connect_ep(sdir, ep, timeout=None):
    proto, host, port = ep
    if proto == "ipc":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(ipc_path(sdir, port))
        return s
    return socket.create_connection((host, port), timeout=timeout)


def request(sock, line):
    sock.sendall((line + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


# ---------------------------------------------------------------------------
# the listener process
# ---------------------------------------------------------------------------

def services(home, sdir, name, eps, static):
    svc = {}
    for gdb, sid in static:
        svc.setdefault(gdb.upper(), []).append({"instance": sid, "status": "UNKNOWN",
                                                "handlers": 1})
    ports = {p for pr, h, p in eps if pr != "ipc"}
    for fn in sorted(os.listdir(sdir)):
        if not (fn.startswith("inst-") and fn.endswith(".json")):
            continue
        sid = fn[5:-5]
        inst = I.Inst(home, sdir, sid)
        if not inst.running:
            continue
        prm = inst.st.get("params", {})
        ll = prm.get("local_listener", "")
        if ll:
            tree = None
            if "(" in ll:
                text = "X=" + ll
                try:
                    tree = C.parse_net_file_text(text)
                except Exception:
                    tree = None
            else:
                tn = C.parse_net_file(os.path.join(C.tns_admin(home), "tnsnames.ora"))
                if ll.upper() in tn and isinstance(tn[ll.upper()][1], list):
                    tree = tn[ll.upper()][1]
            reg_ports = {p for pr, h, p in C.addresses(tree or [])}
            if not reg_ports & ports:
                continue
        elif 1521 not in ports:
            continue
        status = {"OPEN": "READY"}.get(inst.status, "BLOCKED")
        if inst.st.get("logins") == "RESTRICTED":
            status = "RESTRICTED"
        names = prm.get("service_names") or prm.get("db_name") or sid
        for sn in names.split(","):
            svc.setdefault(sn.strip().upper(), []).append(
                {"instance": sid, "status": status, "handlers": 1})
    return svc


def _hung(sdir, log):
    """Whether the hang-listener fault is set. A fault file of no known fault
    stops tnslsnr (its stderr is /dev/null: the reason goes to its log)."""
    try:
        return C.fault(sdir, F.HANG_LISTENER) is not None
    except F.UnknownFault as e:
        with open(log, "a") as f:
            f.write("standin tnslsnr: exiting: %s\n" % e)
        os._exit(1)


def tnslsnr_main(cfg):
    cfg = json.loads(cfg)
    C.set_comm("tnslsnr")
    os.chdir("/")
    name, home, sdir = cfg["name"], cfg["home"], cfg["sdir"]
    ready = cfg["ready_fd"]
    socks = []
    try:
        for ep in cfg["endpoints"]:
            proto, host, port = ep
            if proto == "ipc":
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                p = ipc_path(sdir, port)
                try:
                    os.unlink(p)
                except OSError:
                    pass
                s.bind(p)
            else:
                try:
                    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except socket.gaierror:
                    raise OSError(99, "no host")
                fam, _, _, _, addr = infos[0]
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(addr)
            s.listen(16)
            socks.append(s)
    except OSError as e:
        os.write(ready, json.dumps({"ok": False, "errno": e.errno, "ep": ep}).encode())
        os._exit(1)
    start = time.time()
    try:    # lsnrctl may have been killed meanwhile
        os.write(ready, json.dumps({"ok": True, "pid": os.getpid(),
                                    "starttime": C.proc_starttime(os.getpid()),
                                    "start": start}).encode())
    except OSError:
        pass
    os.close(ready)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    while True:
        if _hung(sdir, cfg["log"]):
            time.sleep(0.2)
            continue
        rl, _, _ = select.select(socks, [], [], 0.5)
        for s in rl:
            try:
                c, _ = s.accept()
            except OSError:
                continue
            while _hung(sdir, cfg["log"]):
                time.sleep(0.1)   # hung: the connection is accepted, never answered
            c.settimeout(5)
            try:
                line = b""
                while not line.endswith(b"\n"):
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    line += chunk
                req = line.decode(errors="replace").strip().split()
                cmd = req[0].upper() if req else ""
                if cmd == "PING":
                    c.sendall(b"OK\n")
                elif cmd in ("STATUS", "SERVICES"):
                    st = {"alias": name, "start": start, "params": cfg["params_file"],
                          "log": cfg["log"], "endpoints": cfg["endpoints"],
                          "services": services(home, sdir, name, cfg["endpoints"],
                                               cfg["static"])}
                    c.sendall((json.dumps(st) + "\n").encode())
                elif cmd == "STOP":
                    c.sendall(b"OK\n")
                    c.close()
                    for s2 in socks:
                        s2.close()
                    for ep in cfg["endpoints"]:
                        if ep[0] == "ipc":
                            try:
                                os.unlink(ipc_path(sdir, ep[2]))
                            except OSError:
                                pass
                    os._exit(0)
                elif cmd == "CONNECT":
                    want = req[1].upper() if len(req) > 1 else ""
                    svc = services(home, sdir, name, cfg["endpoints"], cfg["static"])
                    insts = svc.get(want, [])
                    if not insts:
                        c.sendall(b"ERR 12514\n")
                    else:
                        ok = [i for i in insts if i["status"] in ("READY", "UNKNOWN")]
                        if ok:
                            c.sendall(("OK %s\n" % ok[0]["instance"]).encode())
                        elif any(i["status"] == "RESTRICTED" for i in insts):
                            c.sendall(b"ERR 12526\n")
                        else:
                            c.sendall(b"ERR 12528\n")
                else:
                    c.sendall(b"ERR 12560\n")
            except OSError:
                pass
            finally:
                try:
                    c.close()
                except OSError:
                    pass


def _lsnr_exe(home, sdir):
    p = os.path.join(home, "bin", "tnslsnr")
    if os.path.islink(p) and "python" in os.path.basename(os.path.realpath(p)):
        return p, p
    return C.python_link(sdir, "tnslsnr"), os.path.join(home, "bin", "tnslsnr")


def start_listener(home, sdir, name, eps, static, pfile):
    """Start tnslsnr; returns (report dict)."""
    exe, argv0 = _lsnr_exe(home, sdir)
    rundir = C.makedirs(os.path.join(sdir, "run", "lsnr-" + name))
    r, w = os.pipe()
    log = os.path.join(sdir, "diag", "tnslsnr", socket.gethostname(), name.lower(), "alert",
                       "log.xml")
    C.makedirs(os.path.dirname(log))
    cfg = {"name": name, "home": home, "sdir": sdir, "ready_fd": w, "endpoints": eps,
           "static": static, "params_file": pfile, "log": log}
    # Python runs the file named like the listener (its first argument)
    # from the working directory, so that the command line is exactly
    # "tnslsnr NAME -inherit" like Oracle's.
    with open(os.path.join(rundir, name), "w") as f:
        f.write("import sys\nsys.path.insert(0, %r)\nfrom standin import listener\n"
                "listener.tnslsnr_main(%r)\n" % (C.LIBDIR, json.dumps(cfg)))
    C.fix_owner(os.path.join(rundir, name))
    env = C.clean_env({"ORACLE_HOME": home})
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            C.daemonize_child()
            if os.fork() == 0:
                os.chdir(rundir)
                for fd in range(3, 1024):
                    if fd != w:
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                os.set_inheritable(w, True)
                os.execve(exe, [argv0, name, "-inherit"], env)
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.close(w)
    os.waitpid(pid, 0)
    data = b""
    end = time.time() + 15
    while time.time() < end:
        rl, _, _ = select.select([r], [], [], max(0, end - time.time()))
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
        return {"ok": False, "errno": 0}


def lsnr_running(sdir, name):
    st = C.read_json(lsnr_path(sdir, name), {}) or {}
    pid = st.get("pid")
    if pid and C.proc_alive(pid, st.get("starttime")):
        return st
    return None


def answers(sdir, eps):
    """Does a listener answer on one of EPS? (what lsnrctl start checks)"""
    for ep in eps:
        try:
            s = connect_ep(sdir, ep, timeout=2)
        except OSError:
            continue
        try:
            s.settimeout(2)
            if request(s, "PING").startswith("OK"):
                return True
        except OSError:
            pass
        finally:
            s.close()
    return False


def print_status(st):
    out("STATUS of the LISTENER")
    out("------------------------")
    up = int(time.time() - st["start"])
    rows = [
        ("Alias", st["alias"]),
        ("Version", "TNSLSNR for Linux: Version %s - Production" % C.VERSION_FULL),
        ("Start Date", C.ora_date(st["start"])),
        ("Uptime", "%d days %d hr. %d min. %d sec" % (up // 86400, up // 3600 % 24,
                                                     up // 60 % 60, up % 60)),
        ("Trace Level", "off"),
        ("Security", "ON: Local OS Authentication"),
        ("SNMP", "OFF"),
        ("Listener Parameter File", st["params"]),
        ("Listener Log File", st["log"]),
    ]
    for k, v in rows:
        out("%-26s%s" % (k, v))
    out("Listening Endpoints Summary...")
    for ep in st["endpoints"]:
        out("  (DESCRIPTION=%s)" % C.addr_text(ep, upper=False))
    print_services(st)


def print_services(st):
    svc = st["services"]
    if not svc:
        out("The listener supports no services")
        return
    out("Services Summary...")
    for name in sorted(svc):
        insts = svc[name]
        out('Service "%s" has %d instance(s).' % (name, len(insts)))
        for i in insts:
            out('  Instance "%s", status %s, has %d handler(s) for this service...'
                % (i["instance"], i["status"], i["handlers"]))


def talk(sdir, eps, line):
    """Connect to the listener's addresses in order, printing what lsnrctl
    prints. Returns the reply or None."""
    for ep in eps:
        out("Connecting to (DESCRIPTION=%s)" % C.addr_text(ep))
        try:
            s = connect_ep(sdir, ep)
        except OSError:
            for l in NO_LISTENER:
                out(l)
            continue
        try:
            return request(s, line)
        except OSError:
            for l in NO_LISTENER:
                out(l)
        finally:
            s.close()
    return None


def lsnrctl_cmd(home, sdir, cmd, name):
    cmd = cmd.lower()
    name = (name or "LISTENER").upper()
    if cmd in ("version",):
        out("TNSLSNR for Linux: Version %s - Production" % C.VERSION_FULL)
        out("The command completed successfully")
        return 0
    if cmd in ("help",):
        out("The following operations are available\nAn asterisk (*) denotes a modifier or "
            "extended command:\n\nstart           stop            status          services\n"
            "version         reload          save_config     trace\nquit            exit")
        return 0
    if cmd not in ("start", "stop", "status", "services", "reload"):
        out("NL-00853: undefined command \"%s\".  Try \"help\"" % cmd)
        return 1
    conf = listener_config(home, name)
    if conf is None:
        out("TNS-01151: Missing listener name, %s, in LISTENER.ORA" % name)
        return 1
    eps, static, pfile = conf
    with C.Lock(sdir, "lsnr-%s.lock" % name):
        running = lsnr_running(sdir, name)
        if cmd == "start":
            if not running and answers(sdir, eps):
                running = True   # started, but not recorded (lsnrctl killed?)
            if running:
                out("TNS-01106: Listener using listener name %s has already been started"
                    % name)
                return 1
            out("Starting %s: please wait..." % os.path.join(home, "bin", "tnslsnr"))
            out()
            out("TNSLSNR for Linux: Version %s - Production" % C.VERSION_FULL)
            out("System parameter file is %s" % pfile)
            rep = start_listener(home, sdir, name, eps, static, pfile)
            if not rep.get("ok"):
                e = rep.get("errno")
                for l in (ADDR_IN_USE if e == 98 else NO_HOST if e in (99, -2) else
                          NO_HOST if e else ["TNS-12560: TNS:protocol adapter error"]):
                    out(l)
                out()
                out("Listener failed to start. See the error message(s) above...")
                out()
                return 1
            C.write_json(lsnr_path(sdir, name), {"name": name, "pid": rep["pid"],
                                                 "starttime": rep["starttime"],
                                                 "start": rep["start"]})
            log = os.path.join(sdir, "diag", "tnslsnr", socket.gethostname(), name.lower(),
                               "alert", "log.xml")
            out("Log messages written to %s" % log)
            for ep in eps:
                out("Listening on: (DESCRIPTION=%s)" % C.addr_text(ep, upper=False))
            out()
            reply = talk(sdir, eps, "STATUS")
            if reply:
                print_status(json.loads(reply))
                out("The command completed successfully")
                return 0
            return 1
        if cmd == "stop":
            reply = talk(sdir, eps, "STOP")
            if reply is None:
                return 1
            if running:
                C.wait_gone([running["pid"]], 10)
            out("The command completed successfully")
            return 0
        if cmd == "reload":
            reply = talk(sdir, eps, "PING")
            if reply is None:
                return 1
            out("The command completed successfully")
            return 0
        reply = talk(sdir, eps, "STATUS")
        if reply is None:
            return 1
        st = json.loads(reply)
        if cmd == "status":
            print_status(st)
        else:
            print_services(st)
        out("The command completed successfully")
        return 0


def lsnrctl_main():
    try:
        home = C.oracle_home()
    except C.StandinError:
        out("Message 1070 not found; No message file for product=network, facility=TNS")
        os._exit(1)
    sdir = C.state_dir(home)
    if C.fault(sdir, F.HANG_LSNRCTL) is not None:
        C.hang_forever(C.fault(sdir, F.HANG_LSNRCTL) == F.IGNORE_TERM)
    args = sys.argv[1:]
    sys.stdout.write(HEADER_LSNRCTL % (C.VERSION_FULL, C.ora_date()) + "\n")
    code = 0
    if args:
        code = lsnrctl_cmd(home, sdir, args[0], args[1] if len(args) > 1 else None)
    else:
        while True:
            sys.stdout.write("LSNRCTL> ")
            sys.stdout.flush()
            line = sys.stdin.readline()
            if not line:
                out()
                break
            w = line.split()
            if not w:
                continue
            if w[0].lower() in ("exit", "quit"):
                break
            code = lsnrctl_cmd(home, sdir, w[0], w[1] if len(w) > 1 else None)
    sys.stdout.flush()
    os._exit(code)


# ---------------------------------------------------------------------------
# name resolution (tnsnames.ora / EZCONNECT), tnsping, sqlplus user@alias
# ---------------------------------------------------------------------------

def resolve(home, alias):
    """(adapter, descriptor text, tree) or None."""
    tn = C.parse_net_file(os.path.join(C.tns_admin(home), "tnsnames.ora"))
    if alias.upper() in tn and isinstance(tn[alias.upper()][1], list):
        raw, tree = tn[alias.upper()]
        return "TNSNAMES", re.sub(r"\s+\)", ")", C.squeeze(raw)), tree
    if alias.startswith("("):
        try:
            tree = C.parse_net_file_text("X=" + alias)
        except Exception:
            return None
        return "", alias, tree
    if "." in alias or ":" in alias or "/" in alias:
        hostport, _, svc = alias.partition("/")
        host, _, port = hostport.partition(":")
        port = int(port or 1521)
        text = ("(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=%s))(ADDRESS=(PROTOCOL=tcp)"
                "(HOST=%s)(PORT=%d)))" % (svc, host, port))
        tree = [("DESCRIPTION", [("CONNECT_DATA", [("SERVICE_NAME", svc)]),
                                 ("ADDRESS", [("PROTOCOL", "tcp"), ("HOST", host),
                                              ("PORT", str(port))])])]
        return "EZCONNECT", text, tree
    return None


def tnsping_main():
    try:
        home = C.oracle_home()
    except C.StandinError:
        out("TNS-03505: Failed to resolve name")
        os._exit(1)
    sdir = C.state_dir(home)
    if C.fault(sdir, F.HANG_TNSPING) is not None:
        C.hang_forever(C.fault(sdir, F.HANG_TNSPING) == F.IGNORE_TERM)
    args = sys.argv[1:]
    sys.stdout.write(HEADER_TNSPING % (C.VERSION_FULL, C.ora_date()) + "\n")
    if not args:
        out("Usage: tnsping <address> [<count>]")
        os._exit(1)
    count = int(args[1]) if len(args) > 1 and args[1].isdigit() else 1
    out("Used parameter files:")
    out(os.path.join(C.tns_admin(home), "sqlnet.ora"))
    out()
    r = resolve(home, args[0])
    if r is None:
        out("TNS-03505: Failed to resolve name")
        out()
        os._exit(1)
    adapter, text, tree = r
    out()
    if adapter:
        out("Used %s adapter to resolve the alias" % adapter)
    out("Attempting to contact %s" % text)
    code = 0
    for _ in range(count):
        t0 = time.time()
        res = "TNS-12541: TNS:no listener"
        for ep in C.addresses(tree):
            try:
                s = connect_ep(sdir, ep)
            except socket.gaierror:
                res = "TNS-12545: Connect failed because target host or object does not exist"
                continue
            except OSError:
                res = "TNS-12541: TNS:no listener"
                continue
            try:
                if request(s, "PING").startswith("OK"):
                    res = None
                    break
                res = "TNS-12537: TNS:connection closed"
            except OSError:
                res = "TNS-12537: TNS:connection closed"
            finally:
                s.close()
        else:
            if not C.addresses(tree):
                res = "TNS-12533: TNS:illegal ADDRESS parameters"
        if res:
            out(res)
            code = 1
            break
        out("OK (%d msec)" % int((time.time() - t0) * 1000))
    sys.stdout.flush()
    os._exit(code)


def check_alias_for_connect(home, alias, sdir=None):
    """Network path of CONNECT user/pw@alias. Returns the SID serving the
    service; raises OraError like the client library."""
    from .db import OraError
    sdir = sdir or C.state_dir(home)
    r = resolve(home, alias)
    if r is None:
        raise OraError("ORA-12154: TNS:could not resolve the connect identifier specified")
    _, _, tree = r
    svc = C.nv_get(tree, "SERVICE_NAME") or C.nv_get(tree, "SID")
    last = "ORA-12541: TNS:no listener"
    for ep in C.addresses(tree):
        try:
            s = connect_ep(sdir, ep)
        except OSError:
            continue
        try:
            reply = request(s, "CONNECT %s" % svc)
        except OSError:
            continue
        finally:
            s.close()
        if reply.startswith("OK"):
            return reply.split()[1]
        code = int(reply.split()[1])
        last = {12514: "ORA-12514: TNS:listener does not currently know of service requested "
                       "in connect descriptor",
                12526: "ORA-12526: TNS:listener: all appropriate instances are in restricted "
                       "mode",
                12528: "ORA-12528: TNS:listener: all appropriate instances are blocking new "
                       "connections"}.get(code, "ORA-12560: TNS:protocol adapter error")
        break
    raise OraError(last)
