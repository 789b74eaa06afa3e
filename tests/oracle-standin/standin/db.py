"""The database on disk: a control file and data files (JSON inside), so that
a commit really writes to the storage the data files live on, and a lost or
unreadable file gives the errors Oracle gives.

control file (control_files parameter): {db_name, dbid, log_mode,
    datafiles: [{file, name, tablespace}], backup: {file#: change#}}
file 1 (SYSTEM): dictionary {users, profiles}
file 4 (USERS) : user tables {"OWNER.TABLE": {columns, rows}}
"""
import errno
import hashlib
import json
import os
import time

from . import common as C


class OraError(Exception):
    """An ORA- error; .lines holds the whole message stack."""

    def __init__(self, *lines, pos=None):
        super().__init__(lines[0])
        self.lines = list(lines)
        self.pos = pos  # (line, column) for the '*' marker, 0-based

    @property
    def code(self):
        try:
            return int(self.lines[0].split(":")[0].split("-")[1])
        except (IndexError, ValueError):
            return 1


# Message texts as listed in Oracle Database Error Messages (19c).
MSG = {
    1017: "ORA-01017: invalid username/password; logon denied",
    1031: "ORA-01031: insufficient privileges",
    1033: "ORA-01033: ORACLE initialization or shutdown in progress",
    1034: "ORA-01034: ORACLE not available",
    1035: "ORA-01035: ORACLE only available to users with RESTRICTED SESSION privilege",
    1081: "ORA-01081: cannot start already-running ORACLE - shut it down first",
    1100: "ORA-01100: database already mounted",
    1109: "ORA-01109: database not open",
    1507: "ORA-01507: database not mounted",
    1531: "ORA-01531: a database already open by the instance",
    942: "ORA-00942: table or view does not exist",
    900: "ORA-00900: invalid SQL statement",
    257: "ORA-00257: Archiver error. Connect AS SYSDBA only until resolved.",
    28000: "ORA-28000: The account is locked.",
    1219: "ORA-01219: database or pluggable database not open: queries allowed on "
          "fixed tables or views only",
    27101: "ORA-27101: shared memory realm does not exist",
    3113: "ORA-03113: end-of-file on communication channel",
    3114: "ORA-03114: not connected to ORACLE",
    12162: "ORA-12162: TNS:net service name is incorrectly specified",
}


def err(code, *more, pos=None):
    return OraError(MSG[code], *more, pos=pos)


def pw_hash(password, salt=None):
    salt = salt or os.urandom(8).hex()
    return salt, hashlib.sha256((salt + password).encode()).hexdigest()


class Database:
    def __init__(self, params):
        cf = params.get("control_files", "")
        self.control_files = [c.strip().strip("'\"") for c in cf.split(",") if c.strip()]
        self.params = params

    # -- control file -----------------------------------------------------
    def read_control(self):
        if not self.control_files:
            raise OraError("ORA-00205: error in identifying control file, check alert log "
                           "for more info")
        for p in self.control_files:
            d = C.read_json(p)
            if d is None:
                raise OraError("ORA-00205: error in identifying control file, check alert "
                               "log for more info")
        return C.read_json(self.control_files[0])

    def write_control(self, ctl):
        for p in self.control_files:
            C.write_json(p, ctl, sync=True)

    # -- data files -------------------------------------------------------
    @staticmethod
    def df_error_open(df, e):
        n = df["file"]
        if isinstance(e, OSError) and e.errno in (errno.EIO, errno.EROFS, errno.ENOSPC):
            return OraError("ORA-01115: IO error reading block from file %d (block # 1)" % n,
                            "ORA-01110: data file %d: '%s'" % (n, df["name"]),
                            "ORA-27072: File I/O error")
        return OraError("ORA-01116: error in opening database file %d" % n,
                        "ORA-01110: data file %d: '%s'" % (n, df["name"]),
                        "ORA-27041: unable to open file",
                        "Linux-x86_64 Error: 2: No such file or directory",
                        "Additional information: 3")

    def check_datafiles(self, ctl):
        """What ALTER DATABASE OPEN checks: every data file there and
        readable, none left in backup mode."""
        for df in ctl["datafiles"]:
            try:
                with open(df["name"]) as f:
                    json.load(f)
            except (OSError, ValueError):
                n = df["file"]
                raise OraError("ORA-01157: cannot identify/lock data file %d - see DBWR "
                               "trace file" % n,
                               "ORA-01110: data file %d: '%s'" % (n, df["name"]))
        for df in ctl["datafiles"]:
            if str(df["file"]) in ctl.get("backup", {}):
                n = df["file"]
                raise OraError("ORA-10873: file %d needs to be either taken out of backup "
                               "mode or media recovered" % n,
                               "ORA-01110: data file %d: '%s'" % (n, df["name"]))

    def datafile(self, ctl, tablespace):
        for df in ctl["datafiles"]:
            if df["tablespace"] == tablespace:
                return df
        raise OraError("ORA-00959: tablespace '%s' does not exist" % tablespace)

    def read_df(self, ctl, tablespace):
        df = self.datafile(ctl, tablespace)
        try:
            with open(df["name"]) as f:
                return json.load(f)
        except OSError as e:
            raise self.df_error_open(df, e)
        except ValueError:
            n = df["file"]
            raise OraError("ORA-01578: ORACLE data block corrupted (file # %d, block # 1)" % n,
                           "ORA-01110: data file %d: '%s'" % (n, df["name"]))

    def write_df(self, ctl, tablespace, data):
        df = self.datafile(ctl, tablespace)
        if not os.path.exists(df["name"]):
            raise self.df_error_open(df, FileNotFoundError())
        try:
            C.write_json(df["name"], data, sync=True)
        except OSError as e:
            n = df["file"]
            raise OraError("ORA-01114: IO error writing block to file %d (block # 130)" % n,
                           "ORA-01110: data file %d: '%s'" % (n, df["name"]),
                           "ORA-27072: File I/O error",
                           "Linux-x86_64 Error: %d: %s" % (e.errno or 5,
                                                           os.strerror(e.errno or 5)))

    def dictionary(self, ctl):
        return self.read_df(ctl, "SYSTEM")

    def user_data(self, ctl):
        return self.read_df(ctl, "USERS")


def create_database(home, sid, db_name, oradata, archivelog=True, sys_password=None):
    """Used by make-home: control file + data files."""
    os.makedirs(oradata, exist_ok=True)
    files = [(1, "system01.dbf", "SYSTEM"), (2, "sysaux01.dbf", "SYSAUX"),
             (3, "undotbs01.dbf", "UNDOTBS1"), (4, "users01.dbf", "USERS")]
    ctl = {"db_name": db_name.upper(), "dbid": abs(hash((home, sid))) % 4000000000,
           "log_mode": "ARCHIVELOG" if archivelog else "NOARCHIVELOG",
           "datafiles": [], "backup": {}, "scn": 2000000}
    users = {
        "SYS": {"account_status": "OPEN", "profile": "DEFAULT", "privs": ["DBA", "SYSDBA"],
                "created": time.time(), "default_tablespace": "SYSTEM"},
        "SYSTEM": {"account_status": "OPEN", "profile": "DEFAULT", "privs": ["DBA"],
                   "created": time.time(), "default_tablespace": "SYSTEM"},
    }
    for u in users.values():
        u["salt"], u["hash"] = pw_hash(os.urandom(12).hex())
    if sys_password:
        users["SYS"]["salt"], users["SYS"]["hash"] = pw_hash(sys_password)
    contents = {
        "SYSTEM": {"users": users, "profiles": {"DEFAULT": {}}},
        "USERS": {"tables": {}},
    }
    for n, fname, ts in files:
        path = os.path.join(oradata, fname)
        C.write_json(path, contents.get(ts, {"tablespace": ts}))
        ctl["datafiles"].append({"file": n, "name": path, "tablespace": ts})
    return ctl
