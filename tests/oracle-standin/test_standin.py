"""Tests of the Oracle stand-in: real scripts as subprocesses, real /proc.

Run: python3 -m unittest discover -s tests/oracle-standin -v
"""
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from standin import reaper  # noqa: E402
from standin import common as C  # noqa: E402

reaper.install()

RA_DIR = "/usr/lib/ocf/resource.d/heartbeat"


def comm(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().strip()


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return [a.decode() for a in f.read().split(b"\0")[:-1]]


def procs_named(prefix):
    res = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            cl = cmdline(int(d))
            with open("/proc/%s/stat" % d) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cl and state != "Z" and os.path.basename(cl[0]).startswith(prefix):
            res[int(d)] = cl
    return res


class Home:
    """A fake ORACLE_HOME made by make-home, in a temporary directory."""

    def __init__(self, *extra, sid="ORCL"):
        self.tmp = tempfile.mkdtemp(prefix="standin-")
        self.home = os.path.join(self.tmp, "home")
        out = subprocess.run([os.path.join(HERE, "make-home"), self.home, "--sid", sid] +
                             list(extra), check=True, capture_output=True, text=True).stdout
        self.info = dict(l.split("=", 1) for l in out.split())
        self.sid = sid
        self.env = {"PATH": os.path.join(self.home, "bin") + ":/usr/sbin:/usr/bin:/sbin:/bin",
                    "ORACLE_HOME": self.home, "ORACLE_SID": sid, "LANG": "C"}
        os.chmod(self.tmp, 0o755)

    def run(self, argv, stdin="", timeout=20, **kw):
        return subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              env=kw.pop("env", self.env), timeout=timeout, **kw)

    def sql(self, script, connect="connect / as sysdba", args=("-S", "/nolog"), **kw):
        text = (connect + "\n" if connect else "") + script
        return self.run(["sqlplus"] + list(args), text, **kw)

    def ctl(self, *args):
        r = self.run([os.path.join(HERE, "bin", "standin-ctl")] + list(args))
        if r.returncode == 2:     # refused (unknown fault, usage): the fault would never fire
            raise AssertionError("standin-ctl %s refused: %s" % (" ".join(args), r.stderr))
        return r

    def startup(self, how=""):
        r = self.sql("startup %s\n" % how)
        return r

    def q(self, query, **kw):
        """One query with RA-style settings; the value lines."""
        r = self.sql("set heading off feedback off pagesize 0\n%s\n" % query, **kw)
        return [l for l in r.stdout.splitlines() if l.strip() and not l.startswith("Connected")]

    def cleanup(self):
        self.ctl("clear")
        self.sql("shutdown abort\n", timeout=10)
        for pid, cl in list(procs_named("ora_").items()) + list(procs_named("tnslsnr").items()):
            try:
                with open("/proc/%d/environ" % pid, "rb") as f:
                    env = f.read().decode(errors="replace")
            except OSError:
                continue
            if cl[0].startswith(self.home) or "ORACLE_HOME=%s\0" % self.home in env:
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Base(unittest.TestCase):
    sid = "ORCL"
    extra = ()

    def setUp(self):
        self.h = Home(*self.extra, sid=self.sid)
        self.addCleanup(self.h.cleanup)

    def inst_procs(self):
        res = {}
        for pid, cl in procs_named("ora_").items():
            try:
                with open("/proc/%d/environ" % pid, "rb") as f:
                    env = f.read().decode(errors="replace")
            except OSError:
                continue
            if cl[0].endswith("_" + self.h.sid) and "ORACLE_HOME=%s\0" % self.h.home in env:
                res[cl[0]] = pid
        return res


class TestInstance(Base):
    sid = "TSTA"

    def test_startup_runs_oracle_named_processes(self):
        r = self.h.startup()
        self.assertEqual(r.returncode, 0)
        self.assertIn("Connected to an idle instance.", r.stdout)
        for line in ("ORACLE instance started.", "Database mounted.", "Database opened."):
            self.assertIn(line, r.stdout)
        self.assertRegex(r.stdout, r"Total System Global Area +\d+ bytes")
        procs = self.inst_procs()
        self.assertEqual(sorted(procs), sorted("ora_%s_TSTA" % n for n in
                                               ("pmon", "smon", "dbw0", "lgwr", "ckpt")))
        for name, pid in procs.items():
            self.assertEqual(cmdline(pid), [name])       # argv is exactly the name
            self.assertEqual(comm(pid), name[:15])         # and so is comm
        self.assertEqual(self.h.q("select status from v$instance;"), ["OPEN"])
        # SGA: a real SysV segment; lock file held by the instance
        key = C.sga_key(self.h.home, "TSTA")
        self.assertIsNotNone(C.shm_get(key))
        lk = os.path.join(self.h.home, "dbs", "lkTSTA")
        fd = os.open(lk, os.O_RDWR)
        with self.assertRaises(OSError):
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(fd)
        # a new sqlplus sees the same state
        r = self.h.sql("select status, database_status, active_state, logins, instance_name "
                       "from v$instance;\nselect open_mode from v$database;\n")
        self.assertIn("OPEN         ACTIVE            NORMAL    ALLOWED    TSTA", r.stdout)
        self.assertIn("READ WRITE", r.stdout)
        # startup again: ORA-01081
        r = self.h.startup()
        self.assertIn("ORA-01081: cannot start already-running ORACLE - shut it down first",
                      r.stdout)

    def test_stepwise_startup_and_shutdown_variants(self):
        r = self.h.startup("nomount")
        self.assertIn("ORACLE instance started.", r.stdout)
        self.assertNotIn("Database mounted.", r.stdout)
        self.assertEqual(self.h.q("select status from v$instance;"), ["STARTED"])
        r = self.h.sql("select open_mode from v$database;\n")
        self.assertIn("ORA-01507: database not mounted", r.stdout)
        self.assertIn("ERROR at line 1:", r.stdout)
        r = self.h.sql("alter database open;\n")
        self.assertIn("ORA-01507: database not mounted", r.stdout)
        r = self.h.sql("alter database mount;\n")
        self.assertIn("Database altered.", r.stdout)
        self.assertEqual(self.h.q("select status from v$instance;"), ["MOUNTED"])
        self.assertEqual(self.h.q("select open_mode from v$database;"), ["MOUNTED"])
        r = self.h.sql("alter database mount;\n")
        self.assertIn("ORA-01100: database already mounted", r.stdout)
        r = self.h.sql("shutdown immediate\n")
        self.assertIn("ORA-01109: database not open", r.stdout)
        self.assertIn("Database dismounted.\nORACLE instance shut down.", r.stdout)
        self.assertEqual(self.inst_procs(), {})
        self.h.startup("nomount")
        r = self.h.sql("shutdown\n")
        self.assertIn("ORA-01507: database not mounted", r.stdout)
        self.assertIn("ORACLE instance shut down.", r.stdout)
        self.h.startup("mount")
        r = self.h.sql("alter database open;\n")
        self.assertIn("Database altered.", r.stdout)
        r = self.h.sql("alter database open;\n")
        self.assertIn("ORA-01531: a database already open by the instance", r.stdout)
        r = self.h.sql("shutdown transactional\n")
        self.assertIn("Database closed.\nDatabase dismounted.\nORACLE instance shut down.",
                      r.stdout)
        self.h.startup()
        r = self.h.sql("shutdown abort\n")
        self.assertEqual(r.stdout.splitlines()[-1], "ORACLE instance shut down.")
        self.assertEqual(self.inst_procs(), {})
        self.assertIsNone(C.shm_get(C.sga_key(self.h.home, "TSTA")))
        # startup force on a running instance restarts it
        self.h.startup()
        before = self.inst_procs()
        r = self.h.startup("force")
        self.assertIn("Database opened.", r.stdout)
        after = self.inst_procs()
        self.assertEqual(sorted(before), sorted(after))
        self.assertNotEqual(before["ora_pmon_TSTA"], after["ora_pmon_TSTA"])

    def test_idle_instance_errors(self):
        r = self.h.sql("select status from v$instance;\n")
        self.assertIn("Connected to an idle instance.", r.stdout)
        self.assertIn("select status from v$instance\n*\nERROR at line 1:\n"
                      "ORA-01034: ORACLE not available\nProcess ID: 0\n"
                      "Session ID: 0 Serial number: 0", r.stdout)
        r = self.h.sql("shutdown immediate\n")
        self.assertIn("ORA-01034: ORACLE not available\n"
                      "ORA-27101: shared memory realm does not exist", r.stdout)
        r = self.h.sql("", connect="connect scott/tiger")
        self.assertIn("ERROR:\nORA-01034: ORACLE not available", r.stdout)
        r = self.h.sql("select 1 from dual;\n", connect="")
        self.assertIn("SP2-0640: Not connected", r.stdout)
        env = dict(self.h.env)
        del env["ORACLE_SID"]
        r = self.h.sql("", env=env)
        self.assertIn("ORA-12162: TNS:net service name is incorrectly specified", r.stdout)
        env = dict(self.h.env)
        del env["ORACLE_HOME"]
        r = self.h.sql("", env=env)
        self.assertIn("SP2-0750: You may need to set ORACLE_HOME", r.stdout)

    def test_missing_parameter_file(self):
        os.unlink(os.path.join(self.h.home, "dbs", "initTSTA.ora"))
        r = self.h.startup()
        self.assertIn("ORA-01078: failure in processing system parameters", r.stdout)
        self.assertIn("LRM-00109: could not open parameter file '%s/dbs/initTSTA.ora'"
                      % self.h.home, r.stdout)
        self.assertEqual(self.inst_procs(), {})


class TestCrash(Base):
    sid = "TSTB"

    def test_kill9_pmon_crashes_and_leaves_ora01081_leftovers(self):
        self.h.startup()
        procs = self.inst_procs()
        os.kill(procs["ora_pmon_TSTB"], signal.SIGKILL)
        self.assertTrue(C.wait_gone(list(procs.values()), 5))
        self.assertEqual(self.inst_procs(), {})
        r = self.h.sql("select status from v$instance;\n")
        self.assertIn("Connected to an idle instance.", r.stdout)
        self.assertIn("ORA-01034", r.stdout)
        st = json.loads(self.h.ctl("status").stdout)["instances"]["TSTB"]
        self.assertEqual((st["running"], st["leftovers"]), (False, True))
        self.assertTrue(os.path.exists(os.path.join(self.h.home, "dbs", "lkTSTB")))
        r = self.h.startup("mount")
        self.assertIn("ORA-01081", r.stdout)
        self.assertEqual(self.inst_procs(), {})
        # resource-agents' cleanup: remove the lock file, then it starts
        os.unlink(os.path.join(self.h.home, "dbs", "lkTSTB"))
        r = self.h.startup("mount")
        self.assertIn("Database mounted.", r.stdout)

    def test_crash_cleared_by_shutdown_abort_or_startup_force(self):
        self.h.startup()
        self.assertEqual(self.h.ctl("crash", "instance").returncode, 0)
        self.assertIn("ORA-01081", self.h.startup().stdout)
        self.assertIn("ORACLE instance shut down.", self.h.sql("shutdown abort\n").stdout)
        self.assertIn("Database opened.", self.h.startup().stdout)
        self.h.ctl("crash", "instance")
        self.assertIn("Database opened.", self.h.startup("force").stdout)
        self.assertEqual(len(self.inst_procs()), 5)

    def test_sqlplus_killed_during_startup_leaves_a_running_instance(self):
        # the processes are there even though no state was recorded: ORA-01081
        p = subprocess.Popen(["sqlplus", "-S", "/nolog"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=self.h.env)
        p.stdin.write("connect / as sysdba\nstartup nomount\n")
        p.stdin.close()
        deadline = time.time() + 10
        while "ora_ckpt_TSTB" not in self.inst_procs() and time.time() < deadline:
            time.sleep(0.01)
        p.kill()
        p.wait()
        p.stdout.close()
        try:    # whether or not sqlplus got to record them
            os.unlink(os.path.join(self.h.home, "standin", "inst-TSTB.json"))
        except FileNotFoundError:
            pass
        self.assertEqual(len(self.inst_procs()), 5)
        self.assertIn("ORA-01081", self.h.startup().stdout)
        self.assertIn("ORACLE instance shut down.", self.h.sql("shutdown abort\n").stdout)
        self.assertEqual(self.inst_procs(), {})
        self.assertIn("Database opened.", self.h.startup().stdout)

    def test_death_of_smon_terminates_instance(self):
        self.h.startup()
        procs = self.inst_procs()
        os.kill(procs["ora_smon_TSTB"], signal.SIGKILL)
        self.assertTrue(C.wait_gone(list(procs.values()), 5))
        with open(os.path.join(self.h.home, "standin", "trace", "alert_TSTB.log")) as f:
            self.assertIn("ORA-00474: SMON process terminated with error", f.read())

    def test_connected_session_sees_crash(self):
        self.h.startup()
        p = subprocess.Popen(["sqlplus", "-S", "/nolog"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=self.h.env)
        p.stdin.write("connect / as sysdba\nselect status from v$instance;\n")
        p.stdin.flush()
        time.sleep(0.5)
        self.h.ctl("crash", "instance")
        out, _ = p.communicate("select status from v$instance;\n"
                               "select status from v$instance;\n", timeout=10)
        self.assertIn("ORA-03113: end-of-file on communication channel", out)
        self.assertIn("ORA-03114: not connected to ORACLE", out)


class TestUsersAndWrites(Base):
    sid = "TSTC"
    RA_USER = ('create profile "MONPROF" limit FAILED_LOGIN_ATTEMPTS UNLIMITED '
               'PASSWORD_LIFE_TIME UNLIMITED;\n'
               'create user "MONUSER" identified by "Pw_1-x" profile "MONPROF";\n'
               'grant create session to "MONUSER";\n'
               'grant select on v_$instance to "MONUSER";\n')

    def test_no_default_users_and_password_login(self):
        self.h.startup()
        self.assertEqual(self.h.q("select USERNAME from dba_users where USERNAME='OCFMON';"),
                         [])
        r = self.h.sql("", connect='connect "OCFMON"/"OCFMON"')
        self.assertIn("ORA-01017: invalid username/password; logon denied", r.stdout)
        r = self.h.sql("set feedback off\n" + self.RA_USER)
        self.assertEqual(r.stdout.strip(), "Connected.")
        self.assertEqual(self.h.q("select USERNAME, ACCOUNT_STATUS from dba_users "
                                  "where USERNAME='MONUSER';")[0].split(),
                         ["MONUSER", "OPEN"])
        self.assertEqual(self.h.q("select PROFILE from dba_users where USERNAME='MONUSER';"),
                         ["MONPROF"])
        self.assertIn("MONPROF", self.h.q("select PROFILE from dba_profiles "
                                          "where PROFILE='MONPROF';")[0])
        lines = self.h.q("select status from v$instance;", connect='connect "MONUSER"/"Pw_1-x"')
        self.assertEqual(lines, ["OPEN"])
        r = self.h.sql("", connect='connect monuser/pw_1-x')    # passwords are case-sensitive
        self.assertIn("ORA-01017", r.stdout)
        r = self.h.sql("select open_mode from v$database;\n", connect="connect monuser/Pw_1-x")
        self.assertIn("ORA-00942: table or view does not exist", r.stdout)
        self.h.sql("create user nosess identified by x;\n")
        r = self.h.sql("", connect="connect nosess/x")
        self.assertIn("ORA-01045: user NOSESS lacks CREATE SESSION privilege; logon denied",
                      r.stdout)
        self.h.sql('alter user "MONUSER" identified by "p@ss/w0rd";\n')
        self.assertEqual(self.h.q("select status from v$instance;",
                                  connect='connect "MONUSER"/"p@ss/w0rd"'), ["OPEN"])
        self.h.sql('alter user "MONUSER" identified by "Pw_1-x";\n')
        self.h.sql('alter user "MONUSER" account lock;\n')
        self.assertIn("ORA-28000", self.h.sql("", connect="connect monuser/Pw_1-x").stdout)
        # the state never holds the password in clear
        for root, _, files in os.walk(self.h.tmp):
            for f in files:
                p = os.path.join(root, f)
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as fh:
                        self.assertNotIn(b"Pw_1-x", fh.read(), p)

    def test_substitution_variables_and_quoted_identifiers(self):
        """SQL*Plus substitutes &name (DEFINE ON, the default) in every line, commands such as
        CONNECT too, and asks for an undefined one on its input: the next line of a script on
        stdin. Quoted identifiers are case-sensitive, unquoted ones are upper-cased."""
        self.h.startup()
        r = self.h.sql('create user mon identified by "a&b";\ngrant create session to mon;\n'
                       "grant select on v_$instance to mon;\n")
        self.assertIn("Enter value for b:", r.stdout)  # The grant line became the password.
        self.assertEqual(r.stdout.count("Grant succeeded."), 1)
        self.h.sql("drop user mon;\n")
        r = self.h.sql('set define off\ncreate user mon identified by "a&b";\n'
                       "grant create session to mon;\ngrant select on v_$instance to mon;\n")
        self.assertNotIn("Enter value", r.stdout)
        self.assertEqual(r.stdout.count("Grant succeeded."), 2)
        self.assertEqual(self.h.q("select USERNAME from dba_users where USERNAME='MON';"),
                         ["MON"])
        query = "set heading off\nselect status from v$instance;\n"
        r = self.h.sql(query, connect='connect "MON"/"a&b"')
        self.assertIn("Enter value for b:", r.stdout)
        self.assertIn("ORA-01017", r.stdout)
        for connect in ('connect "MON"/"a&b"', 'connect mon/"a&b"', 'connect MoN/"a&b"'):
            r = self.h.sql(query, connect="set define off\n" + connect)
            self.assertIn("OPEN", r.stdout, connect)
        r = self.h.sql(query, connect='set define off\nconnect "mon"/"a&b"')
        self.assertIn("ORA-01017", r.stdout)  # "mon" is not MON.
        r = self.h.sql(query, connect='set define on\ndefine b = b\nconnect "MON"/"a&b"')
        self.assertNotIn("Enter value", r.stdout)  # A defined variable: no prompt, but the
        self.assertIn("ORA-01017", r.stdout)       # password is "ab".

    def test_write_transaction_goes_to_the_datafile(self):
        self.h.startup()
        r = self.h.sql(self.RA_USER + "grant create table to monuser;\n")
        r = self.h.sql("create table mon (id number, ts date, who varchar2(30));\n"
                       "insert into mon values (1, sysdate, 'x');\n",
                       connect="connect monuser/Pw_1-x")
        self.assertIn("Table created.", r.stdout)
        self.assertIn("ORA-01950: no privileges on tablespace 'USERS'", r.stdout)
        self.h.sql("alter user monuser quota unlimited on users;\n")
        r = self.h.sql("insert into mon (id, who) values (1, 'node1');\ncommit;\n"
                       "update mon set ts = sysdate, who = 'node2' where id = 1;\ncommit;\n"
                       "update mon set who = 'rolledback';\nrollback;\n",
                       connect="connect monuser/Pw_1-x")
        self.assertIn("1 row created.", r.stdout)
        self.assertIn("1 row updated.", r.stdout)
        self.assertIn("Commit complete.", r.stdout)
        self.assertIn("Rollback complete.", r.stdout)
        with open(os.path.join(self.h.info["ORADATA"], "users01.dbf")) as f:
            rows = json.load(f)["tables"]["MONUSER.MON"]["rows"]
        self.assertEqual([r["WHO"] for r in rows], ["node2"])
        self.assertEqual(self.h.q("select who from monuser.mon where id = 1;"), ["node2"])
        # an exit commits; WHENEVER SQLERROR EXIT ROLLBACK does not
        self.h.sql("update mon set who = 'exitcommit';\nexit\n",
                   connect="connect monuser/Pw_1-x")
        self.assertEqual(self.h.q("select who from monuser.mon;"), ["exitcommit"])
        r = self.h.sql("whenever sqlerror exit sql.sqlcode rollback\n"
                       "update mon set who = 'lost';\nselect * from nosuch;\n",
                       connect="connect monuser/Pw_1-x")
        self.assertEqual(r.returncode, 942 & 0xff)
        self.assertEqual(self.h.q("select who from monuser.mon;"), ["exitcommit"])
        # storage gone: the write fails with Oracle's I/O errors
        self.h.ctl("lose-datafile", "4")
        r = self.h.sql("update mon set who = 'x';\ncommit;\n", connect="connect monuser/Pw_1-x")
        self.assertIn("ORA-01116: error in opening database file 4", r.stdout)
        self.assertIn("ORA-01110: data file 4: '%s/users01.dbf'" % self.h.info["ORADATA"],
                      r.stdout)

    def test_restricted_and_suspended(self):
        self.h.startup("restrict")
        self.h.sql(self.RA_USER + "grant create table to monuser;\n"
                   "grant unlimited tablespace to monuser;\ncreate table monuser.t (n number);\n")
        self.assertEqual(self.h.q("select logins from v$instance;"), ["RESTRICTED"])
        r = self.h.sql("", connect="connect monuser/Pw_1-x")
        self.assertIn("ORA-01035: ORACLE only available to users with RESTRICTED SESSION "
                      "privilege", r.stdout)
        r = self.h.sql("alter system disable restricted session;\n")
        self.assertIn("System altered.", r.stdout)
        self.assertEqual(self.h.q("select logins from v$instance;"), ["ALLOWED"])
        self.h.sql("alter system suspend;\n")
        self.assertEqual(self.h.q("select database_status from v$instance;"), ["SUSPENDED"])
        # I/O suspended: the commit blocks (queries do not) until RESUME
        p = subprocess.Popen(["sqlplus", "-S", "/nolog"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=self.h.env)
        p.stdin.write("connect monuser/Pw_1-x\ninsert into t values (1);\ncommit;\n")
        p.stdin.close()
        time.sleep(1)
        self.assertIsNone(p.poll())
        self.assertEqual(self.h.q("select status from v$instance;"), ["OPEN"])
        self.h.sql("alter system resume;\n")
        p.wait(10)
        with p.stdout:
            self.assertIn("Commit complete.", p.stdout.read())
        self.assertEqual(self.h.q("select database_status from v$instance;"), ["ACTIVE"])
        r = self.h.sql("insert into t values (1);\ncommit;\n", connect="connect monuser/Pw_1-x")
        self.assertIn("Commit complete.", r.stdout)

    def test_backup_mode(self):
        self.h.startup()
        self.h.sql("alter database begin backup;\n")
        self.assertEqual(self.h.q("select 'COUNT'||count(*) from v$backup "
                                  "where status='ACTIVE';"), ["COUNT4"])
        r = self.h.sql("shutdown immediate\n")
        self.assertIn("ORA-01149: cannot shutdown - file 1 has online backup set", r.stdout)
        self.h.sql("shutdown abort\n")
        r = self.h.startup()
        self.assertIn("Database mounted.", r.stdout)
        self.assertIn("ORA-10873: file 1 needs to be either taken out of backup mode or media "
                      "recovered", r.stdout)
        self.assertEqual(self.h.q("select status from v$instance;"), ["MOUNTED"])
        self.h.sql("alter database end backup;\nalter database open;\n")
        self.assertEqual(self.h.q("select status from v$instance;"), ["OPEN"])
        self.assertEqual(self.h.q("select 'COUNT'||count(*) from v$backup "
                                  "where status='ACTIVE';"), ["COUNT0"])


class TestFaults(Base):
    sid = "TSTD"

    def test_hang_sqlplus(self):
        self.h.ctl("hang", "sqlplus")
        t0 = time.time()
        with self.assertRaises(subprocess.TimeoutExpired):
            self.h.sql("select 1 from dual;\n", timeout=1)
        self.assertLess(time.time() - t0, 3)
        self.h.ctl("hang", "sqlplus", "--ignore-term")
        p = subprocess.Popen(["sqlplus", "-S", "/nolog"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, env=self.h.env)
        p.stdin.write(b"connect / as sysdba\n")
        p.stdin.flush()
        time.sleep(0.7)
        p.terminate()
        time.sleep(0.3)
        self.assertIsNone(p.poll())          # SIGTERM ignored
        p.kill()
        self.assertEqual(p.wait(5), -signal.SIGKILL)
        p.stdin.close()
        self.h.ctl("clear")
        self.assertIn("Connected to an idle instance.", self.h.sql("").stdout)

    def test_refuse_logins(self):
        self.h.startup()
        self.h.sql(TestUsersAndWrites.RA_USER)
        self.h.ctl("refuse-logins")
        self.assertIn("ORA-01017", self.h.sql("", connect="connect monuser/Pw_1-x").stdout)
        self.h.ctl("refuse-logins", "ORA-00257")
        self.assertIn("ORA-00257: Archiver error. Connect AS SYSDBA only until resolved.",
                      self.h.sql("", connect="connect monuser/Pw_1-x").stdout)
        self.assertIn("Connected.", self.h.sql("").stdout)
        self.h.ctl("refuse-logins", "1017", "--sysdba")
        self.assertIn("ORA-01031: insufficient privileges", self.h.sql("").stdout)
        self.h.ctl("clear")
        self.assertEqual(self.h.q("select status from v$instance;",
                                  connect="connect monuser/Pw_1-x"), ["OPEN"])

    def test_lose_datafile(self):
        self.h.ctl("lose-datafile")
        r = self.h.startup()
        self.assertIn("Database mounted.\nORA-01157: cannot identify/lock data file 4 - see "
                      "DBWR trace file\nORA-01110: data file 4: '%s/users01.dbf'"
                      % self.h.info["ORADATA"], r.stdout)
        self.assertEqual(self.h.q("select status from v$instance;"), ["MOUNTED"])
        r = self.h.sql("alter database open;\n")
        self.assertIn("alter database open\n*\nERROR at line 1:\nORA-01157", r.stdout)
        self.h.ctl("clear")
        self.h.sql("alter database open;\n")
        self.assertEqual(self.h.q("select status from v$instance;"), ["OPEN"])
        self.h.sql("shutdown immediate\n")
        self.h.ctl("lose-controlfile")
        r = self.h.startup()
        self.assertIn("ORA-00205: error in identifying control file", r.stdout)
        self.assertEqual(self.h.q("select status from v$instance;"), ["STARTED"])

    def test_slow_sqlplus(self):
        self.h.ctl("slow", "sqlplus", "0.6")
        t0 = time.time()
        r = self.h.sql("select 1 from dual;\n")
        self.assertGreaterEqual(time.time() - t0, 1.2)     # connect + statement
        self.assertIn("ORA-01034", r.stdout)

    def test_hang_commit(self):
        self.h.startup()
        self.h.sql("create table system.t (n number);\n")
        self.h.ctl("hang", "commit")
        with self.assertRaises(subprocess.TimeoutExpired):
            self.h.sql("insert into system.t values (1);\ncommit;\n", timeout=1)
        # frozen writes do not block reads (the depth-10 monitor still answers)
        self.assertEqual(self.h.q("select status from v$instance;"), ["OPEN"])
        self.h.ctl("clear")
        self.assertIn("Commit complete.",
                      self.h.sql("insert into system.t values (1);\ncommit;\n").stdout)


class TestSqlplusFormats(Base):
    sid = "TSTE"

    def test_headings_feedback_settings(self):
        self.h.startup()
        r = self.h.sql("select status from v$instance;\n")
        self.assertEqual(r.stdout, "Connected.\n\nSTATUS\n------------\nOPEN\n\n")
        r = self.h.sql("set feedback on\nselect status, instance_name from v$instance;\n"
                       "select username from dba_users where username = 'NOBODY';\n")
        self.assertIn("STATUS       INSTANCE_NAME\n------------ ----------------\n"
                      "OPEN         TSTE\n\n1 row selected.", r.stdout)
        self.assertIn("no rows selected", r.stdout)
        r = self.h.sql("set pagesize 0\nselect status from v$instance;\n")
        self.assertEqual(r.stdout, "Connected.\nOPEN\n")
        r = self.h.sql("column status heading 'State'\nset heading on\n"
                       "select status from v$instance;\n")
        self.assertIn("State\n------------\nOPEN", r.stdout)
        r = self.h.sql("set bogus on\n")
        self.assertIn('SP2-0158: unknown SET option "bogus"', r.stdout)
        r = self.h.sql("whenever sqlerror exit failure\nselect * from nosuch;\n"
                       "select 1 from dual;\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("select * from nosuch\n              *\nERROR at line 1:\n"
                      "ORA-00942: table or view does not exist", r.stdout)
        self.assertEqual(self.h.sql("exit 3\n").returncode, 3)
        # the invocations the agents use, and the banner without -S
        r = self.h.run(["sqlplus", "-s", "/", "as", "sysdba"], "select 1 from dual;\n")
        self.assertIn("         1", r.stdout)
        r = self.h.run(["sqlplus", "/nolog"], "connect / as sysdba\nexit\n")
        self.assertIn("SQL*Plus: Release 19.0.0.0.0 - Production", r.stdout)
        self.assertIn("Disconnected from Oracle Database 19c", r.stdout)
        r = self.h.run(["sqlplus", "-S", "-L", "scott/tiger"], "")
        self.assertEqual(r.returncode, 1)
        self.assertIn("ORA-01017", r.stdout)


class TestListener(Base):
    sid = "TSTF"
    extra = ("--listener", "LISTENER", "--listener", "LSNR2")

    def test_lsnrctl_tnsping_processes(self):
        r = self.h.run(["lsnrctl", "status"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("TNS-12541: TNS:no listener\n TNS-12560: TNS:protocol adapter error\n"
                      "  TNS-00511: No listener\n   Linux Error: 111: Connection refused",
                      r.stdout)
        r = self.h.run(["tnsping", "TSTF"])
        self.assertEqual((r.returncode, r.stdout.splitlines()[-1]),
                         (1, "TNS-12541: TNS:no listener"))
        r = self.h.run(["lsnrctl", "start", "LISTENER"])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "The command completed successfully")
        self.assertIn("Alias                     LISTENER", r.stdout)
        self.assertIn('Instance "TSTF", status UNKNOWN, has 1 handler(s) for this service...',
                      r.stdout)
        r2 = self.h.run(["lsnrctl", "start", "lsnr2"])
        self.assertEqual(r2.returncode, 0, r2.stdout)
        procs = {tuple(cl): pid for pid, cl in procs_named("tnslsnr").items()
                 if cl[0].startswith(self.h.home)}
        self.assertEqual(sorted(procs), [(self.h.home + "/bin/tnslsnr", "LISTENER", "-inherit"),
                                         (self.h.home + "/bin/tnslsnr", "LSNR2", "-inherit")])
        for pid in procs.values():
            self.assertEqual(comm(pid), "tnslsnr")
        # the port is really listened on
        socket.create_connection(("127.0.0.1", int(self.h.info["PORT"])), timeout=2).close()
        r = self.h.run(["tnsping", "TSTF"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.splitlines()[-1], r"^OK \(\d+ msec\)$")
        self.assertIn("Used TNSNAMES adapter to resolve the alias", r.stdout)
        self.assertIn("TNS-01106: Listener using listener name LISTENER has already been "
                      "started", self.h.run(["lsnrctl", "start"]).stdout)
        # dynamic registration once the instance runs
        self.h.startup()
        r = self.h.run(["lsnrctl", "status", "LISTENER"])
        self.assertIn('Instance "TSTF", status READY, has 1 handler(s) for this service...',
                      r.stdout)
        self.h.sql("create user u identified by p;\ngrant create session to u;\n")
        self.assertIn("Connected.", self.h.sql("", connect="connect u/p@TSTF").stdout)
        self.assertIn("TNS-01151: Missing listener name, NOPE, in LISTENER.ORA",
                      self.h.run(["lsnrctl", "start", "nope"]).stdout)
        # stop; crash; hang
        r = self.h.run(["lsnrctl", "stop", "LSNR2"])
        self.assertEqual(r.stdout.splitlines()[-1], "The command completed successfully")
        self.assertFalse(C.proc_alive(procs[(self.h.home + "/bin/tnslsnr", "LSNR2",
                                             "-inherit")]))
        self.h.ctl("crash", "listener", "LISTENER")
        self.assertEqual(self.h.run(["lsnrctl", "status"]).returncode, 1)
        self.assertIn("ORA-12541: TNS:no listener",
                      self.h.sql("", connect="connect u/p@TSTF").stdout)
        self.assertEqual(self.h.run(["lsnrctl", "start"]).returncode, 0)
        self.h.ctl("hang", "listener")
        with self.assertRaises(subprocess.TimeoutExpired):
            self.h.run(["lsnrctl", "status"], timeout=1)
        with self.assertRaises(subprocess.TimeoutExpired):
            self.h.run(["tnsping", "TSTF"], timeout=1)
        self.h.ctl("clear")
        self.h.ctl("hang", "lsnrctl")
        with self.assertRaises(subprocess.TimeoutExpired):
            self.h.run(["lsnrctl", "status"], timeout=1)
        self.h.ctl("clear")

    def test_port_in_use(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(self.h.info["PORT"])))
        s.listen(1)
        try:
            r = self.h.run(["lsnrctl", "start"])
        finally:
            s.close()
        self.assertEqual(r.returncode, 1)
        self.assertIn("TNS-12542: TNS:address already in use", r.stdout)
        self.assertIn("Listener failed to start.", r.stdout)


class TestSecrets(Base):
    sid = "TSTG"

    def test_password_on_stdin_never_in_argv_or_environ(self):
        secret = "Zq9-secret-%d" % os.getpid()
        self.h.startup()
        self.h.sql('create user "MON" identified by "%s";\ngrant create session to "MON";\n'
                   'grant select on v_$instance to "MON";\n' % secret)
        p = subprocess.Popen(["sqlplus", "-S", "-L", "/nolog"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=self.h.env)
        p.stdin.write('connect "MON"/"%s"\nselect status from v$instance;\n' % secret)
        p.stdin.flush()
        deadline = time.time() + 5
        out = ""
        while "OPEN" not in out and time.time() < deadline:
            out += p.stdout.readline()
        self.assertIn("OPEN", out)      # logged in and still running (stdin open)
        found = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            for what in ("cmdline", "environ"):
                try:
                    with open("/proc/%s/%s" % (d, what), "rb") as f:
                        if secret.encode() in f.read():
                            found.append((d, what))
                except OSError:
                    pass
        p.stdin.close()
        p.wait(5)
        p.stdout.close()
        self.assertEqual(found, [])


@unittest.skipUnless(hasattr(os, "geteuid") and os.geteuid() == 0, "needs root to setuid")
class TestOwner(Base):
    sid = "TSTH"
    extra = ("--owner", "nobody")

    def test_runs_as_oracle_owner(self):
        nobody = pwd.getpwnam("nobody")

        def as_owner():
            os.setgid(nobody.pw_gid)
            os.setgroups([])
            os.setuid(nobody.pw_uid)

        r = self.h.sql("startup\n", preexec_fn=as_owner)
        self.assertIn("Database opened.", r.stdout, r.stdout + r.stderr)
        for name, pid in self.inst_procs().items():
            self.assertEqual(os.stat("/proc/%d" % pid).st_uid, nobody.pw_uid, name)
        self.assertEqual(os.stat(os.path.join(self.h.home, "standin", "inst-TSTH.json")).st_uid,
                         nobody.pw_uid)
        r = self.h.run(["lsnrctl", "start"], preexec_fn=as_owner)
        self.assertEqual(r.returncode, 0, r.stdout)
        # root can still drive the same home, and the owner after root
        self.assertEqual(self.h.q("select status from v$instance;"), ["OPEN"])
        self.assertIn("ORACLE instance shut down.", self.h.sql("shutdown immediate\n").stdout)
        self.h.ctl("hang", "commit")
        self.h.ctl("clear")
        r = self.h.sql("startup\nshutdown immediate\nstartup\n", preexec_fn=as_owner)
        self.assertEqual(r.stdout.count("Database opened."), 2, r.stdout + r.stderr)
        # another unprivileged user may not use OS authentication
        r = self.h.sql("", preexec_fn=lambda: (os.setgid(65533), os.setgroups([]),
                                               os.setuid(65533)))
        self.assertIn("ORA-01031: insufficient privileges", r.stdout)


@unittest.skipUnless(os.path.exists(os.path.join(RA_DIR, "oracle")),
                     "resource-agents is not installed (no %s/oracle)" % RA_DIR)
class TestResourceAgents(Base):
    """Side-by-side: resource-agents' oracle and oralsnr against the stand-in.
    (A listener name of its own: oralsnr looks for any tnslsnr of that name.)"""
    sid = "TSTR"
    extra = ("--listener", "LSNR_TSTR")

    def ra(self, agent, op, **params):
        env = dict(self.h.env, OCF_ROOT="/usr/lib/ocf")
        for k, v in params.items():
            env["OCF_RESKEY_" + k] = v
        return self.h.run([os.path.join(RA_DIR, agent), op], env=env, timeout=120)

    def test_oracle_and_oralsnr_agents(self):
        p = {"sid": "TSTR", "home": self.h.home, "monpassword": "Mon_pw-1"}
        self.assertEqual(self.ra("oracle", "monitor", **p).returncode, 7)
        r = self.ra("oracle", "start", **p)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.ra("oracle", "monitor", **p).returncode, 0)
        # the monitor user the agent created logs in with the password
        self.assertEqual(self.h.q("select status from v$instance;",
                                  connect='connect "OCFMON"/"Mon_pw-1"'), ["OPEN"])
        self.h.ctl("crash", "instance")
        self.assertEqual(self.ra("oracle", "monitor", **p).returncode, 7)
        r = self.ra("oracle", "start", **p)   # ORA-01081 path: cleanup, then start
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ORA-01081", r.stderr + r.stdout)
        r = self.ra("oracle", "stop", **p)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.inst_procs(), {})
        lp = {"sid": "TSTR", "home": self.h.home, "listener": "LSNR_TSTR"}
        self.assertEqual(self.ra("oralsnr", "monitor", **lp).returncode, 7)
        r = self.ra("oralsnr", "start", **lp)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.ra("oralsnr", "monitor", **lp).returncode, 0)
        self.h.ctl("crash", "listener", "LSNR_TSTR")
        self.assertEqual(self.ra("oralsnr", "monitor", **lp).returncode, 7)
        self.assertEqual(self.ra("oralsnr", "stop", **lp).returncode, 0)

    @unittest.skipUnless(shutil.which("ocf-tester"), "ocf-tester is not installed")
    def test_ocf_tester(self):
        env = dict(self.h.env, OCF_ROOT="/usr/lib/ocf")
        for agent, opts in (("oracle", ["-o", "sid=TSTR", "-o", "home=" + self.h.home,
                                        "-o", "monpassword=Mon_pw-1"]),
                            ("oralsnr", ["-o", "sid=TSTR", "-o", "home=" + self.h.home,
                                         "-o", "listener=LSNR_TSTR"])):
            r = self.h.run(["ocf-tester", "-n", "t-" + agent] + opts +
                           [os.path.join(RA_DIR, agent)], env=env, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("passed all tests", r.stdout)


if __name__ == "__main__":
    unittest.main()
