"""Execution of SQL statements against the stand-in's instance/database.

Results are returned as ('rows', columns, rows) for queries and
('msg', text) for statement feedback ("Table created." ...); errors are
raised as OraError with Oracle's message stack."""
import os
import socket
import time

from . import common as C
from . import faults as F
from . import db as D
from . import instance as I
from .db import OraError, err
from .sql import (Parser, evaluate, test, collect_aggs, expr_text, DateVal, to_num,
                  to_char)

NUM = ("NUMBER", 0)


def V(n):
    return ("VARCHAR2", n)


DATE = ("DATE", 9)

# Fixed views: name -> (columns, minimum instance state). Column widths are
# the data dictionary's (Oracle Database Reference, V$INSTANCE, V$DATABASE,
# V$BACKUP, V$PARAMETER, DBA_USERS, DBA_PROFILES).
FIXED = {
    "V$INSTANCE": ([("INSTANCE_NUMBER", NUM), ("INSTANCE_NAME", V(16)), ("HOST_NAME", V(64)),
                    ("VERSION", V(17)), ("STARTUP_TIME", DATE), ("STATUS", V(12)),
                    ("PARALLEL", V(3)), ("ARCHIVER", V(7)), ("LOGINS", V(10)),
                    ("SHUTDOWN_PENDING", V(3)), ("DATABASE_STATUS", V(17)),
                    ("INSTANCE_ROLE", V(18)), ("ACTIVE_STATE", V(9)), ("BLOCKED", V(3))],
                   "STARTED"),
    "V$DATABASE": ([("DBID", NUM), ("NAME", V(9)), ("CREATED", DATE), ("LOG_MODE", V(12)),
                    ("OPEN_MODE", V(20)), ("DATABASE_ROLE", V(16)),
                    ("CONTROLFILE_TYPE", V(7)), ("DB_UNIQUE_NAME", V(30))], "MOUNTED"),
    "V$BACKUP": ([("FILE#", NUM), ("STATUS", V(18)), ("CHANGE#", NUM), ("TIME", DATE)],
                 "MOUNTED"),
    "V$DATAFILE": ([("FILE#", NUM), ("STATUS", V(7)), ("ENABLED", V(10)), ("NAME", V(513))],
                   "MOUNTED"),
    "V$PARAMETER": ([("NAME", V(80)), ("VALUE", V(4000)), ("ISDEFAULT", V(9))], "STARTED"),
    "V$VERSION": ([("BANNER", V(80))], "STARTED"),
    "DUAL": ([("DUMMY", V(1))], "STARTED"),
    "DBA_USERS": ([("USERNAME", V(128)), ("USER_ID", NUM), ("ACCOUNT_STATUS", V(32)),
                   ("LOCK_DATE", DATE), ("EXPIRY_DATE", DATE),
                   ("DEFAULT_TABLESPACE", V(30)), ("CREATED", DATE), ("PROFILE", V(128))],
                  "OPEN"),
    "DBA_PROFILES": ([("PROFILE", V(128)), ("RESOURCE_NAME", V(32)),
                      ("RESOURCE_TYPE", V(8)), ("LIMIT", V(128))], "OPEN"),
    "DBA_TABLES": ([("OWNER", V(128)), ("TABLE_NAME", V(128)),
                    ("TABLESPACE_NAME", V(30))], "OPEN"),
    "USER_TABLES": ([("TABLE_NAME", V(128)), ("TABLESPACE_NAME", V(30))], "OPEN"),
}
ALIASES = {"V_$" + k[2:]: k for k in FIXED if k.startswith("V$")}
ALIASES.update({"SYS." + k: v for k, v in list(ALIASES.items())})
ALIASES.update({"SYS." + k: k for k in FIXED})

PROFILE_RESOURCES = [
    ("COMPOSITE_LIMIT", "KERNEL"), ("SESSIONS_PER_USER", "KERNEL"),
    ("CPU_PER_SESSION", "KERNEL"), ("CPU_PER_CALL", "KERNEL"),
    ("LOGICAL_READS_PER_SESSION", "KERNEL"), ("LOGICAL_READS_PER_CALL", "KERNEL"),
    ("IDLE_TIME", "KERNEL"), ("CONNECT_TIME", "KERNEL"), ("PRIVATE_SGA", "KERNEL"),
    ("FAILED_LOGIN_ATTEMPTS", "PASSWORD"), ("PASSWORD_LIFE_TIME", "PASSWORD"),
    ("PASSWORD_REUSE_TIME", "PASSWORD"), ("PASSWORD_REUSE_MAX", "PASSWORD"),
    ("PASSWORD_VERIFY_FUNCTION", "PASSWORD"), ("PASSWORD_LOCK_TIME", "PASSWORD"),
    ("PASSWORD_GRACE_TIME", "PASSWORD"), ("INACTIVE_ACCOUNT_TIME", "PASSWORD"),
]
RES_NAMES = {r for r, _ in PROFILE_RESOURCES}
SYS_PRIVS = {"CREATE SESSION", "CREATE TABLE", "UNLIMITED TABLESPACE", "RESTRICTED SESSION",
             "SELECT ANY DICTIONARY", "SELECT ANY TABLE", "CREATE USER", "ALTER USER",
             "DROP USER", "CREATE PROFILE", "ALTER SYSTEM", "ALTER DATABASE", "DBA",
             "CONNECT", "RESOURCE", "SYSDBA", "SYSOPER", "SELECT_CATALOG_ROLE"}


def _load_rows(rows):
    out = []
    for r in rows:
        out.append({k: DateVal(v["d"]) if isinstance(v, dict) else v for k, v in r.items()})
    return out


def _dump_rows(rows):
    return [{k: {"d": float(v)} if isinstance(v, DateVal) else v for k, v in r.items()}
            for r in rows]


class Engine:
    """Bound to one sqlplus session (s: see sqlplus.Session)."""

    def __init__(self, s):
        self.s = s

    # -- helpers -----------------------------------------------------------
    @property
    def conn(self):
        return self.s.conn

    def inst(self):
        return I.Inst(self.s.home, self.s.sdir, self.s.sid)

    def live_inst(self):
        """The instance this session is attached to, or raise like Oracle
        does for an idle / vanished instance."""
        inst = self.inst()
        ident = self.conn.get("ident")
        if ident is None:
            if self.conn.get("sysdba") and inst.running and self.conn.get("own_startup"):
                return inst
            raise err(1034, "Process ID: 0", "Session ID: 0 Serial number: 0")
        if not inst.running or tuple(inst.ident) != tuple(ident):
            self.s.lost_connection()
            raise err(3113, "Process ID: %d" % (ident[0] or 0),
                      "Session ID: 1 Serial number: 1")
        return inst

    def privs(self):
        if self.conn.get("sysdba"):
            return {"SYSDBA", "DBA"}
        return set(self.conn.get("privs", []))

    def is_dba(self):
        p = self.privs()
        return "DBA" in p or "SYSDBA" in p

    def has(self, priv):
        return self.is_dba() or priv in self.privs()

    def need(self, priv):
        if not self.has(priv):
            raise err(1031)

    def database(self, inst):
        return D.Database(inst.st.get("params", {}))

    def ctl(self, inst):
        return self.database(inst).read_control()

    def check_suspended(self, inst):
        # I/O is suspended: writes block until ALTER SYSTEM RESUME
        while inst.st.get("database_status") == "SUSPENDED":
            time.sleep(0.1)
            inst = self.inst()
            if not inst.running:
                raise err(3113, "Process ID: 0", "Session ID: 1 Serial number: 1")

    # -- entry ---------------------------------------------------------------
    def execute(self, text):
        p = Parser(text)
        kw = p.tok.val if p.tok.kind == "id" else ""
        handler = {
            "SELECT": self.select, "INSERT": self.insert, "UPDATE": self.update,
            "DELETE": self.delete, "COMMIT": self.commit_stmt, "ROLLBACK": self.rollback_stmt,
            "CREATE": self.create, "DROP": self.drop, "ALTER": self.alter,
            "GRANT": self.grant, "REVOKE": self.revoke, "TRUNCATE": self.truncate,
        }.get(kw)
        if handler is None:
            raise OraError(D.MSG[900], pos=0)
        inst = self.live_inst()
        if kw in ("SELECT", "INSERT", "UPDATE", "DELETE", "ROLLBACK"):
            return handler(p, inst)
        # statements that write: wait for frozen/suspended I/O first (without
        # holding any lock), then serialise the read-modify-write of the files
        if kw != "ALTER" or self.s.pending is not None:
            self.wait_io(inst)
        with C.Lock(self.s.sdir, "db.lock"):
            self._locked = True
            try:
                return handler(p, inst)
            finally:
                self._locked = False

    _locked = False

    def wait_io(self, inst):
        if C.fault(self.s.sdir, F.HANG_COMMIT) is not None:
            C.hang_forever()
        self.check_suspended(inst)

    # -- queries -------------------------------------------------------------
    def resolve(self, p, inst):
        """FROM clause: a fixed view or a user table. Returns (name,
        columns, rows, is_table)."""
        t = p.tok
        name = p.ident()
        if p.accept_op("."):
            name = name + "." + p.ident()
        key = ALIASES.get(name, name)
        if key in FIXED:
            cols, need = FIXED[key]
            if not self.may_read_view(key):
                raise OraError(D.MSG[942], pos=t.pos)
            if need == "MOUNTED" and inst.status == "STARTED":
                raise err(1507, pos=t.pos)
            if need == "OPEN" and inst.status != "OPEN":
                raise OraError(D.MSG[1219], pos=t.pos)
            return key, cols, self.view_rows(key, inst), False
        if inst.status != "OPEN":
            raise OraError(D.MSG[1219] if True else "", pos=t.pos)
        full, tab = self.find_table(inst, name, t.pos)
        if not self.can_access(full, "SELECT"):
            raise OraError(D.MSG[942], pos=t.pos)
        cols = [(c[0], (c[1], c[2])) for c in tab["columns"]]
        return full, cols, [dict(r) for r in tab["rows"]], True

    def may_read_view(self, key):
        if key == "DUAL" or self.is_dba():
            return True
        p = self.privs()
        if "SELECT ANY DICTIONARY" in p or "SELECT_CATALOG_ROLE" in p:
            return True
        if key.startswith("V$"):
            return ("SELECT ON SYS.V_$" + key[2:]) in p
        if key == "USER_TABLES":
            return True
        return ("SELECT ON SYS." + key) in p

    def user_tables(self, inst):
        if self.s.pending is not None:
            return self.s.pending
        data = self.database(inst).user_data(self.ctl(inst))
        return data.get("tables", {})

    def find_table(self, inst, name, pos):
        full = name if "." in name else "%s.%s" % (self.conn["user"], name)
        tables = self.user_tables(inst)
        if full not in tables:
            raise OraError(D.MSG[942], pos=pos)
        tab = tables[full]
        tab = dict(tab, rows=_load_rows(tab["rows"]))
        return full, tab

    def can_access(self, full, what):
        if full.split(".")[0] == self.conn["user"] or self.is_dba():
            return True
        p = self.privs()
        return ("%s ON %s" % (what, full)) in p or ("%s ANY TABLE" % what) in p

    def params(self, inst):
        prm = dict(inst.st.get("params", {}))
        trace = os.path.join(self.s.sdir, "trace")
        prm.setdefault("db_name", inst.st.get("db_name", self.s.sid))
        prm.setdefault("instance_name", self.s.sid)
        prm.setdefault("service_names", prm["db_name"])
        prm.setdefault("user_dump_dest", trace)
        prm.setdefault("background_dump_dest", trace)
        prm.setdefault("diagnostic_dest", self.s.sdir)
        prm.setdefault("local_listener", "")
        prm.setdefault("compatible", "19.0.0")
        return {k: v for k, v in prm.items() if not k.startswith("_")}

    def view_rows(self, key, inst):
        st = inst.st
        if key == "DUAL":
            return [{"DUMMY": "X"}]
        if key == "V$VERSION":
            return [{"BANNER": C.DB_BANNER}]
        if key == "V$INSTANCE":
            return [{
                "INSTANCE_NUMBER": 1, "INSTANCE_NAME": self.s.sid,
                "HOST_NAME": socket.gethostname(), "VERSION": C.VERSION_FULL,
                "STARTUP_TIME": DateVal(st.get("startup_time", time.time())),
                "STATUS": inst.status, "PARALLEL": "NO",
                "ARCHIVER": "STARTED" if st.get("log_mode") == "ARCHIVELOG"
                and inst.status == "OPEN" else "STOPPED",
                "LOGINS": st.get("logins", "ALLOWED"), "SHUTDOWN_PENDING": "NO",
                "DATABASE_STATUS": st.get("database_status", "ACTIVE"),
                "INSTANCE_ROLE": "PRIMARY_INSTANCE",
                "ACTIVE_STATE": st.get("active_state", "NORMAL"), "BLOCKED": "NO"}]
        if key == "V$PARAMETER":
            return [{"NAME": k, "VALUE": v, "ISDEFAULT": "FALSE"}
                    for k, v in sorted(self.params(inst).items())]
        ctl = self.ctl(inst)
        if key == "V$DATABASE":
            om = "MOUNTED" if inst.status == "MOUNTED" else st.get("open_mode", "READ WRITE")
            return [{"DBID": ctl["dbid"], "NAME": ctl["db_name"],
                     "CREATED": DateVal(ctl.get("created", 0)), "LOG_MODE": ctl["log_mode"],
                     "OPEN_MODE": om, "DATABASE_ROLE": "PRIMARY",
                     "CONTROLFILE_TYPE": "CURRENT", "DB_UNIQUE_NAME": ctl["db_name"]}]
        if key == "V$BACKUP":
            bk = ctl.get("backup", {})
            return [{"FILE#": df["file"],
                     "STATUS": "ACTIVE" if str(df["file"]) in bk else "NOT ACTIVE",
                     "CHANGE#": bk.get(str(df["file"]), 0),
                     "TIME": None} for df in ctl["datafiles"]]
        if key == "V$DATAFILE":
            return [{"FILE#": df["file"], "STATUS": "SYSTEM" if df["file"] == 1 else "ONLINE",
                     "ENABLED": "READ WRITE", "NAME": df["name"]} for df in ctl["datafiles"]]
        dic = self.database(inst).dictionary(ctl)
        if key == "DBA_USERS":
            return [{"USERNAME": n, "USER_ID": i, "ACCOUNT_STATUS": u["account_status"],
                     "LOCK_DATE": None, "EXPIRY_DATE": None,
                     "DEFAULT_TABLESPACE": u.get("default_tablespace", "USERS"),
                     "CREATED": DateVal(u.get("created", 0)), "PROFILE": u["profile"]}
                    for i, (n, u) in enumerate(sorted(dic["users"].items()))]
        if key == "DBA_PROFILES":
            rows = []
            for prof, lim in sorted(dic["profiles"].items()):
                for res, typ in PROFILE_RESOURCES:
                    rows.append({"PROFILE": prof, "RESOURCE_NAME": res, "RESOURCE_TYPE": typ,
                                 "LIMIT": lim.get(res, "UNLIMITED" if prof == "DEFAULT"
                                                  else "DEFAULT")})
            return rows
        if key in ("DBA_TABLES", "USER_TABLES"):
            rows = []
            for full, tab in sorted(self.user_tables(inst).items()):
                owner, name = full.split(".", 1)
                if key == "USER_TABLES" and owner != self.conn["user"]:
                    continue
                r = {"TABLE_NAME": name, "TABLESPACE_NAME": tab.get("tablespace", "USERS")}
                if key == "DBA_TABLES":
                    r["OWNER"] = owner
                rows.append(r)
            return rows
        return []

    def select(self, p, inst):
        p.expect_kw("SELECT")
        items = []  # (expr or '*', heading)
        while True:
            start = p.i
            if p.accept_op("*"):
                items.append(("*", None))
            else:
                e = p.expr()
                heading = expr_text(p, start, p.i)
                if p.accept_kw("AS") or (p.tok.kind == "id" and not p.is_kw("FROM")):
                    heading = p.ident("ORA-00923: FROM keyword not found where expected")
                elif e[0] == "col":
                    heading = e[1].split(".")[-1]
                items.append((e, heading))
            if not p.accept_op(","):
                break
        if not p.accept_kw("FROM"):
            raise OraError("ORA-00923: FROM keyword not found where expected", pos=p.tok.pos)
        name, cols, rows, _ = self.resolve(p, inst)
        if p.tok.kind == "id" and not p.is_kw("WHERE", "ORDER"):
            p.next()  # table alias
        where = None
        if p.accept_kw("WHERE"):
            where = p.cond()
        order = []
        if p.accept_kw("ORDER"):
            p.expect_kw("BY", "ORA-00924: missing BY keyword")
            while True:
                e = p.expr()
                desc = bool(p.accept_kw("DESC"))
                p.accept_kw("ASC")
                order.append((e, desc))
                if not p.accept_op(","):
                    break
        p.end()
        env = {"user": self.conn["user"]}
        # validate column references even when there are no rows
        types = dict(cols)
        probe = {c: None for c, _ in cols}
        for e, _h in items:
            if e != "*":
                self._check_cols(e, probe)
        if where is not None:
            self._check_cols(where, probe)
        rows = [r for r in rows if where is None or test(where, r, env)]
        for e, desc in reversed(order):
            rows.sort(key=lambda r: (evaluate(e, r, env) is None, evaluate(e, r, env)),
                      reverse=desc)
        out_cols = []
        for e, h in items:
            if e == "*":
                out_cols.extend((c, t, ("col", c, 0)) for c, t in cols)
            else:
                typ = types.get(e[1].split(".")[-1]) if e[0] == "col" else None
                out_cols.append((h, typ, e))
        aggs = []
        for _, _, e in out_cols:
            collect_aggs(e, aggs)
        if aggs:
            env["agg"] = {}
            for a in aggs:
                vals = [evaluate(a[2], r, env) for r in rows] if a[2] else [1] * len(rows)
                vals = [v for v in vals if v is not None]
                f = a[1]
                env["agg"][id(a)] = (len(vals) if f == "COUNT" else
                                     (max(vals) if vals else None) if f == "MAX" else
                                     (min(vals) if vals else None) if f == "MIN" else
                                     (sum(to_num(v) for v in vals) if vals else None))
            result = [[evaluate(e, rows[0] if rows else probe, env) for _, _, e in out_cols]]
        else:
            result = [[evaluate(e, r, env) for _, _, e in out_cols] for r in rows]
        columns = []
        for i, (h, typ, e) in enumerate(out_cols):
            if typ is None:
                vals = [r[i] for r in result]
                if vals and all(isinstance(v, (int, float)) and not isinstance(v, DateVal)
                                for v in vals if v is not None) and \
                        any(v is not None for v in vals):
                    typ = NUM
                elif any(isinstance(v, DateVal) for v in vals):
                    typ = DATE
                else:
                    typ = V(max([len(to_char(v) or "") for v in vals] + [len(h)]))
            columns.append((h, typ))
        return ("rows", columns, result)

    def _check_cols(self, e, probe):
        if isinstance(e, tuple):
            if e and e[0] == "col":
                n = e[1].split(".")[-1]
                if n not in probe:
                    raise OraError('ORA-00904: "%s": invalid identifier' % n, pos=e[2])
                return
            for x in e:
                if isinstance(x, tuple):
                    self._check_cols(x, probe)
                elif isinstance(x, list):
                    for y in x:
                        self._check_cols(y, probe)

    # -- DML -------------------------------------------------------------------
    def _dml_target(self, p, inst, what):
        if inst.status != "OPEN":
            raise err(1109, pos=0)
        if inst.st.get("open_mode") == "READ ONLY":
            raise OraError("ORA-16000: database or pluggable database open for read-only "
                           "access", pos=0)
        t = p.tok
        name = p.ident()
        if p.accept_op("."):
            name = name + "." + p.ident()
        if ALIASES.get(name, name) in FIXED:
            raise OraError("ORA-02030: can only select from fixed tables/views", pos=t.pos)
        if self.s.pending is None:
            self.s.pending = self.user_tables(inst)
        full = name if "." in name else "%s.%s" % (self.conn["user"], name)
        if full not in self.s.pending or not self.can_access(full, what):
            raise OraError(D.MSG[942], pos=t.pos)
        tab = self.s.pending[full]
        return full, tab

    def _quota(self, inst, full, tab):
        owner = full.split(".")[0]
        if owner in ("SYS", "SYSTEM"):
            return
        dic = self.database(inst).dictionary(self.ctl(inst))
        u = dic["users"].get(owner, {})
        ts = tab.get("tablespace", "USERS")
        if "UNLIMITED TABLESPACE" in u.get("privs", []) or "DBA" in u.get("privs", []) \
                or "RESOURCE" in u.get("privs", []) or ts in u.get("quota", {}):
            return
        raise OraError("ORA-01950: no privileges on tablespace '%s'" % ts)

    def _coerce(self, full, col, v):
        name, typ, n = col
        if v is None:
            return None
        if typ == "NUMBER":
            return to_num(v)
        if typ == "DATE":
            if isinstance(v, DateVal):
                return v
            raise OraError("ORA-01861: literal does not match format string")
        s = to_char(v)
        if n and len(s) > n:
            owner, t = full.split(".")
            raise OraError('ORA-12899: value too large for column "%s"."%s"."%s" '
                           '(actual: %d, maximum: %d)' % (owner, t, name, len(s), n))
        return s

    def insert(self, p, inst):
        p.expect_kw("INSERT")
        p.expect_kw("INTO", "ORA-00925: missing INTO keyword")
        full, tab = self._dml_target(p, inst, "INSERT")
        colnames = [c[0] for c in tab["columns"]]
        target = colnames
        if p.accept_op("("):
            target = []
            while True:
                t = p.tok
                c = p.ident("ORA-00904: invalid identifier")
                if c not in colnames:
                    raise OraError('ORA-00904: "%s": invalid identifier' % c, pos=t.pos)
                target.append(c)
                if not p.accept_op(","):
                    break
            p.expect_op(")")
        p.expect_kw("VALUES", "ORA-00926: missing VALUES keyword")
        p.expect_op("(")
        vals = [p.expr()]
        while p.accept_op(","):
            vals.append(p.expr())
        p.expect_op(")")
        p.end()
        if len(vals) > len(target):
            raise OraError("ORA-00913: too many values")
        if len(vals) < len(target):
            raise OraError("ORA-00947: not enough values")
        self._quota(inst, full, tab)
        env = {"user": self.conn["user"]}
        row = {c: None for c in colnames}
        cols = {c[0]: c for c in tab["columns"]}
        for c, e in zip(target, vals):
            row[c] = self._coerce(full, cols[c], evaluate(e, None, env))
        tab["rows"] = _dump_rows(_load_rows(tab["rows"]) + [row])
        return ("dml", 1, "created")

    def update(self, p, inst):
        p.expect_kw("UPDATE")
        full, tab = self._dml_target(p, inst, "UPDATE")
        if p.tok.kind == "id" and not p.is_kw("SET"):
            p.next()
        p.expect_kw("SET", "ORA-00971: missing SET keyword")
        cols = {c[0]: c for c in tab["columns"]}
        sets = []
        while True:
            t = p.tok
            c = p.ident("ORA-00904: invalid identifier")
            if c not in cols:
                raise OraError('ORA-00904: "%s": invalid identifier' % c, pos=t.pos)
            p.expect_op("=", "ORA-00927: missing equal sign")
            sets.append((c, p.expr()))
            if not p.accept_op(","):
                break
        where = p.cond() if p.accept_kw("WHERE") else None
        p.end()
        env = {"user": self.conn["user"]}
        rows = _load_rows(tab["rows"])
        n = 0
        for r in rows:
            if where is None or test(where, r, env):
                new = {c: self._coerce(full, cols[c], evaluate(e, r, env)) for c, e in sets}
                r.update(new)
                n += 1
        if n:
            self._quota(inst, full, tab)
        tab["rows"] = _dump_rows(rows)
        return ("dml", n, "updated")

    def delete(self, p, inst):
        p.expect_kw("DELETE")
        p.accept_kw("FROM")
        full, tab = self._dml_target(p, inst, "DELETE")
        if p.tok.kind == "id" and not p.is_kw("WHERE"):
            p.next()
        where = p.cond() if p.accept_kw("WHERE") else None
        p.end()
        env = {"user": self.conn["user"]}
        rows = _load_rows(tab["rows"])
        keep = [r for r in rows if not (where is None or test(where, r, env))]
        tab["rows"] = _dump_rows(keep)
        return ("dml", len(rows) - len(keep), "deleted")

    def commit(self, inst=None):
        """Write pending changes to the USERS data file (fsync'ed)."""
        if self.s.pending is None:
            return
        inst = inst or self.live_inst()
        if not self._locked:
            self.wait_io(inst)
            with C.Lock(self.s.sdir, "db.lock"):
                self._locked = True
                try:
                    return self.commit(inst)
                finally:
                    self._locked = False
        database = self.database(inst)
        ctl = database.read_control()
        data = database.user_data(ctl)
        data["tables"] = self.s.pending
        database.write_df(ctl, "USERS", data)
        self.s.pending = None

    def commit_stmt(self, p, inst):
        p.expect_kw("COMMIT")
        p.accept_kw("WORK")
        p.end()
        self.commit(inst)
        return ("msg", "Commit complete.")

    def rollback_stmt(self, p, inst):
        p.expect_kw("ROLLBACK")
        p.accept_kw("WORK")
        p.end()
        self.s.pending = None
        return ("msg", "Rollback complete.")

    # -- DDL -------------------------------------------------------------------
    def _ddl_prep(self, inst):
        """DDL commits the open transaction first; needs an open database."""
        if inst.status != "OPEN":
            raise err(1109, pos=0)
        self.commit(inst)

    def _dict(self, inst):
        database = self.database(inst)
        ctl = database.read_control()
        return database, ctl, database.dictionary(ctl)

    def _save_dict(self, inst, database, ctl, dic):
        database.write_df(ctl, "SYSTEM", dic)

    def _password(self, p):
        t = p.tok
        if t.kind not in ("id", "str", "num"):
            raise OraError("ORA-00988: missing or invalid password(s)", pos=t.pos)
        p.next()
        return t.raw[1:-1] if t.raw[:1] == '"' else t.raw

    def _user_opts(self, p, u, dic, creating):
        while p.tok.kind != "eof":
            t = p.tok
            if p.accept_kw("IDENTIFIED"):
                p.expect_kw("BY", "ORA-00924: missing BY keyword")
                u["salt"], u["hash"] = D.pw_hash(self._password(p))
                if u.get("account_status") == "EXPIRED":
                    u["account_status"] = "OPEN"
            elif p.accept_kw("PROFILE"):
                pt = p.tok
                prof = p.ident("ORA-02380: profile does not exist")
                if prof not in dic["profiles"]:
                    raise OraError("ORA-02380: profile %s does not exist" % prof, pos=pt.pos)
                u["profile"] = prof
            elif p.accept_kw("ACCOUNT"):
                if p.accept_kw("LOCK"):
                    u["account_status"] = "LOCKED"
                elif p.accept_kw("UNLOCK"):
                    u["account_status"] = "OPEN"
                else:
                    raise OraError("ORA-00922: missing or invalid option", pos=p.tok.pos)
            elif p.accept_kw("PASSWORD"):
                p.expect_kw("EXPIRE")
                u["account_status"] = "EXPIRED"
            elif p.accept_kw("DEFAULT", "TEMPORARY"):
                p.expect_kw("TABLESPACE")
                ts = p.ident()
                if t.val == "DEFAULT":
                    u["default_tablespace"] = ts
            elif p.accept_kw("QUOTA"):
                if not p.accept_kw("UNLIMITED"):
                    p.next()
                    if p.tok.kind == "id" and p.tok.val in ("K", "M", "G", "T"):
                        p.next()
                p.expect_kw("ON")
                u.setdefault("quota", {})[p.ident()] = "UNLIMITED"
            else:
                raise OraError("ORA-00922: missing or invalid option", pos=t.pos)

    def create(self, p, inst):
        p.expect_kw("CREATE")
        if p.accept_kw("USER"):
            self.need("CREATE USER")
            self._ddl_prep(inst)
            t = p.tok
            name = p.ident("ORA-01935: missing user or role name")
            database, ctl, dic = self._dict(inst)
            if name in dic["users"]:
                raise OraError("ORA-01920: user name '%s' conflicts with another user or role "
                               "name" % name, pos=t.pos)
            if not p.is_kw("IDENTIFIED"):
                raise OraError("ORA-00924: missing BY keyword", pos=p.tok.pos)
            u = {"account_status": "OPEN", "profile": "DEFAULT", "privs": [],
                 "created": time.time(), "default_tablespace": "USERS"}
            self._user_opts(p, u, dic, True)
            dic["users"][name] = u
            self._save_dict(inst, database, ctl, dic)
            return ("msg", "User created.")
        if p.accept_kw("PROFILE"):
            self.need("CREATE PROFILE")
            self._ddl_prep(inst)
            t = p.tok
            name = p.ident("ORA-02379: invalid profile name")
            database, ctl, dic = self._dict(inst)
            if name in dic["profiles"]:
                raise OraError("ORA-02379: profile %s already exists" % name, pos=t.pos)
            lim = self._limits(p)
            dic["profiles"][name] = lim
            self._save_dict(inst, database, ctl, dic)
            return ("msg", "Profile created.")
        if p.accept_kw("TABLE"):
            return self.create_table(p, inst)
        raise OraError(D.MSG[900], pos=p.tok.pos)

    def _limits(self, p):
        p.expect_kw("LIMIT")
        lim = {}
        while p.tok.kind != "eof":
            t = p.tok
            res = p.ident("ORA-02376: invalid or redundant resource")
            if res not in RES_NAMES:
                raise OraError("ORA-02376: invalid or redundant resource", pos=t.pos)
            v = p.next()
            lim[res] = v.val if v.kind == "id" else v.raw
        if not lim:
            raise OraError("ORA-02376: invalid or redundant resource", pos=p.tok.pos)
        return lim

    def create_table(self, p, inst):
        self._ddl_prep(inst)
        t = p.tok
        name = p.ident()
        if p.accept_op("."):
            name = name + "." + p.ident()
        full = name if "." in name else "%s.%s" % (self.conn["user"], name)
        if not (full.split(".")[0] == self.conn["user"] and self.has("CREATE TABLE")) \
                and not self.is_dba():
            raise err(1031, pos=t.pos)
        tables = self.user_tables(inst)
        if full in tables:
            raise OraError("ORA-00955: name is already used by an existing object",
                           pos=t.pos)
        p.expect_op("(")
        cols = []
        while True:
            if p.is_kw("PRIMARY", "CONSTRAINT", "UNIQUE"):
                depth = 0
                while not (depth == 0 and p.tok.kind == "op" and p.tok.val in (",", ")")):
                    if p.tok.kind == "eof":
                        raise OraError("ORA-00907: missing right parenthesis", pos=p.tok.pos)
                    if p.tok.val == "(":
                        depth += 1
                    elif p.tok.val == ")":
                        depth -= 1
                    p.next()
            else:
                cname = p.ident("ORA-00904: invalid identifier")
                tt = p.tok
                typ = p.ident("ORA-00902: invalid datatype")
                n = 0
                if p.accept_op("("):
                    n = int(p.next().val)
                    if p.accept_op(","):
                        p.next()
                    p.accept_kw("BYTE", "CHAR")
                    p.expect_op(")")
                if typ in ("VARCHAR2", "VARCHAR", "CHAR", "NVARCHAR2"):
                    typ, n = "VARCHAR2", n or 1
                elif typ in ("NUMBER", "INTEGER", "INT", "FLOAT"):
                    typ, n = "NUMBER", 0
                elif typ in ("DATE", "TIMESTAMP"):
                    typ, n = "DATE", 9
                else:
                    raise OraError("ORA-00902: invalid datatype", pos=tt.pos)
                while p.tok.kind != "eof" and not (p.tok.kind == "op" and
                                                   p.tok.val in (",", ")")):
                    if p.accept_op("("):
                        while not p.accept_op(")"):
                            p.next()
                    else:
                        p.next()
                cols.append([cname, typ, n])
            if not p.accept_op(","):
                break
        p.expect_op(")")
        ts = "USERS"
        if p.accept_kw("TABLESPACE"):
            ts = p.ident()
        p.end()
        database = self.database(inst)
        ctl = database.read_control()
        database.datafile(ctl, ts)
        data = database.user_data(ctl)
        data.setdefault("tables", {})[full] = {"columns": cols, "rows": [], "tablespace": ts}
        database.write_df(ctl, "USERS", data)
        return ("msg", "Table created.")

    def drop(self, p, inst):
        p.expect_kw("DROP")
        self._ddl_prep(inst)
        database, ctl, dic = self._dict(inst)
        if p.accept_kw("USER"):
            self.need("DROP USER")
            t = p.tok
            name = p.ident("ORA-01935: missing user or role name")
            p.accept_kw("CASCADE")
            p.end()
            if name not in dic["users"]:
                raise OraError("ORA-01918: user '%s' does not exist" % name, pos=t.pos)
            del dic["users"][name]
            self._save_dict(inst, database, ctl, dic)
            data = database.user_data(ctl)
            data["tables"] = {k: v for k, v in data.get("tables", {}).items()
                              if not k.startswith(name + ".")}
            database.write_df(ctl, "USERS", data)
            return ("msg", "User dropped.")
        if p.accept_kw("PROFILE"):
            self.need("DBA")
            t = p.tok
            name = p.ident()
            p.accept_kw("CASCADE")
            p.end()
            if name not in dic["profiles"]:
                raise OraError("ORA-02380: profile %s does not exist" % name, pos=t.pos)
            del dic["profiles"][name]
            for u in dic["users"].values():
                if u["profile"] == name:
                    u["profile"] = "DEFAULT"
            self._save_dict(inst, database, ctl, dic)
            return ("msg", "Profile dropped.")
        if p.accept_kw("TABLE"):
            t = p.tok
            name = p.ident()
            if p.accept_op("."):
                name = name + "." + p.ident()
            p.accept_kw("PURGE")
            p.end()
            full = name if "." in name else "%s.%s" % (self.conn["user"], name)
            data = database.user_data(ctl)
            if full not in data.get("tables", {}) or not self.can_access(full, "DROP"):
                raise OraError(D.MSG[942], pos=t.pos)
            del data["tables"][full]
            database.write_df(ctl, "USERS", data)
            return ("msg", "Table dropped.")
        raise OraError(D.MSG[900], pos=p.tok.pos)

    def truncate(self, p, inst):
        p.expect_kw("TRUNCATE")
        p.expect_kw("TABLE")
        self._ddl_prep(inst)
        full, tab = self._dml_target(p, inst, "DELETE")
        p.end()
        tab["rows"] = []
        self.commit(inst)
        return ("msg", "Table truncated.")

    def _privlist(self, p, stop):
        privs = []
        cur = []
        while p.tok.kind != "eof" and not p.is_kw(*stop):
            t = p.next()
            if t.kind == "op" and t.val == ",":
                privs.append(" ".join(cur))
                cur = []
            else:
                cur.append(t.val)
        if cur:
            privs.append(" ".join(cur))
        return privs

    def grant(self, p, inst):
        return self._grant(p, inst, True)

    def revoke(self, p, inst):
        return self._grant(p, inst, False)

    def _grant(self, p, inst, give):
        p.next()
        self.need("DBA")
        self._ddl_prep(inst)
        privs = self._privlist(p, ("ON", "TO", "FROM"))
        obj = None
        if p.accept_kw("ON"):
            t = p.tok
            name = p.ident()
            if p.accept_op("."):
                name = name + "." + p.ident()
            if name.startswith("V$"):
                raise OraError("ORA-02030: can only select from fixed tables/views",
                               pos=t.pos)
            if ALIASES.get(name, name) in FIXED or ("SYS." + name) in ALIASES:
                obj = "SYS." + name if not name.startswith("SYS.") else name
            else:
                obj = name if "." in name else "%s.%s" % (self.conn["user"], name)
                if obj not in self.user_tables(inst):
                    raise OraError(D.MSG[942], pos=t.pos)
        if not (p.accept_kw("TO") if give else p.accept_kw("FROM")):
            raise OraError("ORA-00905: missing keyword", pos=p.tok.pos)
        database, ctl, dic = self._dict(inst)
        users = []
        while True:
            t = p.tok
            u = p.ident("ORA-00987: missing or invalid username(s)")
            if u not in dic["users"] and u != "PUBLIC":
                raise OraError("ORA-01917: user or role '%s' does not exist" % u, pos=t.pos)
            users.append(u)
            if not p.accept_op(","):
                break
        for pr in privs:
            if obj is None and pr not in SYS_PRIVS:
                raise OraError("ORA-00990: missing or invalid privilege", pos=0)
        for u in users:
            if u == "PUBLIC":
                continue
            have = dic["users"][u].setdefault("privs", [])
            for pr in privs:
                key = pr if obj is None else "%s ON %s" % (pr, obj)
                if give and key not in have:
                    have.append(key)
                elif not give and key in have:
                    have.remove(key)
        self._save_dict(inst, database, ctl, dic)
        return ("msg", "Grant succeeded." if give else "Revoke succeeded.")

    # -- ALTER -------------------------------------------------------------------
    def alter(self, p, inst):
        p.expect_kw("ALTER")
        if p.accept_kw("SESSION"):
            return ("msg", "Session altered.")
        if p.accept_kw("USER"):
            t = p.tok
            name = p.ident("ORA-01935: missing user or role name")
            if name != self.conn["user"]:
                self.need("ALTER USER")
            self._ddl_prep(inst)
            database, ctl, dic = self._dict(inst)
            if name not in dic["users"]:
                raise OraError("ORA-01918: user '%s' does not exist" % name, pos=t.pos)
            self._user_opts(p, dic["users"][name], dic, False)
            self._save_dict(inst, database, ctl, dic)
            return ("msg", "User altered.")
        if p.accept_kw("PROFILE"):
            self.need("DBA")
            self._ddl_prep(inst)
            t = p.tok
            name = p.ident()
            database, ctl, dic = self._dict(inst)
            if name not in dic["profiles"]:
                raise OraError("ORA-02380: profile %s does not exist" % name, pos=t.pos)
            dic["profiles"][name].update(self._limits(p))
            self._save_dict(inst, database, ctl, dic)
            return ("msg", "Profile altered.")
        if p.accept_kw("DATABASE"):
            self.need("ALTER DATABASE")
            return self.alter_database(p, inst)
        if p.accept_kw("SYSTEM"):
            self.need("ALTER SYSTEM")
            return self.alter_system(p, inst)
        raise OraError(D.MSG[900], pos=p.tok.pos)

    def alter_database(self, p, inst):
        status = inst.status
        database = self.database(inst)
        if p.accept_kw("MOUNT"):
            p.accept_kw("EXCLUSIVE")
            p.end()
            if status != "STARTED":
                raise err(1100, pos=0)
            ctl = database.read_control()
            inst.set(status="MOUNTED", log_mode=ctl["log_mode"])
            I.alert(self.s.sdir, self.s.sid, "Completed: ALTER DATABASE MOUNT")
            return ("msg", "Database altered.")
        if p.accept_kw("OPEN"):
            mode = "READ WRITE"
            if p.accept_kw("READ"):
                mode = "READ ONLY" if p.accept_kw("ONLY") else "READ WRITE"
                if mode == "READ WRITE":
                    p.expect_kw("WRITE")
            p.end()
            if status == "STARTED":
                raise err(1507, pos=0)
            if status == "OPEN":
                raise err(1531, pos=0)
            self.open_database(inst)
            inst.set(open_mode=mode)
            return ("msg", "Database altered.")
        if p.accept_kw("CLOSE"):
            p.accept_kw("NORMAL")
            p.end()
            if status != "OPEN":
                raise err(1109, pos=0)
            inst.set(status="MOUNTED")
            return ("msg", "Database altered.")
        if p.accept_kw("DISMOUNT"):
            p.end()
            if status == "OPEN":
                raise OraError("ORA-01093: ALTER DATABASE CLOSE only permitted with no sessions "
                               "connected", pos=0)
            if status != "MOUNTED":
                raise err(1507, pos=0)
            inst.set(status="STARTED")
            return ("msg", "Database altered.")
        if p.accept_kw("BEGIN", "END"):
            begin = p.toks[p.i - 1].val == "BEGIN"
            p.expect_kw("BACKUP")
            p.end()
            if status == "STARTED":
                raise err(1507, pos=0)
            ctl = database.read_control()
            bk = ctl.setdefault("backup", {})
            if begin:
                if status != "OPEN":
                    raise err(1109, pos=0)
                if ctl["log_mode"] != "ARCHIVELOG":
                    raise OraError("ORA-01123: cannot start online backup; media recovery not "
                                   "enabled", pos=0)
                for df in ctl["datafiles"]:
                    if str(df["file"]) in bk:
                        raise OraError("ORA-01146: cannot start online backup - file %d is "
                                       "already in backup" % df["file"],
                                       "ORA-01110: data file %d: '%s'" % (df["file"],
                                                                         df["name"]), pos=0)
                for df in ctl["datafiles"]:
                    bk[str(df["file"])] = ctl.get("scn", 1)
            else:
                if not bk:
                    raise OraError("ORA-01142: cannot end online backup - none of the files "
                                   "are in backup", pos=0)
                bk.clear()
            database.write_control(ctl)
            return ("msg", "Database altered.")
        if p.accept_kw("ARCHIVELOG", "NOARCHIVELOG"):
            word = p.toks[p.i - 1].val
            p.end()
            if status != "MOUNTED":
                raise OraError("ORA-01126: database must be mounted in this instance and not "
                               "open in any instance", pos=0)
            ctl = database.read_control()
            ctl["log_mode"] = word
            database.write_control(ctl)
            return ("msg", "Database altered.")
        raise OraError("ORA-02231: missing or invalid option to ALTER DATABASE",
                       pos=p.tok.pos)

    def open_database(self, inst):
        database = self.database(inst)
        ctl = database.read_control()
        database.check_datafiles(ctl)
        inst.set(status="OPEN", open_mode="READ WRITE", log_mode=ctl["log_mode"])
        I.alert(self.s.sdir, self.s.sid, "Completed: ALTER DATABASE OPEN")

    def alter_system(self, p, inst):
        def done():
            p.end()
            return ("msg", "System altered.")
        if p.accept_kw("ENABLE", "DISABLE"):
            on = p.toks[p.i - 1].val == "ENABLE"
            p.expect_kw("RESTRICTED")
            p.expect_kw("SESSION")
            inst.set(logins="RESTRICTED" if on else "ALLOWED")
            return done()
        if p.accept_kw("SUSPEND"):
            if inst.status != "OPEN":
                raise err(1109, pos=0)
            inst.set(database_status="SUSPENDED")
            return done()
        if p.accept_kw("RESUME"):
            inst.set(database_status="ACTIVE")
            return done()
        if p.accept_kw("QUIESCE"):
            p.expect_kw("RESTRICTED")
            inst.set(active_state="QUIESCED")
            return done()
        if p.accept_kw("UNQUIESCE"):
            inst.set(active_state="NORMAL")
            return done()
        if p.accept_kw("CHECKPOINT", "REGISTER"):
            p.accept_kw("GLOBAL", "LOCAL")
            return done()
        if p.accept_kw("SWITCH"):
            p.expect_kw("LOGFILE")
            if inst.status != "OPEN":
                raise err(1109, pos=0)
            return done()
        if p.accept_kw("ARCHIVE"):
            p.expect_kw("LOG")
            while p.tok.kind != "eof":
                p.next()
            return done()
        if p.accept_kw("SET", "RESET", "FLUSH", "KILL"):
            while p.tok.kind != "eof":
                p.next()
            return done()
        raise OraError("ORA-02065: illegal option for ALTER SYSTEM", pos=p.tok.pos)
