"""sqlplus look-alike: reads SQL*Plus commands and SQL statements from
standard input (or from an @script), keeps its own session settings, and
prints what SQL*Plus prints. See README.md for the supported subset and for
where each message format comes from."""
import os
import re
import sys
import time

from . import common as C
from . import faults as F
from . import db as D
from . import instance as I
from .db import OraError, err
from .engine import Engine
from .sql import to_char, fmt_num, DateVal

BANNER = ("\nSQL*Plus: Release %s - Production on %s\nVersion %s\n\n"
          "Copyright (c) 1982, 2019, Oracle.  All rights reserved.\n")
CONNECTED_TO = "Connected to:\n%s\nVersion %s\n" % (C.DB_BANNER, C.VERSION_RU)
DISCONNECTED = "Disconnected from %s\nVersion %s" % (C.DB_BANNER, C.VERSION_RU)
# SGA figures printed by STARTUP (the layout of "Total System Global Area"
# and the four following lines is that of SQL*Plus; the numbers are made up)
SGA_LINES = [
    ("Total System Global Area", 1610612016),
    ("Fixed Size", 8896816),
    ("Variable Size", 385875968),
    ("Database Buffers", 1207959552),
    ("Redo Buffers", 7880704),
]

SET_KNOWN = {
    "ECHO", "VERIFY", "VER", "TERMOUT", "TERM", "TRIMSPOOL", "TRIMS", "TRIMOUT", "TRIM",
    "TIMING", "TIMI", "SERVEROUTPUT", "SERVEROUT", "DEFINE", "DEF", "TAB", "WRAP", "WRA",
    "LONG", "SQLBLANKLINES", "SQLBL", "MARKUP", "AUTOCOMMIT", "AUTO", "AUTOTRACE", "AUTOT",
    "ARRAYSIZE", "ARRAY", "SCAN", "TIME", "SQLPROMPT", "SQLP", "SHOWMODE", "SHOW",
    "EMBEDDED", "EMB", "NUMFORMAT", "NUMF", "LONGCHUNKSIZE", "SPACE", "ESCAPE", "ESC",
    "CONCAT", "CON", "TRIMSPOOL", "SQLTERMINATOR", "SQLT", "EXITCOMMIT", "EXITC",
    "FLUSH", "FLU", "PAUSE", "PAU", "APPINFO", "APPI", "TERMOUT", "RECSEP", "RECSEPCHAR",
    "WRAP", "DESCRIBE", "LOBOFFSET", "ERRORLOGGING", "STATEMENTCACHE", "COLINVISIBLE",
    "HISTORY", "LOBPREFETCH", "ROWPREFETCH", "SECUREDCOL",
}


def os_auth_ok(home):
    """OS authentication as SYSDBA: root, the owner of the Oracle software
    or a member of its group (the OSDBA group)."""
    uid = os.geteuid()
    if uid == 0:
        return True
    try:
        st = os.lstat(os.path.join(home, "bin", "oracle"))
    except OSError:
        try:
            st = os.stat(home)
        except OSError:
            return False
    if st.st_uid == uid:
        return True
    return st.st_gid in os.getgroups() or st.st_gid == os.getegid()


class Exit(Exception):
    def __init__(self, code):
        self.code = code


class Session:
    def __init__(self, silent):
        self.silent = silent
        self.home = C.oracle_home()
        self.sdir = C.state_dir(self.home)
        self.sid = os.environ.get("ORACLE_SID", "")
        self.conn = None
        self.pending = None
        self.heading = True
        self.pagesize = 14
        self.feedback = 6
        self.linesize = 80
        self.colsep = " "
        self.numwidth = 10
        self.null = ""
        self.underline = "-"
        self.newpage = 1
        self.columns = {}
        self.whenever_sql = None
        self.define = "&"     # SET DEFINE: the substitution prefix, None when OFF
        self.defines = {}     # DEFINE name = value, &&name
        self.engine = Engine(self)
        self.buffer = None

    # -- output ---------------------------------------------------------------
    def out(self, text=""):
        # TRIMOUT is ON by default: no trailing blanks
        lines = text.split("\n")
        sys.stdout.write("\n".join(l.rstrip() for l in lines) + "\n")
        sys.stdout.flush()

    def error_block(self, e, stmt=None):
        """SQL error: statement line, '*' under the position, 'ERROR at line
        N:' and the message stack (SQL*Plus User's Guide examples)."""
        if stmt is not None:
            pos = e.pos or 0
            lines = stmt.split("\n")
            off = 0
            ln = 0
            for idx, l in enumerate(lines):
                if pos <= off + len(l):
                    ln = idx
                    break
                off += len(l) + 1
            else:
                ln = len(lines) - 1
            col = max(0, pos - off)
            self.out(lines[ln])
            self.out(" " * col + "*")
            self.out("ERROR at line %d:" % (ln + 1))
        for l in e.lines:
            self.out(l)
        if stmt is None:
            self.out()

    def lost_connection(self):
        self.conn = dict(self.conn or {}, lost=True)

    # -- connection -----------------------------------------------------------
    def disconnect(self):
        if self.conn and not self.conn.get("lost"):
            try:
                if self.pending is not None and self.conn.get("ident"):
                    self.engine.commit()
            except OraError:
                pass
        self.pending = None
        self.conn = None

    def connect(self, spec, reader=None, from_argv=False):
        """CONNECT user/password[@alias] [AS SYSDBA] or / AS SYSDBA.
        Returns True when connected."""
        m = re.match(r"^\s*(.*?)(?:\s+as\s+(sysdba|sysoper|sysbackup|sysdg|syskm))?\s*;?\s*$",
                     spec, re.I)
        who, role = m.group(1), (m.group(2) or "").upper()
        if self.conn:
            self.disconnect()
        if who == "" and reader is not None:
            sys.stdout.write("Enter user-name: ")
            sys.stdout.flush()
            who = (reader() or "").strip()
            mm = re.match(r"^(.*?)\s+as\s+(sysdba|sysoper)\s*$", who, re.I)
            if mm:
                who, role = mm.group(1), mm.group(2).upper()
        # user[/password][@alias]; user and password may be "quoted" (then
        # they may contain / and @)
        mm = re.match(r'^\s*("[^"]*"|[^/@"\s]*)(?:/("[^"]*"|[^@]*))?(?:@(\S+))?\s*$', who)
        if mm:
            user, pw, alias = mm.group(1), mm.group(2), mm.group(3)
        else:
            user, pw, alias = who, None, None
        user = user.strip()
        if user.startswith('"') and user.endswith('"') and len(user) >= 2:
            user = user[1:-1]
        else:
            user = user.upper()
        if pw is not None and len(pw) >= 2 and pw[0] == pw[-1] == '"':
            pw = pw[1:-1]
        if user and pw is None and reader is not None:
            sys.stdout.write("Enter password: ")
            sys.stdout.flush()
            pw = (reader() or "").rstrip("\n")
        try:
            self._connect(user, pw, alias, role)
        except OraError as e:
            self.out("ERROR:")
            for l in e.lines:
                self.out(l)
            self.out()
            return False
        return True

    def _slow(self):
        f = C.fault(self.sdir, F.SLOW_SQLPLUS)
        if f:
            time.sleep(float(f))

    def _connect(self, user, pw, alias, role):
        if C.fault(self.sdir, F.HANG_SQLPLUS) is not None:
            C.hang_forever(C.fault(self.sdir, F.HANG_SQLPLUS) == F.IGNORE_TERM)
        if C.fault(self.sdir, F.HANG_INSTANCE) is not None:
            C.hang_forever(False)       # a frozen instance answers no connect
        self._slow()
        if alias:
            from . import listener as L
            self.sid = L.check_alias_for_connect(self.home, alias, self.sdir)
        if not self.sid:
            raise err(12162)
        refuse = C.fault(self.sdir, F.REFUSE_LOGINS)
        inst = I.Inst(self.home, self.sdir, self.sid)
        if role == "SYSDBA" or role == "SYSOPER":
            if user == "" or user == "/":
                if not os_auth_ok(self.home) or (refuse is not None and F.SYSDBA in refuse):
                    raise err(1031)
            else:
                self._check_password(inst, user, pw, sys_only=True)
            if inst.running:
                self.conn = {"user": "SYS", "sysdba": True, "ident": list(inst.ident)}
                self.out("Connected.") if not self._argv_login else None
            else:
                self.conn = {"user": "SYS", "sysdba": True, "ident": None}
                self.out("Connected to an idle instance.")
            return
        if user in ("", "/"):
            # OS authentication of a non-privileged (OPS$) user
            raise err(1017)
        if refuse is not None:
            code = refuse.split()[0] if refuse.split() and refuse.split()[0].isdigit() else ""
            if code and int(code) in D.MSG:
                raise err(int(code))
            if code:
                raise OraError("ORA-%05d: logon denied" % int(code))
            raise err(1017)
        if not inst.running:
            raise err(1034, "ORA-27101: shared memory realm does not exist",
                      "Linux-x86_64 Error: 2: No such file or directory",
                      "Additional information: 4376",
                      "Additional information: %d" % (C.sga_key(self.home, self.sid)),
                      "Process ID: 0", "Session ID: 0 Serial number: 0")
        if inst.status != "OPEN":
            raise err(1033, "Process ID: 0", "Session ID: 0 Serial number: 0")
        u = self._check_password(inst, user, pw)
        privs = set(u.get("privs", []))
        dba = "DBA" in privs
        if u.get("account_status") == "LOCKED":
            raise err(28000)
        if not (dba or "CREATE SESSION" in privs or "CONNECT" in privs):
            raise OraError("ORA-01045: user %s lacks CREATE SESSION privilege; logon denied"
                           % user)
        if inst.st.get("logins") == "RESTRICTED" and not (dba or "RESTRICTED SESSION" in privs):
            raise err(1035)
        if u.get("account_status") == "EXPIRED":
            raise OraError("ORA-28001: the password has expired")
        self.conn = {"user": user, "sysdba": False, "ident": list(inst.ident),
                     "privs": sorted(privs)}
        if not self._argv_login:
            self.out("Connected.")

    _argv_login = False

    def _check_password(self, inst, user, pw, sys_only=False):
        if sys_only and user != "SYS":
            raise err(1031)
        if sys_only and not inst.running:
            # password file authentication; the password file is not
            # modelled: SYS's password is checked against the dictionary
            # of the last open (read from disk)
            pass
        try:
            params = inst.st.get("params") or self._params_from_file()
            database = D.Database(params)
            dic = database.dictionary(database.read_control())
        except (OraError, OSError):
            raise err(1017)
        u = dic["users"].get(user)
        if not u or pw is None or D.pw_hash(pw, u["salt"])[1] != u["hash"]:
            raise err(1017)
        return u

    def _params_from_file(self):
        pf = C.find_param_file(self.home, self.sid)
        return C.parse_params(pf) if pf else {}

    # -- formatting -------------------------------------------------------------
    def print_rows(self, columns, rows):
        cols = []
        for i, (name, typ) in enumerate(columns):
            cs = self.columns.get(name.upper(), {})
            if cs.get("noprint"):
                continue
            heading = cs.get("heading", name)
            kind, n = typ if typ else ("VARCHAR2", 10)
            if "width" in cs:
                width = cs["width"]
                num = kind == "NUMBER"
            elif kind == "NUMBER":
                width = max(self.numwidth, len(heading.split("|")[0]))
                num = True
            else:
                width = n if kind != "DATE" else 9
                num = False
            hl = heading.split("|") if "heading" in cs else [heading]
            if not num and "width" not in cs:
                width = min(width, self.linesize)
                hl = [h[:width] for h in hl]
            else:
                width = max([width] + [len(h) for h in hl])
            cols.append((i, hl, width, num, kind))
        if self.pagesize > 0 and self.heading and rows:
            for _ in range(self.newpage):
                self.out()
            nlines = max(len(c[1]) for c in cols) if cols else 1
            for li in range(nlines):
                parts = []
                for i, hl, w, num, kind in cols:
                    h = hl[li] if li < len(hl) else ""
                    parts.append(h.rjust(w) if num else h.ljust(w))
                self.out(self.colsep.join(parts))
            if self.underline:
                self.out(self.colsep.join(self.underline * w for _, _, w, _, _ in cols))
        elif self.pagesize > 0 and rows:
            for _ in range(self.newpage):
                self.out()
        for r in rows:
            parts = []
            for i, hl, w, num, kind in cols:
                v = r[i]
                if v is None:
                    s = self.null
                elif isinstance(v, DateVal):
                    s = to_char(v)
                elif num or (isinstance(v, (int, float)) and not isinstance(v, str)):
                    s = fmt_num(v)
                else:
                    s = str(v)
                parts.append(s.rjust(w) if num else s.ljust(w))
            self.out(self.colsep.join(parts))
        n = len(rows)
        if n == 0:
            if self.feedback:
                self.out()
                self.out("no rows selected")
                self.out() if self.pagesize > 0 else None
            return
        if self.feedback and n >= self.feedback:
            self.out()
            self.out("%d row%s selected." % (n, "" if n == 1 else "s"))
        if self.pagesize > 0:
            self.out()

    def show_result(self, res):
        kind = res[0]
        if kind == "rows":
            self.print_rows(res[1], res[2])
        elif kind == "dml":
            if self.feedback:
                n = res[1]
                self.out()
                self.out("%d row%s %s." % (n, "" if n == 1 else "s", res[2]))
                self.out()
        elif kind == "msg":
            if self.feedback:
                self.out()
                self.out(res[1])
                self.out()
        elif kind == "raw":
            for l in res[1]:
                self.out(l)

    # -- SQL statements -----------------------------------------------------------
    def run_sql(self, text):
        self.buffer = text
        if not self.conn:
            self.out("SP2-0640: Not connected")
            return
        if self.conn.get("lost"):
            self.error_block(err(3114), text)
            return self.sqlerror(3114)
        if C.fault(self.sdir, F.HANG_SQLPLUS) is not None:
            C.hang_forever(C.fault(self.sdir, F.HANG_SQLPLUS) == F.IGNORE_TERM)
        self._slow()
        try:
            res = self.engine.execute(text)
        except OraError as e:
            self.error_block(e, text)
            self.out()
            return self.sqlerror(e.code)
        self.show_result(res)

    def sqlerror(self, code):
        if self.whenever_sql is None:
            return
        action, tx = self.whenever_sql
        if tx == "ROLLBACK":
            self.pending = None
        elif self.conn and self.pending is not None:
            try:
                self.engine.commit()
            except OraError:
                pass
        self.pending = None
        raise Exit(self.exit_code(action, code))

    @staticmethod
    def exit_code(action, code=0):
        a = (action or "SUCCESS").upper()
        if a == "SUCCESS":
            return 0
        if a == "FAILURE":
            return 1
        if a == "WARNING":
            return 2
        if a == "SQL.SQLCODE":
            return code & 0xff
        try:
            return int(a) & 0xff
        except ValueError:
            return 1

    # -- substitution variables -------------------------------------------------
    def substitute(self, line, reader):
        """SQL*Plus substitution (DEFINE ON, the default): each &name (&&name also defines
        it) is replaced by its DEFINE value, else SQL*Plus asks "Enter value for name:" and
        reads the answer from its input: with a script on standard input, that is the next
        line of the script. A '.' right after the name ends it and is dropped. With SET DEFINE
        OFF the line is taken as it is."""
        if not self.define or self.define not in line:
            return line
        pat = re.compile(re.escape(self.define) + r"(" + re.escape(self.define) +
                         r")?([A-Za-z0-9_$#]+)(\.)?")

        def one(m):
            name = m.group(2).upper()
            if name not in self.defines:
                sys.stdout.write("Enter value for %s: " % m.group(2).lower())
                sys.stdout.flush()
                value = (reader() or "").rstrip("\r\n")
                if m.group(1):
                    self.defines[name] = value
                return value
            return self.defines[name]

        return pat.sub(one, line)

    def cmd_define(self, args):
        m = re.match(r"^([A-Za-z0-9_$#]+)\s*=\s*(.*)$", args)
        if m:
            v = m.group(2).strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            self.defines[m.group(1).upper()] = v

    # -- SQL*Plus commands ------------------------------------------------------
    def cmd_set(self, args):
        """SET opt value [opt value ...] (several options on one line)."""
        toks = re.findall(r"""'[^']*'|"[^"]*"|\S+""", args)
        if not toks:
            self.out("SP2-0265: set must be followed by an option")  # close enough
            return
        i = 0
        while i < len(toks):
            opt = toks[i]
            val = toks[i + 1] if i + 1 < len(toks) else ""
            i += 2
            try:
                if not self._set1(opt, val):
                    return
            except ValueError:
                self.out('SP2-0268: %s option not a valid number' % opt.lower())
                return

    def _set1(self, opt_raw, val):
        toks = [opt_raw]
        opt = opt_raw.upper()
        v = val.strip("'\"").upper()
        if opt in ("HEADING", "HEA"):
            self.heading = v == "ON"
        elif opt in ("PAGESIZE", "PAGES"):
            self.pagesize = int(v)
        elif opt in ("FEEDBACK", "FEED"):
            self.feedback = 0 if v == "OFF" else 1 if v == "ON" else int(v.split()[0])
        elif opt in ("LINESIZE", "LINES"):
            self.linesize = int(v)
        elif opt in ("NUMWIDTH", "NUM"):
            self.numwidth = int(v)
        elif opt in ("COLSEP",):
            self.colsep = val.strip("'\"")
        elif opt in ("NULL",):
            self.null = val.strip("'\"")
        elif opt in ("UNDERLINE", "UND"):
            self.underline = "" if v == "OFF" else "-" if v == "ON" else val.strip("'\"")[:1]
        elif opt in ("NEWPAGE", "NEWP"):
            self.newpage = 0 if v == "NONE" else int(v)
        elif opt in ("DEFINE", "DEF"):
            self.define = None if v == "OFF" else "&" if v == "ON" else val.strip("'\"")[:1]
        elif opt in ("HEADSEP", "HEADS"):
            pass
        elif opt in SET_KNOWN:
            pass
        else:
            self.out('SP2-0158: unknown SET option "%s"' % toks[0])
            return False
        return True

    def cmd_column(self, args):
        m = re.match(r'^\s*("[^"]*"|\S+)\s*(.*)$', args)
        if not m:
            return
        name = m.group(1).strip('"').upper()
        rest = m.group(2)
        cs = self.columns.setdefault(name, {})
        while rest:
            mm = re.match(r"^(\S+)\s*(.*)$", rest)
            word, rest = mm.group(1).upper(), mm.group(2)
            if word in ("HEADING", "HEA", "HEAD"):
                mq = re.match(r"""^('[^']*'|"[^"]*"|\S+)\s*(.*)$""", rest)
                cs["heading"] = mq.group(1).strip("'\"")
                rest = mq.group(2)
            elif word in ("FORMAT", "FOR", "FORMA"):
                mq = re.match(r"^(\S+)\s*(.*)$", rest)
                f = mq.group(1).strip("'\"")
                rest = mq.group(2)
                if f[:1].upper() == "A" and f[1:].isdigit():
                    cs["width"] = int(f[1:])
                else:
                    cs["width"] = len(f) + 1
            elif word in ("NOPRINT", "NOPRI"):
                cs["noprint"] = True
            elif word in ("PRINT", "PRI"):
                cs.pop("noprint", None)
            elif word in ("CLEAR", "CLE"):
                self.columns.pop(name, None)
            elif word in ("NEW_VALUE", "NEW_V", "OLD_VALUE", "OLD_V", "JUSTIFY", "JUS",
                          "NULL", "NUL", "LIKE", "ALIAS", "ALI"):
                rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
            # WRAPPED/TRUNCATED/ON/OFF/... are accepted and ignored

    def cmd_whenever(self, args):
        toks = args.split()
        if len(toks) < 2 or toks[0].upper() not in ("SQLERROR", "OSERROR"):
            self.out("SP2-0591: Unable to allocate dynamic space needed (%s)" % args)
            return
        which = toks[0].upper()
        act = toks[1].upper()
        if act == "CONTINUE":
            if which == "SQLERROR":
                self.whenever_sql = None
            return
        if act != "EXIT":
            return
        code = "SUCCESS"
        tx = "COMMIT"
        for t in toks[2:]:
            if t.upper() in ("COMMIT", "ROLLBACK"):
                tx = t.upper()
            else:
                code = t
        if which == "SQLERROR":
            self.whenever_sql = (code, tx)

    def cmd_startup(self, args):
        if not self.conn:
            self.out("SP2-0640: Not connected")
            return
        if not self.conn.get("sysdba"):
            self.out(D.MSG[1031])
            return
        words = args.upper().split()
        force = "FORCE" in words
        restrict = "RESTRICT" in words
        mode = "OPEN"
        if "NOMOUNT" in words:
            mode = "NOMOUNT"
        elif "MOUNT" in words:
            mode = "MOUNT"
        pfile = None
        m = re.search(r"pfile\s*=\s*'?([^'\s]+)'?", args, re.I)
        if m:
            pfile = m.group(1)
        with C.Lock(self.sdir):
            self._startup(mode, force, restrict, pfile)

    def _startup(self, mode, force, restrict, pfile):
        inst = I.Inst(self.home, self.sdir, self.sid)
        if inst.running or inst.leftovers():
            if not force:
                self.out(D.MSG[1081])
                return
            I.stop_processes(inst, abort=True)
            I.cleanup_leftovers(inst)
        pf = pfile or C.find_param_file(self.home, self.sid)
        if not pf or not os.path.isfile(pf):
            self.out("ORA-01078: failure in processing system parameters")
            self.out("LRM-00109: could not open parameter file '%s'" % (
                pf or os.path.join(self.home, "dbs", "init%s.ora" % self.sid)))
            return
        params = C.parse_params(pf)
        db_name = params.get("db_name", self.sid).upper()
        shmid = I.create_sga(self.home, self.sid)
        params["_shmid"] = shmid
        I.alert(self.sdir, self.sid, "Starting ORACLE instance (normal)")
        try:
            rep = I.start_processes(self.home, self.sdir, self.sid, db_name, params)
        except OSError:
            C.shm_remove(shmid)
            self.out("ORA-27300: OS system dependent operation:fork failed with status: 11")
            self.out("ORA-27301: OS failure message: Resource temporarily unavailable")
            return
        inst.st = {
            "sid": self.sid, "status": "STARTED", "db_name": db_name, "params": params,
            "pmon": rep["pmon"], "procs": rep["procs"], "shmid": shmid,
            "lk": I.lk_path(self.home, db_name), "startup_time": time.time(),
            "logins": "RESTRICTED" if restrict else "ALLOWED",
            "database_status": "ACTIVE", "active_state": "NORMAL",
            "param_file": pf,
        }
        inst.running = True
        inst.save()
        self.conn = {"user": "SYS", "sysdba": True, "ident": list(inst.ident)}
        self.out("ORACLE instance started.")
        self.out()
        for label, n in SGA_LINES:
            self.out("%-24s %10d bytes" % (label, n))
        if mode == "NOMOUNT":
            return
        database = D.Database(params)
        try:
            ctl = database.read_control()
        except OraError as e:
            for l in e.lines:
                self.out(l)
            return
        inst.set(status="MOUNTED", log_mode=ctl["log_mode"])
        self.out("Database mounted.")
        if mode == "MOUNT":
            return
        try:
            self.engine.open_database(inst)
        except OraError as e:
            for l in e.lines:
                self.out(l)
            return
        self.out("Database opened.")

    def cmd_shutdown(self, args):
        if not self.conn:
            self.out("SP2-0640: Not connected")
            return
        if not self.conn.get("sysdba"):
            self.out(D.MSG[1031])
            return
        how = (args.split() or ["NORMAL"])[0].upper()
        if how not in ("NORMAL", "IMMEDIATE", "TRANSACTIONAL", "ABORT"):
            self.out("SP2-0717: illegal SHUTDOWN option")
            return
        with C.Lock(self.sdir):
            self._shutdown(how)

    def _shutdown(self, how):
        inst = I.Inst(self.home, self.sdir, self.sid)
        abort = how == "ABORT"
        if not inst.running:
            if abort:
                I.stop_processes(inst, abort=True)
                I.cleanup_leftovers(inst)
                self.out("ORACLE instance shut down.")
            else:
                self.out(D.MSG[1034])
                self.out(D.MSG[27101])
                self.out("Linux-x86_64 Error: 2: No such file or directory")
                self.out("Additional information: 4376")
                self.out("Additional information: %d" % C.sga_key(self.home, self.sid))
            self.conn = dict(self.conn, ident=None, own_startup=False)
            return
        status = inst.status
        if not abort:
            if status == "OPEN":
                try:
                    ctl = D.Database(inst.st.get("params", {})).read_control()
                    bk = ctl.get("backup", {})
                    if bk:
                        df = [d for d in ctl["datafiles"] if str(d["file"]) in bk][0]
                        self.out("ORA-01149: cannot shutdown - file %d has online backup set"
                                 % df["file"])
                        self.out("ORA-01110: data file %d: '%s'" % (df["file"], df["name"]))
                        return
                except OraError:
                    pass
                self.pending = None
                self.out("Database closed.")
                self.out("Database dismounted.")
            elif status == "MOUNTED":
                self.out(D.MSG[1109])
                self.out()
                self.out()
                self.out("Database dismounted.")
            else:
                self.out(D.MSG[1507])
                self.out()
                self.out()
        I.stop_processes(inst, abort=abort)
        I.cleanup_leftovers(inst)
        I.alert(self.sdir, self.sid, "Instance shutdown complete (%s)" % how.lower())
        self.out("ORACLE instance shut down.")
        self.conn = dict(self.conn, ident=None, own_startup=False)

    def cmd_oradebug(self, args):
        if not self.conn:
            self.out("SP2-0640: Not connected")
            return
        if not self.conn.get("sysdba"):
            self.out(D.MSG[1031])
            return
        w = args.split()
        sub = w[0].lower() if w else ""
        trace = os.path.join(self.sdir, "trace", "%s_ora_%d.trc" % (self.sid, os.getpid()))
        if sub == "setmypid":
            self.out("Statement processed.")
        elif sub == "tracefile_name":
            self.out(trace)
        elif sub == "ipc":
            inst = I.Inst(self.home, self.sdir, self.sid)
            C.makedirs(os.path.dirname(trace))
            with open(trace, "w") as f:
                # layout read by resource-agents' oracle parseipc()
                f.write("Dump of unix-generic skgm context\n")
                f.write(" Area #0 `Fixed Size' containing Subareas 0-0\n")
                f.write("   Area  Subarea    Shmid      Stable Addr      Actual Addr\n")
                f.write("      0        0 %8s 0x00000060000000 0x00000060000000\n"
                        % (inst.st.get("shmid") if inst.running else ""))
                f.write("Semaphore List=\n\n system semaphore information\n")
            self.out("Information written to trace file.")
        else:
            self.out("ORA-00074: no process has been specified")

    def cmd_show(self, args):
        w = args.split()
        what = w[0].upper() if w else ""
        if what == "USER":
            self.out('USER is "%s"' % (self.conn["user"] if self.conn else ""))
        elif what in ("SQLCODE",):
            self.out("sqlcode 0")
        else:
            self.out("SP2-0158: unknown SHOW option \"%s\"" % args.strip())


SQLPLUS_CMDS = [
    # (full name, minimum abbreviation)
    ("CONNECT", "CONN"), ("DISCONNECT", "DISC"), ("SET", "SET"), ("COLUMN", "COL"),
    ("WHENEVER", "WHENEVER"), ("STARTUP", "STARTUP"), ("SHUTDOWN", "SHUTDOWN"),
    ("EXIT", "EXIT"), ("QUIT", "QUIT"), ("PROMPT", "PRO"), ("REMARK", "REM"),
    ("SHOW", "SHO"), ("SPOOL", "SPO"), ("ORADEBUG", "ORADEBUG"), ("DEFINE", "DEF"),
    ("UNDEFINE", "UNDEF"), ("CLEAR", "CL"), ("TTITLE", "TTI"), ("BTITLE", "BTI"),
    ("BREAK", "BRE"), ("COMPUTE", "COMP"), ("TIMING", "TIMI"), ("HOST", "HO"),
    ("PAUSE", "PAU"), ("RUN", "R"), ("DESCRIBE", "DESC"), ("VARIABLE", "VAR"),
    ("PRINT", "PRI"), ("EXECUTE", "EXEC"), ("ACCEPT", "ACC"), ("PASSWORD", "PASSW"),
    ("ARCHIVE", "ARCHIVE"), ("RECOVER", "RECOVER"), ("STORE", "STORE"),
]


def which_cmd(word):
    w = word.upper()
    for full, abbr in SQLPLUS_CMDS:
        if full.startswith(w) and len(w) >= len(abbr):
            return full
    return None


def run(argv):
    args = list(argv)
    silent = False
    once = False
    while args and args[0].startswith("-") and args[0] != "-":
        a = args.pop(0)
        al = a.lower()
        if al in ("-s", "-silent"):
            silent = True
        elif al in ("-l", "-logon"):
            once = True
        elif al in ("-v", "-version"):
            print("\nSQL*Plus: Release %s - Production\nVersion %s\n" % (C.VERSION_FULL,
                                                                         C.VERSION_RU))
            return 0
        elif al in ("-m", "-markup", "-r", "-restrict") and args:
            args.pop(0)
        elif al in ("-h", "-help", "-?"):
            print("Usage 1: sqlplus -H | -V\n\nUsage 2: sqlplus [ [<option>] [{logon | "
                  "/nolog}] [<start>] ]")
            return 0
    try:
        s = Session(silent)
    except C.StandinError:
        print("Error 6 initializing SQL*Plus\nSP2-0667: Message file sp1<lang>.msb not found"
              "\nSP2-0750: You may need to set ORACLE_HOME to your Oracle software directory")
        return 1
    logon = None
    script = None
    rest = []
    if args and not args[0].startswith("@"):
        logon = [args.pop(0)]
        while len(args) >= 2 and args[0].lower() == "as":
            logon += [args.pop(0), args.pop(0)]
        logon = " ".join(logon)
    if args and args[0].startswith("@"):
        script = args.pop(0)[1:]
        rest = args
    if not silent:
        sys.stdout.write(BANNER % (C.VERSION_FULL, time.strftime("%a %b %d %H:%M:%S %Y"),
                                   C.VERSION_RU) + "\n")
    stdin_lines = iter(sys.stdin.readline, "")

    def reader():
        try:
            return next(stdin_lines)
        except StopIteration:
            return None

    if logon is not None and logon.lower() != "/nolog":
        s._argv_login = True
        attempts = 1 if once else 3
        ok = False
        spec = logon
        for i in range(attempts):
            ok = s.connect(spec, reader if i else None, from_argv=True)
            if ok:
                break
            if i + 1 < attempts:
                spec = ""
        s._argv_login = False
        if not ok:
            if not once:
                s.out("SP2-0157: unable to CONNECT to ORACLE after 3 attempts, exiting SQL*Plus")
            return 1
        if not silent:
            if s.conn.get("ident") is None:
                pass
            else:
                s.out(CONNECTED_TO)
    code = 0
    try:
        if script:
            path = script if os.path.exists(script) else script + ".sql"
            try:
                with open(path) as f:
                    lines = iter(f.read().splitlines(True))
            except OSError:
                s.out('SP2-0310: unable to open file "%s"' % script)
                lines = iter([])
            interpret(s, lambda: next(lines, None), silent)
        interpret(s, reader, silent)
    except Exit as e:
        code = e.code
    finally:
        if not silent and s.conn and s.conn.get("ident"):
            s.disconnect()
            s.out(DISCONNECTED)
        else:
            s.disconnect()
    return code


def interpret(s, reader, silent):
    """Read and execute until end of input (or EXIT)."""
    buf = []
    plsql = False
    in_comment = False
    while True:
        if not silent:
            sys.stdout.write("SQL> " if not buf else "%3d  " % (len(buf) + 1))
            sys.stdout.flush()
        line = reader()
        if line is None:
            if not silent:
                s.out()
            return
        line = s.substitute(line.rstrip("\r\n"), reader)
        stripped = line.strip()
        if in_comment:
            if "*/" in stripped:
                in_comment = False
            continue
        if not buf:
            if not stripped:
                continue
            if stripped.startswith("--"):
                continue
            if stripped.startswith("/*"):
                if "*/" not in stripped:
                    in_comment = True
                continue
            if stripped == "/":
                if s.buffer:
                    s.run_sql(s.buffer)
                else:
                    s.out("SP2-0103: Nothing in SQL buffer to run.")
                continue
            if stripped.startswith("@"):
                path = stripped[1:].split()[0] if stripped[1:].split() else ""
                path = path if os.path.exists(path) else path + ".sql"
                try:
                    with open(path) as f:
                        sub = iter(f.read().splitlines(True))
                    interpret(s, lambda: next(sub, None), True)
                except OSError:
                    s.out('SP2-0310: unable to open file "%s"' % path)
                continue
            word = re.split(r"[\s;]", stripped, 1)[0]
            cmd = which_cmd(word)
            if cmd:
                while stripped.endswith("-") and cmd not in ("REMARK",):
                    nxt = reader()
                    if nxt is None:
                        break
                    stripped = stripped[:-1] + " " + nxt.strip()
                run_command(s, cmd, stripped[len(word):].strip(), reader)
                continue
            first = word.upper()
            plsql = first in ("BEGIN", "DECLARE") or re.match(
                r"^create\s+(or\s+replace\s+)?(procedure|function|package|trigger|type)\b",
                stripped, re.I) is not None
        if plsql:
            if stripped == "/":
                s.buffer = "\n".join(buf)
                buf = []
                plsql = False
                if not s.conn:
                    s.out("SP2-0640: Not connected")
                else:
                    s.error_block(OraError("ORA-06550: line 1, column 1:",
                                           "PLS-00201: PL/SQL is not supported by the "
                                           "stand-in", pos=0), s.buffer)
                    s.out()
                    s.sqlerror(6550)
                continue
            if stripped == ".":
                s.buffer = "\n".join(buf)
                buf = []
                plsql = False
                continue
            buf.append(line)
            continue
        if not stripped:
            # SQLBLANKLINES OFF: a blank line ends the statement unexecuted
            s.buffer = "\n".join(buf)
            buf = []
            continue
        if stripped == "/" and buf:
            text = "\n".join(buf)
            buf = []
            s.run_sql(text)
            continue
        if stripped == "." and buf:
            s.buffer = "\n".join(buf)
            buf = []
            continue
        if stripped.endswith(";"):
            buf.append(line.rstrip()[:-1].rstrip() if line.rstrip().endswith(";") else line)
            text = "\n".join(buf)
            buf = []
            s.run_sql(text)
            continue
        buf.append(line)


def run_command(s, cmd, args, reader):
    a = args.rstrip(";").strip() if cmd not in ("PROMPT", "REMARK") else args
    if cmd == "CONNECT":
        s.connect(a, reader)
    elif cmd == "DISCONNECT":
        if s.conn and not s.silent:
            s.disconnect()
            s.out(DISCONNECTED)
        s.disconnect()
    elif cmd == "SET":
        s.cmd_set(a)
    elif cmd == "DEFINE":
        s.cmd_define(a)
    elif cmd == "COLUMN":
        s.cmd_column(a)
    elif cmd == "WHENEVER":
        s.cmd_whenever(a)
    elif cmd == "STARTUP":
        s.cmd_startup(a)
    elif cmd == "SHUTDOWN":
        s.cmd_shutdown(a)
    elif cmd in ("EXIT", "QUIT"):
        w = a.split()
        code = 0
        tx = "COMMIT"
        for t in w:
            if t.upper() in ("COMMIT", "ROLLBACK"):
                tx = t.upper()
            else:
                code = Session.exit_code(t)
        if tx == "ROLLBACK":
            s.pending = None
        raise Exit(code)
    elif cmd == "PROMPT":
        s.out(args)
    elif cmd == "SHOW":
        s.cmd_show(a)
    elif cmd == "ORADEBUG":
        s.cmd_oradebug(a)
    elif cmd == "HOST":
        s.out("SP2-0738: Restricted command \"host\" not available")
    elif cmd in ("DESCRIBE", "EXECUTE", "VARIABLE", "PRINT", "ACCEPT", "PASSWORD", "ARCHIVE",
                 "RECOVER", "RUN", "STORE"):
        s.out('SP2-0734: unknown command beginning "%s..." - rest of line ignored.'
              % (cmd.lower() + " " + a)[:10])
    # REMARK, SPOOL, UNDEFINE, CLEAR, TTITLE, BTITLE, BREAK, COMPUTE,
    # TIMING, PAUSE: accepted, no effect


def main():
    try:
        code = run(sys.argv[1:])
    except KeyboardInterrupt:
        code = 1
    except BrokenPipeError:
        code = 1
    sys.stdout.flush()
    os._exit(code)
